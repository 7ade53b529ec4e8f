//! A small, independent reading of the core rules the generator promises, on the validated model: what the
//! checker should report for a generated document, by (rule, agent). It is a test oracle, not the checker.

use std::collections::BTreeSet;

use shiftgate_model::{apply_trades, Category, Interval, Snapshot, TimeOffStatus};

pub(crate) type Finding = (String, String);

pub(crate) fn findings(s: &Snapshot) -> BTreeSet<Finding> {
    let roster = apply_trades(s);
    let zone = s.zone();
    let period = s.period();
    let mut out = BTreeSet::new();
    let mut add = |rule: &str, agent: usize| {
        out.insert((rule.to_string(), s.agents[agent].id.as_str().to_string()));
    };

    for (ai, _) in s.agents.iter().enumerate() {
        let held: Vec<_> = roster.by_agent[ai].iter().map(|&ix| s.shift(ix)).collect();
        // Length and activities.
        for sh in &held {
            if sh.interval.minutes() > 960 {
                add("core.shift.length", ai);
            }
            let mut acts: Vec<Interval> = sh.activities.iter().map(|a| a.interval).collect();
            acts.sort();
            if acts.iter().any(|a| !sh.interval.contains(a)) || acts.windows(2).any(|w| w[0].overlaps(&w[1])) {
                add("core.activity.within-shift", ai);
            }
        }
        // Overlap, then rest between non-overlapping neighbours (history included).
        let mut timeline: Vec<Interval> =
            s.history.iter().filter(|h| h.owner.get() == ai).map(|h| h.interval).collect();
        timeline.extend(held.iter().map(|h| h.interval));
        timeline.sort();
        for w in timeline.windows(2) {
            if w[0].overlaps(&w[1]) {
                add("core.shift.overlap", ai);
            } else if (w[1].start - w[0].end).num_minutes() < 600 {
                add("core.rest.min-between-shifts", ai);
            }
        }
        // One start per local day, in the schedule week.
        let mut days: Vec<_> = held
            .iter()
            .filter(|h| period.contains(&Interval::from_length(h.interval.start, 1)))
            .map(|h| zone.local_date(h.interval.start))
            .collect();
        days.sort();
        if days.windows(2).any(|w| w[0] == w[1]) {
            add("core.shift.one-per-day", ai);
        }
        // Weekly paid minutes: paid activities of shifts starting in the week, plus paid markers.
        let mut paid: i64 = held
            .iter()
            .filter(|h| h.interval.start >= period.start && h.interval.start < period.end)
            .map(|h| {
                if h.activities.is_empty() {
                    h.interval.minutes()
                } else {
                    h.activities.iter().filter(|a| a.paid).map(|a| a.interval.minutes()).sum()
                }
            })
            .sum();
        paid += s.markers.iter().filter(|m| m.agent.get() == ai && m.paid).map(|m| m.length_minutes).sum::<i64>();
        if paid > 2400 {
            add("core.hours.weekly-paid", ai);
        }
        // Consecutive local work days, history included.
        let mut worked: Vec<_> = timeline.iter().map(|iv| zone.local_date(iv.start)).collect();
        worked.dedup();
        let mut run = 0;
        for (i, d) in worked.iter().enumerate() {
            run = if i > 0 && worked[i - 1].succ_opt() == Some(*d) { run + 1 } else { 1 };
            if run >= 7 {
                add("core.days.max-consecutive", ai);
            }
        }
    }

    // Time off, judged after trades.
    for r in &s.time_off {
        let ai = r.agent.get();
        if !r.status.is_live() {
            continue;
        }
        let conflict = roster.by_agent[ai].iter().map(|&ix| s.shift(ix)).any(|sh| {
            let work: Vec<Interval> = if sh.activities.is_empty() {
                vec![sh.interval]
            } else {
                sh.activities.iter().filter(|a| a.category != Category::TimeOff).map(|a| a.interval).collect()
            };
            work.iter().any(|w| r.intervals.iter().any(|iv| iv.overlaps(w)))
        });
        if conflict {
            add(
                if r.status == TimeOffStatus::Approved {
                    "core.timeoff.approved-conflict"
                } else {
                    "core.timeoff.pending-conflict"
                },
                ai,
            );
        }
        let reflected = s.markers.iter().any(|m| m.time_off_request.as_ref() == Some(&r.id))
            || s.shifts.iter().flat_map(|sh| &sh.activities).any(|a| a.time_off_request.as_ref() == Some(&r.id));
        if r.status == TimeOffStatus::Approved && !reflected && r.intervals.iter().any(|iv| iv.overlaps(&period)) {
            add("core.timeoff.unreflected", ai);
        }
        let overlaps_other = s.time_off.iter().any(|o| {
            o.id != r.id
                && o.agent == r.agent
                && o.status.is_live()
                && o.intervals.iter().any(|a| r.intervals.iter().any(|b| a.overlaps(b)))
        });
        if overlaps_other {
            add("core.timeoff.self-overlap", ai);
        }
    }
    for f in &roster.failed {
        let trade = &s.trades[f.trade_ix];
        if let Some(ai) = s.agent_ix(trade.initiating_user.as_str()) {
            add("core.trade.integrity", ai.get());
        }
    }
    out
}
