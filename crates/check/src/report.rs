//! The report of one check run: `shiftgate.report/1`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shiftgate_model::Snapshot;

use crate::finding::{Finding, Severity};
use crate::rule::RuleSet;
use crate::waive::{WaiverNote, WaiverStatus};

/// The format tag of JSON reports.
pub const REPORT_FORMAT: &str = "shiftgate.report/1";

/// Findings of one snapshot with what produced them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: &'static str,
    /// Which schedule was checked.
    pub snapshot: SnapshotRef,
    /// The instant the rules evaluated at.
    pub as_of: DateTime<Utc>,
    /// The rules that ran.
    pub rules: Vec<RuleRef>,
    /// Counts.
    pub summary: Summary,
    /// Findings sorted by (agent, start, rule, fingerprint), waived ones included (with their `waiver`).
    pub findings: Vec<Finding>,
    /// Every configured waiver's standing in this run, in the order they are written (absent without waivers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverStatus>,
    /// Rules that ran but had nothing to judge, because the snapshot's source cannot supply what they read
    /// (`source.lacks`): their silence is not a pass. Absent from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_judged: Vec<NotJudged>,
}

/// A rule that had nothing to judge in part or in whole: it reads a list the snapshot's source lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotJudged {
    /// Rule id.
    pub rule: String,
    /// The snapshot list the source lacks (`timeOffRequests`, `shiftTrades`).
    pub lacks: &'static str,
    /// One sentence for people, e.g. `the cxone source carries no time-off requests`.
    pub reason: String,
}

/// Identifies the checked schedule.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRef {
    /// Business unit id.
    pub business_unit_id: String,
    /// Schedule id.
    pub schedule_id: String,
    /// First local day.
    pub week_date: String,
    /// The business unit's zone.
    pub time_zone: String,
    /// Schedule version, if known.
    pub version: Option<i64>,
}

/// A rule that ran, with its effective severity and a hash of its script and parameters.
#[derive(Clone, Debug, Serialize)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// Pack.
    pub pack: String,
    /// Effective severity.
    pub severity: Severity,
    /// Script and parameter hash.
    pub hash: String,
}

/// Finding counts. Waived findings are counted apart, never in `error`, `warning` or `info`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Errors (not waived).
    pub error: usize,
    /// Warnings (not waived).
    pub warning: usize,
    /// Infos (not waived).
    pub info: usize,
    /// Findings a waiver covers, whatever their severity.
    pub waived: usize,
    /// Agents checked.
    pub agents: usize,
    /// Agents with at least one finding.
    pub agents_with_findings: usize,
}

impl Report {
    pub(crate) fn new(
        snapshot: &Snapshot,
        as_of: DateTime<Utc>,
        rules: &RuleSet,
        findings: Vec<Finding>,
        waivers: Vec<WaiverStatus>,
    ) -> Report {
        let count = |s| findings.iter().filter(|f| f.severity == s && !f.is_waived()).count();
        let mut agents: Vec<&str> = findings.iter().map(|f| f.agent_id.as_str()).collect();
        agents.dedup();
        let summary = Summary {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
            waived: findings.iter().filter(|f| f.is_waived()).count(),
            agents: snapshot.agents.len(),
            agents_with_findings: agents.len(),
        };
        Report {
            format: REPORT_FORMAT,
            snapshot: SnapshotRef {
                business_unit_id: snapshot.business_unit.id.clone(),
                schedule_id: snapshot.schedule.id.clone(),
                week_date: snapshot.schedule.week_date.to_string(),
                time_zone: snapshot.zone().name().to_string(),
                version: snapshot.schedule.version,
            },
            as_of,
            rules: rules
                .rules()
                .iter()
                .filter(|r| r.enabled)
                .map(|r| RuleRef { id: r.id.clone(), pack: r.pack.clone(), severity: r.severity, hash: r.hash.clone() })
                .collect(),
            summary,
            findings,
            waivers,
            not_judged: not_judged(snapshot, rules),
        }
    }

    /// Findings at or above a severity that no waiver covers: the ones that block at that level.
    pub fn at_least(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity >= severity && !f.is_waived())
    }

    /// The findings a waiver covers.
    pub fn waived(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_waived())
    }

    /// The notes about waivers (expired, unused, ...), with the waiver each is about.
    pub fn waiver_notes(&self) -> impl Iterator<Item = (&WaiverStatus, &WaiverNote)> {
        self.waivers.iter().flat_map(|s| s.notes.iter().map(move |n| (s, n)))
    }
}

/// The enabled rules that read a list the snapshot's source lacks (anywhere in their script, see
/// [`crate::list_reads`]), in rule order, each with the first such list.
fn not_judged(snapshot: &Snapshot, rules: &RuleSet) -> Vec<NotJudged> {
    let Some(source) = snapshot.source.as_ref() else { return Vec::new() };
    rules
        .rules()
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|r| {
            let lack = r.lacking_lists_read.iter().copied().find(|&l| source.lacks(l))?;
            Some(NotJudged {
                rule: r.id.clone(),
                lacks: lack.as_str(),
                reason: format!("the {} source carries no {}", source.kind, lack.describe()),
            })
        })
        .collect()
}
