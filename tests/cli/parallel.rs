//! `--parallel` end to end (SPEC §3, §4, §7): every setting from 1 to 8 prints the same bytes as one
//! request at a time — for `list --all`, `--all-users`, `--explode`, `--stream`, with retries and
//! quota waits injected — failures stay all-or-nothing, and concurrency never spends more of a
//! minute's points than the server grants (a counting server refuses any request beyond them).

use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;

const SETTINGS: [&str; 3] = ["1", "4", "8"];

/// Runs funnels against the sandbox with `token` and `args` (plus `--parallel parallel`): exit
/// code, stdout bytes, stderr.
fn on_sandbox(sandbox: &Sandbox, token: &str, args: &[&str], parallel: &str) -> (Option<i32>, Vec<u8>, String) {
    let (mut cmd, _home) = sandbox.funnels(token);
    cmd.env("FUNNELS_BACKOFF_BASE_MS", "1").args(args).args(["--parallel", parallel]);
    let out = cmd.output().unwrap();
    (out.status.code(), out.stdout.clone(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every setting's run gives what `--parallel 1` gives: exit code, stdout bytes and stderr.
fn assert_same_for_every_setting(sandbox: &Sandbox, token: &str, args: &[&str], code: i32) -> Vec<u8> {
    let (first_code, first_out, first_err) = on_sandbox(sandbox, token, args, "1");
    assert_eq!(first_code, Some(code), "{args:?} --parallel 1: {first_err}");
    for parallel in &SETTINGS[1..] {
        let (code, stdout, stderr) = on_sandbox(sandbox, token, args, parallel);
        assert_eq!(code, first_code, "{args:?} --parallel {parallel}: {stderr}");
        assert!(stdout == first_out, "{args:?}: --parallel {parallel} printed other bytes than --parallel 1");
        assert_eq!(stderr, first_err, "{args:?} --parallel {parallel}");
    }
    first_out
}

#[test]
fn every_parallel_setting_prints_the_bytes_of_one_request_at_a_time() {
    let sandbox =
        Sandbox::start_with(&["--funnels", "1200", "--users", "20", "--minute-limit", "100000"], Stdio::null());
    let pages = ["--page-size", "100"];
    let runs: [(&str, Vec<&str>, i32); 6] = [
        ("demo", vec!["list", "--all", "-o", "ndjson"], 0),
        ("demo", vec!["list", "--all", "--explode", "-o", "csv"], 0),
        ("demo", vec!["list", "--all", "--stream", "-o", "tsv"], 0),
        // User 99 answers -32008: skipped with a warning, exit 9, in the same place every time.
        ("demo-agent", vec!["list", "--all-users", "--keep-going", "-o", "csv"], 9),
        ("demo-agent", vec!["list", "--all-users", "--keep-going", "--stream", "-o", "ndjson"], 9),
        ("demo-agent", vec!["list", "--all-users", "--keep-going", "--explode", "-o", "json"], 9),
    ];
    for (token, args, code) in runs {
        let args: Vec<&str> = args.into_iter().chain(pages).collect();
        let stdout = assert_same_for_every_setting(&sandbox, token, &args, code);
        assert!(stdout.len() > 10_000, "{args:?} printed records");
    }
}

#[test]
fn all_users_are_listed_in_the_order_users_gives_whatever_the_setting() {
    let sandbox = Sandbox::start_with(&["--funnels", "30", "--users", "40", "--minute-limit", "100000"], Stdio::null());
    let (code, stdout, stderr) =
        on_sandbox(&sandbox, "demo-agent", &["list", "--all-users", "--keep-going", "-o", "ndjson"], "8");
    assert_eq!(code, Some(9), "{stderr}");
    let mut order: Vec<u64> = Vec::new();
    for line in String::from_utf8(stdout).unwrap().lines() {
        let id = serde_json::from_str::<Value>(line).unwrap()["user_id"].as_u64().unwrap();
        if order.last() != Some(&id) {
            order.push(id);
        }
    }
    // `users` sorts by customer_id, which falls as the sandbox's extra ids rise.
    let expected: Vec<u64> = [12, 13, 14].into_iter().chain((1000..1040).rev()).collect();
    assert_eq!(order, expected, "each user once, in the order of `users` (99 skipped)");
    assert!(stderr.contains("skipped user 99"), "{stderr}");
}

#[test]
fn retried_internal_errors_leave_the_bytes_unchanged() {
    let quota = ["--minute-limit", "100000"];
    let sandbox = Sandbox::start_with(
        &[&["--funnels", "1200", "--users", "12", "--fail-every", "3"][..], &quota].concat(),
        Stdio::null(),
    );
    let clean = Sandbox::start_with(&[&["--funnels", "1200", "--users", "12"][..], &quota].concat(), Stdio::null());
    for (token, args, code) in [
        ("demo", vec!["list", "--all", "--page-size", "100", "-o", "csv", "--retries", "10"], 0),
        ("demo-agent", vec!["list", "--all-users", "--keep-going", "--page-size", "100", "--retries", "10"], 9),
        ("demo-agent", vec!["list", "--all-users", "--keep-going", "--stream", "-o", "csv", "--retries", "10"], 9),
    ] {
        let (_, expected, _) = on_sandbox(&clean, token, &args, "1");
        for parallel in SETTINGS {
            let (got, stdout, stderr) = on_sandbox(&sandbox, token, &args, parallel);
            assert_eq!(got, Some(code), "{args:?} --parallel {parallel}: {stderr}");
            assert!(stdout == expected, "{args:?} --parallel {parallel}: other bytes than without failures");
        }
    }
}

#[test]
fn a_failure_that_outlasts_the_retries_leaves_stdout_empty_at_every_setting() {
    // Every 6th paid call fails; with no retries the run fails on it, whichever page or user it is
    // (or, for --all-users, on user 99 if the workers reach it first).
    let options = ["--funnels", "1200", "--users", "20", "--fail-every", "6", "--minute-limit", "100000"];
    let sandbox = Sandbox::start_with(&options, Stdio::null());
    for parallel in SETTINGS {
        for (token, args) in [
            ("demo", ["list", "--all", "--page-size", "100", "-o", "ndjson", "--retries", "0"]),
            ("demo-agent", ["list", "--all-users", "--page-size", "100", "-o", "csv", "--retries", "0"]),
        ] {
            let (code, stdout, stderr) = on_sandbox(&sandbox, token, &args, parallel);
            assert!(!matches!(code, Some(0 | 9) | None), "{args:?} --parallel {parallel}: {code:?} {stderr}");
            if token == "demo" {
                assert_eq!(code, Some(7), "{stderr}");
                assert!(stderr.contains("internal_error"), "{stderr}");
            }
            assert!(stdout.is_empty(), "{args:?} --parallel {parallel}: all or nothing");
            assert!(stderr.starts_with("funnels: error: "), "the error comes first: {stderr}");
            assert!(!stderr.contains("cancelled"), "no word of the requests cut short: {stderr}");
        }
    }
}

#[test]
fn parallel_outside_1_to_8_is_a_usage_error_naming_the_range() {
    for parallel in ["0", "9"] {
        let (code, stdout, stderr) = run("http://127.0.0.1:9/v2.0", &["list", "--parallel", parallel]);
        assert_eq!((code, stdout.as_str()), (Some(2), ""), "{stderr}");
        assert!(stderr.contains("1..=8"), "{stderr}");
    }
}

/// What the counting server saw.
#[derive(Default)]
struct Counts {
    /// Requests the minute window refused (the client overspent it).
    refused: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Windows begun.
    windows: AtomicUsize,
}

/// Points per window of the counting server, and how long its "minute" lasts for real.
const LIMIT: u64 = 5;
const WINDOW: Duration = Duration::from_millis(150);

/// A server answering each request with `answer`, counting the requests in flight at once.
fn counted_server(answer: impl Fn(&Value, &Counts) -> String + Send + Sync + 'static) -> (String, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let seen = Arc::clone(&counts);
    let endpoint = raw_server(move |mut stream, _| {
        loop {
            let request = read_request(&mut stream);
            if request.is_null() {
                return;
            }
            let now_in = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most_in_flight.fetch_max(now_in, Ordering::SeqCst);
            let body = answer(&request, &seen);
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
            if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).is_err() {
                return;
            }
        }
    });
    (endpoint, counts)
}

/// An agent account of 12 users with 7 funnels each, behind a minute window of [`LIMIT`] points that
/// lasts [`WINDOW`] and tells its reset in milliseconds (the client runs with one "second" = 1 ms).
/// A request beyond the window's points is refused with `-32029` and counted.
fn counting_server() -> (String, Arc<Counts>) {
    let window: Mutex<Option<(Instant, u64)>> = Mutex::default();
    counted_server(move |request, seen| {
        std::thread::sleep(Duration::from_millis(10));
        let granted = {
            let mut window = window.lock().unwrap();
            let now = Instant::now();
            if window.is_none_or(|(start, _)| now.duration_since(start) >= WINDOW) {
                *window = Some((now, 0));
                seen.windows.fetch_add(1, Ordering::SeqCst);
            }
            let (start, used) = window.as_mut().unwrap();
            let reset = (WINDOW.saturating_sub(now.duration_since(*start)).as_millis() as u64).max(1);
            if *used < LIMIT {
                *used += 1;
                Some((LIMIT - *used, reset))
            } else {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                None
            }
        };
        match granted {
            Some((remaining, reset)) => answer(request, remaining, reset),
            None => json!({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32029,
                "message": "limit exceeded", "data": {"mnemonic": "limit_exceeded",
                "params": {"limit_type": "minute"}}}})
            .to_string(),
        }
    })
}

/// The answer to a granted request: the users, or one user's funnels, by offset and limit.
fn answer(request: &Value, remaining: u64, reset: u64) -> String {
    let params = &request["params"];
    let (offset, limit) = (params["offset"].as_u64().unwrap_or(0), params["limit"].as_u64().unwrap_or(100));
    let (rows, total): (Vec<Value>, u64) = if request["method"] == "get.customer_users" {
        let users = (1..=12).map(|id| {
            json!({"id": id, "login": format!("u{id}"), "name": format!("User {id}"),
            "description": null, "customer_id": id})
        });
        (users.skip(offset as usize).take(limit as usize).collect(), 12)
    } else {
        let user = params["user_id"].as_u64().unwrap_or(0);
        let funnels = (0..7).map(|i| funnel(user * 100 + i, 1));
        (funnels.skip(offset as usize).take(limit as usize).collect(), 7)
    };
    json!({"jsonrpc": "2.0", "id": request["id"], "result": {"data": rows, "metadata": {"total_items": total,
        "limits": {"minute_limit": LIMIT, "minute_remaining": remaining, "minute_reset": reset}}}})
    .to_string()
}

/// Runs `args` (plus `--max-wait` and `--parallel`) at every setting, each against a fresh counting
/// server: exit 0, no request beyond the minute's points, at most `--parallel` in flight — one at
/// `--parallel 1`, more at once otherwise. Each run's stdout and the minute windows it began.
fn within_the_minute(args: &[&str]) -> Vec<(String, usize)> {
    let mut runs = Vec::new();
    for parallel in SETTINGS {
        let (endpoint, counts) = counting_server();
        let (mut cmd, _home) = funnels(&endpoint);
        // About 5 waits of ≤ 151 "seconds" each: summed per worker instead of as wall-clock time,
        // the waits of 4 or 8 workers would overrun this.
        cmd.env("FUNNELS_WAIT_UNIT_MS", "1").args(args).args(["--max-wait", "1500", "--parallel", parallel]);
        let out = cmd.output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "--parallel {parallel}: {stderr}");
        assert_eq!(
            counts.refused.load(Ordering::SeqCst),
            0,
            "--parallel {parallel}: a request beyond the minute's points"
        );
        let most = counts.most_in_flight.load(Ordering::SeqCst);
        assert!(most <= parallel.parse().unwrap(), "--parallel {parallel}: {most} in flight");
        if parallel == "1" {
            assert_eq!(most, 1, "--parallel 1 is strictly sequential");
        } else {
            assert!(most >= 2, "--parallel {parallel}: users were asked for concurrently");
        }
        runs.push((stdout, counts.windows.load(Ordering::SeqCst)));
    }
    runs
}

#[test]
fn concurrency_never_spends_more_points_than_the_minute_grants_and_the_run_waits_instead() {
    let runs = within_the_minute(&["list", "--all-users", "--all", "--page-size", "5", "-o", "ndjson"]);
    for (stdout, windows) in &runs {
        assert_eq!(stdout.lines().count(), 12 * 7);
        // 1 + 12 × 2 requests at 5 a window: the run waited for at least 4 resets.
        assert!(*windows >= 5, "{windows} windows");
    }
    assert!(runs.iter().all(|(o, _)| *o == runs[0].0), "the same bytes at every setting, quota waits and all");
}

/// A client account of 40 funnels behind a budget that never runs out; each answer takes 20 ms.
fn pages_server() -> (String, Arc<Counts>) {
    counted_server(|request, _| {
        std::thread::sleep(Duration::from_millis(20));
        let params = &request["params"];
        let (offset, limit) = (params["offset"].as_u64().unwrap_or(0), params["limit"].as_u64().unwrap_or(100));
        let rows: Vec<Value> = (0..40).map(|i| funnel(i, 1)).skip(offset as usize).take(limit as usize).collect();
        json!({"jsonrpc": "2.0", "id": request["id"], "result": {"data": rows, "metadata": {
            "total_items": 40, "limits": {"minute_limit": 1000, "minute_remaining": 999, "minute_reset": 60}}}})
        .to_string()
    })
}

#[test]
fn stream_fetches_one_page_at_a_time_whatever_the_setting() {
    let mut outputs = Vec::new();
    for stream in [false, true] {
        let (endpoint, counts) = pages_server();
        let (mut cmd, _home) = funnels(&endpoint);
        cmd.args(["list", "--all", "--page-size", "2", "-o", "ndjson", "--parallel", "8"]);
        if stream {
            cmd.arg("--stream");
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(stdout.lines().count(), 40);
        let most = counts.most_in_flight.load(Ordering::SeqCst);
        if stream {
            // One worker fetches the page after the one being written: never two requests at once.
            assert_eq!(most, 1, "--stream: {most} pages in flight");
        } else {
            assert!(most > 2, "without --stream all eight workers fetch: {most} in flight");
        }
        outputs.push(out.stdout);
    }
    assert_eq!(outputs[0], outputs[1], "--stream prints the same bytes");
}

#[test]
fn all_users_count_asks_for_users_at_once_within_the_budget_and_sums_the_same() {
    for (stdout, _) in within_the_minute(&["list", "--all-users", "--count"]) {
        assert_eq!(stdout, "84\n", "12 users × 7 funnels");
    }
}

#[test]
fn a_day_window_used_up_by_one_worker_ends_the_run_at_once_for_all() {
    for parallel in SETTINGS {
        let day_left = Arc::new(Mutex::new(5u64));
        let (endpoint, counts) = counted_server(move |request, seen| {
            std::thread::sleep(Duration::from_millis(10));
            let mut left = day_left.lock().unwrap();
            if *left == 0 {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                return json!({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32029,
                    "message": "limit exceeded", "data": {"mnemonic": "limit_exceeded",
                    "params": {"limit_type": "day"}}}})
                .to_string();
            }
            *left -= 1;
            let limits = json!({"day_limit": 5, "day_remaining": *left, "day_reset": 30_000,
                "minute_limit": 100, "minute_remaining": 90, "minute_reset": 60});
            let mut body: Value = serde_json::from_str(&answer(request, 90, 60)).unwrap();
            body["result"]["metadata"]["limits"] = limits;
            body.to_string()
        });
        let (mut cmd, _home) = funnels(&endpoint);
        cmd.env("FUNNELS_WAIT_UNIT_MS", "1").args(["list", "--all-users", "-o", "ndjson", "--parallel", parallel]);
        let out = cmd.output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(6), "--parallel {parallel}: {stderr}");
        assert_eq!(stdout, "", "--parallel {parallel}");
        assert!(stderr.contains("resets in 8h 20m"), "--parallel {parallel}: the day's reset is told: {stderr}");
        assert!(!stderr.contains("minute quota"), "--parallel {parallel}: no wait for the minute: {stderr}");
        assert_eq!(counts.refused.load(Ordering::SeqCst), 0, "--parallel {parallel}: a request the day refused");
    }
}

#[test]
fn the_sandbox_minute_limit_is_never_overspent_at_any_setting() {
    // 34 users (the sandbox's 4 and 30 more) against 12 points a minute: the run spends them all,
    // then every user left is skipped before asking (--max-wait 0). A request the minute refused
    // would show in -v as an answer with -32029. (Which users get the last points depends on which
    // worker reaches the gate first, so the skipped users may differ from setting to setting.)
    for parallel in SETTINGS {
        let sandbox = Sandbox::start_with(&["--funnels", "10", "--users", "30", "--minute-limit", "12"], Stdio::null());
        let args = ["list", "--all-users", "--keep-going", "-o", "ndjson", "--max-wait", "0", "-v"];
        let (code, _, stderr) = on_sandbox(&sandbox, "demo-agent", &args, parallel);
        assert_eq!(code, Some(9), "--parallel {parallel}: {stderr}");
        let answers: Vec<&str> = stderr.lines().filter(|l| l.contains(" → ")).collect();
        assert!(answers.iter().all(|l| !l.contains("-32029")), "--parallel {parallel}: refused: {answers:#?}");
        assert!(answers.len() >= 12, "--parallel {parallel}: the minute's points were used: {answers:#?}");
        assert!(stderr.contains("left no points in the minute window"), "--parallel {parallel}: {stderr}");
    }
}
