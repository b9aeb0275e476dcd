//! Hostile local input (SPEC §2 "Local files", "Numbers", token precedence and user-id sources;
//! §3 `--filter-json`; §4 login/logout): devices, directories, FIFOs without a writer, oversized
//! files, tampered session files and out-of-range numbers. Every case must end at once or within the
//! pipe wait (shortened by `FUNNELS_PIPE_WAIT_MS`), with the documented exit code and a message that
//! names the file or the place a value came from — never a hang, a panic or a request it should not
//! make.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::common::*;

/// What the tests give a silent pipe before expecting the error.
const PIPE_WAIT_MS: &str = "300";

/// A refusal that needs no waiting must come well within this.
const AT_ONCE: Duration = Duration::from_secs(3);

fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo runs");
    assert!(status.success());
    path
}

fn session_file(home: &Path) -> PathBuf {
    home.join(".local/state/funnels/default.json")
}

fn write_session(home: &Path, endpoint: &str) -> PathBuf {
    let file = session_file(home);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let expire_at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    let body =
        json!({"platform": "comagic", "endpoint": endpoint, "access_token": "sess-key-9c2", "expire_at": expire_at});
    fs::write(&file, body.to_string()).unwrap();
    file
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs and returns (exit code, stdout, stderr, how long it took).
fn run(cmd: &mut assert_cmd::Command) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let (stdout, stderr) = texts(&out);
    (out.status.code(), stdout, stderr, started.elapsed())
}

/// Runs `cmd` with `stdin` and kills it after `deadline`: what must be refused at once must not be
/// allowed to hang the test suite either. Returns (exit code, stderr, how long it took).
fn run_with_stdin(
    mut cmd: std::process::Command,
    stdin: fs::File,
    deadline: Duration,
) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut child = cmd.stdin(stdin).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), texts(&out).1, started.elapsed())
}

fn dev_zero() -> fs::File {
    fs::File::open("/dev/zero").unwrap()
}

/// A server that must receive nothing.
fn untouchable() -> (mockito::ServerGuard, mockito::Mock) {
    let mut server = mockito::Server::new();
    let mock = server.mock("POST", mockito::Matcher::Any).expect(0).create();
    (server, mock)
}

// ---- devices, directories, oversized files ----

#[test]
fn token_stdin_from_dev_zero_is_refused_at_once() {
    let (server, mock) = untouchable();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    cmd.args(["list", "--token-stdin"]);
    let (code, stderr, took) = run_with_stdin(cmd, dev_zero(), AT_ONCE);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("standard input") && stderr.contains("device"), "{stderr}");
    assert!(took < AT_ONCE);
    mock.assert();
}

#[test]
fn token_stdin_longer_than_64_kib_is_refused() {
    let (server, mock) = untouchable();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd.args(["list", "--token-stdin"]).write_stdin("k".repeat(65 * 1024)));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("standard input") && stderr.contains("64 KiB"), "{stderr}");
    mock.assert();
}

#[test]
fn password_stdin_from_dev_zero_is_refused_at_once() {
    let (server, mock) = untouchable();
    let (mut cmd, home) = std_funnels(&endpoint(&server));
    cmd.args(["login", "--login", "alice", "--password-stdin"]);
    let (code, stderr, took) = run_with_stdin(cmd, dev_zero(), AT_ONCE);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(took < AT_ONCE);
    assert!(!session_file(home.path()).exists());
    mock.assert();
}

#[test]
fn devices_as_token_or_config_file_are_refused_at_once_naming_the_path() {
    let (server, mock) = untouchable();
    for args in [&["list", "--token-file", "/dev/zero"][..], &["list", "--config", "/dev/zero", "--dry-run"]] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, took) = run(cmd.args(args));
        assert_eq!(code, Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains("/dev/zero") && stderr.contains("device"), "{stderr}");
        assert!(took < AT_ONCE, "{args:?} took {took:?}");
    }
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, took) =
        run(cmd.env_remove("FUNNELS_TOKEN").env("FUNNELS_TOKEN_FILE", "/dev/zero").arg("list"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("/dev/zero") && took < AT_ONCE, "{stderr}");
    mock.assert();
}

#[test]
fn directories_and_files_over_1_mib_are_refused_naming_the_path() {
    let (server, mock) = untouchable();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    fs::write(&big, format!("# {}\n", "x".repeat(1 << 20))).unwrap();
    let folder = dir.path().display().to_string();
    let big_path = big.display().to_string();
    for (args, shown, why) in [
        (vec!["list", "--token-file", &folder], &folder, "directory"),
        (vec!["list", "--token-file", &big_path], &big_path, "larger than 1 MiB"),
        (vec!["list", "--config", &folder, "--dry-run"], &folder, "directory"),
        (vec!["list", "--config", &big_path, "--dry-run"], &big_path, "larger than 1 MiB"),
    ] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, took) = run(cmd.args(&args));
        assert_eq!(code, Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(shown.as_str()) && stderr.contains(why), "{args:?}: {stderr}");
        assert!(took < AT_ONCE);
    }
    mock.assert();
}

// ---- pipes and FIFOs ----

#[test]
fn fifos_without_a_writer_fail_after_the_pipe_wait_instead_of_hanging() {
    let (server, mock) = untouchable();
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path(), "fifo");
    let path = fifo.display().to_string();
    for args in [&["list", "--token-file", &path][..], &["list", "--config", &path, "--dry-run"]] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, took) = run(cmd.env("FUNNELS_PIPE_WAIT_MS", PIPE_WAIT_MS).args(args));
        assert_eq!(code, Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(&path) && stderr.contains("sent nothing for 300 ms"), "{stderr}");
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
    }
    mock.assert();
}

#[test]
fn a_fifo_as_session_file_fails_after_the_pipe_wait_even_with_dry_run() {
    let (server, mock) = untouchable();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let file = session_file(home.path());
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    mkfifo(file.parent().unwrap(), "default.json");
    let (code, _, stderr, _) = run(cmd.env("FUNNELS_PIPE_WAIT_MS", PIPE_WAIT_MS).args(["logout", "--dry-run"]));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("default.json") && stderr.contains("sent nothing"), "{stderr}");
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd
        .env("HOME", home.path())
        .env("FUNNELS_PIPE_WAIT_MS", PIPE_WAIT_MS)
        .env_remove("FUNNELS_TOKEN")
        .arg("list"));
    assert_eq!(code, Some(3), "{stderr}");
    mock.assert();
}

#[test]
fn token_stdin_that_sends_nothing_fails_after_the_pipe_wait() {
    let (server, mock) = untouchable();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    let mut child = cmd
        .env("FUNNELS_PIPE_WAIT_MS", PIPE_WAIT_MS)
        .args(["list", "--token-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The writer end stays open and silent for the whole run.
    let _writer = child.stdin.take();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("--token-stdin waited for a silent pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", texts(&out).1);
    assert!(texts(&out).1.contains("standard input: sent nothing"), "{}", texts(&out).1);
    mock.assert();
}

#[test]
fn a_token_file_that_is_a_pipe_is_read() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"access_token": "piped-token-1"}})))
        .with_body_from_request(reply(result(&[funnel(1, 1)], 1)))
        .expect(1)
        .create();
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path(), "token");
    let writer = {
        let fifo = fifo.clone();
        // Like `<(pass show api)`: the writer takes a moment, then writes and closes.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            fs::write(fifo, "piped-token-1\n").unwrap();
        })
    };
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd.args(["list", "-o", "json", "--token-file"]).arg(&fifo));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("readable by others"), "{stderr}");
    writer.join().unwrap();
    mock.assert();
}

// ---- tokens and modes ----

#[test]
fn a_bom_before_the_token_is_not_sent() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v2.0")
        .match_body(body_has(json!({"params": {"access_token": "bom-token-2"}})))
        .with_body_from_request(reply(result(&[funnel(1, 1)], 1)))
        .expect(1)
        .create();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    fs::write(&file, "\u{feff}bom-token-2\r\n").unwrap();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd.args(["list", "-o", "json", "--token-file"]).arg(&file));
    assert_eq!(code, Some(0), "{stderr}");
    mock.assert();

    // A file holding only a BOM holds no token.
    fs::write(&file, "\u{feff}\n").unwrap();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd.args(["list", "--token-file"]).arg(&file));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("is empty"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_session_file_readable_by_others_gets_the_token_file_warning() {
    let mut server = mockito::Server::new();
    let _m = server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).create();
    let (mut cmd, home) = funnels(&endpoint(&server));
    let file = write_session(home.path(), &endpoint(&server));
    set_mode(&file, 0o644);
    let (code, _, stderr, _) = run(cmd.env_remove("FUNNELS_TOKEN").args(["list", "-o", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains(&format!("{} holds a token and is readable by others", file.display())), "{stderr}");

    let (mut cmd, _h) = funnels(&endpoint(&server));
    let (_, _, stderr, _) = run(cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").args(["list", "-q"]));
    assert_eq!(stderr, "");
    set_mode(&file, 0o600);
    let (mut cmd, _h) = funnels(&endpoint(&server));
    let (_, _, stderr, _) = run(cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").args(["list", "-o", "json"]));
    assert_eq!(stderr, "");
}

// ---- numbers ----

type NumberCase =
    (&'static [&'static str], &'static [(&'static str, &'static str)], &'static [&'static str], &'static str);

#[test]
fn out_of_range_numbers_are_usage_errors_naming_where_they_came_from() {
    const HUGE: &str = "9223372036854775808";
    let (server, mock) = untouchable();
    // (flags, environment, what the message must name, a flag it must not blame)
    let cases: [NumberCase; 11] = [
        (&["--timeout", HUGE], &[], &["--timeout", "1..=3600"], ""),
        (&["--timeout", "0"], &[], &["--timeout", "1..=3600"], ""),
        (&["--timeout", "99999999999999999999999"], &[], &["--timeout", "1..=3600"], ""),
        (&[], &[("FUNNELS_TIMEOUT", HUGE)], &["FUNNELS_TIMEOUT", "1..=3600", HUGE], "--timeout"),
        (&["--retries", "11"], &[], &["--retries", "0..=10"], ""),
        (&[], &[("FUNNELS_RETRIES", "-1")], &["FUNNELS_RETRIES", "0..=10"], "--retries"),
        (&["--max-wait", "86401"], &[], &["--max-wait", "0..=86400"], ""),
        (&["--user-id", "0"], &[], &["--user-id", "1..=9007199254740992"], ""),
        (&[], &[("FUNNELS_USER_ID", "12x")], &["FUNNELS_USER_ID", "1..=9007199254740992"], "--user-id"),
        (&["--page-size", "10001"], &[], &["--page-size", "1..=10000"], ""),
        (&["--offset", "100001"], &[], &["--offset", "0..=100000"], ""),
    ];
    for (args, env, wanted, unwanted) in cases {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, stdout, stderr, _) = run(cmd.envs(env.iter().copied()).arg("list").args(args));
        assert_eq!(code, Some(2), "{args:?} {env:?}: {stderr}");
        assert_eq!(stdout, "");
        for part in wanted {
            assert!(stderr.contains(part), "{args:?} {env:?}: no `{part}` in {stderr}");
        }
        assert!(unwanted.is_empty() || !stderr.contains(unwanted), "{env:?} blames {unwanted}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    for args in [&["--limit", "0"][..], &["--parallel", "255"], &["--parallel", "9999"]] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, _) = run(cmd.arg("list").args(args));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
    }
    mock.assert();
}

#[test]
fn out_of_range_config_numbers_are_config_errors_naming_key_profile_and_file() {
    let (server, mock) = untouchable();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let shown = config.display().to_string();
    for (line, key, range) in [
        ("timeout = 9223372036854775807", "timeout", "1..=3600"),
        ("timeout = 0", "timeout", "1..=3600"),
        ("retries = 11", "retries", "0..=10"),
        ("max_wait = -5", "max_wait", "0..=86400"),
        ("page_size = 0", "page_size", "1..=10000"),
        ("user_id = 9007199254740993", "user_id", "1..=9007199254740992"),
    ] {
        fs::write(&config, format!("default_profile = \"p\"\n[profiles.p]\n{line}\n")).unwrap();
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, _) = run(cmd.args(["list", "--config", &shown]));
        assert_eq!(code, Some(3), "{line}: {stderr}");
        let place = format!("`{key}` of profile `p` in {shown}");
        assert!(stderr.contains(&place) && stderr.contains(range), "{line}: {stderr}");
    }
    mock.assert();
}

// ---- user-id sources ----

fn agent_server(user_ids: &[u64]) -> (mockito::ServerGuard, Vec<mockito::Mock>) {
    let mut server = mockito::Server::new();
    let users: Vec<Value> = user_ids.iter().map(|id| json!({"id": id})).collect();
    let mut mocks = vec![
        server
            .mock("POST", "/v2.0")
            .match_body(body_has(json!({"method": "get.customer_users"})))
            .match_request(|r| {
                let body: Value = serde_json::from_slice(r.body().unwrap()).unwrap();
                body["params"].get("user_id").is_none()
            })
            .with_body_from_request(reply(result(&users, users.len() as u64)))
            .expect(1)
            .create(),
    ];
    for &id in user_ids {
        mocks.push(
            server
                .mock("POST", "/v2.0")
                .match_body(body_has(json!({"method": "get.sales_funnel", "params": {"user_id": id}})))
                .with_body_from_request(reply(result(&[funnel(id, 1)], 1)))
                .expect(1)
                .create(),
        );
    }
    (server, mocks)
}

#[test]
fn all_users_ignores_a_user_id_from_the_environment_or_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // The README's example profile carries a user_id.
    fs::write(&config, "default_profile = \"uis\"\n[profiles.uis]\nuser_id = 99\n").unwrap();
    let config = config.display().to_string();
    let env_case: &[(&str, &str)] = &[("FUNNELS_USER_ID", "99")];
    let profile_case: &[(&str, &str)] = &[("FUNNELS_CONFIG", &config)];
    for env in [env_case, profile_case] {
        let (server, mocks) = agent_server(&[12, 13]);
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, stdout, stderr, _) =
            run(cmd.envs(env.iter().copied()).args(["list", "--all-users", "--fields", "ext_id", "-o", "csv"]));
        assert_eq!(code, Some(0), "{env:?}: {stderr}");
        assert_eq!(stdout, "user_id,ext_id\r\n12,12\r\n13,13\r\n");
        for mock in mocks {
            mock.assert();
        }
    }

    // Typed on the command line, it contradicts --all-users, whatever else is set.
    let (server, mock) = untouchable();
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) = run(cmd.env("FUNNELS_CONFIG", &config).args(["list", "--all-users", "--user-id", "5"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--user-id"), "{stderr}");
    mock.assert();
}

// ---- --filter-json ----

/// A server that answers every request with one funnel and records the raw request bodies.
fn recording_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Write;
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&bodies);
    let url = raw_server(move |mut stream, _| {
        let Some(body) = read_request_body(&mut stream) else { return };
        let text = String::from_utf8(body).unwrap();
        // The id by hand: a 10 000-deep body is beyond what a `Value` parse accepts.
        let id: Value = text
            .split_once(r#""id":"#)
            .and_then(|(_, rest)| rest.split(',').next())
            .and_then(|id| serde_json::from_str(id).ok())
            .unwrap_or(Value::Null);
        seen.lock().unwrap().push(text);
        let reply = json!({"jsonrpc": "2.0", "id": id, "result": result(&[funnel(1, 1)], 1)}).to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
    });
    (url, bodies)
}

#[test]
fn filter_json_reaches_the_server_byte_identical() {
    let filter = r#"{"field":"ext_id","operator":"=","value":1.0,"n":123456789012345678901234567890}"#;
    let (url, bodies) = recording_server();
    let (mut cmd, _home) = funnels(&url);
    let (code, _, stderr, _) = run(cmd.args(["list", "-o", "json", "--filter-json", filter]));
    assert_eq!(code, Some(0), "{stderr}");
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(&format!(r#""filter":{filter}"#)), "{}", bodies[0]);
}

#[test]
fn a_filter_json_10000_levels_deep_is_accepted_and_sent() {
    let depth = 10_000;
    let filter = format!("{}{}", r#"{"filters":"#.repeat(depth), format_args!("1.50{}", "}".repeat(depth)));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.json");
    fs::write(&file, &filter).unwrap();
    let (url, bodies) = recording_server();
    let (mut cmd, _home) = funnels(&url);
    let (code, _, stderr, _) =
        run(cmd.args(["list", "-o", "json", "--filter-json"]).arg(format!("@{}", file.display())));
    assert_eq!(code, Some(0), "{stderr}");
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains(&format!(r#""filter":{filter}"#)), "the deep filter was not sent as given");
}

#[test]
fn filter_json_that_is_not_one_object_is_exit_2_before_any_request() {
    let (server, mock) = untouchable();
    for (text, says) in [
        ("[1]", "must be a JSON object"),
        ("1", "must be a JSON object"),
        ("{} {}", "not valid JSON"),
        (r#"{"a":}"#, "not valid JSON"),
        ("{", "not valid JSON"),
    ] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, _) = run(cmd.args(["list", "--filter-json", text]));
        assert_eq!(code, Some(2), "{text}: {stderr}");
        assert!(stderr.contains(says), "{text}: {stderr}");
    }
    mock.assert();
}

#[test]
fn filter_json_files_and_stdin_are_bounded_like_every_local_file() {
    let (server, mock) = untouchable();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    fs::write(&big, format!(r#"{{"a":"{}"}}"#, "x".repeat(1 << 20))).unwrap();
    let fifo = mkfifo(dir.path(), "fifo.json");
    for (arg, says) in [
        (format!("@{}", big.display()), "larger than 1 MiB"),
        (format!("@{}", dir.path().display()), "directory"),
        ("@/dev/zero".to_owned(), "device"),
        (format!("@{}", fifo.display()), "sent nothing"),
    ] {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let (code, _, stderr, took) =
            run(cmd.env("FUNNELS_PIPE_WAIT_MS", PIPE_WAIT_MS).args(["list", "--filter-json", &arg]));
        assert_eq!(code, Some(2), "{arg}: {stderr}");
        assert!(stderr.contains(&arg[1..]) && stderr.contains(says), "{arg}: {stderr}");
        assert!(took < Duration::from_secs(10));
    }
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    cmd.args(["list", "--filter-json", "-"]);
    let (code, stderr, took) = run_with_stdin(cmd, dev_zero(), AT_ONCE);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(took < AT_ONCE);
    let (mut cmd, _home) = funnels(&endpoint(&server));
    let (code, _, stderr, _) =
        run(cmd.args(["list", "--filter-json", "-"]).write_stdin(format!(r#"{{"a":"{}"}}"#, "x".repeat(1 << 20))));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("stdin") && stderr.contains("larger than 1 MiB"), "{stderr}");
    mock.assert();
}

// ---- login and logout ----

#[test]
fn login_refuses_an_empty_or_control_character_session_key_and_stores_nothing() {
    for key in ["", "  ", "sess\u{1b}[31m", "sess\nkey"] {
        let mut server = mockito::Server::new();
        let _m = server
            .mock("POST", "/v2.0")
            .with_body_from_request(reply(json!({"data": {"access_token": key, "expire_at": null, "app_id": 1}})))
            .create();
        let (mut cmd, home) = funnels(&endpoint(&server));
        let (code, _, stderr, _) =
            run(cmd.args(["login", "--login", "alice", "--password-stdin"]).write_stdin("pw-5d1\n"));
        assert_eq!(code, Some(7), "{key:?}: {stderr}");
        assert!(!stderr.contains("logged in") && stderr.contains("nothing was stored"), "{key:?}: {stderr}");
        assert!(!session_file(home.path()).exists(), "{key:?}");
        assert!(!stderr.contains('\u{1b}'));
    }
}

#[test]
fn logout_never_sends_the_key_to_an_endpoint_the_endpoint_rule_refuses() {
    // 0.0.0.0 is not loopback by the rule, yet a connection to it reaches this machine: a request
    // sent there would arrive here.
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&hits);
    let url = raw_server(move |mut stream, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _ = read_request(&mut stream);
    });
    let port = url.rsplit(':').next().unwrap().trim_end_matches("/v2.0").to_owned();
    for tampered in [format!("http://0.0.0.0:{port}/v2.0"), format!("ftp://127.0.0.1:{port}/v2.0")] {
        let (mut cmd, home) = funnels(&url);
        let file = write_session(home.path(), &tampered);
        let (code, _, stderr, _) = run(cmd.arg("logout"));
        assert_eq!(code, Some(3), "{tampered}: {stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(!stderr.contains("sess-key-9c2"), "{stderr}");
        assert!(file.exists(), "the session file is left for the user to inspect");
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "the key was sent");
}
