//! The whole pipeline at a glance: parse the command line, run it, report the outcome as an exit code.
//!
//! Everything below `funnels::run` writes through passed-in writers; this file alone decides what
//! reaches stderr for an error and which code the process ends with.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use funnels::cli::Cli;
use funnels::exit::{Exit, classify};
use funnels::redact;

fn main() -> ExitCode {
    // First of all: SIGINT, SIGTERM and SIGHUP leave no temporary `--out` file behind and end with
    // 130, 143 or 129.
    let _ = funnels::signals::install(after_signal);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            err.exit()
        }
        Err(err) => return report(&usage_line(&err), None, Exit::Usage),
    };
    let outcome = funnels::run(&cli);
    // A run cut short by a signal ends with the signal's code, not with what the run made of it.
    funnels::signals::yield_to_signal();
    match outcome {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            let verdict = classify(&err);
            if verdict.broken_pipe {
                return ExitCode::SUCCESS;
            }
            report(&format!("{err:#}"), verdict.hint.as_deref(), verdict.exit)
        }
    }
}

/// What a signal undoes before the process exits: the temporary `--out` file, the progress line.
fn after_signal() {
    funnels::output::destination::abandon();
    funnels::progress::erase_after_signal();
}

/// `funnels: error: …` and an optional `hint: …`, made safe for a terminal.
fn report(message: &str, hint: Option<&str>, exit: Exit) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "funnels: error: {}", redact::for_terminal(message));
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {}", redact::for_terminal(hint));
    }
    ExitCode::from(exit.code())
}

/// clap's multi-line usage error as one line (its tip, if any, becomes the hint line).
fn usage_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match lines.find_map(|l| l.strip_prefix("tip: ")) {
        Some(tip) => format!("{first} ({tip})"),
        None => format!("{first} (see funnels --help)"),
    }
}
