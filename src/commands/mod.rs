//! Commands: thin compositions of config → query → pager ⇄ rpc → output.
//!
//! Each command module takes the settled [`Settings`] and its own arguments and returns the exit
//! code of a run that went as planned (0, or 9 for known-incomplete output reported as an error).

mod all_users;
mod check;
mod diff;
mod list;
mod listing;
mod profiles;
mod session;
mod show;
mod users;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{self, Settings};
use crate::credentials::{self, Token};
use crate::docs;
use crate::exit::{self, Exit, Failure};
use crate::output::destination::{self, Destination};
use crate::redact;
use crate::rpc::{Client, RpcError};

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Completions(args) => {
            let out = check_out_unsettled(&cli.global)?;
            return print_bytes(out, &docs::completion(args.shell));
        }
        Command::Man(args) => {
            let out = check_out_unsettled(&cli.global)?;
            let pages = docs::man_pages().context("could not render the man page")?;
            let name = args.command.as_ref().map_or_else(|| "funnels.1".to_owned(), |c| format!("funnels-{c}.1"));
            let page = pages.iter().find(|(file, _)| *file == name).context("no such man page")?;
            return print_bytes(out, &page.1);
        }
        // It must work when no token and no valid profile choice exist (SPEC §9): no `settle`.
        Command::Profiles => return profiles::run(&cli.global),
        _ => {}
    }
    let settings = config::settle(&cli.global)?;
    if !matches!(cli.command, Command::Login(_) | Command::Logout) {
        // Before any request: `--out DIR` must not fail after the whole download.
        destination::preflight(settings.out.as_deref(), &protected_files(&settings))?;
    }
    let result = match &cli.command {
        Command::List(args) => list::run(&settings, args),
        Command::Show(args) => show::run(&settings, args),
        Command::Check => check::run(&settings),
        Command::Diff(args) => diff::run(&settings, args),
        Command::Users(args) => users::run(&settings, args),
        Command::Login(args) => session::login(&settings, args),
        Command::Logout => session::logout(&settings),
        Command::Completions(_) | Command::Man(_) | Command::Profiles => unreachable!("handled above"),
    };
    result.map_err(|err| {
        if is_not_found(&err) {
            // Nothing answers at that path: the endpoint is most likely mistyped (SPEC §8). Raised
            // here, where the endpoint is known, as a `Failure` whose class and hint `classify` keeps.
            let shown = redact::hide(&settings.endpoint);
            err.context(
                Failure::new(Exit::Network, format!("no Data API at {shown}"))
                    .hint(exit::endpoint_hint(&settings.endpoint)),
            )
        } else {
            err
        }
    })
}

/// An HTTP 404 that is not a JSON-RPC answer.
fn is_not_found(err: &anyhow::Error) -> bool {
    matches!(exit::rpc_error(err), Some(RpcError::Http { status: 404, .. }))
}

/// A notice or warning on stderr, unless `-q`; server text in it is made safe.
pub(crate) fn notice(settings: &Settings, text: &str) {
    if !settings.quiet {
        let _ = writeln!(std::io::stderr(), "funnels: {}", redact::for_terminal(text));
    }
}

/// Resolves the token (stdin only when asked for) and opens the client. A command attaches the
/// token's source to its errors (`Scope::session_key`) so that a refused session key is explained.
pub(crate) fn connect(settings: &Settings) -> anyhow::Result<(Client, Token)> {
    let token = credentials::resolve(&settings.token, settings.quiet).map_err(|err| unchosen_profile(settings, err))?;
    let client = Client::new(settings.client_options()?, Some(token.value.clone()));
    Ok((client, token))
}

/// No token was found, and the config file has profiles but none is in force (no
/// `default_profile`, no `--profile`, no `FUNNELS_PROFILE`): most likely the user meant one of them,
/// so the error says so and lists them (SPEC §9). Any other credentials error is left as it is.
fn unchosen_profile(settings: &Settings, err: anyhow::Error) -> anyhow::Error {
    let inputs = &settings.token;
    let named_a_source = inputs.stdin
        || inputs.file_flag.is_some()
        || inputs.env_token.is_some()
        || inputs.env_file.is_some()
        || inputs.profile_token.is_some()
        || inputs.profile_file.is_some()
        || inputs.session_path().is_some_and(|path| path.exists());
    if settings.unchosen_profiles.is_empty() || named_a_source {
        return err;
    }
    let place = settings.config_path.as_ref().map_or_else(String::new, |p| format!(" {}", p.display()));
    let names: Vec<String> = settings.unchosen_profiles.iter().map(|name| format!("`{name}`")).collect();
    Failure::new(
        Exit::Config,
        format!(
            "no access token, and no profile chosen: the config file{place} has profiles {} but no default_profile",
            names.join(", ")
        ),
    )
    .hint("pick one with --profile NAME or FUNNELS_PROFILE, or set default_profile in the config file")
    .into()
}

/// The local files a run reads its secrets and settings from, which `--out` must never overwrite.
fn protected_files(settings: &Settings) -> Vec<(&'static str, PathBuf)> {
    let token = &settings.token;
    let token_files = [&token.file_flag, &token.env_file, &token.profile_file].into_iter().flatten();
    token_files
        .map(|path| ("token file", path.clone()))
        .chain(settings.config_path.iter().map(|path| ("config file", path.clone())))
        .chain(token.session_path().map(|path| ("session file", path)))
        .collect()
}

/// `completions` and `man` read no config file (they must work when it is broken): their `--out`
/// is checked against the files named on the command line.
fn check_out_unsettled(global: &GlobalArgs) -> anyhow::Result<Option<&Path>> {
    let named = [("config file", &global.config), ("token file", &global.token_file)];
    let protected: Vec<(&str, PathBuf)> =
        named.into_iter().filter_map(|(what, path)| path.clone().map(|path| (what, path))).collect();
    destination::preflight(global.out.as_deref(), &protected)?;
    Ok(global.out.as_deref())
}

/// `--count`: the number alone on a line (valid JSON and NDJSON too), to stdout or `--out`.
pub(crate) fn print_count(settings: &Settings, n: u64) -> anyhow::Result<Exit> {
    let mut dest = Destination::open(settings.out.as_deref())?;
    writeln!(dest, "{n}").context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}

/// A `--dry-run` request body (JSON text) and a newline to standard output, escaped like every JSON
/// output: no raw DEL or C1, and on a terminal no raw disguising character.
pub(crate) fn print_json_text(settings: &Settings, text: &str) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    crate::output::sanitize::write_json_text(&mut out, text, settings.stdout_tty)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .context("could not write to standard output")?;
    Ok(Exit::Success)
}

/// Generated text (completions, man page) to standard output or `--out`.
fn print_bytes(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<Exit> {
    let mut dest = Destination::open(out)?;
    dest.write_all(bytes).context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}
