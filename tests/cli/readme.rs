//! Every command of the README's `sh` blocks, run as written against the sandbox. Lines starting
//! with `cargo` or `sudo` are build and install steps (CI runs the quick start itself); a trailing
//! `# sandbox: exit N` comment gives the exit code the sandbox's data leads to. `target/debug/` names
//! the folder the tests' binaries are in. Lines that start a sandbox of their own are the quick
//! start's (tests/cli/quick_start.rs runs them) or would serve until stopped; the other lines run
//! against one shared sandbox.

use std::path::Path;
use std::process::Command;

use crate::sandbox::Sandbox;

/// The commands of the README's ```sh blocks, with the exit code each should end with.
fn readme_commands() -> Vec<(String, i32)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        let line = line.trim();
        if !in_sh || line.is_empty() || line.starts_with('#') || line.starts_with("cargo ") || line.starts_with("sudo ")
        {
            continue;
        }
        if line.starts_with("target/debug/sandbox") {
            continue;
        }
        let expected = line
            .split_once("# sandbox: exit ")
            .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
            .unwrap_or(0);
        commands.push((line.to_owned(), expected));
    }
    commands
}

#[test]
fn every_readme_command_works_against_the_sandbox() {
    let commands = readme_commands();
    assert!(commands.len() >= 20, "found only {} README commands", commands.len());
    let have_jq = Command::new("jq").arg("--version").output().is_ok();
    let sandbox = Sandbox::start(300);
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_funnels")).parent().unwrap().to_owned();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
    for (command, expected) in commands {
        let command = command.replace("target/debug/", &format!("{}/", bin.display()));
        if command.contains("jq ") && !have_jq {
            eprintln!("jq is not installed; skipped: {command}");
            continue;
        }
        let token = if command.contains("users") { "demo-agent" } else { "demo" };
        let out = Command::new("sh")
            .args(["-c", &command])
            .current_dir(work.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("FUNNELS_ENDPOINT", &sandbox.endpoint)
            .env("FUNNELS_TOKEN", token)
            .env("FUNNELS_PASSWORD", "demo")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "README command failed: {command}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
