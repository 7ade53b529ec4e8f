//! The publish state machine (research/publisher.md, "Recommendations"; DESIGN.md §7):
//!
//! Fetch -> Apply trades -> Validate (-> exclude conflicting
//! trades, re-validate from scratch) -> (the live schedule already is what we would send: done, nothing written)
//! -> Submit with the fetched versions -> Classify: success -> verify; version conflict -> back off, start over
//! from Fetch; data conflict -> explain and stop; 429 -> wait Retry-After; an unclear answer (lost or closed
//! socket, timeout, 5xx, a refusal without a reason) -> wait out any Retry-After, then re-read until the platform
//! settles ([`settle`]): our payload live means it landed; only after the processing window do unchanged versions
//! mean it did not (stop on a refused one; after a lost answer, validate that re-read from scratch and send what
//! it gives: the same payload if nothing else changed) and moved versions mean someone else wrote.
//!
//! Every write gets a fate in the report (`writes`) and the audit; every step is audited, every wait goes through
//! the [`Clock`], and a deadline and a write cap bound the run.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use shiftgate_model::{apply_trades_excluding, Snapshot};

use crate::audit::{AuditLog, AuditRecord, Counters};
use crate::classify::{classify, error_code, Classification};
use crate::clock::Clock;
use crate::diff::ScheduleDiff;
use crate::error::PublishError;
use crate::explain::{explain_conflict, parse_conflicts};
use crate::outcome::{
    ExcludedTrade, GiveUpReason, PublishOutcome, PublishReport, WriteFate, WriteReport, REPORT_FORMAT,
};
use crate::plan::{build_plan, compare, LiveFacts, UpdatePlan};
use crate::platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};
use crate::retry::{next_delay, parse_retry_after, rate_limit_wait, RateLimitDecision, RateLimitPolicy, RetryPolicy};
use crate::timings::{Stopwatch, WaitKind};
use crate::validator::{PublishFinding, Validation, Validator};

mod read;
mod settle;
mod wait;
mod write;
mod writes;

pub use settle::SettlePolicy;

/// Settings of one run. [`PublishConfig::new`] gives the defaults of research/publisher.md.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishConfig {
    /// What to publish.
    pub target: Target,
    /// Fetch, apply, validate and build the payload, but write nothing.
    pub dry_run: bool,
    /// On blocking findings, drop the trades they name, re-validate from scratch, and publish if nothing blocks.
    pub exclude_conflicting_trades: bool,
    /// How many exclusion rounds to try (a dropped trade can make a later trade fail).
    pub max_exclusion_rounds: u32,
    /// The whole run must end within this (default 10 min).
    pub deadline: Duration,
    /// At most this many write attempts per run (default 12).
    pub write_cap: u32,
    /// Version-conflict cycles and their backoff.
    pub version_conflict: RetryPolicy,
    /// Transient failures (reads and writes) and their backoff.
    pub transient: RetryPolicy,
    /// 429 handling.
    pub rate_limit: RateLimitPolicy,
    /// How long a write may still be processing after an unclear answer, and how often to re-read meanwhile.
    pub settle: SettlePolicy,
    /// The instant rules evaluate at; default: the time of the run's first read (later reads of the run are judged
    /// at that same instant).
    pub as_of: Option<DateTime<Utc>>,
    /// Run id for the audit; default: a random UUID.
    pub run_id: Option<String>,
    /// Seed of the jitter RNG; default: from the OS.
    pub jitter_seed: Option<u64>,
}

impl PublishConfig {
    /// Defaults for a target.
    pub fn new(target: Target) -> PublishConfig {
        PublishConfig {
            target,
            dry_run: false,
            exclude_conflicting_trades: false,
            max_exclusion_rounds: 3,
            deadline: Duration::from_secs(600),
            write_cap: 12,
            version_conflict: RetryPolicy::VERSION_CONFLICT,
            transient: RetryPolicy::TRANSIENT,
            rate_limit: RateLimitPolicy::default(),
            settle: SettlePolicy::default(),
            as_of: None,
            run_id: None,
            jitter_seed: None,
        }
    }
}

/// Runs one publish. `Err` only for local problems (the audit log); everything the platform or the data decides
/// is in the report's outcome.
pub async fn publish<P: PlatformClient>(
    platform: &P,
    validator: &dyn Validator,
    clock: &dyn Clock,
    audit: &mut AuditLog,
    config: &PublishConfig,
) -> Result<PublishReport, PublishError> {
    if config.write_cap == 0 && !config.dry_run {
        return Err(PublishError::Config("the write cap must be at least 1".into()));
    }
    if config.settle.window.is_zero() || config.settle.base.is_zero() {
        // A zero window decides on the first read, torn or not (issue #9); a zero gap re-reads in a busy loop.
        return Err(PublishError::Config("the settle window and the re-read gap must be longer than zero".into()));
    }
    let started = clock.now();
    let deadline = started + chrono::Duration::from_std(config.deadline).unwrap_or(chrono::Duration::days(1));
    let mut run = Run {
        platform,
        validator,
        clock,
        audit,
        cfg: config,
        run_id: config.run_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        seq: 0,
        deadline,
        rng: config.jitter_seed.map_or_else(StdRng::from_os_rng, StdRng::seed_from_u64),
        counters: Counters::default(),
        report: Report::default(),
        watch: Stopwatch::default(),
        validated: None,
        as_of: None,
    };
    let outcome = run.drive().await?;
    run.say(format!("Outcome: {}.", outcome.as_str()));
    let mut rec = run.record("done");
    rec.outcome = Some(outcome.as_str().to_string());
    run.append(rec)?;
    let r = run.report;
    let finished_at = clock.now();
    let timings = run.watch.finish(elapsed(finished_at, started), &platform.traffic());
    Ok(PublishReport {
        format: REPORT_FORMAT,
        run_id: run.run_id,
        platform: platform.name().to_string(),
        target: config.target.clone(),
        dry_run: config.dry_run,
        outcome,
        fetched_version: r.fetched_version,
        submitted_version: r.submitted_version,
        payload_hash: r.payload_hash,
        live_hash: r.live_hash,
        trades_applied: r.trades_applied,
        trades_already_applied: r.trades_already_applied,
        writes: r.writes,
        excluded_trades: r.excluded,
        not_applicable_trades: r.not_applicable,
        findings: r.findings,
        diff: r.diff,
        conflicts: r.conflicts,
        response_body: r.response_body,
        counters: run.counters,
        audit_head: run.audit.head().to_string(),
        started_at: started,
        finished_at,
        timings,
        story: r.story,
    })
}

#[derive(Default)]
struct Report {
    fetched_version: Option<i64>,
    submitted_version: Option<i64>,
    payload_hash: Option<String>,
    live_hash: Option<String>,
    trades_applied: Vec<String>,
    trades_already_applied: Vec<String>,
    trades_excluded: Vec<String>,
    excluded: Vec<ExcludedTrade>,
    not_applicable: Vec<ExcludedTrade>,
    writes: Vec<WriteReport>,
    findings: Vec<PublishFinding>,
    diff: Option<ScheduleDiff>,
    conflicts: Vec<crate::explain::ConflictExplanation>,
    response_body: Option<Value>,
    story: Vec<String>,
}

struct Run<'a, P> {
    platform: &'a P,
    validator: &'a dyn Validator,
    clock: &'a dyn Clock,
    audit: &'a mut AuditLog,
    cfg: &'a PublishConfig,
    run_id: String,
    seq: u64,
    deadline: DateTime<Utc>,
    rng: StdRng,
    counters: Counters,
    report: Report,
    watch: Stopwatch,
    /// The last full read validated with no trade excluded, its shared parts' hash and findings: what a
    /// re-validation of a later read starts from (only with a [`Validator::per_agent`] validator).
    validated: Option<Validated>,
    /// The instant every read of this run is judged at: `--as-of`, else the first read's time. One instant per
    /// run keeps a re-read's unchanged agents' findings valid (notice rules read it).
    as_of: Option<DateTime<Utc>>,
}

/// A read and its validation with no trade excluded.
struct Validated {
    shared: String,
    document: Value,
    validation: Validation,
}

/// The time from `t0` to `t1` (zero if the clock went back).
fn elapsed(t1: DateTime<Utc>, t0: DateTime<Utc>) -> Duration {
    (t1 - t0).to_std().unwrap_or(Duration::ZERO)
}

/// A step either continues with a value or ends the run with an outcome.
type Flow<T> = Result<Result<T, PublishOutcome>, PublishError>;

/// A cycle's validated, ready-to-send state.
struct Prepared {
    snapshot: Snapshot,
    excluded: Vec<usize>,
    submission: Submission,
}

impl<P: PlatformClient> Run<'_, P> {
    async fn drive(&mut self) -> Result<PublishOutcome, PublishError> {
        // A read the next cycle starts from instead of fetching: the re-read that settled a lost write.
        let mut settled_read: Option<Fetched> = None;
        loop {
            let fetched = match settled_read.take() {
                Some(f) => f,
                None => match self.fetch("fetch").await? {
                    Ok(f) => f,
                    Err(o) => return Ok(o),
                },
            };
            let prepared = match self.prepare(&fetched)? {
                Ok(p) => p,
                Err(o) => return Ok(o),
            };
            if self.cfg.dry_run {
                self.say("Dry run: nothing written.".to_string());
                return Ok(PublishOutcome::DryRun { blocked: false });
            }
            if prepared.submission.plan.changes_no_shift() && prepared.snapshot.schedule.published {
                self.say(format!(
                    "Nothing to write: the schedule is already published at version {} as this run would leave it.",
                    version_text(fetched.schedule_version())
                ));
                return Ok(PublishOutcome::AlreadyPublished { schedule_version: fetched.schedule_version() });
            }
            match self.submit_until_settled(&prepared).await? {
                Ok(next) => settled_read = next,
                Err(o) => return Ok(o),
            }
        }
    }
}

/// What came back from a write, in words (the correlation id apart: see [`with_context`]).
fn describe(r: &SubmitResult) -> String {
    // The client's own account names the request and carries the platform's (sanitised) message and contextId.
    if let (Some(detail), Response::Http { .. }) = (&r.detail, &r.response) {
        return detail.clone();
    }
    match &r.response {
        Response::Http { status, body, .. } => {
            let code = body.as_ref().and_then(error_code).map(|c| format!(" {c}")).unwrap_or_default();
            format!("HTTP {status}{code} at {}", r.step)
        }
        Response::AsyncComplete => "the update completed".to_string(),
        Response::AsyncError { .. } => "the update ended with an Error event, no reason given".to_string(),
        Response::NoResponse { reason } => format!("no answer at {} ({reason})", r.step),
    }
}

/// [`describe`] with the correlation id, for the story (support tickets quote it).
fn with_context(r: &SubmitResult) -> String {
    let ctx = match (&r.detail, &r.response) {
        (Some(_), Response::Http { .. }) => String::new(), // the client's detail already quotes it
        _ => r.context_id.as_deref().map(|c| format!(", contextId {c}")).unwrap_or_default(),
    };
    format!("{}{ctx}", describe(r))
}

fn version_text(v: Option<i64>) -> String {
    v.map_or_else(|| "(none)".to_string(), |v| v.to_string())
}

fn short(hash: &str) -> String {
    let hex = hash.strip_prefix("sha256:").unwrap_or(hash);
    format!("sha256:{}", hex.chars().take(12).collect::<String>())
}

/// ` (tr-1, tr-2)`: the ids named one by one up to [`IDS_NAMED`], then counted (the report lists them all).
fn list_suffix(ids: &[String]) -> String {
    match ids.len() {
        0 => String::new(),
        n if n <= IDS_NAMED => format!(" ({})", ids.join(", ")),
        n => format!(" ({}, and {} more)", ids[..IDS_NAMED].join(", "), n - IDS_NAMED),
    }
}

/// Ids (and findings) a story names before it only counts the rest: a 10,000-agent week applies hundreds of
/// trades, and a story is read by people. The report's own fields list them all.
const IDS_NAMED: usize = 5;

/// `1 trade`, `370 trades`.
fn plural_trades(n: usize) -> String {
    if n == 1 {
        "1 trade".to_string()
    } else {
        format!("{n} trades")
    }
}

/// `2.5 s`, or `20 ms` below a second (a short processing window must not read as "0.0 s").
fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) && !d.is_zero() {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_line_names_a_few_ids_then_counts_the_rest() {
        let ids: Vec<String> = (1..=172).map(|i| format!("tr-{i}")).collect();
        assert_eq!(list_suffix(&ids[..2]), " (tr-1, tr-2)");
        assert_eq!(list_suffix(&[]), "");
        assert_eq!(list_suffix(&ids), " (tr-1, tr-2, tr-3, tr-4, tr-5, and 167 more)");
    }
}
