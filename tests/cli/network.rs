//! Network behaviour end to end (SPEC §7): retries, quota waits, timeouts, redirects and malformed
//! responses, each ending in bounded time with the right exit code and nothing on stdout.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

#[test]
fn transient_failures_are_retried_then_succeed() {
    for status in [502, 503] {
        let mut server = mockito::Server::new();
        let failing = server.mock("POST", "/v2.0").with_status(status).with_body("busy").expect(1).create();
        let ok =
            server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).expect(1).create();
        let (code, stdout, stderr) = run(&endpoint(&server), &["list", "-o", "ndjson"]);
        assert_eq!(code, Some(0), "{status}: {stderr}");
        assert_eq!(stdout.lines().count(), 1);
        failing.assert();
        ok.assert();
    }
}

#[test]
fn a_dropped_connection_is_retried() {
    let endpoint = raw_server(|mut stream, n| {
        let request = read_request(&mut stream);
        if n == 0 {
            return; // hang up without an answer
        }
        let body = json!({"jsonrpc": "2.0", "id": request["id"], "result": result(&[funnel(5, 1)], 1)}).to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    let (code, stdout, stderr) = run(&endpoint, &["list", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\"ext_id\":\"5\""));
}

#[test]
fn internal_errors_that_persist_are_exit_7() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32603, "internal_error", &json!({})))
        .expect(3)
        .create();
    let (code, stdout, stderr) = run(&endpoint(&server), &["list", "--retries", "2"]);
    assert_eq!(code, Some(7), "{stderr}");
    assert_eq!(stdout, "");
    mock.assert();
}

fn quota(limit_type: &str, minute_reset: u64, day_reset: u64) -> serde_json::Value {
    json!({"params": {"limit_type": limit_type, "limit_max_value": 200},
           "metadata": {"limits": {"day_limit": 3500, "day_remaining": 0, "day_reset": day_reset,
                                   "minute_limit": 200, "minute_remaining": 0, "minute_reset": minute_reset}}})
}

#[test]
fn the_minute_quota_is_waited_out() {
    let mut server = mockito::Server::new();
    let limited = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32029, "limit_exceeded", &quota("minute", 17, 30_000)))
        .expect(1)
        .create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).expect(1).create();
    let (code, stdout, stderr) = run(&endpoint(&server), &["list", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    assert!(stderr.contains("waiting 18 s"), "{stderr}");
    limited.assert();
    ok.assert();
}

#[test]
fn max_wait_0_and_the_day_quota_are_exit_6_at_once() {
    let mut server = mockito::Server::new();
    let minute = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32029, "limit_exceeded", &quota("minute", 17, 30_000)))
        .expect(1)
        .create();
    let (code, stdout, _) = run(&endpoint(&server), &["list", "--max-wait", "0"]);
    assert_eq!((code, stdout.as_str()), (Some(6), ""));
    minute.assert();

    let mut server = mockito::Server::new();
    let day = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32029, "limit_exceeded", &quota("day", 17, 33_120)))
        .expect(1)
        .create();
    let (code, _, stderr) = run(&endpoint(&server), &["list"]);
    assert_eq!(code, Some(6));
    assert!(stderr.contains("resets in 9h 12m"), "{stderr}");
    day.assert();
}

#[test]
fn a_spent_minute_budget_delays_the_next_page() {
    let mut server = mockito::Server::new();
    let mut spent = result(&(1..=10).map(|i| funnel(i, 1)).collect::<Vec<_>>(), 20);
    spent["metadata"]["limits"]["minute_remaining"] = json!(0);
    spent["metadata"]["limits"]["minute_reset"] = json!(5);
    let first = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"offset": 0}})))
        .with_body_from_request(reply(spent))
        .create();
    let second = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"offset": 10}})))
        .with_body_from_request(reply(result(&(11..=20).map(|i| funnel(i, 1)).collect::<Vec<_>>(), 20)))
        .create();
    let (code, stdout, stderr) = run(&endpoint(&server), &["list", "--all", "--page-size", "10", "-o", "ndjson"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 20);
    assert!(stderr.contains("waiting 6 s"), "the wait is announced: {stderr}");
    first.assert();
    second.assert();
}

#[test]
fn silent_and_dripping_servers_end_within_the_timeout() {
    let silent = raw_server(|mut stream, _| {
        let _ = read_request(&mut stream);
        std::thread::sleep(Duration::from_secs(30));
    });
    let dripping = raw_server(|mut stream, _| {
        let _ = read_request(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        for _ in 0..300 {
            if stream.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    for endpoint in [silent, dripping] {
        let started = Instant::now();
        let (code, stdout, stderr) = run(&endpoint, &["list", "--timeout", "1", "--retries", "1"]);
        assert_eq!(code, Some(7), "{stderr}");
        assert_eq!(stdout, "");
        assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
        assert!(stderr.contains("timed out"), "{stderr}");
    }
}

#[test]
fn redirects_are_not_followed() {
    let mut target = mockito::Server::new();
    let untouched = target.mock("POST", mockito::Matcher::Any).expect(0).create();
    let mut server = mockito::Server::new();
    let location = endpoint(&target);
    let _m = server.mock("POST", "/v2.0").with_status(302).with_header("location", &location).create();
    let (code, stdout, stderr) = run(&endpoint(&server), &["list"]);
    assert_eq!(code, Some(7));
    assert_eq!(stdout, "");
    assert!(stderr.contains(&location), "{stderr}");
    untouched.assert();
}

#[test]
fn malformed_responses_are_exit_7_with_an_excerpt() {
    let bodies = [
        ("text/html", "<html><body>Gateway says hi</body></html>".to_owned()),
        ("application/json", json!({"jsonrpc": "2.0", "id": "not-the-id", "result": result(&[], 0)}).to_string()),
        (
            "application/json",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"data\":[],\"metadata\":{}},\"error\":{\"code\":1}}".to_owned(),
        ),
        (
            "application/json",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"data\":{\"ext_id\":\"1\"},\"metadata\":{}}}".to_owned(),
        ),
        ("application/json", "{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{\"data\":[],\"metadata\":{}}}".to_owned()),
    ];
    for (content_type, body) in bodies {
        let mut server = mockito::Server::new();
        let _m = server.mock("POST", "/v2.0").with_header("content-type", content_type).with_body(&body).create();
        let (code, stdout, stderr) = run(&endpoint(&server), &["list"]);
        assert_eq!(code, Some(7), "{body}: {stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.contains("malformed") && stderr.contains("HTTP 200") && stderr.contains(content_type),
            "{stderr}"
        );
    }
}
