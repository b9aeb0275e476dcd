//! A stored session's key refused by the API, in every command that sends one (SPEC §4, §8): the
//! error says the session has ended and hints at `funnels login`; another key refused the same way
//! keeps the API's own hint. The token's source travels with the error as data (issue 13), so each
//! command is held to it here.

use std::fs;

use serde_json::json;

use crate::common::*;

const ENDED: &str = "funnels: error: the stored session has ended: ";
const EXPIRED: &str = "access_token_expired happened (access_token_expired)";

/// A session for `endpoint` that its file says is good for another hour, used instead of FUNNELS_TOKEN.
fn with_session(cmd: &mut assert_cmd::Command, home: &std::path::Path, endpoint: &str) {
    let file = home.join(".local/state/funnels/default.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let expire_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    let session =
        json!({"platform": "comagic", "endpoint": endpoint, "access_token": "sess-key-9", "expire_at": expire_at});
    fs::write(&file, session.to_string()).unwrap();
    // As `funnels login` leaves it: a key readable by others would add a warning line.
    #[cfg(unix)]
    fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    cmd.env_remove("FUNNELS_TOKEN");
}

fn refused_everything(server: &mut mockito::Server) -> mockito::Mock {
    server.mock("POST", "/v2.0").with_body_from_request(api_error(-32001, "access_token_expired", &json!({}))).create()
}

#[test]
fn every_command_says_a_refused_session_key_means_the_session_ended() {
    for args in
        [&["list"][..], &["list", "--user-id", "5"], &["show", "1"], &["users"], &["check"], &["list", "--all-users"]]
    {
        let mut server = mockito::Server::new();
        let _m = refused_everything(&mut server);
        let (mut cmd, home) = funnels(&endpoint(&server));
        with_session(&mut cmd, home.path(), &endpoint(&server));
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        assert_eq!(texts(&out).1, format!("{ENDED}{EXPIRED}\nhint: run funnels login\n"), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_session_ended_while_listing_every_user_names_the_user_after_the_headline() {
    let mut server = mockito::Server::new();
    let _users = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.customer_users"})))
        .with_body_from_request(reply(result(&[json!({"id": 5})], 1)))
        .create();
    let _funnels = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"method": "get.sales_funnel"})))
        .with_body_from_request(api_error(-32001, "access_token_expired", &json!({})))
        .create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    with_session(&mut cmd, home.path(), &endpoint(&server));
    let out = cmd.args(["list", "--all-users"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(texts(&out).1, format!("{ENDED}user 5: {EXPIRED}\nhint: run funnels login\n"));
}

#[test]
fn another_key_refused_keeps_the_apis_hint() {
    for args in [&["list"][..], &["show", "1"], &["users"], &["check"]] {
        let mut server = mockito::Server::new();
        let _m = refused_everything(&mut server);
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        assert_eq!(
            texts(&out).1,
            format!("funnels: error: {EXPIRED}\nhint: make a new key in the web UI, or run funnels login\n"),
            "{args:?}"
        );
    }
}
