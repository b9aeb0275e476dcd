//! The whole pipeline at a glance: parse the command line, run it, report the outcome as an exit code.
//!
//! Everything below `funnels::run` writes through passed-in writers; this file alone decides what
//! reaches stderr for an error and which code the process ends with.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use funnels::cli::Cli;
use funnels::exit::classify;
use funnels::redact;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match funnels::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            let verdict = classify(&err);
            if verdict.broken_pipe {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "funnels: error: {}", redact::for_terminal(&format!("{err:#}")));
            if let Some(hint) = verdict.hint {
                let _ = writeln!(stderr, "hint: {}", redact::for_terminal(&hint));
            }
            ExitCode::from(verdict.exit.code())
        }
    }
}
