//! Every quota window end to end (SPEC §7 "API points", §4 `check`, API.md §4–§5): hour windows and
//! windows of any type in `metadata.limits`, the one wait-or-fail rule for `limit_exceeded` and for
//! the wait before a request, `limits: {}` keeping what is known, and errors with `"id": null` or
//! without `data.metadata`. A scripted loopback server answers the n-th request with the n-th
//! answer and records every request, so each test asserts the exact requests a run made.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::*;

/// The requests a scripted server received, in order.
type Received = Arc<Mutex<Vec<Value>>>;

/// A loopback server answering the n-th request with `answers[n]`: a JSON-RPC envelope without an
/// `id` gets the request's id, one with `"id": null` keeps it. Requests beyond the script get a
/// 500, which no test expects to see.
fn scripted(answers: Vec<Value>) -> (String, Received) {
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    let endpoint = raw_server(move |mut stream, _| {
        loop {
            let request = read_request(&mut stream);
            if request.is_null() {
                return;
            }
            let n = {
                let mut log = log.lock().unwrap();
                log.push(request.clone());
                log.len() - 1
            };
            let (status, body) = match answers.get(n) {
                Some(answer) => {
                    let mut answer = answer.clone();
                    if answer.get("id").is_none() {
                        answer["id"] = request["id"].clone();
                    }
                    (200, answer.to_string())
                }
                None => (500, "unscripted request".to_owned()),
            };
            let head = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).is_err() {
                return;
            }
        }
    });
    (endpoint, received)
}

/// Day, hour and minute windows with room left, as real answers of other methods carry them.
fn three_windows() -> Value {
    json!({"day_limit": 3500, "day_remaining": 3305, "day_reset": 35139,
           "hour_limit": 4000, "hour_remaining": 88, "hour_reset": 900,
           "minute_limit": 200, "minute_remaining": 199, "minute_reset": 39})
}

/// A success answer with funnels `range` of `total`, and `limits` as given.
fn page(range: std::ops::Range<u64>, total: u64, limits: &Value) -> Value {
    let data: Vec<Value> = range.map(|i| funnel(i, 1)).collect();
    json!({"jsonrpc": "2.0", "result": {"data": data, "metadata": {"total_items": total, "limits": limits}}})
}

/// A `-32029 limit_exceeded` with `data` (params, metadata) as given.
fn exceeded(data: &Value) -> Value {
    let mut data = data.clone();
    data["mnemonic"] = json!("limit_exceeded");
    json!({"jsonrpc": "2.0", "error": {"code": -32029, "message": "Limit has been exceeded", "data": data}})
}

fn hour_exceeded(hour_reset: u64) -> Value {
    exceeded(&json!({"params": {"limit_type": "hour", "limit_max_value": 4000},
        "metadata": {"limits": {"hour_limit": 4000, "hour_remaining": 0, "hour_reset": hour_reset,
                                "minute_limit": 200, "minute_remaining": 150, "minute_reset": 20}}}))
}

fn offsets(received: &Received) -> Vec<u64> {
    received.lock().unwrap().iter().map(|r| r["params"]["offset"].as_u64().unwrap()).collect()
}

#[test]
fn an_hour_limit_exceeded_waits_when_its_reset_fits_max_wait() {
    let (endpoint, received) = scripted(vec![hour_exceeded(600), page(1..2, 1, &three_windows())]);
    let (code, stdout, stderr) = run(&endpoint, &["list", "-o", "ndjson", "--max-wait", "700"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(stderr, "funnels: hour quota used up; waiting 601 s for it to reset\n");
    assert_eq!(offsets(&received), [0, 0], "the same page asked again after the wait");
}

#[test]
fn an_hour_limit_exceeded_beyond_max_wait_is_exit_6_saying_when_it_resets() {
    let (endpoint, received) = scripted(vec![hour_exceeded(33_120)]);
    let (code, stdout, stderr) = run(&endpoint, &["list"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""), "{stderr}");
    assert!(stderr.contains("resets in 9h 12m, beyond --max-wait 120 s"), "{stderr}");
    assert_eq!(received.lock().unwrap().len(), 1);

    // No hour_reset at all: an hour window is never guessed at, whatever --max-wait allows.
    let mut no_reset = hour_exceeded(0);
    no_reset["error"]["data"]["metadata"]["limits"].as_object_mut().unwrap().remove("hour_reset");
    let (endpoint, received) = scripted(vec![no_reset]);
    let (code, _, stderr) = run(&endpoint, &["list", "--max-wait", "86400"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("the API did not say when the hour window resets"), "{stderr}");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn check_lists_day_hour_and_minute_windows() {
    let answer = page(0..0, 321, &three_windows());
    let (endpoint, _) = scripted(vec![answer.clone()]);
    let (code, stdout, stderr) = run(&endpoint, &["check"]);
    assert_eq!(code, Some(0), "{stderr}");
    let windows: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("funnels ")).skip(1).collect();
    assert_eq!(
        windows,
        [
            "today     3305 of 3500 points left, resets in 9h 45m",
            "hour      88 of 4000 points left, resets in 15m",
            "minute    199 of 200 points left, resets in 39s",
        ]
    );

    let (endpoint, _) = scripted(vec![answer]);
    let (code, stdout, stderr) = run(&endpoint, &["check", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    // Every window is one object under `windows`, in display order: day, hour, minute.
    let names: Vec<&str> = report["windows"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(names, ["day", "hour", "minute"], "{stdout}");
    let at = |key: &str| stdout.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key}: {stdout}"));
    assert!([at("day"), at("hour"), at("minute")].is_sorted(), "{stdout}");
    assert_eq!(report["windows"]["day"], json!({"limit": 3500, "remaining": 3305, "reset": 35139}));
    assert_eq!(report["windows"]["hour"], json!({"limit": 4000, "remaining": 88, "reset": 900}));
    assert_eq!(report["windows"]["minute"], json!({"limit": 200, "remaining": 199, "reset": 39}));
}

#[test]
fn a_response_with_only_an_hour_window_shows_that_window() {
    let hour_only = json!({"hour_limit": 100_000, "hour_remaining": 99_999, "hour_reset": 3599});
    let (endpoint, _) = scripted(vec![page(0..0, 7, &hour_only)]);
    let (code, stdout, stderr) = run(&endpoint, &["check"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.ends_with("funnels   7\nhour      99999 of 100000 points left, resets in 59m 59s\n"), "{stdout}");

    let (endpoint, _) = scripted(vec![page(0..0, 7, &hour_only)]);
    let (_, stdout, _) = run(&endpoint, &["check", "-o", "json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["windows"]["hour"]["remaining"], 99_999);
    let unknown = json!({"limit": null, "remaining": null, "reset": null});
    assert_eq!((&report["windows"]["day"], &report["windows"]["minute"]), (&unknown, &unknown));

    let (endpoint, received) = scripted(vec![page(0..3, 3, &hour_only)]);
    let (code, stdout, stderr) = run(&endpoint, &["list", "-v", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 3);
    assert!(stderr.trim_end().ends_with(", 3 of 3, points left 99999/hour"), "{stderr}");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn empty_limits_keep_the_known_windows() {
    let (endpoint, received) = scripted(vec![
        page(0..1, 3, &three_windows()),
        page(1..2, 3, &json!({})),
        json!({"jsonrpc": "2.0", "result": {"data": [funnel(2, 1)], "metadata": {"total_items": 3}}}),
    ]);
    let (code, stdout, stderr) =
        run(&endpoint, &["list", "--all", "--page-size", "1", "--parallel", "1", "-v", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 3);
    let points: Vec<&str> = stderr.lines().map(|l| l.rsplit_once(", points left ").map_or("", |(_, p)| p)).collect();
    assert_eq!(points, ["3305/day 88/hour 199/min"; 3], "{stderr}");
    assert_eq!(offsets(&received), [0, 1, 2]);
}

#[test]
fn a_limit_exceeded_without_limit_type_waits_for_the_minute_left_at_zero() {
    let minute_at_zero = exceeded(&json!({"metadata": {"limits": {
        "day_limit": 3500, "day_remaining": 3100, "day_reset": 30000,
        "minute_limit": 200, "minute_remaining": 0, "minute_reset": 17}}}));
    let (endpoint, received) = scripted(vec![minute_at_zero, page(1..2, 1, &three_windows())]);
    let (code, stdout, stderr) = run(&endpoint, &["list", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(stderr, "funnels: minute quota used up; waiting 18 s for it to reset\n");
    assert_eq!(received.lock().unwrap().len(), 2);

    // Neither a limit_type nor a window at zero: nothing says what to wait for.
    let unnamed = exceeded(&json!({"metadata": {"limits": {"minute_remaining": 3}}}));
    let (endpoint, received) = scripted(vec![unnamed]);
    let (code, _, stderr) = run(&endpoint, &["list"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("the API did not say which window is used up"), "{stderr}");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn a_null_id_limit_exceeded_takes_the_same_paths() {
    let null_id = |mut answer: Value| {
        answer["id"] = Value::Null;
        answer
    };
    // No limit_type, the minute window at zero: waited for.
    let minute_at_zero = exceeded(&json!({"metadata": {"limits": {"minute_remaining": 0, "minute_reset": 17}}}));
    let (endpoint, received) = scripted(vec![null_id(minute_at_zero), page(1..2, 1, &three_windows())]);
    let (code, _, stderr) = run(&endpoint, &["list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "funnels: minute quota used up; waiting 18 s for it to reset\n");
    assert_eq!(received.lock().unwrap().len(), 2);

    // The minute named, no data.metadata at all: the unknown reset is waited as 61 s.
    let bare = exceeded(&json!({"params": {"limit_type": "minute"}}));
    let (endpoint, received) = scripted(vec![null_id(bare), page(1..2, 1, &three_windows())]);
    let (code, _, stderr) = run(&endpoint, &["list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "funnels: minute quota used up; waiting 61 s for it to reset\n");
    assert_eq!(received.lock().unwrap().len(), 2);

    // The hour named beyond --max-wait: exit 6 at once, saying when.
    let (endpoint, received) = scripted(vec![null_id(hour_exceeded(33_120))]);
    let (code, stdout, stderr) = run(&endpoint, &["list"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""), "{stderr}");
    assert!(stderr.contains("resets in 9h 12m"), "{stderr}");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn a_window_left_at_zero_is_waited_for_before_the_next_page() {
    let mut spent = three_windows();
    spent["hour_remaining"] = json!(0);
    spent["hour_reset"] = json!(3000);
    let (endpoint, received) = scripted(vec![page(0..10, 20, &spent), page(10..20, 20, &three_windows())]);
    let args = ["list", "--all", "--page-size", "10", "-o", "ndjson", "--max-wait", "3600"];
    let (code, stdout, stderr) = run(&endpoint, &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 20);
    assert_eq!(stderr, "funnels: hour quota used up; waiting 3001 s for it to reset\n");
    assert_eq!(offsets(&received), [0, 10]);
}

#[test]
fn a_window_left_at_zero_beyond_max_wait_ends_the_run_without_another_request() {
    let mut spent = three_windows();
    spent["hour_remaining"] = json!(0);
    spent["hour_reset"] = json!(3000);
    for parallel in ["1", "4"] {
        let (endpoint, received) = scripted(vec![page(0..10, 40, &spent), page(10..20, 40, &three_windows())]);
        let args = ["list", "--all", "--page-size", "10", "-o", "ndjson", "--parallel", parallel];
        let (code, stdout, stderr) = run(&endpoint, &args);
        assert_eq!((code, stdout.as_str()), (Some(6), ""), "--parallel {parallel}: {stderr}");
        assert!(stderr.contains("no points in the hour window"), "{stderr}");
        assert!(stderr.contains("resets in 50m, beyond --max-wait 120 s"), "{stderr}");
        assert_eq!(offsets(&received), [0], "--parallel {parallel}: no request once the refusal is certain");
    }
}
