//! Genesys read routes: business unit, activity codes, schedule metadata, agent schedules, time off, trades.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use serde_json::{json, Value};
use shiftgate_model::time::parse_date;

use super::{check_bu, check_mu, check_schedule, json_body, parse_week, WFM};
use crate::api_error::{ApiError, ApiResult};
use crate::body::JsonBody;
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

/// `includeOnlyPublished` and the like: absent is false; anything but `true`/`false` is a 400.
fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!("{name} must be true or false, got {other:?}"))),
    }
}

/// `GET WFM/businessunits/{bu}/weeks/{weekId}/schedules`: a malformed week is 400, a date that is not a start of
/// the unit's week 400 \[D, wfm-api.md §5\], another week an empty list; `includeOnlyPublished=true` leaves out an
/// unpublished schedule.
pub(crate) async fn list_schedules(
    State(sim): State<Arc<Sim>>,
    Path((bu, week)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let date = parse_week("weekId", &week)?;
    let only_published = flag(&q, "includeOnlyPublished")?;
    let st = sim.state.lock().await;
    check_bu(&st.store, &bu)?;
    let start = st.store.model().business_unit.start_day_of_week;
    if date.weekday() != start {
        return Err(ApiError::bad_request(format!("weekId {week} is not a {}", weekday_name(start))));
    }
    let listed = week == st.store.week_date() && (st.store.published() || !only_published);
    let entities = if listed { vec![schedule_metadata_json(&st.store, false)] } else { Vec::new() };
    Ok(Json(json!({ "entities": entities })).into_response())
}

pub(crate) async fn schedule_metadata(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let st = sim.state.lock().await;
    check_schedule(&st.store, &bu, &week, &sid)?;
    Ok(Json(schedule_metadata_json(&st.store, expands(&q, "managementUnits.agents"))).into_response())
}

/// `BuQueryAgentSchedulesRequest` (BuQueryAgentSchedulesRequest.md): `managementUnitId` required.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentQuery {
    management_unit_id: Option<String>,
    user_ids: Option<Vec<String>>,
    team_ids: Option<Vec<String>>,
}

pub(crate) async fn agent_schedules(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let q: AgentQuery = json_body(&body)?;
    let st = sim.state.lock().await;
    check_schedule(&st.store, &bu, &week, &sid)?;
    let mu = q.management_unit_id.as_deref().ok_or_else(|| ApiError::bad_request("managementUnitId is required"))?;
    check_mu(&st.store, mu)?;
    // The simulator has no teams; answering as if it had would be a guess, so it refuses \[D\].
    if q.team_ids.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::bad_request("teamIds: the simulator does not model teams"));
    }
    // "The IDs of the users to query. Omit to query all user schedules in the management unit."
    let members = st.store.agents_of(Some(mu));
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

/// `TimeOffRequestQueryBody` (TimeOffRequestQueryBody.md).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeOffQuery {
    ids: Option<Vec<String>>,
    user_ids: Option<Vec<String>>,
    statuses: Option<Vec<String>>,
    substatuses: Option<Vec<String>>,
    date_range: Option<DateRange>,
}

/// `DateRange` (DateRange.md): inclusive `yyyy-MM-dd` dates in the management unit's time zone.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateRange {
    start_date: Option<String>,
    end_date: Option<String>,
}

/// Status values a time-off request can have (wfm-api.md §1.8).
const TIME_OFF_STATUSES: [&str; 4] = ["PENDING", "APPROVED", "DENIED", "CANCELED"];

/// The inclusive local date range of a query. Both ends are required when `dateRange` is given: DateRange.md
/// marks them optional but does not say what a half-open range means, so the stricter reading \[D\].
fn date_range(r: &DateRange) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let date = |name: &str, v: &Option<String>| {
        let v = v.as_deref().ok_or_else(|| ApiError::bad_request(format!("dateRange.{name} is required")))?;
        parse_date(v).ok_or_else(|| {
            ApiError::bad_request(format!("dateRange.{name} must be a date in yyyy-MM-dd (DateRange), got {v:?}"))
        })
    };
    let (start, end) = (date("startDate", &r.start_date)?, date("endDate", &r.end_date)?);
    if end < start {
        return Err(ApiError::bad_request(format!("dateRange.endDate {end} is before dateRange.startDate {start}")));
    }
    Ok((start, end))
}

pub(crate) async fn time_off(
    State(sim): State<Arc<Sim>>,
    Path(mu): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let q: TimeOffQuery = json_body(&body)?;
    let range = q.date_range.as_ref().map(date_range).transpose()?;
    if let Some(bad) = q.statuses.iter().flatten().find(|s| !TIME_OFF_STATUSES.contains(&s.as_str())) {
        return Err(ApiError::bad_request(format!("statuses: {bad:?} is not one of {}", TIME_OFF_STATUSES.join(", "))));
    }
    // The store keeps no substatus; filtering on one would be a guess, so it refuses \[D\].
    if q.substatuses.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::bad_request("substatuses: the simulator does not model time-off substatuses"));
    }
    let st = sim.state.lock().await;
    check_mu(&st.store, &mu)?;
    let model = st.store.model();
    // The business unit's zone stands for each management unit's (the snapshot gives units no zone of their own).
    let zone = model.zone();
    let members = st.store.agents_of(Some(&mu));
    let wire_by_id: HashMap<&str, &shiftgate_model::format::WireTimeOffRequest<'static>> =
        st.store.wire().time_off_requests.iter().filter_map(|w| Some((w.id.as_ref()?.as_str(), w))).collect();
    let entities: Vec<Value> = model
        .time_off
        .iter()
        .filter(|r| {
            let agent = model.agent(r.agent).id.as_str();
            // A request matches when any of its days (full-day) or start instants (partial-day) falls, as a
            // local date of the unit, in the inclusive range.
            let in_range = |(start, end): (NaiveDate, NaiveDate)| {
                r.intervals.iter().any(|iv| (start..=end).contains(&zone.local_date(iv.start)))
            };
            members.iter().any(|m| m == agent)
                && allows(&q.ids, r.id.as_str())
                && allows(&q.user_ids, agent)
                && allows(&q.statuses, r.status.as_str())
                && range.is_none_or(in_range)
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

/// `GET WFM/managementunits/{mu}/weeks/{weekDateId}/shifttrades`: a malformed week is 400; an unknown unit, or a
/// week other than the schedule's (the only week the simulator knows), 404 \[D\].
pub(crate) async fn shift_trades(State(sim): State<Arc<Sim>>, Path((mu, week)): Path<(String, String)>) -> ApiResult {
    parse_week("weekDateId", &week)?;
    let st = sim.state.lock().await;
    check_mu(&st.store, &mu)?;
    if week != st.store.week_date() {
        return Err(ApiError::not_found());
    }
    let members = st.store.agents_of(Some(&mu));
    let schedule = json!({
        "id": st.store.schedule_id(), "weekDate": st.store.week_date(),
        "businessUnit": { "id": st.store.bu_id() },
    });
    let entities: Vec<Value> = st
        .store
        .wire()
        .shift_trades
        .iter()
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
