//! Read-only handles that rule scripts receive, each a cheap `Arc` to one agent's facts plus an index.
//!
//! Getters return scalars or small arrays of handles; no getter copies the schedule.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rhai::{Array, Dynamic, ImmutableString};
use shiftgate_model::{Activity, Interval};

use crate::timeline::{whole_shift_activity, ActivityIssueKind, AgentFacts};

/// Minutes since the Unix epoch (UTC): how scripts see instants.
pub(crate) fn epoch_minutes(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

macro_rules! handle {
    ($($name:ident),*) => {$(
        #[derive(Clone)]
        pub(crate) struct $name {
            pub(crate) f: Arc<AgentFacts>,
            pub(crate) k: usize,
        }
    )*};
}

/// The agent whose week a rule checks.
#[derive(Clone)]
pub(crate) struct AgentHandle(pub(crate) Arc<AgentFacts>);

handle!(
    ShiftHandle,
    OverlapHandle,
    ActivityIssueHandle,
    TimeOffHandle,
    ConflictHandle,
    RequestOverlapHandle,
    GapHandle,
    DayHandle,
    WeekHandle,
    StreakHandle,
    TradeFailureHandle,
    AppliedTradeHandle
);

/// An activity: `k` indexes the shift's activities; `None` is the whole-shift work activity of a shift without any.
#[derive(Clone)]
pub(crate) struct ActivityHandle {
    pub(crate) f: Arc<AgentFacts>,
    pub(crate) shift: usize,
    pub(crate) k: Option<usize>,
}

impl ActivityHandle {
    /// The activity, borrowed from the snapshot (getters run millions of times; no copy).
    pub(crate) fn activity(&self) -> Cow<'_, Activity> {
        let shift = self.f.shift(self.shift);
        match self.k {
            Some(k) => Cow::Borrowed(&shift.activities[k]),
            None => Cow::Owned(whole_shift_activity(shift)),
        }
    }
}

pub(crate) fn shift_handle(f: &Arc<AgentFacts>, k: usize) -> Dynamic {
    Dynamic::from(ShiftHandle { f: f.clone(), k })
}

pub(crate) fn shift_list(f: &Arc<AgentFacts>, range: impl Iterator<Item = usize>) -> Array {
    range.map(|k| shift_handle(f, k)).collect()
}

pub(crate) fn list<T: Clone + Send + Sync + 'static>(n: usize, make: impl Fn(usize) -> T) -> Array {
    (0..n).map(|k| Dynamic::from(make(k))).collect()
}

pub(crate) fn activities_of(f: &Arc<AgentFacts>, shift: usize) -> Array {
    let n = f.shift(shift).activities.len();
    if n == 0 {
        return vec![Dynamic::from(ActivityHandle { f: f.clone(), shift, k: None })];
    }
    (0..n).map(|k| Dynamic::from(ActivityHandle { f: f.clone(), shift, k: Some(k) })).collect()
}

pub(crate) fn text(s: &str) -> Dynamic {
    Dynamic::from(ImmutableString::from(s))
}

/// The interval a handle stands for, used by `start`/`end`/`minutes`/`when` getters and by `report`.
pub(crate) trait Spanned {
    fn span(&self) -> Interval;
}

impl Spanned for ShiftHandle {
    fn span(&self) -> Interval {
        self.f.shifts[self.k].interval
    }
}
impl Spanned for ActivityHandle {
    fn span(&self) -> Interval {
        self.activity().interval
    }
}
impl Spanned for OverlapHandle {
    fn span(&self) -> Interval {
        self.f.overlaps[self.k].span
    }
}
impl Spanned for ActivityIssueHandle {
    fn span(&self) -> Interval {
        self.f.activity_issues[self.k].span
    }
}
impl Spanned for TimeOffHandle {
    fn span(&self) -> Interval {
        let r = &self.f.world.snapshot.time_off[self.k];
        match (r.intervals.first(), r.intervals.last()) {
            (Some(a), Some(b)) => Interval::new(a.start, b.end),
            _ => self.f.world.period,
        }
    }
}
impl Spanned for ConflictHandle {
    fn span(&self) -> Interval {
        self.f.conflicts[self.k].span
    }
}
impl Spanned for RequestOverlapHandle {
    fn span(&self) -> Interval {
        self.f.request_overlaps[self.k].span
    }
}
impl Spanned for GapHandle {
    fn span(&self) -> Interval {
        self.f.gaps[self.k].span
    }
}
impl Spanned for DayHandle {
    fn span(&self) -> Interval {
        self.f.days[self.k].span
    }
}
impl Spanned for WeekHandle {
    fn span(&self) -> Interval {
        self.f.weeks[self.k].span
    }
}
impl Spanned for StreakHandle {
    fn span(&self) -> Interval {
        self.f.streaks[self.k].span
    }
}
impl Spanned for TradeFailureHandle {
    fn span(&self) -> Interval {
        let w = &self.f.world;
        let failure = &w.roster.failed[self.f.trade_failures[self.k]];
        let t = &w.snapshot.trades[failure.trade_ix];
        w.snapshot
            .shift_ix(t.initiating_shift.as_str())
            .map(|ix| w.snapshot.shift(ix).interval)
            .or(t.initiating_shift_times)
            .unwrap_or(w.period)
    }
}

impl AppliedTradeHandle {
    /// The trade (`k` indexes the agent's already-applied trades).
    pub(crate) fn trade(&self) -> &shiftgate_model::ShiftTrade {
        &self.f.world.snapshot.trades[self.f.already_applied[self.k]]
    }
}

impl Spanned for AppliedTradeHandle {
    fn span(&self) -> Interval {
        let w = &self.f.world;
        // Already applied means its initiating shift resolves.
        w.snapshot.shift_ix(self.trade().initiating_shift.as_str()).map_or(w.period, |ix| w.snapshot.shift(ix).interval)
    }
}

impl ActivityIssueHandle {
    pub(crate) fn kind(&self) -> &'static str {
        match self.f.activity_issues[self.k].kind {
            ActivityIssueKind::Outside => "outside",
            ActivityIssueKind::Overlap => "overlap",
        }
    }
}
