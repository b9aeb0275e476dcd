//! The README's quick start as a newcomer sees it: its first line, run as written (the build step
//! aside: `cargo test` has just built both binaries) in a terminal of 80x24, prints the canonical
//! table and nothing that scrolls it away. The terminal is a real pseudo-terminal (util-linux
//! `script`), so the table takes its terminal form.

use std::path::Path;
use std::process::{Command, Stdio};

/// The lines of the first ```sh block under the README heading that starts with `heading`.
fn readme_block(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## ").find(|s| s.starts_with(heading)).expect("the README section");
    let block = section.split("```sh\n").nth(1).expect("an sh block").split("```").next().unwrap();
    block.lines().map(str::to_owned).collect()
}

/// Runs `line` in a pseudo-terminal of `rows` x `cols` with a clean environment; returns the exit
/// code `script` passed on and everything the terminal received.
fn on_a_terminal(line: &str, rows: u16, cols: u16) -> (Option<i32>, String) {
    assert!(
        Path::new("/usr/bin/script").exists() || Path::new("/bin/script").exists(),
        "this test needs util-linux `script` (Debian: bsdutils)"
    );
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("script")
        .args(["-qec", &format!("stty rows {rows} cols {cols}; exec {line}"), "/dev/null"])
        .current_dir(home.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home.path())
        .env("TERM", "dumb")
        .env("SHELL", "/bin/sh")
        // No pager: what is measured is whether the table fits without one.
        .env("FUNNELS_PAGER", "")
        .env("PAGER", "")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux script runs");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// The columns a line takes: its characters without colour escapes (`ESC [ ... m`); the table's box
/// characters, Latin and Cyrillic are one column each.
fn visible_width(line: &str) -> usize {
    let mut width = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            width += 1;
        }
    }
    width
}

#[test]
fn the_quick_start_builds_in_one_cargo_run_and_prints_the_canonical_table_within_80x24() {
    let block = readme_block("Quick start");
    let (build, run) = block[0].split_once(" && ").expect("the first line builds, then runs");
    assert!(build.starts_with("cargo build") && !build.contains(" -q"), "one Cargo run, its progress shown: {build}");
    assert!(
        run.ends_with("--exec target/debug/funnels list --user-id 12 --sort name:asc"),
        "the canonical call: {run}"
    );

    let bin = Path::new(env!("CARGO_BIN_EXE_funnels")).parent().unwrap();
    let (code, screen) = on_a_terminal(&run.replace("target/debug/", &format!("{}/", bin.display())), 24, 80);
    assert_eq!(code, Some(0), "{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    // The sandbox's three lines (endpoint and token) come first, on stderr; the table follows.
    let table: Vec<&str> =
        lines.iter().copied().filter(|l| !l.starts_with("# funnels sandbox:") && !l.starts_with("export ")).collect();
    assert!(table.len() <= 23, "{} table lines do not fit 24 rows beside the prompt:\n{screen}", table.len());
    assert!(table.iter().all(|l| visible_width(l) <= 80), "wider than 80 columns:\n{screen}");
    let at = |name: &str| screen.find(name).unwrap_or_else(|| panic!("{name} missing:\n{screen}"));
    assert!(at("Main funnel 2") < at("Воронка продаж №1") && at("Воронка продаж №1") < at("Основная воронка 3"));
    assert!(table.iter().any(|l| l.contains("ext_id") && l.contains("stages")), "the header row:\n{screen}");
}

#[test]
fn the_second_quick_start_line_writes_every_funnel_of_a_large_set_into_a_file() {
    let block = readme_block("Quick start");
    let line = &block[1];
    assert!(
        line.contains("--funnels 25000") && line.contains(" --all ") && line.contains("--out funnels.csv"),
        "{line}"
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_funnels")).parent().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .args(["-c", &line.replace("target/debug/", &format!("{}/", bin.display()))])
        .current_dir(work.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", work.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(work.path().join("funnels.csv")).unwrap();
    let funnels: std::collections::HashSet<&str> =
        csv.lines().skip(1).map(|row| row.split(',').next().unwrap()).collect();
    assert_eq!(funnels.len(), 25_000, "every funnel, once per stage row");
}
