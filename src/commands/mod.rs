//! Commands: thin compositions of config → query → pager ⇄ rpc → output.

use crate::cli::Cli;
use crate::exit::Exit;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let _ = cli;
    todo!()
}
