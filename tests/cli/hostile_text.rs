//! Hostile server text end to end (SPEC §5, §7): a secret never shows — not cut in half by an
//! excerpt, not JSON-escaped, not inside an endpoint URL — redaction never mangles a message, a
//! message quotes at most about 300 characters of server text, once, and no control or disguising
//! character reaches a terminal raw, whatever the format.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;

/// A prefix of four or more characters of the canary token (what a cut leaves), or any six of its
/// characters in a row.
fn shows_part_of_the_token(text: &str) -> bool {
    (4..=CANARY.len()).any(|n| text.contains(&CANARY[..n]))
        || (0..=CANARY.len() - 6).any(|start| text.contains(&CANARY[start..start + 6]))
}

/// A mockito responder: `body(id)` is the raw response text (so it can carry escapes as sent).
fn raw_reply(
    body: impl Fn(&Value) -> String + Send + Sync + 'static,
) -> impl Fn(&mockito::Request) -> Vec<u8> + Send + Sync + 'static {
    move |request| {
        let sent: Value = serde_json::from_slice(request.body().map(Vec::as_slice).unwrap_or_default()).unwrap();
        body(&sent["id"]).into_bytes()
    }
}

#[test]
fn a_token_after_4kb_of_blanks_never_shows_in_the_excerpt() {
    // The old excerpt hid the token in the first 4296 bytes only, then cut: a token starting 16
    // bytes before that edge left 16 of its 19 characters in the message.
    for text_before in [150, 184, 190, 196] {
        let body = format!("{}{}{CANARY} more text after the key", " ".repeat(4096), "x".repeat(text_before));
        let mut server = mockito::Server::new();
        let _m = server.mock("POST", "/v2.0").with_header("content-type", "text/plain").with_body(body).create();
        for verbosity in ["-q", "-v"] {
            let (mut cmd, _home) = funnels(&endpoint(&server));
            let out = cmd.args(["list", verbosity]).output().unwrap();
            let (stdout, stderr) = texts(&out);
            assert_eq!(out.status.code(), Some(7), "{stderr}");
            assert!(stderr.contains("malformed response") && stderr.contains("xxxx"), "{stderr}");
            assert!(!shows_part_of_the_token(&stderr) && stdout.is_empty(), "{text_before}: {stderr}");
        }
    }
}

#[test]
fn a_json_escaped_token_is_hidden_in_errors_and_verbose_lines() {
    // The server echoes the key with `\u` escapes, in any mix: in an error object (message, value)
    // and in a body that is not JSON at all (excerpt, -vv text).
    let escaped = r"\u0063anary-\u0074oken-5f1e9\u0062";
    let all_escaped = CANARY.chars().fold(String::new(), |mut out, c| {
        use std::fmt::Write as _;
        let _ = write!(out, "\\u{:04x}", u32::from(c));
        out
    });
    let error = format!(
        r#""error":{{"code":-32001,"message":"key {escaped} is invalid","data":{{"mnemonic":"access_token_invalid","value":"{all_escaped}"}}}}"#
    );
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(raw_reply(move |id| format!(r#"{{"jsonrpc":"2.0","id":{id},{error}}}"#)))
        .create();
    let broken = format!(r#"{{"jsonrpc":"2.0","note":"key {escaped}", "cut here"#);
    let mut broken_server = mockito::Server::new();
    let _b = broken_server.mock("POST", "/v2.0").with_body(broken).create();
    for (server, exit) in [(&server, 4), (&broken_server, 7)] {
        for verbosity in ["-q", "-v", "-vv"] {
            let (mut cmd, _home) = funnels(&endpoint(server));
            let out = cmd.args(["list", verbosity]).output().unwrap();
            let (_, stderr) = texts(&out);
            assert_eq!(out.status.code(), Some(exit), "{stderr}");
            assert!(stderr.contains("key ***"), "{verbosity}: {stderr}");
            assert!(!stderr.contains("5f1e9") && !shows_part_of_the_token(&stderr), "{verbosity}: {stderr}");
        }
    }
}

#[test]
fn credentials_in_the_endpoint_show_as_stars() {
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[json!({"ext_id": "1"})], 1))).create();
    let with_credentials = endpoint(&server).replace("http://", "http://robot:pa55-word-x@");

    let (mut cmd, _home) = funnels(&with_credentials);
    let out = cmd.arg("check").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("http://***@127.0.0.1:"), "{stdout}");
    assert!(!stdout.contains("pa55") && !stdout.contains("robot"), "{stdout}");

    let (mut cmd, _home) = funnels(&with_credentials);
    let out = cmd.args(["check", "-o", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["endpoint"], endpoint(&server).replace("http://", "http://***@"));

    // A server that is gone: the transport error and the -v line both name the endpoint.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://robot:pa55-word-x@127.0.0.1:{}/v2.0", listener.local_addr().unwrap().port())
    };
    let (mut cmd, _home) = funnels(&gone);
    let out = cmd.args(["list", "-v", "--retries", "0"]).output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("http://***@127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains("pa55") && !stderr.contains("robot"), "{stderr}");

    // Refused by the endpoint rule: the usage error quotes the URL.
    let (mut cmd, _home) = funnels("http://robot:pa55-word-x@example.com/v2.0");
    let out = cmd.arg("list").output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("http://***@example.com/v2.0") && !stderr.contains("pa55"), "{stderr}");
}

#[test]
fn a_short_password_never_mangles_messages() {
    // A two-letter password: "logged" and "change" contain it, and must stay whole; the server's
    // echo of it as a whole value is still hidden.
    let mut server = mockito::Server::new();
    let _ok = server
        .mock("POST", "/v2.0")
        .with_body_from_request(reply(json!({"data": {"access_token": "sess-key-short-pw", "expire_at": null}})))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd
        .env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", "alice", "--password-stdin"])
        .write_stdin("ge\n")
        .output()
        .unwrap();
    let stderr = texts(&out).1;
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("logged in as alice"), "{stderr}");

    let mut server = mockito::Server::new();
    let _rejected = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(
            -32001,
            "login_or_password_invalid",
            &json!({"message": "change the password", "field": "password", "value": "ge"}),
        ))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd
        .env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", "alice", "--password-stdin"])
        .write_stdin("ge\n")
        .output()
        .unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("change the password") && stderr.contains("field password"), "{stderr}");
    assert!(stderr.contains("value ***") && !stderr.contains("value ge"), "{stderr}");
}

#[test]
fn a_100_kb_server_message_is_quoted_once_and_short() {
    let huge = "M".repeat(100_000);
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(
            -32602,
            "invalid_value",
            &json!({"message": huge, "value": huge, "field": huge}),
        ))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.arg("list").output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The message once (the value repeats it) and the field: about 300 characters each, cut with `…`.
    assert_eq!(stderr.matches('…').count(), 2, "{stderr}");
    assert!(stderr.matches('M').count() <= 2 * 300 && stderr.len() < 1000, "{} bytes", stderr.len());
    assert!(stderr.contains("invalid_value") && !stderr.contains("value MMM"), "{stderr}");

    // A huge non-JSON body: the excerpt is 200 bytes.
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_status(502).with_body(&huge).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let stderr = texts(&cmd.args(["list", "--retries", "0"]).output().unwrap()).1;
    assert!(stderr.matches('M').count() <= 200 && stderr.contains('…'), "{stderr}");
}

/// Server text with terminal controls (CSI, OSC retitle, C1 CSI, DEL) and the characters that
/// disguise text (RLO, zero-width space, BOM, line separator, an isolate).
const HOSTILE: &str = "Evil\x1b[2J\x1b]0;pwned\x07 \u{9b}31m\x7f rlo\u{202e}txt.exe zw\u{200b}sp bom\u{feff} ls\u{2028} \u{2066}iso\u{2069}";

/// Anything a terminal would act on, or that disguises text.
fn raw(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\x1b' | '\x07' | '\x7f' | '\u{80}'..='\u{9f}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    })
}

fn hostile_server() -> mockito::ServerGuard {
    let mut server = mockito::Server::new();
    let data = [json!({"ext_id": "1", "name": HOSTILE, "stages": [
        {"stage_ext_id": "s1", "stage_name": HOSTILE, "stage_status": "success", "stage_order": 1}]})];
    server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, 1))).create();
    server
}

/// Runs funnels under a pseudo-terminal (util-linux `script`), so that stdout is a TTY; returns
/// what the terminal received.
fn on_a_terminal(endpoint: &str, args: &str) -> String {
    let (cmd, _home) = std_funnels(endpoint);
    let mut script = std::process::Command::new("script");
    script.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    let line = format!("{} {args}", cmd.get_program().to_str().unwrap());
    let out = script.args(["-qec", &line, "/dev/null"]).stdin(Stdio::null()).output().expect("util-linux script");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn csv_and_tsv_on_a_terminal_show_escapes_and_stay_exact_through_a_pipe() {
    let server = hostile_server();
    for format in ["csv", "tsv"] {
        let shown = on_a_terminal(&endpoint(&server), &format!("list -o {format}"));
        assert!(!raw(&shown), "{format} on a terminal: {shown:?}");
        assert!(shown.contains(r"Evil\x1b[2J\x1b]0;pwned\x07 \u{9b}31m\x7f rlo\u{202e}txt.exe"), "{shown}");

        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(["list", "-o", format]).output().unwrap();
        let piped = texts(&out).0;
        assert!(piped.contains(HOSTILE), "{format} to a pipe keeps the bytes: {piped:?}");
    }
}

#[test]
fn table_json_and_messages_never_carry_disguising_characters_raw() {
    let server = hostile_server();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "table"]).output().unwrap();
    let table = texts(&out).0;
    assert!(!raw(&table) && table.contains(r"rlo\u{202e}txt.exe"), "{table}");

    // JSON to a terminal: every one `\u`-escaped, and the document decodes to the original.
    let shown = on_a_terminal(&endpoint(&server), "list -o json");
    assert!(!raw(&shown) && shown.contains(r"rlo\u202etxt.exe"), "{shown}");
    let back: Value = serde_json::from_str(&shown.replace("\r\n", "\n")).unwrap();
    assert_eq!(back[0]["name"], HOSTILE);

    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32602, "invalid_value", &json!({"message": HOSTILE, "value": "v\u{202e}"})))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let stderr = texts(&cmd.args(["list", "-vv"]).output().unwrap()).1;
    assert!(!raw(&stderr), "{stderr:?}");
    assert!(stderr.contains(r"rlo\u{202e}txt.exe") && stderr.contains(r"value v\u{202e}"), "{stderr}");
}

#[test]
fn check_json_escapes_del_and_c1() {
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[json!({"ext_id": "1"})], 1))).create();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("key\x7f\u{9b}\u{85}.token");
    std::fs::write(&token_file, CANARY).unwrap();
    for format in ["json", "ndjson"] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd
            .env_remove("FUNNELS_TOKEN")
            .env("FUNNELS_TOKEN_FILE", &token_file)
            .args(["check", "-o", format])
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(!raw(&stdout), "{format}: {stdout:?}");
        assert!(stdout.contains(r"key\u007f\u009b\u0085.token"), "{stdout}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["token_source"], token_file.display().to_string());
    }
}

#[test]
fn dry_run_json_carries_no_raw_del_or_c1() {
    // A value typed by the user (or a raw --filter-json object) is JSON like any output: DEL and C1
    // are escaped, and the body still decodes to the same strings.
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let out = cmd.args(["list", "--dry-run", "--filter", "name=a\u{7f}b\u{9b}c"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(!raw(&stdout) && stdout.contains(r"a\u007fb\u009bc"), "{stdout}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["params"]["filter"]["value"], "a\u{7f}b\u{9b}c");

    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let raw_filter = "{\"field\":\"name\",\"operator\":\"=\",\"value\":\"x\u{7f}\u{85}y\"}";
    let out = cmd.args(["list", "--dry-run", "--filter-json", raw_filter]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(!raw(&stdout) && stdout.contains(r"x\u007f\u0085y"), "{stdout}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["params"]["filter"]["value"], "x\u{7f}\u{85}y");
}

#[test]
fn a_huge_malformed_reason_is_quoted_short() {
    // serde's reason for refusing a page quotes the offending value whole: 100 KB of it must not
    // reach stderr.
    let huge = "z".repeat(100_000);
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(reply(json!({"data": [{"ext_id": "1", "stages": [{"stage_status": huge}]}],
            "metadata": {"total_items": 1}})))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-v"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stdout.is_empty() && stderr.contains("malformed response"), "{stderr}");
    assert!(stderr.len() < 3000, "{} bytes of stderr", stderr.len());
}

#[test]
fn an_endpoint_password_echoed_alone_is_hidden() {
    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(
            -32001,
            "access_token_invalid",
            &json!({"message": "login robot with password pa55-word-x is not allowed"}),
        ))
        .create();
    let with_credentials = endpoint(&server).replace("http://", "http://robot:pa55-word-x@");
    let (mut cmd, _home) = funnels(&with_credentials);
    let out = cmd.args(["list", "-vv"]).output().unwrap();
    let stderr = texts(&out).1;
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("with password *** is not allowed"), "{stderr}");
    assert!(!stderr.contains("pa55-word-x"), "{stderr}");
}
