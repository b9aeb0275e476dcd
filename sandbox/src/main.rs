//! A local double of the Data API v2.0 (JSON-RPC) for the README quick start, the end-to-end tests
//! and the benchmark.
//!
//! ```text
//! cargo build && target/debug/sandbox --exec target/debug/funnels list --user-id 12 --sort name:asc
//! target/debug/sandbox --port 8089 --funnels 25000
//! cargo build --release && target/release/sandbox --port 0 --funnels 110000 --latency-ms 40
//! ```
//!
//! It is a crate of its own (`funnels-sandbox`, a default member of the workspace) so that it builds
//! with `serde_json` and `regex` alone: none of the client's code (a double that shared it would
//! agree with the client's mistakes) and none of the test-only dependencies (the quick start would
//! wait for them).
//!
//! It serves `get.sales_funnel`, `get.customer_users`, `login.user` and `logout.user` with POST on
//! `http://127.0.0.1:PORT/v2.0`, with the envelope checks, parameter validation, error shapes,
//! metadata and point budgets of `API.md`, and prints the environment to use:
//!
//! ```text
//! # funnels sandbox: 3 funnels on http://127.0.0.1:8089/v2.0 (tokens: demo = client, ...)
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
//! the user list. `--mutate N` (N ≥ 1) serves the main set as it stands on a later day: one funnel
//! renamed, one removed, one added, and in one funnel a stage renamed, two moved, one switched to
//! `failed`, one removed and one added — every change `funnels diff` reports (`mutate.rs` says
//! which); the same N always gives the same data, and a different N different changes.
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
//! **Layout**, one concern per file, each request's trip in order: `options` (the command line),
//! `http` (a hand-written HTTP/1.1 server on `std::net`: one thread per connection, keep-alive,
//! `Content-Length` or chunked bodies, `Expect: 100-continue`), `envelope` (the JSON-RPC envelope
//! and the error body), `methods` (the four methods and the [`methods::Service`] they answer from),
//! `accounts` (tokens, sessions, point budgets), `query` (limit, offset, fields, filter, sort),
//! `table` (pre-serialized rows and their indexes), `data` (the deterministic data sets), `mutate`
//! (the later day of `--mutate`) and
//! `refusal` (the error answers every layer returns).

mod accounts;
mod data;
mod envelope;
mod http;
mod methods;
mod mutate;
mod options;
mod query;
mod refusal;
mod table;

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::TcpListener;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::thread;

use data::FIRST_EXTRA_USER;
use methods::Service;

fn main() -> ExitCode {
    let opts = match options::parse_args(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(msg) => {
            eprintln!("sandbox: {msg}\n\n{}", options::USAGE);
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
    let service = Arc::new(Service::new(&opts));
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
        http::serve(&listener, &service);
        return ExitCode::SUCCESS;
    };

    eprint!("{banner}");
    thread::spawn(move || http::serve(&listener, &service));
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
