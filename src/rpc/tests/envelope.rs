//! The envelope both ways: the request body (token first, the caller's field order, `--dry-run`),
//! and every way a response is read — a reply, an API error whatever the status, or a malformed
//! answer named by the check it failed; the parser fuzzed on bytes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mockito::{Matcher, Server};
use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::*;
use crate::model::{Funnel, Metadata, Session};
use crate::rpc::envelope::{excerpt, interpret};
use crate::rpc::{Client, Reply, RpcError, dry_run_body};

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
fn excerpts_cut_on_a_character_boundary() {
    let body = "я".repeat(150); // 300 bytes
    let cut = excerpt(body.as_bytes());
    assert_eq!(cut, "я".repeat(100) + "…", "cut text ends with an ellipsis");
    assert_eq!(excerpt(b"  short \n"), "short");
    assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
}

// The response parser never panics, whatever the server sends. Run longer with
// `PROPTEST_CASES=100000 cargo test --release --lib rpc::tests::envelope::response_parser`.
proptest::proptest! {
    #[test]
    fn response_parser_never_panics_on_bytes(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512), status in 100u16..600) {
        let _ = interpret::<Vec<Funnel>>(status, "application/json", &body, 1);
    }

    #[test]
    fn response_parser_never_panics_on_near_json(
        id in proptest::option::of(0u64..3),
        data in r#"(\[|\{|null|"x"|1|\[\{"ext_id":(1|"1"|null|\[\]),"stages":(null|\[\]|\[\{"stage_order":"x"\}\]|1)\}\])"#,
        tail in r#"(\}|\}\}|,"error":\{"code":-32029\}\}|)"#,
    ) {
        let id = id.map_or_else(|| "null".to_owned(), |n| n.to_string());
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"data":{data},"metadata":{{"limits":{{}}}}}}{tail}"#);
        let _ = interpret::<Vec<Funnel>>(200, "application/json", body.as_bytes(), 1);
    }
}
