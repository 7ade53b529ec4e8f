//! Data-conflict checks the simulator runs on a schedule before accepting a write (wfm-api.md §5).
//!
//! They mirror what the local validator predicts, so a publisher with zero local blocking findings never meets
//! one: a non-TimeOff activity overlapping a PENDING or APPROVED time-off request of the agent (reflected or not),
//! two overlapping shifts of one agent, an activity outside its shift, two overlapping activities of one shift,
//! and a schedule for a user who is not an agent of the business unit.
//!
//! Bounded whatever the input: a [`Collector`] lists conflicts up to a count and a text budget and only counts
//! the rest, and overlapping pairs are found by a sweep (sorted by start, the still-open intervals in a heap by
//! end), which costs O(n log n) plus the pairs it lists: 3,000 mutually overlapping activities are ~4.5 million
//! pairs, counted, never built.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use shiftgate_model::{
    reflected_requests, AgentIx, Category, FullDayMarker, Interval, Shift, Snapshot, TimeOffRequest,
};

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

/// Conflicts as found: the listed ones (sorted), and how many more there were.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Found {
    pub listed: Vec<Conflict>,
    pub unlisted: u64,
}

/// Lists conflicts up to a count and a text budget, then only counts them.
#[derive(Debug)]
pub(crate) struct Collector {
    found: Found,
    max: usize,
    text_left: usize,
    full: bool,
}

impl Collector {
    pub(crate) fn new(max: usize, text_bytes: usize) -> Collector {
        Collector { found: Found::default(), max, text_left: text_bytes, full: max == 0 }
    }

    fn is_full(&self) -> bool {
        self.full
    }

    /// Lists the conflict `make` builds, or only counts it once the collector is full (`make` is not called).
    pub(crate) fn add(&mut self, make: impl FnOnce() -> Conflict) {
        if self.full {
            self.found.unlisted += 1;
            return;
        }
        let c = make();
        let text = c.agent_id.len() + c.reason.len() + c.start.len() + c.end.len();
        let text =
            text + c.shift_id.as_ref().map_or(0, String::len) + c.time_off_request_id.as_ref().map_or(0, String::len);
        if text > self.text_left {
            self.full = true;
            self.found.unlisted += 1;
            return;
        }
        self.text_left -= text;
        self.found.listed.push(c);
        self.full = self.found.listed.len() >= self.max;
    }

    fn count(&mut self, n: usize) {
        self.found.unlisted += n as u64;
    }

    pub(crate) fn finish(mut self) -> Found {
        self.found.listed.sort();
        self.found
    }
}

/// Every conflict in the schedules of `agents`, into `out`.
pub(crate) fn find(snapshot: &Snapshot, agents: &[AgentIx], out: &mut Collector) {
    // Group once: a write may name every agent of a large unit.
    let mut shifts_of: HashMap<AgentIx, Vec<&Shift>> = HashMap::new();
    for s in &snapshot.shifts {
        shifts_of.entry(s.owner).or_default().push(s);
    }
    let mut requests_of: HashMap<AgentIx, Vec<&TimeOffRequest>> = HashMap::new();
    for r in snapshot.time_off.iter().filter(|r| r.status.is_live()) {
        requests_of.entry(r.agent).or_default().push(r);
    }
    let mut marked: HashMap<AgentIx, Vec<&FullDayMarker>> = HashMap::new();
    for m in &snapshot.markers {
        marked.entry(m.agent).or_default().push(m);
    }
    for &agent in agents {
        let id = snapshot.agent(agent).id.as_str();
        let mut shifts = shifts_of.remove(&agent).unwrap_or_default();
        shifts.sort_by(|a, b| (a.interval, a.id.as_str()).cmp(&(b.interval, b.id.as_str())));
        shift_overlaps(id, &shifts, out);
        for s in &shifts {
            activity_problems(id, s, out);
        }
        let requests = requests_of.remove(&agent).unwrap_or_default();
        let markers = marked.remove(&agent).unwrap_or_default();
        time_off_overlaps(id, &requests, &markers, &shifts, out);
    }
}

/// Calls `pair(earlier, later, overlap)` for every overlapping pair of `ivs` (sorted by start) while `out` lists,
/// and only counts pairs once it is full. Each interval overlaps exactly the open intervals it meets.
fn sweep_pairs(ivs: &[Interval], out: &mut Collector, mut pair: impl FnMut(usize, usize, Interval) -> Conflict) {
    let mut open: BinaryHeap<Reverse<(chrono::DateTime<Utc>, usize)>> = BinaryHeap::new();
    for (j, later) in ivs.iter().enumerate() {
        while open.peek().is_some_and(|Reverse((end, _))| *end <= later.start) {
            open.pop();
        }
        if out.is_full() {
            out.count(open.len());
        } else {
            let mut earlier: Vec<usize> = open.iter().map(|Reverse((_, i))| *i).collect();
            earlier.sort_unstable();
            for i in earlier {
                if let Some(iv) = ivs[i].intersection(later) {
                    out.add(|| pair(i, j, iv));
                }
            }
        }
        open.push(Reverse((later.end, j)));
    }
}

fn shift_overlaps(agent: &str, shifts: &[&Shift], out: &mut Collector) {
    let ivs: Vec<Interval> = shifts.iter().map(|s| s.interval).collect();
    sweep_pairs(&ivs, out, |i, j, iv| {
        let (earlier, later) = (shifts[i], shifts[j]);
        let mut c = conflict(
            agent,
            iv,
            ConflictKind::ShiftOverlap,
            format!("shift {} overlaps shift {} of the same agent", later.id, earlier.id),
        );
        c.shift_id = Some(later.id.to_string());
        c
    });
}

fn activity_problems(agent: &str, shift: &Shift, out: &mut Collector) {
    for (k, a) in shift.activities.iter().enumerate() {
        if !shift.interval.contains(&a.interval) {
            out.add(|| {
                let mut c = conflict(
                    agent,
                    a.interval,
                    ConflictKind::ActivityOutsideShift,
                    format!("activity {k} of shift {} lies outside the shift", shift.id),
                );
                c.shift_id = Some(shift.id.to_string());
                c
            });
        }
    }
    // Activity numbers in messages are their places in the shift as given.
    let mut order: Vec<usize> = (0..shift.activities.len()).collect();
    order.sort_by_key(|&k| (shift.activities[k].interval, k));
    let ivs: Vec<Interval> = order.iter().map(|&k| shift.activities[k].interval).collect();
    sweep_pairs(&ivs, out, |i, j, iv| {
        let (k, m) = (order[i].min(order[j]), order[i].max(order[j]));
        let mut c = conflict(
            agent,
            iv,
            ConflictKind::ActivityOverlap,
            format!("activities {k} and {m} of shift {} overlap", shift.id),
        );
        c.shift_id = Some(shift.id.to_string());
        c
    });
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

/// Requests come from the store (never from the write), so this is linear in the write's activities.
fn time_off_overlaps(
    id: &str,
    requests: &[&TimeOffRequest],
    markers: &[&FullDayMarker],
    shifts: &[&Shift],
    out: &mut Collector,
) {
    if requests.is_empty() {
        return;
    }
    let work: Vec<Vec<Interval>> = shifts.iter().map(|s| work_intervals(s)).collect();
    // The agent's own shifts and markers (DESIGN.md §3, as the checker reads it).
    let reflected_here = reflected_requests(shifts.iter().copied(), markers.iter().copied());
    for req in requests {
        let reflected = reflected_here.contains(&req.id);
        for (shift, work) in shifts.iter().zip(&work) {
            // Adjacent work activities inside one request give one conflict, not one per activity.
            let mut merged: Vec<Interval> = Vec::new();
            for w in work {
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
                out.add(|| {
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
                    c
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn iv(start_min: i64, len: i64) -> Interval {
        Interval::from_length(Utc.timestamp_opt(1_800_000_000 + start_min * 60, 0).unwrap(), len)
    }

    fn pairs_brute(ivs: &[Interval]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for j in 0..ivs.len() {
            for i in 0..j {
                if ivs[i].overlaps(&ivs[j]) {
                    v.push((i, j));
                }
            }
        }
        v.sort();
        v
    }

    fn pairs_sweep(ivs: &[Interval], max: usize) -> (Vec<(usize, usize)>, u64) {
        let mut out = Collector::new(max, usize::MAX);
        let mut seen = Vec::new();
        sweep_pairs(ivs, &mut out, |i, j, iv| {
            seen.push((i, j));
            conflict("a", iv, ConflictKind::ShiftOverlap, String::new())
        });
        let found = out.finish();
        assert_eq!(found.listed.len(), seen.len());
        seen.sort();
        (seen, found.unlisted)
    }

    #[test]
    fn the_sweep_finds_exactly_the_overlapping_pairs() {
        // A brute-force reference over many small layouts, sorted by start as the callers sort them.
        let mut seed = 7u64;
        for _ in 0..500 {
            let n = (seed % 9) as usize;
            let mut ivs: Vec<Interval> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    iv(((seed >> 33) % 20) as i64, 1 + ((seed >> 45) % 8) as i64)
                })
                .collect();
            ivs.sort();
            let brute = pairs_brute(&ivs);
            assert_eq!(pairs_sweep(&ivs, usize::MAX), (brute.clone(), 0), "{ivs:?}");
            let (listed, unlisted) = pairs_sweep(&ivs, 3);
            assert_eq!(listed.len() + unlisted as usize, brute.len(), "{ivs:?}");
            assert!(listed.len() <= 3);
        }
    }

    #[test]
    fn thousands_of_overlapping_intervals_are_counted_not_built() {
        let ivs: Vec<Interval> = (0..3000).map(|k| iv(k % 60, 120)).collect::<Vec<_>>();
        let mut sorted = ivs.clone();
        sorted.sort();
        let (listed, unlisted) = pairs_sweep(&sorted, 100);
        assert_eq!(listed.len(), 100);
        assert_eq!(unlisted as usize + 100, 3000 * 2999 / 2);
    }

    #[test]
    fn a_work_activity_carrying_the_request_id_does_not_reflect_it() {
        // DESIGN.md §3: only a TimeOff activity (or a marker) carrying the id reflects a request. s-1's On Queue
        // activity carries tor-9's id and overlaps it: the conflict must say the request is not reflected.
        let week = |code: &str| {
            serde_json::json!({"format": "shiftgate.snapshot/1",
              "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
              "schedule": {"id": "s", "weekDate": "2026-11-29"},
              "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "3", "category": "TimeOff"}],
              "agents": [{"id": "a-1"}],
              "agentSchedules": [{"user": {"id": "a-1"},
                "shifts": [{"id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 480, "activities": [
                  {"startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 240, "activityCodeId": code, "timeOffRequestId": "tor-9"},
                  {"startDate": "2026-12-01T18:00:00Z", "lengthMinutes": 240, "activityCodeId": "0"}]}]}],
              "timeOffRequests": [{"id": "tor-9", "user": {"id": "a-1"}, "status": "PENDING", "isFullDayRequest": false,
                 "partialDayStartDateTimes": ["2026-12-01T14:00:00Z"], "dailyDurationMinutes": 300, "activityCodeId": "3"}]})
        };
        let reasons = |code: &str| {
            let s = Snapshot::from_json(&serde_json::to_vec(&week(code)).unwrap()).unwrap();
            let mut out = Collector::new(10, usize::MAX);
            find(&s, &[AgentIx(0)], &mut out);
            out.finish().listed.into_iter().map(|c| c.reason).collect::<Vec<_>>()
        };
        // Both work activities overlap it, adjacent: one conflict.
        assert_eq!(reasons("0"), ["shift s-1 overlaps PENDING time-off request tor-9 (not reflected in the schedule)"]);
        // As TimeOff, the first activity reflects it; only the work after it overlaps.
        assert_eq!(reasons("3"), ["shift s-1 overlaps PENDING time-off request tor-9"]);
    }

    #[test]
    fn the_text_budget_stops_listing() {
        let mut out = Collector::new(100, 100);
        for _ in 0..10 {
            out.add(|| conflict(&"x".repeat(40), iv(0, 1), ConflictKind::UnknownAgent, String::new()));
        }
        let found = out.finish();
        assert_eq!((found.listed.len(), found.unlisted), (1, 9));
    }
}
