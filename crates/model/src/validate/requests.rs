//! Validating time-off requests and shift trades.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::{Context, Validator};
use crate::format::{Text, UserRef, WireSnapshot, WireTimeOffRequest};
use crate::id::{AgentId, ShiftId, TimeOffRequestId, TradeId};
use crate::limits::{
    MAX_DAYS_PER_REQUEST, MAX_DAY_MINUTES, MAX_TIME_OFF_REQUESTS_PER_AGENT, MAX_TRADES, MAX_TRADES_PER_AGENT,
};
use crate::snapshot::{ShiftTrade, TimeOffRequest, TimeOffStatus, TradeState};
use crate::time::Interval;

impl Validator {
    pub(super) fn time_off_requests<X>(&mut self, w: &WireSnapshot<'_, X>, ctx: &Context) -> Vec<TimeOffRequest> {
        let mut out = Vec::with_capacity(w.time_off_requests.len());
        let mut ids = HashSet::new();
        let mut per_agent = vec![0usize; ctx.agents.len()];
        for (i, r) in w.time_off_requests.iter().enumerate() {
            let path = || format!("timeOffRequests[{i}]");
            let id = self.id(&r.id, || format!("{}.id", path()));
            if let Some(id) = id {
                if !ids.insert(id) {
                    self.fail(|| format!("{}.id", path()), format!("duplicate time-off request id {id:?}"));
                    continue;
                }
            }
            let agent = self.user(r.user.as_ref(), ctx, || format!("{}.user", path()));
            if let Some(a) = agent {
                per_agent[a.get()] += 1;
                if per_agent[a.get()] == MAX_TIME_OFF_REQUESTS_PER_AGENT + 1 {
                    self.fail(
                        || format!("{}.user.id", path()),
                        format!(
                            "agent {:?} has more than {MAX_TIME_OFF_REQUESTS_PER_AGENT} time-off requests, the most one agent may have",
                            ctx.agents[a.get()].id.as_str()
                        ),
                    );
                }
            }
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
            let daily =
                self.length(r.daily_duration_minutes, MAX_DAY_MINUTES, || format!("{}.dailyDurationMinutes", path()));
            let code = self.code(&r.activity_code_id, ctx, || format!("{}.activityCodeId", path())).map(|(_, c)| c);
            let full_day = r.is_full_day_request.unwrap_or(!r.full_day_management_unit_dates.is_empty());
            let intervals = self.request_days(r, i, full_day, daily, ctx);
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
                    code: code.id.clone(),
                    submitted,
                    reviewed,
                });
            }
        }
        out
    }

    pub(super) fn trades<X>(&mut self, w: &WireSnapshot<'_, X>) -> Vec<ShiftTrade> {
        if w.shift_trades.len() > MAX_TRADES {
            let n = w.shift_trades.len();
            self.fail(|| "shiftTrades".into(), format!("has {n} trades, at most {MAX_TRADES}"));
            return Vec::new();
        }
        let mut out = Vec::with_capacity(w.shift_trades.len());
        let mut ids = HashSet::new();
        let mut per_agent: HashMap<&str, usize> = HashMap::new();
        for (i, t) in w.shift_trades.iter().enumerate() {
            let path = || format!("shiftTrades[{i}]");
            let id = self.id(&t.id, || format!("{}.id", path()));
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
            let initiating_user =
                self.trade_user(&t.initiating_user, &mut per_agent, || format!("{}.initiatingUser.id", path()));
            if initiating_user.is_none() && t.initiating_user.as_ref().and_then(|u| u.id.as_ref()).is_none() {
                self.fail(|| format!("{}.initiatingUser.id", path()), "is required");
            }
            let receiving_user =
                self.trade_user(&t.receiving_user, &mut per_agent, || format!("{}.receivingUser.id", path()));
            if approved && t.receiving_user.as_ref().and_then(|u| u.id.as_ref()).is_none() {
                self.fail(|| format!("{}.receivingUser.id", path()), "is required for an Approved trade");
            }
            let initiating_shift = self.id(&t.initiating_shift_id, || format!("{}.initiatingShiftId", path()));
            let receiving_shift = self.optional_id(&t.receiving_shift_id, || format!("{}.receivingShiftId", path()));
            let reviewed = self.optional_instant(&t.reviewed_date, || format!("{}.reviewedDate", path()));
            if approved && t.reviewed_date.is_none() {
                self.fail(|| format!("{}.reviewedDate", path()), "is required for an Approved trade");
            }
            let times = |v: &mut Self, s: &Option<Text<'_>>, e: &Option<Text<'_>>, role: &str| -> Option<Interval> {
                let at = |v: &mut Self, t: &Option<Text<'_>>, end: &str| {
                    let t = t.as_ref()?;
                    v.schedule_instant_str(t.as_str(), || format!("{}.{role}Shift{end}", path()))
                };
                let (s, e) = (at(v, s, "Start"), at(v, e, "End"));
                let (s, e) = (s?, e?);
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
                    receiving_shift: receiving_shift.map(ShiftId::new),
                    receiving_shift_times,
                    reviewed,
                });
            }
        }
        out
    }
}

impl Validator {
    /// What a time-off request covers: whole local days, or `[start, start + daily)` for each start; sorted. A
    /// request covers each local date once: a date listed twice, or two starts on one local date, is a problem (and
    /// keeps the checker's work per request and shift to a few days).
    fn request_days(
        &mut self,
        r: &WireTimeOffRequest<'_>,
        i: usize,
        full_day: bool,
        daily: Option<i64>,
        ctx: &Context,
    ) -> Vec<Interval> {
        let (field, list) = if full_day {
            ("fullDayManagementUnitDates", &r.full_day_management_unit_dates)
        } else {
            ("partialDayStartDateTimes", &r.partial_day_start_date_times)
        };
        let path = || format!("timeOffRequests[{i}].{field}");
        if list.is_empty() {
            let what = if full_day {
                "a full-day request needs at least one date"
            } else {
                "a partial-day request needs at least one start"
            };
            self.fail(path, what);
            return Vec::new();
        }
        if list.len() > MAX_DAYS_PER_REQUEST {
            self.fail(path, format!("has {} entries, at most {MAX_DAYS_PER_REQUEST} per request", list.len()));
            return Vec::new();
        }
        let mut intervals = Vec::with_capacity(list.len());
        let mut dates: HashSet<NaiveDate> = HashSet::with_capacity(list.len());
        for (k, d) in list.iter().enumerate() {
            let at = || format!("{}[{k}]", path());
            let (date, interval) = if full_day {
                let Some(date) = self.date(d.as_str(), at) else { continue };
                (date, ctx.zone.map(|z| z.day(date)))
            } else {
                let Some(t) = self.schedule_instant_str(d.as_str(), at) else { continue };
                let Some(zone) = ctx.zone else { continue };
                (zone.local_date(t), daily.map(|len| Interval::from_length(t, len)))
            };
            if !dates.insert(date) {
                let what = if full_day {
                    format!("date {date} is listed twice")
                } else {
                    format!("a second start on local date {date} (one start per day)")
                };
                self.fail(at, what);
                continue;
            }
            intervals.extend(interval);
        }
        intervals.sort();
        intervals
    }

    /// A trade's user id, counted towards the agent's [`MAX_TRADES_PER_AGENT`]. `None` when absent or malformed.
    fn trade_user<'w>(
        &mut self,
        u: &'w Option<UserRef<'_>>,
        per_agent: &mut HashMap<&'w str, usize>,
        path: impl Fn() -> String,
    ) -> Option<AgentId> {
        let id = u.as_ref()?.id.as_ref()?.as_str();
        if !self.id_form(id, &path) {
            return None;
        }
        let n = per_agent.entry(id).or_default();
        *n += 1;
        if *n == MAX_TRADES_PER_AGENT + 1 {
            self.fail(
                path,
                format!("agent {id:?} takes part in more than {MAX_TRADES_PER_AGENT} trades, the most one agent may"),
            );
        }
        Some(AgentId::new(id))
    }
}
