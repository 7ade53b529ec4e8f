//! Validating agent schedules and history: shifts, their activities, full-day markers, and the schedule period.

use super::{Context, Validator};
use crate::error::Problem;
use crate::format::{Metadata, UserRef, WireActivity, WireAgentSchedule, WireMarker, WireShift};
use crate::id::{AgentIx, ShiftId, TimeOffRequestId};
use crate::limits::{MAX_ACTIVITIES_PER_SHIFT, MAX_DAY_MINUTES, MAX_LENGTH_MINUTES, MAX_SHIFTS_PER_AGENT};
use crate::snapshot::{Activity, Agent, FullDayMarker, ScheduleInfo, Shift};
use crate::time::{Interval, Zone};

/// One agent-schedule entry (of `agentSchedules` or `history`), validated on its own so that entries can be
/// validated in parallel. Whether it repeats an agent is decided when entries merge.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) agent: Option<AgentIx>,
    pub(super) version: Option<i64>,
    pub(super) shifts: Vec<Shift>,
    pub(super) markers: Vec<FullDayMarker>,
    pub(super) problems: Vec<Problem>,
}

/// Validates entry `i` of the list `name`. An entry of an unknown agent is still validated, so that all its
/// problems show at once.
pub(super) fn entry(s: &WireAgentSchedule<'_>, i: usize, name: &'static str, ctx: &Context) -> Entry {
    let mut shifts = Shifts::new(i, name);
    for sh in &s.shifts {
        let mut activities = shifts.activities();
        for a in &sh.activities {
            activities.push(a, ctx);
        }
        shifts.push(sh, activities);
    }
    shifts.finish(s.user.as_ref(), s.metadata.as_ref(), &s.full_day_time_off_markers, ctx)
}

/// The shifts of entry `i` of the list `name`, validated one at a time as they are read, so that an entry can be
/// validated without holding its wire form.
pub(super) struct Shifts {
    i: usize,
    name: &'static str,
    read: usize,
    shifts: Vec<Shift>,
    v: Validator,
}

/// The activities of the shift a [`Shifts`] takes next, validated one at a time.
pub(super) struct Activities {
    /// Entry, shift and list name, for paths.
    at: (usize, usize, &'static str),
    read: usize,
    list: Vec<Activity>,
    v: Validator,
}

impl Shifts {
    pub(super) fn new(i: usize, name: &'static str) -> Self {
        Shifts { i, name, read: 0, shifts: Vec::new(), v: Validator::default() }
    }

    /// An empty activity list for the shift [`Shifts::push`] takes next.
    pub(super) fn activities(&self) -> Activities {
        // Room for a typical shift's activities (work, two breaks, a meal, work between them) without regrowing.
        let list = Vec::with_capacity(8);
        Activities { at: (self.i, self.read, self.name), read: 0, list, v: Validator::default() }
    }

    /// Validates the next shift's own fields; its activities come validated (its wire `activities` are ignored).
    /// Shifts beyond [`MAX_SHIFTS_PER_AGENT`] are counted, not kept: the entry is refused at [`Shifts::finish`].
    pub(super) fn push(&mut self, sh: &WireShift<'_>, activities: Activities) {
        let (i, j, name) = (self.i, self.read, self.name);
        self.read += 1;
        if j >= MAX_SHIFTS_PER_AGENT {
            return;
        }
        let path = || format!("{name}[{i}].shifts[{j}]");
        let id = self.v.id(&sh.id, || format!("{}.id", path()));
        let start = self.v.schedule_instant(&sh.start_date, || format!("{}.startDate", path()));
        let length = self.v.length(sh.length_minutes, MAX_LENGTH_MINUTES, || format!("{}.lengthMinutes", path()));
        self.v.problems.extend(activities.v.problems);
        if activities.read > MAX_ACTIVITIES_PER_SHIFT {
            self.v.fail(
                || format!("{}.activities", path()),
                format!("has {} activities, at most {MAX_ACTIVITIES_PER_SHIFT} per shift", activities.read),
            );
        }
        if let (Some(id), Some(start), Some(length)) = (id, start, length) {
            self.shifts.push(Shift {
                id: ShiftId::new(id),
                owner: AgentIx(0),
                interval: Interval::from_length(start, length),
                activities: activities.list,
                origin: (i as u32, j as u32),
            });
        }
    }

    /// Validates the entry's user and markers and joins everything, problems in document order: the user first,
    /// then each shift's own fields followed by its activities', then the markers.
    pub(super) fn finish(
        self,
        user: Option<&UserRef<'_>>,
        metadata: Option<&Metadata>,
        markers: &[WireMarker<'_>],
        ctx: &Context,
    ) -> Entry {
        let (i, name) = (self.i, self.name);
        let mut v = Validator::default();
        let agent = v.user(user, ctx, || format!("{name}[{i}].user"));
        v.problems.extend(self.v.problems);
        if self.read > MAX_SHIFTS_PER_AGENT {
            let n = self.read;
            v.fail(
                || format!("{name}[{i}].shifts"),
                format!("has {n} shifts, at most {MAX_SHIFTS_PER_AGENT} per agent"),
            );
        }
        let mut shifts = self.shifts;
        match agent {
            Some(agent) => shifts.iter_mut().for_each(|s| s.owner = agent),
            None => shifts.clear(),
        }
        let markers = v.markers(markers, agent, (i, name), ctx);
        Entry { agent, version: metadata.and_then(|m| m.version), shifts, markers, problems: v.problems }
    }
}

impl Activities {
    /// Validates the shift's next activity. Activities beyond [`MAX_ACTIVITIES_PER_SHIFT`] are counted, not kept:
    /// the shift is refused.
    pub(super) fn push(&mut self, a: &WireActivity<'_>, ctx: &Context) {
        let ((i, j, name), k) = (self.at, self.read);
        self.read += 1;
        if k >= MAX_ACTIVITIES_PER_SHIFT {
            return;
        }
        if let Some(act) = self.v.activity(a, ctx, || format!("{name}[{i}].shifts[{j}].activities[{k}]")) {
            self.list.push(act);
        }
    }
}

impl Validator {
    fn markers(
        &mut self,
        list: &[WireMarker<'_>],
        agent: Option<AgentIx>,
        (i, name): (usize, &str),
        ctx: &Context,
    ) -> Vec<FullDayMarker> {
        let mut markers = Vec::new();
        for (j, m) in list.iter().enumerate() {
            let path = || format!("{name}[{i}].fullDayTimeOffMarkers[{j}]");
            let date = self
                .text(&m.business_unit_date, || format!("{}.businessUnitDate", path()))
                .and_then(|d| self.date(d, || format!("{}.businessUnitDate", path())));
            let length = match m.length_minutes {
                Some(n) if (0..=MAX_DAY_MINUTES).contains(&n) => Some(n),
                Some(n) => {
                    self.fail(|| format!("{}.lengthMinutes", path()), format!("must be 0..{MAX_DAY_MINUTES}, got {n}"));
                    None
                }
                None => Some(0),
            };
            let code = self.code(&m.activity_code_id, ctx, || format!("{}.activityCodeId", path())).map(|(_, c)| c);
            let request = self.optional_id(&m.time_off_request_id, || format!("{}.timeOffRequestId", path()));
            if let (Some(agent), Some(date), Some(length), Some(code), Some(zone)) =
                (agent, date, length, code, ctx.zone)
            {
                markers.push(FullDayMarker {
                    agent,
                    date,
                    interval: zone.day(date),
                    length_minutes: length,
                    paid: m.paid.unwrap_or(code.counts_as_paid_time),
                    code: code.id.clone(),
                    time_off_request: request.map(TimeOffRequestId::new),
                });
            }
        }
        markers
    }
}

impl Validator {
    /// Draft shifts start inside the schedule period and history shifts before it: a shift dated years away is a
    /// data error, not something to judge (and to print without a year).
    pub(super) fn shifts_in_their_period(
        &mut self,
        zone: Zone,
        sch: &ScheduleInfo,
        shifts: &[Shift],
        history: &[Shift],
    ) {
        let period = zone.days(sch.week_date, 7 * i64::from(sch.week_count));
        let last = sch.week_date + chrono::Duration::days(7 * i64::from(sch.week_count) - 1);
        for s in shifts {
            if s.interval.start < period.start || s.interval.start >= period.end {
                let (a, b) = s.origin;
                self.fail(
                    || format!("agentSchedules[{a}].shifts[{b}].startDate"),
                    format!(
                        "must fall in the schedule period {} to {last} ({}), got {}",
                        sch.week_date,
                        zone.name(),
                        zone.format_rfc3339(s.interval.start)
                    ),
                );
            }
        }
        for s in history {
            if s.interval.start >= period.start {
                let (a, b) = s.origin;
                self.fail(
                    || format!("history[{a}].shifts[{b}].startDate"),
                    format!(
                        "history must start before the schedule period ({} {}), got {}",
                        sch.week_date,
                        zone.name(),
                        zone.format_rfc3339(s.interval.start)
                    ),
                );
            }
        }
    }

    /// Joins validated entries in document order: a second entry for the same agent is a problem (and its own
    /// problems are not reported), and draft entries give their agent its schedule version.
    pub(super) fn merge_entries(
        &mut self,
        entries: Vec<Entry>,
        name: &str,
        agents: &mut [Agent],
        draft: bool,
    ) -> (Vec<Shift>, Vec<FullDayMarker>) {
        let mut shifts = Vec::with_capacity(entries.iter().map(|e| e.shifts.len()).sum());
        let mut markers = Vec::new();
        let mut seen = vec![false; agents.len()];
        for (i, e) in entries.into_iter().enumerate() {
            if let Some(agent) = e.agent {
                if std::mem::replace(&mut seen[agent.get()], true) {
                    let id = agents[agent.get()].id.as_str();
                    self.fail(|| format!("{name}[{i}].user.id"), format!("a second {name} entry for agent {id:?}"));
                    continue;
                }
                if draft {
                    agents[agent.get()].schedule_version = e.version.or(Some(0));
                }
            }
            self.problems.extend(e.problems);
            shifts.extend(e.shifts);
            markers.extend(e.markers);
        }
        (shifts, markers)
    }

    fn activity(&mut self, a: &WireActivity<'_>, ctx: &Context, path: impl Fn() -> String) -> Option<Activity> {
        let start = self.schedule_instant(&a.start_date, || format!("{}.startDate", path()));
        let length = self.length(a.length_minutes, MAX_LENGTH_MINUTES, || format!("{}.lengthMinutes", path()));
        let code = self.code(&a.activity_code_id, ctx, || format!("{}.activityCodeId", path()));
        let request = self.optional_id(&a.time_off_request_id, || format!("{}.timeOffRequestId", path()));
        let (ix, code) = code?;
        Some(Activity {
            interval: Interval::from_length(start?, length?),
            code: ix,
            category: code.category,
            paid: a.paid.unwrap_or(code.counts_as_paid_time),
            paid_override: a.paid,
            work: code.counts_as_work_time,
            time_off_request: request.map(TimeOffRequestId::new),
        })
    }
}
