//! Commands: thin compositions of config → query → pager ⇄ rpc → output.
//!
//! Each command module takes the settled [`Settings`] and its own arguments and returns the exit
//! code of a run that went as planned (0, or 9 for known-incomplete output reported as an error).

mod check;
mod list;
mod listing;
mod session;
mod show;
mod users;

use std::io::Write;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::config::{self, Settings};
use crate::credentials::{self, Token};
use crate::docs;
use crate::exit::{self, Exit, Failure};
use crate::redact;
use crate::rpc::Client;

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Completions(args) => return print_bytes(&docs::completion(args.shell)),
        Command::Man(args) => {
            let pages = docs::man_pages().context("could not render the man page")?;
            let name = args.command.as_ref().map_or_else(|| "funnels.1".to_owned(), |c| format!("funnels-{c}.1"));
            let page = pages.iter().find(|(file, _)| *file == name).context("no such man page")?;
            return print_bytes(&page.1);
        }
        _ => {}
    }
    let settings = config::settle(&cli.global)?;
    let result = match &cli.command {
        Command::List(args) => list::run(&settings, args),
        Command::Show(args) => show::run(&settings, args),
        Command::Check => check::run(&settings),
        Command::Users(args) => users::run(&settings, args),
        Command::Login(args) => session::login(&settings, args),
        Command::Logout => session::logout(&settings),
        Command::Completions(_) | Command::Man(_) => unreachable!("handled above"),
    };
    result.map_err(|err| {
        if credentials::session_in_use() && exit::classify(&err).exit == Exit::Auth {
            err.context(Failure::new(Exit::Auth, "the stored session has ended").hint("run funnels login"))
        } else {
            err
        }
    })
}

/// A notice or warning on stderr, unless `-q`; server text in it is made safe.
pub(crate) fn notice(settings: &Settings, text: &str) {
    if !settings.quiet {
        let _ = writeln!(std::io::stderr(), "funnels: {}", redact::for_terminal(text));
    }
}

/// Resolves the token (stdin only when asked for) and opens the client.
pub(crate) fn connect(settings: &Settings) -> anyhow::Result<(Client, Token)> {
    let token = credentials::resolve(&settings.token, settings.quiet)?;
    let client = Client::new(settings.client.clone(), Some(token.value.clone()))?;
    Ok((client, token))
}

/// `--count`: the number alone on a line (valid JSON and NDJSON too), to stdout or `--out`.
pub(crate) fn print_count(settings: &Settings, n: u64) -> anyhow::Result<Exit> {
    let mut dest = crate::output::destination::Destination::open(settings.out.as_deref())?;
    writeln!(dest, "{n}").context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}

/// One line to standard output (dry-run bodies).
pub(crate) fn print_line(text: &str) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).context("could not write to standard output")?;
    Ok(Exit::Success)
}

/// Generated text (completions, man page) to standard output.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).context("could not write to standard output")?;
    Ok(Exit::Success)
}
