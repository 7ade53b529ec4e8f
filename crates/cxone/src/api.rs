//! The CXone Mpower "Export Agent Schedules API": one agent, up to seven days, per answer of
//! `POST /schedules/export` (help.nice-incontact.com/content/workforcemanagement/apiexportagentschedules.htm,
//! saved in /work/record/).
//!
//! The record names the answer's fields: `userID` (the agent), `shifts`, and per shift `shiftNotes` and
//! `activityIntervals`; an interval has a `baseActivityCode` with a `title` (the code's name) and attributes
//! (`open`, `work`, `overTime`), and a `start` and `end` date and time. It does not show the nesting or the
//! notation of the times. Read here: `{"userID", "shifts": [{"activityIntervals": [{"baseActivityCode":
//! {"title"}, "start", "end"}]}]}`; `userId` is accepted as well; a time is an RFC 3339 instant with an offset (exact)
//! or a local `yyyy-MM-ddTHH:mm[:ss]` read in the agent's unit's zone. Any other shape is refused with its JSON
//! path rather than guessed at. The code's attributes are not used: the mapping says what a code is.

use chrono::{NaiveDateTime, Timelike};
use serde_json::Value;
use shiftgate_model::{id_problem, time::parse_instant};

use crate::mapping::{toml_key, Mapping};
use crate::problem::{Place, Sink};
use crate::rows::{Piece, Reading, Row};

/// Whether a JSON object looks like an answer of the API (it has `shifts`).
pub(crate) fn is_response(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.contains_key("shifts"))
}

/// Reads one answer. `response` numbers it among all answers read.
pub(crate) fn read_response(
    doc: &Value,
    place: &Place,
    file: usize,
    response: usize,
    mapping: &Mapping,
    sink: &mut Sink,
) -> Vec<Row> {
    let Some(obj) = doc.as_object() else {
        sink.push(place.clone(), "must be an Export Agent Schedules answer (an object with userID and shifts)");
        return Vec::new();
    };
    let Some((agent, agent_place)) = user_id(obj, place, sink) else { return Vec::new() };
    let unit = mapping.agents.get(&agent).and_then(|a| a.unit.clone()).or_else(|| mapping.api_unit.clone());
    let Some(unit) = unit else {
        let message = format!(
            "agent {agent:?}: the API's answers name no management unit; set [api] unit, or unit under [agents.{}], in {}",
            toml_key(&agent),
            mapping.file
        );
        sink.push(agent_place, message);
        return Vec::new();
    };
    let Some(zone) = mapping.zone(&unit) else {
        sink.push(agent_place, format!("management unit {unit:?} has no zone in {}", mapping.file));
        return Vec::new();
    };
    let shifts_place = place.then("shifts");
    let Some(shifts) = obj.get("shifts").and_then(Value::as_array) else {
        sink.push(shifts_place, "must be a list of shifts");
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (s, shift) in shifts.iter().enumerate() {
        let shift_place = shifts_place.then(&format!("[{s}]"));
        let intervals_place = shift_place.then("activityIntervals");
        let Some(intervals) = shift.get("activityIntervals").and_then(Value::as_array) else {
            sink.push(intervals_place, "must be a list of activity intervals");
            continue;
        };
        for (i, interval) in intervals.iter().enumerate() {
            let at = intervals_place.then(&format!("[{i}]"));
            let code_place = at.then("baseActivityCode").then("title");
            let code = match interval.get("baseActivityCode").and_then(|c| c.get("title")) {
                Some(Value::String(t)) if !t.is_empty() => t.clone(),
                other => {
                    let got = other.map_or("nothing".to_string(), Value::to_string);
                    sink.push(code_place, format!("must be the activity code's title, got {got}"));
                    continue;
                }
            };
            if let Some(p) = id_problem(&code) {
                sink.push(code_place, format!("the activity code {p}"));
                continue;
            }
            if !mapping.codes.contains_key(&code) {
                let message = format!(
                    "activity code {code:?} is not in {} (add [codes.{}] with its category and paid)",
                    mapping.file,
                    toml_key(&code)
                );
                sink.push(code_place, message);
                continue;
            }
            let start = reading(interval.get("start"), &at.then("start"), sink);
            let end = reading(interval.get("end"), &at.then("end"), sink);
            let (Some(start), Some(end)) = (start, end) else { continue };
            let day = match start {
                Reading::Exact(t) => zone.local_date(t),
                Reading::Local(l) => l.date(),
                Reading::EndOn(d, _) => d,
            };
            rows.push(Row {
                place: at,
                file,
                agent: agent.clone(),
                unit: unit.clone(),
                code,
                day,
                start,
                end,
                piece: Piece::Shift { response, shift: s },
            });
        }
    }
    rows
}

/// `userID` (as the record spells it) or `userId`: a string or a whole number.
fn user_id(obj: &serde_json::Map<String, Value>, place: &Place, sink: &mut Sink) -> Option<(String, Place)> {
    let (key, value) = ["userID", "userId"].iter().find_map(|k| obj.get(*k).map(|v| (*k, v))).or_else(|| {
        sink.push(place.then("userID"), "is required: the agent the answer is about");
        None
    })?;
    let at = place.then(key);
    let id = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        other => {
            sink.push(at, format!("must be a string, got {other}"));
            return None;
        }
    };
    let problem = if id.is_empty() { Some("must not be empty".to_string()) } else { id_problem(&id) };
    if let Some(p) = problem {
        sink.push(at, p);
        return None;
    }
    Some((id, at))
}

/// A `start` or `end`: an instant with an offset, or a local date and time; whole minutes either way.
fn reading(value: Option<&Value>, place: &Place, sink: &mut Sink) -> Option<Reading> {
    let Some(Value::String(text)) = value else {
        let got = value.map_or("nothing".to_string(), Value::to_string);
        sink.push(place.clone(), format!("must be a date and time such as \"2026-11-02T08:00:00-06:00\", got {got}"));
        return None;
    };
    let whole = |secs: u32, nanos: u32| secs == 0 && nanos == 0;
    if let Some(t) = parse_instant(text) {
        if !whole(t.second(), t.nanosecond()) {
            sink.push(place.clone(), format!("{text:?} is not a whole minute (schedules are minute-granular)"));
            return None;
        }
        return Some(Reading::Exact(t));
    }
    let local =
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"].iter().find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    match local {
        Some(l) if whole(l.second(), l.nanosecond()) => Some(Reading::Local(l)),
        Some(_) => {
            sink.push(place.clone(), format!("{text:?} is not a whole minute (schedules are minute-granular)"));
            None
        }
        None => {
            let message = format!(
                "{text:?} is neither an instant with an offset (2026-11-02T08:00:00-06:00) nor a local date and time (2026-11-02T08:00)"
            );
            sink.push(place.clone(), message);
            None
        }
    }
}
