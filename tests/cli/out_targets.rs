//! `--out` targets and modes (SPEC §6): `-` and `/dev/stdout` are standard output, devices and FIFOs
//! are written in place and never renamed over, symlinks stay links, new files follow the umask,
//! and every problem with the path is found before any request.

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

/// A server that answers every request with one funnel.
fn one_funnel() -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).create();
    (server, mock)
}

/// The files in `dir`, by name, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// `funnels ARGS` run through `sh -c 'umask MASK; exec …'` in the hermetic environment.
fn under_umask(endpoint: &str, mask: &str, args: &[&str]) -> std::process::Output {
    let (cmd, _home) = std_funnels(endpoint);
    let mut sh = Command::new("sh");
    sh.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            sh.env(key, value);
        }
    }
    let script = format!("umask {mask}; exec \"$0\" \"$@\"");
    sh.arg("-c").arg(script).arg(cmd.get_program()).args(args);
    sh.output().unwrap()
}

#[test]
fn out_dev_stdout_prints_and_renames_nothing() {
    let (server, _m) = one_funnel();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    let before = fs::symlink_metadata("/dev/stdout").unwrap();
    let out = cmd.args(["list", "-o", "ndjson", "--out", "/dev/stdout"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(stdout.trim()).unwrap()["ext_id"], "1", "{stdout}");
    let after = fs::symlink_metadata("/dev/stdout").unwrap();
    assert_eq!(after.file_type(), before.file_type(), "/dev/stdout was replaced");
    assert_eq!(fs::read_link("/dev/stdout").unwrap(), Path::new("/proc/self/fd/1"));
}

#[test]
fn out_dev_stdout_appends_to_a_log_opened_for_appending() {
    let (server, _m) = one_funnel();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cron.log");
    fs::write(&log, "earlier run\n").unwrap();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    let append = fs::OpenOptions::new().append(true).open(&log).unwrap();
    let out = cmd.args(["list", "-o", "csv", "--fields", "ext_id", "--out", "/dev/stdout"]).stdout(append).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    assert_eq!(fs::read_to_string(&log).unwrap(), "earlier run\next_id\r\n1\r\n", "the log was replaced");
    assert_eq!(names(dir.path()), ["cron.log"]);
}

#[test]
fn out_dev_null_stays_a_character_device() {
    let (server, _m) = one_funnel();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "-o", "csv", "--out", "/dev/null"]).assert().success().stdout("").stderr("");
    let meta = fs::symlink_metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/null is no longer a device: {meta:?}");
}

#[test]
fn out_fifo_is_written_in_place_without_a_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    // The reader blocks until funnels opens the FIFO; a FIFO renamed over would leave it blocked,
    // so it reports through a channel with a deadline instead of being joined.
    let (sent, received) = std::sync::mpsc::channel();
    let reader = fifo.clone();
    std::thread::spawn(move || {
        let _ = sent.send(fs::read_to_string(reader));
    });
    let (server, _m) = one_funnel();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "-o", "csv", "--fields", "ext_id,name", "--out"]).arg(&fifo).assert().success().stdout("");
    let text = received.recv_timeout(Duration::from_secs(20)).expect("nothing arrived through the FIFO").unwrap();
    assert_eq!(text, "ext_id,name\r\n1,Воронка 1\r\n");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(names(dir.path()), ["pipe"], "a temporary file was made or left");
}

#[test]
fn out_dash_is_standard_output_not_a_file_named_dash() {
    let (server, _m) = one_funnel();
    let dir = tempfile::tempdir().unwrap();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.current_dir(dir.path()).args(["list", "-o", "ndjson", "--out", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert!(texts(&out).0.starts_with("{\"ext_id\":\"1\""), "{}", texts(&out).0);
    assert!(names(dir.path()).is_empty(), "a file was written: {:?}", names(dir.path()));
}

#[test]
fn out_dash_on_a_terminal_is_the_terminal() {
    // An empty table says "no funnels" on stderr only when its output is a terminal.
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[], 0))).create();
    let (cmd, _home) = std_funnels(&endpoint(&server));
    let terminal = crate::signals::Terminal::run(&cmd, "\"$FUNNELS\" list --out -; echo \"exit=$?\"; echo done");
    terminal.wait_for("\ndone");
    let screen = terminal.screen();
    assert!(screen.contains("exit=0"), "{screen}");
    assert!(screen.contains("no funnels"), "{screen}");
}

#[test]
fn out_symlink_stays_a_link_and_its_target_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("data")).unwrap();
    let real = dir.path().join("data/funnels.csv");
    fs::write(&real, "old\n").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("latest.csv");
    std::os::unix::fs::symlink("data/funnels.csv", &link).unwrap();
    let (server, _m) = one_funnel();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    cmd.args(["list", "-o", "csv", "--fields", "ext_id", "--out"]).arg(&link).assert().success();
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced by a file");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("data/funnels.csv"));
    assert_eq!(fs::read_to_string(&real).unwrap(), "ext_id\r\n1\r\n");
    assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640, "the mode changed");
    assert_eq!(names(dir.path()), ["data", "latest.csv"]);
    assert_eq!(names(&dir.path().join("data")), ["funnels.csv"]);
}

#[test]
fn new_out_files_get_0666_less_the_umask_and_replaced_ones_keep_their_mode() {
    let (server, _m) = one_funnel();
    let dir = tempfile::tempdir().unwrap();
    for (mask, mode) in [("077", 0o600), ("022", 0o644), ("002", 0o664)] {
        let file = dir.path().join(format!("new-{mask}.csv"));
        let out = under_umask(&endpoint(&server), mask, &["list", "-o", "csv", "--out", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
        let got = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(got, mode, "umask {mask}: {got:o}");
    }
    let kept = dir.path().join("kept.csv");
    fs::write(&kept, "old\n").unwrap();
    fs::set_permissions(&kept, fs::Permissions::from_mode(0o604)).unwrap();
    let out = under_umask(&endpoint(&server), "077", &["list", "-o", "csv", "--out", kept.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    assert!(fs::read_to_string(&kept).unwrap().starts_with("ext_id,"));
    assert_eq!(fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o604);
}

/// A server that counts the requests it gets and answers none usefully.
fn counting_server() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let endpoint = raw_server(move |mut stream, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        let _ = read_request(&mut stream);
    });
    (endpoint, count)
}

#[test]
fn a_bad_out_path_fails_before_any_request_for_every_command_that_prints() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap().to_owned();
    let missing = dir.path().join("missing/funnels.csv").to_str().unwrap().to_owned();
    let commands: &[&[&str]] = &[
        &["list"],
        &["list", "--count"],
        &["list", "--dry-run"],
        &["users", "--all"],
        &["show", "1"],
        &["check"],
        &["completions", "bash"],
        &["man"],
    ];
    for out in [&folder, &missing] {
        for args in commands {
            let (endpoint, requests) = counting_server();
            let (mut cmd, _home) = funnels(&endpoint);
            // Short limits, so that a run which does reach the silent server ends soon.
            let output = cmd.args(*args).args(["--timeout", "1", "--retries", "0", "--out", out]).output().unwrap();
            let (stdout, stderr) = texts(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?} --out {out}: {stderr}");
            assert_eq!(stdout, "", "{args:?}");
            assert!(stderr.starts_with("funnels: error: --out ") && stderr.contains(out), "{args:?}: {stderr}");
            assert_eq!(requests.load(Ordering::SeqCst), 0, "{args:?} --out {out} sent a request");
        }
    }
    assert_eq!(names(dir.path()), Vec::<String>::new(), "something was written");
}

#[test]
fn out_onto_the_token_config_or_session_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    fs::write(&token, "secret-token-value\n").unwrap();
    let link = dir.path().join("token-link");
    std::os::unix::fs::symlink(&token, &link).unwrap();
    let config = dir.path().join("config.toml");
    fs::write(&config, "[profiles.a]\nplatform = \"uis\"\n").unwrap();
    let (endpoint, requests) = counting_server();

    let (mut cmd, _home) = funnels(&endpoint);
    let out = cmd.args(["list", "--token-file"]).arg(&token).arg("--out").arg(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("is the token file"), "{}", texts(&out).1);

    let (mut cmd, _home) = funnels(&endpoint);
    let out =
        cmd.env("FUNNELS_TOKEN_FILE", &token).args(["check", "-o", "json", "--out"]).arg(&token).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "FUNNELS_TOKEN_FILE: {}", texts(&out).1);

    let (mut cmd, _home) = funnels(&endpoint);
    let out = cmd.arg("--config").arg(&config).args(["list", "--out"]).arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("is the config file"), "{}", texts(&out).1);

    // The session file is protected before any session is stored.
    let (mut cmd, home) = funnels(&endpoint);
    let session = home.path().join(".local/state/funnels/default.json");
    fs::create_dir_all(session.parent().unwrap()).unwrap();
    let out = cmd.args(["list", "--out"]).arg(&session).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("is the session file"), "{}", texts(&out).1);
    assert!(!session.exists());

    assert_eq!(fs::read_to_string(&token).unwrap(), "secret-token-value\n");
    assert_eq!(fs::read_to_string(&config).unwrap(), "[profiles.a]\nplatform = \"uis\"\n");
    assert_eq!(requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_failed_stream_run_never_creates_or_touches_out_file() {
    let mut server = mockito::Server::new();
    let data: Vec<Value> = (1..=10).map(|i| funnel(i, 1)).collect();
    let _first = server
        .mock("POST", "/v2.0")
        .match_body(body_has(serde_json::json!({"params": {"offset": 0}})))
        .with_body_from_request(reply(result(&data, 30)))
        .create();
    let _rest = server
        .mock("POST", "/v2.0")
        .match_body(body_has(serde_json::json!({"params": {"offset": 10}})))
        .with_status(503)
        .create();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("funnels.ndjson");
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "--all", "--page-size", "10", "-o", "ndjson", "--stream", "--out"]).arg(&file).output();
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("incomplete"), "{}", texts(&out).1);
    assert!(out.stdout.is_empty());
    assert_eq!(names(dir.path()), Vec::<String>::new(), "a file was created or left");
}

#[test]
fn out_dev_full_is_exit_1_with_a_message() {
    let (server, _m) = one_funnel();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let out = cmd.args(["list", "-o", "json", "--out", "/dev/full"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = texts(&out).1;
    assert!(stderr.starts_with("funnels: error: could not write") && stderr.lines().count() == 1, "{stderr}");
    assert!(fs::symlink_metadata("/dev/full").unwrap().file_type().is_char_device());
}
