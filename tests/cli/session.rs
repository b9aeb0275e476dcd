//! `login`, `logout` and `check` (SPEC §4): the stored session, its precedence, expiry and endpoint.

use std::fs;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::common::*;

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

fn session_file(home: &std::path::Path) -> std::path::PathBuf {
    home.join(".local/state/funnels/default.json")
}

#[test]
fn login_stores_a_private_session_that_list_then_uses_and_logout_ends() {
    let mut server = mockito::Server::new();
    let login = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "login.user", "params": {"login": "alice", "password": "s3cret pw"}})))
        .with_body_from_request(reply(
            json!({"data": {"access_token": "sess-key-1", "expire_at": now() + 3600, "app_id": 1}}),
        ))
        .expect(1)
        .create();
    let list = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"access_token": "sess-key-1"}})))
        .with_body_from_request(reply(result(&[funnel(1, 1)], 1)))
        .expect(1)
        .create();
    let logout = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "logout.user", "params": {"access_token": "sess-key-1"}})))
        .with_body_from_request(reply(json!({"data": {}})))
        .expect(1)
        .create();

    let (mut cmd, home) = funnels(&endpoint(&server));
    let out = cmd
        .env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", "alice", "--password-stdin"])
        .write_stdin("s3cret pw\n")
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains("sess-key-1") && !stderr.contains("sess-key-1") && !stderr.contains("s3cret"), "{stderr}");
    assert!(stderr.contains("alice") && stderr.contains("expires"), "{stderr}");
    let file = session_file(home.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    login.assert();

    let (mut cmd, _h) = funnels(&endpoint(&server));
    cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").args(["list", "-o", "json"]).assert().success();
    list.assert();

    let (mut cmd, _h) = funnels(&endpoint(&server));
    cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").arg("logout").assert().success();
    logout.assert();
    assert!(!file.exists());

    let (mut cmd, _h) = funnels(&endpoint(&server));
    cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").arg("list").assert().code(3);
    let (mut cmd, _h) = funnels(&endpoint(&server));
    cmd.env("HOME", home.path()).arg("logout").assert().success().stdout("");
}

#[test]
fn wrong_password_is_exit_4() {
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(api_error(-32001, "auth_error", &json!({}))).create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    cmd.args(["login", "--login", "alice", "--password-stdin"]).write_stdin("nope\n").assert().code(4);
    assert!(!session_file(home.path()).exists());
}

#[test]
fn login_without_a_terminal_or_password_stdin_is_exit_3_at_once() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    let started = Instant::now();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["login", "--login", "alice"]).assert().code(3);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["login", "--password-stdin"]).write_stdin("pw\n").assert().code(3);
    assert!(started.elapsed() < Duration::from_secs(2));
    mock.assert();
}

fn write_session(home: &std::path::Path, endpoint: &str, expire_at: i64) {
    let file = session_file(home);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(
        &file,
        json!({"platform": "comagic", "endpoint": endpoint, "access_token": "sess-old", "expire_at": expire_at})
            .to_string(),
    )
    .unwrap();
}

#[test]
fn a_session_works_only_where_it_was_made_and_until_it_expires() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    write_session(home.path(), "http://127.0.0.1:1/v2.0", now() + 3600);
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(texts(&out).1.contains("http://127.0.0.1:1/v2.0"), "{}", texts(&out).1);

    let (mut cmd, home) = funnels(&endpoint(&server));
    write_session(home.path(), &endpoint(&server), now() - 10);
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(texts(&out).1.contains("funnels login"), "{}", texts(&out).1);
    mock.assert();
}

#[test]
fn a_rejected_session_key_says_the_session_ended() {
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32001, "access_token_expired", &json!({})))
        .create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    write_session(home.path(), &endpoint(&server), now() + 3600);
    let out = cmd.env_remove("FUNNELS_TOKEN").arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stderr = texts(&out).1;
    assert!(stderr.contains("session has ended") && stderr.contains("hint: run funnels login"), "{stderr}");
}

#[test]
fn check_reports_points_and_never_the_key() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"limit": 1, "fields": ["ext_id"]}})))
        .with_body_from_request(reply(result(&[json!({"ext_id": "1"})], 321)))
        .expect(2)
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.arg("check").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("321") && stdout.contains("3305 of 3500") && stdout.contains("9h 45m"), "{stdout}");
    assert!(stdout.contains("FUNNELS_TOKEN") && !stdout.contains(CANARY));
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["check", "-o", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["funnels"], 321);
    assert_eq!(report["windows"]["minute"]["remaining"], 199);
    assert_eq!(report["token_source"], "FUNNELS_TOKEN");
    mock.assert();

    for (code, mnemonic, exit) in [
        (-32001, "access_token_invalid", 4),
        (-32003, "ip_not_whitelisted", 5),
        (-32008, "method_component_disabled", 5),
    ] {
        let mut server = mockito::Server::new();
        let _m = server.mock("POST", "/v2.0").with_body_from_request(api_error(code, mnemonic, &json!({}))).create();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.arg("check").output().unwrap();
        assert_eq!(out.status.code(), Some(exit), "{mnemonic}");
        assert!(!texts(&out).1.contains(CANARY));
    }
}

#[test]
fn login_dry_run_shows_no_secret_and_sends_nothing() {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["login", "--login", "alice", "--dry-run"]).output().unwrap();
    assert!(out.status.success());
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["params"], json!({"login": "***", "password": "***"}));
    mock.assert();
}
