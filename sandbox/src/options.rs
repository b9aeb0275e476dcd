//! The sandbox's command line: a hand-written parser (the double needs no clap) into [`Options`].

use std::time::Duration;

use crate::accounts::Period;

/// `get.customer_users` reaches 110 000 rows by offset; more users would only cost memory.
const MAX_EXTRA_USERS: u32 = 100_000;
/// Funnels of the client account and of user 12 when `--funnels` is not given: the README's first
/// command prints their table, which must fit a terminal of 80x24 (3 funnels are 23 lines; 4 are 35).
const DEFAULT_FUNNELS: usize = 3;

pub(crate) const USAGE: &str = "\
usage: sandbox [--port PORT] [--funnels N] [--users N] [--mutate N] [--latency-ms MS]
               [--minute-limit N] [--hour-limit N] [--day-limit N]
               [--windows LIST] [--platform P] [--null-error-ids]
               [--bare-errors] [--fail-every N] [--verbose]
               [--exec CMD [ARGS...]]

  --port PORT        port on 127.0.0.1 (default 8089, with --exec a free one; 0 picks a free one)
  --funnels N        funnels of the client account and of agent user 12 (default 3: their table
                     fits an 80x24 terminal)
  --users N          N more client users of the agent, ids 1000.., 10 funnels each (default 0)
  --mutate N         serve the --funnels set as on a later day N (default 0: unchanged): one
                     funnel renamed, one removed, one added, and in one funnel a stage renamed,
                     two moved, one switched to failed, one removed, one added; for funnels diff
  --latency-ms MS    sleep before every response (default 0)
  --minute-limit N   API points per minute and account (default 200)
  --hour-limit N     API points per hour and account; puts the hour window in force (default 4000,
                     for an hour window that only --windows names)
  --day-limit N      API points per day and account (default 3500)
  --windows LIST     the windows sent and enforced: `day`, `hour`, `minute`, comma-separated, or
                     `none` (default day,minute, plus hour with --hour-limit); e.g. `--windows hour`
                     for an hour window only
  --platform P       comagic, uis or callgear: callgear refuses the operators CallGear does not list
                     (default: comagic rules, and no FUNNELS_PLATFORM line)
  --null-error-ids   answer every error with \"id\": null
  --bare-errors      leave data.metadata out of every error
  --fail-every N     every Nth paid call answers -32603 internal_error (N >= 1)
  --verbose          one line per request on stderr
  --exec CMD ...     run CMD with FUNNELS_ENDPOINT and FUNNELS_TOKEN (and FUNNELS_PLATFORM) set,
                     then exit with its code; everything after --exec belongs to CMD
";

/// Whose rules the sandbox follows (`--platform`): only CallGear's differ, in the operators it lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Brand {
    Comagic,
    Uis,
    CallGear,
}

impl Brand {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Brand::Comagic => "comagic",
            Brand::Uis => "uis",
            Brand::CallGear => "callgear",
        }
    }
}

/// The command line, parsed; settled into a [`crate::methods::Service`] at start-up.
pub(crate) struct Options {
    /// `None`: 8089, or a free port with `--exec` (nothing to collide with a running sandbox).
    pub(crate) port: Option<u16>,
    pub(crate) funnels: usize,
    pub(crate) users: u32,
    /// `--mutate`: 0 for the data as always.
    pub(crate) mutate: u32,
    pub(crate) latency: Duration,
    pub(crate) minute_limit: u64,
    pub(crate) hour_limit: Option<u64>,
    pub(crate) day_limit: u64,
    /// `--windows` as given; `None` = the default set.
    pub(crate) windows: Option<Vec<Period>>,
    /// `None`: not given (CoMagic rules, no `FUNNELS_PLATFORM` in the banner).
    pub(crate) platform: Option<Brand>,
    pub(crate) null_error_ids: bool,
    pub(crate) bare_errors: bool,
    pub(crate) fail_every: Option<u64>,
    pub(crate) verbose: bool,
    pub(crate) exec: Option<Vec<String>>,
}

impl Options {
    /// The windows in force, longest first (the order of `metadata.limits`), with their budgets.
    pub(crate) fn windows(&self) -> Vec<(Period, u64)> {
        let spans = self.windows.clone().unwrap_or_else(|| {
            let mut spans = vec![Period::Day, Period::Minute];
            if self.hour_limit.is_some() {
                spans.push(Period::Hour);
            }
            spans
        });
        Period::ALL
            .into_iter()
            .filter(|s| spans.contains(s))
            .map(|s| {
                let budget = match s {
                    Period::Day => self.day_limit,
                    Period::Hour => self.hour_limit.unwrap_or(4000),
                    Period::Minute => self.minute_limit,
                };
                (s, budget)
            })
            .collect()
    }
}

pub(crate) fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        port: None,
        funnels: DEFAULT_FUNNELS,
        users: 0,
        mutate: 0,
        latency: Duration::ZERO,
        minute_limit: 200,
        hour_limit: None,
        day_limit: 3500,
        windows: None,
        platform: None,
        null_error_ids: false,
        bare_errors: false,
        fail_every: None,
        verbose: false,
        exec: None,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--port" => opts.port = Some(parse_num(&name, &value("a port")?)?),
            "--funnels" => opts.funnels = parse_num(&name, &value("a count")?)?,
            "--users" => opts.users = parse_num(&name, &value("a count")?)?,
            "--mutate" => opts.mutate = parse_num(&name, &value("a day number")?)?,
            "--latency-ms" => {
                opts.latency = Duration::from_millis(parse_num(&name, &value("milliseconds")?)?);
            }
            "--minute-limit" => opts.minute_limit = parse_num(&name, &value("a count")?)?,
            "--hour-limit" => opts.hour_limit = Some(parse_num(&name, &value("a count")?)?),
            "--day-limit" => opts.day_limit = parse_num(&name, &value("a count")?)?,
            "--windows" => opts.windows = Some(parse_windows(&value("a list of windows")?)?),
            "--platform" => {
                opts.platform = Some(match value("a platform")?.as_str() {
                    "comagic" => Brand::Comagic,
                    "uis" => Brand::Uis,
                    "callgear" => Brand::CallGear,
                    other => return Err(format!("--platform: `{other}` is not comagic, uis or callgear")),
                });
            }
            "--null-error-ids" => opts.null_error_ids = true,
            "--bare-errors" => opts.bare_errors = true,
            "--fail-every" => match parse_num(&name, &value("a count")?)? {
                0 => return Err("--fail-every: N must be at least 1".into()),
                n => opts.fail_every = Some(n),
            },
            "-v" | "--verbose" => opts.verbose = true,
            "--exec" => {
                let command: Vec<String> = inline.into_iter().chain(args.by_ref()).collect();
                if command.is_empty() {
                    return Err("--exec needs a command".into());
                }
                opts.exec = Some(command);
            }
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    if opts.funnels > 5_000_000 {
        return Err("--funnels: at most 5000000".into());
    }
    if opts.users > MAX_EXTRA_USERS {
        return Err(format!("--users: at most {MAX_EXTRA_USERS}"));
    }
    Ok(opts)
}

/// `day,hour,minute` in any order and combination, or `none`.
fn parse_windows(text: &str) -> Result<Vec<Period>, String> {
    if text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|name| {
            Period::ALL
                .into_iter()
                .find(|s| s.name() == name.trim())
                .ok_or_else(|| format!("--windows: `{name}` is not day, hour or minute (or `none` alone)"))
        })
        .collect()
}

fn parse_num<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{name}: `{text}` is not a valid number"))
}
