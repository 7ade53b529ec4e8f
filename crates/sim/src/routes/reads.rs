//! Genesys read routes: business unit, activity codes, schedule metadata, agent schedules, time off, trades.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Datelike, Duration, Weekday};
use serde::Deserialize;
use serde_json::{json, Value};
use shiftgate_model::time::{parse_date, parse_instant};
use shiftgate_model::Interval;

use super::{check_bu, check_schedule, json_body, WFM};
use crate::api_error::{ApiError, ApiResult};
use crate::state::Sim;
use crate::store::Store;

fn expands(q: &HashMap<String, String>, what: &str) -> bool {
    q.get("expand").is_some_and(|e| e.split(',').any(|x| x.trim() == what))
}

fn weekday_name(d: Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][d.num_days_from_monday() as usize]
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `BuScheduleMetadata` of the stored schedule; `agents` adds `managementUnits[].agents`.
pub(crate) fn schedule_metadata_json(store: &Store, agents: bool) -> Value {
    let s = &store.model().schedule;
    let mus: Vec<Value> = store
        .management_units()
        .into_iter()
        .map(|mu| {
            let ids = store.agents_of(Some(&mu));
            let mut v = json!({ "managementUnit": { "id": mu }, "agentCount": ids.len() });
            if agents {
                v["agents"] = ids.iter().map(|id| json!({ "id": id })).collect();
            }
            v
        })
        .collect();
    let mut v = json!({
        "id": s.id,
        "weekDate": store.week_date(),
        "weekCount": s.week_count,
        "published": s.published,
        "metadata": { "version": store.schedule_version() },
        "managementUnits": mus,
        "selfUri": format!("{WFM}/businessunits/{}/weeks/{}/schedules/{}", store.bu_id(), store.week_date(), s.id),
    });
    if let Some(d) = store.wire().schedule.as_ref().and_then(|s| s.description.as_ref()) {
        v["description"] = json!(d.as_str());
    }
    v
}

pub(crate) async fn business_unit(
    State(sim): State<Arc<Sim>>,
    Path(bu): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let st = sim.state.lock().await;
    check_bu(&st.store, &bu)?;
    let b = &st.store.model().business_unit;
    let mut v = json!({ "id": b.id, "name": b.name, "selfUri": format!("{WFM}/businessunits/{}", b.id) });
    if expands(&q, "settings") {
        v["settings"] = json!({
            "startDayOfWeek": weekday_name(b.start_day_of_week),
            "timeZone": b.zone.name(),
            "metadata": { "version": 1 },
        });
    }
    Ok(Json(v).into_response())
}

pub(crate) async fn activity_codes(State(sim): State<Arc<Sim>>, Path(bu): Path<String>) -> ApiResult {
    let st = sim.state.lock().await;
    check_bu(&st.store, &bu)?;
    let entities: Vec<Value> = st
        .store
        .model()
        .activity_codes
        .iter()
        .map(|c| {
            json!({
                "id": c.id.as_str(), "name": c.name, "active": true, "defaultCode": false,
                "category": c.category.as_str(), "countsAsPaidTime": c.counts_as_paid_time,
                "countsAsWorkTime": c.counts_as_work_time,
                "agentTimeOffSelectable": c.category == shiftgate_model::Category::TimeOff,
            })
        })
        .collect();
    Ok(Json(json!({ "entities": entities })).into_response())
}

/// 400 unless `week` is a date on the business unit's first day of the week.
fn check_week(store: &Store, week: &str) -> Result<(), ApiError> {
    let start = store.model().business_unit.start_day_of_week;
    match parse_date(week) {
        Some(d) if d.weekday() == start => Ok(()),
        Some(_) => Err(ApiError::bad_request(format!("weekId {week} is not a {}", weekday_name(start)))),
        None => Err(ApiError::bad_request(format!("weekId must be yyyy-MM-dd, got {week:?}"))),
    }
}

pub(crate) async fn list_schedules(State(sim): State<Arc<Sim>>, Path((bu, week)): Path<(String, String)>) -> ApiResult {
    let st = sim.state.lock().await;
    check_bu(&st.store, &bu)?;
    check_week(&st.store, &week)?;
    let entities =
        if week == st.store.week_date() { vec![schedule_metadata_json(&st.store, false)] } else { Vec::new() };
    Ok(Json(json!({ "entities": entities })).into_response())
}

pub(crate) async fn schedule_metadata(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let st = sim.state.lock().await;
    check_bu(&st.store, &bu)?;
    check_week(&st.store, &week)?;
    check_schedule(&st.store, &bu, &week, &sid)?;
    Ok(Json(schedule_metadata_json(&st.store, expands(&q, "managementUnits.agents"))).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentQuery {
    management_unit_id: Option<String>,
    user_ids: Option<Vec<String>>,
}

pub(crate) async fn agent_schedules(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let q: AgentQuery = json_body(&body)?;
    let st = sim.state.lock().await;
    check_schedule(&st.store, &bu, &week, &sid)?;
    let members = st.store.agents_of(q.management_unit_id.as_deref());
    let schedule_ref = json!({ "id": sid, "weekDate": week });
    let list: Vec<Value> = st
        .store
        .wire()
        .agent_schedules
        .iter()
        .filter(|a| {
            let id = a.user.as_ref().and_then(|u| u.id.as_ref()).map(|t| t.as_str()).unwrap_or("");
            members.iter().any(|m| m == id) && allows(&q.user_ids, id)
        })
        .map(|a| {
            let mut v = to_value(a);
            if let Some(shifts) = v.get_mut("shifts").and_then(Value::as_array_mut) {
                for s in shifts {
                    s["schedule"] = schedule_ref.clone();
                }
            }
            for key in ["shifts", "fullDayTimeOffMarkers"] {
                if v.get(key).is_none() {
                    v[key] = json!([]);
                }
            }
            v
        })
        .collect();
    Ok(Json(json!({
        "status": "Complete",
        "operationId": uuid::Uuid::new_v4().to_string(),
        "result": { "agentSchedules": list, "businessUnitTimeZone": st.store.model().business_unit.zone.name() },
    }))
    .into_response())
}

/// Whether an optional filter list lets `id` through (no list: everything passes).
fn allows(list: &Option<Vec<String>>, id: &str) -> bool {
    list.as_ref().is_none_or(|v| v.iter().any(|x| x == id))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeOffQuery {
    ids: Option<Vec<String>>,
    user_ids: Option<Vec<String>>,
    statuses: Option<Vec<String>>,
    date_range: Option<DateRange>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateRange {
    start_date: String,
    end_date: String,
}

pub(crate) async fn time_off(State(sim): State<Arc<Sim>>, Path(mu): Path<String>, body: Bytes) -> ApiResult {
    let q: TimeOffQuery = json_body(&body)?;
    let st = sim.state.lock().await;
    let model = st.store.model();
    let zone = model.zone();
    // Dates are inclusive local dates of the unit; instants are taken as they are.
    let range = match &q.date_range {
        None => None,
        Some(r) => {
            let start = parse_date(&r.start_date)
                .map(|d| zone.day_start(d))
                .or_else(|| parse_instant(&r.start_date))
                .ok_or_else(|| ApiError::bad_request(format!("bad dateRange.startDate {:?}", r.start_date)))?;
            let end = parse_date(&r.end_date)
                .map(|d| zone.day_start(d + Duration::days(1)))
                .or_else(|| parse_instant(&r.end_date))
                .ok_or_else(|| ApiError::bad_request(format!("bad dateRange.endDate {:?}", r.end_date)))?;
            Some(Interval::new(start, end))
        }
    };
    let members = st.store.agents_of(Some(&mu));
    let wire_by_id: HashMap<&str, &shiftgate_model::format::WireTimeOffRequest<'static>> =
        st.store.wire().time_off_requests.iter().filter_map(|w| Some((w.id.as_ref()?.as_str(), w))).collect();
    let entities: Vec<Value> = model
        .time_off
        .iter()
        .filter(|r| {
            let agent = model.agent(r.agent).id.as_str();
            members.iter().any(|m| m == agent)
                && allows(&q.ids, r.id.as_str())
                && allows(&q.user_ids, agent)
                && allows(&q.statuses, r.status.as_str())
                && range.is_none_or(|rg| r.intervals.iter().any(|iv| iv.overlaps(&rg)))
        })
        .filter_map(|r| {
            let mut v = to_value(wire_by_id.get(r.id.as_str())?);
            let agent = &model.agent(r.agent).id;
            v["selfUri"] = json!(format!("{WFM}/managementunits/{mu}/users/{agent}/timeoffrequests/{}", r.id));
            Some(v)
        })
        .collect();
    Ok(Json(json!({ "entities": entities })).into_response())
}

pub(crate) async fn shift_trades(State(sim): State<Arc<Sim>>, Path((mu, week)): Path<(String, String)>) -> ApiResult {
    let st = sim.state.lock().await;
    let members = st.store.agents_of(Some(&mu));
    let this_week = week == st.store.week_date();
    let schedule = json!({
        "id": st.store.schedule_id(), "weekDate": st.store.week_date(),
        "businessUnit": { "id": st.store.bu_id() },
    });
    let entities: Vec<Value> = st
        .store
        .wire()
        .shift_trades
        .iter()
        .filter(|_| this_week)
        .filter(|t| {
            let ids = [&t.initiating_user, &t.receiving_user];
            ids.iter()
                .filter_map(|u| u.as_ref().and_then(|u| u.id.as_ref()))
                .any(|id| members.iter().any(|m| m == id.as_str()))
        })
        .map(|t| {
            let mut v = to_value(t);
            v["weekDate"] = json!(week);
            v["schedule"] = schedule.clone();
            json!({ "trade": v })
        })
        .collect();
    Ok(Json(json!({ "entities": entities })).into_response())
}
