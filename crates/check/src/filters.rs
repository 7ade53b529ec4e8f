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

/// The filters, by script name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    ShiftsOver,
    RestGapsUnder,
    WeeksPaidOver,
    DaysWithShiftsOver,
    WorkStreaksOver,
}

impl Filter {
    pub(crate) const ALL: [Filter; 5] = [
        Filter::ShiftsOver,
        Filter::RestGapsUnder,
        Filter::WeeksPaidOver,
        Filter::DaysWithShiftsOver,
        Filter::WorkStreaksOver,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Filter::ShiftsOver => "shifts_over",
            Filter::RestGapsUnder => "rest_gaps_under",
            Filter::WeeksPaidOver => "weeks_paid_over",
            Filter::DaysWithShiftsOver => "days_with_shifts_over",
            Filter::WorkStreaksOver => "work_streaks_over",
        }
    }

    /// Indexes of the selected items (into the week's part of `f.shifts`, `f.gaps`, `f.weeks`, `f.days` or
    /// `f.streaks`).
    pub(crate) fn select(self, f: &AgentFacts, limit: f64) -> impl Iterator<Item = usize> + '_ {
        // The comparison is chosen once, not per item: this runs for every agent and rule.
        type Keep = fn(&AgentFacts, usize, f64) -> bool;
        let (items, keep): (std::ops::Range<usize>, Keep) = match self {
            Filter::ShiftsOver => (f.week_from..f.shifts.len(), |f, k, l| f.shifts[k].interval.minutes() as f64 > l),
            Filter::RestGapsUnder => (0..f.gaps.len(), |f, k, l| (f.gaps[k].span.minutes() as f64) < l),
            Filter::WeeksPaidOver => (0..f.weeks.len(), |f, k, l| f.weeks[k].paid_minutes as f64 > l),
            Filter::DaysWithShiftsOver => (0..f.days.len(), |f, k, l| f.days[k].shifts.len() as f64 > l),
            Filter::WorkStreaksOver => {
                (0..f.streaks.len(), |f, k, l| ((f.streaks[k].last - f.streaks[k].first).num_days() + 1) as f64 > l)
            }
        };
        items.filter(move |&k| keep(f, k, limit))
    }

    fn handles(self, f: &Arc<AgentFacts>, limit: f64) -> Array {
        self.select(f, limit)
            .map(|k| match self {
                Filter::ShiftsOver => shift_handle(f, k),
                Filter::RestGapsUnder => Dynamic::from(GapHandle { f: f.clone(), k }),
                Filter::WeeksPaidOver => Dynamic::from(WeekHandle { f: f.clone(), k }),
                Filter::DaysWithShiftsOver => Dynamic::from(DayHandle { f: f.clone(), k }),
                Filter::WorkStreaksOver => Dynamic::from(StreakHandle { f: f.clone(), k }),
            })
            .collect()
    }
}

/// A limit read from a script value (parameters are integers, but a site may configure `600.0`).
pub(crate) fn limit_value(v: &Dynamic) -> Option<f64> {
    v.as_int().map(|n| n as f64).or_else(|_| v.as_float()).ok()
}

pub(crate) fn register(e: &mut Engine) {
    for filter in Filter::ALL {
        e.register_fn(filter.name(), move |a: &mut AgentHandle, limit: Dynamic| -> Fallible<Array> {
            let limit = limit_value(&limit).ok_or_else(|| {
                runtime(format!("{}(): the limit must be a number, got {}", filter.name(), limit.type_name()))
            })?;
            Ok(filter.handles(&a.0, limit))
        });
    }
    e.register_fn("dst_shifts", |a: &mut AgentHandle| {
        dst_shifts(&a.0).map(|k| shift_handle(&a.0, k)).collect::<Array>()
    });
}

/// Indexes of the week's shifts that cross a DST change.
pub(crate) fn dst_shifts(f: &AgentFacts) -> impl Iterator<Item = usize> + '_ {
    (f.week_from..f.shifts.len()).filter(|&k| f.shifts[k].spans_dst)
}
