//! The call loop against a server: transient failures retried within `--retries`, `Retry-After`,
//! quota windows waited for within one `--max-wait` budget (or refused before asking), cancellation,
//! and the deprecation notice.

use std::thread;
use std::time::{Duration, Instant};

use mockito::{Matcher, Server};
use serde_json::{Value, json};

use super::*;
use crate::model::WindowType;
use crate::rpc::{Cancel, ClientOptions, RpcError};

#[test]
fn success_parses_data_and_metadata_and_sends_the_documented_request() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_header("content-type", "application/json; charset=UTF-8")
        .match_header("user-agent", concat!("funnels/", env!("CARGO_PKG_VERSION")))
        .match_header("accept-encoding", Matcher::Regex("gzip".into()))
        .match_body(Matcher::PartialJson(json!({
            "jsonrpc": "2.0", "method": "get.sales_funnel",
            "params": {"access_token": TOKEN, "limit": 2, "offset": 0}})))
        .with_header("content-type", "application/json")
        .with_body_from_request(answer(PAGE))
        .create();
    let mut client = client(options(endpoint(&server)), TOKEN);
    let reply = funnels(&mut client).unwrap();
    mock.assert();
    assert_eq!(reply.data.len(), 2);
    assert_eq!(reply.data[0].name.as_deref(), Some("Основная"));
    assert_eq!(reply.data[1].stages, None);
    assert_eq!(reply.metadata.total_items, Some(5));
    let remaining = |window| client.last_limits().get(&window).and_then(|w| w.remaining);
    assert_eq!((remaining(WindowType::Day), remaining(WindowType::Minute)), (Some(3305), Some(199)));
}

#[test]
fn bad_gateway_and_unavailable_are_retried_then_succeed() {
    let mut server = Server::new();
    let first = server.mock("POST", "/v2.0").with_status(502).with_body("bad gateway").expect(1).create();
    let second = server.mock("POST", "/v2.0").with_status(503).expect(1).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let mut client = client(options(endpoint(&server)), TOKEN);
    assert_eq!(funnels(&mut client).unwrap().data.len(), 2);
    first.assert();
    second.assert();
    ok.assert();
}

#[test]
fn a_server_that_stays_unavailable_costs_one_plus_retries_requests() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .with_status(503)
        .with_header("content-type", "text/html")
        .with_body("<html><h1>Service Unavailable</h1></html>")
        .expect(4)
        .create();
    let mut client = client(options(endpoint(&server)), TOKEN);
    let err = funnels(&mut client).unwrap_err();
    mock.assert();
    assert!(matches!(err, RpcError::Http { status: 503, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "HTTP 503 Service Unavailable from the API (text/html): <html><h1>Service Unavailable</h1></html> (after 3 retries)"
    );
}

#[test]
fn non_transient_statuses_are_not_retried() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/v2.0").with_status(404).with_body("no such page").expect(1).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    mock.assert();
    assert_eq!(err.to_string(), "HTTP 404 Not Found from the API: no such page");
}

#[test]
fn internal_error_is_retried() {
    let mut server = Server::new();
    let internal = error_member(-32603, "Internal error", &json!({"mnemonic":"internal_error"}));
    let failing = server.mock("POST", "/v2.0").with_body_from_request(answer(internal)).expect(2).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    assert!(funnels(&mut client(options(endpoint(&server)), TOKEN)).is_ok());
    failing.assert();
    ok.assert();
}

#[test]
fn internal_error_after_retries_keeps_its_class() {
    let mut server = Server::new();
    let internal = error_member(-32603, "Internal error", &json!({"mnemonic":"internal_error"}));
    let mock = server.mock("POST", "/v2.0").with_body_from_request(answer(internal)).expect(2).create();
    let mut opts = options(endpoint(&server));
    opts.retries = 1;
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    mock.assert();
    let RpcError::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.code, -32603);
    assert_eq!(err.to_string(), "Internal error (after 1 retry) (internal_error)");
}

#[test]
fn retry_after_sets_the_delay() {
    let mut server = Server::new();
    let busy = server.mock("POST", "/v2.0").with_status(429).with_header("retry-after", "3").expect(1).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.wait_unit = Duration::from_millis(100);
    let started = Instant::now();
    assert!(funnels(&mut client(opts, TOKEN)).is_ok());
    // The backoff alone would be at most 1 ms.
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    busy.assert();
    ok.assert();
}

#[test]
fn retry_after_beyond_max_wait_fails_at_once() {
    let mut server = Server::new();
    let busy = server.mock("POST", "/v2.0").with_status(503).with_header("retry-after", "121").expect(1).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(0).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::Http { status: 503, .. }), "{err:?}");
    assert!(!err.to_string().contains("after"), "{err}");
    busy.assert();
    ok.assert();
}

#[test]
fn minute_quota_is_waited_for_and_does_not_use_retries() {
    let mut server = Server::new();
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(minute_exceeded(17))).expect(2).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.retries = 0;
    opts.quiet = false;
    let (mut client, log) = logged_client(opts, TOKEN);
    assert!(funnels(&mut client).is_ok());
    limited.assert();
    ok.assert();
    assert_eq!(
        log.text(),
        "funnels: minute quota used up; waiting 18 s for it to reset\n".repeat(2),
        "the wait is minute_reset + 1"
    );
}

#[test]
fn minute_quota_waits_stop_at_max_wait() {
    let mut server = Server::new();
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(minute_exceeded(59))).expect(3).create();
    let mut opts = options(endpoint(&server));
    opts.max_wait = Duration::from_secs(120);
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    limited.assert(); // two waits of 60 s fit in 120 s, a third does not
    let RpcError::Api(api) = err else { panic!() };
    assert_eq!(api.limit_type.as_deref(), Some("minute"));
}

#[test]
fn max_wait_zero_returns_the_quota_error_at_once() {
    let mut server = Server::new();
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(minute_exceeded(5))).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.max_wait = Duration::ZERO;
    opts.quiet = false;
    let (mut client, log) = logged_client(opts, TOKEN);
    let err = funnels(&mut client).unwrap_err();
    limited.assert();
    assert!(matches!(&err, RpcError::Api(api) if api.code == -32029));
    assert_quota_refusal(&err);
    assert_eq!(log.text(), "");
}

#[test]
fn day_quota_returns_at_once_saying_when_it_resets() {
    let mut server = Server::new();
    let day = error_member(
        -32029,
        "Limit per day has been exceeded",
        &json!({"mnemonic":"limit_exceeded","params":{"limit_type":"day","limit_max_value":3500},
                "metadata":{"limits":{"day_remaining":0,"day_reset":33120}}}),
    );
    let mock = server.mock("POST", "/v2.0").with_body_from_request(answer(day)).expect(1).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    mock.assert();
    assert_eq!(
        err.to_string(),
        "Limit per day has been exceeded (limit_exceeded); resets in 9h 12m, beyond --max-wait 120 s"
    );
}

#[test]
fn a_spent_minute_budget_is_waited_for_before_the_next_call() {
    let mut server = Server::new();
    let spent = PAGE.replace(r#""minute_remaining":199,"minute_reset":39"#, r#""minute_remaining":0,"minute_reset":4"#);
    let mock = server.mock("POST", "/v2.0").with_body_from_request(answer(spent)).expect(2).create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 1;
    opts.quiet = false;
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    funnels(&mut client).unwrap();
    let lines: Vec<String> = log.text().lines().map(|l| l.split(" → ").next().unwrap().to_owned()).collect();
    assert_eq!(
        lines,
        [
            "funnels: get.sales_funnel offset=0 limit=2",
            "funnels: minute quota used up; waiting 5 s for it to reset",
            "funnels: get.sales_funnel offset=0 limit=2",
        ]
    );
    // Past max_wait the next call does not ask: the refusal is certain (exit 6).
    client.options.max_wait = Duration::from_secs(9);
    let err = funnels(&mut client).unwrap_err();
    mock.assert();
    assert_eq!(log.text().matches("waiting").count(), 1);
    assert_quota_refusal(&err);
}

#[test]
fn deprecation_is_warned_once_per_client() {
    let mut server = Server::new();
    let page = PAGE.replace(
        r#""version":null"#,
        r#""api_version":{"current_version_deprecated":true,"current_version":"2.0","latest_version":"2.1"}"#,
    );
    let _mock = server.mock("POST", "/v2.0").with_body_from_request(answer(page)).expect(2).create();
    let mut opts = options(endpoint(&server));
    opts.quiet = false;
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    funnels(&mut client).unwrap();
    assert_eq!(log.text(), "funnels: warning: the API version 2.0 in use is deprecated; the latest is 2.1\n");
}

#[test]
fn a_huge_minute_reset_never_floods() {
    // 2^64 − 1 is no server number: the reset counts as unknown (61 s), never as `reset + 1 = 0`.
    let quota = error_member(
        -32029,
        "Limit per minute has been exceeded",
        &json!({"mnemonic":"limit_exceeded","params":{"limit_type":"minute"},
                "metadata":{"limits":{"minute_remaining":0,"minute_reset":u64::MAX}}}),
    );
    let mut server = Server::new();
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(quota.clone())).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.max_wait = Duration::ZERO;
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    limited.assert();
    assert!(err.to_string().contains("resets in about 1m"), "{err}");

    let mut server = Server::new();
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(quota)).expect(2).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    limited.assert(); // one wait of 61 s fits in 120 s, a second does not
    assert!(matches!(err, RpcError::Api(_)), "{err:?}");
}

#[test]
fn a_reset_that_does_not_fit_max_wait_says_when_it_resets() {
    let mut server = Server::new();
    let limited =
        server.mock("POST", "/v2.0").with_body_from_request(answer(minute_exceeded(1 << 53))).expect(1).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    limited.assert();
    assert!(err.to_string().contains("resets in 2501999792983h 36m"), "{err}");
}

#[test]
fn a_retry_after_beyond_any_number_fails_at_once() {
    for value in ["18446744073709551616", "9007199254740993"] {
        let mut server = Server::new();
        let busy = server.mock("POST", "/v2.0").with_status(503).with_header("retry-after", value).expect(1).create();
        let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
        busy.assert();
        assert!(matches!(err, RpcError::Http { status: 503, .. }), "{err:?}");
        assert!(err.to_string().contains("longer than --max-wait 120 s"), "{err}");
    }
}

#[test]
fn a_retry_after_date_falls_back_to_the_backoff() {
    let mut server = Server::new();
    let busy = server
        .mock("POST", "/v2.0")
        .with_status(503)
        .with_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")
        .expect(1)
        .create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let reply = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap();
    assert_eq!(reply.data.len(), 2);
    busy.assert();
    ok.assert();
}

#[test]
fn a_cancelled_client_starts_no_request_and_cuts_its_waits_short() {
    let mut server = Server::new();
    let busy = server.mock("POST", "/v2.0").with_status(503).with_header("retry-after", "60").expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.wait_unit = Duration::from_secs(1);
    let cancel = Cancel::default();
    let mut worker = client(opts, TOKEN).fork(&cancel);
    let canceller = {
        let cancel = cancel.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(200));
            cancel.cancel();
        })
    };
    let started = Instant::now();
    let err = funnels(&mut worker).unwrap_err();
    assert!(matches!(err, RpcError::Cancelled), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "the 60 s wait was sat out: {:?}", started.elapsed());
    canceller.join().unwrap();
    busy.assert();

    let untouched = server.mock("POST", "/v2.0").expect(0).create();
    assert!(matches!(funnels(&mut worker), Err(RpcError::Cancelled)));
    assert_eq!(worker.requests_sent(), 1);
    untouched.assert();
}

// ---------------------------------------------------------------------------------------------
// Every quota window, one wait-or-fail rule (SPEC §7)

fn exceeded(data: &Value) -> String {
    error_member(-32029, "Limit has been exceeded", data)
}

fn hour_exceeded(reset: Option<u64>) -> String {
    let mut limits = json!({"hour_limit": 4000, "hour_remaining": 0, "minute_remaining": 150, "minute_reset": 20});
    if let Some(reset) = reset {
        limits["hour_reset"] = json!(reset);
    }
    exceeded(&json!({"mnemonic":"limit_exceeded","params":{"limit_type":"hour","limit_max_value":4000},
                      "metadata":{"limits":limits}}))
}

fn quota_log(max_wait: u64) -> (ClientOptions, mockito::ServerGuard) {
    let server = Server::new();
    let mut opts = options(endpoint(&server));
    opts.max_wait = Duration::from_secs(max_wait);
    opts.quiet = false;
    (opts, server)
}

#[test]
fn an_hour_limit_exceeded_is_waited_for_when_its_reset_fits() {
    let (opts, mut server) = quota_log(700);
    let limited =
        server.mock("POST", "/v2.0").with_body_from_request(answer(hour_exceeded(Some(600)))).expect(1).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    limited.assert();
    ok.assert();
    assert_eq!(log.text(), "funnels: hour quota used up; waiting 601 s for it to reset\n");
}

#[test]
fn an_hour_limit_exceeded_beyond_max_wait_says_when_it_resets() {
    let (opts, mut server) = quota_log(120);
    let limited =
        server.mock("POST", "/v2.0").with_body_from_request(answer(hour_exceeded(Some(33_120)))).expect(1).create();
    let (mut client, log) = logged_client(opts, TOKEN);
    let err = funnels(&mut client).unwrap_err();
    limited.assert();
    assert_eq!(err.to_string(), "Limit has been exceeded (limit_exceeded); resets in 9h 12m, beyond --max-wait 120 s");
    assert_quota_refusal(&err);
    assert_eq!(log.text(), "");
}

#[test]
fn a_window_other_than_the_minute_with_no_reset_is_not_waited_for() {
    let (opts, mut server) = quota_log(86_400);
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(hour_exceeded(None))).expect(1).create();
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    limited.assert();
    assert!(err.to_string().ends_with("; the API did not say when the hour window resets"), "{err}");
}

#[test]
fn the_total_of_quota_waits_stays_within_max_wait_across_windows() {
    // 601 s for the hour, then 21 s for the minute would make 622 s, beyond --max-wait 610.
    let (opts, mut server) = quota_log(610);
    let hour = server.mock("POST", "/v2.0").with_body_from_request(answer(hour_exceeded(Some(600)))).expect(1).create();
    let minute = server.mock("POST", "/v2.0").with_body_from_request(answer(minute_exceeded(20))).expect(1).create();
    let (mut client, log) = logged_client(opts, TOKEN);
    let err = funnels(&mut client).unwrap_err();
    hour.assert();
    minute.assert();
    assert!(err.to_string().ends_with("; resets in 20s, beyond --max-wait 610 s (601 s waited already)"), "{err}");
    assert_eq!(log.text(), "funnels: hour quota used up; waiting 601 s for it to reset\n");
}

#[test]
fn a_limit_exceeded_without_limit_type_uses_the_window_left_at_zero() {
    let (opts, mut server) = quota_log(120);
    let data = json!({"mnemonic":"limit_exceeded",
        "metadata":{"limits":{"day_remaining":3000,"day_reset":30000,"minute_remaining":0,"minute_reset":17}}});
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(exceeded(&data))).expect(1).create();
    let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let (mut waiting, log) = logged_client(opts, TOKEN);
    funnels(&mut waiting).unwrap();
    limited.assert();
    ok.assert();
    assert_eq!(log.text(), "funnels: minute quota used up; waiting 18 s for it to reset\n");

    // No limit_type and no window at zero: nothing to wait for.
    let mut server = Server::new();
    let data = json!({"mnemonic":"limit_exceeded","metadata":{"limits":{"minute_remaining":5}}});
    let limited = server.mock("POST", "/v2.0").with_body_from_request(answer(exceeded(&data))).expect(1).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    limited.assert();
    assert!(err.to_string().ends_with("; the API did not say which window is used up"), "{err}");
}

#[test]
fn a_minute_limit_exceeded_without_metadata_or_with_a_null_id_waits_61_s() {
    for id in ["null", "ID"] {
        let (opts, mut server) = quota_log(120);
        let error = exceeded(&json!({"mnemonic":"limit_exceeded","params":{"limit_type":"minute"}}));
        let limited = server
            .mock("POST", "/v2.0")
            .with_body_from_request(move |request| {
                let sent: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
                let id = if id == "null" { "null".to_owned() } else { sent["id"].to_string() };
                format!(r#"{{"jsonrpc":"2.0","id":{id},{error}}}"#).into_bytes()
            })
            .expect(1)
            .create();
        let ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
        let (mut client, log) = logged_client(opts, TOKEN);
        funnels(&mut client).unwrap();
        limited.assert();
        ok.assert();
        assert_eq!(log.text(), "funnels: minute quota used up; waiting 61 s for it to reset\n", "id {id}");
    }
}

#[test]
fn a_spent_hour_window_is_waited_for_before_asking_or_ends_the_run_without_a_request() {
    let spent =
        PAGE.replace(r#""minute_limit""#, r#""hour_limit":4000,"hour_remaining":0,"hour_reset":300,"minute_limit""#);
    let (opts, mut server) = quota_log(400);
    let mock = server.mock("POST", "/v2.0").with_body_from_request(answer(spent)).expect(2).create();
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    funnels(&mut client).unwrap();
    assert_eq!(log.text(), "funnels: hour quota used up; waiting 301 s for it to reset\n");
    // 301 s more would make 602 s, beyond --max-wait 400: exit 6 before asking.
    let err = funnels(&mut client).unwrap_err();
    mock.assert();
    assert_eq!(
        err.to_string(),
        "the last answer left no points in the hour window (limit_exceeded); \
         resets in 5m, beyond --max-wait 400 s (301 s waited already)"
    );
    assert_quota_refusal(&err);
}

#[test]
fn several_spent_windows_wait_for_the_latest_reset() {
    let spent = PAGE.replace(
        r#""minute_remaining":199,"minute_reset":39"#,
        r#""minute_remaining":0,"minute_reset":39,"hour_remaining":0,"hour_reset":90"#,
    );
    let (opts, mut server) = quota_log(120);
    let _mock = server.mock("POST", "/v2.0").with_body_from_request(answer(spent)).expect(2).create();
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    funnels(&mut client).unwrap();
    assert_eq!(log.text(), "funnels: hour quota used up; waiting 91 s for it to reset\n");
}
