//! Validating agent schedules and history: shifts, their activities, full-day markers, and the schedule period.

use super::{Context, Validator, MAX_LENGTH_MINUTES};
use crate::error::Problem;
use crate::format::{WireActivity, WireAgentSchedule, WireShift};
use crate::id::{AgentIx, ShiftId, TimeOffRequestId};
use crate::snapshot::{Activity, Agent, FullDayMarker, ScheduleInfo, Shift};
use crate::time::{Interval, Zone};

/// One agent-schedule entry (of `agentSchedules` or `history`), validated on its own so that entries can be
/// validated in parallel. Whether it repeats an agent is decided when entries merge.
pub(super) struct Entry {
    agent: Option<AgentIx>,
    version: Option<i64>,
    shifts: Vec<Shift>,
    markers: Vec<FullDayMarker>,
    problems: Vec<Problem>,
}

/// Validates entry `i` of the list `name`. An entry of an unknown agent is still validated, so that all its
/// problems show at once.
pub(super) fn entry(s: &WireAgentSchedule<'_>, i: usize, name: &str, ctx: &Context) -> Entry {
    let mut v = Validator::default();
    let agent = v.user(&s.user, ctx, || format!("{name}[{i}].user"));
    let mut shifts = Vec::with_capacity(s.shifts.len());
    for (j, sh) in s.shifts.iter().enumerate() {
        let shift = v.shift(sh, agent.unwrap_or(AgentIx(0)), ctx, (i, j), name);
        shifts.extend(shift.filter(|_| agent.is_some()));
    }
    let mut markers = Vec::new();
    for (j, m) in s.full_day_time_off_markers.iter().enumerate() {
        let path = || format!("{name}[{i}].fullDayTimeOffMarkers[{j}]");
        let date = v
            .text(&m.business_unit_date, || format!("{}.businessUnitDate", path()))
            .and_then(|d| v.date(d, || format!("{}.businessUnitDate", path())));
        let length = match m.length_minutes {
            Some(n) if (0..=1500).contains(&n) => Some(n),
            Some(n) => {
                v.fail(|| format!("{}.lengthMinutes", path()), format!("must be 0..1500, got {n}"));
                None
            }
            None => Some(0),
        };
        let code = v.code(&m.activity_code_id, ctx, || format!("{}.activityCodeId", path())).map(|(_, c)| c);
        if let (Some(agent), Some(date), Some(length), Some(code), Some(zone)) = (agent, date, length, code, ctx.zone) {
            markers.push(FullDayMarker {
                agent,
                date,
                interval: zone.day(date),
                length_minutes: length,
                paid: m.paid.unwrap_or(code.counts_as_paid_time),
                code: code.id.clone(),
                time_off_request: m.time_off_request_id.as_ref().map(|t| TimeOffRequestId::new(t.as_str())),
            });
        }
    }
    Entry { agent, version: s.metadata.as_ref().and_then(|m| m.version), shifts, markers, problems: v.problems }
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

    fn shift(
        &mut self,
        sh: &WireShift<'_>,
        owner: AgentIx,
        ctx: &Context,
        (i, j): (usize, usize),
        name: &str,
    ) -> Option<Shift> {
        let path = || format!("{name}[{i}].shifts[{j}]");
        let id = self.text(&sh.id, || format!("{}.id", path()));
        let start = self.instant(&sh.start_date, || format!("{}.startDate", path()));
        let length = self.length(sh.length_minutes, MAX_LENGTH_MINUTES, || format!("{}.lengthMinutes", path()));
        let mut activities = Vec::with_capacity(sh.activities.len());
        for (k, a) in sh.activities.iter().enumerate() {
            if let Some(act) = self.activity(a, ctx, || format!("{}.activities[{k}]", path())) {
                activities.push(act);
            }
        }
        Some(Shift {
            id: ShiftId::new(id?),
            owner,
            interval: Interval::from_length(start?, length?),
            activities,
            origin: (i as u32, j as u32),
        })
    }

    fn activity(&mut self, a: &WireActivity<'_>, ctx: &Context, path: impl Fn() -> String) -> Option<Activity> {
        let start = self.instant(&a.start_date, || format!("{}.startDate", path()));
        let length = self.length(a.length_minutes, MAX_LENGTH_MINUTES, || format!("{}.lengthMinutes", path()));
        let (ix, code) = self.code(&a.activity_code_id, ctx, || format!("{}.activityCodeId", path()))?;
        Some(Activity {
            interval: Interval::from_length(start?, length?),
            code: ix,
            category: code.category,
            paid: a.paid.unwrap_or(code.counts_as_paid_time),
            paid_override: a.paid,
            work: code.counts_as_work_time,
            time_off_request: a.time_off_request_id.as_ref().map(|t| TimeOffRequestId::new(t.as_str())),
        })
    }
}
