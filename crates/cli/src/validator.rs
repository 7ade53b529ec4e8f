//! The checker as the publisher's [`Validator`]: the publisher never depends on the checker, so the binary adapts
//! one to the other here.
//!
//! A finding blocks when its severity reaches `--fail-on` (default `error`) and no waiver covers it; the waivers a
//! check relied on are handed to the publisher for its audit log. A finding's `trade`, `timeOffRequest` and
//! `shift` refs become the ids the publisher uses to exclude trades and to explain server conflicts. A rule that
//! fails at run time fails closed: it becomes a blocking finding naming no trade (so no exclusion can clear it),
//! and the command exits 3.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use shiftgate_check::{Checker, Finding, Report, RuleSet, RunError, Severity};
use shiftgate_model::{apply_trades_excluding, Roster, Snapshot};
use shiftgate_publish::{AuditWaiver, PublishFinding, PublishWaiver, Validation, Validator};

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
    last: Vec<Finding>,
    last_week: Option<CheckedWeek>,
    /// The waivers the last check relied on, for the audit log.
    waivers: Vec<AuditWaiver>,
    failure: Option<String>,
    /// The report of the last check with no trade excluded: what re-validating some agents starts from.
    base: Option<Report>,
}

/// The week a successful check ran on, with its report (what `publish --report` draws).
#[derive(Clone)]
pub(crate) struct CheckedWeek {
    pub(crate) snapshot: Arc<Snapshot>,
    pub(crate) roster: Arc<Roster>,
    pub(crate) report: Report,
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
        self.check_with(snapshot, excluded, None)
    }

    /// [`CheckerValidator::check`]; with `reuse`, no trade is excluded and the rules run only for its agents,
    /// every other agent's findings coming from its report ([`Checker::check_roster_reusing`]).
    fn check_with(
        &self,
        snapshot: &Snapshot,
        excluded: &[usize],
        reuse: Option<(&Report, &BTreeSet<String>)>,
    ) -> Result<Report, RunError> {
        let roster = Arc::new(apply_trades_excluding(snapshot, excluded));
        let as_of = snapshot.as_of.unwrap_or_else(Utc::now);
        let snapshot = Arc::new(snapshot.clone());
        let result = match reuse {
            Some((base, agents)) => {
                self.checker.check_roster_reusing(snapshot.clone(), roster.clone(), as_of, base, agents)
            }
            None => self.checker.check_roster(snapshot.clone(), roster.clone(), as_of),
        };
        self.keep(snapshot, roster, &result, excluded.is_empty());
        result
    }

    /// Keeps what the command reports afterwards, from the latest check.
    fn keep(&self, snapshot: Arc<Snapshot>, roster: Arc<Roster>, result: &Result<Report, RunError>, whole: bool) {
        let mut st = self.state();
        match result {
            Ok(report) => {
                st.last.clone_from(&report.findings);
                st.waivers = relied_on(report);
                st.last_week = Some(CheckedWeek { snapshot, roster, report: report.clone() });
                if whole {
                    st.base = Some(report.clone());
                }
            }
            Err(e) => {
                st.last.clear();
                st.last_week = None;
                st.waivers.clear();
                st.base = None;
                st.failure.get_or_insert_with(|| e.to_string());
            }
        }
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

    /// A check result as the publisher sees it.
    pub(crate) fn validation(&self, result: &Result<Report, RunError>) -> Validation {
        match result {
            Ok(report) => self.validation_of(report),
            Err(e) => Validation { findings: vec![failure_finding(e)] },
        }
    }

    fn validation_of(&self, report: &Report) -> Validation {
        Validation { findings: report.findings.iter().map(|f| self.publish_finding(f)).collect() }
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
            waiver: f.waiver.as_deref().map(|w| PublishWaiver {
                name: w.name(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                approved_on: w.approved_on,
                expires: w.expires,
            }),
        }
    }
}

/// The waivers that waived at least one finding of a report, as the audit records them.
fn relied_on(report: &Report) -> Vec<AuditWaiver> {
    report
        .waivers
        .iter()
        .filter(|s| s.waived > 0)
        .map(|s| AuditWaiver {
            waiver: s.waiver.key(),
            rule: s.waiver.rule.clone(),
            digest: s.waiver.digest(),
            findings: s.waived,
        })
        .collect()
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
        waiver: None,
    }
}

impl Validator for CheckerValidator {
    fn validate(&self, snapshot: &Snapshot, excluded_trades: &[usize]) -> Validation {
        let result = self.check(snapshot, excluded_trades);
        self.validation(&result)
    }

    fn waivers_relied_on(&self) -> Vec<AuditWaiver> {
        self.state().waivers.clone()
    }

    /// Each rule judges one agent's week (the rule-script contract), so the checker's findings are per agent.
    fn per_agent(&self) -> bool {
        true
    }

    /// Re-checks only `agents`, from the last whole check's report, so that the report the command draws and the
    /// waivers it audits stay those of the whole week. The base is used only when it is the validation the
    /// publisher holds as `earlier`; otherwise the whole week is checked.
    fn validate_agents(
        &self,
        whole: &Snapshot,
        _document: &serde_json::Value,
        agents: &BTreeSet<String>,
        earlier: &Validation,
    ) -> Validation {
        let base = self.state().base.clone();
        match base.filter(|b| self.validation_of(b) == *earlier) {
            Some(base) => self.validation(&self.check_with(whole, &[], Some((&base, agents)))),
            None => self.validate(whole, &[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiftgate_check::{Config, Limits, RuleLibrary, RuleSet};
    use shiftgate_publish::fake::FakePlatform;
    use shiftgate_publish::{publish, AuditLog, PublishConfig, PublishOutcome, Target, TokioClock};

    const CONFIG: &str = r#"
[rules."core.rest.min-between-shifts"]
severity = "error"

[[waivers]]
id = "HR-2026-114"
rule = "core.rest.min-between-shifts"
tag = "chicago-fww"
reason = "Fair Workweek rest consents on file"
approved_by = "Dana Ruiz, HR"
approved_on = 2026-11-05
expires = 2026-12-31

[[waivers]]
rule = "core.rest.min-between-shifts"
agent = "a-3"
reason = "One-off: a-3 asked to swap into the Saturday opening"
approved_by = "Sam Lee, operations"
approved_on = 2026-11-05
expires = 2026-12-31
"#;

    /// Publishes the waiver fixture's week to a fake platform with the checker as validator; the audit's lines.
    fn publish_week(config: &str) -> (PublishOutcome, Vec<String>) {
        let week = include_str!("../../../fixtures/waivers/week.json");
        let document: serde_json::Value = serde_json::from_str(week).unwrap();
        let as_of = shiftgate_model::time::parse_instant(document["asOf"].as_str().unwrap());
        let config = Config::from_toml(config, "shiftgate.toml").unwrap();
        let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &config, Limits::default()).unwrap();
        let validator = CheckerValidator::new(Checker::new(rules, Some(1)), Some(Severity::Error));
        let target =
            Target { business_unit_id: "bu-chi".into(), week_id: "2026-11-29".into(), schedule_id: "sch-48".into() };
        let mut publish_config = PublishConfig::new(target);
        publish_config.as_of = as_of;
        publish_config.run_id = Some("run-waivers".into());
        let mut audit = AuditLog::in_memory();
        let fake = FakePlatform::new(document);
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let report = rt.block_on(publish(&fake, &validator, &TokioClock::new(), &mut audit, &publish_config)).unwrap();
        (report.outcome, audit.lines().to_vec())
    }

    #[test]
    fn publish_records_in_its_audit_which_waivers_it_relied_on_and_nothing_personal() {
        let (outcome, lines) = publish_week("[rules.\"core.rest.min-between-shifts\"]\nseverity = \"error\"\n");
        assert!(matches!(outcome, PublishOutcome::Blocked), "{outcome:?}");
        assert!(lines.iter().all(|l| !l.contains("waiversReliedOn")), "{lines:#?}");

        let (outcome, lines) = publish_week(CONFIG);
        assert!(matches!(outcome, PublishOutcome::Published { .. }), "{outcome:?}");
        let validate = lines.iter().find(|l| l.contains("\"state\":\"validate\"")).expect("a validate line");
        let record: serde_json::Value = serde_json::from_str(validate).unwrap();
        let relied: Vec<(&str, &str, u64)> = record["waiversReliedOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["waiver"].as_str().unwrap(), w["rule"].as_str().unwrap(), w["findings"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            relied,
            [
                ("HR-2026-114", "core.rest.min-between-shifts", 2),
                ("shiftgate.toml#2", "core.rest.min-between-shifts", 1),
            ]
        );
        assert_eq!(record["waiversReliedOn"][0]["digest"].as_str().unwrap().len(), 12);
        assert_eq!(record["blockingFindings"], 0);
        // Reasons and approvers stay in the configuration: the audit holds ids and hashes only.
        for l in &lines {
            assert!(!l.contains("Dana Ruiz") && !l.contains("consents on file") && !l.contains("Sam Lee"), "{l}");
        }
    }
}
