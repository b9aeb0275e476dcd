//! The command line as its users read it, built from the clap definition (`cli.rs`) and the
//! record schemas (`model`) so that none of it can drift from what the parser accepts: each
//! command's `--help` (the fields, sort keys and operators of that command; only the global options
//! that apply to it), tab completion (`complete.rs`), the man pages and the completion scripts
//! (SPEC §1, §2 "Where options apply", §10), and the framing of the parser's errors (SPEC §8).
//!
//! `funnels completions SHELL` and `funnels man` print these; the copies committed under
//! `completions/` and `man/` are checked against them by `tests/generated.rs`. The sections clap
//! cannot know (exit status, environment, files, examples) are written here in roff.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue};
use clap::{Arg, CommandFactory};
use clap_complete::Shell;
use clap_complete::env::Shells;

use crate::cli::Cli;
use crate::complete;
use crate::model::{
    FUNNEL_NAME, FUNNELS, Kind, Order, STAGE_COLUMNS, STAGE_EXT_ID, STAGE_ORDER, STAGES_FIELD, Schema, USERS,
};
use crate::query::{OPERATOR_LIST, did_you_mean};

/// Every shell `completions` supports, with the file name its script is committed under.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "funnels.bash"),
    (Shell::Zsh, "_funnels"),
    (Shell::Fish, "funnels.fish"),
    (Shell::PowerShell, "_funnels.ps1"),
    (Shell::Elvish, "funnels.elv"),
];

/// Where each global option means something (SPEC §2 "Where options apply"). Every command accepts
/// every global option (it may come from the environment or a profile); a command's help shows
/// only those listed for it here. `profiles`, `--no-pager` and `--excel` (should it be global) are
/// listed ahead of their arrival; a global option missing here fails a unit test.
const APPLIES: &[(&str, &[&str])] = &[
    ("profile", &["list", "show", "check", "users", "login", "logout", "profiles", "diff"]),
    ("config", &["list", "show", "check", "users", "login", "logout", "profiles", "diff"]),
    ("platform", &["list", "show", "check", "users", "login", "diff"]),
    ("endpoint", &["list", "show", "check", "users", "login", "diff"]),
    ("token_file", &["list", "show", "check", "users", "diff"]),
    ("token_stdin", &["list", "show", "check", "users", "diff"]),
    ("user_id", &["list", "show", "check", "diff"]),
    ("output", &["list", "show", "check", "users", "profiles", "diff"]),
    ("out", &["list", "show", "check", "users", "profiles", "completions", "man", "diff"]),
    ("timeout", &["list", "show", "check", "users", "login", "logout", "diff"]),
    ("retries", &["list", "show", "check", "users", "login", "logout", "diff"]),
    ("max_wait", &["list", "show", "check", "users", "diff"]),
    ("no_pager", &["list", "show", "users", "diff"]),
    ("excel", &["list", "show", "users"]),
    ("color", &["list", "show", "users", "diff"]),
    ("verbose", &["list", "show", "check", "users", "login", "logout", "diff"]),
    ("quiet", &["list", "show", "check", "users", "login", "logout", "profiles", "diff"]),
    ("dry_run", &["list", "show", "check", "users", "login", "logout", "diff"]),
];

/// The clap command `funnels` parses with and documents itself by.
pub fn command() -> clap::Command {
    present(Cli::command())
}

/// The derived definition, completed with what derive cannot say per command, and built.
fn present(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd
        .mut_subcommand("list", |sub| query_help(sub, &FUNNELS))
        .mut_subcommand("users", |sub| query_help(sub, &USERS))
        .mut_subcommand("diff", |sub| sub.mut_arg("filter", |arg| filter_help(arg, &FUNNELS)))
        .mut_subcommand("show", |sub| {
            let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
            sub.long_about(format!("{about}\n\n{}", show_fields()))
        })
        .mut_arg("profile", |arg| arg.add(complete::profiles()));
    // A global option that does not apply to a subcommand is given to it hidden before clap
    // propagates the rest: clap then leaves it alone, and it parses as before.
    let globals: Vec<Arg> = cmd.get_arguments().filter(|a| a.is_global_set()).cloned().collect();
    for sub in cmd.get_subcommands_mut() {
        for global in &globals {
            let id = global.get_id().as_str();
            let applies = APPLIES
                .iter()
                .find(|(name, _)| *name == id)
                .is_none_or(|(_, commands)| commands.contains(&sub.get_name()));
            if !applies {
                *sub = std::mem::take(sub).arg(global.clone().hide(true));
            }
        }
    }
    cmd.build();
    cmd
}

/// `--filter`, `--sort` and `--fields` of a paged listing, with the fields, sort keys, operators
/// and examples of its own record type, and their completers.
fn query_help(sub: clap::Command, schema: &'static Schema) -> clap::Command {
    let sortable = join(schema.sortable());
    let default_sort: Vec<String> =
        schema.default_sort.iter().map(|key| format!("{}:{}", key.field, order_name(key.order))).collect();
    let names = join(schema.names());
    sub.mut_arg("filter", |arg| filter_help(arg, schema))
        .mut_arg("sort", |arg| {
            let short = format!("{}; sortable: {sortable}", help(&arg));
            let long = with_lines(
                &arg,
                &[
                    format!("Sortable fields: {sortable}."),
                    format!("Without --sort, {} is sent, so that paging is stable.", default_sort.join(",")),
                ],
            );
            arg.help(short).long_help(long).add(complete::sort_keys(schema))
        })
        .mut_arg("fields", |arg| {
            let short = format!("{}: {names}", help(&arg));
            let long = with_lines(&arg, &[format!("Fields: {names} [default: all, in this order].")]);
            arg.help(short).long_help(long).add(complete::fields(schema))
        })
}

/// `--filter` with the filterable fields, operators and examples of `schema`, and its completer.
fn filter_help(arg: Arg, schema: &'static Schema) -> Arg {
    let examples = schema.filter_examples;
    let (text, numbers): (Vec<&str>, Vec<&str>) =
        schema.filterable().partition(|name| schema.field(name).is_some_and(|f| f.kind == Kind::Text));
    let mut kinds = Vec::new();
    if !numbers.is_empty() {
        kinds.push(format!("{} (whole numbers)", numbers.join(", ")));
    }
    if !text.is_empty() {
        kinds.push(format!("{} (text: < > <= >= compare text, so \"10\" < \"9\")", text.join(", ")));
    }
    let short = format!("{}; fields: {}; e.g. {}", help(&arg), join(schema.filterable()), examples[0]);
    let long = with_lines(
        &arg,
        &[
            format!("Fields: {}.", kinds.join("; ")),
            format!("Operators: {OPERATOR_LIST}."),
            format!("Examples: {}", examples.join(", ")),
        ],
    );
    arg.help(short).long_help(long).add(complete::filter_fields(schema))
}

/// What `show` prints in each format, and how it finds the funnel.
fn show_fields() -> String {
    let funnel = join(FUNNELS.names());
    let stage_rows = join(FUNNELS.names().filter(|n| *n != STAGES_FIELD).chain(STAGE_COLUMNS));
    let (name, ext_id) = (FUNNEL_NAME, FUNNELS.key);
    format!(
        "Fields: a table shows a title line with {name} and {ext_id}, then the stages (order, {STAGE_EXT_ID}, \
         name, status) by {STAGE_ORDER}; -o json prints the funnel object ({funnel}); csv, tsv and ndjson print \
         one record per stage ({stage_rows}).\n\nEXT_ID is matched exactly ({ext_id} = EXT_ID); show takes no \
         filters or sort keys. No such funnel: exit 10."
    )
}

/// An argument's one-line help as derive wrote it.
fn help(arg: &Arg) -> String {
    arg.get_help().map(ToString::to_string).unwrap_or_default()
}

/// An argument's long help with `lines` after its first paragraph, the rest of it after them.
fn with_lines(arg: &Arg, lines: &[String]) -> String {
    let long = arg.get_long_help().or(arg.get_help()).map(ToString::to_string).unwrap_or_default();
    let (head, rest) = long.split_once("\n\n").unwrap_or((&long, ""));
    let mut text = format!("{head}\n\n{}", lines.join("\n"));
    if !rest.is_empty() {
        text.push_str("\n\n");
        text.push_str(rest);
    }
    text
}

fn join<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn order_name(order: Order) -> &'static str {
    match order {
        Order::Asc => "asc",
        Order::Desc => "desc",
    }
}

/// A parser error as `funnels` reports it (SPEC §8): the message with everything clap attached to
/// it (the missing argument's name, the valid values), then clap's `tip:` lines (a similar name),
/// then a pointer to the `--help` of the command the line was for. clap's usage line and its
/// "For more information" line give way to that pointer.
pub fn usage_error(err: &clap::Error, args: &[OsString]) -> (String, Vec<String>) {
    let text = err.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("bad command line");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).trim_end().to_owned();
    let mut extra = Vec::new();
    let mut in_message = true;
    for line in lines.map(str::trim) {
        if line.is_empty() || line.starts_with("Usage:") || line.starts_with("For more information") {
            in_message = false;
        } else if in_message {
            message.push(' ');
            message.push_str(line);
        } else {
            extra.push(line.to_owned());
        }
    }
    // clap's own "did you mean" misses a swapped pair (`cvs`); funnels' catches it, as for fields.
    if let (None, Some(ContextValue::String(bad)), Some(ContextValue::Strings(valid))) =
        (err.get(ContextKind::SuggestedValue), err.get(ContextKind::InvalidValue), err.get(ContextKind::ValidValue))
    {
        if let Some(near) = did_you_mean(bad, valid.iter().map(String::as_str)) {
            extra.insert(0, format!("tip: a similar value exists: '{near}'"));
        }
    }
    extra.push(format!("hint: see {} --help", help_target(err, args)));
    (message, extra)
}

/// `funnels SUBCOMMAND` when the line names a subcommand whose help shows the offending option,
/// else `funnels`.
fn help_target(err: &clap::Error, args: &[OsString]) -> String {
    let cmd = command();
    let Some(sub) = subcommand_in(&cmd, args) else { return "funnels".to_owned() };
    let offending = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(shown)) => shown.split([' ', '=']).next().map(str::to_owned),
        _ => None,
    };
    let hidden = offending.is_some_and(|flag| {
        sub.get_arguments().any(|a| {
            a.is_hide_set()
                && (flag.strip_prefix("--").is_some_and(|long| a.get_long() == Some(long))
                    || flag.strip_prefix('-').and_then(|s| s.chars().next()).is_some_and(|c| a.get_short() == Some(c)))
        })
    });
    if hidden { "funnels".to_owned() } else { format!("funnels {}", sub.get_name()) }
}

/// The subcommand `args` (argv, program name first) names, read as clap reads it: options that
/// take a value (`--profile list`, `-o json`, `-ojson`) do not name one.
fn subcommand_in<'c>(cmd: &'c clap::Command, args: &[OsString]) -> Option<&'c clap::Command> {
    let takes_value = |arg: &Arg| arg.get_action().takes_values();
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            return None;
        } else if let Some(long) = word.strip_prefix("--") {
            if !long.contains('=') && cmd.get_arguments().any(|a| a.get_long() == Some(long) && takes_value(a)) {
                words.next();
            }
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (at, c) in shorts.char_indices() {
                match cmd.get_arguments().find(|a| a.get_short() == Some(c)) {
                    Some(arg) if takes_value(arg) => {
                        if at + c.len_utf8() == shorts.len() {
                            words.next();
                        }
                        break;
                    }
                    Some(_) => {}
                    None => break,
                }
            }
        } else {
            return cmd.find_subcommand(&*word);
        }
    }
    None
}

/// The completion script for `shell`: clap_complete's registration of the dynamic engine, calling
/// back `funnels` on PATH (so the committed file names no build-specific path).
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    // Every shell of `SHELLS` has one (`tests/generated.rs`), and writing to a Vec cannot fail.
    if let Some(env) = Shells::builtins().completer(&shell.to_string()) {
        let _ = env.write_registration(complete::VAR, "funnels", "funnels", "funnels", &mut out);
    }
    if shell == Shell::Bash {
        // Sort keys hold a `:`, where bash splits words: complete the whole word instead.
        let clap = String::from_utf8_lossy(&out)
            .replace("-F _clap_complete_funnels funnels", "-F _funnels_whole_word funnels");
        out = format!("{BASH_WHOLE_WORD}{clap}").into_bytes();
    }
    if shell == Shell::Zsh {
        // clap_complete's script is made to be sourced. Installed as `_funnels` on $fpath, its body
        // runs as the completion function on the first TAB and would only register the completer
        // for the next one: then complete at once too (inert when sourced).
        out.extend_from_slice(ZSH_AUTOLOAD_BRIDGE.as_bytes());
    }
    out
}

/// bash splits the word under the cursor at `:` (COMP_WORDBREAKS), so `--sort name:d` reaches a
/// completion function as `name`, `:`, `d`. This joins the pieces back (those the line shows
/// without a blank between them), asks clap_complete's function for the whole word, and hands
/// bash back only what follows the last `:`, the part bash replaces.
const BASH_WHOLE_WORD: &str = r#"
_funnels_whole_word() {
    local line="${COMP_LINE:0:COMP_POINT}"
    local whole="${line##*[[:blank:]]}"
    local joined="${COMP_WORDS[COMP_CWORD]}" first=$COMP_CWORD
    while [[ "$joined" != "$whole" && $first -gt 1 && ${#joined} -lt ${#whole} ]]; do
        first=$((first - 1))
        joined="${COMP_WORDS[first]}$joined"
    done
    if [[ "$whole" != *:* || "$joined" != "$whole" || $first -eq $COMP_CWORD ]]; then
        _clap_complete_funnels "$@"
        return
    fi
    local COMP_WORDS=("${COMP_WORDS[@]:0:first}" "$whole") COMP_CWORD=$first
    _clap_complete_funnels "$1" "$whole" "${COMP_WORDS[first - 1]}"
    local i colon="${whole%"${whole##*:}"}"
    for i in "${!COMPREPLY[@]}"; do
        COMPREPLY[i]="${COMPREPLY[i]#"$colon"}"
    done
}
"#;

const ZSH_AUTOLOAD_BRIDGE: &str = r#"if [[ "${funcstack[1]}" == "_funnels" ]]; then
    _clap_dynamic_completer_funnels "$@"
fi
"#;

/// Every man page as (file name, roff): `funnels.1` and one `funnels-COMMAND.1` per command.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let cmd = present(Cli::command().disable_help_subcommand(true));
    let mut pages = vec![("funnels.1".to_owned(), main_page(&cmd)?)];
    for sub in cmd.get_subcommands() {
        let name = format!("funnels-{}", sub.get_name());
        let page = sub.clone().name(name.clone()).bin_name(format!("funnels {}", sub.get_name()));
        let mut out = Vec::new();
        clap_mangen::Man::new(page).render(&mut out)?;
        pages.push((format!("{name}.1"), out));
    }
    Ok(pages)
}

/// `funnels.1`: clap's sections plus the ones only the project knows.
fn main_page(cmd: &clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    out.extend_from_slice(EXTRA_SECTIONS.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// EXIT STATUS (SPEC §8), ENVIRONMENT (§2), FILES (§4, §9) and EXAMPLES, in roff.
const EXTRA_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success, including an empty result and a reader that closed the pipe
.TP
\fB1\fR
internal error, or the output could not be written
.TP
\fB2\fR
usage: bad option, value, filter, sort, field or endpoint, found before any request
.TP
\fB3\fR
local configuration or credentials: no token, unreadable token file, bad config file, no session
.TP
\fB4\fR
authentication rejected: key invalid, expired or blocked; wrong login or password; session expired
.TP
\fB5\fR
access denied: IP not whitelisted, forbidden, component disabled, account inactive
.TP
\fB6\fR
API points exhausted (limit_exceeded)
.TP
\fB7\fR
network or server failure after retries: DNS, connect, TLS, timeout, HTTP 5xx, redirect, malformed or oversized response, internal_error, pagination that does not advance
.TP
\fB8\fR
request rejected by the API (invalid parameters and every other JSON\-RPC error)
.TP
\fB9\fR
output written but known to be incomplete (offset ceiling; users skipped by \-\-keep\-going)
.TP
\fB10\fR
not found (show with an unknown ext_id)
.TP
\fB11\fR
diff \-\-exit\-code: the snapshots differ
.TP
\fB129\fR, \fB130\fR, \fB143\fR
hung up, interrupted, terminated (SIGHUP, SIGINT, SIGTERM); the temporary \-\-out file is removed and terminal echo restored first
.SH ENVIRONMENT
.TP
\fBFUNNELS_TOKEN\fR
the access token itself (there is deliberately no flag for it)
.TP
\fBFUNNELS_TOKEN_FILE\fR
file holding the access token; below FUNNELS_TOKEN and \-\-token\-file
.TP
\fBFUNNELS_PROFILE\fR, \fBFUNNELS_CONFIG\fR, \fBFUNNELS_PLATFORM\fR, \fBFUNNELS_ENDPOINT\fR, \fBFUNNELS_USER_ID\fR, \fBFUNNELS_OUTPUT\fR, \fBFUNNELS_TIMEOUT\fR, \fBFUNNELS_RETRIES\fR
defaults for \-\-profile, \-\-config, \-\-platform, \-\-endpoint, \-\-user\-id, \-\-output, \-\-timeout and \-\-retries; a flag beats its variable, which beats the config profile
.TP
\fBFUNNELS_COMPLETE\fR
set to a shell name by the completion scripts: print completions for the words after \-\- instead of running
.TP
\fBNO_COLOR\fR, \fBCLICOLOR_FORCE\fR
with \-\-color auto: no colour when NO_COLOR is set; colour even off a terminal when CLICOLOR_FORCE is set
.TP
\fBHTTPS_PROXY\fR, \fBHTTP_PROXY\fR, \fBALL_PROXY\fR, \fBNO_PROXY\fR
proxies as curl reads them (lower\-case names too)
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_STATE_HOME\fR
where the config file and the stored sessions live
.SH FILES
.TP
\fI$XDG_CONFIG_HOME/funnels/config.toml\fR (else \fI~/.config/funnels/config.toml\fR)
the config file: default_profile and [profiles.NAME] tables with platform, endpoint, user_id, token, token_file, output, page_size, timeout, retries, max_wait
.TP
\fI$XDG_STATE_HOME/funnels/PROFILE.json\fR (else \fI~/.local/state/funnels/PROFILE.json\fR)
the session stored by funnels login (mode 0600, folder 0700)
.SH EXAMPLES
.TP
List the funnels of client user 12 of an agent account, by name:
\fBfunnels list \-\-user\-id 12 \-\-sort name:asc\fR
.TP
Every funnel name, through jq:
\fBfunnels list \-\-all \-o json | jq \-r '.[].name'\fR
.TP
A nightly CSV export from cron, replacing the file only when the run succeeded:
\fB0 3 * * * funnels list \-\-all \-q \-o csv \-\-out /srv/exports/funnels.csv\fR
.TP
Funnels whose name contains "sales", in any case:
\fBfunnels list \-\-filter 'name ilike %sales%' \-\-all\fR
.TP
From cron, report each change to the funnels once (exit 11 when there are some) and keep the snapshot current:
\fBfunnels diff \-q \-\-update \-\-exit\-code funnels.json\fR
.TP
Check the key, the IP whitelist and the points left:
\fBfunnels check\fR
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn the_presented_command_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn every_global_option_and_command_has_its_place_in_the_table() {
        let cmd = command();
        for arg in cmd.get_arguments().filter(|a| a.is_global_set()) {
            let id = arg.get_id().as_str();
            assert!(APPLIES.iter().any(|(name, _)| *name == id), "say where --{id} applies in APPLIES");
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = sub.get_name();
            assert!(
                APPLIES.iter().any(|(_, commands)| commands.contains(&name)),
                "no global option applies to {name}?"
            );
        }
    }

    #[test]
    fn the_subcommand_is_found_past_options_and_their_values() {
        let cmd = command();
        let found = |line: &str| subcommand_in(&cmd, &args(line)).map(|s| s.get_name().to_owned());
        assert_eq!(found("funnels show"), Some("show".to_owned()));
        assert_eq!(found("funnels --profile list show 1"), Some("show".to_owned()));
        assert_eq!(found("funnels -o json users"), Some("users".to_owned()));
        assert_eq!(found("funnels -vqo json check"), Some("check".to_owned()));
        assert_eq!(found("funnels -ojson check"), Some("check".to_owned()));
        assert_eq!(found("funnels --out=x man"), Some("man".to_owned()));
        assert_eq!(found("funnels -v lst"), None);
        assert_eq!(found("funnels -- list"), None);
        assert_eq!(found("funnels"), None);
    }

    #[test]
    fn a_usage_error_is_one_message_then_tips_then_the_pointer() {
        let line = args("funnels list --output cvs");
        let err = command().try_get_matches_from(&line).unwrap_err();
        let (message, lines) = usage_error(&err, &line);
        assert_eq!(
            message,
            "invalid value 'cvs' for '--output <FORMAT>' [possible values: table, json, ndjson, csv, tsv]"
        );
        assert_eq!(lines, ["tip: a similar value exists: 'csv'", "hint: see funnels list --help"]);
    }
}
