//! End to end against the bundled sandbox (the `funnels-sandbox` crate in `sandbox/`), as the README's
//! quick start runs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as StdCommand, Stdio};

use serde_json::Value;

use crate::common::*;

/// A running sandbox on a free loopback port, killed on drop.
pub struct Sandbox {
    child: Child,
    pub endpoint: String,
}

impl Sandbox {
    pub fn start(funnels: u64) -> Sandbox {
        Sandbox::start_with(&["--funnels", &funnels.to_string()], Stdio::null())
    }

    /// A sandbox with more options, its stderr (the `--verbose` log) sent to `stderr`.
    pub(crate) fn start_with(args: &[&str], stderr: Stdio) -> Sandbox {
        let bin = sandbox_bin();
        let mut child = StdCommand::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut endpoint = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("export FUNNELS_ENDPOINT=") {
                url.clone_into(&mut endpoint);
                break;
            }
        }
        assert!(!endpoint.is_empty(), "the sandbox printed no endpoint");
        Sandbox { child, endpoint }
    }

    /// `funnels` pointed at the sandbox with `token`.
    pub fn funnels(&self, token: &str) -> (assert_cmd::Command, tempfile::TempDir) {
        let (mut cmd, home) = funnels(&self.endpoint);
        cmd.env("FUNNELS_TOKEN", token);
        (cmd, home)
    }
}

/// The sandbox binary: Cargo puts every binary of the workspace in one folder, whatever the target
/// folder, profile or target triple, so it lies beside `funnels`. Only a default-members build
/// (`cargo test`, not `cargo test -p funnels`) builds it, hence the message.
pub(crate) fn sandbox_bin() -> std::path::PathBuf {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_funnels"))
        .with_file_name(format!("sandbox{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is not built; run the tests with `cargo test` (which builds the whole workspace)",
        bin.display()
    );
    bin
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn canonical_call_prints_a_table_sorted_by_name() {
    let sandbox = Sandbox::start(300);
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["list", "--user-id", "12", "--sort", "name:asc", "-o", "ndjson"]).output().unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
    let names: Vec<String> = texts(&out)
        .0
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 300);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");

    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["list", "--user-id", "12", "--sort", "name:asc"]).output().unwrap();
    assert!(out.status.success());
    let table = texts(&out).0;
    let positions: Vec<usize> = names.iter().take(20).map(|n| table.find(n.as_str()).expect("name in table")).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "table rows follow the name order");
}

#[test]
fn agent_without_user_id_gets_the_hint() {
    let sandbox = Sandbox::start(10);
    let (mut cmd, _home) = sandbox.funnels("demo-agent");
    let out = cmd.args(["list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(texts(&out).1.contains("hint: agent accounts must pass --user-id"), "{}", texts(&out).1);
}

#[test]
fn all_25000_funnels_arrive_once_each() {
    let sandbox = Sandbox::start(25_000);
    let (mut cmd, _home) = sandbox.funnels("demo");
    let out = cmd.args(["list", "--all", "-o", "ndjson", "-v"]).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let ids: std::collections::HashSet<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["ext_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((stdout.lines().count(), ids.len()), (25_000, 25_000));
    assert_eq!(stderr.lines().filter(|l| l.contains("get.sales_funnel")).count(), 3, "{stderr}");
}

#[test]
fn parallel_pages_come_out_in_the_same_order_as_sequential_ones() {
    let sandbox = Sandbox::start(5_000);
    let run = |parallel: &str| {
        let (mut cmd, _home) = sandbox.funnels("demo");
        let out = cmd
            .args(["list", "--all", "--page-size", "400", "--parallel", parallel, "-o", "csv", "-v"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", texts(&out).1);
        let requests = texts(&out).1.lines().filter(|l| l.contains("get.sales_funnel")).count();
        (out.stdout, requests)
    };
    let (sequential, n1) = run("1");
    let (parallel, n4) = run("4");
    assert_eq!((n1, n4), (13, 13), "one request per page either way");
    assert!(sequential == parallel, "--parallel 4 printed different bytes");
}

#[test]
fn a_sandbox_session_from_login_to_logout() {
    let sandbox = Sandbox::start(10);
    let (mut cmd, home) = sandbox.funnels("unused");
    cmd.env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", "demo", "--password-stdin"])
        .write_stdin("demo\n")
        .assert()
        .success();
    let with_home = |args: &[&str]| {
        let (mut cmd, _h) = sandbox.funnels("unused");
        cmd.env("HOME", home.path()).env_remove("FUNNELS_TOKEN").args(args).output().unwrap()
    };
    let out = with_home(&["list", "--count"]);
    assert_eq!(texts(&out).0, "10\n", "{}", texts(&out).1);
    let out = with_home(&["check", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["token_source"].as_str().unwrap().contains("session"), "{report}");
    assert!(with_home(&["logout"]).status.success());
    assert_eq!(with_home(&["list"]).status.code(), Some(3));

    let (mut cmd, _h) = sandbox.funnels("unused");
    cmd.env_remove("FUNNELS_TOKEN")
        .args(["login", "--login", "demo", "--password-stdin"])
        .write_stdin("wrong\n")
        .assert()
        .code(4);
}
