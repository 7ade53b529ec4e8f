//! Applying waivers to a run's findings, failing closed.
//!
//! A finding is waived by the first waiver (in the order they are written) that is in force at the evaluation
//! instant and covers it: same rule, the finding's agent is the waiver's agent or carries its tag, and the
//! finding's whole interval lies within the waiver's local dates (`from`, or any time, to the end of `until`, and
//! never past the end of `expires`), judged in the business unit's zone. A waived finding stays in the report
//! with its waiver and never blocks.
//!
//! Every waiver gets a status for the run: in force, expired (a warning: the findings it covered count again), not
//! yet in force (a warning), and notes for a waiver that matched nothing (unused, as ruff reports an unused
//! `noqa`), whose rule did not run, or whose agent or tag the snapshot does not know. Waivers only ever touch
//! findings: input errors and rule failures are errors of the run, which no waiver can reach.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shiftgate_model::{Snapshot, Zone};

use crate::finding::{Finding, Severity};
use crate::waiver::{Waiver, WaiverScope};

/// A validated waiver, with whether its rule runs in this rule set.
#[derive(Clone, Debug)]
pub(crate) struct Configured {
    pub(crate) waiver: Waiver,
    pub(crate) rule_runs: bool,
}

/// Where a waiver stands at the evaluation instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WaiverState {
    /// Approved and not expired: it applies.
    Active,
    /// Past its `expires` date: it no longer applies.
    Expired,
    /// Its `approved_on` date is still to come: it does not apply yet.
    NotYetInForce,
}

impl WaiverState {
    /// `active`, `expired`, `not yet in force`.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Active => "active",
            WaiverState::Expired => "expired",
            WaiverState::NotYetInForce => "not yet in force",
        }
    }
}

/// What a note about a waiver says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NoteKind {
    /// It expired: the findings it covered count again.
    Expired,
    /// It is not approved yet at the evaluation date.
    NotYetInForce,
    /// It matched no finding.
    Unused,
    /// Its rule did not run (pack not selected, or the rule disabled).
    RuleNotRun,
    /// Its agent is not in the snapshot.
    UnknownAgent,
    /// No agent of the snapshot carries its tag.
    UnknownTag,
}

impl NoteKind {
    /// The note's stable id, as SARIF notifications and GitHub annotations name it.
    pub fn id(self) -> &'static str {
        match self {
            NoteKind::Expired => "waiver.expired",
            NoteKind::NotYetInForce => "waiver.not-yet-in-force",
            NoteKind::Unused => "waiver.unused",
            NoteKind::RuleNotRun => "waiver.rule-not-run",
            NoteKind::UnknownAgent => "waiver.unknown-agent",
            NoteKind::UnknownTag => "waiver.unknown-tag",
        }
    }
}

/// A note about a waiver in one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaiverNote {
    /// `warning` for a waiver that does not apply (expired, not yet in force), `info` otherwise. Notes never
    /// block: the findings an expired waiver no longer covers block at their own severity.
    pub severity: Severity,
    /// What kind of note.
    pub kind: NoteKind,
    /// One sentence naming the waiver.
    pub message: String,
}

/// One waiver's standing in one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaiverStatus {
    /// The waiver.
    #[serde(flatten)]
    pub waiver: Waiver,
    /// In force, expired, or not yet.
    pub state: WaiverState,
    /// Days from the evaluation date to `expires` (0: its last day; negative: expired that many days ago).
    pub days_left: i64,
    /// Findings it waived in this run.
    pub waived: usize,
    /// Warnings and notes about it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<WaiverNote>,
}

impl WaiverStatus {
    /// The state of a waiver at a local date, with the days left.
    pub fn state_at(waiver: &Waiver, today: NaiveDate) -> (WaiverState, i64) {
        let days_left = (waiver.expires - today).num_days();
        let state = if today > waiver.expires {
            WaiverState::Expired
        } else if today < waiver.approved_on {
            WaiverState::NotYetInForce
        } else {
            WaiverState::Active
        };
        (state, days_left)
    }
}

/// Marks the findings that an active waiver covers and returns every waiver's status for the run.
pub(crate) fn apply(
    waivers: &[Configured],
    snapshot: &Snapshot,
    as_of: DateTime<Utc>,
    findings: &mut [Finding],
) -> Vec<WaiverStatus> {
    if waivers.is_empty() {
        return Vec::new();
    }
    let zone = snapshot.zone();
    let today = zone.local_date(as_of);
    let mut statuses: Vec<WaiverStatus> = waivers
        .iter()
        .map(|c| {
            let (state, days_left) = WaiverStatus::state_at(&c.waiver, today);
            WaiverStatus { waiver: c.waiver.clone(), state, days_left, waived: 0, notes: Vec::new() }
        })
        .collect();
    let tags: HashMap<&str, &[String]> = snapshot.agents.iter().map(|a| (a.id.as_str(), a.tags.as_slice())).collect();
    // Waivers that can apply, by (rule, whom), in the order they are written: a finding looks up its agent and
    // each of its agent's tags, so thousands of waivers cost a few lookups per finding, not a scan.
    let mut by_scope: HashMap<(&str, &WaiverScope), Vec<usize>> = HashMap::new();
    for (i, s) in statuses.iter().enumerate() {
        if s.state == WaiverState::Active && waivers[i].rule_runs {
            by_scope.entry((s.waiver.rule.as_str(), &s.waiver.scope)).or_default().push(i);
        }
    }
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    if !by_scope.is_empty() {
        for (f, finding) in findings.iter().enumerate() {
            let agent_tags = tags.get(finding.agent_id.as_str()).copied().unwrap_or_default();
            let scopes = std::iter::once(WaiverScope::Agent(finding.agent_id.clone()))
                .chain(agent_tags.iter().map(|t| WaiverScope::Tag(t.clone())));
            // The first waiver in file order that covers it, among its agent's and its tags' waivers.
            let first = scopes
                .filter_map(|scope| {
                    let list = by_scope.get(&(finding.rule.as_str(), &scope))?;
                    list.iter().copied().find(|&w| covers(&statuses[w].waiver, finding, agent_tags, zone))
                })
                .min();
            if let Some(w) = first {
                chosen.push((f, w));
            }
        }
    }
    let shared: Vec<Arc<Waiver>> = statuses.iter().map(|s| Arc::new(s.waiver.clone())).collect();
    for (f, w) in chosen {
        statuses[w].waived += 1;
        findings[f].waiver = Some(shared[w].clone());
    }
    let known_tags: HashSet<&str> = snapshot.agents.iter().flat_map(|a| a.tags.iter().map(String::as_str)).collect();
    for (status, c) in statuses.iter_mut().zip(waivers) {
        let note = note(status, c.rule_runs, today, &tags, &known_tags);
        status.notes.extend(note);
    }
    statuses
}

/// Whether a waiver covers a finding (its state aside): whom, and the finding's whole interval within its dates.
fn covers(w: &Waiver, f: &Finding, agent_tags: &[String], zone: Zone) -> bool {
    let whom = match &w.scope {
        WaiverScope::Agent(a) => *a == f.agent_id,
        WaiverScope::Tag(t) => agent_tags.iter().any(|x| x == t),
    };
    let after_start = w.from.is_none_or(|d| f.start >= zone.day_start(d));
    let end_of_last_day = zone.day(w.last_covered_day()).end;
    whom && after_start && f.end <= end_of_last_day
}

/// The one note a waiver earns, most telling first.
fn note(
    s: &WaiverStatus,
    rule_runs: bool,
    today: NaiveDate,
    tags: &HashMap<&str, &[String]>,
    known_tags: &HashSet<&str>,
) -> Option<WaiverNote> {
    let w = &s.waiver;
    let name = w.describe();
    let (severity, kind, message) = match s.state {
        WaiverState::Expired => (
            Severity::Warning,
            NoteKind::Expired,
            format!(
                "{name} expired on {} (evaluated on {today}): it no longer applies, so the findings it covered count \
                 again; renew it with a new approval or remove it",
                w.expires
            ),
        ),
        WaiverState::NotYetInForce => (
            Severity::Warning,
            NoteKind::NotYetInForce,
            format!(
                "{name} is approved from {}, after the evaluation date {today}: it does not apply yet",
                w.approved_on
            ),
        ),
        WaiverState::Active if !rule_runs => (
            Severity::Info,
            NoteKind::RuleNotRun,
            format!(
                "{name}: rule {} did not run (its pack is not selected, or it is disabled), so it waived nothing",
                w.rule
            ),
        ),
        WaiverState::Active if s.waived > 0 => return None,
        WaiverState::Active => match &w.scope {
            WaiverScope::Agent(a) if !tags.contains_key(a.as_str()) => {
                (Severity::Info, NoteKind::UnknownAgent, format!("{name}: agent {a} is not in this snapshot"))
            }
            WaiverScope::Tag(t) if !known_tags.contains(t.as_str()) => {
                (Severity::Info, NoteKind::UnknownTag, format!("{name}: no agent of this snapshot has tag {t}"))
            }
            _ => (
                Severity::Info,
                NoteKind::Unused,
                format!(
                    "{name} matched no finding in this run (unused waiver): remove it, or check its rule, {} and dates",
                    match w.scope {
                        WaiverScope::Agent(_) => "agent",
                        WaiverScope::Tag(_) => "tag",
                    }
                ),
            ),
        },
    };
    Some(WaiverNote { severity, kind, message })
}
