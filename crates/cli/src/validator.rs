//! The checker as the publisher's [`Validator`]: the publisher never depends on the checker, so the binary adapts
//! one to the other here.
//!
//! A finding blocks when its severity reaches `--fail-on` (default `error`). Its `trade`, `timeOffRequest` and
//! `shift` refs become the ids the publisher uses to exclude trades and to explain server conflicts. A rule that
//! fails at run time fails closed: it becomes a blocking finding naming no trade (so no exclusion can clear it),
//! and the command exits 3.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use shiftgate_check::{Checker, Finding, Report, RuleSet, RunError, Severity};
use shiftgate_model::{apply_trades_excluding, Roster, Snapshot};
use shiftgate_publish::{PublishFinding, Validation, Validator};

/// Rule id of the finding that stands for a rule failure.
pub(crate) const RULE_FAILURE: &str = "shiftgate.rule-failed";

/// The checker behind the [`Validator`] seam, keeping what the command reports afterwards.
pub(crate) struct CheckerValidator {
    checker: Checker,
    fail_on: Option<Severity>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    calls: u32,
    spent: Duration,
    last: Vec<Finding>,
    last_week: Option<CheckedWeek>,
    failure: Option<String>,
}

/// The week a successful check ran on, with its report (what `publish --report` draws).
#[derive(Clone)]
pub(crate) struct CheckedWeek {
    pub(crate) snapshot: Arc<Snapshot>,
    pub(crate) roster: Arc<Roster>,
    pub(crate) report: Report,
}

/// How long validation took over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ValidationTimings {
    /// Validator calls (the first check, each exclusion round, each re-read, the conflict explanation).
    pub(crate) calls: u32,
    /// Time spent in them: copying the snapshot, applying trades, running the rules.
    pub(crate) spent: Duration,
}

impl CheckerValidator {
    pub(crate) fn new(checker: Checker, fail_on: Option<Severity>) -> CheckerValidator {
        CheckerValidator { checker, fail_on, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave these counters half-written; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks a snapshot with some approved trades left out, at the snapshot's `asOf` (the publisher sets it to
    /// the fetch time; a snapshot without one is checked now).
    pub(crate) fn check(&self, snapshot: &Snapshot, excluded: &[usize]) -> Result<Report, RunError> {
        let started = Instant::now();
        let roster = Arc::new(apply_trades_excluding(snapshot, excluded));
        let as_of = snapshot.as_of.unwrap_or_else(Utc::now);
        let snapshot = Arc::new(snapshot.clone());
        let result = self.checker.check_roster(snapshot.clone(), roster.clone(), as_of);
        let mut st = self.state();
        st.calls += 1;
        st.spent += started.elapsed();
        match &result {
            Ok(report) => {
                st.last.clone_from(&report.findings);
                st.last_week = Some(CheckedWeek { snapshot, roster, report: report.clone() });
            }
            Err(e) => {
                st.last.clear();
                st.last_week = None;
                st.failure.get_or_insert_with(|| e.to_string());
            }
        }
        result
    }

    /// Whether a finding blocks at the configured `--fail-on`.
    pub(crate) fn blocks(&self, f: &Finding) -> bool {
        crate::render::blocks(f, self.fail_on)
    }

    /// The findings of the last successful check (with their local times, for rendering).
    pub(crate) fn last_findings(&self) -> Vec<Finding> {
        self.state().last.clone()
    }

    /// The week and report of the last check, when it succeeded.
    pub(crate) fn last_week(&self) -> Option<CheckedWeek> {
        self.state().last_week.clone()
    }

    /// The rules the checker runs.
    pub(crate) fn rules(&self) -> &RuleSet {
        self.checker.rules()
    }

    /// The first rule failure of the run, if any (exit code 3).
    pub(crate) fn rule_failure(&self) -> Option<String> {
        self.state().failure.clone()
    }

    pub(crate) fn timings(&self) -> ValidationTimings {
        let st = self.state();
        ValidationTimings { calls: st.calls, spent: st.spent }
    }

    /// A check result as the publisher sees it.
    pub(crate) fn validation(&self, result: &Result<Report, RunError>) -> Validation {
        match result {
            Ok(report) => Validation { findings: report.findings.iter().map(|f| self.publish_finding(f)).collect() },
            Err(e) => Validation { findings: vec![failure_finding(e)] },
        }
    }

    pub(crate) fn publish_finding(&self, f: &Finding) -> PublishFinding {
        let refs = |kind: &str| f.refs.get(kind).cloned().unwrap_or_default();
        PublishFinding {
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_string(),
            blocking: self.blocks(f),
            agent_id: f.agent_id.clone(),
            start: f.start,
            end: f.end,
            message: f.message.clone(),
            trade_ids: refs("trade"),
            time_off_request_ids: refs("timeOffRequest"),
            shift_ids: refs("shift"),
            cause: f.cause.clone(),
        }
    }
}

/// A rule that failed: blocking, and naming no trade so that excluding trades can never clear it.
fn failure_finding(e: &RunError) -> PublishFinding {
    let epoch = chrono::DateTime::<Utc>::UNIX_EPOCH;
    PublishFinding {
        rule: RULE_FAILURE.to_string(),
        severity: Severity::Error.as_str().to_string(),
        blocking: true,
        agent_id: e.agent.clone(),
        start: epoch,
        end: epoch,
        message: format!("rule {} failed while checking {}; the gate fails closed", e.rule, e.agent),
        trade_ids: Vec::new(),
        time_off_request_ids: Vec::new(),
        shift_ids: Vec::new(),
        cause: vec![e.to_string()],
    }
}

impl Validator for CheckerValidator {
    fn validate(&self, snapshot: &Snapshot, excluded_trades: &[usize]) -> Validation {
        let result = self.check(snapshot, excluded_trades);
        self.validation(&result)
    }
}
