//! Command line + environment + config file → one validated [`Settings`]; nothing later sees `Cli`.
//!
//! Precedence is settled here once (SPEC §2): flag > environment > profile of the config file
//! (SPEC §9) > built-in default. clap reads the textual variables; the numeric ones are read here, so
//! that a bad value is reported under its own name ("FUNNELS_TIMEOUT") with its range, not under a
//! flag the user never typed. Every number is range-checked before anything uses it. Facts about the
//! environment (is stdout a terminal, its width, colour, the proxy variables) are captured once as well.
//!
//! Beside this file: `config/endpoint.rs` (the endpoint rule and each platform's URL), `proxy.rs`
//! (the proxy variables, read once), `terminal.rs` (size and pager command), `profiles.rs` (what
//! `funnels profiles` reads).

mod endpoint;
mod profiles;
mod proxy;
mod terminal;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use etcetera::base_strategy::{BaseStrategy, Xdg};
use serde::Deserialize;

use crate::cli::{ColorChoice, Format, GlobalArgs, Platform};
use crate::credentials::TokenInputs;
use crate::exit::{self, Exit, Failure};
use crate::files;
use crate::output::pager::Pager;
use crate::rpc::ClientOptions;

pub use endpoint::{check_endpoint, default_endpoint};
use endpoint::{host_platform, register_url_credentials};
pub use profiles::{ProfileSummary, ProfileToken, ProfilesOverview, profiles};
pub use proxy::ProxyEnv;
use terminal::{pager_command, terminal_size};

/// Built-in defaults of SPEC §2.
const DEFAULT_TIMEOUT: u64 = 30;
const DEFAULT_RETRIES: u32 = 3;
const DEFAULT_MAX_WAIT: u64 = 120;

/// The ranges of SPEC §2. Flags are also held to them by clap (`cli.rs`).
pub const TIMEOUT_RANGE: RangeInclusive<u64> = 1..=3600;
pub const RETRIES_RANGE: RangeInclusive<u64> = 0..=10;
pub const MAX_WAIT_RANGE: RangeInclusive<u64> = 0..=86_400;
pub const PAGE_SIZE_RANGE: RangeInclusive<u64> = 1..=10_000;
/// User ids are the API's numbers; 2^53 is the largest integer every JSON reader keeps exactly.
pub const USER_ID_RANGE: RangeInclusive<u64> = 1..=(1 << 53);
const MAX_CONNECT: Duration = Duration::from_secs(10);
const MAX_BODY: u64 = 256 * 1024 * 1024;
/// A run shorter than this shows no progress line (SPEC §2: "more than about a second").
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// Everything the commands need to know, settled.
#[derive(Debug)]
pub struct Settings {
    pub platform: Platform,
    /// Whose documented API is spoken (SPEC §3.1): CallGear when the platform settles to
    /// `callgear` or the endpoint's host is CallGear's; else the vendor the endpoint's host names,
    /// or `platform` for any other host (a sandbox, a proxy).
    pub dialect: Platform,
    pub endpoint: String,
    /// Name of the profile in force (`default` when none), which also names the session file.
    pub profile: String,
    /// Why a profile of the config file is in force; `None` when none is (then `profile` is
    /// `default` and names only the session file).
    pub profile_choice: Option<ProfileChoice>,
    /// The config file's profiles when none is in force although the file has some: no
    /// `default_profile`, no `--profile`, no `FUNNELS_PROFILE` (SPEC §9 names them when no token is
    /// found). Empty otherwise.
    pub unchosen_profiles: Vec<String>,
    /// The config file actually read, if any (`--out` must not overwrite it).
    pub config_path: Option<PathBuf>,
    pub token: TokenInputs,
    pub user_id: Option<u64>,
    /// Where `user_id` came from: `--all-users` refuses only one typed on the command line.
    pub user_id_origin: Option<Origin>,
    pub format: Format,
    pub out: Option<PathBuf>,
    /// The profile's `page_size`, used when `--page-size` is not given.
    pub page_size: Option<u64>,
    /// The client's options for `endpoint`, but for the proxy: [`Settings::client_options`] adds it.
    client: ClientOptions,
    /// The proxy variables, read once here and applied when a client is about to be made.
    proxy_env: ProxyEnv,
    pub verbose: u8,
    pub quiet: bool,
    pub dry_run: bool,
    /// Colour for the table (policy of `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and the TTY).
    pub color: bool,
    /// Terminal width for the table when output goes to a terminal; `None` otherwise.
    pub width: Option<u16>,
    /// Output goes to a terminal (stdout without `--out`).
    pub stdout_tty: bool,
    /// Standard error is a terminal.
    pub stderr_tty: bool,
    /// The progress line and the `--out` summary may be shown (SPEC §2): stderr is a terminal,
    /// and neither `-q` nor `-v` is given. Commands add their own conditions (`--stream` to a
    /// terminal stdout).
    pub progress: bool,
    /// How long a run goes before the progress line appears (about a second; a hidden knob,
    /// `FUNNELS_PROGRESS_AFTER_MS`, shortens it for tests).
    pub progress_after: Duration,
    /// The pager for table output taller than the screen (SPEC §2): `Some` only when stdout is a
    /// terminal, the format is `table`, `--no-pager` is not given and a pager command was found.
    pub pager: Option<Pager>,
    pub stdin_tty: bool,
    /// How long a pipe or FIFO read as a local file may send nothing (SPEC §2: 10 s).
    pub pipe_wait: Duration,
}

/// Where a setting came from, so that messages name it rather than a flag never typed (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The command line.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The profile in force.
    Profile,
}

/// Why a profile of the config file is in force (SPEC §4 `profiles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileChoice {
    /// `--profile NAME`.
    Flag,
    /// `FUNNELS_PROFILE`.
    Env,
    /// The config file's `default_profile`.
    DefaultProfile,
}

impl ProfileChoice {
    /// How the user set it, as they would type it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileChoice::Flag => "--profile",
            ProfileChoice::Env => "FUNNELS_PROFILE",
            ProfileChoice::DefaultProfile => "default_profile",
        }
    }
}

/// The config file (SPEC §9).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    platform: Option<Platform>,
    endpoint: Option<String>,
    // Numbers are read as TOML's own integers and range-checked in `settle`, so that `-1` or a
    // huge value gets the same message, naming the key, the file and the range.
    user_id: Option<i64>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    output: Option<Format>,
    page_size: Option<i64>,
    timeout: Option<i64>,
    retries: Option<i64>,
    max_wait: Option<i64>,
}

/// Reads the environment and the config file and settles every policy.
pub fn settle(args: &GlobalArgs) -> anyhow::Result<Settings> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if args.quiet && args.verbose > 0 {
        return Err(exit::usage("-q (only errors) and -v (a line per request) contradict each other; use one"));
    }
    let home = Xdg::new().ok();
    let pipe_wait = knob_ms("FUNNELS_PIPE_WAIT_MS", files::PIPE_WAIT);

    let loaded = load_config(args, home.as_ref(), pipe_wait)?;
    let unchosen_profiles = match choose_profile(args, &loaded.file) {
        None => loaded.file.profiles.keys().cloned().collect(),
        Some(_) => Vec::new(),
    };
    let (profile_name, profile, profile_choice) = profile_in_force(args, &loaded)?;
    let config_path = loaded.path;
    let in_config = |key: &str| match &config_path {
        Some(path) => format!("`{key}` of profile `{profile_name}` in {}", path.display()),
        None => format!("`{key}`"),
    };
    let number = |flag: (&str, Option<u64>), var: Option<&'static str>, key: &str, range: RangeInclusive<u64>| {
        let from_env = var.and_then(|name| env(name).map(|text| (name, text)));
        settle_number(flag, from_env, (&in_config(key), profile_value(&profile, key)), &range)
    };

    let platform = args.platform.or(profile.platform).unwrap_or(Platform::Comagic);
    let endpoint = match (&args.endpoint, &profile.endpoint) {
        (Some(url), _) => check_endpoint(url).map_err(exit::usage)?,
        (None, Some(url)) => {
            check_endpoint(url).map_err(|e| exit::config(format!("bad {}: {e}", in_config("endpoint"))))?
        }
        (None, None) => default_endpoint(platform).to_owned(),
    };
    register_url_credentials(&endpoint);

    let timeout = number(("--timeout", args.timeout), Some("FUNNELS_TIMEOUT"), "timeout", TIMEOUT_RANGE)?;
    let retries = number(("--retries", args.retries), Some("FUNNELS_RETRIES"), "retries", RETRIES_RANGE)?;
    let max_wait = number(("--max-wait", args.max_wait), None, "max_wait", MAX_WAIT_RANGE)?;
    let page_size = number(("--page-size", None), None, "page_size", PAGE_SIZE_RANGE)?;
    let user_id = number(("--user-id", args.user_id), Some("FUNNELS_USER_ID"), "user_id", USER_ID_RANGE)?;

    let timeout = Duration::from_secs(timeout.map_or(DEFAULT_TIMEOUT, |(v, _)| v));
    let retries = retries.map_or(DEFAULT_RETRIES, |(v, _)| u32::try_from(v).unwrap_or(DEFAULT_RETRIES));
    let max_wait = Duration::from_secs(max_wait.map_or(DEFAULT_MAX_WAIT, |(v, _)| v));

    let stdout_tty = args.out.as_deref().is_none_or(|out| out == Path::new("-")) && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            env("NO_COLOR").is_none() && (stdout_tty || env("CLICOLOR_FORCE").is_some_and(|v| v != "0"))
        }
    };
    let size = if stdout_tty { Some(terminal_size(&env)) } else { None };
    let width = size.map(|(columns, _)| columns);
    let format = args.output.or(profile.output).unwrap_or(Format::Table);
    let pager = match size {
        Some((_, rows)) if format == Format::Table && !args.no_pager => {
            pager_command(&|name| std::env::var(name).ok()).map(|command| Pager { command, rows })
        }
        _ => None,
    };
    let stderr_tty = std::io::stderr().is_terminal();

    let stdin_tty = std::io::stdin().is_terminal();
    let token = TokenInputs {
        stdin: args.token_stdin,
        stdin_tty,
        file_flag: args.token_file.clone(),
        env_token: std::env::var("FUNNELS_TOKEN").ok(),
        env_file: env("FUNNELS_TOKEN_FILE").map(PathBuf::from),
        profile_token: profile.token.clone().map(|t| (t, config_path.clone().unwrap_or_default())),
        profile_file: profile.token_file.as_deref().map(|p| expand_home(p, home.as_ref())),
        session_dir: home.as_ref().and_then(Xdg::state_dir).map(|d| d.join("funnels")),
        platform,
        endpoint: endpoint.clone(),
        profile: profile_name.clone(),
        pipe_wait,
    };

    let dialect =
        if platform == Platform::Callgear { Platform::Callgear } else { host_platform(&endpoint).unwrap_or(platform) };

    Ok(Settings {
        platform,
        dialect,
        endpoint: endpoint.clone(),
        profile: profile_name,
        profile_choice,
        unchosen_profiles,
        config_path,
        token,
        user_id: user_id.map(|(id, _)| id),
        user_id_origin: user_id.map(|(_, origin)| origin),
        format,
        out: args.out.clone(),
        page_size: page_size.map(|(size, _)| size),
        client: ClientOptions {
            endpoint,
            proxy: None,
            timeout,
            connect_timeout: timeout.min(MAX_CONNECT),
            retries,
            max_wait,
            backoff_base: knob_ms("FUNNELS_BACKOFF_BASE_MS", Duration::from_millis(500)),
            backoff_cap: Duration::from_secs(10),
            wait_unit: knob_ms("FUNNELS_WAIT_UNIT_MS", Duration::from_secs(1)),
            max_body: MAX_BODY,
            verbose: args.verbose,
            quiet: args.quiet,
        },
        proxy_env: ProxyEnv::capture(),
        verbose: args.verbose,
        quiet: args.quiet,
        dry_run: args.dry_run,
        color,
        width,
        stdout_tty,
        stderr_tty,
        progress: stderr_tty && !args.quiet && args.verbose == 0,
        progress_after: knob_ms("FUNNELS_PROGRESS_AFTER_MS", PROGRESS_AFTER),
        pager,
        stdin_tty,
        pipe_wait,
    })
}

impl Settings {
    /// What a query needs of these settings.
    pub fn query_context(&self) -> crate::query::Context {
        crate::query::Context {
            format: self.format,
            page_size: self.page_size,
            stdin_taken: self.token.stdin,
            pipe_wait: self.pipe_wait,
        }
    }

    /// The options of a client for the settled endpoint, with the proxy chosen for it. Asked for
    /// only when a client is about to be made, so that a proxy funnels cannot use (exit 3) stops
    /// no `--dry-run` and no command that sends nothing.
    pub fn client_options(&self) -> anyhow::Result<ClientOptions> {
        self.client_options_for(&self.client.endpoint)
    }

    /// As [`Settings::client_options`], for another endpoint that passed [`check_endpoint`] (a
    /// stored session's, which `logout` ends where it was made).
    pub fn client_options_for(&self, endpoint: &str) -> anyhow::Result<ClientOptions> {
        let proxy = self.proxy_env.proxy_for(endpoint)?;
        Ok(ClientOptions { endpoint: endpoint.to_owned(), proxy, ..self.client.clone() })
    }
}

/// A numeric profile key, as written in the file.
fn profile_value(profile: &Profile, key: &str) -> Option<i64> {
    match key {
        "timeout" => profile.timeout,
        "retries" => profile.retries,
        "max_wait" => profile.max_wait,
        "page_size" => profile.page_size,
        "user_id" => profile.user_id,
        _ => None,
    }
}

/// One number by precedence flag > environment > profile, held to `range`: outside it, a usage
/// error (exit 2) naming the flag or the variable, or a config error (exit 3) naming the key and
/// the file (`place`). Never a panic or a wrapped value later.
fn settle_number(
    (flag, flag_value): (&str, Option<u64>),
    env: Option<(&'static str, String)>,
    (place, profile_value): (&str, Option<i64>),
    range: &RangeInclusive<u64>,
) -> anyhow::Result<Option<(u64, Origin)>> {
    let shown = format!("{}..={}", range.start(), range.end());
    if let Some(value) = flag_value {
        if !range.contains(&value) {
            return Err(exit::usage(format!("{flag} must be {shown}, not {value}")));
        }
        return Ok(Some((value, Origin::Flag)));
    }
    if let Some((name, text)) = env {
        return match text.trim().parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(Some((value, Origin::Env(name)))),
            _ => Err(exit::usage(format!("{name} must be a whole number in {shown}, not `{text}`"))),
        };
    }
    if let Some(value) = profile_value {
        return match u64::try_from(value) {
            Ok(value) if range.contains(&value) => Ok(Some((value, Origin::Profile))),
            _ => Err(exit::config(format!("bad {place}: must be {shown}, not {value}"))),
        };
    }
    Ok(None)
}

/// Test knobs: hidden environment variables that shrink waits (README "Testing").
fn knob_ms(name: &str, default: Duration) -> Duration {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).map_or(default, Duration::from_millis)
}

/// The config file as found: where it is (or would be) read from, and what it holds.
struct LoadedConfig {
    /// The file actually read; `None` when there is none.
    path: Option<PathBuf>,
    /// Where the file is or would be read from (`None` only when no home folder is known).
    candidate: Option<PathBuf>,
    /// Its contents (empty when there is no file).
    file: ConfigFile,
}

/// Finds and reads the config file: `--config`/`FUNNELS_CONFIG`, else the default place.
fn load_config(args: &GlobalArgs, home: Option<&Xdg>, wait: Duration) -> anyhow::Result<LoadedConfig> {
    let (candidate, explicit) = match &args.config {
        Some(path) => (Some(path.clone()), true),
        None => (home.map(|h| h.config_dir().join("funnels").join("config.toml")), false),
    };
    let file = match &candidate {
        Some(path) => read_config(path, explicit, args.quiet, wait)?,
        None => None,
    };
    let path = file.as_ref().and(candidate.clone());
    Ok(LoadedConfig { path, candidate, file: file.unwrap_or_default() })
}

/// The profile asked for and why: `--profile` or `FUNNELS_PROFILE` (clap reads both into one
/// value; the variable holding that very value means it came from there), else `default_profile`.
fn choose_profile(args: &GlobalArgs, file: &ConfigFile) -> Option<(String, ProfileChoice)> {
    if let Some(name) = &args.profile {
        let from_env = std::env::var("FUNNELS_PROFILE").is_ok_and(|value| &value == name);
        // An empty variable is an unset one, as for every other variable.
        if !(from_env && name.is_empty()) {
            return Some((name.clone(), if from_env { ProfileChoice::Env } else { ProfileChoice::Flag }));
        }
    }
    file.default_profile.clone().map(|name| (name, ProfileChoice::DefaultProfile))
}

/// The profile in force: its name (`default` when none), its keys and why it was chosen. A profile
/// asked for that the file does not define is exit 3, with the nearest name and the defined ones.
fn profile_in_force(
    args: &GlobalArgs,
    loaded: &LoadedConfig,
) -> anyhow::Result<(String, Profile, Option<ProfileChoice>)> {
    let Some((name, choice)) = choose_profile(args, &loaded.file) else {
        return Ok(("default".to_owned(), Profile::default(), None));
    };
    if let Some(profile) = loaded.file.profiles.get(&name) {
        return Ok((name, profile.clone(), Some(choice)));
    }
    let place = loaded.path.as_ref().map_or_else(|| "no config file".to_owned(), |p| p.display().to_string());
    let known: Vec<&str> = loaded.file.profiles.keys().map(String::as_str).collect();
    let mut failure = Failure::new(Exit::Config, format!("no profile `{name}` ({}) in {place}", choice.as_str()));
    if !known.is_empty() {
        let near = crate::query::did_you_mean(&name, known.iter().copied())
            .map(|near| format!("did you mean `{near}`? "))
            .unwrap_or_default();
        failure = failure.hint(format!("{near}profiles there: {}", known.join(", ")));
    }
    Err(failure.into())
}

/// Reads and parses the config file; a missing default file is fine, a missing named one is not.
fn read_config(path: &Path, explicit: bool, quiet: bool, wait: Duration) -> anyhow::Result<Option<ConfigFile>> {
    let (text, shared) = match files::read_file(path, wait) {
        Ok(contents) => (contents.text, contents.shared),
        Err(files::FileError::NotFound(_)) if !explicit => return Ok(None),
        Err(e) => return Err(exit::config(format!("could not read config file {}: {e}", path.display()))),
    };
    let file = parse_config(&text, path)?;
    if shared && !quiet && file.profiles.values().any(|p| p.token.is_some()) {
        crate::credentials::warn_shared(path);
    }
    Ok(Some(file))
}

/// Parses config-file text as [`read_config`] does; an error is exit 3 naming `path`, the line and
/// the key. Public so that the fuzz target reaches the same code without a file.
pub fn parse_config(text: &str, path: &Path) -> anyhow::Result<ConfigFile> {
    toml::from_str(text).map_err(|e| {
        // The error's span points into the offending line; name its line number and its key.
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let key = line
            .and_then(|l| text.lines().nth(l - 1))
            .and_then(|l| l.split_once('='))
            .map(|(key, _)| format!(" (`{}`)", key.trim()))
            .unwrap_or_default();
        let at = line.map(|l| format!(" line {l}{key}")).unwrap_or_default();
        exit::config(format!("bad config file {}{at}: {}", path.display(), with_suggestion(e.message().trim())))
    })
}

/// serde's "unknown field `colour`, expected one of `platform`, …" as "unknown field `colour`; did
/// you mean `…`?" when one of the expected keys is near; other messages unchanged.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message.to_owned() };
    let Some((word, expected)) = rest.split_once('`') else { return message.to_owned() };
    // The expected keys are the backquoted words after the unknown one.
    let candidates = expected.split('`').skip(1).step_by(2);
    match crate::query::did_you_mean(word, candidates) {
        Some(near) => format!("unknown field `{word}`; did you mean `{near}`?"),
        None => message.to_owned(),
    }
}

/// `~/…` in a config path means the home folder.
fn expand_home(path: &Path, home: Option<&Xdg>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.home_dir().join(rest),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::terminal::{DEFAULT_PAGER, size_or_fallback};
    use super::*;

    #[test]
    fn endpoint_rule() {
        assert!(check_endpoint("https://dataapi.uiscom.ru/v2.0").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8089/v2.0").is_ok());
        assert!(check_endpoint("http://127.9.9.9/v2.0").is_ok());
        assert!(check_endpoint("http://localhost/v2.0").is_ok());
        assert!(check_endpoint("http://[::1]:80/v2.0").is_ok());
        assert!(check_endpoint("http://example.com/v2.0").is_err());
        assert!(check_endpoint("http://127.0.0.1.example.com/v2.0").is_err());
        assert!(check_endpoint("http://10.0.0.1/v2.0").is_err());
        assert!(check_endpoint("ftp://localhost/v2.0").is_err());
        assert!(check_endpoint("not a url").is_err());
    }

    #[test]
    fn the_endpoint_host_names_its_vendor() {
        assert_eq!(host_platform("https://dataapi.callgear.com/v2.0"), Some(Platform::Callgear));
        assert_eq!(host_platform("https://DataAPI.CallGear.com./v2.0"), Some(Platform::Callgear));
        assert_eq!(host_platform("https://dataapi.callgear.com:443/v2.0?x=1"), Some(Platform::Callgear));
        assert_eq!(host_platform("https://dataapi.uiscom.ru/v2.0"), Some(Platform::Uis));
        assert_eq!(host_platform("https://dataapi.comagic.ru/v2.0"), Some(Platform::Comagic));
        assert_eq!(host_platform("https://dataapi.callgear.com.example.org/v2.0"), None);
        assert_eq!(host_platform("https://api.callgear.com/v2.0"), None);
        assert_eq!(host_platform("http://127.0.0.1:8089/v2.0"), None);
    }

    #[test]
    fn numbers_come_by_precedence_within_range_naming_their_source() {
        let place = "`timeout` of profile `p` in c.toml";
        let env = |text: &str| Some(("FUNNELS_TIMEOUT", text.to_owned()));
        let settle = |flag, env, profile| settle_number(("--timeout", flag), env, (place, profile), &TIMEOUT_RANGE);
        assert_eq!(settle(Some(5), env("6"), Some(7)).unwrap(), Some((5, Origin::Flag)));
        assert_eq!(settle(None, env(" 6 "), Some(7)).unwrap(), Some((6, Origin::Env("FUNNELS_TIMEOUT"))));
        assert_eq!(settle(None, None, Some(7)).unwrap(), Some((7, Origin::Profile)));
        assert_eq!(settle(None, None, None).unwrap(), None);

        let err = settle(Some(3601), None, None).unwrap_err();
        assert_eq!(
            (err.to_string().as_str(), exit::classify(&err).exit),
            ("--timeout must be 1..=3600, not 3601", Exit::Usage)
        );
        for text in ["0", "9223372036854775808", "-1", "1e3", "30s"] {
            let err = settle(None, env(text), None).unwrap_err();
            assert_eq!(err.to_string(), format!("FUNNELS_TIMEOUT must be a whole number in 1..=3600, not `{text}`"));
            assert_eq!(exit::classify(&err).exit, Exit::Usage);
        }
        for value in [0, -1, i64::MAX, i64::MIN] {
            let err = settle(None, None, Some(value)).unwrap_err();
            assert_eq!(err.to_string(), format!("bad {place}: must be 1..=3600, not {value}"));
            assert_eq!(exit::classify(&err).exit, Exit::Config);
        }
    }

    #[test]
    fn a_terminal_that_reports_no_size_gets_columns_and_lines_then_80_by_24() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(size_or_fallback((0, 0), &vars(&[])), (80, 24));
        assert_eq!(size_or_fallback((0, 0), &vars(&[("COLUMNS", "132"), ("LINES", "50")])), (132, 50));
        assert_eq!(size_or_fallback((100, 40), &vars(&[("COLUMNS", "132"), ("LINES", "50")])), (100, 40));
        assert_eq!(size_or_fallback((0, 40), &vars(&[("COLUMNS", "0"), ("LINES", "x")])), (80, 40));
        assert_eq!(size_or_fallback((0, 0), &vars(&[("COLUMNS", " 60 "), ("LINES", "99999999")])), (60, 24));
    }

    #[test]
    fn the_first_pager_variable_set_decides_and_empty_turns_paging_off() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(pager_command(&vars(&[("FUNNELS_PAGER", "most"), ("PAGER", "more")])).as_deref(), Some("most"));
        assert_eq!(pager_command(&vars(&[("PAGER", "more")])).as_deref(), Some("more"));
        assert_eq!(pager_command(&vars(&[("FUNNELS_PAGER", ""), ("PAGER", "more")])), None);
        assert_eq!(pager_command(&vars(&[("FUNNELS_PAGER", " "), ("PATH", "/usr/bin:/bin")])), None);
        assert_eq!(pager_command(&vars(&[("PAGER", "")])), None);
        // No variable: `less -FRX` only when a `less` is on the PATH.
        let path = dir.path().display().to_string();
        let without = move |name: &str| (name == "PATH").then(|| path.clone());
        assert_eq!(pager_command(&without), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let less = dir.path().join("less");
            std::fs::write(&less, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&less, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert_eq!(pager_command(&without).as_deref(), Some(DEFAULT_PAGER));
        }
    }

    #[test]
    fn config_rejects_unknown_keys_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[profiles.a]\nplatform = \"uis\"\ncolour = 1\n").unwrap();
        let err = read_config(&path, true, true, files::PIPE_WAIT).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 3 (`colour`)"), "{text}");
        // Nothing near: the valid keys are listed instead.
        assert!(text.contains("unknown field `colour`, expected one of `platform`"), "{text}");
        std::fs::write(&path, "[profiles.a]\ntimeout = \"x\"\n").unwrap();
        let text = read_config(&path, true, true, files::PIPE_WAIT).unwrap_err().to_string();
        assert!(text.contains("line 2 (`timeout`)") && text.contains("c.toml"), "{text}");
        assert_eq!(exit::classify(&err).exit, Exit::Config);
        assert!(read_config(&dir.path().join("missing.toml"), false, true, files::PIPE_WAIT).unwrap().is_none());
        assert!(read_config(&dir.path().join("missing.toml"), true, true, files::PIPE_WAIT).is_err());
    }

    #[test]
    fn an_unknown_key_near_a_known_one_gets_did_you_mean() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for (text, line, near) in [
            (
                "[profiles.a]\nplatform = \"uis\"\ntokn_file = \"t\"\n",
                3,
                "unknown field `tokn_file`; did you mean `token_file`?",
            ),
            ("[profiles.a]\nuser-id = 12\n", 2, "unknown field `user-id`; did you mean `user_id`?"),
            ("default_profle = \"a\"\n", 1, "unknown field `default_profle`; did you mean `default_profile`?"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = read_config(&path, true, true, files::PIPE_WAIT).unwrap_err();
            assert_eq!(exit::classify(&err).exit, Exit::Config);
            let key = near.split('`').nth(1).unwrap();
            assert_eq!(err.to_string(), format!("bad config file {} line {line} (`{key}`): {near}", path.display()));
        }
        assert_eq!(
            with_suggestion("invalid type: string \"x\", expected i64"),
            "invalid type: string \"x\", expected i64"
        );
    }
}
