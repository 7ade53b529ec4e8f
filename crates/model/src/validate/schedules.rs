//! Validating agent schedules and history: shifts, their activities, full-day markers, and the schedule period.

use std::borrow::Borrow;
use std::collections::HashSet;

use super::{Ctx, Validator, MAX_LENGTH_MINUTES};
use crate::format::{Text, WireActivity, WireAgentSchedule, WireShift};
use crate::id::{AgentIx, ShiftId, TimeOffRequestId};
use crate::snapshot::{Activity, Agent, FullDayMarker, ScheduleInfo, Shift};
use crate::time::{Interval, Zone};

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

    pub(super) fn agent_schedules<'w, L>(
        &mut self,
        list: L,
        name: &str,
        ctx: &mut Ctx<'_>,
        mut agents: Option<&mut Vec<Agent>>,
    ) -> (Vec<Shift>, Vec<FullDayMarker>)
    where
        L: IntoIterator,
        L::Item: Borrow<WireAgentSchedule<'w>>,
    {
        let list = list.into_iter();
        let mut shifts = Vec::with_capacity(list.size_hint().0 * 6);
        let mut markers = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in list.enumerate() {
            let s: &WireAgentSchedule<'w> = item.borrow();
            // An entry of an unknown agent is still validated, so that all its problems show at once.
            let agent = self.user(&s.user, ctx, || format!("{name}[{i}].user"));
            if agent.is_some_and(|a| !seen.insert(a)) {
                self.fail(
                    || format!("{name}[{i}].user.id"),
                    format!(
                        "a second {name} entry for agent {:?}",
                        s.user.as_ref().and_then(|u| u.id.as_ref()).map(Text::as_str).unwrap_or("")
                    ),
                );
                continue;
            }
            if let (Some(agents), Some(agent)) = (agents.as_deref_mut(), agent) {
                agents[agent.get()].schedule_version = s.metadata.as_ref().and_then(|m| m.version).or(Some(0));
            }
            for (j, sh) in s.shifts.iter().enumerate() {
                let shift = self.shift(sh, agent.unwrap_or(AgentIx(0)), ctx, (i, j), name);
                shifts.extend(shift.filter(|_| agent.is_some()));
            }
            for (j, m) in s.full_day_time_off_markers.iter().enumerate() {
                let path = || format!("{name}[{i}].fullDayTimeOffMarkers[{j}]");
                let date = self
                    .text(&m.business_unit_date, || format!("{}.businessUnitDate", path()))
                    .and_then(|d| self.date(d, || format!("{}.businessUnitDate", path())));
                let length = match m.length_minutes {
                    Some(n) if (0..=1500).contains(&n) => Some(n),
                    Some(n) => {
                        self.fail(|| format!("{}.lengthMinutes", path()), format!("must be 0..1500, got {n}"));
                        None
                    }
                    None => Some(0),
                };
                let code = self.code(&m.activity_code_id, ctx, || format!("{}.activityCodeId", path())).cloned();
                if let (Some(agent), Some(date), Some(length), Some(code), Some(zone)) =
                    (agent, date, length, code, ctx.zone)
                {
                    markers.push(FullDayMarker {
                        agent,
                        date,
                        interval: zone.day(date),
                        length_minutes: length,
                        paid: m.paid.unwrap_or(code.counts_as_paid_time),
                        code: code.id,
                        time_off_request: m.time_off_request_id.as_ref().map(|t| TimeOffRequestId::new(t.as_str())),
                    });
                }
            }
        }
        (shifts, markers)
    }

    fn shift(
        &mut self,
        sh: &WireShift<'_>,
        owner: AgentIx,
        ctx: &Ctx<'_>,
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

    fn activity(&mut self, a: &WireActivity<'_>, ctx: &Ctx<'_>, path: impl Fn() -> String) -> Option<Activity> {
        let start = self.instant(&a.start_date, || format!("{}.startDate", path()));
        let length = self.length(a.length_minutes, MAX_LENGTH_MINUTES, || format!("{}.lengthMinutes", path()));
        let code = self.code(&a.activity_code_id, ctx, || format!("{}.activityCodeId", path()))?;
        Some(Activity {
            interval: Interval::from_length(start?, length?),
            code: code.id.clone(),
            category: code.category,
            paid: a.paid.unwrap_or(code.counts_as_paid_time),
            paid_override: a.paid,
            work: code.counts_as_work_time,
            time_off_request: a.time_off_request_id.as_ref().map(|t| TimeOffRequestId::new(t.as_str())),
        })
    }
}
