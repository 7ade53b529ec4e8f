//! Pure conversions between Genesys Cloud payloads and the snapshot document: assembling the reads into a
//! `shiftgate.snapshot/1` document, and building the `UpdateScheduleUploadSchema` body from a plan.
//!
//! Genesys objects are passed through as they are wherever the snapshot format shares their field names (agent
//! schedules, time-off requests, trades, activity codes), so nothing the platform sent is lost on the way back.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use crate::plan::{user_id, UpdatePlan};
use crate::platform::{PlatformError, Step};

/// The raw answers of one Genesys fetch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenesysReads {
    /// `GET /businessunits/{buId}?expand=settings`.
    pub business_unit: Value,
    /// `GET /businessunits/{buId}/activitycodes`.
    pub activity_codes: Value,
    /// `GET .../weeks/{weekId}/schedules/{scheduleId}?expand=managementUnits.agents` (`BuScheduleMetadata`).
    pub schedule: Value,
    /// One `agentschedules/query` answer per management unit: `(muId, answer)`.
    pub agent_schedules: Vec<(String, Value)>,
    /// One `timeoffrequests/query` answer per management unit.
    pub time_off: Vec<Value>,
    /// One `shifttrades` list per management unit.
    pub trades: Vec<Value>,
}

/// Management units of a schedule (`managementUnits[].managementUnit.id`), in order, without repeats.
pub fn management_units(schedule: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for mu in array(schedule.get("managementUnits")) {
        let id = mu.get("managementUnit").and_then(|m| m.get("id")).or_else(|| mu.get("id")).and_then(Value::as_str);
        if let Some(id) = id {
            if !out.iter().any(|m| m == id) {
                out.push(id.to_string());
            }
        }
    }
    out
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn entities(v: &Value) -> &[Value] {
    array(v.get("entities"))
}

/// The agent schedules in a query answer: the async wrapper's `result.agentSchedules`, or a bare
/// `agentSchedules` (what a `downloadUrl` serves).
pub fn query_agent_schedules(answer: &Value) -> &[Value] {
    match answer.get("result") {
        Some(r) => array(r.get("agentSchedules")),
        None => array(answer.get("agentSchedules")),
    }
}

/// Assembles the snapshot document. Agents come from the schedule's management units (and any agent schedule
/// the query returned); time-off requests of users who are not agents of the schedule are left out (they cannot
/// conflict with it); trades listed under two management units and repeated requests are de-duplicated by id.
///
/// Fails on a trade list entry without its `trade` object (see [`trade_of`]).
pub fn assemble(reads: &GenesysReads) -> Result<Value, PlatformError> {
    let settings = reads.business_unit.get("settings").unwrap_or(&Value::Null);
    let pick = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let mut bu = Map::new();
    bu.insert("id".into(), pick(&reads.business_unit, "id"));
    bu.insert("name".into(), pick(&reads.business_unit, "name"));
    bu.insert("timeZone".into(), pick(settings, "timeZone"));
    if let Some(d) = settings.get("startDayOfWeek") {
        bu.insert("startDayOfWeek".into(), d.clone());
    }

    let s = &reads.schedule;
    let mut schedule = Map::new();
    for k in ["id", "weekDate", "weekCount", "published", "description"] {
        if let Some(v) = s.get(k).filter(|v| !v.is_null()) {
            schedule.insert(k.into(), v.clone());
        }
    }
    if let Some(version) = s.get("metadata").and_then(|m| m.get("version")) {
        schedule.insert("metadata".into(), json!({ "version": version }));
    }

    let mut agents: Vec<Value> = Vec::new();
    let mut agent_ids: HashSet<String> = HashSet::new();
    let mut add_agent = |id: &str, mu: Option<&str>, agents: &mut Vec<Value>| {
        if agent_ids.insert(id.to_string()) {
            let mut a = Map::new();
            a.insert("id".into(), json!(id));
            if let Some(mu) = mu {
                a.insert("managementUnitId".into(), json!(mu));
            }
            agents.push(Value::Object(a));
        }
    };
    for mu in array(s.get("managementUnits")) {
        let mu_id = mu.get("managementUnit").and_then(|m| m.get("id")).and_then(Value::as_str);
        for a in array(mu.get("agents")) {
            if let Some(id) = a.get("id").and_then(Value::as_str) {
                add_agent(id, mu_id, &mut agents);
            }
        }
    }
    let mut schedules: Vec<Value> = Vec::new();
    let mut seen_users: HashSet<String> = HashSet::new();
    for (mu, answer) in &reads.agent_schedules {
        for entry in query_agent_schedules(answer) {
            let Some(user) = user_id(entry) else { continue };
            add_agent(user, Some(mu), &mut agents);
            if seen_users.insert(user.to_string()) {
                schedules.push(entry.clone());
            }
        }
    }

    let known: HashSet<&str> = agents.iter().filter_map(|a| a.get("id").and_then(Value::as_str)).collect();
    let mut requests: Vec<Value> = Vec::new();
    let mut request_ids: HashSet<String> = HashSet::new();
    for answer in &reads.time_off {
        for r in entities(answer) {
            let user = r.get("user").and_then(|u| u.get("id")).and_then(Value::as_str);
            let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
            if user.is_some_and(|u| known.contains(u)) && request_ids.insert(id.to_string()) {
                requests.push(r.clone());
            }
        }
    }
    let mut trades: Vec<Value> = Vec::new();
    let mut trade_ids: HashSet<String> = HashSet::new();
    for (list, answer) in reads.trades.iter().enumerate() {
        for (at, e) in entities(answer).iter().enumerate() {
            let t = trade_of(e).ok_or_else(|| PlatformError::Decode {
                step: Step::Fetch,
                message: format!(
                    "shift trade list {} (of {}), entities[{at}] has no `trade` object: the list answers \
                     {{entities:[{{trade, matchReview}}]}}",
                    list + 1,
                    reads.trades.len()
                ),
            })?;
            let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
            if trade_ids.insert(id.to_string()) {
                trades.push(t.clone());
            }
        }
    }

    Ok(json!({
        "format": shiftgate_model::format::FORMAT,
        "businessUnit": bu,
        "schedule": schedule,
        "activityCodes": entities(&reads.activity_codes),
        "agents": agents,
        "agentSchedules": schedules,
        "timeOffRequests": requests,
        "shiftTrades": trades,
    }))
}

/// The trade of one shift-trade list entry. wfm-api.md §1.9 [F]: the MU list answers `{entities:[{trade:
/// ShiftTradeResponse, matchReview}]}`. The record shows no bare `ShiftTradeResponse` in that list, so an entry
/// without a `trade` object is refused rather than guessed at (the stricter reading): read as a trade, it would
/// yield a trade with no shifts that the checker could not judge.
fn trade_of(entry: &Value) -> Option<&Value> {
    entry.get("trade").filter(|t| t.is_object())
}

// What an upload carries of each read object: the fields of the upload models that the read models share with
// them. BuUpdateAgentScheduleShift.md has no `workPlanId`/`workPlanShiftId` (read-only fields of the read model
// BuAgentScheduleShift); its `schedule` reference is optional and left out. Activities are
// `BuAgentScheduleActivity` and markers `BuFullDayTimeOffMarker` (wfm-api.md §1.4).
const SHIFT_FIELDS: [&str; 5] = ["id", "startDate", "lengthMinutes", "manuallyEdited", "activities"];
const ACTIVITY_FIELDS: [&str; 10] = [
    "startDate",
    "lengthMinutes",
    "description",
    "activityCodeId",
    "paid",
    "payableMinutes",
    "timeOffRequestId",
    "timeOffRequestSyncVersion",
    "externalActivityId",
    "externalActivityType",
];
const MARKER_FIELDS: [&str; 8] = [
    "businessUnitDate",
    "lengthMinutes",
    "description",
    "activityCodeId",
    "paid",
    "payableMinutes",
    "timeOffRequestId",
    "timeOffRequestSyncVersion",
];

fn keep(v: &Value, fields: &[&str]) -> Map<String, Value> {
    fields.iter().filter_map(|k| v.get(*k).filter(|x| !x.is_null()).map(|x| (k.to_string(), x.clone()))).collect()
}

/// A query shift as a `BuUpdateAgentScheduleShift`: only the upload model's fields (read-only ones dropped).
fn upload_shift(shift: &Value, delete: bool) -> Value {
    let mut o = keep(shift, &SHIFT_FIELDS);
    if let Some(acts) = shift.get("activities").and_then(Value::as_array) {
        o.insert("activities".into(), acts.iter().map(|a| Value::Object(keep(a, &ACTIVITY_FIELDS))).collect());
    }
    if delete {
        o.insert("delete".into(), json!(true));
    }
    Value::Object(o)
}

/// The upload body (`UpdateScheduleUploadSchema`) for a plan: the schedule version, `published`, and per planned
/// agent its version, every shift it holds after trades, the shifts trades moved away (`delete: true`), and its
/// full-day markers.
///
/// No agent-level `workPlanId` is sent although BuUpdateAgentScheduleUploadSchema.md has one: a publish moves
/// shifts, not work plans, and sending the plan we read would overwrite the agent's (it is mutually exclusive
/// with `workPlanIdsPerWeek`, which we would have to carry too). Left out, the field changes nothing.
pub fn upload_body(plan: &UpdatePlan) -> Value {
    let agents: Vec<Value> = plan
        .agents
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("userId".into(), json!(a.agent_id));
            if let Some(v) = a.version {
                o.insert("metadata".into(), json!({ "version": v }));
            }
            let shifts: Vec<Value> = a
                .shifts
                .iter()
                .map(|s| upload_shift(s, false))
                .chain(a.deleted.iter().map(|s| upload_shift(s, true)))
                .collect();
            o.insert("shifts".into(), Value::Array(shifts));
            o.insert(
                "fullDayTimeOffMarkers".into(),
                a.markers.iter().map(|m| Value::Object(keep(m, &MARKER_FIELDS))).collect(),
            );
            Value::Object(o)
        })
        .collect();
    let mut body = Map::new();
    body.insert("published".into(), json!(plan.published));
    if let Some(v) = plan.schedule_version {
        body.insert("metadata".into(), json!({ "version": v }));
    }
    body.insert("agentSchedules".into(), Value::Array(agents));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::build_plan;
    use crate::platform::Fetched;
    use crate::testdata;
    use shiftgate_model::apply_trades;

    fn reads() -> GenesysReads {
        let doc = testdata::example_document();
        let trade = doc["shiftTrades"][0].clone();
        GenesysReads {
            business_unit: json!({"id": "bu-chi", "name": "Chicago Care",
                "settings": {"startDayOfWeek": "Sunday", "timeZone": "America/Chicago", "metadata": {"version": 2}}}),
            activity_codes: json!({"entities": doc["activityCodes"]}),
            schedule: json!({"id": "sch-48", "weekDate": "2026-11-29", "weekCount": 1, "published": false,
                "metadata": {"version": 17, "dateModified": "2026-11-20T00:00:00Z"},
                "managementUnits": [
                    {"managementUnit": {"id": "mu-1"}, "agentCount": 1, "agents": [{"id": "a-100"}]},
                    {"managementUnit": {"id": "mu-2"}, "agentCount": 1, "agents": [{"id": "a-200"}]}]}),
            agent_schedules: vec![
                (
                    "mu-1".into(),
                    json!({"status": "Complete", "operationId": "op-1",
                    "result": {"agentSchedules": [doc["agentSchedules"][0]], "businessUnitTimeZone": "America/Chicago"}}),
                ),
                ("mu-2".into(), json!({"agentSchedules": [doc["agentSchedules"][1]]})),
            ],
            time_off: vec![
                json!({"entities": [doc["timeOffRequests"][0],
                    {"id": "tor-x", "user": {"id": "someone-else"}, "status": "PENDING", "isFullDayRequest": true,
                     "fullDayManagementUnitDates": ["2026-12-01"], "dailyDurationMinutes": 480, "activityCodeId": "3"}]}),
                json!({"entities": [doc["timeOffRequests"][1]]}),
            ],
            // A cross-MU trade is listed under both units.
            trades: vec![
                json!({"entities": [{"trade": trade, "matchReview": {}}]}),
                json!({"entities": [{"trade": trade}]}),
            ],
        }
    }

    #[test]
    fn reads_assemble_into_a_valid_snapshot() {
        let doc = assemble(&reads()).unwrap();
        let snapshot = Fetched::new(doc.clone(), None).snapshot().unwrap();
        assert_eq!(snapshot.business_unit.zone.name(), "America/Chicago");
        assert_eq!(snapshot.schedule.version, Some(17));
        assert_eq!(snapshot.agents.len(), 2);
        assert_eq!(snapshot.agents[1].management_unit_id.as_deref(), Some("mu-2"));
        assert_eq!(snapshot.shifts.len(), 2);
        assert_eq!(snapshot.trades.len(), 1, "the cross-MU trade is de-duplicated");
        let requests: Vec<&str> = snapshot.time_off.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(requests, ["tor-7", "tor-9"], "requests of non-agents are left out");
        // Platform fields survive in the document.
        assert_eq!(doc["agentSchedules"][0]["shifts"][0]["workPlanId"], "wp-1");
        assert_eq!(management_units(&reads().schedule), ["mu-1", "mu-2"]);
    }

    #[test]
    fn a_trade_list_entry_without_its_trade_object_is_refused_naming_the_entry() {
        // wfm-api.md §1.9 [F]: `{entities:[{trade: ShiftTradeResponse, matchReview}]}`; no bare trade in the record.
        let mut r = reads();
        let bare = r.trades[0]["entities"][0]["trade"].clone();
        r.trades[1] = json!({"entities": [{"trade": bare.clone()}, bare]});
        let e = assemble(&r).unwrap_err().to_string();
        assert!(e.contains("shift trade list 2 (of 2), entities[1] has no `trade` object"), "{e}");
    }

    #[test]
    fn upload_body_carries_versions_deletes_and_published() {
        let doc = assemble(&reads()).unwrap();
        let snapshot = Fetched::new(doc.clone(), None).snapshot().unwrap();
        let body = upload_body(&build_plan(&snapshot, &doc, &apply_trades(&snapshot)));
        assert_eq!(body["published"], true);
        assert_eq!(body["metadata"], json!({"version": 17}));
        let a100 = &body["agentSchedules"][0];
        assert_eq!(a100["userId"], "a-100");
        assert_eq!(a100["metadata"], json!({"version": 4}));
        let shifts = a100["shifts"].as_array().unwrap();
        assert_eq!((shifts[0]["id"].as_str(), shifts[0].get("delete")), (Some("s-9"), None));
        assert_eq!((shifts[1]["id"].as_str(), &shifts[1]["delete"]), (Some("s-1"), &json!(true)));
        assert_eq!(a100["fullDayTimeOffMarkers"][0]["timeOffRequestId"], "tor-7");
        let a200 = &body["agentSchedules"][1];
        assert_eq!(a200["shifts"][0]["id"], "s-1");
        assert_eq!(a200["shifts"][0]["activities"][0]["description"], "");
    }

    /// The keys of every object at `list` of each entry of `parents`, with where they are.
    fn keys_of<'a>(parents: impl Iterator<Item = &'a Value>, list: &str) -> Vec<(String, &'a Value)> {
        parents
            .flat_map(|p| p[list].as_array().into_iter().flatten())
            .flat_map(|o| o.as_object().unwrap().keys().map(move |k| (k.clone(), o)))
            .collect()
    }

    #[test]
    fn the_upload_body_carries_only_fields_its_models_have() {
        // The read carries what only the read models have (the shift's workPlanId, BuAgentScheduleShift), and
        // fields of no model at all; the upload must carry neither.
        let mut reads = reads();
        let a100 = &mut reads.agent_schedules[0].1["result"]["agentSchedules"][0];
        a100["shifts"][0]["workPlanShiftId"] = json!("wps-1");
        a100["shifts"][0]["schedule"] = json!({"id": "sch-48", "weekDate": "2026-11-29"});
        a100["shifts"][0]["activities"][0]["category"] = json!("OnQueueWork");
        a100["workPlan"] = json!({"id": "wp-1"});
        let doc = assemble(&reads).unwrap();
        let snapshot = Fetched::new(doc.clone(), None).snapshot().unwrap();
        let body = upload_body(&build_plan(&snapshot, &doc, &apply_trades(&snapshot)));
        // UpdateScheduleUploadSchema.md.
        let body_fields =
            ["description", "published", "shortTermForecast", "headcountForecast", "agentSchedules", "metadata"];
        // BuUpdateAgentScheduleUploadSchema.md.
        let agent_fields =
            ["userId", "workPlanId", "workPlanIdsPerWeek", "shifts", "fullDayTimeOffMarkers", "metadata", "delete"];
        // SDK: BuUpdateAgentScheduleShift.md: id, start_date, length_minutes, activities, manually_edited,
        // schedule, delete (wire names camelCase).
        let shift_fields = ["id", "startDate", "lengthMinutes", "activities", "manuallyEdited", "schedule", "delete"];
        // BuAgentScheduleActivity, wfm-api.md §1.4.
        let activity_fields = [
            "startDate",
            "lengthMinutes",
            "description",
            "activityCodeId",
            "paid",
            "payableMinutes",
            "timeOffRequestId",
            "timeOffRequestSyncVersion",
            "externalActivityId",
            "externalActivityType",
        ];
        // BuFullDayTimeOffMarker, wfm-api.md §1.4.
        let marker_fields = [
            "businessUnitDate",
            "lengthMinutes",
            "description",
            "activityCodeId",
            "paid",
            "payableMinutes",
            "timeOffRequestId",
            "timeOffRequestSyncVersion",
            "delete",
        ];
        for k in body.as_object().unwrap().keys() {
            assert!(body_fields.contains(&k.as_str()), "body.{k}");
        }
        let agents = keys_of(std::iter::once(&body), "agentSchedules");
        let shifts = keys_of(body["agentSchedules"].as_array().unwrap().iter(), "shifts");
        let all_shifts =
            body["agentSchedules"].as_array().unwrap().iter().flat_map(|a| a["shifts"].as_array().unwrap());
        let activities = keys_of(all_shifts, "activities");
        let markers = keys_of(body["agentSchedules"].as_array().unwrap().iter(), "fullDayTimeOffMarkers");
        assert!(!shifts.is_empty() && !activities.is_empty() && !markers.is_empty());
        for (what, keys, allowed) in [
            ("agent", &agents, &agent_fields[..]),
            ("shift", &shifts, &shift_fields[..]),
            ("activity", &activities, &activity_fields[..]),
            ("marker", &markers, &marker_fields[..]),
        ] {
            for (k, at) in keys {
                assert!(allowed.contains(&k.as_str()), "{what} field {k} is not in its model: {at}");
            }
        }
    }
}
