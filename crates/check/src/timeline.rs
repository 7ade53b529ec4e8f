//! Per-agent facts, computed natively once per agent so that rule scripts only decide.
//!
//! For each agent, after trades: sorted shifts (with history before the week), shift overlaps, activity problems,
//! time-off conflicts and overlapping requests (bounded samples, from `overlaps`), rest gaps, paid/work minutes per
//! local day and per schedule week, consecutive local work days counting history, DST-spanning shifts, and the
//! trades that failed or that the draft already reflects.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::overlaps;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shiftgate_model::{
    Activity, AgentIx, Category, Interval, Move, Roster, Shift, ShiftIx, Snapshot, TimeOffRequestId, TimeOffStatus,
    Zone,
};

/// Everything shared by all agents of one run.
pub(crate) struct World {
    pub(crate) snapshot: Arc<Snapshot>,
    pub(crate) roster: Arc<Roster>,
    pub(crate) zone: Zone,
    pub(crate) period: Interval,
    pub(crate) as_of: DateTime<Utc>,
    /// The period's local days and schedule weeks with their spans, the same for every agent.
    days: Vec<(NaiveDate, Interval)>,
    weeks: Vec<(NaiveDate, Interval)>,
    requests_by_agent: Vec<Vec<usize>>,
    markers_by_agent: Vec<Vec<usize>>,
    history_by_agent: Vec<Vec<usize>>,
    failures_by_agent: Vec<Vec<usize>>,
    /// Already-applied trades (indexes into the snapshot's trades) by initiating user.
    already_applied_by_agent: Vec<Vec<usize>>,
    /// The already-applied trades that name each shift, in application order: how the draft came to hold it.
    arrived_by: HashMap<ShiftIx, Vec<usize>>,
    reflected: HashSet<TimeOffRequestId>,
}

impl World {
    pub(crate) fn new(snapshot: Arc<Snapshot>, roster: Arc<Roster>, as_of: DateTime<Utc>) -> World {
        let n = snapshot.agents.len();
        let mut requests_by_agent = vec![Vec::new(); n];
        for (i, r) in snapshot.time_off.iter().enumerate() {
            requests_by_agent[r.agent.get()].push(i);
        }
        let mut markers_by_agent = vec![Vec::new(); n];
        for (i, m) in snapshot.markers.iter().enumerate() {
            markers_by_agent[m.agent.get()].push(i);
        }
        let mut history_by_agent = vec![Vec::new(); n];
        for (i, s) in snapshot.history.iter().enumerate() {
            history_by_agent[s.owner.get()].push(i);
        }
        // A failed trade is attributed to its initiating user; when that user is unknown, to the receiving user;
        // when neither is known, to the first agent (the finding still names the initiating user's id).
        let mut failures_by_agent = vec![Vec::new(); n];
        for (i, f) in roster.failed.iter().enumerate() {
            let t = &snapshot.trades[f.trade_ix];
            let owner = snapshot
                .agent_ix(t.initiating_user.as_str())
                .or_else(|| t.receiving_user.as_ref().and_then(|u| snapshot.agent_ix(u.as_str())))
                .or((n > 0).then_some(AgentIx(0)));
            if let Some(o) = owner {
                failures_by_agent[o.get()].push(i);
            }
        }
        let mut already_applied_by_agent = vec![Vec::new(); n];
        let mut arrived_by: HashMap<ShiftIx, Vec<usize>> = HashMap::new();
        for &t in &roster.already_applied {
            let trade = &snapshot.trades[t];
            // Only a trade whose users and shifts resolve is already applied.
            if let Some(a) = snapshot.agent_ix(trade.initiating_user.as_str()) {
                already_applied_by_agent[a.get()].push(t);
            }
            for shift in std::iter::once(&trade.initiating_shift).chain(&trade.receiving_shift) {
                if let Some(ix) = snapshot.shift_ix(shift.as_str()) {
                    arrived_by.entry(ix).or_default().push(t);
                }
            }
        }
        let reflected = snapshot.reflected_requests().into_iter().cloned().collect();
        let zone = snapshot.zone();
        let period = snapshot.period();
        let (first, weeks) = (snapshot.schedule.week_date, i64::from(snapshot.schedule.week_count));
        let days = (0..7 * weeks).map(|d| first + Duration::days(d)).map(|d| (d, zone.day(d))).collect();
        let weeks = (0..weeks).map(|k| first + Duration::days(7 * k)).map(|d| (d, zone.days(d, 7))).collect();
        World {
            snapshot,
            roster,
            zone,
            period,
            as_of,
            days,
            weeks,
            requests_by_agent,
            markers_by_agent,
            history_by_agent,
            failures_by_agent,
            already_applied_by_agent,
            arrived_by,
            reflected,
        }
    }

    /// The already-applied trades that name a draft shift, in application order.
    pub(crate) fn arrived_by(&self, shift: ShiftIx) -> &[usize] {
        self.arrived_by.get(&shift).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn is_reflected(&self, id: &TimeOffRequestId) -> bool {
        self.reflected.contains(id)
    }

    /// Local dates of the schedule period.
    pub(crate) fn period_dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days.iter().map(|&(date, _)| date)
    }
}

/// A shift as a rule sees it.
pub(crate) struct ShiftFact {
    /// Draft shift (index into the snapshot's shifts) or history shift (index into its history).
    pub(crate) source: ShiftSource,
    pub(crate) interval: Interval,
    pub(crate) paid_minutes: i64,
    pub(crate) work_minutes: i64,
    pub(crate) local_date: NaiveDate,
    pub(crate) spans_dst: bool,
}

#[derive(Clone, Copy)]
pub(crate) enum ShiftSource {
    Week(ShiftIx),
    History(usize),
}

/// The one work activity a shift without activities stands for.
pub(crate) fn whole_shift_activity(shift: &Shift) -> Activity {
    Activity {
        interval: shift.interval,
        code: shiftgate_model::CodeIx::NONE,
        category: Category::OnQueueWork,
        paid: true,
        paid_override: None,
        work: true,
        time_off_request: None,
    }
}

/// Two overlapping intervals of one agent (shifts or requests), by index, with the shared part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) first: usize,
    pub(crate) second: usize,
    pub(crate) span: Interval,
    /// On the last pair of a sampled list: how many more pairs there are (see `overlaps`); else 0.
    pub(crate) more: usize,
}

/// Kind of activity problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivityIssueKind {
    Outside,
    Overlap,
}

pub(crate) struct ActivityIssue {
    pub(crate) shift: usize,
    pub(crate) kind: ActivityIssueKind,
    pub(crate) activity: usize,
    pub(crate) other: Option<usize>,
    pub(crate) span: Interval,
    /// On the last issue of the agent's sampled list: how many more there are; else 0.
    pub(crate) more: usize,
}

pub(crate) struct Conflict {
    pub(crate) request: usize,
    pub(crate) shift: usize,
    pub(crate) span: Interval,
    pub(crate) minutes: i64,
    /// On the last conflict of a request status in the agent's sampled list: how many more there are; else 0.
    pub(crate) more: usize,
}

pub(crate) struct Gap {
    pub(crate) before: usize,
    pub(crate) after: usize,
    pub(crate) span: Interval,
}

pub(crate) struct Day {
    pub(crate) date: NaiveDate,
    pub(crate) span: Interval,
    pub(crate) shifts: Vec<usize>,
    pub(crate) paid_minutes: i64,
    pub(crate) work_minutes: i64,
}

pub(crate) struct Week {
    pub(crate) first_date: NaiveDate,
    pub(crate) span: Interval,
    pub(crate) shifts: Vec<usize>,
    pub(crate) paid_minutes: i64,
    pub(crate) work_minutes: i64,
}

pub(crate) struct Streak {
    pub(crate) first: NaiveDate,
    pub(crate) last: NaiveDate,
    pub(crate) history_days: i64,
    pub(crate) span: Interval,
}

/// The facts of one agent's week.
pub(crate) struct AgentFacts {
    pub(crate) world: Arc<World>,
    pub(crate) agent: AgentIx,
    /// History shifts first, then the week's shifts after trades; each part sorted by (start, end, id).
    pub(crate) shifts: Vec<ShiftFact>,
    /// Where the week's shifts begin in `shifts`.
    pub(crate) week_from: usize,
    pub(crate) overlaps: Vec<Pair>,
    pub(crate) activity_issues: Vec<ActivityIssue>,
    /// Indexes into the snapshot's time-off requests.
    pub(crate) requests: Vec<usize>,
    pub(crate) markers: Vec<usize>,
    pub(crate) conflicts: Vec<Conflict>,
    /// Overlapping live requests, by index into `requests`.
    pub(crate) request_overlaps: Vec<Pair>,
    pub(crate) gaps: Vec<Gap>,
    pub(crate) days: Vec<Day>,
    pub(crate) weeks: Vec<Week>,
    pub(crate) streaks: Vec<Streak>,
    /// Indexes into the roster's failed trades.
    pub(crate) trade_failures: Vec<usize>,
    /// Approved trades this agent initiated that the draft already reflects (indexes into the snapshot's trades).
    pub(crate) already_applied: Vec<usize>,
}

impl AgentFacts {
    pub(crate) fn shift(&self, i: usize) -> &Shift {
        match self.shifts[i].source {
            ShiftSource::Week(ix) => self.world.snapshot.shift(ix),
            ShiftSource::History(h) => &self.world.snapshot.history[h],
        }
    }

    /// Trades that moved a shift, in order (empty for shifts that never moved and for history).
    pub(crate) fn moves(&self, i: usize) -> &[Move] {
        match self.shifts[i].source {
            ShiftSource::Week(ix) => &self.world.roster.moves[ix.get()],
            ShiftSource::History(_) => &[],
        }
    }

    pub(crate) fn is_history(&self, i: usize) -> bool {
        i < self.week_from
    }
}

fn shift_fact(shift: &Shift, source: ShiftSource, zone: Zone) -> ShiftFact {
    let (paid_minutes, work_minutes) = if shift.activities.is_empty() {
        (shift.interval.minutes(), shift.interval.minutes())
    } else {
        shift.activities.iter().fold((0, 0), |(paid, work), a| {
            let m = a.interval.minutes();
            (paid + if a.paid { m } else { 0 }, work + if a.work { m } else { 0 })
        })
    };
    ShiftFact {
        source,
        interval: shift.interval,
        paid_minutes,
        work_minutes,
        local_date: zone.local_date(shift.interval.start),
        spans_dst: zone.offset_changes_within(&shift.interval),
    }
}

/// Computes one agent's facts.
pub(crate) fn agent_facts(world: &Arc<World>, agent: AgentIx) -> AgentFacts {
    let snap = &world.snapshot;
    let zone = world.zone;
    let a = agent.get();

    let mut shifts: Vec<ShiftFact> = world.history_by_agent[a]
        .iter()
        .map(|&h| shift_fact(&snap.history[h], ShiftSource::History(h), zone))
        .collect();
    shifts.sort_by(|x, y| {
        let key = |f: &ShiftFact| match f.source {
            ShiftSource::History(h) => (f.interval, snap.history[h].id.clone()),
            ShiftSource::Week(ix) => (f.interval, snap.shift(ix).id.clone()),
        };
        key(x).cmp(&key(y))
    });
    let week_from = shifts.len();
    // The roster already sorts each agent's shifts by (start, end, id).
    shifts.extend(
        world.roster.shifts_of(agent).iter().map(|&ix| shift_fact(snap.shift(ix), ShiftSource::Week(ix), zone)),
    );

    let mut facts = AgentFacts {
        world: world.clone(),
        agent,
        shifts,
        week_from,
        overlaps: Vec::new(),
        activity_issues: Vec::new(),
        requests: sorted_requests(world, a),
        markers: world.markers_by_agent[a].clone(),
        conflicts: Vec::new(),
        request_overlaps: Vec::new(),
        gaps: Vec::new(),
        days: Vec::new(),
        weeks: Vec::new(),
        streaks: Vec::new(),
        trade_failures: world.failures_by_agent[a].clone(),
        already_applied: world.already_applied_by_agent[a].clone(),
    };
    facts.overlaps = overlaps::shift_overlaps(&facts);
    facts.activity_issues = overlaps::activity_issues(&facts);
    facts.conflicts = overlaps::conflicts(&facts);
    facts.request_overlaps = overlaps::request_overlaps(&facts);
    facts.gaps = rest_gaps(&facts);
    (facts.days, facts.weeks) = buckets(&facts);
    facts.streaks = streaks(&facts);
    facts
}

/// An agent's requests in a canonical order (by time, then id), so findings never depend on input order.
fn sorted_requests(world: &World, agent: usize) -> Vec<usize> {
    let mut list = world.requests_by_agent[agent].clone();
    let snap = &world.snapshot;
    list.sort_by(|&x, &y| {
        let (a, b) = (&snap.time_off[x], &snap.time_off[y]);
        (a.intervals.first(), a.id.as_str()).cmp(&(b.intervals.first(), b.id.as_str()))
    });
    list
}

fn rest_gaps(f: &AgentFacts) -> Vec<Gap> {
    // Consecutive shifts in start order; an overlapping pair is an overlap, not a negative gap. The latest-ending
    // earlier shift is the one rest is measured from.
    let mut out = Vec::new();
    let mut prev: Option<usize> = None;
    for i in 0..f.shifts.len() {
        if let Some(p) = prev {
            let (a, b) = (f.shifts[p].interval, f.shifts[i].interval);
            if a.end <= b.start && !f.is_history(i) {
                out.push(Gap { before: p, after: i, span: Interval::new(a.end, b.start) });
            }
        }
        if prev.is_none_or(|p| f.shifts[i].interval.end >= f.shifts[p].interval.end) {
            prev = Some(i);
        }
    }
    out
}

fn buckets(f: &AgentFacts) -> (Vec<Day>, Vec<Week>) {
    let w = &f.world;
    let mut days: Vec<Day> = w
        .days
        .iter()
        .map(|&(date, span)| Day { date, span, shifts: Vec::new(), paid_minutes: 0, work_minutes: 0 })
        .collect();
    let first = w.snapshot.schedule.week_date;
    let mut weeks: Vec<Week> = w
        .weeks
        .iter()
        .map(|&(first_date, span)| Week { first_date, span, shifts: Vec::new(), paid_minutes: 0, work_minutes: 0 })
        .collect();
    for i in f.week_from..f.shifts.len() {
        let s = &f.shifts[i];
        let offset = (s.local_date - first).num_days();
        if offset < 0 || offset >= days.len() as i64 {
            continue;
        }
        let day = &mut days[offset as usize];
        day.shifts.push(i);
        day.paid_minutes += s.paid_minutes;
        day.work_minutes += s.work_minutes;
        let week = &mut weeks[offset as usize / 7];
        week.shifts.push(i);
        week.paid_minutes += s.paid_minutes;
        week.work_minutes += s.work_minutes;
    }
    for &m in &f.markers {
        let marker = &w.snapshot.markers[m];
        let offset = (marker.date - first).num_days();
        if marker.paid && offset >= 0 && offset < days.len() as i64 {
            days[offset as usize].paid_minutes += marker.length_minutes;
            weeks[offset as usize / 7].paid_minutes += marker.length_minutes;
        }
    }
    (days, weeks)
}

fn streaks(f: &AgentFacts) -> Vec<Streak> {
    let w = &f.world;
    let week_date = w.snapshot.schedule.week_date;
    let dates: BTreeSet<NaiveDate> = f.shifts.iter().map(|s| s.local_date).collect();
    let mut out = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    let mut flush = |run: Option<(NaiveDate, NaiveDate)>| {
        if let Some((first, last)) = run {
            if last >= week_date {
                let history_days = (week_date - first).num_days().max(0);
                out.push(Streak { first, last, history_days, span: w.zone.days(first, (last - first).num_days() + 1) });
            }
        }
    };
    for d in dates {
        run = match run {
            Some((first, last)) if d == last + Duration::days(1) => Some((first, d)),
            other => {
                flush(other);
                Some((d, d))
            }
        };
    }
    flush(run);
    out
}

/// Whether a request status can conflict (re-exported for the API).
pub(crate) fn status_str(s: TimeOffStatus) -> &'static str {
    s.as_str()
}
