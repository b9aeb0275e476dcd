//! A local double of the Data API v2.0 (JSON-RPC) for the README quick start, the end-to-end tests
//! and the benchmark.
//!
//! ```text
//! cargo run --example sandbox -- --port 8089 --funnels 25000
//! cargo run --release --example sandbox -- --port 0 --funnels 110000 --latency-ms 40
//! cargo run --example sandbox -- --exec cargo run -q -- list --user-id 12 --sort name:asc
//! ```
//!
//! It serves `get.sales_funnel`, `get.customer_users`, `login.user` and `logout.user` with POST on
//! `http://127.0.0.1:PORT/v2.0`, with the envelope checks, parameter validation, error shapes,
//! metadata and point budgets of `API.md`, and prints the environment to use:
//!
//! ```text
//! # funnels sandbox: 25000 funnels on http://127.0.0.1:8089/v2.0 (tokens: demo = client, ...)
//! export FUNNELS_ENDPOINT=http://127.0.0.1:8089/v2.0
//! export FUNNELS_TOKEN=demo-agent
//! ```
//!
//! With `--exec CMD ARGS...` (always the last option) those lines go to stderr, CMD runs with the
//! variables set, and the sandbox exits with CMD's exit code. With `--platform P` a third line,
//! `export FUNNELS_PLATFORM=P`, tells the client which brand it talks to.
//!
//! **Accounts.** `demo` is a client token (`user_id` ignored); `demo-agent` is an agent token whose
//! client users are 12 (the full `--funnels N` set), 13 (7 funnels `B1`..`B7`), 14 (3 funnels `V1`,
//! `V2`, `V10`) and 99 (listed, but its `get.sales_funnel` answers `-32008`). `--users N` adds N more
//! client users for agency-sized runs: ids 1000..1000+N-1 (listed after 99), Cyrillic and Latin
//! company names, logins `client<ID>`, a null description for every id divisible by 7, distinct
//! `customer_id`s that fall as the id rises (so `customer_id` order is not id order), and 10 funnels
//! each (`ext_id` `"1"`..`"10"`, as separate accounts choose them). `login.user` takes `demo`/`demo`
//! (client session), `demo-agent`/`demo` (agent session) and `expired`/`demo` (a key that is already
//! expired). The point budgets belong to the account: the client budget is shared by `demo` and its
//! sessions, the agent budget by `demo-agent` and its sessions.
//!
//! **Data** is deterministic. Funnel `i` (1..=N) has `ext_id` `"i"`, a name that alternates between
//! Cyrillic (odd `i`) and Latin (even `i`) in four variants, and 1..=10 `in_process` stages (orders
//! 1, 2, ...) followed by `success` (10010) and `failed` (10020); its `stage_ext_id`s are `100*i + 1`,
//! `100*i + 2`, ... Every funnel is serialized once at start-up and pages are built by concatenating
//! those slices, so the sandbox is never what a benchmark measures. The small sets hold the edge
//! cases: `B3` lists its closing stages first, `B7` has `"stages":[]`, `V10` has `"stages":null`.
//! The funnels of the `--users` clients are built when asked for (10 rows), so `--users` costs only
//! the user list.
//!
//! **As the vendor documents it** (API.md §4, §5). `=`/`!=` with `"value": null`, or with no
//! `value` at all, test for null / not null; `is_null`/`is_not_null` are accepted too, except with
//! `--platform callgear`, which refuses every operator CallGear does not list (`ilike`, `not_like`,
//! `not_ilike`, `not_in`, `is_null`, `is_not_null`, `overlap`, `not_overlap`) with the answer an
//! unknown operator gets: `invalid_parameter_value` on `filter.operator`. `regexp` is matched by
//! the `regex` crate, which stands in for POSIX ERE: the usual syntax (`. [] [^] [[:alpha:]] * + ?
//! {m,n} | () ^ $`) means the same, case-sensitive and per Unicode character; match/no-match does
//! not depend on POSIX's leftmost-longest rule. What differs: backslash escapes such as `\d`, `\w`,
//! `\b` and inline flags `(?i)` are classes and flags here (as in PostgreSQL, unlike strict ERE);
//! back-references (`\1`) and look-around, which a PostgreSQL server would take, are refused here
//! as malformed; a backslash inside brackets escapes (as in PostgreSQL). A malformed pattern is
//! `invalid_parameter_value` on `filter.value`. An ended `login.user` session (expired, or logged
//! out) is answered with `-32001 access_token_invalid`, as for any unknown key: the docs keep
//! `access_token_expired` for permanent keys.
//!
//! **Quota windows.** Each window in force (`--windows`, default `day,minute`, plus `hour` when
//! `--hour-limit` is given) appears in every response's `metadata.limits` as
//! `<type>_limit/_remaining/_reset` (order: day, hour, minute) and is enforced: a paid call beyond
//! a spent window answers `-32029 limit_exceeded` naming the largest spent window in
//! `data.params.limit_type`. `--windows hour` sends and enforces the hour window alone, as real
//! responses of some methods do; `--windows none` sends `"limits":{}`. A window not in force is
//! neither sent nor enforced.
//!
//! **Error shapes on demand.** `--null-error-ids` answers every error with `"id": null` (the one
//! error body the vendor publishes has it); `--bare-errors` leaves `data.metadata` out of every
//! error; `--fail-every N` makes every Nth paid call (a `get.*` call that passed validation,
//! counted across accounts before the quota check) answer `-32603 internal_error` and cost nothing,
//! so that retry paths can be driven (N = 1: every paid call fails).
//!
//! **Choices where API.md is silent.** Without `sort` rows come in creation order (funnels by `i`,
//! users 12, 13, 14, 99, 1000, ...). Strings compare by code point (`"10"` < `"2"`), nulls sort
//! last. A filter value of the wrong JSON type is `data_type_error`; every operator but `=`, `!=`
//! and the null tests needs a `value` (`required_parameter_missed` without one), and none of them
//! matches a null field. A bad key is echoed in the error's `value` and message (as the real API
//! does), so clients must redact it. Every window starts at the first paid call after it reset (a
//! minute, an hour, a day); errors raised before the token is known carry `"limits":{}`. Logging
//! out a session (even an expired one) ends it; `demo` and `demo-agent` cannot be logged out.
//!
//! The HTTP/1.1 server is hand-written on `std::net`: one thread per connection, keep-alive,
//! `Content-Length` (or chunked) request bodies, `Expect: 100-continue`.

use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

const USAGE: &str = "\
usage: cargo run --example sandbox -- [--port PORT] [--funnels N] [--users N] [--latency-ms MS]
                                      [--minute-limit N] [--hour-limit N] [--day-limit N]
                                      [--windows LIST] [--platform P] [--null-error-ids]
                                      [--bare-errors] [--fail-every N] [--verbose]
                                      [--exec CMD [ARGS...]]

  --port PORT        port on 127.0.0.1 (default 8089, with --exec a free one; 0 picks a free one)
  --funnels N        funnels of the client account and of agent user 12 (default 25000)
  --users N          N more client users of the agent, ids 1000.., 10 funnels each (default 0)
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

/// Largest request body accepted; real requests are a few hundred bytes.
const MAX_BODY: usize = 16 << 20;
/// Largest request line plus headers.
const MAX_HEAD: u64 = 64 << 10;
const MAX_LIMIT: u64 = 10_000;
const MAX_OFFSET: u64 = 100_000;
const DEFAULT_LIMIT: u64 = 1000;
const SESSION_LIFETIME: u64 = 3600;
/// The first id of the `--users` clients.
const FIRST_EXTRA_USER: i64 = 1000;
/// `get.customer_users` reaches 110 000 rows by offset; more users would only cost memory.
const MAX_EXTRA_USERS: u32 = 100_000;
/// Funnels of each `--users` client.
const EXTRA_USER_FUNNELS: usize = 10;

// ---------------------------------------------------------------------------------------------
// Command line

#[derive(Clone, Copy, PartialEq, Eq)]
enum Platform {
    Comagic,
    Uis,
    CallGear,
}

impl Platform {
    fn name(self) -> &'static str {
        match self {
            Platform::Comagic => "comagic",
            Platform::Uis => "uis",
            Platform::CallGear => "callgear",
        }
    }
}

struct Options {
    /// `None`: 8089, or a free port with `--exec` (nothing to collide with a running sandbox).
    port: Option<u16>,
    funnels: usize,
    users: u32,
    latency: Duration,
    minute_limit: u64,
    hour_limit: Option<u64>,
    day_limit: u64,
    /// `--windows` as given; `None` = the default set.
    windows: Option<Vec<Span>>,
    /// `None`: not given (CoMagic rules, no `FUNNELS_PLATFORM` in the banner).
    platform: Option<Platform>,
    null_error_ids: bool,
    bare_errors: bool,
    fail_every: Option<u64>,
    verbose: bool,
    exec: Option<Vec<String>>,
}

impl Options {
    /// The windows in force, longest first (the order of `metadata.limits`), with their budgets.
    fn windows(&self) -> Vec<(Span, u64)> {
        let spans = self.windows.clone().unwrap_or_else(|| {
            let mut spans = vec![Span::Day, Span::Minute];
            if self.hour_limit.is_some() {
                spans.push(Span::Hour);
            }
            spans
        });
        Span::ALL
            .into_iter()
            .filter(|s| spans.contains(s))
            .map(|s| {
                let budget = match s {
                    Span::Day => self.day_limit,
                    Span::Hour => self.hour_limit.unwrap_or(4000),
                    Span::Minute => self.minute_limit,
                };
                (s, budget)
            })
            .collect()
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        port: None,
        funnels: 25_000,
        users: 0,
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
            "--latency-ms" => {
                opts.latency = Duration::from_millis(parse_num(&name, &value("milliseconds")?)?);
            }
            "--minute-limit" => opts.minute_limit = parse_num(&name, &value("a count")?)?,
            "--hour-limit" => opts.hour_limit = Some(parse_num(&name, &value("a count")?)?),
            "--day-limit" => opts.day_limit = parse_num(&name, &value("a count")?)?,
            "--windows" => opts.windows = Some(parse_windows(&value("a list of windows")?)?),
            "--platform" => {
                opts.platform = Some(match value("a platform")?.as_str() {
                    "comagic" => Platform::Comagic,
                    "uis" => Platform::Uis,
                    "callgear" => Platform::CallGear,
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
fn parse_windows(text: &str) -> Result<Vec<Span>, String> {
    if text == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|name| {
            Span::ALL
                .into_iter()
                .find(|s| s.name() == name.trim())
                .ok_or_else(|| format!("--windows: `{name}` is not day, hour or minute (or `none` alone)"))
        })
        .collect()
}

fn parse_num<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{name}: `{text}` is not a valid number"))
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(msg) => {
            eprintln!("sandbox: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let port = opts.port.unwrap_or(if opts.exec.is_some() { 0 } else { 8089 });
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(err) => {
            eprintln!("sandbox: cannot listen on 127.0.0.1:{port}: {err}");
            return ExitCode::from(1);
        }
    };
    let port = listener.local_addr().map_or(port, |a| a.port());
    let state = Arc::new(State::new(&opts));
    let url = format!("http://127.0.0.1:{port}/v2.0");
    let extra_users = match opts.users {
        0 => String::new(),
        1 => format!(" and {FIRST_EXTRA_USER}"),
        n => format!(" and {FIRST_EXTRA_USER}..{}", FIRST_EXTRA_USER + i64::from(n) - 1),
    };
    let mut banner = format!(
        "# funnels sandbox: {} funnels on {url} (tokens: demo = client, demo-agent = agent with users 12, 13, 14, 99{extra_users})\n\
         export FUNNELS_ENDPOINT={url}\n\
         export FUNNELS_TOKEN=demo-agent\n",
        opts.funnels
    );
    if let Some(platform) = opts.platform {
        let _ = writeln!(banner, "export FUNNELS_PLATFORM={}", platform.name());
    }

    let Some(command) = opts.exec else {
        let mut stdout = io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes());
        let _ = stdout.flush();
        drop(stdout);
        accept_loop(&listener, &state);
        return ExitCode::SUCCESS;
    };

    eprint!("{banner}");
    thread::spawn(move || accept_loop(&listener, &state));
    let mut child = Command::new(&command[0]);
    child.args(&command[1..]).env("FUNNELS_ENDPOINT", &url).env("FUNNELS_TOKEN", "demo-agent");
    if let Some(platform) = opts.platform {
        child.env("FUNNELS_PLATFORM", platform.name());
    }
    let code = match child.status() {
        Ok(status) => exit_code_of(status),
        Err(err) => {
            eprintln!("sandbox: cannot run `{}`: {err}", command[0]);
            127
        }
    };
    // Connection threads may still be parked in reads; leave without waiting for them.
    std::process::exit(code)
}

#[cfg(unix)]
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

#[cfg(not(unix))]
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1

fn accept_loop(listener: &TcpListener, state: &Arc<State>) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let state = Arc::clone(state);
                thread::spawn(move || serve_connection(&state, stream));
            }
            // Out of descriptors or similar: do not spin.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

struct Request {
    method: String,
    path: String,
    keep_alive: bool,
    body: Vec<u8>,
}

enum ReadError {
    /// The peer went away (or idled out); nothing to answer.
    Gone,
    /// Not HTTP we understand: answer with this status and close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Gone
    }
}

fn serve_connection(state: &State, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(300)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    loop {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(request) => request,
            Err(ReadError::Gone) => return,
            Err(ReadError::Bad(status, reason)) => {
                let body = format!("{status} {reason}\n");
                let _ = write_response(&mut writer, status, "text/plain; charset=UTF-8", body.as_bytes(), true, false);
                return;
            }
        };
        let started = Instant::now();
        let head_only = request.method == "HEAD";
        let (status, content_type, body, tag) = if request.path != "/v2.0" {
            (404, "text/plain; charset=UTF-8", b"404 Not Found\n".to_vec(), "404".to_string())
        } else if request.method != "POST" {
            (405, "text/plain; charset=UTF-8", b"405 Method Not Allowed\n".to_vec(), "405".to_string())
        } else {
            let (body, tag) = handle_rpc(state, &request.body);
            (200, "application/json; charset=UTF-8", body.into_bytes(), tag)
        };
        if !state.latency.is_zero() {
            thread::sleep(state.latency);
        }
        if state.verbose {
            eprintln!(
                "sandbox: {} {} -> {status} {tag} ({} bytes, {:.1} ms)",
                request.method,
                request.path,
                body.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        let close = !request.keep_alive;
        if write_response(&mut writer, status, content_type, &body, close, head_only).is_err() || close {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Result<Request, ReadError> {
    let mut head = Vec::new();
    // The request line; blank lines before it are allowed (RFC 9112 §2.2).
    let line = loop {
        let line = read_line(reader, &mut head)?;
        if !line.is_empty() {
            break line;
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "Bad Request"));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() {
        return Err(ReadError::Bad(400, "Bad Request"));
    }
    let http10 = version == "HTTP/1.0";
    let (method, target) = (method.to_string(), target.to_string());

    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut connection = String::new();
    let mut expect_continue = false;
    loop {
        let line = read_line(reader, &mut head)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "Bad Request"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let n = value.parse().map_err(|_| ReadError::Bad(400, "Bad Request"))?;
                if content_length.is_some_and(|old| old != n) {
                    return Err(ReadError::Bad(400, "Bad Request"));
                }
                content_length = Some(n);
            }
            "transfer-encoding" => {
                if !value.eq_ignore_ascii_case("chunked") {
                    return Err(ReadError::Bad(501, "Not Implemented"));
                }
                chunked = true;
            }
            "connection" => {
                connection.push(',');
                connection.push_str(&value.to_ascii_lowercase());
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    let has_token = |token: &str| connection.split(',').any(|t| t.trim() == token);
    let keep_alive = if http10 { has_token("keep-alive") } else { !has_token("close") };

    if content_length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad(413, "Content Too Large"));
    }
    if expect_continue && (chunked || content_length.is_some_and(|n| n > 0)) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if chunked {
        read_chunked(reader, &mut head)?
    } else {
        let mut body = vec![0; content_length.unwrap_or(0)];
        reader.read_exact(&mut body)?;
        body
    };

    // Origin form `/v2.0?x` and absolute form `http://host/v2.0` both name the path `/v2.0`.
    let mut path = target.split('?').next().unwrap_or_default();
    if let Some(rest) = path.strip_prefix("http://").or_else(|| path.strip_prefix("https://")) {
        path = rest.find('/').map_or("/", |i| &rest[i..]);
    }
    Ok(Request { method, path: path.to_string(), keep_alive, body })
}

/// One header line without its line end; `head` bounds the total size of the head.
fn read_line(reader: &mut BufReader<TcpStream>, head: &mut Vec<u8>) -> Result<String, ReadError> {
    let start = head.len();
    let room = MAX_HEAD.saturating_sub(start as u64);
    let n = reader.by_ref().take(room).read_until(b'\n', head)?;
    if n == 0 {
        return Err(if start == 0 { ReadError::Gone } else { ReadError::Bad(400, "Bad Request") });
    }
    if head.last() != Some(&b'\n') {
        return Err(ReadError::Bad(431, "Request Header Fields Too Large"));
    }
    let line = &head[start..];
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8(line.to_vec()).map_err(|_| ReadError::Bad(400, "Bad Request"))
}

fn read_chunked(reader: &mut BufReader<TcpStream>, head: &mut Vec<u8>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, head)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| ReadError::Bad(400, "Bad Request"))?;
        if size == 0 {
            // Trailer fields up to the blank line.
            while !read_line(reader, head)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "Content Too Large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Bad(400, "Bad Request"));
        }
    }
}

fn write_response(
    writer: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    close: bool,
    head_only: bool,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Not Implemented",
    };
    let mut head =
        format!("HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n", body.len());
    if status == 405 {
        head.push_str("Allow: POST\r\n");
    }
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "Connection: keep-alive\r\n\r\n" });
    if head_only || body.len() < 64 << 10 {
        // One write for small answers: no extra packet with TCP_NODELAY.
        let mut all = head.into_bytes();
        if !head_only {
            all.extend_from_slice(body);
        }
        writer.write_all(&all)
    } else {
        writer.write_all(head.as_bytes())?;
        writer.write_all(body)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC

/// A JSON-RPC error as API.md §5 shapes it.
struct RpcError {
    code: i64,
    mnemonic: &'static str,
    message: String,
    /// `data.field` and `data.value` (boxed: errors travel through many `Result`s).
    location: Option<Box<(String, Option<Value>)>>,
    /// Pre-serialized `data.params` object.
    params: Option<Box<str>>,
}

impl RpcError {
    fn new(code: i64, mnemonic: &'static str, message: impl Into<String>) -> Self {
        RpcError { code, mnemonic, message: message.into(), location: None, params: None }
    }

    fn at(mut self, field: &str, value: Option<&Value>) -> Self {
        self.location = Some(Box::new((field.to_string(), value.cloned())));
        self
    }

    fn required(field: &str) -> Self {
        RpcError::new(-32602, "required_parameter_missed", format!("Required parameter \"{field}\" is missed"))
            .at(field, None)
    }

    fn invalid(field: &str, value: &Value, why: &str) -> Self {
        RpcError::new(
            -32602,
            "invalid_parameter_value",
            format!("Invalid value {value} of the parameter \"{field}\": {why}"),
        )
        .at(field, Some(value))
    }

    fn data_type(field: &str, value: &Value, expected: &str) -> Self {
        RpcError::new(-32602, "data_type_error", format!("The parameter \"{field}\" must be {expected}, got {value}"))
            .at(field, Some(value))
    }

    fn unexpected(field: &str, value: &str) -> Self {
        RpcError::new(-32602, "unexpected_parameters", format!("Unexpected parameter \"{value}\""))
            .at(field, Some(&Value::String(value.to_string())))
    }
}

/// A failed call and, once the token is known, the account whose limits the error reports.
struct Failure {
    error: RpcError,
    account: Option<Account>,
}

impl From<RpcError> for Failure {
    fn from(error: RpcError) -> Self {
        Failure { error, account: None }
    }
}

trait ForAccount<T> {
    fn of(self, account: Account) -> Result<T, Failure>;
}

impl<T> ForAccount<T> for Result<T, RpcError> {
    fn of(self, account: Account) -> Result<T, Failure> {
        self.map_err(|error| Failure { error, account: Some(account) })
    }
}

/// Answers one request body; returns the response body and a short tag for `--verbose`.
fn handle_rpc(state: &State, body: &[u8]) -> (String, String) {
    let mut out = String::new();
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(err) => {
            let e = RpcError::new(-32700, "parse_error", format!("Parse error: {err}"));
            write_error(state, &mut out, "null", &e.into());
            return (out, "parse_error".into());
        }
    };
    let envelope = match &request {
        Value::Object(map) => map,
        Value::Array(_) => {
            let e = RpcError::new(-32099, "batch_operations_not_supported", "Batch operations are not supported");
            write_error(state, &mut out, "null", &e.into());
            return (out, "batch_operations_not_supported".into());
        }
        _ => {
            let e = RpcError::new(-32600, "invalid_request", "The request must be a JSON object");
            write_error(state, &mut out, "null", &e.into());
            return (out, "invalid_request".into());
        }
    };
    let id = match envelope.get("id") {
        None => {
            let e = RpcError::new(
                -32099,
                "notifications_not_supported",
                "Notifications are not supported: `id` is required",
            );
            write_error(state, &mut out, "null", &e.into());
            return (out, "notifications_not_supported".into());
        }
        Some(id @ (Value::String(_) | Value::Number(_))) => id.to_string(),
        Some(other) => {
            let e = RpcError::new(-32600, "invalid_request", "`id` must be a string or a number").at("id", Some(other));
            write_error(state, &mut out, "null", &e.into());
            return (out, "invalid_request".into());
        }
    };
    let method = envelope.get("method").and_then(Value::as_str).unwrap_or_default();
    let outcome = if envelope.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        Err(RpcError::new(-32600, "invalid_request", "`jsonrpc` must be \"2.0\"")
            .at("jsonrpc", envelope.get("jsonrpc"))
            .into())
    } else if !envelope.get("method").is_some_and(Value::is_string) {
        Err(RpcError::new(-32600, "invalid_request", "`method` must be a string")
            .at("method", envelope.get("method"))
            .into())
    } else {
        let empty = Map::new();
        match envelope.get("params") {
            None | Some(Value::Null) => dispatch(state, method, &empty, &mut out, &id),
            Some(Value::Object(params)) => dispatch(state, method, params, &mut out, &id),
            Some(other) => Err(RpcError::new(-32600, "invalid_request", "`params` must be an object")
                .at("params", Some(other))
                .into()),
        }
    };
    match outcome {
        Ok(()) => (out, format!("{method} ok")),
        Err(failure) => {
            out.clear();
            write_error(state, &mut out, &id, &failure);
            (out, format!("{method} {}", failure.error.mnemonic))
        }
    }
}

/// Writes a success response into `out` or returns the failure (leaving `out` to be cleared).
fn dispatch(
    state: &State,
    method: &str,
    params: &Map<String, Value>,
    out: &mut String,
    id: &str,
) -> Result<(), Failure> {
    let _ = write!(out, r#"{{"jsonrpc":"2.0","id":{id},"result":"#);
    match method {
        "get.sales_funnel" => get_sales_funnel(state, params, out)?,
        "get.customer_users" => get_customer_users(state, params, out)?,
        "login.user" => login_user(state, params, out)?,
        "logout.user" => logout_user(state, params, out)?,
        _ => {
            return Err(RpcError::new(-32601, "method_not_found", format!("Method \"{method}\" not found"))
                .at("method", Some(&Value::String(method.to_string())))
                .into());
        }
    }
    out.push('}');
    Ok(())
}

fn write_error(state: &State, out: &mut String, id: &str, failure: &Failure) {
    let e = &failure.error;
    let id = if state.null_error_ids { "null" } else { id };
    let _ = write!(out, r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{},"message":"#, e.code);
    push_json_str(out, &e.message);
    out.push_str(r#","data":{"mnemonic":"#);
    push_json_str(out, e.mnemonic);
    if let Some((field, value)) = e.location.as_deref() {
        out.push_str(r#","field":"#);
        push_json_str(out, field);
        out.push_str(r#","value":"#);
        out.push_str(&value.as_ref().map_or_else(|| "null".to_string(), Value::to_string));
    }
    if let Some(params) = &e.params {
        let _ = write!(out, r#","params":{params}"#);
    }
    if !state.bare_errors {
        out.push_str(r#","metadata":{"limits":"#);
        match failure.account {
            Some(account) => out.push_str(&state.limits_now(account)),
            None => out.push_str("{}"),
        }
        out.push('}');
    }
    out.push_str("}}}");
}

fn check_keys(params: &Map<String, Value>, allowed: &[&str]) -> Result<(), RpcError> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(RpcError::unexpected(key, key)),
        None => Ok(()),
    }
}

/// A present, non-null parameter.
fn param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|v| !v.is_null())
}

// ---------------------------------------------------------------------------------------------
// Methods

fn get_sales_funnel(state: &State, params: &Map<String, Value>, out: &mut String) -> Result<(), Failure> {
    let account = state.authenticate(params)?;
    check_keys(params, &["access_token", "user_id", "limit", "offset", "filter", "fields", "sort"]).of(account)?;
    // The funnels of a `--users` client, built for this call.
    let built: Table;
    let table = match account {
        Account::Client => &state.funnels[0],
        Account::Agent => {
            let Some(raw) = param(params, "user_id") else {
                return Err(RpcError::required("user_id")).of(account);
            };
            let Some(user_id) = raw.as_i64() else {
                return Err(RpcError::data_type("user_id", raw, "an integer")).of(account);
            };
            match user_id {
                12 => &state.funnels[0],
                13 => &state.funnels[1],
                14 => &state.funnels[2],
                99 => {
                    return Err(RpcError::new(
                        -32008,
                        "method_component_disabled",
                        "The component \"sales_funnel\" is disabled for this user",
                    ))
                    .of(account);
                }
                id if (FIRST_EXTRA_USER..FIRST_EXTRA_USER + state.extra_users).contains(&id) => {
                    built = client_funnels(id);
                    &built
                }
                _ => {
                    return Err(RpcError::invalid("user_id", raw, "no such client user of the agent")).of(account);
                }
            }
        }
    };
    let query = Query::parse(table.fields, state.platform, params).of(account)?;
    answer_query(state, account, table, &query, out)
}

fn get_customer_users(state: &State, params: &Map<String, Value>, out: &mut String) -> Result<(), Failure> {
    let account = state.authenticate(params)?;
    if account == Account::Client {
        return Err(RpcError::new(-32003, "forbidden", "The method is available to agent accounts only")).of(account);
    }
    check_keys(params, &["access_token", "limit", "offset", "filter", "fields", "sort"]).of(account)?;
    let query = Query::parse(state.users.fields, state.platform, params).of(account)?;
    answer_query(state, account, &state.users, &query, out)
}

fn answer_query(
    state: &State,
    account: Account,
    table: &Table,
    query: &Query,
    out: &mut String,
) -> Result<(), Failure> {
    out.push_str(r#"{"data":"#);
    let total = query.run(table, out);
    let limits = state.charge(account).of(account)?;
    let _ = write!(out, r#","metadata":{{"total_items":{total},"version":null,"limits":{limits}}}}}"#);
    Ok(())
}

fn login_user(state: &State, params: &Map<String, Value>, out: &mut String) -> Result<(), Failure> {
    check_keys(params, &["login", "password"])?;
    let text = |key: &str| -> Result<String, RpcError> {
        match param(params, key) {
            None => Err(RpcError::required(key)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(RpcError::data_type(key, other, "a string")),
        }
    };
    let (login, password) = (text("login")?, text("password")?);
    let now = unix_now();
    let (account, expire_at) = match (login.as_str(), password.as_str()) {
        ("demo", "demo") => (Account::Client, now + SESSION_LIFETIME),
        ("demo-agent", "demo") => (Account::Agent, now + SESSION_LIFETIME),
        ("expired", "demo") => (Account::Client, now.saturating_sub(60)),
        _ => return Err(RpcError::new(-32001, "auth_error", "Wrong login or password").into()),
    };
    let key = format!("sess-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    state.lock().sessions.insert(key.clone(), Session { account, expire_at });
    let _ = write!(out, r#"{{"data":{{"access_token":"{key}","expire_at":{expire_at},"app_id":1}}}}"#);
    Ok(())
}

fn logout_user(state: &State, params: &Map<String, Value>, out: &mut String) -> Result<(), Failure> {
    check_keys(params, &["access_token"])?;
    let token = token_param(params)?;
    let mut shared = state.lock();
    // A session ends (even an expired one); the permanent demo keys cannot be logged out.
    if shared.sessions.remove(token).is_none() && static_account(token).is_none() {
        return Err(invalid_token(token).into());
    }
    out.push_str(r#"{"data":{}}"#);
    Ok(())
}

fn token_param(params: &Map<String, Value>) -> Result<&str, RpcError> {
    match param(params, "access_token") {
        None => Err(RpcError::required("access_token")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(RpcError::data_type("access_token", other, "a string")),
    }
}

/// The API echoes a bad key back (in `value` and the message); clients must redact it.
fn invalid_token(token: &str) -> RpcError {
    RpcError::new(-32001, "access_token_invalid", format!("Invalid access token \"{token}\""))
        .at("access_token", Some(&Value::String(token.to_string())))
}

fn static_account(token: &str) -> Option<Account> {
    match token {
        "demo" => Some(Account::Client),
        "demo-agent" => Some(Account::Agent),
        _ => None,
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

// ---------------------------------------------------------------------------------------------
// Accounts, sessions and point budgets

#[derive(Clone, Copy, PartialEq, Eq)]
enum Account {
    Client,
    Agent,
}

struct Session {
    account: Account,
    expire_at: u64,
}

/// The length of a point window; `Span::ALL` is the order of `metadata.limits` and of the quota
/// check (the largest spent window is the one `limit_exceeded` names).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    Day,
    Hour,
    Minute,
}

impl Span {
    const ALL: [Span; 3] = [Span::Day, Span::Hour, Span::Minute];

    fn name(self) -> &'static str {
        match self {
            Span::Day => "day",
            Span::Hour => "hour",
            Span::Minute => "minute",
        }
    }

    fn length(self) -> Duration {
        Duration::from_secs(match self {
            Span::Day => 86_400,
            Span::Hour => 3600,
            Span::Minute => 60,
        })
    }
}

/// One account's windows, indexed by `Span as usize`; each starts at its first paid call.
#[derive(Default)]
struct Budget {
    windows: [Window; 3],
}

#[derive(Default)]
struct Window {
    start: Option<Instant>,
    used: u64,
}

impl Window {
    fn refresh(&mut self, now: Instant, length: Duration) {
        if self.start.is_some_and(|s| now.duration_since(s) >= length) {
            *self = Window::default();
        }
    }

    /// Whole seconds until the window resets, rounded up.
    fn reset_secs(&self, now: Instant, length: Duration) -> u64 {
        let left = self.start.map_or(length, |s| length.saturating_sub(now.duration_since(s)));
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }

    fn charge(&mut self, now: Instant) {
        self.start.get_or_insert(now);
        self.used += 1;
    }
}

struct Shared {
    budgets: [Budget; 2],
    sessions: HashMap<String, Session>,
    /// Paid calls that passed validation, for `--fail-every`.
    paid_calls: u64,
}

struct State {
    /// The funnels of the client account and user 12, of user 13, of user 14.
    funnels: [Table; 3],
    users: Table,
    /// `--users`: clients `FIRST_EXTRA_USER..` whose funnels are built when asked for.
    extra_users: i64,
    /// The windows in force and their budgets, in `Span::ALL` order.
    windows: Vec<(Span, u64)>,
    platform: Platform,
    null_error_ids: bool,
    bare_errors: bool,
    fail_every: Option<u64>,
    latency: Duration,
    verbose: bool,
    shared: Mutex<Shared>,
}

impl State {
    fn new(opts: &Options) -> Self {
        State {
            funnels: [main_funnels(opts.funnels), beta_funnels(), vector_funnels()],
            users: customer_users(i64::from(opts.users)),
            extra_users: i64::from(opts.users),
            windows: opts.windows(),
            platform: opts.platform.unwrap_or(Platform::Comagic),
            null_error_ids: opts.null_error_ids,
            bare_errors: opts.bare_errors,
            fail_every: opts.fail_every,
            latency: opts.latency,
            verbose: opts.verbose,
            shared: Mutex::new(Shared { budgets: Default::default(), sessions: HashMap::new(), paid_calls: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn authenticate(&self, params: &Map<String, Value>) -> Result<Account, RpcError> {
        let token = token_param(params)?;
        if let Some(account) = static_account(token) {
            return Ok(account);
        }
        // An ended session is an unknown key: the docs keep `access_token_expired` for permanent
        // keys (API.md §5), so a logged-out or expired session gets what any unknown key gets.
        match self.lock().sessions.get(token) {
            Some(session) if session.expire_at > unix_now() => Ok(session.account),
            _ => Err(invalid_token(token)),
        }
    }

    /// Takes one point of every window in force, or says why not (`--fail-every`, or the largest
    /// spent window); returns the limits JSON after it.
    fn charge(&self, account: Account) -> Result<String, RpcError> {
        let now = Instant::now();
        let mut shared = self.lock();
        shared.paid_calls += 1;
        if self.fail_every.is_some_and(|n| shared.paid_calls % n == 0) {
            return Err(RpcError::new(-32603, "internal_error", "Internal error"));
        }
        let budget = &mut shared.budgets[account as usize];
        for &(span, _) in &self.windows {
            budget.windows[span as usize].refresh(now, span.length());
        }
        let spent = self.windows.iter().find(|&&(span, max)| budget.windows[span as usize].used >= max);
        if let Some(&(span, max)) = spent {
            let kind = span.name();
            let mut e = RpcError::new(
                -32029,
                "limit_exceeded",
                format!("Limit per {kind} has been exceeded. Value of current limit per {kind} is {max}"),
            );
            e.params = Some(format!(r#"{{"limit_type":"{kind}","limit_max_value":{max}}}"#).into_boxed_str());
            return Err(e);
        }
        for &(span, _) in &self.windows {
            budget.windows[span as usize].charge(now);
        }
        Ok(self.limits_json(budget, now))
    }

    fn limits_now(&self, account: Account) -> String {
        let now = Instant::now();
        let mut shared = self.lock();
        let budget = &mut shared.budgets[account as usize];
        for &(span, _) in &self.windows {
            budget.windows[span as usize].refresh(now, span.length());
        }
        self.limits_json(budget, now)
    }

    fn limits_json(&self, budget: &Budget, now: Instant) -> String {
        let mut json = String::from("{");
        for &(span, max) in &self.windows {
            let window = &budget.windows[span as usize];
            if json.len() > 1 {
                json.push(',');
            }
            let kind = span.name();
            let _ = write!(
                json,
                r#""{kind}_limit":{max},"{kind}_remaining":{},"{kind}_reset":{}"#,
                max.saturating_sub(window.used),
                window.reset_secs(now, span.length()),
            );
        }
        json.push('}');
        json
    }
}

// ---------------------------------------------------------------------------------------------
// Tables: pre-serialized rows plus the columns that filters and sorts need

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Num,
    Json,
}

struct FieldDef {
    name: &'static str,
    kind: Kind,
    filter: bool,
    sort: bool,
}

const fn def(name: &'static str, kind: Kind, filter: bool, sort: bool) -> FieldDef {
    FieldDef { name, kind, filter, sort }
}

const FUNNEL_FIELDS: &[FieldDef] = &[
    def("ext_id", Kind::Str, true, true),
    def("name", Kind::Str, true, true),
    def("stages", Kind::Json, false, false),
];

const USER_FIELDS: &[FieldDef] = &[
    def("id", Kind::Num, true, false),
    def("login", Kind::Str, false, false),
    def("name", Kind::Str, true, true),
    def("description", Kind::Str, false, false),
    def("customer_id", Kind::Num, true, true),
];

enum Cell<'a> {
    Str(Option<&'a str>),
    Num(Option<i64>),
    /// Already serialized JSON.
    Json(&'a str),
}

enum Column {
    /// Values, and their lower-case forms for `ilike`.
    Str(Vec<Option<Box<str>>>, Vec<Option<Box<str>>>),
    Num(Vec<Option<i64>>),
    Json,
}

/// Rows sorted by one field, and each row's dense rank in that order (equal values, equal rank).
struct SortIndex {
    order: Vec<u32>,
    rank: Vec<u32>,
    unique: bool,
}

struct Table {
    fields: &'static [FieldDef],
    /// Every row's JSON object, back to back.
    json: String,
    /// Per row: object start, (start, end) of each field's `"key":value`, object end.
    spans: Vec<usize>,
    columns: Vec<Column>,
    sorts: Vec<Option<SortIndex>>,
    len: usize,
}

impl Table {
    fn new(fields: &'static [FieldDef]) -> Self {
        let columns = fields
            .iter()
            .map(|f| match f.kind {
                Kind::Str => Column::Str(Vec::new(), Vec::new()),
                Kind::Num => Column::Num(Vec::new()),
                Kind::Json => Column::Json,
            })
            .collect();
        Table { fields, json: String::new(), spans: Vec::new(), columns, sorts: Vec::new(), len: 0 }
    }

    fn push(&mut self, cells: &[Cell<'_>]) {
        debug_assert_eq!(cells.len(), self.fields.len());
        self.spans.push(self.json.len());
        self.json.push('{');
        for (i, (field, cell)) in self.fields.iter().zip(cells).enumerate() {
            if i > 0 {
                self.json.push(',');
            }
            self.spans.push(self.json.len());
            push_json_str(&mut self.json, field.name);
            self.json.push(':');
            match (cell, &mut self.columns[i]) {
                (Cell::Str(s), Column::Str(values, lower)) => {
                    match s {
                        Some(s) => push_json_str(&mut self.json, s),
                        None => self.json.push_str("null"),
                    }
                    values.push(s.map(Box::from));
                    if field.filter {
                        lower.push(s.map(|s| s.to_lowercase().into_boxed_str()));
                    }
                }
                (Cell::Num(n), Column::Num(values)) => {
                    match n {
                        Some(n) => {
                            let _ = write!(self.json, "{n}");
                        }
                        None => self.json.push_str("null"),
                    }
                    values.push(*n);
                }
                (Cell::Json(raw), Column::Json) => self.json.push_str(raw),
                _ => unreachable!("cell kinds follow the field definitions"),
            }
            self.spans.push(self.json.len());
        }
        self.json.push('}');
        self.spans.push(self.json.len());
        self.len += 1;
    }

    /// Builds the sort indexes once all rows are in.
    fn finish(mut self) -> Self {
        let sorts = (0..self.fields.len())
            .map(|f| {
                if !self.fields[f].sort {
                    return None;
                }
                let mut order: Vec<u32> = (0..self.len as u32).collect();
                order.sort_by(|&a, &b| self.compare(f, a as usize, b as usize));
                let mut rank = vec![0; self.len];
                let mut unique = true;
                let mut current = 0;
                for k in 1..order.len() {
                    if self.compare(f, order[k - 1] as usize, order[k] as usize).is_ne() {
                        current += 1;
                    } else {
                        unique = false;
                    }
                    rank[order[k] as usize] = current;
                }
                Some(SortIndex { order, rank, unique })
            })
            .collect();
        self.sorts = sorts;
        self
    }

    /// Plain value order: strings by code point (so "10" < "2"), numbers numerically, nulls last.
    fn compare(&self, field: usize, a: usize, b: usize) -> Ordering {
        fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            }
        }
        match &self.columns[field] {
            Column::Str(values, _) => nulls_last(values[a].as_deref(), values[b].as_deref()),
            Column::Num(values) => nulls_last(values[a], values[b]),
            Column::Json => Ordering::Equal,
        }
    }

    fn stride(&self) -> usize {
        2 + 2 * self.fields.len()
    }

    fn object(&self, row: usize) -> &str {
        let s = &self.spans[row * self.stride()..];
        &self.json[s[0]..s[self.stride() - 1]]
    }

    fn fragment(&self, row: usize, field: usize) -> &str {
        let s = &self.spans[row * self.stride() + 1 + 2 * field..];
        &self.json[s[0]..s[1]]
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------------
// Queries: limit, offset, fields, filter, sort

struct Query {
    limit: usize,
    offset: usize,
    /// Selected field indexes in API order; `None` = all.
    fields: Option<Vec<usize>>,
    filter: Option<Filter>,
    /// (field, descending) in priority order.
    sort: Vec<(usize, bool)>,
}

impl Query {
    fn parse(defs: &'static [FieldDef], platform: Platform, params: &Map<String, Value>) -> Result<Self, RpcError> {
        let bounded = |key: &str, min: u64, max: u64, default: u64| -> Result<usize, RpcError> {
            match param(params, key) {
                None => Ok(default as usize),
                Some(v @ Value::Number(n)) => match n.as_u64() {
                    Some(n) if (min..=max).contains(&n) => Ok(n as usize),
                    _ => Err(RpcError::invalid(key, v, &format!("must be an integer from {min} to {max}"))),
                },
                Some(v) => Err(RpcError::data_type(key, v, "an integer")),
            }
        };
        let limit = bounded("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
        let offset = bounded("offset", 0, MAX_OFFSET, 0)?;

        let fields = match param(params, "fields") {
            None => None,
            Some(Value::Array(names)) if names.is_empty() => None,
            Some(Value::Array(names)) => {
                let mut selected = vec![false; defs.len()];
                for name in names {
                    let Some(text) = name.as_str() else {
                        return Err(RpcError::data_type("fields", name, "an array of strings"));
                    };
                    let Some(i) = defs.iter().position(|f| f.name == text) else {
                        return Err(RpcError::unexpected("fields", text));
                    };
                    selected[i] = true;
                }
                Some((0..defs.len()).filter(|&i| selected[i]).collect())
            }
            Some(other) => return Err(RpcError::data_type("fields", other, "an array of strings")),
        };

        let filter = param(params, "filter").map(|f| Filter::parse(defs, platform, f)).transpose()?;

        let mut sort = Vec::new();
        match param(params, "sort") {
            None => {}
            Some(Value::Array(keys)) => {
                for key in keys {
                    let Value::Object(key) = key else {
                        return Err(RpcError::data_type("sort", key, "an array of {field, order} objects"));
                    };
                    if let Some(extra) = key.keys().find(|k| *k != "field" && *k != "order") {
                        return Err(RpcError::unexpected("sort", extra));
                    }
                    let field = match param(key, "field") {
                        None => return Err(RpcError::required("sort.field")),
                        Some(Value::String(s)) => s,
                        Some(other) => {
                            return Err(RpcError::data_type("sort.field", other, "a string"));
                        }
                    };
                    let Some(i) = defs.iter().position(|f| f.name == field) else {
                        return Err(RpcError::unexpected("sort.field", field));
                    };
                    if !defs[i].sort {
                        return Err(RpcError::new(
                            -32602,
                            "sort_prohibited",
                            format!("Sorting by the field \"{field}\" is prohibited"),
                        )
                        .at("sort.field", key.get("field")));
                    }
                    let desc = match param(key, "order") {
                        None => false,
                        Some(Value::String(s)) if s == "asc" => false,
                        Some(Value::String(s)) if s == "desc" => true,
                        Some(other) => {
                            return Err(RpcError::invalid("sort.order", other, "must be \"asc\" or \"desc\""));
                        }
                    };
                    sort.push((i, desc));
                }
            }
            Some(other) => {
                return Err(RpcError::data_type("sort", other, "an array of {field, order} objects"));
            }
        }
        Ok(Query { limit, offset, fields, filter, sort })
    }

    /// Appends the page as a JSON array to `out`; returns the number of matching rows.
    fn run(&self, table: &Table, out: &mut String) -> usize {
        let filter = self.filter.as_ref();
        // A leading key whose values are all distinct decides the whole order: walk its index.
        let lead = self.sort.first().and_then(|&(f, desc)| {
            let index = table.sorts[f].as_ref()?;
            (index.unique || (!desc && self.sort.len() == 1)).then_some((index, desc))
        });
        let (rows, total) = match lead {
            _ if self.sort.is_empty() => self.scan(table, 0..table.len),
            Some((index, false)) => self.scan(table, index.order.iter().map(|&r| r as usize)),
            Some((index, true)) => self.scan(table, index.order.iter().rev().map(|&r| r as usize)),
            None => {
                let mut rows: Vec<usize> =
                    (0..table.len).filter(|&r| filter.is_none_or(|f| f.matches(table, r))).collect();
                let keys: Vec<(&[u32], bool)> = self
                    .sort
                    .iter()
                    .filter_map(|&(f, desc)| Some((table.sorts[f].as_ref()?.rank.as_slice(), desc)))
                    .collect();
                rows.sort_unstable_by(|&a, &b| {
                    keys.iter()
                        .map(|&(rank, desc)| if desc { rank[b].cmp(&rank[a]) } else { rank[a].cmp(&rank[b]) })
                        .find(|o| o.is_ne())
                        .unwrap_or_else(|| a.cmp(&b))
                });
                let total = rows.len();
                let start = self.offset.min(total);
                let end = start.saturating_add(self.limit).min(total);
                (rows[start..end].to_vec(), total)
            }
        };

        let average = table.json.len() / table.len.max(1) + 1;
        out.reserve(rows.len() * average + 2);
        out.push('[');
        for (k, &row) in rows.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            match &self.fields {
                None => out.push_str(table.object(row)),
                Some(fields) => {
                    out.push('{');
                    for (j, &f) in fields.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        out.push_str(table.fragment(row, f));
                    }
                    out.push('}');
                }
            }
        }
        out.push(']');
        total
    }

    /// The page and the match count of rows visited in `order`.
    fn scan(&self, table: &Table, order: impl Iterator<Item = usize>) -> (Vec<usize>, usize) {
        match &self.filter {
            None => (order.skip(self.offset).take(self.limit).collect(), table.len),
            Some(filter) => {
                let mut page = Vec::new();
                let mut total = 0;
                for row in order {
                    if filter.matches(table, row) {
                        if total >= self.offset && page.len() < self.limit {
                            page.push(row);
                        }
                        total += 1;
                    }
                }
                (page, total)
            }
        }
    }
}

enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Test { field: usize, test: Test },
}

enum Scalar {
    Str(String),
    Num(f64),
}

enum Test {
    /// Which orderings of (row value, filter value) pass: `=` is [Equal], `<=` is [Less, Equal]...
    Compare(&'static [Ordering], Scalar),
    Like {
        pattern: Vec<Token>,
        lower: bool,
        negate: bool,
    },
    In {
        set: Vec<Scalar>,
        negate: bool,
    },
    /// `regexp`: case-sensitive, anywhere in the value (POSIX `~`).
    Regexp(regex::Regex),
    /// `true`: the value is null (`= null`, `is_null`); `false`: it is not.
    IsNull(bool),
}

/// The operators CoMagic/UIS list and CallGear's documentation does not (API.md §4).
const NOT_ON_CALLGEAR: [&str; 8] =
    ["ilike", "not_like", "not_ilike", "not_in", "is_null", "is_not_null", "overlap", "not_overlap"];

/// `regexp` patterns compile within this much memory; a larger one is refused like a malformed one.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Clone, Copy)]
enum Token {
    /// `%`
    Many,
    /// `_`
    One,
    Char(char),
}

impl Filter {
    fn parse(defs: &'static [FieldDef], platform: Platform, v: &Value) -> Result<Self, RpcError> {
        let Value::Object(obj) = v else {
            return Err(RpcError::data_type("filter", v, "an object"));
        };
        if obj.contains_key("filters") {
            if let Some(extra) = obj.keys().find(|k| *k != "filters" && *k != "condition") {
                return Err(RpcError::unexpected("filter", extra));
            }
            let members = match &obj["filters"] {
                Value::Array(members) => members,
                other => return Err(RpcError::data_type("filter.filters", other, "an array")),
            };
            let members = members.iter().map(|m| Filter::parse(defs, platform, m)).collect::<Result<Vec<_>, _>>()?;
            return match param(obj, "condition") {
                None => Ok(Filter::All(members)),
                Some(Value::String(c)) if c == "and" => Ok(Filter::All(members)),
                Some(Value::String(c)) if c == "or" => Ok(Filter::Any(members)),
                Some(other) => Err(RpcError::invalid("filter.condition", other, "must be \"and\" or \"or\"")),
            };
        }
        if let Some(extra) = obj.keys().find(|k| !["field", "operator", "value"].contains(&k.as_str())) {
            return Err(RpcError::unexpected("filter", extra));
        }
        let name = match param(obj, "field") {
            None => return Err(RpcError::required("filter.field")),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(RpcError::data_type("filter.field", other, "a string")),
        };
        let Some(field) = defs.iter().position(|f| f.name == name) else {
            return Err(RpcError::unexpected("filter.field", name));
        };
        let def = &defs[field];
        if !def.filter {
            return Err(RpcError::new(
                -32602,
                "filter_prohibited",
                format!("Filtering by the field \"{name}\" is prohibited"),
            )
            .at("filter.field", obj.get("field")));
        }
        let operator = match param(obj, "operator") {
            None => return Err(RpcError::required("filter.operator")),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(RpcError::data_type("filter.operator", other, "a string")),
        };
        // The answer an operator gets that the server does not take; CallGear's server does not
        // take the operators its documentation leaves out.
        let unsupported = || {
            RpcError::invalid(
                "filter.operator",
                &Value::String(operator.into()),
                &format!("operator not supported for the field \"{name}\""),
            )
        };
        if platform == Platform::CallGear && NOT_ON_CALLGEAR.contains(&operator) {
            return Err(unsupported());
        }
        let text_only = || {
            if def.kind == Kind::Str {
                return Ok(());
            }
            Err(RpcError::invalid(
                "filter.operator",
                &Value::String(operator.into()),
                &format!("not applicable to the numeric field \"{name}\""),
            ))
        };
        // Absent and `null` alike: "an absent `value` counts as empty" (API.md §4).
        let value = param(obj, "value");
        let needed = || value.ok_or_else(|| RpcError::required("filter.value"));
        let scalar = |v: &Value| -> Result<Scalar, RpcError> {
            match (def.kind, v) {
                (Kind::Str, Value::String(s)) => Ok(Scalar::Str(s.clone())),
                (Kind::Num, Value::Number(n)) => Ok(Scalar::Num(n.as_f64().unwrap_or(f64::NAN))),
                (Kind::Num, _) => Err(RpcError::data_type("filter.value", v, "a number")),
                _ => Err(RpcError::data_type("filter.value", v, "a string")),
            }
        };
        let compare =
            |passing: &'static [Ordering]| -> Result<Test, RpcError> { Ok(Test::Compare(passing, scalar(needed()?)?)) };
        let test = match operator {
            // The documented null tests: `=`/`!=` with a null (or no) value.
            "=" if value.is_none() => Test::IsNull(true),
            "!=" if value.is_none() => Test::IsNull(false),
            "=" => compare(&[Equal])?,
            "!=" => compare(&[Less, Greater])?,
            "<" => compare(&[Less])?,
            ">" => compare(&[Greater])?,
            "<=" => compare(&[Less, Equal])?,
            ">=" => compare(&[Greater, Equal])?,
            "like" | "ilike" | "not_like" | "not_ilike" => {
                text_only()?;
                let Scalar::Str(pattern) = scalar(needed()?)? else {
                    unreachable!("string fields give string scalars")
                };
                let lower = operator.contains("ilike");
                let pattern = if lower { pattern.to_lowercase() } else { pattern };
                Test::Like { pattern: compile_like(&pattern), lower, negate: operator.starts_with("not_") }
            }
            "in" | "not_in" => {
                let set = match needed()? {
                    Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                    other => return Err(RpcError::data_type("filter.value", other, "an array")),
                };
                Test::In { set, negate: operator == "not_in" }
            }
            "is_null" => Test::IsNull(true),
            "is_not_null" => Test::IsNull(false),
            "regexp" => {
                text_only()?;
                let raw = needed()?;
                let Scalar::Str(pattern) = scalar(raw)? else { unreachable!("string fields give string scalars") };
                let regex = regex::RegexBuilder::new(&pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| RpcError::invalid("filter.value", raw, &regex_problem(&e)))?;
                Test::Regexp(regex)
            }
            _ => return Err(unsupported()),
        };
        Ok(Filter::Test { field, test })
    }

    fn matches(&self, table: &Table, row: usize) -> bool {
        match self {
            Filter::All(members) => members.iter().all(|m| m.matches(table, row)),
            Filter::Any(members) => members.iter().any(|m| m.matches(table, row)),
            Filter::Test { field, test } => test.passes(table, *field, row),
        }
    }
}

impl Test {
    /// SQL-like: every test but a null test fails on a null value.
    fn passes(&self, table: &Table, field: usize, row: usize) -> bool {
        let (text, lower, number) = match &table.columns[field] {
            Column::Str(values, lower) => (values[row].as_deref(), lower.get(row).and_then(|l| l.as_deref()), None),
            Column::Num(values) => (None, None, values[row]),
            Column::Json => (None, None, None),
        };
        let present = text.is_some() || number.is_some();
        let cmp = |s: &Scalar| match (s, text, number) {
            (Scalar::Str(s), Some(t), _) => Some(t.cmp(s.as_str())),
            (Scalar::Num(x), _, Some(n)) => (n as f64).partial_cmp(x),
            _ => None,
        };
        match self {
            Test::IsNull(want_null) => present != *want_null,
            _ if !present => false,
            Test::Compare(passing, s) => cmp(s).is_some_and(|o| passing.contains(&o)),
            Test::In { set, negate } => set.iter().any(|s| cmp(s).is_some_and(Ordering::is_eq)) != *negate,
            Test::Like { pattern, lower: ci, negate } => {
                let subject = if *ci { lower } else { text };
                subject.is_some_and(|t| like_match(pattern, t)) != *negate
            }
            Test::Regexp(regex) => text.is_some_and(|t| regex.is_match(t)),
        }
    }
}

/// The one-line reason of a pattern the `regex` crate refuses, worded as PostgreSQL words it
/// ("invalid regular expression: ..."); the crate's own text spans lines, with a caret under the spot.
fn regex_problem(err: &regex::Error) -> String {
    let text = err.to_string();
    let reason = match err {
        regex::Error::CompiledTooBig(_) => "pattern too large",
        _ => text.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or("malformed pattern"),
    };
    format!("invalid regular expression: {reason}")
}

/// `%` any run, `_` one character, `\` makes the next character literal (as in `PostgreSQL`).
fn compile_like(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::Many,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    tokens
}

/// Glob matching with one backtrack point: linear for patterns without `%`, never exponential.
fn like_match(pattern: &[Token], text: &str) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let next = text[t..].chars().next();
        match (pattern.get(p), next) {
            (Some(Token::Many), _) => {
                backtrack = Some((p, t));
                p += 1;
                continue;
            }
            (Some(Token::One), Some(c)) => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            (Some(Token::Char(want)), Some(c)) if *want == c => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        let Some((star, from)) = backtrack else {
            return false;
        };
        let Some(c) = text[from..].chars().next() else {
            return false;
        };
        backtrack = Some((star, from + c.len_utf8()));
        p = star + 1;
        t = from + c.len_utf8();
    }
}

// ---------------------------------------------------------------------------------------------
// Data

/// A deterministic stand-in for randomness (`SplitMix64`).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const STAGES_RU: [&str; 10] = [
    "Новая заявка",
    "Квалификация",
    "Первичный контакт",
    "Презентация",
    "Коммерческое предложение",
    "Переговоры",
    "Согласование договора",
    "Выставлен счёт",
    "Ожидание оплаты",
    "Отгрузка",
];
const STAGES_EN: [&str; 10] = [
    "New lead",
    "Qualification",
    "First contact",
    "Demo",
    "Proposal sent",
    "Negotiation",
    "Contract review",
    "Invoice issued",
    "Awaiting payment",
    "Delivery",
];

/// Writes a `stages` array: `in_process` stages 1..=n, then success (10010) and failed (10020);
/// with `closing_first` the closing stages come first in the array (orders are unchanged).
fn write_stages(out: &mut String, russian: bool, n: usize, ext_id: impl Fn(usize) -> String, closing_first: bool) {
    let names = if russian { &STAGES_RU } else { &STAGES_EN };
    let (won, lost) = if russian {
        ("Успешно реализовано", "Закрыто и не реализовано")
    } else {
        ("Closed won", "Closed lost")
    };
    let mut stages: Vec<(String, &str, &str, usize)> =
        (1..=n).map(|j| (ext_id(j), names[(j - 1) % names.len()], "in_process", j)).collect();
    let closing = [(ext_id(n + 1), won, "success", 10_010), (ext_id(n + 2), lost, "failed", 10_020)];
    if closing_first {
        stages.splice(0..0, closing);
    } else {
        stages.extend(closing);
    }
    out.clear();
    out.push('[');
    for (k, (id, name, status, order)) in stages.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(r#"{"stage_ext_id":"#);
        push_json_str(out, id);
        out.push_str(r#","stage_name":"#);
        push_json_str(out, name);
        let _ = write!(out, r#","stage_status":"{status}","stage_order":{order}}}"#);
    }
    out.push(']');
}

fn main_funnels(n: usize) -> Table {
    let mut table = Table::new(FUNNEL_FIELDS);
    table.json.reserve(n * 900);
    table.spans.reserve(n * table.stride());
    let (mut stages, mut name) = (String::new(), String::new());
    for i in 1..=n {
        let russian = i % 2 == 1;
        name.clear();
        let _ = match ((i / 2) % 4, russian) {
            (0, true) => write!(name, "Воронка продаж №{i}"),
            (1, true) => write!(name, "Основная воронка {i}"),
            (2, true) => write!(name, "Ёлки и игрушки — оптовые продажи {i}"),
            (_, true) => write!(name, "Входящие звонки {i}"),
            (0, false) => write!(name, "Sales pipeline {i}"),
            (1, false) => write!(name, "Main funnel {i}"),
            (2, false) => write!(name, "Partner deals, \"VIP\" {i}"),
            (_, false) => write!(name, "Inbound calls {i}"),
        };
        let in_process = 1 + (mix(i as u64) % 10) as usize;
        write_stages(&mut stages, russian, in_process, |j| (100 * i + j).to_string(), false);
        table.push(&[Cell::Str(Some(&i.to_string())), Cell::Str(Some(&name)), Cell::Json(&stages)]);
    }
    table.finish()
}

/// User 13: seven Latin funnels `B1`..`B7`; `B3` lists its closing stages first, `B7` has `[]`.
fn beta_funnels() -> Table {
    let names = [
        "Beta: retail",
        "Beta: wholesale",
        "Beta: tenders",
        "beta: e-commerce",
        "Beta: service contracts",
        "Beta: partners",
    ];
    let mut table = Table::new(FUNNEL_FIELDS);
    let mut stages = String::new();
    for (k, name) in names.iter().enumerate() {
        let ext_id = format!("B{}", k + 1);
        let in_process = 1 + (mix(1000 + k as u64) % 10) as usize;
        write_stages(&mut stages, false, in_process, |j| format!("{ext_id}-{j}"), k == 2);
        table.push(&[Cell::Str(Some(&ext_id)), Cell::Str(Some(name)), Cell::Json(&stages)]);
    }
    table.push(&[Cell::Str(Some("B7")), Cell::Str(Some("Beta: archive")), Cell::Json("[]")]);
    table.finish()
}

/// User 14: three Cyrillic funnels `V1`, `V2`, `V10` (string order `V1` < `V10` < `V2`); `V10` has `null` stages.
fn vector_funnels() -> Table {
    let mut table = Table::new(FUNNEL_FIELDS);
    let mut stages = String::new();
    write_stages(&mut stages, true, 4, |j| format!("V1-{j}"), false);
    table.push(&[Cell::Str(Some("V1")), Cell::Str(Some("Вектор: розница")), Cell::Json(&stages)]);
    write_stages(&mut stages, true, 10, |j| format!("V2-{j}"), false);
    table.push(&[Cell::Str(Some("V2")), Cell::Str(Some("Вектор: опт")), Cell::Json(&stages)]);
    table.push(&[Cell::Str(Some("V10")), Cell::Str(Some("Вектор: тендеры")), Cell::Json("null")]);
    table.finish()
}

/// Users 12, 13, 14 and 99, then the `extra` clients of `--users` (ids from `FIRST_EXTRA_USER`).
fn customer_users(extra: i64) -> Table {
    let mut table = Table::new(USER_FIELDS);
    let users: [(i64, &str, &str, Option<&str>, i64); 4] = [
        (12, "romashka", "ООО «Ромашка»", Some("Main client: the full data set"), 1001),
        (13, "beta", "Beta Trading", Some("7 funnels"), 1002),
        (14, "vector", "ИП Векторов", Some("3 funnels"), 1002),
        (99, "zeta", "Zeta (no sales funnels)", None, 1003),
    ];
    for (id, login, name, description, customer_id) in users {
        table.push(&[
            Cell::Num(Some(id)),
            Cell::Str(Some(login)),
            Cell::Str(Some(name)),
            Cell::Str(description),
            Cell::Num(Some(customer_id)),
        ]);
    }
    let (mut login, mut name) = (String::new(), String::new());
    for k in 0..extra {
        let id = FIRST_EXTRA_USER + k;
        login.clear();
        let _ = write!(login, "client{id}");
        client_name(&mut name, id);
        let description = (id % 7 != 0).then_some("agency client, 10 funnels");
        // Distinct, above the first users' 1001..=1003, and falling as the id rises.
        let customer_id = 10_000 + extra - k;
        table.push(&[
            Cell::Num(Some(id)),
            Cell::Str(Some(&login)),
            Cell::Str(Some(&name)),
            Cell::Str(description),
            Cell::Num(Some(customer_id)),
        ]);
    }
    table.finish()
}

/// A company name for a `--users` client: Cyrillic for even ids, Latin for odd ones, in several
/// legal forms; the id keeps names apart.
fn client_name(out: &mut String, id: i64) {
    const ROOTS_RU: [&str; 6] = ["Ромашка", "Василёк", "Северный ветер", "Тайга", "Альфа-Строй", "Лотос"];
    const ROOTS_EN: [&str; 6] = ["Northwind", "Blue Harbor", "Acme", "Greenfield", "Silver Oak", "Red Fox"];
    let pick = mix(id as u64) as usize;
    out.clear();
    let _ = if id % 2 == 0 {
        let root = ROOTS_RU[pick % ROOTS_RU.len()];
        match (pick / 8) % 3 {
            0 => write!(out, "ООО «{root}-{id}»"),
            1 => write!(out, "ИП {root} {id}"),
            _ => write!(out, "АО «{root}» №{id}"),
        }
    } else {
        let root = ROOTS_EN[pick % ROOTS_EN.len()];
        match (pick / 8) % 3 {
            0 => write!(out, "{root} {id} LLC"),
            1 => write!(out, "{root} Ltd. #{id}"),
            _ => write!(out, "{root} & Co. {id}"),
        }
    };
}

/// The 10 funnels of `--users` client `user`: ext_ids `"1"`..`"10"` (clients choose them, so they
/// repeat across clients), names varied by client, 1..=10 in-process stages.
fn client_funnels(user: i64) -> Table {
    const KINDS_RU: [&str; 6] =
        ["Воронка продаж", "Входящие звонки", "Повторные продажи", "Тендеры", "Опт", "Заявки с сайта"];
    const KINDS_EN: [&str; 6] = ["Sales pipeline", "Inbound calls", "Renewals", "Tenders", "Wholesale", "Web leads"];
    let mut table = Table::new(FUNNEL_FIELDS);
    let (mut stages, mut name) = (String::new(), String::new());
    for i in 1..=EXTRA_USER_FUNNELS {
        let seed = mix((user as u64) << 8 | i as u64);
        let russian = (user as usize + i) % 2 == 1;
        name.clear();
        let _ = if russian {
            write!(name, "{} {i}", KINDS_RU[seed as usize % KINDS_RU.len()])
        } else {
            write!(name, "{} {i}", KINDS_EN[seed as usize % KINDS_EN.len()])
        };
        let in_process = 1 + ((seed >> 16) % 10) as usize;
        write_stages(&mut stages, russian, in_process, |j| (100 * i + j).to_string(), false);
        table.push(&[Cell::Str(Some(&i.to_string())), Cell::Str(Some(&name)), Cell::Json(&stages)]);
    }
    table.finish()
}
