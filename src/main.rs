//! The whole pipeline at a glance: parse the command line, run it, report the outcome as an exit code.
//!
//! Everything below `funnels::run` writes through passed-in writers; this file alone decides what
//! reaches stderr for an error and which code the process ends with.

use std::io::Write;
use std::process::ExitCode;

use clap::FromArgMatches;
use clap::error::ErrorKind;
use clap_complete::CompleteEnv;
use funnels::cli::Cli;
use funnels::exit::{Exit, classify};
use funnels::{complete, docs, redact};

fn main() -> ExitCode {
    // A shell asking for completions (FUNNELS_COMPLETE=bash) gets them and nothing else.
    CompleteEnv::with_factory(docs::command).var(complete::VAR).complete();
    // Then: SIGINT, SIGTERM and SIGHUP leave no temporary `--out` file behind and end with
    // 130, 143 or 129.
    let _ = funnels::signals::install(after_signal);
    let args: Vec<_> = std::env::args_os().collect();
    let cli = match docs::command().try_get_matches_from(&args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            err.exit()
        }
        Err(err) => {
            let (message, lines) = docs::usage_error(&err, &args);
            return report(&message, &lines, Exit::Usage);
        }
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
            let hint = verdict.hint.as_ref().map(|hint| format!("hint: {hint}"));
            report(&verdict.message(&err), hint.as_slice(), verdict.exit)
        }
    }
}

/// What a signal undoes before the process exits: the temporary `--out` file, the progress line.
fn after_signal() {
    funnels::output::destination::abandon();
    funnels::progress::erase_after_signal();
}

/// `funnels: error: …` and the lines that follow it (`hint: …`), made safe for a terminal.
fn report(message: &str, lines: &[String], exit: Exit) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "funnels: error: {}", redact::for_terminal(message));
    for line in lines {
        let _ = writeln!(stderr, "{}", redact::for_terminal(line));
    }
    ExitCode::from(exit.code())
}
