//! Completion scripts and man pages, generated from the clap definition (SPEC §1, §10).
//!
//! `funnels completions SHELL` and `funnels man` print these; the copies committed under
//! `completions/` and `man/` are checked against them by `tests/generated.rs`, so the three can
//! never drift. The sections clap cannot know (exit status, environment, files, examples) are
//! written here in roff.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// Every shell `completions` supports, with the file name its script is committed under.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "funnels.bash"),
    (Shell::Zsh, "_funnels"),
    (Shell::Fish, "funnels.fish"),
    (Shell::PowerShell, "_funnels.ps1"),
    (Shell::Elvish, "funnels.elv"),
];

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "funnels", &mut out);
    out
}

/// Every man page as (file name, roff): `funnels.1` and one `funnels-COMMAND.1` per command.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
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
Check the key, the IP whitelist and the points left:
\fBfunnels check\fR
"#;
