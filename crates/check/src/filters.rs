//! Native filters for the questions almost every rule asks: which shifts, rest gaps, weeks, days or streaks of
//! this agent are over (or under) a limit.
//!
//! A rule could loop over `agent.shifts()` and compare each one, but on 10,000+ agents that loop is most of the
//! rule phase: each item costs a handle, a getter call and a comparison in the interpreter. A filter does the
//! comparison natively and hands the script only the items it will report, usually none. Limits follow the
//! convention of `rules/README.md`: the limit itself is allowed, so `_over` keeps items strictly above it and
//! `_under` strictly below it. A limit may be an integer or a float; anything else is a script error.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult};

use crate::handles::{shift_handle, AgentHandle, DayHandle, GapHandle, StreakHandle, WeekHandle};
use crate::subject::runtime;
use crate::timeline::AgentFacts;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// A limit read from a script value (parameters are integers, but a site may configure `600.0`).
fn limit(name: &str, v: &Dynamic) -> Fallible<f64> {
    v.as_int()
        .map(|n| n as f64)
        .or_else(|_| v.as_float())
        .map_err(|_| runtime(format!("{name}(): the limit must be a number, got {}", v.type_name())))
}

/// Handles for the items `0..n` that `keep` selects.
fn select(n: usize, keep: impl Fn(usize) -> bool, make: impl Fn(usize) -> Dynamic) -> Array {
    (0..n).filter(|&k| keep(k)).map(make).collect()
}

fn week_shifts(f: &Arc<AgentFacts>, keep: impl Fn(usize) -> bool) -> Array {
    (f.week_from..f.shifts.len()).filter(|&k| keep(k)).map(|k| shift_handle(f, k)).collect()
}

pub(crate) fn register(e: &mut Engine) {
    e.register_fn("shifts_over", |a: &mut AgentHandle, minutes: Dynamic| -> Fallible<Array> {
        let max = limit("shifts_over", &minutes)?;
        let f = &a.0;
        Ok(week_shifts(f, |k| f.shifts[k].interval.minutes() as f64 > max))
    });
    e.register_fn("dst_shifts", |a: &mut AgentHandle| {
        let f = &a.0;
        week_shifts(f, |k| f.shifts[k].spans_dst)
    });
    e.register_fn("rest_gaps_under", |a: &mut AgentHandle, minutes: Dynamic| -> Fallible<Array> {
        let min = limit("rest_gaps_under", &minutes)?;
        let f = &a.0;
        Ok(select(
            f.gaps.len(),
            |k| (f.gaps[k].span.minutes() as f64) < min,
            |k| Dynamic::from(GapHandle { f: f.clone(), k }),
        ))
    });
    e.register_fn("weeks_paid_over", |a: &mut AgentHandle, minutes: Dynamic| -> Fallible<Array> {
        let max = limit("weeks_paid_over", &minutes)?;
        let f = &a.0;
        Ok(select(
            f.weeks.len(),
            |k| f.weeks[k].paid_minutes as f64 > max,
            |k| Dynamic::from(WeekHandle { f: f.clone(), k }),
        ))
    });
    e.register_fn("days_with_shifts_over", |a: &mut AgentHandle, count: Dynamic| -> Fallible<Array> {
        let max = limit("days_with_shifts_over", &count)?;
        let f = &a.0;
        Ok(select(
            f.days.len(),
            |k| f.days[k].shifts.len() as f64 > max,
            |k| Dynamic::from(DayHandle { f: f.clone(), k }),
        ))
    });
    e.register_fn("work_streaks_over", |a: &mut AgentHandle, days: Dynamic| -> Fallible<Array> {
        let max = limit("work_streaks_over", &days)?;
        let f = &a.0;
        Ok(select(
            f.streaks.len(),
            |k| {
                let s = &f.streaks[k];
                ((s.last - s.first).num_days() + 1) as f64 > max
            },
            |k| Dynamic::from(StreakHandle { f: f.clone(), k }),
        ))
    });
}
