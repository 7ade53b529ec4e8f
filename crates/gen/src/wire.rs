//! Writing the generator's world in the `shiftgate.snapshot/1` wire shape.
//!
//! Every record is converted by one function used two ways: collected into a [`WireSnapshot`] (owned strings), or
//! serialized one agent at a time by [`Doc`], so a 50,000-agent document never exists twice in memory. A test pins
//! that both give the same bytes.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc, Weekday};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use shiftgate_model::format::{
    Metadata, Text, UserRef, WireActivity, WireActivityCode, WireAgent, WireAgentSchedule, WireBusinessUnit,
    WireMarker, WireSchedule, WireShift, WireShiftTrade, WireSnapshot, WireTimeOffRequest, FORMAT,
};

use crate::catalog::CODES;
use crate::world::{agent_id, GAgent, GRequest, GShift, GTrade, World};

fn owned(s: String) -> Text<'static> {
    Text::from(s)
}

fn fixed(s: &'static str) -> Text<'static> {
    Text::from(s)
}

fn user(num: usize) -> Option<UserRef<'static>> {
    Some(UserRef { id: Some(owned(agent_id(num))) })
}

fn push2(s: &mut String, v: u32) {
    s.push(char::from(b'0' + (v / 10 % 10) as u8));
    s.push(char::from(b'0' + (v % 10) as u8));
}

/// `2026-11-30T14:00:00Z`, written by hand: generated documents hold millions of instants.
pub(crate) fn instant(t: DateTime<Utc>) -> Text<'static> {
    if !(0..=9999).contains(&t.year()) || t.nanosecond() != 0 {
        return owned(t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
    let mut s = String::with_capacity(20);
    push2(&mut s, t.year() as u32 / 100);
    push2(&mut s, t.year() as u32 % 100);
    s.push('-');
    push2(&mut s, t.month());
    s.push('-');
    push2(&mut s, t.day());
    s.push('T');
    push2(&mut s, t.hour());
    s.push(':');
    push2(&mut s, t.minute());
    s.push(':');
    push2(&mut s, t.second());
    s.push('Z');
    owned(s)
}

fn date(d: NaiveDate) -> Text<'static> {
    owned(d.format("%Y-%m-%d").to_string())
}

fn weekday_name(d: Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][d.num_days_from_monday() as usize]
}

pub(crate) fn as_of(w: &World) -> Text<'static> {
    owned(w.as_of.with_timezone(&w.tz).to_rfc3339())
}

pub(crate) fn business_unit(w: &World) -> WireBusinessUnit<'static> {
    WireBusinessUnit {
        id: Some(owned(w.bu_id.clone())),
        name: Some(owned(w.bu_name.clone())),
        time_zone: Some(owned(w.zone_name.clone())),
        start_day_of_week: Some(fixed(weekday_name(w.week.weekday()))),
    }
}

pub(crate) fn schedule(w: &World) -> WireSchedule<'static> {
    WireSchedule {
        id: Some(owned(w.schedule_id.clone())),
        week_date: Some(date(w.week)),
        week_count: Some(1),
        published: Some(false),
        metadata: Some(Metadata { version: Some(w.schedule_version) }),
        description: None,
    }
}

pub(crate) fn activity_codes() -> Vec<WireActivityCode<'static>> {
    CODES
        .iter()
        .map(|&(id, name, category, paid, work)| WireActivityCode {
            id: Some(fixed(id)),
            name: Some(fixed(name)),
            category: Some(fixed(category)),
            counts_as_paid_time: Some(paid),
            counts_as_work_time: Some(work),
        })
        .collect()
}

pub(crate) fn agent(a: &GAgent) -> WireAgent<'static> {
    WireAgent {
        id: Some(owned(a.id())),
        name: Some(owned(format!("{} {}", a.first, a.last))),
        management_unit_id: Some(owned(format!("mu-{}", a.mu))),
        tags: a.tags.iter().map(|t| fixed(t)).collect(),
        skills: a.skills.iter().map(|t| fixed(t)).collect(),
        params: Default::default(),
    }
}

fn tor_id(id: u32) -> Text<'static> {
    owned(format!("tor-{id:05}"))
}

fn shift(a: &GAgent, s: &GShift) -> WireShift<'static> {
    let activities = s
        .acts()
        .into_iter()
        .map(|act| WireActivity {
            start_date: Some(instant(s.start + chrono::Duration::minutes(act.offset))),
            length_minutes: Some(act.len),
            activity_code_id: Some(fixed(act.code)),
            description: None,
            paid: None,
            time_off_request_id: act.tor.map(tor_id),
        })
        .collect();
    WireShift {
        id: Some(owned(a.shift_id(s))),
        start_date: Some(instant(s.start)),
        length_minutes: Some(s.len),
        activities,
        manually_edited: s.manual.then_some(true),
    }
}

pub(crate) fn agent_schedule(a: &GAgent) -> WireAgentSchedule<'static> {
    WireAgentSchedule {
        user: user(a.num),
        metadata: Some(Metadata { version: Some(a.version) }),
        shifts: a.shifts.iter().map(|s| shift(a, s)).collect(),
        full_day_time_off_markers: a
            .markers
            .iter()
            .map(|m| WireMarker {
                business_unit_date: Some(date(m.date)),
                length_minutes: Some(m.len),
                activity_code_id: Some(fixed(m.code)),
                description: None,
                paid: None,
                time_off_request_id: m.tor.map(tor_id),
            })
            .collect(),
    }
}

pub(crate) fn history(a: &GAgent) -> WireAgentSchedule<'static> {
    WireAgentSchedule {
        user: user(a.num),
        metadata: None,
        shifts: a.history.iter().map(|s| shift(a, s)).collect(),
        full_day_time_off_markers: vec![],
    }
}

pub(crate) fn request(w: &World, r: &GRequest) -> WireTimeOffRequest<'static> {
    WireTimeOffRequest {
        id: Some(tor_id(r.id)),
        user: user(w.agents[r.agent].num),
        status: Some(fixed(r.status)),
        is_full_day_request: Some(!r.dates.is_empty()),
        full_day_management_unit_dates: r.dates.iter().copied().map(date).collect(),
        partial_day_start_date_times: r.starts.iter().copied().map(instant).collect(),
        daily_duration_minutes: Some(r.daily),
        activity_code_id: Some(fixed(r.code)),
        paid: None,
        submitted_date: Some(instant(r.submitted)),
        reviewed_date: r.reviewed.map(instant),
        notes: r.notes.map(fixed),
    }
}

pub(crate) fn trade(w: &World, t: &GTrade) -> WireShiftTrade<'static> {
    WireShiftTrade {
        id: Some(owned(format!("tr-{:05}", t.id))),
        state: Some(fixed(t.state)),
        initiating_user: user(w.agents[t.initiating].num),
        initiating_shift_id: Some(owned(t.initiating_shift.clone())),
        initiating_shift_start: t.initiating_times.map(|(s, _)| instant(s)),
        initiating_shift_end: t.initiating_times.map(|(_, e)| instant(e)),
        receiving_user: t.receiving.and_then(|b| user(w.agents[b].num)),
        receiving_shift_id: t.receiving_shift.clone().map(owned),
        receiving_shift_start: t.receiving_times.map(|(s, _)| instant(s)),
        receiving_shift_end: t.receiving_times.map(|(_, e)| instant(e)),
        reviewed_date: t.reviewed.map(instant),
    }
}

/// The whole document as owned wire types.
pub(crate) fn to_wire(w: &World) -> WireSnapshot<'static> {
    WireSnapshot {
        format: Some(fixed(FORMAT)),
        as_of: Some(as_of(w)),
        business_unit: Some(business_unit(w)),
        schedule: Some(schedule(w)),
        activity_codes: activity_codes(),
        agents: w.agents.iter().map(agent).collect(),
        agent_schedules: w.agents.iter().map(agent_schedule).collect(),
        history: if w.weeks > 0 { w.agents.iter().map(history).collect() } else { vec![] },
        time_off_requests: w.requests.iter().map(|r| request(w, r)).collect(),
        shift_trades: w.trades.iter().map(|t| trade(w, t)).collect(),
        source: None,
    }
}

/// Serializes like `to_wire(w)` would, building one agent's records at a time.
pub(crate) struct Doc<'w>(pub(crate) &'w World);

/// A sequence produced on demand while serializing.
struct Lazy<F>(F);

impl<F, I> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let w = self.0;
        // Same keys, order and omissions as WireSnapshot's derived impl (empty lists are left out).
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("format", FORMAT)?;
        m.serialize_entry("asOf", &as_of(w))?;
        m.serialize_entry("businessUnit", &business_unit(w))?;
        m.serialize_entry("schedule", &schedule(w))?;
        m.serialize_entry("activityCodes", &activity_codes())?;
        if !w.agents.is_empty() {
            m.serialize_entry("agents", &Lazy(|| w.agents.iter().map(agent)))?;
            m.serialize_entry("agentSchedules", &Lazy(|| w.agents.iter().map(agent_schedule)))?;
            if w.weeks > 0 {
                m.serialize_entry("history", &Lazy(|| w.agents.iter().map(history)))?;
            }
        }
        if !w.requests.is_empty() {
            m.serialize_entry("timeOffRequests", &Lazy(|| w.requests.iter().map(|r| request(w, r))))?;
        }
        if !w.trades.is_empty() {
            m.serialize_entry("shiftTrades", &Lazy(|| w.trades.iter().map(|t| trade(w, t))))?;
        }
        m.end()
    }
}
