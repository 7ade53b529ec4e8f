//! The generator's promise for agents it leaves clean, checked before a trade is accepted: after the trade, the
//! agent's week still has no overlap, at least 10 h between shifts, one shift start per local day, no shift over
//! 16 h, at most 6 consecutive work days (history included) and at most 40 paid hours.
//!
//! This is not the checker: it covers only the core rules a trade can break, with the core defaults.

use chrono::{DateTime, NaiveDate, Utc};

use crate::catalog::paid;
use crate::world::{GAgent, GShift, World};

pub(crate) const MIN_REST_MINUTES: i64 = 600;
pub(crate) const MAX_PAID_MINUTES: i64 = 2400;
pub(crate) const MAX_CONSECUTIVE_DAYS: usize = 6;
pub(crate) const MAX_SHIFT_MINUTES: i64 = 960;

/// Whether `agent`'s week stays clean without its draft shift `remove` and with the other agents' shifts `add`.
pub(crate) fn clean_with(world: &World, agent: &GAgent, remove: Option<u32>, add: &[&GShift]) -> bool {
    let draft: Vec<&GShift> = agent.shifts.iter().filter(|s| Some(s.k) != remove).chain(add.iter().copied()).collect();
    let mut all: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        agent.history.iter().chain(draft.iter().copied()).map(|s| (s.start, s.end())).collect();
    all.sort();
    let mut prev_end: Option<DateTime<Utc>> = None;
    for &(start, end) in &all {
        if (end - start).num_minutes() > MAX_SHIFT_MINUTES {
            return false;
        }
        if let Some(p) = prev_end {
            if start < p || (start - p).num_minutes() < MIN_REST_MINUTES {
                return false;
            }
        }
        prev_end = Some(prev_end.map_or(end, |p| p.max(end)));
    }
    let mut days: Vec<NaiveDate> = draft.iter().map(|s| world.local_date(s.start)).collect();
    days.sort();
    if days.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let mut worked: Vec<NaiveDate> = all.iter().map(|&(s, _)| world.local_date(s)).collect();
    worked.dedup();
    if longest_run(&worked) > MAX_CONSECUTIVE_DAYS {
        return false;
    }
    let (p0, p1) = world.period();
    let shifts: i64 = draft.iter().filter(|s| s.start >= p0 && s.start < p1).map(|s| s.paid_minutes()).sum();
    let markers: i64 = agent.markers.iter().filter(|m| paid(m.code)).map(|m| m.len).sum();
    shifts + markers <= MAX_PAID_MINUTES
}

/// Longest run of consecutive dates in a sorted, de-duplicated list.
pub(crate) fn longest_run(dates: &[NaiveDate]) -> usize {
    let mut best = 0;
    let mut run = 0;
    for (i, d) in dates.iter().enumerate() {
        run = if i > 0 && dates[i - 1].succ_opt() == Some(*d) { run + 1 } else { 1 };
        best = best.max(run);
    }
    best
}
