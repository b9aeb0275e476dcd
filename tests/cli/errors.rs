//! Exit codes of SPEC §8: usage errors before any request, each API error class, missing credentials.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

#[test]
fn usage_errors_exit_2_before_any_request() {
    let cases: &[(&[&str], &str)] = &[
        (&["list", "--fields", "ext_id,nmae"], "unknown field `nmae`; did you mean `name`?"),
        (&["list", "--sort", "stages"], "stages"),
        (&["list", "--sort", "name:up"], "up"),
        (&["list", "--filter", "nmae=x"], "did you mean `name`?"),
        (&["list", "--filter", "stages=x"], "stages"),
        (&["list", "--limit", "0"], "--limit"),
        (&["list", "--page-size", "10001"], "--page-size"),
        (&["list", "--offset", "100001"], "--offset"),
        (&["list", "--all", "--limit", "5"], "--all"),
        (&["list", "--stream", "-o", "json"], "--stream"),
        (&["list", "--filter-json", "[1,2]"], "JSON object"),
        (&["list", "--parallel", "9"], "--parallel"),
        (&["list", "--output", "xml"], "xml"),
        (&["users", "--filter", "id=abc"], "abc"),
    ];
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    for (args, needle) in cases {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(*args).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("funnels: error: "), "{args:?}: {stderr}");
        assert!(stderr.lines().count() <= 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    mock.assert();
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    for endpoint in ["http://example.com/v2.0", "ftp://127.0.0.1/v2.0"] {
        let (mut cmd, _home) = funnels(endpoint);
        let out = cmd.args(["list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{endpoint}");
        assert!(texts(&out).1.contains("https://"), "{endpoint}");
        let (mut cmd, _home) = funnels("https://dataapi.uiscom.ru/v2.0");
        let out = cmd.args(["list", "--endpoint", endpoint]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{endpoint} as a flag");
    }
}

#[test]
fn each_api_error_class_maps_to_its_exit_code() {
    let cases: &[(i64, &str, i32)] = &[
        (-32700, "parse_error", 8),
        (-32600, "invalid_request", 8),
        (-32601, "method_not_found", 8),
        (-32602, "required_parameter_missed", 8),
        (-32602, "invalid_parameter_value", 8),
        (-32602, "unexpected_parameters", 8),
        (-32602, "invalid_parameters_combination", 8),
        (-32602, "data_type_error", 8),
        (-32602, "sort_prohibited", 8),
        (-32602, "filter_prohibited", 8),
        (-32602, "error", 8),
        (-32001, "access_token_invalid", 4),
        (-32001, "access_token_expired", 4),
        (-32001, "access_token_blocked", 4),
        (-32001, "auth_error", 4),
        (-32003, "ip_not_whitelisted", 5),
        (-32003, "forbidden", 5),
        (-32008, "method_component_disabled", 5),
        (-32008, "parameter_component_disabled", 5),
        (-32009, "account_inactive", 5),
        (-32099, "batch_operations_not_supported", 8),
        (-32004, "something_else", 8),
        (-32007, "something_else", 8),
    ];
    for &(code, mnemonic, exit) in cases {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("POST", "/v2.0")
            .with_body_from_request(api_error(code, mnemonic, &json!({"field": "filter.value", "value": CANARY})))
            .expect(1)
            .create();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(["list", "-vv"]).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(exit), "{mnemonic}: {stderr}");
        assert!(stdout.is_empty(), "{mnemonic}");
        assert!(stderr.contains(mnemonic) && stderr.contains("filter.value"), "{mnemonic}: {stderr}");
        assert!(!stderr.contains(CANARY), "{mnemonic} leaked the token: {stderr}");
        mock.assert();
    }
}

#[test]
fn hints_point_the_way() {
    let cases: &[(i64, &str, serde_json::Value, &str)] = &[
        (-32003, "ip_not_whitelisted", json!({}), "whitelist"),
        (-32602, "required_parameter_missed", json!({"field": "user_id"}), "--user-id"),
        (-32008, "method_component_disabled", json!({}), "sales_funnel"),
    ];
    for (code, mnemonic, extra, needle) in cases {
        let mut server = mockito::Server::new();
        let _mock = server.mock("POST", "/v2.0").with_body_from_request(api_error(*code, mnemonic, extra)).create();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(["list"]).output().unwrap();
        let stderr = texts(&out).1;
        let hint = stderr.lines().nth(1).unwrap_or_default();
        assert!(hint.starts_with("hint: ") && hint.contains(needle), "{mnemonic}: {stderr}");
    }
}

#[test]
fn no_token_is_exit_3_at_once_without_reading_stdin() {
    let (mut cmd, _home) = std_funnels("http://127.0.0.1:9/v2.0");
    let started = Instant::now();
    let mut child = cmd
        .env_remove("FUNNELS_TOKEN")
        .arg("list")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_stdin_open = child.stdin.take();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(3));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "funnels waited with no token");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("FUNNELS_TOKEN") && stderr.contains("--token-file"), "{stderr}");
}
