//! The publish state machine (research/publisher.md, "Recommendations"):
//!
//! Fetch -> Apply trades -> Validate (-> exclude conflicting trades, re-validate from scratch) -> Submit with the
//! fetched versions -> Classify: success -> verify; version conflict -> back off, start over from Fetch; data
//! conflict -> explain and stop; 429 -> wait Retry-After; 5xx / lost answer -> re-read first, resend only if
//! nothing changed. Every step is audited, every wait goes through the [`Clock`], and a deadline and a write cap
//! bound the run.

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
use crate::explain::explain_conflict;
use crate::outcome::{ExcludedTrade, GiveUpReason, PublishOutcome, PublishReport, REPORT_FORMAT};
use crate::plan::{build_plan, compare};
use crate::platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};
use crate::retry::{next_delay, rate_limit_wait, RateLimitDecision, RateLimitPolicy, RetryPolicy};
use crate::validator::{PublishFinding, Validation, Validator};

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
    /// The instant rules evaluate at; default: the fetch time.
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
    };
    let outcome = run.drive().await?;
    run.say(format!("Outcome: {}.", outcome.as_str()));
    let mut rec = run.record("done");
    rec.outcome = Some(outcome.as_str().to_string());
    run.append(rec)?;
    let r = run.report;
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
        excluded_trades: r.excluded,
        findings: r.findings,
        diff: r.diff,
        conflicts: r.conflicts,
        response_body: r.response_body,
        counters: run.counters,
        audit_head: run.audit.head().to_string(),
        started_at: started,
        finished_at: clock.now(),
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
    trades_excluded: Vec<String>,
    excluded: Vec<ExcludedTrade>,
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
        loop {
            let fetched = match self.fetch("fetch").await? {
                Ok(f) => f,
                Err(o) => return Ok(o),
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
                self.say("Nothing to change: the schedule is already published as it stands.".to_string());
                return Ok(PublishOutcome::Published {
                    schedule_version: fetched.schedule_version(),
                    verified: true,
                    changed_shifts: false,
                });
            }
            match self.submit_until_settled(&prepared).await? {
                Ok(()) => continue,
                Err(o) => return Ok(o),
            }
        }
    }

    /// Reads the live state, waiting out 429s and retrying transient failures within their budgets.
    async fn fetch(&mut self, state: &str) -> Flow<Fetched> {
        loop {
            if let Some(o) = self.deadline_passed(&format!("before {state}")) {
                return Ok(Err(o));
            }
            self.counters.fetches += 1;
            let result = match tokio::time::timeout(self.remaining(), self.platform.fetch(&self.cfg.target)).await {
                Ok(r) => r,
                Err(_) => return Ok(Err(self.give_up(GiveUpReason::Deadline, format!("the deadline passed during {state}")))),
            };
            match result {
                Ok(mut fetched) => {
                    let as_of = self.cfg.as_of.unwrap_or_else(|| self.clock.now());
                    if let Some(o) = fetched.document.as_object_mut() {
                        o.insert("asOf".into(), Value::String(crate::plan::rfc3339(as_of)));
                    }
                    self.report.fetched_version = fetched.schedule_version();
                    self.report.live_hash = Some(fetched.live_hash.clone());
                    let mut rec = self.record(state);
                    rec.step = Some(Step::Fetch.as_str().into());
                    self.append(rec)?;
                    return Ok(Ok(fetched));
                }
                Err(e) => {
                    let mut rec = self.record(state);
                    rec.step = Some(Step::Fetch.as_str().into());
                    if let PlatformError::Http { status, code, context_id, .. } = &e {
                        rec.http_status = Some(*status);
                        rec.code.clone_from(code);
                        rec.context_id.clone_from(context_id);
                    }
                    match &e {
                        PlatformError::Http { status: 429, retry_after, .. } => {
                            rec.classification = Some(Classification::RateLimited.as_str().into());
                            self.append(rec)?;
                            let retry_after = retry_after.clone();
                            if let Err(o) = self.wait_rate_limit(retry_after.as_deref(), state).await? {
                                return Ok(Err(o));
                            }
                        }
                        e if e.is_transient() => {
                            rec.classification = Some(Classification::Transient.as_str().into());
                            self.append(rec)?;
                            self.say(format!("Reading the schedule failed ({e})."));
                            if let Err(o) = self.wait_transient().await? {
                                return Ok(Err(o));
                            }
                        }
                        e => {
                            rec.classification = Some(Classification::Rejected.as_str().into());
                            self.append(rec)?;
                            let (status, code) = match e {
                                PlatformError::Http { status, code, .. } => (Some(*status), code.clone()),
                                _ => (None, None),
                            };
                            let detail = format!("reading the schedule failed: {e}");
                            self.say(format!("Stopped: {detail}."));
                            return Ok(Err(PublishOutcome::Rejected { step: Step::Fetch, status, code, detail }));
                        }
                    }
                }
            }
        }
    }

    /// Validate (with exclusions if asked), build the plan and the payload.
    fn prepare(&mut self, fetched: &Fetched) -> Flow<Prepared> {
        let snapshot = match fetched.snapshot() {
            Ok(s) => s,
            Err(e) => {
                let detail = format!("the live schedule is not a valid snapshot: {e}");
                self.say(format!("Stopped: {detail}"));
                return Ok(Err(PublishOutcome::Rejected { step: Step::Fetch, status: None, code: None, detail }));
            }
        };
        let approved = shiftgate_model::approved_in_order(&snapshot).len();
        self.say(format!(
            "Fetched schedule {} version {} ({} agents, {} shifts, {} approved trades, {} time-off requests).",
            snapshot.schedule.id,
            version_text(snapshot.schedule.version),
            snapshot.agents.len(),
            snapshot.shifts.len(),
            approved,
            snapshot.time_off.len()
        ));
        let excluded = match self.validate(&snapshot)? {
            Ok(x) => x,
            Err(o) => return Ok(Err(o)),
        };
        let roster = apply_trades_excluding(&snapshot, &excluded);
        let plan = build_plan(&snapshot, &fetched.document, &roster);
        let diff = ScheduleDiff::between(&snapshot, &roster);
        let submission = self.platform.prepare(fetched, &plan);
        self.say(format!(
            "Applied {} trade(s){}; the payload moves {} shift(s) of {} agent(s) (payload {}).",
            plan.trades_applied.len(),
            list_suffix(&plan.trades_applied),
            diff.moves.len(),
            plan.agents.len(),
            short(&submission.payload_hash)
        ));
        self.report.trades_applied.clone_from(&plan.trades_applied);
        self.report.payload_hash = Some(submission.payload_hash.clone());
        self.report.diff = Some(diff);
        if self.cfg.dry_run {
            let mut rec = self.record("plan");
            rec.payload_hash = Some(submission.payload_hash.clone());
            self.append(rec)?;
        }
        Ok(Ok(Prepared { snapshot, excluded, submission }))
    }

    /// Validates from scratch; with exclusion on, drops the trades blocking findings name and validates again.
    /// Returns the excluded trade indexes, or the Blocked (or blocked dry-run) outcome.
    fn validate(&mut self, snapshot: &Snapshot) -> Flow<Vec<usize>> {
        self.report.excluded.clear();
        self.report.trades_excluded.clear();
        let mut excluded: Vec<usize> = Vec::new();
        let mut validation = self.validator.validate(snapshot, &excluded);
        self.note_validation("validate", &validation)?;
        let mut round = 0;
        while validation.blocking_count() > 0 {
            let blocking: Vec<&PublishFinding> = validation.blocking().collect();
            let untradeable = blocking.iter().filter(|f| f.trade_ids.is_empty()).count();
            let mut fresh: Vec<usize> = Vec::new();
            for f in &blocking {
                for t in &f.trade_ids {
                    if let Some(ix) = snapshot.trades.iter().position(|x| x.id.as_str() == t) {
                        if !excluded.contains(&ix) && !fresh.contains(&ix) {
                            fresh.push(ix);
                        }
                    }
                }
            }
            let why_stop = if !self.cfg.exclude_conflicting_trades {
                Some(String::new())
            } else if untradeable > 0 {
                Some(format!("; {untradeable} of them involve no trade, so excluding trades cannot clear them"))
            } else if fresh.is_empty() || round >= self.cfg.max_exclusion_rounds {
                Some("; excluding the trades they name did not clear them".to_string())
            } else {
                None
            };
            if let Some(why) = why_stop {
                self.say(format!(
                    "Blocked: {} blocking finding(s){why}. Nothing was written.",
                    validation.blocking_count()
                ));
                for f in validation.blocking() {
                    let line = format!("  {} {}: {}", f.rule, f.agent_id, f.message);
                    self.say(line);
                }
                return Ok(Err(if self.cfg.dry_run {
                    PublishOutcome::DryRun { blocked: true }
                } else {
                    PublishOutcome::Blocked
                }));
            }
            round += 1;
            fresh.sort_unstable();
            for &ix in &fresh {
                let id = snapshot.trades[ix].id.as_str().to_string();
                let findings: Vec<PublishFinding> =
                    blocking.iter().filter(|f| f.trade_ids.contains(&id)).map(|f| (*f).clone()).collect();
                let reasons: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.rule, f.message)).collect();
                self.say(format!("Excluded trade {id}: {}.", reasons.join("; ")));
                self.report.trades_excluded.push(id.clone());
                self.report.excluded.push(ExcludedTrade { trade_id: id, reasons, findings });
            }
            excluded.extend(fresh);
            excluded.sort_unstable();
            validation = self.validator.validate(snapshot, &excluded);
            self.note_validation("exclude", &validation)?;
        }
        Ok(Ok(excluded))
    }

    fn note_validation(&mut self, state: &str, v: &Validation) -> Result<(), PublishError> {
        let blocking = v.blocking_count();
        self.say(format!(
            "{} {} finding(s), {blocking} blocking.",
            if state == "validate" { "Validated:" } else { "Re-validated from scratch:" },
            v.findings.len()
        ));
        self.report.findings.clone_from(&v.findings);
        let mut rec = self.record(state);
        rec.findings = Some(v.findings.len());
        rec.blocking_findings = Some(blocking);
        self.append(rec)
    }

    /// Sends one payload until it settles. `Ok(Ok(()))` means "version conflict: start over from Fetch".
    async fn submit_until_settled(&mut self, prepared: &Prepared) -> Flow<()> {
        let submission = &prepared.submission;
        loop {
            if let Some(o) = self.deadline_passed("before writing") {
                return Ok(Err(o));
            }
            if self.counters.writes >= self.cfg.write_cap {
                let detail = format!("the write cap of {} was reached", self.cfg.write_cap);
                return Ok(Err(self.give_up(GiveUpReason::WriteCap, detail)));
            }
            self.counters.writes += 1;
            self.report.submitted_version = submission.plan.schedule_version;
            let result = match tokio::time::timeout(self.remaining(), self.platform.submit(&self.cfg.target, submission))
                .await
            {
                Ok(r) => r,
                Err(_) => SubmitResult {
                    response: Response::NoResponse { reason: "the run deadline passed while waiting".into() },
                    step: Step::Update,
                    context_id: None,
                    operation_id: None,
                },
            };
            self.say(format!(
                "Submitted version {} (payload {}): {}.",
                version_text(submission.plan.schedule_version),
                short(&submission.payload_hash),
                describe(&result)
            ));
            let mut class = classify(&result.response, None);
            self.audit_submit(&result, class, submission)?;
            let mut reread = None;
            if class == Classification::NeedsRefetch {
                self.say("The answer does not tell what happened: re-reading before anything else.".to_string());
                let fetched = match self.fetch("refetch").await? {
                    Ok(f) => f,
                    Err(o) => {
                        self.say("The write's outcome is unknown; it was not resent.".to_string());
                        return Ok(Err(o));
                    }
                };
                let facts = compare(&submission.plan, submission.etag.as_deref(), &fetched.document, fetched.etag.as_deref());
                class = classify(&result.response, Some(facts));
                self.say(format!(
                    "Re-read: version {} -> {}; {}.",
                    version_text(submission.plan.schedule_version),
                    version_text(fetched.schedule_version()),
                    if facts.ours_live { "our payload is live" } else { "our payload is not live" }
                ));
                let mut rec = self.record("classify");
                rec.classification = Some(class.as_str().into());
                self.append(rec)?;
                reread = Some(fetched);
            }
            match class {
                Classification::Success => {
                    return Ok(Err(self.verify(submission).await?));
                }
                Classification::AlreadyApplied => {
                    let version = reread.as_ref().and_then(Fetched::schedule_version);
                    return Ok(Err(PublishOutcome::Published { schedule_version: version, verified: true, changed_shifts: !submission.plan.changes_no_shift() }));
                }
                Classification::VersionConflict => {
                    self.counters.version_conflicts += 1;
                    let n = self.counters.version_conflicts;
                    if n > self.cfg.version_conflict.max_attempts {
                        let detail = format!(
                            "{} version conflicts in a row: the schedule is being edited concurrently",
                            n
                        );
                        return Ok(Err(self.give_up(GiveUpReason::VersionConflicts, detail)));
                    }
                    let delay = next_delay(&self.cfg.version_conflict, n, self.rng.random::<f64>());
                    self.say(format!(
                        "Version conflict {n}/{}: someone else changed the schedule; backing off {} then re-reading, re-applying and re-validating.",
                        self.cfg.version_conflict.max_attempts,
                        secs(delay)
                    ));
                    if let Err(o) = self.sleep(delay, "versionConflict").await? {
                        return Ok(Err(o));
                    }
                    return Ok(Ok(()));
                }
                Classification::DataConflict => {
                    return Ok(Err(self.data_conflict(prepared, &result, reread).await?));
                }
                Classification::RateLimited => {
                    let retry_after = match &result.response {
                        Response::Http { retry_after, .. } => retry_after.clone(),
                        _ => None,
                    };
                    if let Err(o) = self.wait_rate_limit(retry_after.as_deref(), "write").await? {
                        return Ok(Err(o));
                    }
                }
                Classification::Transient | Classification::NeedsRefetch => {
                    self.say("Nothing changed on the platform: the same payload (same versions) can be resent safely.".to_string());
                    if let Err(o) = self.wait_transient().await? {
                        return Ok(Err(o));
                    }
                }
                Classification::Unauthorized | Classification::Rejected => {
                    let (status, body) = match &result.response {
                        Response::Http { status, body, .. } => (Some(*status), body.clone()),
                        _ => (None, None),
                    };
                    let code = body.as_ref().and_then(error_code).map(str::to_string);
                    self.report.response_body = body;
                    let detail = if class == Classification::Unauthorized {
                        "the platform refused the credentials (401 after a token refresh)".to_string()
                    } else {
                        format!("the platform refused the request ({})", describe(&result))
                    };
                    self.say(format!("Stopped: {detail}; not retried."));
                    return Ok(Err(PublishOutcome::Rejected { step: result.step, status, code, detail }));
                }
            }
        }
    }

    /// Re-reads after a success and checks our payload is live.
    async fn verify(&mut self, submission: &Submission) -> Result<PublishOutcome, PublishError> {
        let changed_shifts = !submission.plan.changes_no_shift();
        match self.fetch("verify").await? {
            Ok(f) => {
                let facts = compare(&submission.plan, submission.etag.as_deref(), &f.document, f.etag.as_deref());
                self.say(if facts.ours_live {
                    format!("Verified: version {} is live with our changes and published.", version_text(f.schedule_version()))
                } else {
                    "Accepted, but the re-read does not show our changes: another writer may have changed the schedule since.".to_string()
                });
                Ok(PublishOutcome::Published { schedule_version: f.schedule_version(), verified: facts.ours_live, changed_shifts })
            }
            Err(_) => {
                self.say("Accepted; the verification re-read failed, so it is not verified.".to_string());
                Ok(PublishOutcome::Published { schedule_version: None, verified: false, changed_shifts })
            }
        }
    }

    /// Stops on a data conflict, explaining each server conflict against a fresh validation.
    async fn data_conflict(
        &mut self,
        prepared: &Prepared,
        result: &SubmitResult,
        reread: Option<Fetched>,
    ) -> Result<PublishOutcome, PublishError> {
        let body = match &result.response {
            Response::Http { body, .. } => body.clone(),
            Response::AsyncError { detail } => detail.clone(),
            _ => None,
        }
        .unwrap_or(Value::Null);
        self.say("Data conflict: the platform refuses this schedule. It will not be resent.".to_string());
        // Explain against the freshest state: the root cause is often something that changed after our read
        // (a new time-off request).
        let fresh = match reread {
            Some(f) => Some(f),
            None => self.fetch("explain").await?.ok(),
        };
        let fresh_snapshot = fresh.as_ref().and_then(|f| f.snapshot().ok());
        let (snapshot, excluded) = match &fresh_snapshot {
            Some(s) => {
                let ids: Vec<&str> = prepared.excluded.iter().map(|&i| prepared.snapshot.trades[i].id.as_str()).collect();
                let excluded = (0..s.trades.len()).filter(|&i| ids.contains(&s.trades[i].id.as_str())).collect();
                (s, excluded)
            }
            None => (&prepared.snapshot, prepared.excluded.clone()),
        };
        let validation = self.validator.validate(snapshot, &excluded);
        let explanations = explain_conflict(snapshot, &validation, &body);
        for e in &explanations {
            self.say(format!("  {}", e.summary));
            for c in &e.root_cause {
                self.say(format!("    because {c}"));
            }
        }
        self.report.findings = validation.findings;
        self.report.conflicts = explanations;
        self.report.response_body = Some(body).filter(|b| !b.is_null());
        Ok(PublishOutcome::DataConflict)
    }

    async fn wait_rate_limit(&mut self, retry_after: Option<&str>, what: &str) -> Flow<()> {
        self.counters.rate_limited += 1;
        let r = self.rng.random::<f64>();
        match rate_limit_wait(&self.cfg.rate_limit, retry_after, self.clock.now(), r) {
            RateLimitDecision::GiveUp { asked } => {
                let detail = format!(
                    "rate limited during {what}; the platform asks to wait {}, more than the {} allowed",
                    secs(asked),
                    secs(self.cfg.rate_limit.max_wait)
                );
                Ok(Err(self.give_up(GiveUpReason::RateLimited, detail)))
            }
            RateLimitDecision::Wait(d) => {
                self.say(format!("Rate limited (429) during {what}: waiting {} as asked.", secs(d)));
                self.sleep(d, "rateLimited").await
            }
        }
    }

    async fn wait_transient(&mut self) -> Flow<()> {
        self.counters.transient += 1;
        let n = self.counters.transient;
        if n > self.cfg.transient.max_attempts {
            let detail = format!("{} transient failures (5xx, timeouts, lost answers)", n);
            return Ok(Err(self.give_up(GiveUpReason::Transient, detail)));
        }
        let delay = next_delay(&self.cfg.transient, n, self.rng.random::<f64>());
        self.say(format!("Transient failure {n}/{}: retrying in {}.", self.cfg.transient.max_attempts, secs(delay)));
        self.sleep(delay, "transient").await
    }

    /// Sleeps unless that would pass the deadline.
    async fn sleep(&mut self, d: Duration, why: &str) -> Flow<()> {
        let until = self.clock.now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1));
        let mut rec = self.record("wait");
        rec.delay_ms = Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        rec.classification = Some(why.to_string());
        self.append(rec)?;
        if until > self.deadline {
            let detail = format!("waiting {} would pass the run deadline", secs(d));
            return Ok(Err(self.give_up(GiveUpReason::Deadline, detail)));
        }
        self.clock.sleep(d).await;
        Ok(Ok(()))
    }

    fn deadline_passed(&mut self, when: &str) -> Option<PublishOutcome> {
        (self.clock.now() >= self.deadline)
            .then(|| self.give_up(GiveUpReason::Deadline, format!("the run deadline passed {when}")))
    }

    fn remaining(&self) -> Duration {
        (self.deadline - self.clock.now()).to_std().unwrap_or(Duration::ZERO)
    }

    fn give_up(&mut self, reason: GiveUpReason, detail: String) -> PublishOutcome {
        self.say(format!("Gave up: {detail}."));
        PublishOutcome::GaveUp { reason, detail }
    }

    fn audit_submit(&mut self, r: &SubmitResult, class: Classification, s: &Submission) -> Result<(), PublishError> {
        let mut rec = self.record("submit");
        rec.step = Some(r.step.as_str().into());
        rec.payload_hash = Some(s.payload_hash.clone());
        rec.context_id.clone_from(&r.context_id);
        rec.operation_id.clone_from(&r.operation_id);
        rec.classification = Some(class.as_str().into());
        if let Response::Http { status, body, .. } = &r.response {
            rec.http_status = Some(*status);
            rec.code = body.as_ref().and_then(error_code).map(str::to_string);
        }
        if let Response::AsyncError { detail } = &r.response {
            rec.code = detail.as_ref().and_then(error_code).map(str::to_string);
        }
        self.append(rec)
    }

    fn record(&mut self, state: &str) -> AuditRecord {
        self.seq += 1;
        AuditRecord {
            run_id: self.run_id.clone(),
            seq: self.seq,
            ts: Some(self.clock.now()),
            state: state.to_string(),
            platform: self.platform.name().to_string(),
            business_unit_id: self.cfg.target.business_unit_id.clone(),
            week_id: self.cfg.target.week_id.clone(),
            schedule_id: self.cfg.target.schedule_id.clone(),
            fetched_version: self.report.fetched_version,
            submitted_version: self.report.submitted_version,
            live_hash: self.report.live_hash.clone(),
            payload_hash: self.report.payload_hash.clone(),
            trades_applied: self.report.trades_applied.clone(),
            trades_excluded: self.report.trades_excluded.clone(),
            attempts: self.counters,
            ..AuditRecord::default()
        }
    }

    fn append(&mut self, rec: AuditRecord) -> Result<(), PublishError> {
        self.audit.append(&rec).map(|_| ())
    }

    fn say(&mut self, line: String) {
        self.report.story.push(line);
    }
}

fn describe(r: &SubmitResult) -> String {
    let ctx = r.context_id.as_deref().map(|c| format!(", contextId {c}")).unwrap_or_default();
    match &r.response {
        Response::Http { status, body, .. } => {
            let code = body.as_ref().and_then(error_code).map(|c| format!(" {c}")).unwrap_or_default();
            format!("HTTP {status}{code} at {}{ctx}", r.step)
        }
        Response::AsyncComplete => format!("the update completed{ctx}"),
        Response::AsyncError { .. } => format!("the update ended with Error, no reason given{ctx}"),
        Response::NoResponse { reason } => format!("no answer at {} ({reason})", r.step),
    }
}

fn version_text(v: Option<i64>) -> String {
    v.map_or_else(|| "(none)".to_string(), |v| v.to_string())
}

fn short(hash: &str) -> String {
    let hex = hash.strip_prefix("sha256:").unwrap_or(hash);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

fn list_suffix(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" ({})", ids.join(", "))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
