//! Validating time-off requests and shift trades.

use std::collections::HashSet;

use super::{Context, Validator};
use crate::format::{Text, UserRef, WireSnapshot};
use crate::id::{AgentId, ShiftId, TimeOffRequestId, TradeId};
use crate::snapshot::{ShiftTrade, TimeOffRequest, TimeOffStatus, TradeState};
use crate::time::Interval;

impl Validator {
    pub(super) fn time_off_requests<X>(&mut self, w: &WireSnapshot<'_, X>, ctx: &Context) -> Vec<TimeOffRequest> {
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
            let agent = self.user(r.user.as_ref(), ctx, || format!("{}.user", path()));
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
            let code = self.code(&r.activity_code_id, ctx, || format!("{}.activityCodeId", path())).map(|(_, c)| c);
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
                    code: code.id.clone(),
                    submitted,
                    reviewed,
                });
            }
        }
        out
    }

    pub(super) fn trades<X>(&mut self, w: &WireSnapshot<'_, X>) -> Vec<ShiftTrade> {
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
