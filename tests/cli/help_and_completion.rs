//! What the command line tells its user before anything runs (SPEC §2, §8, issue 12 scope 4 and 7):
//! parser errors that keep clap's detail and point to the command's own help, values in any case,
//! each command's help with its own fields and only the options that apply to it, and tab
//! completion of fields, sort keys, filter fields and profile names run through the shells' own
//! completion functions, from the scripts committed under `completions/`.
//!
//! bash is required; zsh and fish are used where installed and skipped with a message otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// `funnels ARGS` against nothing (the parser stops first): exit code and stderr; stdout must be empty.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let out = cmd.args(args).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    (out.status.code(), stderr)
}

#[test]
fn a_missing_argument_is_named_and_points_to_the_commands_help() {
    assert_eq!(
        refused(&["show"]),
        (
            Some(2),
            "funnels: error: the following required arguments were not provided: <EXT_ID>\n\
             hint: see funnels show --help\n"
                .to_owned()
        )
    );
    // Option values are not taken for the subcommand: `list` here is a profile's name.
    assert_eq!(refused(&["--profile", "list", "show"]).1.lines().last(), Some("hint: see funnels show --help"));
}

#[test]
fn a_bad_value_keeps_the_valid_values_and_the_nearest_one() {
    assert_eq!(
        refused(&["list", "-o", "cvs"]),
        (
            Some(2),
            "funnels: error: invalid value 'cvs' for '--output <FORMAT>' [possible values: table, json, ndjson, csv, tsv]\n\
             tip: a similar value exists: 'csv'\n\
             hint: see funnels list --help\n"
                .to_owned()
        )
    );
    // Before the subcommand, the pointer is still to the subcommand the line is for.
    let (code, stderr) = refused(&["-ocvs", "users"]);
    assert_eq!(code, Some(2));
    assert!(stderr.ends_with("tip: a similar value exists: 'csv'\nhint: see funnels users --help\n"), "{stderr}");
    let (_, stderr) = refused(&["--platform", "uiss", "check"]);
    assert!(
        stderr.contains("[possible values: comagic, uis, callgear]\ntip: a similar value exists: 'uis'\n"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_option_or_subcommand_keeps_clap_tip() {
    assert_eq!(
        refused(&["list", "--fieldz", "name"]),
        (
            Some(2),
            "funnels: error: unexpected argument '--fieldz' found\n\
             tip: a similar argument exists: '--fields'\n\
             hint: see funnels list --help\n"
                .to_owned()
        )
    );
    assert_eq!(
        refused(&["lst"]).1,
        "funnels: error: unrecognized subcommand 'lst'\ntip: a similar subcommand exists: 'list'\nhint: see funnels --help\n"
    );
}

#[test]
fn an_option_a_command_does_not_show_points_to_the_top_level_help() {
    let (code, stderr) = refused(&["logout", "--out"]);
    assert_eq!(code, Some(2));
    assert!(stderr.ends_with("hint: see funnels --help\n"), "{stderr}");
    // Still accepted when it has its value (it may come from anywhere; logout ignores it).
    let (mut cmd, _home) = funnels("http://127.0.0.1:9/v2.0");
    let out = cmd.args(["logout", "--out", "x", "-o", "json", "--max-wait", "5"]).output().unwrap();
    assert_eq!(
        (out.status.code(), texts(&out).1.as_str()),
        (Some(0), "funnels: no stored session for profile `default`\n")
    );
}

#[test]
fn formats_platforms_and_colours_are_read_in_any_case() {
    let mut server = mockito::Server::new();
    server.mock("POST", "/v2.0").with_body_from_request(reply(result(&[funnel(1, 1)], 1))).expect_at_least(1).create();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "[profiles.csv]\noutput = \"CSV\"\n[profiles.cg]\nplatform = \"CallGear\"\n")
        .unwrap();
    let config = config.path().to_str().unwrap();

    let run = |args: &[&str], env: &[(&str, &str)]| {
        let (mut cmd, _home) = funnels(&endpoint(&server));
        let out = cmd.args(args).envs(env.iter().copied()).output().unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run(&["list", "-o", "JSON"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()[0]["ext_id"], "1");
    let (_, stdout, stderr) = run(&["list"], &[("FUNNELS_OUTPUT", "NdJson")]);
    assert_eq!(serde_json::from_str::<Value>(stdout.trim_end()).unwrap()["ext_id"], "1", "{stderr}");
    let (_, stdout, stderr) = run(&["list", "--config", config, "--profile", "csv"], &[]);
    assert!(stdout.starts_with("ext_id,name,stage_ext_id,"), "{stdout}{stderr}");
    let (_, stdout, _) = run(&["show", "1", "--color", "ALWAYS"], &[]);
    assert!(stdout.starts_with("\x1b[1mВоронка 1"), "{stdout:?}");

    // CallGear refuses `ilike` before any request, however the platform was spelt.
    let refusal = "funnels: error: CallGear does not document the operator `ilike`";
    for (args, env) in [
        (&["list", "--platform", "CALLGEAR"][..], &[][..]),
        (&["list"][..], &[("FUNNELS_PLATFORM", "CallGear")][..]),
        (&["list", "--config", config, "--profile", "cg"][..], &[][..]),
    ] {
        let (code, _, stderr) = run(&[args, &["--filter", "name ilike %a%"][..]].concat(), env);
        assert!(code == Some(2) && stderr.starts_with(refusal), "{args:?} {env:?}: {stderr}");
    }
}

/// `funnels ARGS --help` (or `-h`), which must succeed.
fn help(args: &[&str]) -> String {
    let (mut cmd, _home) = funnels("https://user:hunter2-secret@dataapi.uiscom.ru/v2.0");
    let out = cmd.args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    let (stdout, _) = texts(&out);
    // The environment's values are never shown, least of all an endpoint's credentials.
    assert!(!stdout.contains("hunter2") && !stdout.contains(CANARY), "{args:?}: {stdout}");
    stdout
}

/// A help text with its wrapping undone.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn list_help_names_the_funnel_fields_sort_keys_and_operators() {
    let text = help(&["list", "--help"]);
    for line in [
        "Fields: ext_id, name (text: < > <= >= compare text, so \"10\" < \"9\").",
        "Operators: = != < > <= >= like ilike not_like not_ilike regexp in not_in is_null",
        "Examples: name=Main, 'name like %Sales%', 'ext_id in 1,2,3'",
        "Sortable fields: ext_id, name.",
        "Without --sort, ext_id:asc is sent, so that paging is stable.",
        "Fields: ext_id, name, stages [default: all, in this order].",
    ] {
        assert!(text.contains(line), "list --help lacks {line:?}:\n{text}");
    }
    let short = words(&help(&["list", "-h"]));
    assert!(
        short.contains("fields: ext_id, name; e.g. name=Main") && short.contains("sortable: ext_id, name"),
        "{short}"
    );
}

#[test]
fn users_help_names_the_user_fields_and_no_funnel_field() {
    let text = help(&["users", "--help"]);
    for line in [
        "Fields: id, customer_id (whole numbers); name (text:",
        "Examples: 'name ilike %shop%', 'customer_id in 1,2,3', id=42",
        "Sortable fields: name, customer_id.",
        "Without --sort, customer_id:asc,name:asc is sent",
        "Fields: id, login, name, description, customer_id [default: all, in this order].",
    ] {
        assert!(text.contains(line), "users --help lacks {line:?}:\n{text}");
    }
    assert!(!text.contains("ext_id") && !text.contains("stages"), "users --help names a funnel field:\n{text}");
    let short = words(&help(&["users", "-h"]));
    assert!(
        short.contains("fields: id, name, customer_id") && short.contains("sortable: name, customer_id"),
        "{short}"
    );
}

#[test]
fn show_help_names_what_each_format_prints() {
    let text = help(&["show", "--help"]);
    for part in [
        "-o json prints the funnel object (ext_id, name, stages)",
        "(ext_id, name, stage_ext_id, stage_name, stage_status, stage_order)",
        "EXT_ID is matched exactly",
    ] {
        assert!(words(&text).contains(part), "show --help lacks {part:?}:\n{text}");
    }
}

/// The long options a help text lists (on the lines that start with an option).
fn options_in(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.trim_start().starts_with('-'))
        .filter_map(|line| line.trim_start().split(' ').find(|w| w.starts_with("--")))
        .map(|w| w.trim_end_matches([',', '.']).to_owned())
        .collect()
}

#[test]
fn each_command_help_shows_only_the_global_options_that_apply() {
    let logout = options_in(&help(&["logout", "-h"]));
    assert_eq!(
        logout,
        ["--help", "--version", "--profile", "--config", "--timeout", "--retries", "--verbose", "--quiet", "--dry-run"]
    );
    let completions = options_in(&help(&["completions", "-h"]));
    assert_eq!(completions, ["--help", "--version", "--out"]);
    let list = options_in(&help(&["list", "-h"]));
    for option in ["--out", "--output", "--max-wait", "--user-id", "--color", "--token-file"] {
        assert!(list.iter().any(|o| o == option), "list -h lacks {option}: {list:?}");
    }
    let users = options_in(&help(&["users", "-h"]));
    assert!(!users.iter().any(|o| o == "--user-id"), "users acts for no client user: {users:?}");
    // The top level still documents every global option.
    let top = options_in(&help(&["--help"]));
    for option in ["--out", "--output", "--max-wait", "--user-id", "--token-stdin", "--dry-run"] {
        assert!(top.iter().any(|o| o == option), "--help lacks {option}: {top:?}");
    }
}

#[test]
fn global_option_help_says_what_spec_section_2_says() {
    let text = help(&["list", "--help"]);
    let joined = words(&text);
    for part in [
        "Longest total wait for a quota window to reset; 0 = never wait; 0..=86400 [default: 120]",
        "Write the output to FILE atomically instead of standard output; - is standard output",
        "Config file [default: $XDG_CONFIG_HOME/funnels/config.toml, else ~/.config/funnels/config.toml]",
        "When to use colour: auto (only on a terminal, never with NO_COLOR; CLICOLOR_FORCE forces it), always, never",
        "https:// only; http:// only for localhost",
    ] {
        assert!(joined.contains(part), "list --help lacks {part:?}:\n{text}");
    }
    assert!(!joined.contains("per-minute"), "{text}");
}

/// The folder of the funnels binary, put first on PATH so that the scripts' callback finds it.
fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("funnels").parent().unwrap().to_owned()
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(name)
}

/// A home with a config file of two profiles at the default place.
fn home_with_profiles() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/funnels");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "default_profile = \"uis\"\n[profiles.uis]\nplatform = \"uis\"\n[profiles.cg]\nplatform = \"callgear\"\n",
    )
    .unwrap();
    home
}

/// A shell command in a clean environment: PATH with funnels first, HOME, and `env`.
fn shell(program: &str, home: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display()))
        .env("HOME", home)
        .env("TERM", "dumb")
        .envs(env.iter().copied());
    cmd
}

/// What the completion function completions/funnels.bash registers answers for `line` with the
/// cursor at its end, one candidate per entry. The words reach it as bash splits them: at blanks,
/// and at `:` (COMP_WORDBREAKS), which bash then replaces only the text after.
fn bash_complete(home: &Path, env: &[(&str, &str)], line: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in line.split_whitespace() {
        let mut pieces = word.split(':').peekable();
        while let Some(piece) = pieces.next() {
            if !piece.is_empty() {
                words.push(piece.to_owned());
            }
            if pieces.peek().is_some() {
                words.push(":".to_owned());
            }
        }
    }
    if line.ends_with(' ') {
        words.push(String::new());
    }
    let current = words.last().filter(|w| *w != ":").cloned().unwrap_or_default();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{script}' || exit 9\n\
         function=$(complete -p funnels | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')\n\
         [ -n \"$function\" ] || exit 8\n\
         COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMP_TYPE=9\n\
         COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
         \"$function\" funnels '{current}' \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script("funnels.bash").display(),
        words = quoted.join(" "),
    );
    let out = shell("bash", home, env).args(["--norc", "--noprofile", "-c", &program]).output().unwrap();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[test]
fn bash_completes_field_names_after_the_last_comma() {
    let home = tempfile::tempdir().unwrap();
    let complete = |line: &str| bash_complete(home.path(), &[], line);
    assert_eq!(complete("funnels list --fields na"), ["name"]);
    assert_eq!(complete("funnels list --fields ext_id,na"), ["ext_id,name"]);
    assert_eq!(complete("funnels list --fields ext_id,"), ["ext_id,name", "ext_id,stages"]);
    assert_eq!(complete("funnels users --fields c"), ["customer_id"]);
}

#[test]
fn bash_completes_sort_keys_and_filter_fields_of_the_command() {
    let home = tempfile::tempdir().unwrap();
    let complete = |line: &str| bash_complete(home.path(), &[], line);
    assert_eq!(complete("funnels list --sort na"), ["name", "name:asc", "name:desc"]);
    assert_eq!(
        complete("funnels users --sort "),
        ["name", "name:asc", "name:desc", "customer_id", "customer_id:asc", "customer_id:desc"]
    );
    assert_eq!(complete("funnels list --filter "), ["ext_id", "name"]);
    assert_eq!(complete("funnels users --filter "), ["id", "name", "customer_id"]);
}

#[test]
fn bash_completes_a_sort_key_after_its_colon() {
    let home = tempfile::tempdir().unwrap();
    let complete = |line: &str| bash_complete(home.path(), &[], line);
    // bash replaces only the text after the last `:`, so that is what comes back.
    assert_eq!(complete("funnels list --sort name:d"), ["desc"]);
    assert_eq!(complete("funnels list --sort name:"), ["asc", "desc"]);
    assert_eq!(complete("funnels users --sort name:desc,customer_id:a"), ["asc"]);
    // At a real prompt, the whole key is there after TAB.
    if installed("script") {
        assert_eq!(
            prompt_complete(Prompt::Bash, home.path(), "funnels list --sort name:d"),
            "funnels list --sort name:desc "
        );
    }
}

#[test]
fn bash_completes_profile_names_from_the_config_file() {
    let home = home_with_profiles();
    // The default config file, a FUNNELS_CONFIG and a --config on the line are each read.
    assert_eq!(bash_complete(home.path(), &[], "funnels list --profile "), ["cg", "uis"]);
    let other = home.path().join("other.toml");
    std::fs::write(&other, "[profiles.agency]\n[profiles.archive]\n").unwrap();
    let other = other.to_str().unwrap();
    assert_eq!(
        bash_complete(home.path(), &[("FUNNELS_CONFIG", other)], "funnels check --profile a"),
        ["agency", "archive"]
    );
    assert_eq!(bash_complete(home.path(), &[], &format!("funnels --config {other} list --profile ar")), ["archive"]);
    // No config file: nothing to offer, and no error in the middle of the line.
    let empty = tempfile::tempdir().unwrap();
    assert!(bash_complete(empty.path(), &[], "funnels list --profile ").is_empty());
}

#[test]
fn bash_completes_every_subcommand_and_each_commands_own_options() {
    let home = tempfile::tempdir().unwrap();
    let subcommands = bash_complete(home.path(), &[], "funnels ");
    for sub in ["list", "show", "check", "users", "login", "logout", "completions", "man"] {
        assert!(subcommands.iter().any(|s| s == sub), "{sub} is not offered: {subcommands:?}");
    }
    let logout = bash_complete(home.path(), &[], "funnels logout --");
    assert!(logout.iter().any(|o| o == "--profile") && !logout.iter().any(|o| o == "--out"), "{logout:?}");
    assert_eq!(bash_complete(home.path(), &[], "funnels list -o n"), ["ndjson"]);
}

fn installed(program: &str) -> bool {
    let found = Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        eprintln!("{program} is not installed; skipping its completion test");
    }
    found
}

#[test]
fn fish_completes_fields_sort_keys_and_profiles() {
    if !installed("fish") {
        return;
    }
    let home = home_with_profiles();
    let complete = |line: &str| {
        let program = format!("source '{}'; complete -C'{line}'", script("funnels.fish").display());
        let out = shell("fish", home.path(), &[]).args(["--no-config", "-c", &program]).output().unwrap();
        assert!(out.status.success(), "fish: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().map(|l| l.split('\t').next().unwrap_or_default().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(complete("funnels list --fields ext_id,na"), ["ext_id,name"]);
    assert_eq!(complete("funnels list --sort name:d"), ["name:desc"]);
    assert_eq!(complete("funnels users --filter cu"), ["customer_id"]);
    assert_eq!(complete("funnels list --profile "), ["cg", "uis"]);
}

/// An interactive shell at a prompt, with funnels' completion installed.
#[derive(Clone, Copy)]
enum Prompt {
    Bash,
    /// zsh with the script on $fpath as `_funnels`, as packages install it.
    ZshAutoloaded,
    /// zsh with the script sourced from .zshrc.
    ZshSourced,
}

/// Runs `prompt` in a pseudo-terminal (util-linux `script`), types `line`, presses TAB, and
/// returns the edited command line, which a key bound to a function writes to a file.
fn prompt_complete(prompt: Prompt, home: &Path, line: &str) -> String {
    let buffer = home.join("buffer");
    let _ = std::fs::remove_file(&buffer);
    let (rc, program) = match prompt {
        Prompt::Bash => (
            format!(
                "source '{}'\ndump() {{ printf '%s\\n' \"$READLINE_LINE\" > '{}'; }}\nbind -x '\"\\C-x\": dump'\nPS1='> '\n",
                script("funnels.bash").display(),
                buffer.display()
            ),
            format!("bash --noprofile --rcfile '{}' -i", home.join(".zshrc").display()),
        ),
        Prompt::ZshAutoloaded | Prompt::ZshSourced => {
            let install = if matches!(prompt, Prompt::ZshSourced) {
                format!("autoload -U compinit && compinit -u -D\nsource '{}'", script("_funnels").display())
            } else {
                format!("fpath=('{}' $fpath)\nautoload -U compinit && compinit -u -D", script("").display())
            };
            let zshrc = format!(
                "{install}\ndump() {{ print -r -- \"$BUFFER\" > '{}' }}\nzle -N dump\nbindkey '^X' dump\nPS1='> '\n",
                buffer.display()
            );
            (zshrc, "zsh -i".to_owned())
        }
    };
    // One rc file serves both: zsh reads $ZDOTDIR/.zshrc, bash the --rcfile it is given.
    std::fs::write(home.join(".zshrc"), rc).unwrap();
    let mut child = shell("script", home, &[("ZDOTDIR", home.to_str().unwrap())])
        .args(["--quiet", "--command", &program, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux script runs");
    let mut stdin = child.stdin.take().unwrap();
    // TAB completes; Ctrl-X then writes the line out. The shell reads them as typeahead once ready.
    stdin.write_all(format!("{line}\t\x18").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    let text = loop {
        match std::fs::read_to_string(&buffer) {
            Ok(text) if text.ends_with('\n') => break text,
            _ if start.elapsed() > Duration::from_secs(20) => break String::new(),
            // Polling a file another process writes: there is no knob to wait on instead.
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let _ = stdin.write_all(b"\x15exit\n");
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    text.trim_end_matches('\n').to_owned()
}

#[test]
fn zsh_completes_fields_sort_keys_and_profiles_installed_or_sourced() {
    if !installed("zsh") || !installed("script") {
        return;
    }
    let home = home_with_profiles();
    for prompt in [Prompt::ZshAutoloaded, Prompt::ZshSourced] {
        let complete = |line: &str| prompt_complete(prompt, home.path(), line);
        assert_eq!(complete("funnels list --fields ext_id,na"), "funnels list --fields ext_id,name ");
        assert_eq!(complete("funnels list --sort name:d"), "funnels list --sort name:desc ");
        assert_eq!(complete("funnels list --profile u"), "funnels list --profile uis ");
    }
}
