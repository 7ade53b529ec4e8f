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
    /// Review the configuration's waivers: status, days left, and use in a run.
    #[command(subcommand)]
    Waivers(WaiversCommand),
    /// Print the JSON Schema of the snapshot format (shiftgate.snapshot/1).
    Schema,
    /// Write a realistic synthetic snapshot (for benchmarks and demos).
    Gen(GenArgs),
    /// Publish a week's schedule through the gate: fetch, apply trades, check, and write only if nothing blocks.
    ///
    /// Reads the live schedule from the platform, applies its approved trades, checks every agent with the rule
    /// packs, and submits with the versions it read. A stale version is retried after a re-read (bounded); a data
    /// conflict stops and is explained; nothing is ever resent blindly. After an unclear answer (a lost socket, a
    /// timeout, a 5xx, a refusal without a reason) it re-reads until the platform settles (--settle-window) before
    /// deciding. Running it again when the live schedule already is what it would write writes nothing ("already
    /// published"). The outcome states what the platform holds and what became of every write; every step is
    /// appended to the audit log.
    ///
    /// Credentials come only from the environment: SHIFTGATE_CLIENT_ID and SHIFTGATE_CLIENT_SECRET (OAuth client
    /// credentials; for --platform rest the token is asked of the --api server's own /oauth/token), or for
    /// --platform rest a bearer token in SHIFTGATE_TOKEN instead. Tokens go only to the host they came from; no
    /// credential is ever printed, logged or written to the audit.
    ///
    /// Exit codes: 0 our payload is live (published now or already) or a dry run with nothing blocking; 1 blocked by findings, or the platform refused
    /// the data (a data conflict, explained); 2 usage, configuration or credentials error, or the platform rejected
    /// the request (401/403/404/400); 3 a rule failed at run time (nothing written: the gate fails closed); 4 gave
    /// up (run deadline, write cap, too many version conflicts or transient failures, rate limit): try again later.
    Publish(PublishArgs),
    /// Read the live week from the platform and write it as a snapshot (shiftgate.snapshot/1).
    ///
    /// Reads what `publish` reads, with the same flags and credentials (SHIFTGATE_CLIENT_ID and
    /// SHIFTGATE_CLIENT_SECRET, or for --platform rest a SHIFTGATE_TOKEN instead): the business
    /// unit, activity codes, the schedule with its agents' shifts and full-day time off, the PENDING and APPROVED
    /// time-off requests around the week, and the week's shift trades. The file can then be checked with any
    /// pack (`shiftgate check FILE`) or used by `explain-conflict --snapshot`. Nothing is written to the platform.
    ///
    /// From Genesys Cloud the snapshot has no `history` (published weeks before this one are not read), so rules
    /// that look back report that they could not see the previous week; agents carry ids and management units but
    /// no names, tags or skills. A REST server returns whatever its snapshot holds.
    ///
    /// Exit codes: 0 written; 2 usage, configuration or credentials error, the platform refused the read (the
    /// error names the request and quotes the platform), or the week read is not a valid snapshot (the file is
    /// still written, so `check` can show every problem); 4 the platform could not be read now (timeouts, 5xx,
    /// 429, a schedule that kept changing while it was read): try again later.
    Pull(PullArgs),
    /// Convert another platform's schedule exports into a snapshot (shiftgate.snapshot/1), to check them.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Explain a platform's 409 answer: match each conflict it names to the local finding that predicts it.
    ///
    /// RESPONSE is the body the platform answered (a Genesys ErrorBody, a REST `{"conflicts": [...]}` body, or a
    /// saved `shiftgate publish --json` report). SNAPSHOT is checked with the rule packs (all approved trades
    /// applied); a conflict no finding predicts is a validator gap.
    ///
    /// An answer that is neither (no conflict list, a version mismatch, entries that name no agent or carry a bad
    /// instant) is refused with what is wrong where; an empty `conflicts` list explains zero conflicts.
    ///
    /// Exit codes: 0 every conflict is explained (or there were none); 1 at least one is a validator gap; 2 bad
    /// input (including an answer that is not a conflict body) or configuration; 3 a rule failed at run time.
    ExplainConflict(ExplainConflictArgs),
    /// The whole story in a few seconds, with no set-up: the publish incident against an embedded simulator.
    ///
    /// Starts a simulator on 127.0.0.1 seeded with the bundled Chicago week (only the incident's problems kept)
    /// and tells six steps: 1 the gate meets the incident (approved trades onto pending time off: blocked and
    /// explained); 2 without the gate the platform refuses the update (on Genesys, 202 then an Error event with no
    /// reason, explained from the gate's own findings; with --platform rest, the seed's 409 and its conflicts,
    /// matched to their root causes); 3 publishing with --exclude-conflicting-trades; 4 an injected concurrent edit
    /// (a stale version, survived by re-reading); 5 published, confirmed by a re-read; 6 the job runs again and
    /// finds nothing to write. Exit codes: 0 the story ran as scripted; 1 it did not (a bug: the output says
    /// where); 2 the simulator could not start.
    Demo(DemoArgs),
    /// Serve a snapshot as a local WFM API simulator (Genesys Cloud flow and the REST contract) until Ctrl-C.
    ///
    /// Prints the base URL, the OAuth client credentials it accepts, a publish command to try, and its test
    /// routes. Binds 127.0.0.1 unless told otherwise. Exit codes: 0 stopped by Ctrl-C; 2 bad snapshot, fault
    /// plan or address.
    Sim(SimArgs),
}

/// Where rules come from and how they are configured.
#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
    /// Configuration file (packs, per-rule severity, enabled, parameters, waivers).
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
    /// One self-contained HTML page (no network access) with each agent's week as a timeline and every finding
    /// drawn on it; one snapshot per page. Open it in a browser, e.g. `--format html -o report.html`.
    Html,
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
    /// Worker threads for reading and checking (default: one per core; at most 4 per core: a larger N is lowered
    /// to that, as checking is CPU-bound and each thread holds its own rule engines).
    #[arg(long, short, value_name = "N", value_parser = parse_jobs)]
    pub(crate) jobs: Option<usize>,
}

/// `--jobs` above this many threads per core is lowered to it: more threads only cost memory and start-up time.
pub(crate) const MAX_JOBS_PER_CORE: usize = 4;

/// Parses `--jobs N`: at least 1, lowered to [`MAX_JOBS_PER_CORE`] per core.
fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| format!("expected a whole number of threads, got {s:?}"))?;
    if n == 0 {
        return Err("must be at least 1".to_string());
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(clamp_jobs(n, cores))
}

/// `n` threads, lowered to [`MAX_JOBS_PER_CORE`] per core.
pub(crate) fn clamp_jobs(n: usize, cores: usize) -> usize {
    n.min(cores.max(1).saturating_mul(MAX_JOBS_PER_CORE))
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
    /// Scaffold a new rule: rules/<pack>/<id>.rhai with its doc template, and pass/fail example fixtures.
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

#[derive(Debug, Subcommand)]
pub(crate) enum WaiversCommand {
    /// List every waiver with its status (active, expired, not yet in force) and days left.
    ///
    /// Waivers are `[[waivers]]` tables in the configuration (or in the file its `waivers_file` names): a rule,
    /// an agent or an agent tag, optional local dates (`from`, `until`) of the findings covered, and the record:
    /// `reason`, `approved_by`, `approved_on`, `expires` (the last day it applies; at most `waiver_max_days`,
    /// default 90, after approval). A waiver that is incomplete, names an unknown rule or a rule the platform
    /// itself enforces is a configuration error (exit 2), as in `check`.
    ///
    /// With SNAPSHOT, the snapshot is checked and each waiver shows how many findings it waived, or why none
    /// (unused, its rule did not run, its agent or tag is unknown); dates are judged in the business unit's zone
    /// at the snapshot's asOf. Without one, at --as-of or now, in UTC. Exit codes: 0 listed; 2 usage or
    /// configuration error; 3 a rule failed at run time while checking SNAPSHOT.
    List(WaiversListArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum WaiversFormat {
    /// One block per waiver, for people.
    Human,
    /// shiftgate.waivers/1 JSON.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct WaiversListArgs {
    /// A snapshot to check: shows which waivers its run uses (shiftgate.snapshot/1; `-` reads standard input).
    #[arg(value_name = "SNAPSHOT")]
    pub(crate) snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Judge expiry at this instant (RFC 3339); default: the snapshot's asOf, else now.
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = WaiversFormat::Human)]
    pub(crate) format: WaiversFormat,
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
    /// Rule id, e.g. core.shift.max-hours: its first segment picks the pack whose pack.toml declares it as prefix
    /// (a new pack folder gets a pack.toml).
    pub(crate) id: String,
    /// Rules folder to write into.
    #[arg(long, value_name = "DIR", default_value = "rules")]
    pub(crate) rules: PathBuf,
    /// Fixtures folder (default: fixtures/rules beside the rules folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) fixtures: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlatformKind {
    /// Genesys Cloud CX: OAuth, upload URL + gzip + update, outcome on the notifications websocket.
    Genesys,
    /// The simple REST contract: GET the snapshot with an ETag, PUT it back with If-Match.
    Rest,
}

/// Which live schedule to read, and how to reach its platform: the flags `publish` and `pull` share.
#[derive(Debug, Args)]
pub(crate) struct LiveArgs {
    /// API base URL: the Genesys API host (e.g. https://api.mypurecloud.com, or a simulator's
    /// http://127.0.0.1:PORT), or the REST contract's base.
    #[arg(long, value_name = "URL", required_unless_present = "region", conflicts_with = "region")]
    pub(crate) api: Option<String>,
    /// Genesys Cloud region instead of --api, e.g. us-east-1, eu-west-1, ap-southeast-2, ca-central-1.
    #[arg(long, value_name = "NAME")]
    pub(crate) region: Option<String>,
    /// Which platform contract --api speaks.
    #[arg(long, value_enum, default_value_t = PlatformKind::Genesys)]
    pub(crate) platform: PlatformKind,
    /// Business unit id.
    #[arg(long, value_name = "ID")]
    pub(crate) business_unit: String,
    /// First local day of the schedule week (yyyy-MM-dd).
    #[arg(long, value_name = "DATE")]
    pub(crate) week: String,
    /// Schedule id.
    #[arg(long, value_name = "ID")]
    pub(crate) schedule: String,
    /// An optional ceiling: at most N requests per second to the platform's API. Not needed for pacing: the
    /// client follows the platform's own rate-limit headers (inin-ratelimit-allowed, -count, -reset) and waits out
    /// any 429's Retry-After by itself, so a 10,000-agent business unit needs no tuning. Set it to leave room for
    /// other jobs that share the same OAuth client's budget. Default and 0: no ceiling; otherwise at least 0.001.
    #[arg(long, value_name = "N", value_parser = requests_per_second)]
    pub(crate) rate: Option<f64>,
}

/// `--rate`: a number, then the publish crate's one check of a pacing rate.
fn requests_per_second(text: &str) -> Result<f64, String> {
    let rate: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number"))?;
    shiftgate_publish::HttpSettings::check_rate(rate)
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    #[command(flatten)]
    pub(crate) live: LiveArgs,
    /// Fetch, check and build the payload, then print the findings and the changes it would submit; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// On blocking findings, leave out the trades they name, check again from scratch, and publish if nothing
    /// blocks; the excluded trades are listed with their reasons.
    #[arg(long)]
    pub(crate) exclude_conflicting_trades: bool,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Lowest severity that blocks publishing.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
    /// Evaluate rules at this instant (RFC 3339); default: the time of each read.
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// Print the run report (shiftgate.publish/1) as JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also write an HTML report of the run: its outcome, excluded trades and writes on top of the timeline of the
    /// validation it acted on (the last one, after exclusions); a run that stopped before checking gets its outcome
    /// and writes only. Self-contained; opens offline in a browser. The file is created before the platform is
    /// contacted, so an unwritable path stops the run with exit code 2.
    #[arg(long, value_name = "FILE.html")]
    pub(crate) report: Option<PathBuf>,
    /// Append-only, hash-chained JSON-lines audit log of every step (ids, versions, hashes; no secrets).
    #[arg(long, value_name = "FILE", default_value = "shiftgate-audit.jsonl")]
    pub(crate) audit: PathBuf,
    /// The whole run must end within this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) deadline: u64,
    /// After an unclear answer (a lost or closed notification socket, a timeout, a 5xx, a refusal without a
    /// reason), how many seconds the platform may still be processing the write: within them, re-reads decide
    /// nothing from unchanged versions.
    #[arg(long, value_name = "SECS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) settle_window: u64,
    /// At most this many write attempts.
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_writes: u32,
    /// Print where the time went to standard error: platform reads, validation, payload and writes, each kind of
    /// wait on its own line (rate-limit pacing, Retry-After, backoff, settling), and the requests sent per route.
    /// The --json report carries the same figures (`timings`).
    #[arg(long)]
    pub(crate) timings: bool,
    /// Worker threads for reading and checking (default: one per core; at most 4 per core: a larger N is lowered
    /// to that).
    #[arg(long, short, value_name = "N", value_parser = parse_jobs)]
    pub(crate) jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    #[command(flatten)]
    pub(crate) live: LiveArgs,
    /// Write the snapshot to this file; `-` writes it to standard output.
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    pub(crate) output: PathBuf,
    /// The snapshot's asOf (RFC 3339), the instant `check` evaluates at; default: the time of the read.
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// The read must end within this many seconds (a platform that keeps the client waiting, by its rate-limit
    /// headers or by not answering, ends the pull with exit code 4).
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) deadline: u64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// NICE CXone: Export Agent Schedules API answers and Agent Schedule Detail exports to a snapshot.
    ///
    /// Reads, in the order given, export files and folders (each folder's files, by name, not recursing; names
    /// starting with `.` are skipped): Export Agent Schedules API answers (one JSON object per answer, a list of
    /// them, or one per line), and Agent Schedule Detail exports (pipe-delimited, with or without their #fields
    /// line, or JSON). Days repeated by overlapping exports are read once (if they differ, that is an error);
    /// schedules split at midnight are joined again and keep their schedule date. The mapping file says what
    /// the exports do not: each management unit's IANA zone, what every activity code is and whether it is paid
    /// (fixtures/cxone/cxone.toml is a documented example). Local times are read in the unit's zone: one in the
    /// skipped spring hour is an error, one in the repeated autumn hour is placed by the export's order or
    /// reported. Schedules before the week become history; those after it are left out (said on stderr).
    ///
    /// CXone exports carry no time-off requests or shift trades: the snapshot says so, and `check` reports list
    /// the rules that had nothing to judge. Nothing is written to CXone, which has no public API for it.
    ///
    /// Exit codes: 0 written; 2 usage error, or any problem in the exports or the mapping (all are listed, each
    /// with its file and line or JSON path and the offending value; nothing is written).
    Cxone(ImportCxoneArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImportCxoneArgs {
    /// Export files or folders; `-` reads one export from standard input.
    #[arg(required = true, value_name = "EXPORT")]
    pub(crate) exports: Vec<PathBuf>,
    /// The mapping file (cxone.toml): units' zones, activity codes, business unit, detail export columns.
    #[arg(long, value_name = "FILE")]
    pub(crate) mapping: PathBuf,
    /// First local day of the week to import (yyyy-MM-dd), on the business unit's first day of the week.
    #[arg(long, value_name = "DATE")]
    pub(crate) week: String,
    /// The snapshot's asOf (RFC 3339), the instant `check` evaluates at; default: none (`check` then uses its
    /// --as-of or the current time).
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// Write the snapshot to this file; `-` writes it to standard output.
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    /// One block per conflict, for people.
    Human,
    /// shiftgate.conflicts/1 JSON.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainConflictArgs {
    /// The snapshot the rejected publish was built from (shiftgate.snapshot/1); `-` reads standard input.
    #[arg(long, value_name = "SNAPSHOT")]
    pub(crate) snapshot: PathBuf,
    /// The platform's answer (JSON); `-` reads standard input.
    #[arg(value_name = "RESPONSE")]
    pub(crate) response: PathBuf,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Evaluate rules at this instant (RFC 3339); default: the snapshot's asOf, else now.
    #[arg(long, value_name = "TIME")]
    pub(crate) as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub(crate) format: ExplainFormat,
    /// Lowest severity counted as blocking (explanations prefer blocking findings).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Also print the publisher's own step-by-step story of each run.
    #[arg(long, short)]
    pub(crate) verbose: bool,
    /// Which platform contract the demo publishes through.
    #[arg(long, value_enum, default_value_t = PlatformKind::Genesys)]
    pub(crate) platform: PlatformKind,
}

#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) listen: std::net::SocketAddr,
    /// Snapshot to serve (default: the bundled Chicago week).
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: Option<PathBuf>,
    /// Fault plan, e.g. `409-version@1,429:2s@2,500@read#3,drop@4,seed=7,rate409=0.1` (see the simulator docs).
    #[arg(long, value_name = "SPEC")]
    pub(crate) faults: Option<String>,
    /// Seed of the simulator's random choices (random faults, the concurrent editor).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) seed: u64,
    /// How long an accepted update processes before it is applied and its outcome event sent, e.g. `250ms`,
    /// `2s` (reads in between see the old state; a `settle` fault ends processing at once).
    #[arg(long, value_name = "DUR", default_value = "20ms", value_parser = parse_processing_time)]
    pub(crate) processing_time: std::time::Duration,
    /// Let anonymous clients use the REST contract (`/api/v2/wfm/...`); by default it requires a bearer token.
    #[arg(long)]
    pub(crate) rest_without_auth: bool,
    /// Answer a stale version or a data conflict synchronously at `POST .../update` (409 with details, the seed
    /// incident's behaviour) instead of 202 and an `Error` event without detail, as Genesys Cloud does.
    #[arg(long)]
    pub(crate) sync_errors: bool,
}

/// `250ms`, `2s` or a bare number of seconds; at most one hour.
fn parse_processing_time(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{s:?} is not a duration such as 250ms, 2s or 2");
    let d = match s.strip_suffix("ms") {
        Some(ms) => std::time::Duration::from_millis(ms.parse().map_err(|_| bad())?),
        None => std::time::Duration::from_secs(s.strip_suffix('s').unwrap_or(s).parse().map_err(|_| bad())?),
    };
    if d > std::time::Duration::from_secs(3600) {
        return Err(format!("{s:?} is longer than one hour"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_at_least_one_and_at_most_four_per_core() {
        assert_eq!(clamp_jobs(3, 2), 3);
        assert_eq!(clamp_jobs(10_000, 2), 8);
        assert_eq!(clamp_jobs(usize::MAX, usize::MAX), usize::MAX);
        assert_eq!(clamp_jobs(5, 0), 4);
        assert!(parse_jobs("0").unwrap_err().contains("at least 1"));
        assert!(parse_jobs("-3").unwrap_err().contains("whole number"));
        assert!(parse_jobs("99999999999999999999999").is_err());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(parse_jobs("10000"), Ok(clamp_jobs(10_000, cores)));
        assert_eq!(parse_jobs("1"), Ok(1));
    }
}
