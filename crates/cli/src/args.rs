//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// shiftgate: a pre-publish compliance gate for contact-center WFM schedules.
///
/// Reads a week's draft schedule with its time-off requests and approved shift trades, applies the trades,
/// checks every agent's week with Rhai rule packs, and explains each violation down to its root cause.
#[derive(Debug, Parser)]
#[command(name = "shiftgate", version, max_term_width = 110)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check schedule snapshots: the pre-publish gate.
    ///
    /// Exit codes: 0 nothing at or above --fail-on; 1 blocking findings; 2 usage, input, config or rule-compile
    /// error; 3 a rule failed at run time (the gate fails closed).
    Check(CheckArgs),
    /// Work with rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the JSON Schema of the snapshot format (shiftgate.snapshot/1).
    Schema,
    /// Write a realistic synthetic snapshot (for benchmarks and demos).
    Gen(GenArgs),
}

/// Where rules come from and how they are configured.
#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
    /// Configuration file (packs, per-rule severity, enabled, parameters).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Rules folder with one sub-folder per pack (default: the packs built into shiftgate).
    #[arg(long, value_name = "DIR")]
    pub(crate) rules: Option<PathBuf>,
    /// Rule pack to run (repeatable; overrides the config's `packs`; default: core).
    #[arg(long = "pack", value_name = "NAME")]
    pub(crate) packs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Grouped by agent, for people.
    Human,
    /// shiftgate.report/1 JSON (an array when several snapshots are checked).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML (one test case per rule per snapshot) for GitLab, Jenkins and other CI test reports.
    Junit,
    /// GitHub Actions workflow commands (`::error file=...`): annotations on the snapshot file.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Fail on errors (default).
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Never fail because of findings.
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Snapshot files (shiftgate.snapshot/1 JSON); `-` reads standard input.
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub(crate) snapshots: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Evaluate at this instant (RFC 3339); default: the snapshot's asOf, else now.
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
    /// Worker threads for checking (default: one per core).
    #[arg(long, short, value_name = "N")]
    pub(crate) jobs: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List rules: id, pack, severity, title.
    List(RulesListArgs),
    /// Show a rule's documentation and effective parameters.
    Explain(RulesExplainArgs),
    /// Run every rule's fixtures: pass_*.json must give no finding of the rule, fail_*.json at least one.
    ///
    /// Fixtures live in <FIXTURES>/<rule-id>/. Every rule needs at least one pass_ and one fail_ case. Exit codes:
    /// 0 all passed; 1 a case failed, a rule has no cases, or a fixture folder names no rule; 2 rules, config or
    /// fixtures folder unusable.
    Test(RulesTestArgs),
    /// Scaffold a new rule: rules/<pack>/<name>.rhai with its doc template, and pass/fail example fixtures.
    New(RulesNewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RulesListArgs {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// List the rules of every pack, not only the selected ones.
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RulesExplainArgs {
    /// Rule id, e.g. core.rest.min-between-shifts.
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
}

#[derive(Debug, Args)]
pub(crate) struct GenArgs {
    /// Number of agents.
    #[arg(long, default_value_t = 200)]
    pub(crate) agents: usize,
    /// Random seed (the same seed gives the same snapshot).
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Weeks of published history before the schedule week.
    #[arg(long, default_value_t = 1)]
    pub(crate) weeks: u32,
    /// Generate a clean schedule without injected problems.
    #[arg(long)]
    pub(crate) clean: bool,
    /// Write to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    /// PASS/FAIL per case and a summary line, for people.
    Human,
    /// JUnit XML: one test suite per pack, one test case per fixture (classname = rule id).
    Junit,
}

#[derive(Debug, Args)]
pub(crate) struct RulesTestArgs {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Fixtures folder with one sub-folder per rule id (default: fixtures/rules beside the --rules folder, else
    /// ./fixtures/rules).
    #[arg(long, value_name = "DIR")]
    pub(crate) fixtures: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub(crate) format: TestFormat,
    /// Only cases whose `<rule-id>/<file>` contains this text.
    #[arg(long, value_name = "SUBSTR")]
    pub(crate) filter: Option<String>,
    /// Show only failures and the summary.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RulesNewArgs {
    /// Rule id, e.g. core.shift.max-hours (the first segment picks the pack: core, flsa, il, chi, ca, eu, ...).
    pub(crate) id: String,
    /// Rules folder to write into.
    #[arg(long, value_name = "DIR", default_value = "rules")]
    pub(crate) rules: PathBuf,
    /// Fixtures folder (default: fixtures/rules beside the rules folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) fixtures: Option<PathBuf>,
}
