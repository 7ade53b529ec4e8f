//! Overlaps within one agent's week, found in bounded memory: shifts that overlap, activity problems within a shift,
//! work during live time off, and live requests that overlap each other.
//!
//! Each of these lists can be quadratic in the input: one shift with 500 identical activities has 124,750
//! overlapping pairs. So every pair is counted, but only the first [`SAMPLE`] of each list (per agent, and per
//! request status for conflicts) are kept as facts and handed to scripts; the last one kept carries how many more
//! there are (`more`), which the core scripts append to their message. An ordinary week never comes near the
//! sample, so its findings are exactly the pairs. The counting itself stays cheap: shifts and activities are swept
//! in start order with a heap of the active ends (O(n log n) whatever the overlap), and a request is compared with
//! a shift through the few days of the request that the shift spans (validation gives each local date at most one).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};
use shiftgate_model::{Activity, Category, Interval, TimeOffStatus};

use crate::timeline::{whole_shift_activity, ActivityIssue, ActivityIssueKind, AgentFacts, Conflict, Pair};

/// How many items of each overlap list are kept per agent.
pub(crate) const SAMPLE: usize = 20;

/// The first [`SAMPLE`] items of a list and how many there are in all.
struct Sampler<T> {
    items: Vec<T>,
    total: usize,
}

impl<T> Sampler<T> {
    fn new() -> Self {
        Sampler { items: Vec::new(), total: 0 }
    }

    /// Counts an item, building and keeping it while the sample has room.
    fn add(&mut self, item: impl FnOnce() -> T) {
        self.total += 1;
        if self.items.len() < SAMPLE {
            self.items.push(item());
        }
    }

    /// The kept items, the last one told how many were not kept.
    fn finish(mut self, more: impl FnOnce(&mut T) -> &mut usize) -> Vec<T> {
        let left = self.total - self.items.len();
        if let Some(last) = self.items.last_mut() {
            *more(last) = left;
        }
        self.items
    }
}

/// Overlapping pairs among intervals sorted by start, in sweep order (by the later interval, then the earlier):
/// the first `keep` of them with the shared part, and how many there are in all.
pub(crate) fn overlapping_pairs(sorted: &[Interval], keep: usize) -> (Vec<(usize, usize, Interval)>, usize) {
    let mut kept = Vec::new();
    let mut total = 0;
    // Ends of the intervals still open, earliest first.
    let mut active: BinaryHeap<Reverse<(DateTime<Utc>, usize)>> = BinaryHeap::new();
    for (i, iv) in sorted.iter().enumerate() {
        while active.peek().is_some_and(|Reverse((end, _))| *end <= iv.start) {
            active.pop();
        }
        total += active.len();
        if kept.len() < keep && !active.is_empty() {
            let mut open: Vec<usize> = active.iter().map(|Reverse((_, j))| *j).collect();
            open.sort_unstable();
            for j in open.into_iter().take(keep - kept.len()) {
                kept.push((j, i, Interval::new(iv.start, iv.end.min(sorted[j].end))));
            }
        }
        active.push(Reverse((iv.end, i)));
    }
    (kept, total)
}

/// Every overlapping pair among intervals sorted by start, with the shared part (sweep line: O(n log n + k)). For
/// callers that want them all; the checker keeps a sample ([`overlapping_pairs`]).
pub fn sweep_overlaps(sorted: &[Interval]) -> Vec<(usize, usize, Interval)> {
    overlapping_pairs(sorted, usize::MAX).0
}

/// Overlapping shifts of the week (indexes into the agent's shifts).
pub(crate) fn shift_overlaps(f: &AgentFacts) -> Vec<Pair> {
    let week: Vec<Interval> = f.shifts[f.week_from..].iter().map(|s| s.interval).collect();
    let (pairs, total) = overlapping_pairs(&week, SAMPLE);
    let mut sample = Sampler { items: Vec::new(), total };
    for (i, j, span) in pairs {
        sample.items.push(Pair { first: f.week_from + i, second: f.week_from + j, span, more: 0 });
    }
    sample.finish(|p| &mut p.more)
}

/// Activities sticking out of their shift, and activities of one shift that overlap, shift by shift.
pub(crate) fn activity_issues(f: &AgentFacts) -> Vec<ActivityIssue> {
    let mut sample = Sampler::new();
    for i in f.week_from..f.shifts.len() {
        let shift = f.shift(i);
        // A canonical order, so that which problems a full sample keeps never depends on the input's order:
        // activities that still tie are identical, and so are their findings.
        let mut order: Vec<usize> = (0..shift.activities.len()).collect();
        order.sort_by(|&x, &y| canonical(&shift.activities[x]).cmp(&canonical(&shift.activities[y])));
        for &k in &order {
            let act = &shift.activities[k];
            if !shift.interval.contains(&act.interval) {
                sample.add(|| outside(i, k, act.interval, shift.interval));
            }
        }
        let sorted: Vec<Interval> = order.iter().map(|&k| shift.activities[k].interval).collect();
        let room = SAMPLE.saturating_sub(sample.items.len());
        let (pairs, total) = overlapping_pairs(&sorted, room);
        sample.total += total - pairs.len();
        for (x, y, span) in pairs {
            let kind = ActivityIssueKind::Overlap;
            sample.add(|| ActivityIssue { shift: i, kind, activity: order[x], other: Some(order[y]), span, more: 0 });
        }
    }
    sample.finish(|a| &mut a.more)
}

/// What tells two activities apart, interval first.
fn canonical(a: &Activity) -> impl Ord + '_ {
    (a.interval, a.code, a.category, a.paid, a.paid_override, a.time_off_request.as_ref())
}

/// The part of an activity that sticks out of its shift (all of it when it misses the shift entirely).
fn outside(shift: usize, activity: usize, iv: Interval, sh: Interval) -> ActivityIssue {
    let span = if iv.start < sh.start && iv.end > sh.start && iv.end <= sh.end {
        Interval::new(iv.start, sh.start)
    } else if iv.end > sh.end && iv.start >= sh.start && iv.start < sh.end {
        Interval::new(sh.end, iv.end)
    } else {
        iv
    };
    ActivityIssue { shift, kind: ActivityIssueKind::Outside, activity, other: None, span, more: 0 }
}

/// Sorted, disjoint intervals covering the same time as `list`.
fn union(mut list: Vec<Interval>) -> Vec<Interval> {
    list.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(list.len());
    for iv in list {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => out.push(iv),
        }
    }
    out
}

/// Whether any of two sorted, disjoint interval lists share time, looking at `a` only where `b` lies.
fn any_shared(a: &[Interval], b: &[Interval]) -> bool {
    let (Some(first), Some(last)) = (b.first(), b.last()) else { return false };
    let from = a.partition_point(|x| x.end <= first.start);
    a[from..].iter().take_while(|x| x.start < last.end).any(|x| {
        let k = b.partition_point(|y| y.end <= x.start);
        b.get(k).is_some_and(|y| y.start < x.end)
    })
}

/// Work (any activity whose category is not TimeOff) during live time-off requests, by request then shift; at
/// most [`SAMPLE`] per request status.
pub(crate) fn conflicts(f: &AgentFacts) -> Vec<Conflict> {
    let snap = &f.world.snapshot;
    // Each week shift's work time, and the shift itself, as sorted disjoint intervals.
    let work: Vec<(Vec<Interval>, [Interval; 1])> = (f.week_from..f.shifts.len())
        .map(|i| {
            let shift = f.shift(i);
            // A shift without activities is one work activity spanning it.
            let work = if shift.activities.is_empty() {
                vec![shift.interval]
            } else {
                shift.activities.iter().filter(|a| a.category != Category::TimeOff).map(|a| a.interval).collect()
            };
            (union(work), [shift.interval])
        })
        .collect();
    let mut pending = Sampler::new();
    let mut approved = Sampler::new();
    for &r in &f.requests {
        let req = &snap.time_off[r];
        let sample = match req.status {
            TimeOffStatus::Pending => &mut pending,
            TimeOffStatus::Approved => &mut approved,
            TimeOffStatus::Denied | TimeOffStatus::Canceled => continue,
        };
        let days = union(req.intervals.clone());
        for (w, (work, shift)) in work.iter().enumerate() {
            if any_shared(&days, shift) && any_shared(&days, work) {
                sample.add(|| conflict(f, r, f.week_from + w));
            }
        }
    }
    let mut all = pending.finish(|c| &mut c.more);
    all.extend(approved.finish(|c| &mut c.more));
    // Requests in the agent's canonical order, then shifts, whatever their status.
    let position = |r: usize| f.requests.iter().position(|&x| x == r);
    all.sort_by_key(|c| (position(c.request), c.shift));
    all
}

/// The work minutes of shift `i` during request `r`, and the span from the first to the last of them.
fn conflict(f: &AgentFacts, r: usize, i: usize) -> Conflict {
    let req = &f.world.snapshot.time_off[r];
    let shift = f.shift(i);
    let whole;
    let acts: &[Activity] = if shift.activities.is_empty() {
        whole = [whole_shift_activity(shift)];
        &whole
    } else {
        &shift.activities
    };
    let (mut minutes, mut start, mut end) = (0, None::<DateTime<Utc>>, None::<DateTime<Utc>>);
    for act in acts.iter().filter(|a| a.category != Category::TimeOff) {
        for iv in &req.intervals {
            if let Some(x) = iv.intersection(&act.interval) {
                minutes += x.minutes();
                start = Some(start.map_or(x.start, |s| s.min(x.start)));
                end = Some(end.map_or(x.end, |e| e.max(x.end)));
            }
        }
    }
    // A conflict has shared time by construction; the shift's own span stands in should it not.
    let span = match (start, end) {
        (Some(s), Some(e)) => Interval::new(s, e),
        _ => shift.interval,
    };
    Conflict { request: r, shift: i, span, minutes, more: 0 }
}

/// Live requests of the agent that share time, as pairs of indexes into the agent's requests, with the first
/// shared stretch.
pub(crate) fn request_overlaps(f: &AgentFacts) -> Vec<Pair> {
    let snap = &f.world.snapshot;
    // The agent's requests are sorted by their first day, so a request's extent starts no earlier than those before.
    let live: Vec<(usize, &[Interval])> = f
        .requests
        .iter()
        .enumerate()
        .map(|(x, &r)| (x, &snap.time_off[r]))
        .filter(|(_, r)| r.status.is_live() && !r.intervals.is_empty())
        .map(|(x, r)| (x, r.intervals.as_slice()))
        .collect();
    let mut sample = Sampler::new();
    for (n, &(x, a)) in live.iter().enumerate() {
        let a_end = a.iter().map(|iv| iv.end).max().unwrap_or(a[0].end);
        for &(y, b) in live[n + 1..].iter().take_while(|(_, b)| b[0].start < a_end) {
            if let Some(span) = first_shared(a, b) {
                sample.add(|| Pair { first: x, second: y, span, more: 0 });
            }
        }
    }
    sample.finish(|p| &mut p.more)
}

/// The earliest stretch (by start, then end) that an interval of `a` shares with one of `b`, both sorted by start.
/// Intervals within one list may overlap a little (a partial-day request's days can run past midnight), so this
/// sweeps both lists in start order, intersecting each interval with the other list's intervals still open: with
/// one date per day, a handful.
fn first_shared(a: &[Interval], b: &[Interval]) -> Option<Interval> {
    let (mut i, mut j) = (0, 0);
    let (mut open_a, mut open_b): (Vec<Interval>, Vec<Interval>) = (Vec::new(), Vec::new());
    let mut best: Option<Interval> = None;
    while i < a.len() || j < b.len() {
        let from_a = j == b.len() || (i < a.len() && a[i].start <= b[j].start);
        let (iv, own, other) = if from_a {
            i += 1;
            (a[i - 1], &mut open_a, &mut open_b)
        } else {
            j += 1;
            (b[j - 1], &mut open_b, &mut open_a)
        };
        // Every later stretch starts later still.
        if best.is_some_and(|b| iv.start > b.start) {
            break;
        }
        other.retain(|o| o.end > iv.start);
        for o in other.iter() {
            let shared = Interval::new(iv.start, iv.end.min(o.end));
            best = Some(best.map_or(shared, |b| b.min(shared)));
        }
        own.push(iv);
    }
    best
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::*;

    fn at(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + m * 60, 0).unwrap()
    }

    fn brute_force(ivs: &[Interval]) -> Vec<(usize, usize, Interval)> {
        let mut out = Vec::new();
        for i in 0..ivs.len() {
            for j in 0..i {
                if let Some(x) = ivs[j].intersection(&ivs[i]) {
                    out.push((j, i, x));
                }
            }
        }
        out
    }

    proptest! {
        /// The sweep counts exactly the pairs that checking every pair finds, and keeps the first of them in
        /// (later, earlier) order.
        #[test]
        fn the_sweep_counts_every_pair_and_keeps_the_first(raw in prop::collection::vec((0i64..600, 1i64..120), 0..60),
                                                           keep in 0usize..30) {
            let mut ivs: Vec<Interval> = raw.iter().map(|&(s, len)| Interval::new(at(s), at(s + len))).collect();
            ivs.sort();
            let all = brute_force(&ivs);
            let (kept, total) = overlapping_pairs(&ivs, keep);
            prop_assert_eq!(total, all.len());
            prop_assert_eq!(kept, all.into_iter().take(keep).collect::<Vec<_>>());
        }

        #[test]
        fn shared_time_of_disjoint_lists_is_found_like_brute_force(a in prop::collection::vec((0i64..400, 1i64..40), 0..12),
                                                                  b in prop::collection::vec((0i64..400, 1i64..40), 0..12)) {
            let list = |v: &[(i64, i64)]| union(v.iter().map(|&(s, l)| Interval::new(at(s), at(s + l))).collect());
            let (a, b) = (list(&a), list(&b));
            let shared: Vec<Interval> = a.iter().flat_map(|x| b.iter().filter_map(|y| x.intersection(y))).collect();
            prop_assert_eq!(any_shared(&a, &b), !shared.is_empty());
            prop_assert_eq!(first_shared(&a, &b), shared.iter().min().copied());
        }

        #[test]
        fn the_first_shared_stretch_of_overlapping_lists_is_found_like_brute_force(
            a in prop::collection::vec((0i64..400, 1i64..60), 0..12), b in prop::collection::vec((0i64..400, 1i64..60), 0..12)) {
            let list = |v: &[(i64, i64)]| {
                let mut l: Vec<Interval> = v.iter().map(|&(s, l)| Interval::new(at(s), at(s + l))).collect();
                l.sort();
                l
            };
            let (a, b) = (list(&a), list(&b));
            let shared = a.iter().flat_map(|x| b.iter().filter_map(|y| x.intersection(y))).min();
            prop_assert_eq!(first_shared(&a, &b), shared);
        }
    }

    /// One agent's random week: shifts (start, length, activities as (offset, length, code)), and requests
    /// (status, full day, days or starts as offsets, daily minutes: long ones run into the next day's).
    type Week = (Vec<(i64, i64, Vec<(i64, i64, usize)>)>, Vec<(usize, bool, Vec<i64>, i64)>);

    fn random_week() -> impl Strategy<Value = Week> {
        let activity = (-30i64..500, 1i64..200, 0usize..3);
        let shift = (0i64..6 * 1440, 60i64..900, prop::collection::vec(activity, 0..5));
        let request = (0usize..4, any::<bool>(), prop::collection::btree_set(0i64..7, 1..4), 30i64..1500);
        (prop::collection::vec(shift, 0..6), prop::collection::vec(request, 0..6)).prop_map(|(s, r)| {
            (s, r.into_iter().map(|(st, full, days, daily)| (st, full, days.into_iter().collect(), daily)).collect())
        })
    }

    fn facts_of(week: &Week) -> std::sync::Arc<AgentFacts> {
        use std::sync::Arc;

        use serde_json::json;

        use crate::timeline::{agent_facts, World};

        let t0 = DateTime::parse_from_rfc3339("2026-11-29T06:00:00Z").unwrap().to_utc();
        let at = |m: i64| (t0 + Duration::minutes(m)).to_rfc3339();
        let codes = ["0", "2", "3"];
        let shifts: Vec<_> = week
            .0
            .iter()
            .enumerate()
            .map(|(i, (start, len, acts))| {
                let acts: Vec<_> = acts.iter().map(|&(off, l, c)| {
                json!({"startDate": at(start + off), "lengthMinutes": l, "activityCodeId": codes[c]})
            }).collect();
                json!({"id": format!("s-{i}"), "startDate": at(*start), "lengthMinutes": len, "activities": acts})
            })
            .collect();
        let statuses = ["PENDING", "APPROVED", "DENIED", "CANCELED"];
        let requests: Vec<_> = week
            .1
            .iter()
            .enumerate()
            .map(|(i, (status, full, days, daily))| {
                let mut r = json!({"id": format!("r-{i}"), "user": {"id": "a-1"}, "status": statuses[*status],
                               "isFullDayRequest": full, "dailyDurationMinutes": daily, "activityCodeId": "3"});
                if *full {
                    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
                    r["fullDayManagementUnitDates"] =
                        days.iter().map(|&d| (first + Duration::days(d)).to_string()).collect::<Vec<_>>().into();
                } else {
                    r["partialDayStartDateTimes"] =
                        days.iter().map(|d| at(d * 1440 + 180 + d * 97 % 1200)).collect::<Vec<_>>().into();
                }
                r
            })
            .collect();
        let doc = json!({
            "format": "shiftgate.snapshot/1", "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
            "schedule": {"id": "sch", "weekDate": "2026-11-29"},
            "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "2", "category": "Meal"}, {"id": "3", "category": "TimeOff"}],
            "agents": [{"id": "a-1"}], "agentSchedules": [{"user": {"id": "a-1"}, "shifts": shifts}], "timeOffRequests": requests,
        });
        let snapshot = Arc::new(shiftgate_model::Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap());
        let roster = Arc::new(shiftgate_model::apply_trades(&snapshot));
        let world = Arc::new(World::new(snapshot, roster, t0));
        Arc::new(agent_facts(&world, shiftgate_model::AgentIx(0)))
    }

    /// A bounded list as the brute force predicts it: all of it within the sample; else the first `SAMPLE`, the
    /// last of them counting the rest.
    fn sampled<T: PartialEq + std::fmt::Debug>(
        got: Vec<T>,
        mut want: Vec<T>,
        more: usize,
    ) -> Result<(), TestCaseError> {
        let rest = want.len().saturating_sub(SAMPLE);
        want.truncate(SAMPLE);
        prop_assert_eq!(got, want);
        prop_assert_eq!(more, rest);
        Ok(())
    }

    proptest! {
        /// The bounded lists hold what checking every pair finds (the checker before the sample existed): all of
        /// it on weeks within the sample, else its first items and the count of the rest.
        #[test]
        fn bounded_lists_equal_brute_force_on_ordinary_weeks(week in random_week()) {
            let f = facts_of(&week);
            let snap = &f.world.snapshot;
            // Work during live requests.
            let mut want = Vec::new();
            for &r in &f.requests {
                let req = &snap.time_off[r];
                if !req.status.is_live() { continue; }
                for i in f.week_from..f.shifts.len() {
                    if !req.intervals.iter().any(|iv| iv.overlaps(&f.shifts[i].interval)) { continue; }
                    let shift = f.shift(i);
                    let acts = if shift.activities.is_empty() { vec![whole_shift_activity(shift)] } else { shift.activities.clone() };
                    let parts: Vec<Interval> = acts.iter().filter(|a| a.category != Category::TimeOff)
                        .flat_map(|a| req.intervals.iter().filter_map(|iv| iv.intersection(&a.interval))).collect();
                    if let (Some(s), Some(e)) = (parts.iter().map(|p| p.start).min(), parts.iter().map(|p| p.end).max()) {
                        want.push((r, i, Interval::new(s, e), parts.iter().map(Interval::minutes).sum::<i64>()));
                    }
                }
            }
            for status in [TimeOffStatus::Pending, TimeOffStatus::Approved] {
                let of = |r: usize| snap.time_off[r].status == status;
                let kept: Vec<_> = f.conflicts.iter().filter(|c| of(c.request)).collect();
                let got = kept.iter().map(|c| (c.request, c.shift, c.span, c.minutes)).collect();
                let more = kept.iter().map(|c| c.more).sum();
                sampled(got, want.iter().filter(|c| of(c.0)).copied().collect(), more)?;
            }
            // Live requests sharing time.
            let mut want = Vec::new();
            for (x, &a) in f.requests.iter().enumerate() {
                for (y, &b) in f.requests.iter().enumerate().skip(x + 1) {
                    let (ra, rb) = (&snap.time_off[a], &snap.time_off[b]);
                    if !ra.status.is_live() || !rb.status.is_live() { continue; }
                    let shared = ra.intervals.iter().flat_map(|i| rb.intervals.iter().filter_map(move |j| i.intersection(j))).min();
                    if let Some(span) = shared { want.push((x, y, span)); }
                }
            }
            let got = f.request_overlaps.iter().map(|p| (p.first, p.second, p.span)).collect();
            sampled(got, want, f.request_overlaps.iter().map(|p| p.more).sum())?;
            // Activities outside their shift or overlapping one another.
            let mut want = Vec::new();
            for i in f.week_from..f.shifts.len() {
                let acts = &f.shift(i).activities;
                for (k, a) in acts.iter().enumerate() {
                    if !f.shift(i).interval.contains(&a.interval) { want.push((i, k, None)); }
                    for (m, b) in acts.iter().enumerate().skip(k + 1) {
                        if a.interval.overlaps(&b.interval) { want.push((i, k.min(m), Some(k.max(m)))); }
                    }
                }
            }
            let mut got: Vec<_> = f.activity_issues.iter().map(|x| match x.other {
                Some(o) => (x.shift, x.activity.min(o), Some(x.activity.max(o))),
                None => (x.shift, x.activity, None),
            }).collect();
            want.sort();
            got.sort();
            if want.len() <= SAMPLE {
                prop_assert_eq!(got, want);
            } else {
                // Kept in the canonical activity order rather than the brute force's.
                prop_assert!(got.len() == SAMPLE && got.iter().all(|x| want.contains(x)));
                prop_assert_eq!(f.activity_issues.iter().map(|x| x.more).sum::<usize>(), want.len() - SAMPLE);
            }
        }
    }

    /// A week at the input limits where everything overlaps: each list reports its sample, and the last finding of
    /// each says how many more there are.
    #[test]
    fn the_core_rules_report_a_sample_and_the_count() {
        use std::sync::Arc;

        use serde_json::json;

        use crate::{Checker, Config, Limits, RuleLibrary, RuleSet};

        let act = json!({"startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 1, "activityCodeId": "0"});
        let shift = |id: String| json!({"id": id, "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 480});
        let request = |i: usize| {
            json!({"id": format!("r-{i}"), "user": {"id": "a-3"}, "status": "PENDING", "isFullDayRequest": false,
                   "partialDayStartDateTimes": ["2026-11-30T14:00:00Z"], "dailyDurationMinutes": 60, "activityCodeId": "3"})
        };
        let mut dense = shift("s-a".into());
        dense["activities"] = vec![act; 500].into();
        let doc = json!({
            "format": "shiftgate.snapshot/1", "asOf": "2026-11-22T18:00:00-06:00",
            "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
            "schedule": {"id": "sch", "weekDate": "2026-11-29"},
            "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "3", "category": "TimeOff"}],
            "agents": [{"id": "a-1"}, {"id": "a-2"}, {"id": "a-3"}],
            "agentSchedules": [
                {"user": {"id": "a-1"}, "shifts": [dense]},
                {"user": {"id": "a-2"}, "shifts": (0..30).map(|i| shift(format!("s-b-{i:02}"))).collect::<Vec<_>>()},
                {"user": {"id": "a-3"}, "shifts": [shift("s-c".into())]},
            ],
            "timeOffRequests": (0..40).map(request).collect::<Vec<_>>(),
        });
        let snapshot = Arc::new(shiftgate_model::Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap());
        let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &Config::default(), Limits::default()).unwrap();
        let report = Checker::new(rules, Some(1)).check(snapshot.clone(), snapshot.as_of.unwrap()).unwrap();
        let of = |rule: &str| -> Vec<&str> {
            report.findings.iter().filter(|f| f.rule == rule).map(|f| f.message.as_str()).collect()
        };
        for (rule, more) in [
            ("core.activity.within-shift", "(and 124,730 more activity problems in this agent's shifts)"),
            ("core.shift.overlap", "(and 415 more overlapping pairs of this agent's shifts)"),
            ("core.timeoff.pending-conflict", "(and 20 more conflicts of this agent's work with PENDING time off)"),
            ("core.timeoff.self-overlap", "(and 760 more overlapping pairs of this agent's requests)"),
        ] {
            let messages = of(rule);
            assert_eq!(messages.len(), SAMPLE, "{rule}");
            assert_eq!(messages.iter().filter(|m| m.ends_with(more)).count(), 1, "{rule}: {messages:#?}");
            assert!(messages.iter().all(|m| m.ends_with(more) || !m.contains(" more ")), "{rule}");
        }
    }

    #[test]
    fn sixteen_thousand_identical_intervals_are_counted_not_listed() {
        let one = Interval::new(at(0), at(0) + Duration::minutes(1));
        let ivs = vec![one; 16_000];
        let (kept, total) = overlapping_pairs(&ivs, SAMPLE);
        assert_eq!(total, 16_000 * 15_999 / 2);
        assert_eq!(kept.len(), SAMPLE);
        assert_eq!(kept[..3], [(0, 1, one), (0, 2, one), (1, 2, one)]);
    }
}
