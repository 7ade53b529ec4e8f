//! How a run ended, and the report the CLI prints (`--json`) or tells as a story (`demo`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::audit::Counters;
use crate::diff::ScheduleDiff;
use crate::explain::ConflictExplanation;
use crate::platform::{Step, Target};
use crate::timings::RunTimings;
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
    /// The live schedule already is what this run would write, and is published: nothing was written (a re-run
    /// of the weekly job converges here).
    AlreadyPublished {
        /// The live schedule version.
        schedule_version: Option<i64>,
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
    /// Short name, as in the audit's last line: `published`, `alreadyPublished`, `dryRun`, `blocked`,
    /// `dataConflict`, `gaveUp`, `rejected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PublishOutcome::Published { .. } => "published",
            PublishOutcome::AlreadyPublished { .. } => "alreadyPublished",
            PublishOutcome::DryRun { .. } => "dryRun",
            PublishOutcome::Blocked => "blocked",
            PublishOutcome::DataConflict => "dataConflict",
            PublishOutcome::GaveUp { .. } => "gaveUp",
            PublishOutcome::Rejected { .. } => "rejected",
        }
    }

    /// The outcome as people read it, in capitals before the live truth: `PUBLISHED`, `DRY RUN, BLOCKED`, ... (the
    /// terminal and the HTML report print the same words; [`PublishOutcome::exit_code`] picks their colour).
    pub fn label(&self) -> &'static str {
        match self {
            PublishOutcome::Published { .. } => "PUBLISHED",
            PublishOutcome::AlreadyPublished { .. } => "ALREADY PUBLISHED",
            PublishOutcome::DryRun { blocked: false } => "DRY RUN",
            PublishOutcome::DryRun { blocked: true } => "DRY RUN, BLOCKED",
            PublishOutcome::Blocked => "BLOCKED",
            PublishOutcome::DataConflict => "DATA CONFLICT",
            PublishOutcome::GaveUp { .. } => "GAVE UP",
            PublishOutcome::Rejected { .. } => "REJECTED",
        }
    }

    /// A suggested process exit code: 0 our payload is live (published, already published, or a clean dry run);
    /// 1 blocked by findings or a data conflict (people must act on the schedule); 2 rejected (configuration,
    /// credentials, bad input); 4 gave up (try again later). The CLI owns the final mapping.
    pub fn exit_code(&self) -> i32 {
        match self {
            PublishOutcome::Published { .. }
            | PublishOutcome::AlreadyPublished { .. }
            | PublishOutcome::DryRun { blocked: false } => 0,
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

/// What became of one write that was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WriteFate {
    /// Our payload is live: the platform confirmed it, or a re-read shows it.
    Landed,
    /// The platform said no: a stale version, the data, a rate limit, or the request itself.
    Refused,
    /// The answer was unclear, and the platform settled without our payload: it did not land.
    NotApplied,
    /// The run ended before the platform settled: it may still land.
    Unknown,
}

impl WriteFate {
    /// The wire name (as in the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            WriteFate::Landed => "landed",
            WriteFate::Refused => "refused",
            WriteFate::NotApplied => "notApplied",
            WriteFate::Unknown => "unknown",
        }
    }

    /// The fate in words: `landed`, `refused`, `not applied`, `unknown`.
    pub fn words(self) -> &'static str {
        match self {
            WriteFate::Landed => "landed",
            WriteFate::Refused => "refused",
            WriteFate::NotApplied => "not applied",
            WriteFate::Unknown => "unknown",
        }
    }
}

/// One write attempt and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteReport {
    /// 1-based attempt number within the run.
    pub attempt: u32,
    /// `sha256:` of the payload sent.
    pub payload_hash: String,
    /// The schedule version the write carried.
    pub sent_version: Option<i64>,
    /// The last step of the platform's flow the write reached.
    pub step: Step,
    /// Genesys operation id, once the update answered.
    pub operation_id: Option<String>,
    /// Correlation id of the answer, for support tickets.
    pub context_id: Option<String>,
    /// What came back, in words.
    pub answer: String,
    /// What became of it.
    pub fate: WriteFate,
    /// Landed: the schedule version our payload is live at. Otherwise the live version when the fate was
    /// decided (unchanged from `sentVersion`, or moved by another writer).
    pub version: Option<i64>,
    /// Why the fate is what it is, in words.
    pub detail: String,
}

impl WriteReport {
    /// What became of it in a few words: `landed as version 18`, or the fate's [`WriteFate::words`].
    pub fn fate_words(&self) -> String {
        match (self.fate, self.version) {
            (WriteFate::Landed, Some(v)) => format!("landed as version {v}"),
            (fate, _) => fate.words().to_string(),
        }
    }

    /// One line: `write 1 (version 17, payload sha256:0123456789ab): landed as version 18: ...`.
    pub fn line(&self) -> String {
        let sent = self.sent_version.map_or_else(|| "no version".to_string(), |v| format!("version {v}"));
        let hash = self.payload_hash.strip_prefix("sha256:").unwrap_or(&self.payload_hash);
        let hash: String = hash.chars().take(12).collect();
        format!("write {} ({sent}, payload sha256:{hash}): {}: {}", self.attempt, self.fate_words(), self.detail)
    }
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
    /// Approved trades found already applied on the live schedule (their shifts already sit with their new
    /// owners): nothing to move for them.
    pub trades_already_applied: Vec<String>,
    /// Every write sent, in order, and what became of it. Empty: nothing was written.
    pub writes: Vec<WriteReport>,
    /// Trades left out for blocking findings (`--exclude-conflicting-trades`), with reasons.
    pub excluded_trades: Vec<ExcludedTrade>,
    /// Approved trades that failed integrity (a named shift missing, moved or changed): they cannot apply, so
    /// `--exclude-conflicting-trades` leaves them out, and they are reported here rather than as excluded.
    pub not_applicable_trades: Vec<ExcludedTrade>,
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
    /// Where the time went: work, each kind of wait, and the requests sent per route.
    pub timings: RunTimings,
    /// What happened, step by step, in words.
    pub story: Vec<String>,
}

impl PublishReport {
    /// The live truth in one sentence, without colour: what the platform holds now, as far as the run knows.
    pub fn live_truth(&self) -> String {
        let schedule = &self.target.schedule_id;
        let at = |v: Option<i64>| v.map_or_else(|| "an unknown version".to_string(), |v| format!("version {v}"));
        let sent = self.writes.len();
        let nothing = if sent == 0 { "; nothing was written".to_string() } else { String::new() };
        match &self.outcome {
            PublishOutcome::Published { schedule_version, verified, changed_shifts } => format!(
                "schedule {schedule} is published at {}{}{}",
                at(*schedule_version),
                if *changed_shifts { " with our changes" } else { " (no shift changed)" },
                if *verified { ", confirmed by a re-read" } else { "; a re-read could not confirm our changes" }
            ),
            PublishOutcome::AlreadyPublished { schedule_version } => format!(
                "schedule {schedule} is already published at {} as this run would leave it; nothing was written",
                at(*schedule_version)
            ),
            PublishOutcome::DryRun { blocked: false } => "nothing blocks; nothing was written".to_string(),
            PublishOutcome::DryRun { blocked: true } => {
                "a real run would stop on the findings above; nothing was written".to_string()
            }
            PublishOutcome::Blocked => format!("findings block the publish{nothing}{}", self.still_at()),
            PublishOutcome::DataConflict => {
                format!("the platform refused the schedule's data; it was not resent{}", self.still_at())
            }
            PublishOutcome::GaveUp { detail, .. } => format!("{detail}{nothing}{}", self.still_at()),
            PublishOutcome::Rejected { detail, .. } => format!("{detail}{nothing}{}", self.still_at()),
        }
    }

    /// `; the live schedule is at version 18, without our payload` after writes that did not land.
    fn still_at(&self) -> String {
        if self.writes.is_empty() {
            return String::new();
        }
        let unknown = self.writes.iter().any(|w| w.fate == WriteFate::Unknown);
        let version = self.fetched_version.map_or_else(|| "an unknown version".to_string(), |v| format!("version {v}"));
        if unknown {
            format!("; the live schedule was at {version} when the run stopped, and a write may still land")
        } else {
            format!("; the live schedule is at {version}, without our payload")
        }
    }
}
