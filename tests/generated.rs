//! The committed completions and man pages equal what the clap definition generates now, and the
//! `completions`/`man` commands print exactly those files. Refresh them with
//! `UPDATE_GENERATED=1 cargo test --test generated`.
//!
//! The completion scripts register clap_complete's dynamic engine, which asks `funnels` itself on
//! every TAB; what they complete (every subcommand, fields, profiles) is tested by running them in
//! the shells, in tests/cli/help_and_completion.rs.

use std::path::Path;

use assert_cmd::Command;
use funnels::docs;

const SUBCOMMANDS: [&str; 8] = ["list", "show", "check", "users", "login", "logout", "completions", "man"];

/// Compares (or with UPDATE_GENERATED=1 rewrites) one committed file.
fn check(path: &Path, fresh: &[u8]) {
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the CLI; refresh it with: UPDATE_GENERATED=1 cargo test --test generated",
        path.display()
    );
}

#[test]
fn completions_are_committed_and_printed() {
    for (shell, file) in docs::SHELLS {
        let fresh = docs::completion(shell);
        let text = String::from_utf8_lossy(&fresh);
        // It calls back `funnels` on PATH, never a path that only exists where it was generated.
        assert!(text.contains("FUNNELS_COMPLETE") && text.contains("funnels"), "{file} does not call back funnels");
        assert!(!text.contains("/target/") && !text.contains(env!("CARGO_MANIFEST_DIR")), "{file} names a build path");
        check(&Path::new("completions").join(file), &fresh);
        Command::cargo_bin("funnels")
            .unwrap()
            .args(["completions", &shell.to_string()])
            .assert()
            .success()
            .stdout(fresh);
    }
}

#[test]
fn man_pages_are_committed_and_printed() {
    let pages = docs::man_pages().unwrap();
    let main = String::from_utf8_lossy(&pages[0].1).into_owned();
    for sub in SUBCOMMANDS {
        assert!(main.contains(&format!("funnels\\-{sub}")), "funnels.1 lacks {sub}");
        assert!(pages.iter().any(|(name, _)| name == &format!("funnels-{sub}.1")), "no page for {sub}");
    }
    for section in ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
        assert!(main.contains(section), "funnels.1 lacks {section}");
    }
    for (name, roff) in &pages {
        check(&Path::new("man").join(name), roff);
        let mut cmd = Command::cargo_bin("funnels").unwrap();
        cmd.arg("man");
        if let Some(command) = name.strip_prefix("funnels-").and_then(|n| n.strip_suffix(".1")) {
            cmd.arg(command);
        }
        cmd.assert().success().stdout(roff.clone());
    }
}

/// groff finds no problem in the pages (skipped where groff is not installed; CI installs it).
#[test]
fn man_pages_render_cleanly() {
    if std::process::Command::new("groff").arg("-v").output().is_err() {
        eprintln!("groff not installed; skipping the man page lint");
        return;
    }
    for (name, roff) in docs::man_pages().unwrap() {
        let mut child = std::process::Command::new("groff")
            .args(["-man", "-z", "-ww", "-rCHECKSTYLE=3"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &roff).unwrap();
        let out = child.wait_with_output().unwrap();
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && warnings.trim().is_empty(), "{name}: {warnings}");
    }
}
