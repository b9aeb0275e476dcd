//! Global options, environment and the config file: precedence and validation (SPEC §2, §9).

use std::fs;

use serde_json::json;

use crate::common::*;

fn ok_server(expect: serde_json::Value, hits: usize) -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(expect))
        .with_body_from_request(reply(result(&[funnel(1, 1)], 1)))
        .expect(hits)
        .create();
    (server, mock)
}

#[test]
fn token_precedence_stdin_file_env() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    fs::write(&file, "  from-file-token \n").unwrap();
    let (server, mock) = ok_server(json!({"params": {"access_token": "from-file-token"}}), 2);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "--token-file"]).arg(&file).assert().success();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.env_remove("FUNNELS_TOKEN").env("FUNNELS_TOKEN_FILE", &file).arg("list").assert().success();
    mock.assert();

    let (server, mock) = ok_server(json!({"params": {"access_token": "stdin-token"}}), 1);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "--token-stdin", "--token-file"])
        .arg(&file)
        .write_stdin("stdin-token\nignored\n")
        .assert()
        .success();
    mock.assert();

    let (server, mock) = ok_server(json!({"params": {"access_token": CANARY}}), 1);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.env("FUNNELS_TOKEN_FILE", &file).arg("list").assert().success();
    mock.assert();
}

#[test]
fn bad_tokens_are_credential_errors() {
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    cmd.env("FUNNELS_TOKEN", "  ").arg("list").assert().code(3);
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    cmd.args(["list", "--token-file", "/nonexistent/token"]).assert().code(3);
}

#[test]
fn config_profile_supplies_defaults_and_flags_win() {
    let (server, mock) =
        ok_server(json!({"params": {"access_token": "profile-token", "user_id": 12, "limit": 500}}), 1);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    fs::write(
        &config,
        format!(
            "default_profile = \"uis\"\n[profiles.uis]\nplatform = \"uis\"\nuser_id = 12\ntoken = \"profile-token\"\npage_size = 500\noutput = \"csv\"\nendpoint = \"{}\"\n",
            endpoint(&server)
        ),
    )
    .unwrap();
    let (mut cmd, _home) = funnels("https://unused.example/v2.0");
    let out = cmd
        .env_remove("FUNNELS_TOKEN")
        .env_remove("FUNNELS_ENDPOINT")
        .env("FUNNELS_CONFIG", &config)
        .arg("list")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    assert!(texts(&out).0.starts_with("ext_id,name,stage_ext_id"), "output from the profile is csv");
    #[cfg(unix)]
    assert!(texts(&out).1.contains("readable by others"), "a shared file holding a token is warned about");
    mock.assert();

    let (server2, mock2) = ok_server(json!({"params": {"user_id": 13}}), 1);
    let (mut cmd, _home) = funnels(&endpoint(&server2));
    cmd.env("FUNNELS_CONFIG", &config)
        .args(["list", "--user-id", "13", "--endpoint", &endpoint(&server2), "-o", "json"])
        .assert()
        .success();
    mock2.assert();
}

#[test]
fn bad_config_is_exit_3_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    fs::write(&config, "[profiles.a]\npage_sise = 5\n").unwrap();
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let out = cmd.env("FUNNELS_CONFIG", &config).arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = texts(&out).1;
    assert!(stderr.contains("page_sise") && stderr.contains("config.toml"), "{stderr}");

    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    cmd.args(["list", "--config"]).arg(dir.path().join("missing.toml")).assert().code(3);
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    cmd.env("FUNNELS_CONFIG", &config).args(["list", "--profile", "nope"]).assert().code(3);
}

#[test]
fn global_options_work_after_the_subcommand_and_before() {
    let (server, mock) = ok_server(json!({"params": {"user_id": 5}}), 2);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["--user-id", "5", "-o", "json", "list"]).assert().success();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "--user-id", "5", "-o", "json"]).assert().success();
    mock.assert();
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let (server, _mock) = ok_server(json!({}), 5);
    let esc = |out: &std::process::Output| out.stdout.contains(&0x1b);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        cmd.args(["list", "-o", "table", "--explode"]).args(args).envs(env.iter().copied()).output().unwrap()
    };
    assert!(!esc(&run(&[], &[])), "piped: no colour by default");
    assert!(esc(&run(&["--color", "always"], &[("NO_COLOR", "1")])), "--color always wins");
    assert!(!esc(&run(&["--color", "never"], &[("CLICOLOR_FORCE", "1")])), "--color never wins");
    assert!(esc(&run(&[], &[("CLICOLOR_FORCE", "1")])), "CLICOLOR_FORCE colours a pipe");
    assert!(!esc(&run(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])), "NO_COLOR beats CLICOLOR_FORCE");
}
