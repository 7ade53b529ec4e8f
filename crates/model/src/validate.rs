//! Parse, then validate: turns the wire document into a [`Snapshot`], reporting every problem at once.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::error::{InputError, Problem};
use crate::format::{Text, UserRef, WireActivity, WireAgentSchedule, WireShift, WireSnapshot, FORMAT};
use crate::id::{ActivityCodeId, AgentId, AgentIx, ShiftId, ShiftIx, TimeOffRequestId, TradeId};
use crate::snapshot::{
    Activity, ActivityCode, Agent, BusinessUnit, Category, FullDayMarker, ScheduleInfo, Shift, ShiftTrade, Snapshot,
    TimeOffRequest, TimeOffStatus, TradeState,
};
use crate::time::{parse_date, parse_instant, Interval, Zone};

/// Longest interval accepted for a shift or activity: one week. Anything longer is a data error, and the bound
/// keeps instant arithmetic far from overflow.
pub const MAX_LENGTH_MINUTES: i64 = 7 * 24 * 60;

impl Snapshot {
    /// Reads and validates a snapshot from JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, InputError> {
        // Checking UTF-8 once up front lets serde borrow strings without re-validating each one.
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return Err(utf8_error(bytes, &e)),
        };
        let wire: WireSnapshot<'_> = match serde_json::from_str(text) {
            Ok(w) => w,
            Err(e) => return Err(syntax_error(bytes, &e)),
        };
        Snapshot::from_wire_owned(wire)
    }

    /// Validates an already-parsed wire document.
    pub fn from_wire(wire: &WireSnapshot<'_>) -> Result<Snapshot, InputError> {
        let mut v = Validator::default();
        let snapshot = v.snapshot(wire, wire.agent_schedules.iter(), wire.history.iter());
        match snapshot {
            Some(s) if v.problems.is_empty() => Ok(s),
            _ => Err(InputError::Invalid(v.problems)),
        }
    }

    /// Like [`Snapshot::from_wire`], but frees each agent schedule as soon as it is converted, so the wire
    /// document and the validated snapshot never both hold every shift (the peak memory of a large read).
    fn from_wire_owned(mut wire: WireSnapshot<'_>) -> Result<Snapshot, InputError> {
        let schedules = std::mem::take(&mut wire.agent_schedules);
        let history = std::mem::take(&mut wire.history);
        let mut v = Validator::default();
        let snapshot = v.snapshot(&wire, schedules, history);
        match snapshot {
            Some(s) if v.problems.is_empty() => Ok(s),
            _ => Err(InputError::Invalid(v.problems)),
        }
    }
}

fn utf8_error(bytes: &[u8], e: &std::str::Utf8Error) -> InputError {
    let good = &bytes[..e.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    InputError::Syntax { path: ".".into(), message: "the snapshot is not valid UTF-8".into(), line, column }
}

/// The fast parse keeps no path; on failure parse again, slowly, to say where.
fn syntax_error(bytes: &[u8], fast: &serde_json::Error) -> InputError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let path = match serde_path_to_error::deserialize::<_, WireSnapshot<'_>>(&mut de) {
        Err(e) => e.path().to_string(),
        Ok(_) => ".".to_string(),
    };
    let message = fast.to_string();
    // serde_json appends " at line L column C"; we report those separately.
    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
    InputError::Syntax { path, message, line: fast.line(), column: fast.column() }
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "Sunday" => Weekday::Sun,
        "Monday" => Weekday::Mon,
        "Tuesday" => Weekday::Tue,
        "Wednesday" => Weekday::Wed,
        "Thursday" => Weekday::Thu,
        "Friday" => Weekday::Fri,
        "Saturday" => Weekday::Sat,
        _ => return None,
    })
}

fn weekday_name(d: Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][d.num_days_from_monday() as usize]
}

impl Validator {
    fn fail(&mut self, path: impl FnOnce() -> String, message: impl Into<String>) {
        self.problems.push(Problem { path: path(), message: message.into() });
    }

    fn required<'t, T>(&mut self, v: &'t Option<T>, path: impl FnOnce() -> String) -> Option<&'t T> {
        if v.is_none() {
            self.fail(path, "is required");
        }
        v.as_ref()
    }

    fn text<'t>(&mut self, v: &'t Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<&'t str> {
        match v {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(t) if t.as_str().is_empty() => {
                self.fail(path, "must not be empty");
                None
            }
            Some(t) => Some(t.as_str()),
        }
    }

    fn instant(&mut self, v: &Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        let s = v.as_ref();
        match s {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(t) => self.instant_str(t.as_str(), path),
        }
    }

    fn instant_str(&mut self, s: &str, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        let t = parse_instant(s);
        if t.is_none() {
            self.fail(path, format!("must be an RFC 3339 instant with Z or an offset, got {s:?}"));
        }
        t
    }

    fn optional_instant(&mut self, v: &Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        v.as_ref().and_then(|t| self.instant_str(t.as_str(), path))
    }

    fn date(&mut self, s: &str, path: impl FnOnce() -> String) -> Option<NaiveDate> {
        let d = parse_date(s);
        if d.is_none() {
            self.fail(path, format!("must be a yyyy-MM-dd date, got {s:?}"));
        }
        d
    }

    fn length(&mut self, v: Option<i64>, max: i64, path: impl FnOnce() -> String) -> Option<i64> {
        match v {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(n) if n <= 0 => {
                self.fail(path, format!("must be > 0, got {n}"));
                None
            }
            Some(n) if n > max => {
                self.fail(path, format!("must be at most {max}, got {n}"));
                None
            }
            Some(n) => Some(n),
        }
    }

    fn snapshot<'w, S, H>(&mut self, w: &WireSnapshot<'_>, schedules: S, history: H) -> Option<Snapshot>
    where
        S: IntoIterator,
        S::Item: Borrow<WireAgentSchedule<'w>>,
        H: IntoIterator,
        H::Item: Borrow<WireAgentSchedule<'w>>,
    {
        match w.format.as_ref().map(Text::as_str) {
            Some(FORMAT) => {}
            Some(other) => self.fail(|| "format".into(), format!("must be {FORMAT:?}, got {other:?}")),
            None => self.fail(|| "format".into(), format!("is required (\"{FORMAT}\")")),
        }
        let as_of = self.optional_instant(&w.as_of, || "asOf".into());
        let business_unit = self.business_unit(w);
        let schedule = self.schedule(w, business_unit.as_ref());
        let codes = self.activity_codes(w);
        let (agents, agent_index) = self.agents(w);
        let zone = business_unit.as_ref().map(|b| b.zone);

        let code_index: HashMap<&str, &ActivityCode> = codes.iter().map(|(k, c)| (k.as_str(), c)).collect();
        let mut ctx = Ctx { codes: &code_index, agent_index: &agent_index, zone };
        let mut agents = agents;
        let (shifts, markers) = self.agent_schedules(schedules, "agentSchedules", &mut ctx, Some(&mut agents));
        let (history, _) = self.agent_schedules(history, "history", &mut ctx, None);

        let mut shift_index = HashMap::with_capacity(shifts.len());
        for (i, s) in shifts.iter().enumerate() {
            if shift_index.insert(s.id.clone(), ShiftIx(i as u32)).is_some() {
                let (a, b) = s.origin;
                self.fail(
                    || format!("agentSchedules[{a}].shifts[{b}].id"),
                    format!("duplicate shift id {:?}", s.id.as_str()),
                );
            }
        }
        if let (Some(zone), Some(sch)) = (zone, schedule.as_ref()) {
            self.shifts_in_their_period(zone, sch, &shifts, &history);
        }
        let time_off = self.time_off_requests(w, &ctx);
        let trades = self.trades(w);

        Some(Snapshot {
            as_of,
            business_unit: business_unit?,
            schedule: schedule?,
            activity_codes: codes.into_iter().map(|(_, c)| c).collect(),
            agents,
            shifts,
            markers,
            history,
            time_off,
            trades,
            agent_index,
            shift_index,
        })
    }

    /// Draft shifts start inside the schedule period and history shifts before it: a shift dated years away is a
    /// data error, not something to judge (and to print without a year).
    fn shifts_in_their_period(&mut self, zone: Zone, sch: &ScheduleInfo, shifts: &[Shift], history: &[Shift]) {
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

    fn business_unit(&mut self, w: &WireSnapshot<'_>) -> Option<BusinessUnit> {
        let bu = self.required(&w.business_unit, || "businessUnit".into())?;
        let id = self.text(&bu.id, || "businessUnit.id".into());
        let zone = match self.text(&bu.time_zone, || "businessUnit.timeZone".into()) {
            Some(name) => {
                let z = Zone::from_name(name);
                if z.is_none() {
                    self.fail(|| "businessUnit.timeZone".into(), format!("unknown IANA time zone {name:?}"));
                }
                z
            }
            None => None,
        };
        let start_day_of_week = match bu.start_day_of_week.as_ref().map(Text::as_str) {
            None => Some(Weekday::Sun),
            Some(s) => {
                let d = weekday(s);
                if d.is_none() {
                    self.fail(|| "businessUnit.startDayOfWeek".into(), format!("must be Sunday..Saturday, got {s:?}"));
                }
                d
            }
        };
        Some(BusinessUnit {
            id: id?.to_string(),
            name: bu.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
            zone: zone?,
            start_day_of_week: start_day_of_week?,
        })
    }

    fn schedule(&mut self, w: &WireSnapshot<'_>, bu: Option<&BusinessUnit>) -> Option<ScheduleInfo> {
        let s = self.required(&w.schedule, || "schedule".into())?;
        let id = self.text(&s.id, || "schedule.id".into());
        let week_date = self
            .text(&s.week_date, || "schedule.weekDate".into())
            .and_then(|d| self.date(d, || "schedule.weekDate".into()));
        if let (Some(d), Some(bu)) = (week_date, bu) {
            if d.weekday() != bu.start_day_of_week {
                self.fail(
                    || "schedule.weekDate".into(),
                    format!(
                        "{d} is a {}, but the business unit's week starts on {}",
                        weekday_name(d.weekday()),
                        weekday_name(bu.start_day_of_week)
                    ),
                );
            }
        }
        let week_count = match s.week_count {
            None => Some(1),
            Some(n) if (1..=6).contains(&n) => Some(n as u32),
            Some(n) => {
                self.fail(|| "schedule.weekCount".into(), format!("must be 1..6, got {n}"));
                None
            }
        };
        Some(ScheduleInfo {
            id: id?.to_string(),
            week_date: week_date?,
            week_count: week_count?,
            published: s.published.unwrap_or(false),
            version: s.metadata.as_ref().and_then(|m| m.version),
        })
    }

    fn activity_codes(&mut self, w: &WireSnapshot<'_>) -> Vec<(String, ActivityCode)> {
        let mut out: Vec<(String, ActivityCode)> = Vec::new();
        for (i, c) in w.activity_codes.iter().enumerate() {
            let Some(id) = self.text(&c.id, || format!("activityCodes[{i}].id")) else { continue };
            let category = match self.text(&c.category, || format!("activityCodes[{i}].category")) {
                Some(s) => match Category::parse(s) {
                    Some(cat) => cat,
                    None => {
                        self.fail(
                            || format!("activityCodes[{i}].category"),
                            format!(
                                "unknown category {s:?} (one of {})",
                                Category::ALL.map(Category::as_str).join(", ")
                            ),
                        );
                        continue;
                    }
                },
                None => continue,
            };
            if out.iter().any(|(k, _)| k == id) {
                self.fail(|| format!("activityCodes[{i}].id"), format!("duplicate activity code id {id:?}"));
                continue;
            }
            // Genesys defaults: work categories count as work, and everything but Meal and unpaid time off is paid.
            let default_work = matches!(
                category,
                Category::OnQueueWork | Category::OffQueueWork | Category::Meeting | Category::Training
            );
            out.push((
                id.to_string(),
                ActivityCode {
                    id: ActivityCodeId::new(id),
                    name: c.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                    category,
                    counts_as_paid_time: c.counts_as_paid_time.unwrap_or(category != Category::Meal),
                    counts_as_work_time: c.counts_as_work_time.unwrap_or(default_work),
                },
            ));
        }
        out
    }

    fn agents(&mut self, w: &WireSnapshot<'_>) -> (Vec<Agent>, HashMap<AgentId, AgentIx>) {
        let mut agents = Vec::with_capacity(w.agents.len());
        let mut index = HashMap::with_capacity(w.agents.len());
        for (i, a) in w.agents.iter().enumerate() {
            let Some(id) = self.text(&a.id, || format!("agents[{i}].id")) else { continue };
            let id = AgentId::new(id);
            if index.contains_key(&id) {
                self.fail(|| format!("agents[{i}].id"), format!("duplicate agent id {:?}", id.as_str()));
                continue;
            }
            index.insert(id.clone(), AgentIx(agents.len() as u32));
            agents.push(Agent {
                id,
                name: a.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                management_unit_id: a.management_unit_id.as_ref().map(|m| m.as_str().to_string()),
                tags: a.tags.iter().map(|t| t.as_str().to_string()).collect(),
                skills: a.skills.iter().map(|t| t.as_str().to_string()).collect(),
                params: a.params.clone(),
                schedule_version: None,
            });
        }
        (agents, index)
    }

    fn user(&mut self, u: &Option<UserRef<'_>>, ctx: &Ctx<'_>, path: impl Fn() -> String) -> Option<AgentIx> {
        let id = match u {
            Some(UserRef { id: Some(id) }) => id.as_str(),
            _ => {
                self.fail(|| format!("{}.id", path()), "is required");
                return None;
            }
        };
        let ix = ctx.agent_index.get(id).copied();
        if ix.is_none() {
            self.fail(|| format!("{}.id", path()), format!("unknown agent {id:?} (not in agents)"));
        }
        ix
    }

    fn code<'c>(&mut self, v: &Option<Text<'_>>, ctx: &Ctx<'c>, path: impl Fn() -> String) -> Option<&'c ActivityCode> {
        let id = self.text(v, &path)?;
        let code = ctx.codes.get(id).copied();
        if code.is_none() {
            self.fail(path, format!("unknown activity code {id:?} (not in activityCodes)"));
        }
        code
    }

    fn agent_schedules<'w, L>(
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

    fn time_off_requests(&mut self, w: &WireSnapshot<'_>, ctx: &Ctx<'_>) -> Vec<TimeOffRequest> {
        let mut out = Vec::with_capacity(w.time_off_requests.len());
        let mut ids = HashSet::new();
        for (i, r) in w.time_off_requests.iter().enumerate() {
            let path = || format!("timeOffRequests[{i}]");
            let id = self.text(&r.id, || format!("{}.id", path()));
            if let Some(id) = id {
                if !ids.insert(id) {
                    self.fail(|| format!("{}.id", path()), format!("duplicate time-off request id {id:?}"));
                    continue;
                }
            }
            let agent = self.user(&r.user, ctx, || format!("{}.user", path()));
            let status = match self.text(&r.status, || format!("{}.status", path())) {
                Some("PENDING") => Some(TimeOffStatus::Pending),
                Some("APPROVED") => Some(TimeOffStatus::Approved),
                Some("DENIED") => Some(TimeOffStatus::Denied),
                Some("CANCELED") => Some(TimeOffStatus::Canceled),
                Some(s) => {
                    self.fail(
                        || format!("{}.status", path()),
                        format!("must be PENDING, APPROVED, DENIED or CANCELED, got {s:?}"),
                    );
                    None
                }
                None => None,
            };
            let daily = self.length(r.daily_duration_minutes, 1500, || format!("{}.dailyDurationMinutes", path()));
            let code = self.code(&r.activity_code_id, ctx, || format!("{}.activityCodeId", path())).cloned();
            let full_day = r.is_full_day_request.unwrap_or(!r.full_day_management_unit_dates.is_empty());
            let mut intervals = Vec::new();
            if full_day {
                if r.full_day_management_unit_dates.is_empty() {
                    self.fail(
                        || format!("{}.fullDayManagementUnitDates", path()),
                        "a full-day request needs at least one date",
                    );
                }
                for (k, d) in r.full_day_management_unit_dates.iter().enumerate() {
                    if let (Some(date), Some(zone)) =
                        (self.date(d.as_str(), || format!("{}.fullDayManagementUnitDates[{k}]", path())), ctx.zone)
                    {
                        intervals.push(zone.day(date));
                    }
                }
            } else {
                if r.partial_day_start_date_times.is_empty() {
                    self.fail(
                        || format!("{}.partialDayStartDateTimes", path()),
                        "a partial-day request needs at least one start",
                    );
                }
                for (k, s) in r.partial_day_start_date_times.iter().enumerate() {
                    if let (Some(t), Some(len)) =
                        (self.instant_str(s.as_str(), || format!("{}.partialDayStartDateTimes[{k}]", path())), daily)
                    {
                        intervals.push(Interval::from_length(t, len));
                    }
                }
            }
            intervals.sort();
            let submitted = self.optional_instant(&r.submitted_date, || format!("{}.submittedDate", path()));
            let reviewed = self.optional_instant(&r.reviewed_date, || format!("{}.reviewedDate", path()));
            if let (Some(id), Some(agent), Some(status), Some(daily), Some(code)) = (id, agent, status, daily, code) {
                out.push(TimeOffRequest {
                    id: TimeOffRequestId::new(id),
                    agent,
                    status,
                    full_day,
                    intervals,
                    daily_duration_minutes: daily,
                    code: code.id,
                    submitted,
                    reviewed,
                });
            }
        }
        out
    }

    fn trades(&mut self, w: &WireSnapshot<'_>) -> Vec<ShiftTrade> {
        let mut out = Vec::with_capacity(w.shift_trades.len());
        let mut ids = HashSet::new();
        for (i, t) in w.shift_trades.iter().enumerate() {
            let path = || format!("shiftTrades[{i}]");
            let id = self.text(&t.id, || format!("{}.id", path()));
            if let Some(id) = id {
                if !ids.insert(id) {
                    self.fail(|| format!("{}.id", path()), format!("duplicate trade id {id:?}"));
                    continue;
                }
            }
            let state = match self.text(&t.state, || format!("{}.state", path())) {
                Some(s) => {
                    let st = TradeState::parse(s);
                    if st.is_none() {
                        self.fail(
                            || format!("{}.state", path()),
                            format!("must be Unmatched, Matched, Approved, Denied, Expired or Canceled, got {s:?}"),
                        );
                    }
                    st
                }
                None => None,
            };
            let approved = state == Some(TradeState::Approved);
            let user_id =
                |u: &Option<UserRef<'_>>| u.as_ref().and_then(|u| u.id.as_ref()).map(|t| AgentId::new(t.as_str()));
            let initiating_user = user_id(&t.initiating_user);
            if initiating_user.is_none() {
                self.fail(|| format!("{}.initiatingUser.id", path()), "is required");
            }
            let receiving_user = user_id(&t.receiving_user);
            if approved && receiving_user.is_none() {
                self.fail(|| format!("{}.receivingUser.id", path()), "is required for an Approved trade");
            }
            let initiating_shift = self.text(&t.initiating_shift_id, || format!("{}.initiatingShiftId", path()));
            let reviewed = self.optional_instant(&t.reviewed_date, || format!("{}.reviewedDate", path()));
            if approved && t.reviewed_date.is_none() {
                self.fail(|| format!("{}.reviewedDate", path()), "is required for an Approved trade");
            }
            let times = |v: &mut Self, s: &Option<Text<'_>>, e: &Option<Text<'_>>, role: &str| -> Option<Interval> {
                let s = v.optional_instant(s, || format!("{}.{role}ShiftStart", path()))?;
                let e = v.optional_instant(e, || format!("{}.{role}ShiftEnd", path()))?;
                if e <= s {
                    v.fail(|| format!("{}.{role}ShiftEnd", path()), format!("must be after {role}ShiftStart, got {e}"));
                    return None;
                }
                Some(Interval::new(s, e))
            };
            let initiating_shift_times = times(self, &t.initiating_shift_start, &t.initiating_shift_end, "initiating");
            let receiving_shift_times = times(self, &t.receiving_shift_start, &t.receiving_shift_end, "receiving");
            if let (Some(id), Some(state), Some(initiating_user), Some(initiating_shift)) =
                (id, state, initiating_user, initiating_shift)
            {
                out.push(ShiftTrade {
                    id: TradeId::new(id),
                    state,
                    initiating_user,
                    initiating_shift: ShiftId::new(initiating_shift),
                    initiating_shift_times,
                    receiving_user,
                    receiving_shift: t.receiving_shift_id.as_ref().map(|s| ShiftId::new(s.as_str())),
                    receiving_shift_times,
                    reviewed,
                });
            }
        }
        out
    }
}

struct Ctx<'c> {
    codes: &'c HashMap<&'c str, &'c ActivityCode>,
    agent_index: &'c HashMap<AgentId, AgentIx>,
    zone: Option<Zone>,
}
