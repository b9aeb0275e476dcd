//! What a terminal shows (SPEC §2 "Progress", `--no-pager`, §6 signals): the progress line of a long
//! run and its erasure, the summary after `--out`, the quota countdown, the pager, and the size of
//! a terminal that reports 0×0 — each seen through a real pseudo-terminal (util-linux `script`, as
//! in `signals.rs`), never assumed. Waits are shortened with the hidden knobs
//! (`FUNNELS_PROGRESS_AFTER_MS`, `FUNNELS_WAIT_UNIT_MS`) or a sandbox with `--latency-ms`.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;
use crate::sandbox::Sandbox;
use crate::signals::Terminal;

/// The erase indicatif ends the progress line with: back to the line's start, clear the line.
const ERASE: &str = "\r\x1b[2K";

/// Runs the shell `line` under `script` with the environment of `cmd` (`$FUNNELS` is the binary)
/// and returns everything the terminal received, stdout and stderr alike.
fn on_terminal(cmd: &Command, line: &str) -> String {
    let mut script = Command::new("script");
    script.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    script.env("FUNNELS", cmd.get_program()).env("TERM", "xterm");
    let out = script.args(["-qec", line, "/dev/null"]).stdin(Stdio::null()).output().expect("util-linux script runs");
    assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap()
}

/// A shell word for `path`.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}

/// The `N` of every `resuming in N s` on the screen, in order.
fn countdown(screen: &str) -> Vec<u64> {
    screen
        .split("resuming in ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next().and_then(|n| n.parse().ok()))
        .collect()
}

#[test]
fn a_slow_run_shows_a_progress_line_that_is_erased_before_the_table() {
    let sandbox = Sandbox::start_with(&["--funnels", "500", "--latency-ms", "150"], Stdio::null());
    let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
    cmd.env("FUNNELS_TOKEN", "demo").env("FUNNELS_PROGRESS_AFTER_MS", "100");
    let screen = on_terminal(
        &cmd,
        r#""$FUNNELS" list --all --page-size 100 --parallel 1 --fields ext_id,name --no-pager --color never"#,
    );
    let table = screen.find('┌').unwrap_or_else(|| panic!("no table: {screen:?}"));
    let (before, after) = screen.split_at(table);
    assert!(before.starts_with("funnels: "), "{screen:?}");
    assert!(before.contains(" of 500 funnels, ") && before.contains(" pages, 0:0"), "{before:?}");
    assert!(before.contains(" elapsed, ~0:0") && before.contains(" left"), "{before:?}");
    assert!(before.ends_with(ERASE), "the line is erased before the table: {before:?}");
    assert!(!after.contains("funnels:") && !after.contains('\x1b'), "{after:?}");
    assert_eq!(after.lines().filter(|l| l.contains(" ┆ ")).count(), 501, "header and 500 rows");

    // Of what the run will fetch: `--limit` leaves the rest of `total_items` out.
    let screen = on_terminal(&cmd, r#""$FUNNELS" list --limit 300 --page-size 100 --parallel 1 -o csv > /dev/null"#);
    assert!(screen.contains(" of 300 funnels, ") && !screen.contains(" of 500 "), "{screen:?}");
}

#[test]
fn a_run_written_to_out_on_a_terminal_ends_with_one_summary_line() {
    let sandbox = Sandbox::start(30);
    let dir = tempfile::tempdir().unwrap();
    for (token, args, said) in [
        ("demo", "list --all -o csv", "wrote 30 funnels to"),
        ("demo-agent", "users --all", "wrote 4 users to"),
        ("demo", "list --all --stream -o ndjson", "wrote 30 funnels to"),
    ] {
        let file = dir.path().join("out.txt");
        let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
        // The run is quick: no progress line, only the summary.
        cmd.env("FUNNELS_TOKEN", token).env("FUNNELS_PROGRESS_AFTER_MS", "60000");
        let screen = on_terminal(&cmd, &format!(r#""$FUNNELS" {args} --out {}"#, quoted(&file)));
        assert_eq!(screen, format!("funnels: {said} {}\r\n", file.display()), "{args}");
        assert!(fs::metadata(&file).unwrap().len() > 0, "{args}");
    }
    // `--out -` is the terminal itself: the records, and nothing to sum up.
    let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
    cmd.env("FUNNELS_TOKEN", "demo");
    let screen = on_terminal(&cmd, r#""$FUNNELS" list --all -o csv --out -"#);
    assert!(screen.starts_with("ext_id,name,") && !screen.contains("wrote"), "{screen:?}");
}

#[test]
fn neither_line_shows_with_q_with_v_with_stderr_elsewhere_or_streaming_to_the_terminal() {
    let sandbox = Sandbox::start_with(&["--funnels", "300", "--latency-ms", "100"], Stdio::null());
    let dir = tempfile::tempdir().unwrap();
    let file = quoted(&dir.path().join("out.csv"));
    let errors = dir.path().join("stderr.txt");
    let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
    cmd.env("FUNNELS_TOKEN", "demo").env("FUNNELS_PROGRESS_AFTER_MS", "0");
    let run = r#""$FUNNELS" list --all --page-size 100 --parallel 1 -o csv"#;

    // The control: the same run shows both.
    let screen = on_terminal(&cmd, &format!("{run} --out {file}"));
    assert!(screen.contains(" of 300 funnels, ") && screen.contains("wrote 300 funnels"), "{screen:?}");

    assert_eq!(on_terminal(&cmd, &format!("{run} --out {file} -q")), "", "-q");
    let verbose = on_terminal(&cmd, &format!("{run} --out {file} -v"));
    assert_eq!(verbose.lines().count(), 3, "{verbose:?}");
    assert!(verbose.lines().all(|l| l.starts_with("funnels: get.sales_funnel offset=")), "{verbose:?}");
    let screen = on_terminal(&cmd, &format!("{run} --out {file} 2>{}", quoted(&errors)));
    assert_eq!((screen.as_str(), fs::read_to_string(&errors).unwrap().as_str()), ("", ""), "stderr to a file");
    let streamed = on_terminal(&cmd, &format!("{run} --stream"));
    assert!(streamed.starts_with("ext_id,name,stage_ext_id"), "{streamed:?}");
    assert!(!streamed.contains("funnels:") && !streamed.contains('\x1b'), "{streamed:?}");
}

#[test]
fn all_users_shows_which_user_of_how_many_and_the_summary_before_the_warnings() {
    let sandbox = Sandbox::start_with(&["--funnels", "40", "--users", "3", "--latency-ms", "50"], Stdio::null());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.csv");
    let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
    cmd.env("FUNNELS_TOKEN", "demo-agent").env("FUNNELS_PROGRESS_AFTER_MS", "0");
    // One user at a time, so that the line names them in turn from the first.
    let line = format!(
        r#""$FUNNELS" list --all-users --parallel 1 --keep-going -o csv --out {}; echo "exit=$?""#,
        quoted(&file)
    );
    let screen = on_terminal(&cmd, &line);
    assert!(screen.starts_with("funnels: user 1 of 7: "), "{screen:?}");
    let summary = screen.find(&format!(" funnels to {}\r\n", file.display())).expect("the summary");
    let warning = screen.find("funnels: warning: skipped user 99").expect("the skipped user");
    assert!(screen[..summary].ends_with(|c: char| c.is_ascii_digit()) && summary < warning, "{screen:?}");
    assert!(screen.ends_with("exit=9\r\n"), "{screen:?}");
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    for flags in [&["-q", "-v"][..], &["-vv", "--quiet"]] {
        let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
        let out = cmd.arg("list").args(flags).output().unwrap();
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stdout.is_empty() && stderr.starts_with("funnels: error: -q ") && stderr.contains("-v"), "{stderr}");
    }
}

/// A loopback server answering the n-th request, on whichever connection, with `answers[n]` (its
/// id filled in).
fn scripted(answers: Vec<Value>) -> String {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    raw_server(move |mut stream, _| {
        loop {
            let request = read_request(&mut stream);
            let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (true, Some(answer)) = (!request.is_null(), answers.get(n)) else { return };
            let mut answer = answer.clone();
            answer["id"] = request["id"].clone();
            let body = answer.to_string();
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
            if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).is_err() {
                return;
            }
        }
    })
}

/// Two pages of two funnels; the first leaves the minute window empty for 3 s more.
fn minute_spent_after_first_page() -> Vec<Value> {
    let page = |range: std::ops::Range<u64>, remaining: u64| {
        let data: Vec<Value> = range.map(|i| funnel(i, 1)).collect();
        json!({"jsonrpc": "2.0", "result": {"data": data, "metadata": {"total_items": 4, "limits":
            {"minute_limit": 200, "minute_remaining": remaining, "minute_reset": 3}}}})
    };
    vec![page(1..3, 0), page(3..5, 199)]
}

#[test]
fn a_quota_wait_counts_down_in_the_progress_line_instead_of_the_notice() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.csv");
    let args = ["list", "--all", "--page-size", "2", "-o", "csv", "--out"];
    // 4 units of 400 ms: the wait is 1.6 s, the line would be due only after a minute.
    let (mut cmd, _home) = std_funnels(&scripted(minute_spent_after_first_page()));
    cmd.env("FUNNELS_WAIT_UNIT_MS", "400").env("FUNNELS_PROGRESS_AFTER_MS", "60000");
    let screen = on_terminal(&cmd, &format!(r#""$FUNNELS" {} {}"#, args.join(" "), quoted(&file)));
    let seconds = countdown(&screen);
    assert!(screen.starts_with("funnels: minute quota used up, resuming in "), "{screen:?}");
    assert!(screen.contains(" s; 2 of 4 funnels, 1 page, 0:0"), "{screen:?}");
    let (first, last) = (seconds.first().copied().unwrap_or(0), seconds.last().copied().unwrap_or(9));
    assert!(first >= 3 && last <= 2, "counts down: {seconds:?}");
    assert!(seconds.windows(2).all(|w| w[0] >= w[1]), "counts down: {seconds:?}");
    assert!(!screen.contains("waiting"), "no notice beside the countdown: {screen:?}");
    assert!(screen.ends_with(&format!("{ERASE}funnels: wrote 4 funnels to {}\r\n", file.display())), "{screen:?}");

    // Without a terminal the notice of SPEC §7 says it, and nothing else does.
    let (mut cmd, _home) = funnels(&scripted(minute_spent_after_first_page()));
    let out = cmd.args(args).arg(&file).output().unwrap();
    assert!(out.status.success());
    assert_eq!(texts(&out).1, "funnels: minute quota used up; waiting 4 s for it to reset\n");
}

/// A server with `n` funnels of `stages` stages each: a table of about `n * (stages + 3)` lines.
fn server_with(n: u64, stages: u64) -> mockito::ServerGuard {
    let mut server = mockito::Server::new();
    let data: Vec<Value> = (1..=n).map(|i| funnel(i, stages)).collect();
    server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, n))).expect_at_least(1).create();
    server
}

#[test]
fn a_table_taller_than_the_screen_goes_through_the_pager_for_list_and_show() {
    let server = server_with(3, 4);
    let dir = tempfile::tempdir().unwrap();
    let paged = dir.path().join("paged");
    for args in ["list", "show 2"] {
        let _ = fs::remove_file(&paged);
        let (mut cmd, _home) = std_funnels(&endpoint(&server));
        cmd.env("FUNNELS_PAGER", format!("cat > {}", quoted(&paged)));
        let screen = on_terminal(&cmd, &format!(r#"stty rows 10 cols 100; "$FUNNELS" {args} --color never"#));
        assert_eq!(screen, "", "{args}: the table went to the pager, not the screen");
        let text = fs::read_to_string(&paged).unwrap_or_else(|_| panic!("{args}: the pager did not run"));
        assert!(text.contains("Воронка 2") && text.contains("Этап 4") && text.ends_with("┘\n"), "{args}: {text}");
        assert!(text.lines().count() > 10, "{args}: {text}");
    }
}

#[test]
fn no_pager_for_a_pipe_with_no_pager_with_an_empty_variable_or_a_table_that_fits() {
    let server = server_with(3, 4);
    let dir = tempfile::tempdir().unwrap();
    let paged = dir.path().join("paged");
    let command = format!("cat > {}", quoted(&paged));
    // The control: this table on this screen is paged.
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    cmd.env("FUNNELS_PAGER", &command);
    assert_eq!(on_terminal(&cmd, r#"stty rows 10; "$FUNNELS" list"#), "");
    assert!(fs::read_to_string(&paged).unwrap().contains("Этап 4"));
    fs::remove_file(&paged).unwrap();

    for (line, env) in [
        (r#"stty rows 10; "$FUNNELS" list | cat"#, ("FUNNELS_PAGER", command.as_str())),
        (r#"stty rows 10; "$FUNNELS" list --no-pager"#, ("FUNNELS_PAGER", command.as_str())),
        (r#"stty rows 10; "$FUNNELS" list"#, ("FUNNELS_PAGER", "")),
        (r#"stty rows 100; "$FUNNELS" list"#, ("FUNNELS_PAGER", command.as_str())),
    ] {
        let (mut cmd, _home) = std_funnels(&endpoint(&server));
        cmd.env(env.0, env.1).env("PAGER", &command);
        let screen = on_terminal(&cmd, line);
        assert!(screen.contains("Воронка 3") && screen.contains("Этап 4"), "{line} {env:?}: {screen:?}");
        assert!(!paged.exists(), "{line} {env:?}: the pager ran");
    }
}

#[cfg(unix)]
#[test]
fn without_a_pager_variable_an_installed_less_pages_with_frx() {
    use std::os::unix::fs::PermissionsExt;
    let server = server_with(3, 4);
    let dir = tempfile::tempdir().unwrap();
    let less = dir.path().join("less");
    let record = dir.path().join("record");
    fs::write(
        &less,
        format!("#!/bin/sh\nprintf '%s LESS=%s\\n' \"$*\" \"$LESS\" > {0}\ncat >> {0}\n", quoted(&record)),
    )
    .unwrap();
    fs::set_permissions(&less, fs::Permissions::from_mode(0o755)).unwrap();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    cmd.env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
    let screen = on_terminal(&cmd, r#"stty rows 10; "$FUNNELS" list"#);
    assert_eq!(screen, "");
    let text = fs::read_to_string(&record).unwrap();
    assert!(text.starts_with("-FRX LESS=FRX\n") && text.contains("Воронка 3"), "{text}");
}

#[test]
fn ctrl_c_while_the_pager_runs_leaves_funnels_to_exit_0_with_the_pager() {
    let server = server_with(3, 4);
    let dir = tempfile::tempdir().unwrap();
    let (ready, release) = (dir.path().join("ready"), dir.path().join("release"));
    let pager = dir.path().join("pager");
    // A pager that ignores Ctrl-C (as less does), says when it runs, and ends when released.
    fs::write(
        &pager,
        format!(
            "trap '' INT\ntouch {}\nwhile [ ! -e {} ]; do sleep 0.05; done\ncat > /dev/null\necho pager-done\n",
            quoted(&ready),
            quoted(&release)
        ),
    )
    .unwrap();
    let (mut cmd, _home) = std_funnels(&endpoint(&server));
    cmd.env("FUNNELS_PAGER", format!("sh {}", quoted(&pager)));
    let line = r#"trap : INT; stty rows 10; sh -c 'echo "pid=$$"; exec "$FUNNELS" list'; echo "exit=$?""#;
    let terminal = Terminal::run(&cmd, line);
    let started = Instant::now();
    while !ready.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "the pager never ran: {:?}", terminal.screen());
        std::thread::sleep(Duration::from_millis(20));
    }
    let screen = terminal.screen();
    let pid = screen.split("pid=").nth(1).and_then(|rest| rest.lines().next()).unwrap().trim().to_owned();
    // Ctrl-C reaches every process of the terminal's foreground group; the pager ignores it.
    let status = Command::new("sh").args(["-c", &format!("kill -INT {pid}")]).status().unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    fs::write(&release, "").unwrap();
    terminal.wait_for("exit=");
    std::thread::sleep(Duration::from_millis(100));
    let screen = terminal.screen();
    let after = &screen[screen.find("pager-done").expect("the pager ran to its end")..];
    assert!(after.contains("exit=0"), "{screen:?}");
}

#[test]
fn a_terminal_that_reports_0x0_gets_a_table_fitted_to_columns_then_80() {
    let mut server = mockito::Server::new();
    let long = "Воронка с очень длинным названием для проверки ширины таблицы ".repeat(3);
    let data = [json!({"ext_id": "1", "name": long.trim_end(), "stages": []})];
    server.mock("POST", "/v2.0").with_body_from_request(reply(result(&data, 1))).expect_at_least(1).create();
    for (columns, width) in [(None, 80), (Some("50"), 50)] {
        let (mut cmd, _home) = std_funnels(&endpoint(&server));
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        let screen = on_terminal(&cmd, r#"stty rows 0 cols 0; "$FUNNELS" list --no-pager --color never"#);
        let widths: Vec<usize> = screen.lines().map(|l| l.trim_end_matches('\r').chars().count()).collect();
        // Fitted: as wide as the words allow within the width, never wider.
        let widest = widths.iter().max().copied().unwrap_or_default();
        assert!((width - 8..=width).contains(&widest), "COLUMNS={columns:?}, {widest} wide: {screen}");
        assert!(screen.contains("│ ext_id ┆ name"), "whole words in the header: {screen}");
    }
}

#[test]
fn a_signal_while_the_progress_line_shows_erases_it_before_exiting() {
    let sandbox = Sandbox::start_with(&["--funnels", "600", "--latency-ms", "300"], Stdio::null());
    let dir = tempfile::tempdir().unwrap();
    let (mut cmd, _home) = std_funnels(&sandbox.endpoint);
    cmd.env("FUNNELS_TOKEN", "demo").env("FUNNELS_PROGRESS_AFTER_MS", "50");
    let line = format!(
        r#"TERM=xterm sh -c 'echo "pid=$$"; exec "$FUNNELS" list --all --page-size 50 -o csv --out "{}"'; echo "exit=$?""#,
        dir.path().join("out.csv").display()
    );
    let terminal = Terminal::run(&cmd, &line);
    terminal.wait_for(" of 600 funnels, ");
    let screen = terminal.screen();
    let pid = screen.split("pid=").nth(1).and_then(|rest| rest.lines().next()).unwrap().trim().to_owned();
    let status = Command::new("sh").args(["-c", &format!("kill -TERM {pid}")]).status().unwrap();
    assert!(status.success());
    terminal.wait_for("exit=");
    let screen = terminal.screen();
    let end = screen.find("exit=").unwrap();
    let last_line = screen[..end].rfind(" of 600 funnels, ").unwrap();
    assert!(screen[last_line..end].contains(ERASE), "the line stays on the screen: {screen:?}");
    assert!(screen[end..].starts_with("exit=143"), "{screen:?}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "a temporary file was left behind");
}
