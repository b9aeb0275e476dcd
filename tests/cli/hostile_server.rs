//! Hostile servers end to end (SPEC §3.2 guards and server numbers, §7 retries, quota waits and
//! cancelling after a failure): a counting raw server answers each request as the test says and
//! records when requests arrive and answers leave, so every test can assert the exact number of
//! requests, the exit code and the bytes on stdout.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

/// One answer of the counting server.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    /// Wait this long before answering.
    delay: Duration,
    /// Keep the connection open without answering (the request stays in flight).
    hold: bool,
}

impl Answer {
    fn json(body: &Value) -> Answer {
        Answer { status: 200, headers: Vec::new(), body: body.to_string(), delay: Duration::ZERO, hold: false }
    }

    fn status(status: u16, body: &str) -> Answer {
        Answer { status, headers: Vec::new(), body: body.to_owned(), delay: Duration::ZERO, hold: false }
    }

    fn hold() -> Answer {
        Answer { hold: true, ..Answer::status(200, "") }
    }

    fn header(mut self, name: &'static str, value: &str) -> Answer {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }
}

/// A result answering `request` with `data` and `metadata`.
fn ok(request: &Value, data: &[Value], metadata: &Value) -> Answer {
    Answer::json(&json!({"jsonrpc": "2.0", "id": request["id"], "result": {"data": data, "metadata": metadata}}))
}

/// An error object answering `request`.
fn error(request: &Value, code: i64, mnemonic: &str, data: Value) -> Answer {
    let mut data = data;
    data["mnemonic"] = json!(mnemonic);
    Answer::json(&json!({"jsonrpc": "2.0", "id": request["id"],
        "error": {"code": code, "message": format!("{mnemonic} happened"), "data": data}}))
}

/// Metadata with a total and a roomy point budget.
fn metadata(total: &Value) -> Value {
    json!({"total_items": total, "limits": {"day_limit": 3500, "day_remaining": 3305, "day_reset": 35139,
        "minute_limit": 200, "minute_remaining": 199, "minute_reset": 39}})
}

fn offset_of(request: &Value) -> u64 {
    request["params"]["offset"].as_u64().unwrap_or(0)
}

fn limit_of(request: &Value) -> u64 {
    request["params"]["limit"].as_u64().unwrap_or(0)
}

/// What the counting server saw.
#[derive(Default)]
struct Seen {
    /// When each request arrived, with its offset.
    arrivals: Mutex<Vec<(Instant, u64)>>,
    /// When each answer was written, with its request's offset.
    answers: Mutex<Vec<(Instant, u64)>>,
    count: AtomicUsize,
}

impl Seen {
    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// A raw HTTP/1.1 server (keep-alive) that answers every request with `answer(request)`.
fn counting_server(answer: impl Fn(&Value) -> Answer + Send + Sync + 'static) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let log = Arc::clone(&seen);
    let endpoint = raw_server(move |mut stream, _| {
        loop {
            let request = read_request(&mut stream);
            if request.is_null() {
                return;
            }
            log.count.fetch_add(1, Ordering::SeqCst);
            log.arrivals.lock().unwrap().push((Instant::now(), offset_of(&request)));
            let answer = answer(&request);
            std::thread::sleep(answer.delay);
            if answer.hold {
                std::thread::sleep(Duration::from_secs(40));
                return;
            }
            let mut head = format!(
                "HTTP/1.1 {} Whatever\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                answer.status,
                answer.body.len()
            );
            for (name, value) in &answer.headers {
                let _ = write!(head, "{name}: {value}\r\n");
            }
            head.push_str("\r\n");
            if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(answer.body.as_bytes())).is_err() {
                return;
            }
            log.answers.lock().unwrap().push((Instant::now(), offset_of(&request)));
        }
    });
    (endpoint, seen)
}

fn minute_exceeded(request: &Value, reset: &Value) -> Answer {
    error(
        request,
        -32029,
        "limit_exceeded",
        json!({"params": {"limit_type": "minute", "limit_max_value": 200},
               "metadata": {"limits": {"minute_limit": 200, "minute_remaining": 0, "minute_reset": reset}}}),
    )
}

// ---------------------------------------------------------------------------------------------
// Quota waits and Retry-After

#[test]
fn huge_minute_reset_never_floods() {
    let (endpoint, seen) = counting_server(|request| minute_exceeded(request, &json!(u64::MAX)));
    let (code, stdout, stderr) = run(&endpoint, &["list", "--max-wait", "0", "-q"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""), "{stderr}");
    assert_eq!(seen.requests(), 1, "exactly one request, no flood");
    assert!(stderr.contains("resets in"), "{stderr}");

    // Without --max-wait 0 the unknown reset is waited as 61 s once (scaled in tests), then no more.
    let (endpoint, seen) = counting_server(|request| minute_exceeded(request, &json!(u64::MAX)));
    let (code, _, stderr) = run(&endpoint, &["list", "-q"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert_eq!(seen.requests(), 2);
}

#[test]
fn minute_waits_that_do_not_fit_max_wait_say_when_the_window_resets() {
    let (endpoint, seen) = counting_server(|request| minute_exceeded(request, &json!(600)));
    let (code, stdout, stderr) = run(&endpoint, &["list", "--max-wait", "120"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""), "{stderr}");
    assert!(stderr.contains("resets in 10m"), "{stderr}");
    assert_eq!(seen.requests(), 1);
}

#[test]
fn retry_after_beyond_any_number_fails_at_once() {
    let (endpoint, seen) =
        counting_server(|_| Answer::status(503, "busy").header("Retry-After", "18446744073709551616"));
    let (code, stdout, stderr) = run(&endpoint, &["list"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert!(stderr.contains("longer than --max-wait"), "{stderr}");
    assert_eq!(seen.requests(), 1);
}

#[test]
fn retry_after_above_max_wait_fails_at_once() {
    let (endpoint, seen) = counting_server(|_| Answer::status(429, "slow down").header("Retry-After", "31"));
    let (code, _, stderr) = run(&endpoint, &["list", "--max-wait", "30"]);
    assert_eq!(code, Some(7), "{stderr}");
    assert_eq!(seen.requests(), 1);
}

#[test]
fn retry_after_as_an_http_date_falls_back_to_the_backoff() {
    static RETRIED: AtomicUsize = AtomicUsize::new(0);
    let (endpoint, seen) = counting_server(|request| {
        if offset_of(request) == 0 && RETRIED.fetch_add(1, Ordering::SeqCst) == 0 {
            Answer::status(503, "busy").header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
        } else {
            ok(request, &[funnel(1, 1)], &metadata(&json!(1)))
        }
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(seen.requests(), 2);
}

// ---------------------------------------------------------------------------------------------
// Server numbers

#[test]
fn a_total_that_is_not_a_server_number_is_exit_7() {
    let odd = [json!(-1), json!(1.5), json!("5"), json!(true), json!({"n": 1}), json!([3])];
    let huge = ["18446744073709551616", "18446744073709551614", "9007199254740993"];
    let bodies: Vec<String> = odd.iter().map(Value::to_string).chain(huge.iter().map(|s| (*s).to_owned())).collect();
    for total in bodies {
        let text = total.clone();
        let (endpoint, seen) = counting_server(move |request| {
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{{"data":[{}],"metadata":{{"total_items":{text}}}}}}}"#,
                request["id"],
                funnel(1, 1)
            );
            Answer::status(200, &body)
        });
        for args in [&["list", "--all"][..], &["list", "--count"]] {
            let (code, stdout, stderr) = run(&endpoint, args);
            assert_eq!((code, stdout.as_str()), (Some(7), ""), "{total} {args:?}: {stderr}");
            assert!(stderr.contains("malformed response") && stderr.contains("total_items"), "{stderr}");
        }
        assert_eq!(seen.requests(), 2, "a malformed answer is not retried");
    }
}

#[test]
fn odd_limits_and_api_version_never_cost_the_total() {
    let (endpoint, seen) = counting_server(|request| {
        let offset = offset_of(request);
        let data: Vec<Value> = (offset..3.min(offset + 2)).map(|i| funnel(i, 1)).collect();
        ok(
            request,
            &data,
            &json!({"total_items": 3, "api_version": "2.0",
                "limits": {"day_limit": "3500", "day_remaining": -1, "day_reset": 1.5,
                           "minute_limit": {"n": 1}, "minute_remaining": u64::MAX, "minute_reset": [1]}}),
        )
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--page-size", "2", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 3);
    assert_eq!(seen.requests(), 2);
}

#[test]
fn count_without_total_items_is_exit_7_never_the_page_length() {
    for metadata in [json!({}), json!({"total_items": null}), json!({"limits": {"day_limit": 1}})] {
        let shown = metadata.clone();
        let (endpoint, seen) = counting_server(move |request| ok(request, &[funnel(1, 1)], &metadata));
        let (code, stdout, stderr) = run(&endpoint, &["list", "--count"]);
        assert_eq!((code, stdout.as_str()), (Some(7), ""), "{shown}: {stderr}");
        assert!(stderr.contains("total_items"), "{stderr}");
        let (code, stdout, _) = run(&endpoint, &["users", "--count"]);
        assert_eq!((code, stdout.as_str()), (Some(7), ""), "{shown}");
        assert_eq!(seen.requests(), 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Paging guards

#[test]
fn keyless_records_from_a_server_ignoring_offset_are_never_repeated() {
    let page =
        || vec![json!({"ext_id": null, "name": "A", "stages": []}), json!({"ext_id": null, "name": "B", "stages": []})];
    for total in [json!(100), json!(null)] {
        let shown = total.clone();
        let (endpoint, seen) = counting_server(move |request| ok(request, &page(), &metadata(&total)));
        let args = ["list", "--all", "--page-size", "2", "--parallel", "1", "-o", "ndjson"];
        let (code, stdout, stderr) = run(&endpoint, &args);
        assert_eq!((code, stdout.as_str()), (Some(7), ""), "{shown}: {stderr}");
        assert!(stderr.contains("pagination did not advance"), "{stderr}");
        assert_eq!(seen.requests(), 2, "total {shown}");

        // Streamed, what was written stays, and nothing is written twice.
        let (code, stdout, _) = run(&endpoint, &["list", "--all", "--page-size", "2", "-o", "ndjson", "--stream"]);
        assert_eq!(code, Some(7));
        assert_eq!(stdout.lines().count(), 2, "{stdout}");
    }
}

#[test]
fn a_server_ignoring_offset_without_a_total_is_stopped_at_the_second_page() {
    let (endpoint, seen) = counting_server(|request| {
        let data: Vec<Value> = (0..10).map(|i| funnel(i, 1)).collect();
        ok(request, &data, &json!({"limits": {}}))
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--page-size", "10"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert!(stderr.contains("pagination did not advance"), "{stderr}");
    assert!(!stderr.contains("offset limit"), "{stderr}");
    assert_eq!(seen.requests(), 2, "not 10 001");
}

#[test]
fn a_page_repeating_the_last_one_is_exit_7_even_when_the_total_says_it_ends() {
    // Two pages of 10 by the total; the second repeats the first. Exit 0 would print half.
    let (endpoint, seen) = counting_server(|request| {
        let data: Vec<Value> = (0..10).map(|i| funnel(i, 1)).collect();
        ok(request, &data, &metadata(&json!(20)))
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--page-size", "10", "-o", "ndjson"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert_eq!(seen.requests(), 2);
}

#[test]
fn users_without_ids_from_a_server_ignoring_offset_are_never_repeated() {
    let (endpoint, seen) = counting_server(|request| {
        let data = [json!({"id": null, "login": "a", "name": "A", "description": null, "customer_id": 1})];
        ok(request, &data, &metadata(&json!(50)))
    });
    let (code, stdout, stderr) = run(&endpoint, &["users", "--all", "--page-size", "1", "-o", "ndjson"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert_eq!(seen.requests(), 2);
}

#[test]
fn a_page_with_more_records_than_its_limit_is_cut_to_it() {
    let (endpoint, seen) = counting_server(|request| {
        let data: Vec<Value> = (1..=500).map(|i| funnel(i, 1)).collect();
        ok(request, &data, &metadata(&json!(500)))
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "--page-size", "5", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 5);
    assert!(stderr.contains("showing 5 of 500"), "{stderr}");
    assert_eq!(seen.requests(), 1);
}

// ---------------------------------------------------------------------------------------------
// The request bound: per page needed 1 + --retries + the quota waits that fit in --max-wait, plus at
// most 2 × --parallel − 1 prefetched pages thrown away (src/pager/prefetch.rs tests that bound).

#[test]
fn a_server_that_stays_unavailable_gets_one_plus_retries_requests() {
    for parallel in ["1", "4"] {
        let (endpoint, seen) = counting_server(|_| Answer::status(503, "busy"));
        let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--retries", "2", "--parallel", parallel]);
        assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
        assert_eq!(seen.requests(), 3);
    }
}

#[test]
fn a_server_that_keeps_failing_internally_gets_one_plus_retries_requests() {
    let (endpoint, seen) = counting_server(|request| error(request, -32603, "internal_error", json!({})));
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--retries", "2"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert_eq!(seen.requests(), 3);
}

#[test]
fn a_minute_quota_that_never_resets_gets_the_waits_that_fit_in_max_wait() {
    // Reset 0: each wait is 1 s (scaled to 1 ms in tests); five fit in --max-wait 5.
    let (endpoint, seen) = counting_server(|request| minute_exceeded(request, &json!(0)));
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all", "--max-wait", "5", "-q"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""), "{stderr}");
    assert_eq!(seen.requests(), 6);
}

#[test]
fn a_server_sending_twice_the_limit_costs_no_extra_request() {
    for parallel in ["1", "4"] {
        let (endpoint, seen) = counting_server(|request| {
            let (offset, limit) = (offset_of(request), limit_of(request));
            let data: Vec<Value> = (offset..50.min(offset + 2 * limit)).map(|i| funnel(i, 1)).collect();
            ok(request, &data, &metadata(&json!(50)))
        });
        let args = ["list", "--all", "--page-size", "10", "-o", "ndjson", "--parallel", parallel];
        let (code, stdout, stderr) = run(&endpoint, &args);
        assert_eq!(code, Some(0), "{stderr}");
        let ids: Vec<String> = stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["ext_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, (0..50).map(|i: u64| i.to_string()).collect::<Vec<_>>());
        assert_eq!(seen.requests(), 5, "--parallel {parallel}");
    }
}

// ---------------------------------------------------------------------------------------------
// Cancelling after a failure (SPEC §7)

#[test]
fn a_fatal_prefetched_page_ends_the_run_without_waiting_for_requests_in_flight() {
    // Page 1 comes back with a total of 60, so pages 2–6 are prefetched by four workers: page 2 is
    // held open by the server, page 3 fails fatally after 300 ms, the others keep answering 503
    // every 100 ms and would be retried.
    let (endpoint, seen) = counting_server(|request| match offset_of(request) {
        0 => ok(request, &(0..10).map(|i| funnel(i, 1)).collect::<Vec<_>>(), &metadata(&json!(60))),
        10 => Answer::hold(),
        20 => error(request, -32602, "invalid_parameter_value", json!({"field": "offset"}))
            .after(Duration::from_millis(300)),
        _ => Answer::status(503, "busy").after(Duration::from_millis(100)),
    });
    let (mut cmd, _home) = funnels(&endpoint);
    cmd.timeout(Duration::from_secs(20));
    let args = ["list", "--all", "--page-size", "10", "--parallel", "4", "--retries", "10", "-o", "ndjson"];
    let started = Instant::now();
    let out = cmd.args(args).output().unwrap();
    let elapsed = started.elapsed();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(8), "the fatal error's exit code: {stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("invalid_parameter_value"), "{stderr}");
    assert!(elapsed < Duration::from_secs(5), "the run waited for requests in flight: {elapsed:?}");

    let failed_at = seen.answers.lock().unwrap().iter().find(|(_, offset)| *offset == 20).map(|(at, _)| *at);
    let failed_at = failed_at.expect("the fatal answer was sent");
    // A request that was on its way when the answer left is not a new one: allow a moment.
    let grace = failed_at + Duration::from_millis(50);
    let late: Vec<u64> =
        seen.arrivals.lock().unwrap().iter().filter(|(at, _)| *at > grace).map(|(_, offset)| *offset).collect();
    assert!(late.is_empty(), "requests started after the failure was seen: offsets {late:?}");
}

#[test]
fn a_negative_user_id_is_never_wrapped_into_a_request() {
    let (endpoint, seen) = counting_server(|request| {
        if request["method"] == "get.customer_users" {
            ok(request, &[json!({"id": -1, "login": "x"})], &metadata(&json!(1)))
        } else {
            ok(request, &[funnel(1, 1)], &metadata(&json!(1)))
        }
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "--all-users", "-o", "ndjson"]);
    assert_eq!((code, stdout.as_str()), (Some(7), ""), "{stderr}");
    assert!(stderr.contains("user id -1"), "{stderr}");
    assert_eq!(seen.requests(), 1, "no get.sales_funnel for a wrapped user id");
}
