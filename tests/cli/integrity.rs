//! Output integrity (SPEC §6) and hostile data: all or nothing, --stream, atomic --out, closed pipes,
//! full disks, the offset ceiling, terminal-safe text and a token that never shows.

use std::fs;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;

/// Page 1 of 3 answers, page 2 always fails with 503.
fn failing_second_page() -> (mockito::ServerGuard, mockito::Mock, mockito::Mock) {
    let mut server = mockito::Server::new();
    let data: Vec<Value> = (1..=10).map(|i| funnel(i, 1)).collect();
    let first = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"offset": 0}})))
        .with_body_from_request(reply(result(&data, 30)))
        .create();
    let second = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"offset": 10}})))
        .with_status(503)
        .with_header("content-type", "text/html")
        .with_body("<html>down</html>")
        .expect(4)
        .create();
    (server, first, second)
}

#[test]
fn a_failed_page_leaves_stdout_empty_and_says_how_far_it_got() {
    let (server, _first, second) = failing_second_page();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all", "--page-size", "10", "--parallel", "1", "-o", "ndjson"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("fetched 10 of 30 funnels before the error"), "{stderr}");
    second.assert();
}

#[test]
fn stream_keeps_the_pages_it_wrote_and_still_fails() {
    let (server, _first, _second) = failing_second_page();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all", "--page-size", "10", "-o", "ndjson", "--stream"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(stdout.lines().count(), 10);
    assert!(stderr.contains("incomplete"), "{stderr}");
}

#[test]
fn out_file_is_untouched_on_failure_and_replaced_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("funnels.csv");
    fs::write(&file, "old contents\n").unwrap();
    for stream in [false, true] {
        let (server, _first, _second) = failing_second_page();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        cmd.args(["list", "--all", "--page-size", "10", "-o", "csv", "--out"]).arg(&file);
        if stream {
            cmd.arg("--stream");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(7));
        assert!(out.stdout.is_empty());
        assert_eq!(fs::read_to_string(&file).unwrap(), "old contents\n", "stream={stream}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left behind");
    }
    let mut server = mockito::Server::new();
    let _ok = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "-o", "csv", "--out"]).arg(&file).assert().success().stdout("");
    assert!(fs::read_to_string(&file).unwrap().starts_with("ext_id,name,stage_ext_id"));
}

#[test]
fn offset_ceiling_writes_what_is_reachable_and_exits_9() {
    let (mut server, mocks) = offset_ceiling_server();
    let beyond =
        server.mock("POST", "/v2.0").match_body(body_has(json!({"params": {"offset": 110_000}}))).expect(0).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all", "-o", "ndjson"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert_eq!(stdout.lines().count(), 110_000);
    assert!(stderr.contains("only 110000 of 123456 funnels are reachable"), "{stderr}");
    assert!(stderr.contains("--filter"), "{stderr}");
    for mock in mocks {
        mock.assert();
    }
    beyond.assert();
}

#[test]
fn a_server_ignoring_offset_is_exit_7_with_nothing_printed() {
    let mut server = mockito::Server::new();
    let data: Vec<Value> = (1..=10).map(|i| funnel(i, 1)).collect();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, 100))).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all", "--page-size", "10"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert!(out.stdout.is_empty());
    assert!(texts(&out).1.contains("pagination did not advance"));
}

#[test]
fn closed_pipe_is_success_and_silent() {
    let mut server = mockito::Server::new();
    let data: Vec<Value> = (1..=5000).map(|i| funnel(i, 3)).collect();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, 5000))).create();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    let mut child =
        cmd.args(["list", "--all", "-o", "ndjson"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Read one line, then close the pipe like `head -1`.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_full_disk_is_exit_1_with_a_message() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).create();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = cmd.args(["list", "-o", "json"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = texts(&out).1;
    assert!(stderr.starts_with("funnels: error: could not write") && stderr.lines().count() == 1, "{stderr}");
}

const HOSTILE: &str = "Evil\x1b[2J\x1b]0;pwned\x07 name\u{9b}31m\x7f\u{85}end";

#[test]
fn hostile_names_never_reach_the_terminal_raw() {
    let mut server = mockito::Server::new();
    let data = [json!({"ext_id": "1", "name": HOSTILE, "stages": [
        {"stage_ext_id": "s\x1b", "stage_name": HOSTILE, "stage_status": "success", "stage_order": 1}]})];
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, 1))).create();
    let raw = |text: &str| text.chars().any(|c| matches!(c, '\x1b' | '\x07' | '\x7f' | '\u{80}'..='\u{9f}'));

    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "table"]).output().unwrap();
    assert!(out.status.success());
    assert!(!raw(&texts(&out).0), "table has raw control characters");

    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "json"]).output().unwrap();
    let text = texts(&out).0;
    assert!(!raw(&text), "json has raw control characters");
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back[0]["name"], HOSTILE);

    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "csv"]).output().unwrap();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[1], HOSTILE, "csv keeps values byte-exact");

    let mut server = mockito::Server::new();
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(-32602, "invalid_parameter_value", &json!({"value": HOSTILE})))
        .create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(!raw(&texts(&out).1), "stderr has raw control characters: {:?}", texts(&out).1);
}

#[test]
fn the_token_never_shows_even_when_echoed_back() {
    let mut server = mockito::Server::new();
    let echo = format!("key {CANARY} is bad");
    let _m = server
        .mock("POST", "/v2.0")
        .with_body_from_request(api_error(
            -32001,
            "access_token_invalid",
            &json!({"value": CANARY, "field": "access_token", "message": echo}),
        ))
        .create();
    for verbosity in ["-q", "-v", "-vv"] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(["list", verbosity]).output().unwrap();
        assert_eq!(out.status.code(), Some(4));
        let (stdout, stderr) = texts(&out);
        assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY), "{verbosity}: {stderr}");
    }
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).create();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-vv", "-o", "json"]).output().unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = texts(&out);
    assert!(stderr.contains("get.sales_funnel"), "-vv logs the request: {stderr}");
    assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY), "{stderr}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_130_and_leaves_no_temporary_file() {
    let silent = raw_server(|mut stream, _| {
        let _ = read_request(&mut stream);
        std::thread::sleep(std::time::Duration::from_secs(20));
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.csv");
    let (mut cmd, _home) = std_funnels(&silent);
    let mut child = cmd.args(["list", "-o", "csv", "--out"]).arg(&file).stderr(Stdio::null()).spawn().unwrap();
    // Wait until the temporary file exists, i.e. the run is under way.
    let started = std::time::Instant::now();
    while fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The shell's own `kill`: no dependence on a kill binary being installed.
    let signal = format!("kill -INT {}", child.id());
    std::process::Command::new("sh").args(["-c", &signal]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "the temporary file was left behind");
}
