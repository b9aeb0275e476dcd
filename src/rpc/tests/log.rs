//! The `-v`/`-vv` lines: their format, the points left across answers, and that neither the token
//! nor a login or password nor terminal control text ever reaches them.

use mockito::Server;
use serde_json::{Value, json};

use super::*;
use crate::model::WindowType;
use crate::rpc::{Reply, RpcError};

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
