//! The client against mockito servers and raw sockets on 127.0.0.1. Every client is built with an
//! empty proxy environment and tiny backoff and wait units, so tests neither read the process
//! environment nor sleep for real seconds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mockito::{Matcher, Server};
use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::model::Funnel;

const TOKEN: &str = "tok-rpc-tests-5d1e0c77";
const CANARY: &str = "canary-rpc-9b2f44e1a7";
const PAGE: &str = r#""result":{"data":[{"ext_id":"1","name":"Основная","stages":[]},{"ext_id":"2","name":"B","stages":null}],
    "metadata":{"total_items":5,"version":null,"limits":{"day_limit":3500,"day_remaining":3305,"day_reset":35139,
    "minute_limit":200,"minute_remaining":199,"minute_reset":39}}}"#;

fn options(endpoint: String) -> ClientOptions {
    ClientOptions {
        endpoint,
        proxy: None,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        retries: 3,
        max_wait: Duration::from_secs(120),
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(4),
        wait_unit: Duration::from_millis(1),
        max_body: 256 * 1024 * 1024,
        verbose: 0,
        quiet: true,
    }
}

/// The error `exit` classifies as a quota refusal (exit 6): the API's `-32029`, as received or as
/// the loop's own certain refusal. The mapping itself is `exit`'s, tested there.
fn assert_quota_refusal(err: &RpcError) {
    assert!(matches!(err, RpcError::Api(api) if api.code == -32029), "{err:?}");
}

fn endpoint(server: &Server) -> String {
    format!("{}/v2.0", server.url())
}

fn client(options: ClientOptions, token: &str) -> Client {
    Client::new(options, Some(token.to_owned()))
}

/// A log writer the test can read back.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn logged_client(options: ClientOptions, token: &str) -> (Client, Log) {
    let log = Log::default();
    (client(options, token).with_log(Box::new(log.clone())), log)
}

#[derive(Serialize)]
struct Page {
    limit: u32,
    offset: u32,
}

const FIRST: Page = Page { limit: 2, offset: 0 };

/// A response body answering the request's own id with `member` (`"result":…` or `"error":…`).
fn answer(member: impl Into<String>) -> impl Fn(&mockito::Request) -> Vec<u8> + Send + Sync + 'static {
    let member = member.into();
    move |request| {
        let sent: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
        format!(r#"{{"jsonrpc":"2.0","id":{},{member}}}"#, sent["id"]).into_bytes()
    }
}

fn error_member(code: i64, message: &str, data: &Value) -> String {
    format!(r#""error":{{"code":{code},"message":{},"data":{data}}}"#, json!(message))
}

fn minute_exceeded(reset: u64) -> String {
    error_member(
        -32029,
        "Limit per minute has been exceeded",
        &json!({"mnemonic":"limit_exceeded","params":{"limit_type":"minute","limit_max_value":200},
                "metadata":{"limits":{"minute_remaining":0,"minute_reset":reset}}}),
    )
}

fn funnels(client: &mut Client) -> Result<Reply<Vec<Funnel>>, RpcError> {
    client.call("get.sales_funnel", &FIRST)
}

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
fn access_token_is_the_first_param_and_ids_are_fresh() {
    let mut server = Server::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(move |request| {
            record.lock().unwrap().push(String::from_utf8(request.body().unwrap().clone()).unwrap());
            answer(PAGE)(request)
        })
        .expect(2)
        .create();
    let mut client = client(options(endpoint(&server)), TOKEN);
    funnels(&mut client).unwrap();
    funnels(&mut client).unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen[0].starts_with(r#"{"jsonrpc":"2.0","id":1,"method":"get.sales_funnel","params":{"access_token":"#));
    assert!(seen[0].ends_with(r#""limit":2,"offset":0}}"#), "{}", seen[0]);
    assert!(seen[1].contains(r#""id":2,"#));
}

#[test]
fn no_token_sends_no_access_token() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(Matcher::Regex(r#"^\{"jsonrpc":"2.0","id":1,"method":"login.user","params":\{"login":"#.into()))
        .with_body_from_request(answer(r#""result":{"data":{"access_token":"s","expire_at":9}}"#))
        .create();
    let mut client = Client::new(options(endpoint(&server)), None);
    let reply: Reply<Session> = client.call("login.user", &json!({"login":"u","password":"p"})).unwrap();
    mock.assert();
    assert_eq!(reply.data.expire_at, Some(9));
}

#[test]
fn logout_accepts_an_empty_object() {
    let mut server = Server::new();
    let _mock = server.mock("POST", "/v2.0").with_body_from_request(answer(r#""result":{"data":{}}"#)).create();
    let mut client = client(options(endpoint(&server)), TOKEN);
    let reply: Reply<IgnoredAny> = client.call("logout.user", &json!({})).unwrap();
    assert_eq!(reply.metadata, Metadata::default());
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
fn json_rpc_errors_are_read_whatever_the_status() {
    let mut server = Server::new();
    let invalid = error_member(
        -32602,
        "Invalid value",
        &json!({"mnemonic":"invalid_parameter_value","field":"filter.value","value":[1,"a"]}),
    );
    let mock = server.mock("POST", "/v2.0").with_status(400).with_body_from_request(answer(invalid)).expect(1).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    mock.assert();
    let RpcError::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.value.as_deref(), Some(r#"[1,"a"]"#));
    assert_eq!(err.to_string(), r#"Invalid value (invalid_parameter_value; field filter.value; value [1,"a"])"#);
}

#[test]
fn error_without_data_and_with_null_id_is_tolerated() {
    let mut server = Server::new();
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#)
        .create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    let RpcError::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!((api.code, api.mnemonic.as_deref(), api.metadata.as_ref()), (-32700, None, None));
    assert_eq!(err.to_string(), "Parse error (code -32700)");
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
fn redirects_are_not_followed() {
    let mut server = Server::new();
    let target = format!("{}/elsewhere", server.url());
    let redirect = server.mock("POST", "/v2.0").with_status(302).with_header("location", &target).expect(1).create();
    let elsewhere = server.mock("POST", "/elsewhere").expect(0).create();
    let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
    redirect.assert();
    elsewhere.assert();
    assert!(matches!(&err, RpcError::Redirect { status: 302, location } if *location == target));
    assert_eq!(
        err.to_string(),
        format!("the API answered HTTP 302 with a redirect to {target}; redirects are not followed")
    );
}

fn malformed(body: &str, content_type: &str) -> (String, String) {
    let mut server = Server::new();
    let template = body.to_owned();
    let _mock = server
        .mock("POST", "/v2.0")
        .with_header("content-type", content_type)
        .with_body_from_request(move |request| {
            let sent: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
            template.replace("ID", &sent["id"].to_string()).into_bytes()
        })
        .expect(1)
        .create();
    match funnels(&mut client(options(endpoint(&server)), TOKEN)) {
        Err(err @ RpcError::Malformed { .. }) => {
            let RpcError::Malformed { ref reason, .. } = err else { unreachable!() };
            (reason.clone(), err.to_string())
        }
        other => panic!("{body}: {other:?}"),
    }
}

#[test]
fn malformed_responses_are_named() {
    let (reason, shown) = malformed("<html><body>Welcome to nginx!</body></html>\n", "text/html");
    assert!(reason.starts_with("not JSON"), "{reason}");
    assert!(shown.ends_with("HTTP 200, text/html: <html><body>Welcome to nginx!</body></html>"), "{shown}");
    let cases = [
        (r#"{"jsonrpc":"2.0","id":999,"result":{"data":[]}}"#, "id 999 does not match the request's 1"),
        (r#"{"jsonrpc":"2.0","id":null,"result":{"data":[]}}"#, "id null does not match the request's 1"),
        (r#"{"jsonrpc":"2.0","result":{"data":[]}}"#, "no id member"),
        (r#"{"jsonrpc":"2.0","id":ID,"result":{"data":[]},"error":{"code":1,"message":"x"}}"#, "both result and error"),
        (r#"{"jsonrpc":"2.0","id":ID}"#, "neither result nor error"),
        (r#"{"jsonrpc":"1.0","id":ID,"result":{"data":[]}}"#, r#"jsonrpc is "1.0", not "2.0""#),
        (r#"{"jsonrpc":2,"id":ID,"result":{"data":[]}}"#, r#"jsonrpc is 2, not "2.0""#),
        (r#"{"id":ID,"result":{"data":[]}}"#, "no jsonrpc member"),
        (r#"[{"jsonrpc":"2.0","id":ID,"result":{"data":[]}}]"#, "not a JSON object"),
        (r#"["2.0",ID,{"data":[]}]"#, "not a JSON object"),
        ("null", "not a JSON object"),
        ("", "empty body"),
    ];
    for (body, expected) in cases {
        assert_eq!(malformed(body, "application/json").0, expected, "{body}");
    }
    for body in [
        r#"{"jsonrpc":"2.0","id":ID,"result":{"data":{"ext_id":"1"}}}"#,
        r#"{"jsonrpc":"2.0","id":ID,"result":{"data":null}}"#,
        r#"{"jsonrpc":"2.0","id":ID,"result":{"metadata":{}}}"#,
        r#"{"jsonrpc":"2.0","id":ID,"result":[[]]}"#,
        r#"{"jsonrpc":"2.0","id":ID,"result":{"data":[{"ext_id":"1","stages":[{"stage_status":"open"}]}]}}"#,
    ] {
        assert!(malformed(body, "application/json").0.starts_with("unexpected result: "), "{body}");
    }
    assert!(
        malformed(r#"{"jsonrpc":"2.0","id":ID,"error":{"message":"x"}}"#, "application/json")
            .0
            .starts_with("unexpected error object: ")
    );
}

#[test]
fn unreadable_metadata_does_not_drop_the_page() {
    let mut server = Server::new();
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(answer(
            r#""result":{"data":[],"metadata":{"total_items":null,"limits":[],"api_version":"v2"}}"#,
        ))
        .create();
    let reply = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap();
    assert_eq!(reply.metadata, Metadata::default());
}

#[test]
fn a_total_that_is_not_a_server_number_is_a_malformed_response() {
    // SPEC §3.2: unlike the limits, an unreadable total is never guessed around.
    for total in [r#""many""#, "-1", "2.5", "18446744073709551616", "9007199254740993", "true", "{}"] {
        let mut server = Server::new();
        let body = format!(r#""result":{{"data":[],"metadata":{{"total_items":{total},"limits":{{"day_limit":1}}}}}}"#);
        let _mock = server.mock("POST", "/v2.0").with_body_from_request(answer(body)).create();
        let err = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap_err();
        assert!(
            matches!(&err, RpcError::Malformed { reason, .. } if reason.contains("total_items")),
            "{total}: {err:?}"
        );
    }
}

#[test]
fn an_odd_total_in_an_error_still_yields_its_limits() {
    let mut server = Server::new();
    let data = json!({"mnemonic": "limit_exceeded", "params": {"limit_type": "minute"},
        "metadata": {"total_items": -5, "limits": {"minute_remaining": 0, "minute_reset": 3}}});
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(answer(error_member(-32029, "Limit per minute", &data)))
        .create();
    let mut options = options(endpoint(&server));
    options.max_wait = Duration::ZERO;
    let err = funnels(&mut client(options, TOKEN)).unwrap_err();
    assert!(err.to_string().contains("resets in 3s"), "{err}");
}

#[test]
fn html_from_a_failing_gateway_is_an_http_error() {
    let mut server = Server::new();
    let _mock = server.mock("POST", "/v2.0").with_status(500).with_body(r#"{"jsonrpc":"2.0","id":1}"#).create();
    let mut opts = options(endpoint(&server));
    opts.retries = 0;
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::Http { status: 500, .. }), "{err:?}");
}

/// A one-connection HTTP server on a raw socket: reads one request, then runs `respond`.
fn raw_server(respond: impl FnOnce(TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        respond(stream);
    });
    format!("http://{address}/v2.0")
}

/// Writes `total` bytes of `b' '` in 64 KiB chunks; stops quietly when the client hangs up.
fn write_spaces(stream: &mut TcpStream, total: u64) {
    let chunk = vec![b' '; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if stream.write_all(&chunk[..n]).is_err() {
            return;
        }
        left -= n as u64;
    }
}

#[test]
fn all_calls_share_one_connection() {
    // The server accepts exactly one connection and answers every request on it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2.0", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let sent: Value = serde_json::from_slice(&body).unwrap();
            let answer = format!(r#"{{"jsonrpc":"2.0","id":{},"result":{{"data":[]}}}}"#, sent["id"]);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", answer.len());
            writer.write_all(head.as_bytes()).unwrap();
            writer.write_all(answer.as_bytes()).unwrap();
        }
    });
    let mut opts = options(url);
    opts.timeout = Duration::from_secs(2);
    opts.retries = 0;
    let mut client = client(opts, TOKEN);
    for _ in 0..3 {
        assert_eq!(funnels(&mut client).unwrap().data.len(), 0);
    }
}

#[test]
fn a_declared_300_mb_body_is_refused_fast() {
    const SIZE: u64 = 300 * 1024 * 1024;
    let url = raw_server(|mut stream| {
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n");
        if stream.write_all(head.as_bytes()).is_ok() {
            write_spaces(&mut stream, SIZE);
        }
    });
    let started = Instant::now();
    let err = funnels(&mut client(options(url), TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit } if limit == 256 * 1024 * 1024), "{err:?}");
    assert_eq!(err.to_string(), "response larger than 256 MiB");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn an_undeclared_body_is_cut_at_the_cap() {
    // Chunked, so only counting can tell; a small cap keeps the test light.
    let url = raw_server(|mut stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..4800 {
            // 300 MiB in all, unless the client stops reading
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if stream.write_all(&framed).is_err() {
                return;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    });
    let mut opts = options(url);
    opts.max_body = 1024 * 1024;
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit: 1_048_576 }), "{err:?}");
    assert_eq!(err.to_string(), "response larger than 1 MiB");
}

#[test]
fn a_25_mb_page_is_read() {
    let mut server = Server::new();
    let stage = r#"{"stage_ext_id":"10","stage_name":"Новая сделка","stage_status":"in_process","stage_order":1}"#;
    let funnel = format!(r#"{{"ext_id":"1","name":"Основная воронка","stages":[{}]}}"#, [stage; 12].join(","));
    let count = 25 * 1024 * 1024 / funnel.len() + 1;
    let data = vec![funnel.as_str(); count].join(",");
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(answer(format!(r#""result":{{"data":[{data}],"metadata":{{"total_items":{count}}}}}"#)))
        .create();
    let reply = funnels(&mut client(options(endpoint(&server)), TOKEN)).unwrap();
    assert_eq!(reply.data.len(), count);
    assert_eq!(reply.data[count - 1].stages.as_ref().unwrap().len(), 12);
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[test]
fn gzip_bodies_are_decoded_and_capped_after_decoding() {
    let mut server = Server::new();
    let _mock = server
        .mock("POST", "/v2.0")
        .match_header("accept-encoding", Matcher::Regex("gzip".into()))
        .with_header("content-encoding", "gzip")
        .with_body_from_request(move |request| gzip_stored(&answer(PAGE)(request)))
        .expect(2)
        .create();
    let mut opts = options(endpoint(&server));
    assert_eq!(funnels(&mut client(opts.clone(), TOKEN)).unwrap().data.len(), 2);
    opts.max_body = 100; // the compressed body is larger than 100 bytes too, but only decoded bytes count
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    assert!(matches!(err, RpcError::TooLarge { limit: 100 }), "{err:?}");
}

fn assert_times_out(url: String) {
    let mut opts = options(url);
    opts.timeout = Duration::from_secs(1);
    opts.retries = 0;
    let started = Instant::now();
    let err = funnels(&mut client(opts, TOKEN)).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(&err, RpcError::Transport(m) if m.ends_with("timed out after 1 s")), "{err}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(1600), "{took:?}");
}

#[test]
fn a_silent_server_times_out() {
    assert_times_out(raw_server(|stream| {
        thread::sleep(Duration::from_secs(5));
        drop(stream);
    }));
}

#[test]
fn a_dripping_server_times_out() {
    assert_times_out(raw_server(|mut stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        for _ in 0..100 {
            if stream.write_all(b" ").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(200));
        }
    }));
}

#[test]
fn a_refused_connection_is_retried_and_reported() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/v2.0");
    let mut opts = options(url.clone());
    opts.retries = 2;
    opts.verbose = 1;
    let (mut client, log) = logged_client(opts, TOKEN);
    let err = funnels(&mut client).unwrap_err();
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("could not reach the API at {url}: ")), "{shown}");
    assert!(shown.ends_with(" (after 2 retries)"), "{shown}");
    assert!(!shown.contains("io:"), "{shown}");
    assert_eq!(log.text().matches("→ failed after").count(), 3);
    assert_eq!(log.text().matches("retrying in").count(), 2);
}

#[test]
fn the_token_never_appears_in_errors_or_logs() {
    let echo_token = |request: &mockito::Request| String::from_utf8_lossy(request.body().unwrap()).contains(CANARY);
    let mut server = Server::new();
    let api = error_member(
        -32001,
        &format!("Access token {CANARY} is invalid"),
        &json!({"mnemonic":"access_token_invalid","field":"access_token","value":CANARY}),
    );
    let failing = server
        .mock("POST", "/v2.0")
        .match_request(move |r| echo_token(r))
        .with_body_from_request(answer(api))
        .expect(1)
        .create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 2;
    opts.retries = 0;
    let (mut client, log) = logged_client(opts.clone(), CANARY);
    let err = funnels(&mut client).unwrap_err();
    failing.assert();
    let RpcError::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(err.to_string(), "Access token *** is invalid (access_token_invalid; field access_token; value ***)");
    assert!(!format!("{api:?}").contains(CANARY));
    let text = log.text();
    assert!(
        text.contains(
            r#"funnels: request: {"id":1,"jsonrpc":"2.0","method":"get.sales_funnel","params":{"access_token":"***""#
        ),
        "{text}"
    );
    assert!(!text.contains(CANARY), "{text}");

    // Echoed in an HTML error page and in a body that is no JSON-RPC at all, past the excerpt's edge too.
    for (status, body) in [
        (503, format!("<p>{}</p><p>key {CANARY} refused</p>", "x".repeat(190))),
        (200, format!("<p>key {CANARY} refused</p>")),
    ] {
        let mut server = Server::new();
        let _mock = server.mock("POST", "/v2.0").with_status(status).with_body(body).create();
        opts.endpoint = endpoint(&server);
        let (mut client, log) = logged_client(opts.clone(), CANARY);
        let err = funnels(&mut client).unwrap_err();
        assert!(!err.to_string().contains(CANARY), "{err}");
        assert!(!format!("{err:?}").contains(&CANARY[..12]), "{err:?}");
        assert!(!log.text().contains(CANARY));
    }
}

#[test]
fn vv_masks_login_and_password_at_any_depth() {
    let mut server = Server::new();
    let _mock = server
        .mock("POST", "/v2.0")
        .with_body_from_request(answer(
            r#""result":{"data":[{"id":1,"login":"agent-login-x","nested":{"password":"pw-in-response"}}]}"#,
        ))
        .create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 2;
    let (mut client, log) = logged_client(opts, TOKEN);
    let _: Reply<Vec<Value>> =
        client.call("login.user", &json!({"login":"user-login-x","password":"pw-in-request"})).unwrap();
    let text = log.text();
    for secret in ["agent-login-x", "user-login-x", "pw-in-request", "pw-in-response", TOKEN] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains(r#""login":"***","password":"***""#), "{text}");
    assert!(text.contains(r#"funnels: response: {"id":1,"jsonrpc":"2.0","result":{"data":[{"id":1,"login":"***","nested":{"password":"***"}}]}}"#), "{text}");
}

#[test]
fn verbose_line_format() {
    let mut server = Server::new();
    let _ok = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 1;
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    let line = log.text();
    let (head, tail) = line.split_once(" ms, ").unwrap();
    assert!(head.starts_with("funnels: get.sales_funnel offset=0 limit=2 → 200 in "), "{line}");
    assert!(head.rsplit(' ').next().unwrap().parse::<u64>().is_ok(), "{line}");
    assert_eq!(tail, "2 of 5, points left 3305/day 199/min\n");

    let day = error_member(-32029, "Day", &json!({"mnemonic":"limit_exceeded","params":{"limit_type":"day"}}));
    let _failing = server.mock("POST", "/v2.0").with_body_from_request(answer(day)).create();
    let _ = funnels(&mut client);
    let last = log.text().lines().last().unwrap().to_owned();
    assert!(
        last.ends_with(" ms, error -32029 limit_exceeded, points left 3305/day 199/min"),
        "an error without metadata keeps the known points: {last}"
    );
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
fn server_text_in_the_log_cannot_drive_the_terminal() {
    let mut server = Server::new();
    let _mock = server.mock("POST", "/v2.0").with_body("\x1b]0;owned\x07\u{9b}2J").create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 2;
    let (mut client, log) = logged_client(opts, TOKEN);
    let _ = funnels(&mut client);
    let text = log.text();
    assert!(text.contains(r"funnels: response: \x1b]0;owned\x07\u{9b}2J"), "{text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
}

#[test]
fn a_client_given_a_proxy_tunnels_through_it_even_to_loopback() {
    // A CONNECT proxy on a raw socket that records the request line and refuses the tunnel.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(stream.try_clone().unwrap()).read_line(&mut line).unwrap();
        let _ = (&stream).write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        line
    });
    let mut server = Server::new();
    let direct = server.mock("POST", "/v2.0").with_body_from_request(answer(PAGE)).expect(1).create();
    let host = server.host_with_port();
    let mut opts = options(endpoint(&server));
    opts.retries = 0;
    // `config` chose this proxy (config/proxy.rs); the client goes nowhere else.
    let proxied = ClientOptions { proxy: Some(ureq::Proxy::new(&proxy).unwrap()), ..opts.clone() };
    let err = funnels(&mut Client::new(proxied, Some(TOKEN.into()))).unwrap_err();
    assert!(matches!(err, RpcError::Transport(_)), "{err:?}");
    assert_eq!(seen.join().unwrap(), format!("CONNECT {host} HTTP/1.1\r\n"));

    // No proxy chosen: a direct connection, whatever the process environment holds.
    assert!(funnels(&mut Client::new(opts, Some(TOKEN.into()))).is_ok());
    direct.assert();
}

#[test]
fn dry_run_body_shows_the_envelope_in_field_order() {
    #[derive(Serialize)]
    struct Nothing;
    #[derive(Serialize)]
    struct Params {
        user_id: u64,
        limit: u32,
        sort: Vec<Value>,
    }
    let body = dry_run_body("get.sales_funnel", &Params { user_id: 12, limit: 1, sort: vec![json!({"field":"name"})] });
    assert_eq!(
        body,
        r#"{
  "jsonrpc": "2.0",
  "id": 1,
  "method": "get.sales_funnel",
  "params": {
    "access_token": "***",
    "user_id": 12,
    "limit": 1,
    "sort": [
      {
        "field": "name"
      }
    ]
  }
}"#
    );
    assert!(dry_run_body("logout.user", &Nothing).contains(
        r#""params": {
    "access_token": "***"
  }"#
    ));
}

#[test]
fn reset_times_read_like_people_write_them() {
    assert_eq!(format_reset(33_120), "9h 12m");
    assert_eq!(format_reset(7200), "2h");
    assert_eq!(format_reset(2700), "45m");
    assert_eq!(format_reset(90), "1m 30s");
    assert_eq!(format_reset(30), "30s");
    assert_eq!(format_reset(0), "0s");
}

#[test]
fn excerpts_cut_on_a_character_boundary() {
    let body = "я".repeat(150); // 300 bytes
    let cut = excerpt(body.as_bytes());
    assert_eq!(cut, "я".repeat(100) + "…", "cut text ends with an ellipsis");
    assert_eq!(excerpt(b"  short \n"), "short");
    assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
}

#[test]
fn other_errors_read_as_one_line() {
    let shown = |e: RpcError| e.to_string();
    assert_eq!(
        shown(RpcError::Malformed {
            reason: "not JSON".into(),
            status: 200,
            content_type: String::new(),
            excerpt: String::new()
        }),
        "malformed response (not JSON): HTTP 200: (empty body)"
    );
    assert_eq!(
        shown(RpcError::Http { status: 599, content_type: String::new(), excerpt: String::new() }),
        "HTTP 599 from the API"
    );
    assert_eq!(
        shown(RpcError::Redirect { status: 301, location: String::new() }),
        "the API answered HTTP 301 (a redirect without a Location); redirects are not followed"
    );
    assert_eq!(shown(RpcError::TooLarge { limit: 1000 }), "response larger than 1000 bytes");
}

// The response parser never panics, whatever the server sends. Run longer with
// `PROPTEST_CASES=100000 cargo test --release --lib rpc::tests::response_parser`.
proptest::proptest! {
    #[test]
    fn response_parser_never_panics_on_bytes(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512), status in 100u16..600) {
        let _ = super::interpret::<Vec<Funnel>>(status, "application/json", &body, 1);
    }

    #[test]
    fn response_parser_never_panics_on_near_json(
        id in proptest::option::of(0u64..3),
        data in r#"(\[|\{|null|"x"|1|\[\{"ext_id":(1|"1"|null|\[\]),"stages":(null|\[\]|\[\{"stage_order":"x"\}\]|1)\}\])"#,
        tail in r#"(\}|\}\}|,"error":\{"code":-32029\}\}|)"#,
    ) {
        let id = id.map_or_else(|| "null".to_owned(), |n| n.to_string());
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"data":{data},"metadata":{{"limits":{{}}}}}}{tail}"#);
        let _ = super::interpret::<Vec<Funnel>>(200, "application/json", body.as_bytes(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile numbers, bodies and cancellation

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
fn a_declared_length_is_not_reserved_before_the_bytes_arrive() {
    const DECLARED: u64 = 256 * 1024 * 1024;
    let mut bytes = Vec::new();
    fill(&b"{}"[..], DECLARED, Some(DECLARED), &mut bytes).unwrap();
    assert_eq!(bytes, b"{}");
    assert!(bytes.capacity() <= FIRST_RESERVE, "reserved {} bytes for a 2-byte body", bytes.capacity());

    // A real large body still arrives whole, growing as it comes.
    let body = vec![b' '; 5 * 1024 * 1024 + 7];
    fill(&body[..], DECLARED, Some(body.len() as u64), &mut bytes).unwrap();
    assert_eq!(bytes.len(), body.len());
    assert!(bytes.capacity() <= 2 * body.len());
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

#[test]
fn empty_limits_keep_the_known_windows_and_the_v_line_shows_every_window() {
    let hours =
        PAGE.replace(r#""minute_limit""#, r#""hour_limit":4000,"hour_remaining":88,"hour_reset":900,"minute_limit""#);
    let empty = PAGE.replace(&PAGE[PAGE.find(r#""limits""#).unwrap()..PAGE.rfind('}').unwrap() - 1], r#""limits":{}"#);
    assert!(empty.contains(r#""limits":{}}}"#), "{empty}");
    let mut server = Server::new();
    let first = server.mock("POST", "/v2.0").with_body_from_request(answer(hours)).expect(1).create();
    let mut opts = options(endpoint(&server));
    opts.verbose = 1;
    let (mut client, log) = logged_client(opts, TOKEN);
    funnels(&mut client).unwrap();
    first.assert();
    first.remove();
    let second = server.mock("POST", "/v2.0").with_body_from_request(answer(empty)).expect(1).create();
    let reply = funnels(&mut client).unwrap();
    second.assert();
    assert!(reply.metadata.limits.is_empty());
    let tails: Vec<String> = log.text().lines().map(|l| l.split(" ms, ").nth(1).unwrap().to_owned()).collect();
    assert_eq!(tails, ["2 of 5, points left 3305/day 88/hour 199/min"; 2]);
    assert_eq!(client.last_limits().get(&WindowType::Hour).and_then(|w| w.reset), Some(900));
}
