//! Data-conflict checks the simulator runs on a schedule before accepting a write (wfm-api.md §5).
//!
//! They mirror what the local validator predicts, so a publisher with zero local blocking findings never meets
//! one: a non-TimeOff activity overlapping a PENDING or APPROVED time-off request of the agent (reflected or not),
//! two overlapping shifts of one agent, an activity outside its shift, two overlapping activities of one shift,
//! and a schedule for a user who is not an agent of the business unit.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use shiftgate_model::{AgentIx, Category, Interval, Shift, Snapshot, TimeOffRequest, TimeOffRequestId};

/// Why a write conflicts with the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ConflictKind {
    /// A non-TimeOff activity (or an activity-less shift) overlaps a PENDING or APPROVED time-off request.
    TimeOffOverlap,
    /// Two shifts of one agent overlap.
    ShiftOverlap,
    /// An activity lies (partly) outside its shift.
    ActivityOutsideShift,
    /// Two activities of one shift overlap.
    ActivityOverlap,
    /// The schedule names a user who is not an agent of the business unit.
    UnknownAgent,
}

/// One data conflict: the agent, the time range, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    /// The agent (user id).
    pub agent_id: String,
    /// Start of the conflicting range, RFC 3339 UTC (`2026-12-01T14:00:00Z`).
    pub start: String,
    /// End of the conflicting range (exclusive).
    pub end: String,
    /// The kind of conflict.
    pub kind: ConflictKind,
    /// One sentence naming the entities involved.
    pub reason: String,
    /// The time-off request involved, for `TimeOffOverlap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_off_request_id: Option<String>,
    /// The shift involved (the later one for `ShiftOverlap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_id: Option<String>,
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn conflict(agent: &str, iv: Interval, kind: ConflictKind, reason: String) -> Conflict {
    Conflict {
        agent_id: agent.to_string(),
        start: rfc3339(iv.start),
        end: rfc3339(iv.end),
        kind,
        reason,
        time_off_request_id: None,
        shift_id: None,
    }
}

/// A conflict for a user who is not an agent; `span` is the time their schedule covers.
pub(crate) fn unknown_agent(user: &str, span: Interval) -> Conflict {
    conflict(user, span, ConflictKind::UnknownAgent, format!("user {user} is not an agent of the business unit"))
}

/// Every conflict in the schedules of `agents`, sorted.
pub(crate) fn find(snapshot: &Snapshot, agents: &[AgentIx]) -> Vec<Conflict> {
    // Group once: a write may name every agent of a large unit.
    let mut shifts_of: HashMap<AgentIx, Vec<&Shift>> = HashMap::new();
    for s in &snapshot.shifts {
        shifts_of.entry(s.owner).or_default().push(s);
    }
    let mut requests_of: HashMap<AgentIx, Vec<&TimeOffRequest>> = HashMap::new();
    for r in snapshot.time_off.iter().filter(|r| r.status.is_live()) {
        requests_of.entry(r.agent).or_default().push(r);
    }
    let mut marked: HashMap<AgentIx, Vec<&TimeOffRequestId>> = HashMap::new();
    for m in &snapshot.markers {
        if let Some(t) = &m.time_off_request {
            marked.entry(m.agent).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for &agent in agents {
        let id = snapshot.agent(agent).id.as_str();
        let mut shifts = shifts_of.remove(&agent).unwrap_or_default();
        shifts.sort_by(|a, b| (a.interval, a.id.as_str()).cmp(&(b.interval, b.id.as_str())));
        shift_overlaps(id, &shifts, &mut out);
        for s in &shifts {
            activity_problems(id, s, &mut out);
        }
        let requests = requests_of.remove(&agent).unwrap_or_default();
        let markers = marked.remove(&agent).unwrap_or_default();
        time_off_overlaps(id, &requests, &markers, &shifts, &mut out);
    }
    out.sort();
    out
}

fn shift_overlaps(agent: &str, shifts: &[&Shift], out: &mut Vec<Conflict>) {
    for (j, later) in shifts.iter().enumerate() {
        for earlier in &shifts[..j] {
            if let Some(iv) = earlier.interval.intersection(&later.interval) {
                let mut c = conflict(
                    agent,
                    iv,
                    ConflictKind::ShiftOverlap,
                    format!("shift {} overlaps shift {} of the same agent", later.id, earlier.id),
                );
                c.shift_id = Some(later.id.to_string());
                out.push(c);
            }
        }
    }
}

fn activity_problems(agent: &str, shift: &Shift, out: &mut Vec<Conflict>) {
    for (k, a) in shift.activities.iter().enumerate() {
        if !shift.interval.contains(&a.interval) {
            let mut c = conflict(
                agent,
                a.interval,
                ConflictKind::ActivityOutsideShift,
                format!("activity {k} of shift {} lies outside the shift", shift.id),
            );
            c.shift_id = Some(shift.id.to_string());
            out.push(c);
        }
        for (m, b) in shift.activities.iter().enumerate().skip(k + 1) {
            if let Some(iv) = a.interval.intersection(&b.interval) {
                let mut c = conflict(
                    agent,
                    iv,
                    ConflictKind::ActivityOverlap,
                    format!("activities {k} and {m} of shift {} overlap", shift.id),
                );
                c.shift_id = Some(shift.id.to_string());
                out.push(c);
            }
        }
    }
}

/// Work time of a shift: its non-TimeOff activities, or the whole shift when it has none.
fn work_intervals(shift: &Shift) -> Vec<Interval> {
    if shift.activities.is_empty() {
        return vec![shift.interval];
    }
    let mut v: Vec<Interval> =
        shift.activities.iter().filter(|a| a.category != Category::TimeOff).map(|a| a.interval).collect();
    v.sort();
    v
}

fn time_off_overlaps(
    id: &str,
    requests: &[&TimeOffRequest],
    markers: &[&TimeOffRequestId],
    shifts: &[&Shift],
    out: &mut Vec<Conflict>,
) {
    for req in requests {
        let reflected = shifts
            .iter()
            .flat_map(|s| &s.activities)
            .filter_map(|a| a.time_off_request.as_ref())
            .chain(markers.iter().copied())
            .any(|t| *t == req.id);
        for shift in shifts {
            // Adjacent work activities inside one request give one conflict, not one per activity.
            let mut merged: Vec<Interval> = Vec::new();
            for w in work_intervals(shift) {
                for r in &req.intervals {
                    if let Some(iv) = w.intersection(r) {
                        match merged.last_mut() {
                            Some(last) if last.end >= iv.start => last.end = last.end.max(iv.end),
                            _ => merged.push(iv),
                        }
                    }
                }
            }
            for iv in merged {
                let mut c = conflict(
                    id,
                    iv,
                    ConflictKind::TimeOffOverlap,
                    format!(
                        "shift {} overlaps {} time-off request {}{}",
                        shift.id,
                        req.status.as_str(),
                        req.id,
                        if reflected { "" } else { " (not reflected in the schedule)" }
                    ),
                );
                c.time_off_request_id = Some(req.id.to_string());
                c.shift_id = Some(shift.id.to_string());
                out.push(c);
            }
        }
    }
}
