//! How a run ended, and the report the CLI prints (`--json`) or tells as a story (`demo`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::audit::Counters;
use crate::diff::ScheduleDiff;
use crate::explain::ConflictExplanation;
use crate::platform::{Step, Target};
use crate::validator::PublishFinding;

/// Format tag of [`PublishReport`].
pub const REPORT_FORMAT: &str = "shiftgate.publish/1";

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PublishOutcome {
    /// The schedule is published with our changes.
    Published {
        /// The schedule version after the write, as last read.
        schedule_version: Option<i64>,
        /// A re-read confirmed our shifts are live and the schedule is published.
        verified: bool,
        /// Whether any shift changed (false: the schedule only had to be published, or was already).
        changed_shifts: bool,
    },
    /// `--dry-run`: nothing was written.
    DryRun {
        /// A real run would have stopped on blocking findings.
        blocked: bool,
    },
    /// Blocking findings: nothing was written. The findings (and any trade exclusions tried) are in the report.
    Blocked,
    /// The platform refused the data. Each server conflict is explained in the report; nothing was resent.
    DataConflict,
    /// A budget ran out (deadline, write cap, version conflicts, transient failures, rate limit).
    GaveUp {
        /// Which budget.
        reason: GiveUpReason,
        /// What happened, in words.
        detail: String,
    },
    /// The platform refused the request itself (credentials, permissions, ids, a malformed or invalid live
    /// schedule): a configuration problem or a bug, never retried.
    Rejected {
        /// Which step.
        step: Step,
        /// HTTP status, if there was one.
        status: Option<u16>,
        /// Genesys error code, if any.
        code: Option<String>,
        /// What happened, in words.
        detail: String,
    },
}

impl PublishOutcome {
    /// Short name, as in the audit's last line: `published`, `dryRun`, `blocked`, `dataConflict`, `gaveUp`,
    /// `rejected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PublishOutcome::Published { .. } => "published",
            PublishOutcome::DryRun { .. } => "dryRun",
            PublishOutcome::Blocked => "blocked",
            PublishOutcome::DataConflict => "dataConflict",
            PublishOutcome::GaveUp { .. } => "gaveUp",
            PublishOutcome::Rejected { .. } => "rejected",
        }
    }

    /// A suggested process exit code: 0 published (or a clean dry run); 1 blocked by findings or a data conflict
    /// (people must act on the schedule); 2 rejected (configuration, credentials, bad input); 4 gave up (try
    /// again later). The CLI owns the final mapping.
    pub fn exit_code(&self) -> i32 {
        match self {
            PublishOutcome::Published { .. } | PublishOutcome::DryRun { blocked: false } => 0,
            PublishOutcome::DryRun { blocked: true } | PublishOutcome::Blocked | PublishOutcome::DataConflict => 1,
            PublishOutcome::Rejected { .. } => 2,
            PublishOutcome::GaveUp { .. } => 4,
        }
    }
}

/// The budget that ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GiveUpReason {
    /// The run deadline passed (or a wait would pass it).
    Deadline,
    /// The write cap was reached.
    WriteCap,
    /// Too many version-conflict cycles: the schedule is being edited concurrently.
    VersionConflicts,
    /// Too many transient failures (5xx, timeouts, lost answers).
    Transient,
    /// The platform asked to wait longer than allowed.
    RateLimited,
}

/// A trade left out by `--exclude-conflicting-trades`, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExcludedTrade {
    /// The trade.
    pub trade_id: String,
    /// `rule: message` of each blocking finding that named it.
    pub reasons: Vec<String>,
    /// Those findings.
    pub findings: Vec<PublishFinding>,
}

/// Everything about one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishReport {
    /// [`REPORT_FORMAT`].
    pub format: &'static str,
    /// The run id (also in every audit line).
    pub run_id: String,
    /// `genesys`, `rest`, ...
    pub platform: String,
    /// What was published.
    pub target: Target,
    /// `--dry-run`.
    pub dry_run: bool,
    /// How it ended.
    pub outcome: PublishOutcome,
    /// Schedule version as last fetched.
    pub fetched_version: Option<i64>,
    /// Schedule version carried by the last write.
    pub submitted_version: Option<i64>,
    /// Hash of the last payload built.
    pub payload_hash: Option<String>,
    /// Hash of the live state as last fetched.
    pub live_hash: Option<String>,
    /// Trades the last payload carries out.
    pub trades_applied: Vec<String>,
    /// Trades left out, with reasons.
    pub excluded_trades: Vec<ExcludedTrade>,
    /// Findings of the last validation (blocking and not).
    pub findings: Vec<PublishFinding>,
    /// What the last payload changes (or would change).
    pub diff: Option<ScheduleDiff>,
    /// Server conflicts explained (data conflicts only).
    pub conflicts: Vec<ConflictExplanation>,
    /// The platform's answer that stopped the run (data conflict or rejection), for `explain-conflict` later.
    pub response_body: Option<Value>,
    /// Budgets used.
    pub counters: Counters,
    /// The audit chain head after the run.
    pub audit_head: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// What happened, step by step, in words.
    pub story: Vec<String>,
}
