//! One module per subcommand.

mod check;
// mod gen; (re-enabled when shiftgate-gen lands)
mod rules;
mod schema;

use crate::args::{Cli, Command, RulesCommand};
use crate::exit::Failure;

/// Runs a parsed command line and returns its exit code.
pub(crate) fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(RulesCommand::List(args)) => rules::list(&args),
        Command::Rules(RulesCommand::Explain(args)) => rules::explain(&args),
        Command::Schema => schema::run(),
        Command::Gen(_args) => Err(anyhow::anyhow!("gen: not available yet"))
            .map_err(|e| crate::exit::Failure { code: crate::exit::INPUT, error: e }),
    }
}
