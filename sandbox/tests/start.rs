//! The sandbox as a program: how it starts, what it prints, how `--exec` hands over, how it refuses
//! a bad command line. (What it answers is pinned by the client's tests/cli/sandbox_fidelity.rs,
//! through HTTP.) Being an integration test, this file also makes `cargo test` build the binary
//! `target/debug/sandbox`, which the client's end-to-end tests start from beside `funnels`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn sandbox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sandbox"))
}

/// POSTs a JSON-RPC body to `endpoint` on a connection of its own; returns the response body.
fn post(endpoint: &str, body: &str) -> String {
    let address = endpoint.strip_prefix("http://").and_then(|rest| rest.split('/').next()).unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /v2.0 HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").unwrap().1.to_owned()
}

#[test]
fn it_prints_the_environment_to_use_and_serves_three_funnels_by_default() {
    let mut child = sandbox().args(["--port", "0"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map(Result::unwrap);
    let banner = lines.next().unwrap();
    let endpoint = lines.next().unwrap();
    let token = lines.next().unwrap();
    let endpoint = endpoint.strip_prefix("export FUNNELS_ENDPOINT=").unwrap_or_else(|| panic!("{endpoint}")).to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:") && endpoint.ends_with("/v2.0"), "{endpoint}");
    assert!(
        banner.starts_with(&format!("# funnels sandbox: 3 funnels on {endpoint} (tokens: demo = client")),
        "{banner}"
    );
    assert_eq!(token, "export FUNNELS_TOKEN=demo-agent");

    let answer = post(
        &endpoint,
        r#"{"jsonrpc":"2.0","id":1,"method":"get.sales_funnel","params":{"access_token":"demo","fields":["ext_id"]}}"#,
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with(r#"{"jsonrpc":"2.0","id":1,"result":{"data":[{"ext_id":"1"},{"ext_id":"2"},{"ext_id":"3"}],"metadata":{"total_items":3,"#), "{answer}");
}

#[test]
fn exec_runs_the_command_with_the_environment_and_exits_with_its_code() {
    let out = sandbox()
        .args([
            "--platform",
            "uis",
            "--exec",
            "sh",
            "-c",
            r#"echo "$FUNNELS_ENDPOINT $FUNNELS_TOKEN $FUNNELS_PLATFORM"; exit 7"#,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    let endpoint =
        stderr.lines().find_map(|l| l.strip_prefix("export FUNNELS_ENDPOINT=")).expect("the banner on stderr");
    assert_eq!(stdout, format!("{endpoint} demo-agent uis\n"));
    assert!(stderr.contains("export FUNNELS_PLATFORM=uis\n"), "{stderr}");
}

#[test]
fn a_bad_command_line_is_exit_2_with_the_usage() {
    let out = sandbox().args(["--funnels", "many"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("sandbox: --funnels: `many` is not a valid number\n\nusage: sandbox [--port PORT]"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
