//! One module per subcommand.

mod check;
mod demo;
mod explain_conflict;
mod gen;
mod import_cxone;
mod publish;
mod pull;
mod rules;
pub(crate) mod rules_new;
mod rules_test;
mod schema;
mod sim;
mod waivers;

use crate::args::{Cli, Command, ImportCommand, RulesCommand, WaiversCommand};
use crate::exit::Failure;

/// Runs a parsed command line and returns its exit code.
pub(crate) fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(RulesCommand::List(args)) => rules::list(&args),
        Command::Rules(RulesCommand::Explain(args)) => rules::explain(&args),
        Command::Rules(RulesCommand::Test(args)) => rules_test::run(&args),
        Command::Rules(RulesCommand::New(args)) => rules_new::run(&args),
        Command::Waivers(WaiversCommand::List(args)) => waivers::list(&args),
        Command::Schema => schema::run(),
        Command::Gen(args) => gen::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Pull(args) => pull::run(&args),
        Command::Import(ImportCommand::Cxone(args)) => import_cxone::run(&args),
        Command::ExplainConflict(args) => explain_conflict::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Sim(args) => sim::run(&args),
    }
}
