//! Hostile and oversized input is refused with its JSON path, together with the document's other problems: ids
//! that could forge output, instants that are not whole minutes, and lists beyond the documented limits.

use serde_json::{json, Value};
use shiftgate_model::limits::{
    MAX_ACTIVITIES_PER_SHIFT, MAX_DAYS_PER_REQUEST, MAX_DOCUMENT_BYTES, MAX_ID_BYTES, MAX_SHIFTS_PER_AGENT,
    MAX_TIME_OFF_REQUESTS_PER_AGENT, MAX_TRADES, MAX_TRADES_PER_AGENT,
};
use shiftgate_model::Snapshot;

/// Writes an id somewhere in the document.
type SetId = fn(&mut Value, &str);
/// Changes the document.
type Edit = fn(&mut Value);

const EXAMPLE: &[u8] = include_bytes!("../../../fixtures/schedules/design-example.json");

fn with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(EXAMPLE).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

/// The problems of a document, as `path: message` lines.
fn problems(bytes: &[u8]) -> Vec<String> {
    match Snapshot::from_json(bytes) {
        Ok(_) => vec![],
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

#[track_caller]
fn assert_refused(bytes: &[u8], path: &str, message_part: &str) {
    let p = problems(bytes);
    assert!(
        p.iter().any(|x| x.starts_with(&format!("{path}: ")) && x.contains(message_part)),
        "no problem at {path} containing {message_part:?} in {p:#?}"
    );
}

#[test]
fn the_example_is_clean() {
    assert_eq!(problems(EXAMPLE), Vec::<String>::new());
}

#[test]
fn ids_with_control_characters_are_refused_wherever_they_are() {
    let forged = "s-1\n::error file=x::forged";
    let cases: [(&str, SetId); 14] = [
        ("agents[0].id", |v, id| v["agents"][0]["id"] = id.into()),
        ("agents[0].managementUnitId", |v, id| v["agents"][0]["managementUnitId"] = id.into()),
        ("agentSchedules[0].user.id", |v, id| v["agentSchedules"][0]["user"]["id"] = id.into()),
        ("agentSchedules[0].shifts[0].id", |v, id| v["agentSchedules"][0]["shifts"][0]["id"] = id.into()),
        ("agentSchedules[0].shifts[0].activities[1].activityCodeId", |v, id| {
            v["agentSchedules"][0]["shifts"][0]["activities"][1]["activityCodeId"] = id.into()
        }),
        ("agentSchedules[0].fullDayTimeOffMarkers[0].timeOffRequestId", |v, id| {
            v["agentSchedules"][0]["fullDayTimeOffMarkers"][0]["timeOffRequestId"] = id.into()
        }),
        ("activityCodes[2].id", |v, id| v["activityCodes"][2]["id"] = id.into()),
        ("businessUnit.id", |v, id| v["businessUnit"]["id"] = id.into()),
        ("schedule.id", |v, id| v["schedule"]["id"] = id.into()),
        ("timeOffRequests[1].id", |v, id| v["timeOffRequests"][1]["id"] = id.into()),
        ("shiftTrades[0].id", |v, id| v["shiftTrades"][0]["id"] = id.into()),
        ("shiftTrades[0].initiatingShiftId", |v, id| v["shiftTrades"][0]["initiatingShiftId"] = id.into()),
        ("shiftTrades[0].receivingShiftId", |v, id| v["shiftTrades"][0]["receivingShiftId"] = id.into()),
        ("shiftTrades[0].receivingUser.id", |v, id| v["shiftTrades"][0]["receivingUser"]["id"] = id.into()),
    ];
    for (path, edit) in cases {
        let bytes = with(|v| edit(v, forged));
        assert_refused(
            &bytes,
            path,
            "must not contain control, line-separator or text-direction characters, found U+000A at character 4",
        );
        // The message never echoes the id.
        assert!(problems(&bytes).iter().all(|p| !p.contains("::error")), "{path}: {:#?}", problems(&bytes));
    }
    // Escape sequences, line separators and text-direction overrides too.
    for (id, code) in
        [("a\u{1b}[31m", "U+001B"), ("a\u{2028}b", "U+2028"), ("a\u{202e}b", "U+202E"), ("\u{0}", "U+0000")]
    {
        assert_refused(&with(|v| v["agents"][1]["id"] = id.into()), "agents[1].id", code);
    }
    // Other text may carry them: a name or a note is not an id.
    assert_eq!(problems(&with(|v| v["agents"][0]["name"] = "Ana\nDiaz".into())), Vec::<String>::new());
}

#[test]
fn ids_longer_than_the_limit_are_refused_without_being_echoed() {
    let long = "s".repeat(MAX_ID_BYTES + 1);
    let bytes = with(|v| v["agentSchedules"][0]["shifts"][0]["id"] = long.as_str().into());
    assert_refused(
        &bytes,
        "agentSchedules[0].shifts[0].id",
        &format!("must be at most {MAX_ID_BYTES} bytes, got 257 bytes"),
    );
    assert!(problems(&bytes).iter().all(|p| p.len() < 200), "{:#?}", problems(&bytes));
    let longest = "s".repeat(MAX_ID_BYTES);
    let bytes = with(|v| {
        v["agentSchedules"][0]["shifts"][0]["id"] = longest.as_str().into();
        v["shiftTrades"][0]["initiatingShiftId"] = longest.as_str().into();
    });
    assert_eq!(problems(&bytes), Vec::<String>::new());
}

#[test]
fn schedule_instants_must_be_whole_minutes() {
    let cases: [(&str, Edit); 5] = [
        ("agentSchedules[0].shifts[0].startDate", |v| {
            v["agentSchedules"][0]["shifts"][0]["startDate"] = "2026-12-01T14:00:30Z".into()
        }),
        ("agentSchedules[0].shifts[0].activities[2].startDate", |v| {
            v["agentSchedules"][0]["shifts"][0]["activities"][2]["startDate"] = "2026-12-01T18:30:00.500Z".into()
        }),
        ("timeOffRequests[1].partialDayStartDateTimes[0]", |v| {
            v["timeOffRequests"][1]["partialDayStartDateTimes"][0] = "2026-12-01T08:00:01-06:00".into()
        }),
        ("shiftTrades[0].initiatingShiftStart", |v| {
            v["shiftTrades"][0]["initiatingShiftStart"] = "2026-12-01T14:00:59Z".into();
            v["shiftTrades"][0]["initiatingShiftEnd"] = "2026-12-01T22:30:00Z".into();
        }),
        ("shiftTrades[0].receivingShiftEnd", |v| {
            v["shiftTrades"][0]["receivingShiftStart"] = "2026-12-02T14:00:00Z".into();
            v["shiftTrades"][0]["receivingShiftEnd"] = "2026-12-02T22:30:00.001Z".into();
        }),
    ];
    for (path, edit) in cases {
        assert_refused(&with(edit), path, "must be a whole minute (schedules are minute-granular), got 2026-12-0");
    }
    // Zero seconds written out, and fractions of zero, are whole minutes.
    let bytes = with(|v| v["agentSchedules"][0]["shifts"][0]["startDate"] = "2026-12-01T08:00:00.000-06:00".into());
    assert_eq!(problems(&bytes), Vec::<String>::new());
    // When a request was filed or reviewed, and the evaluation instant, keep their seconds: the platform records
    // them to the millisecond, and nothing is scheduled at them.
    let bytes = with(|v| {
        v["timeOffRequests"][0]["submittedDate"] = "2026-11-10T15:00:12.345Z".into();
        v["shiftTrades"][0]["reviewedDate"] = "2026-11-20T16:00:07Z".into();
        v["asOf"] = "2026-11-22T18:00:42-06:00".into();
    });
    assert_eq!(problems(&bytes), Vec::<String>::new());
}

#[test]
fn a_shift_with_too_many_activities_is_refused_at_its_activity_list() {
    let bytes = with(|v| {
        let one = json!({"startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 1, "activityCodeId": "0"});
        v["agentSchedules"][0]["shifts"][0]["activities"] = vec![one; MAX_ACTIVITIES_PER_SHIFT + 1].into();
        v["agentSchedules"][1]["shifts"][0]["lengthMinutes"] = 0.into();
    });
    assert_refused(&bytes, "agentSchedules[0].shifts[0].activities", "has 501 activities, at most 500 per shift");
    // Reported with the document's other problems.
    assert_refused(&bytes, "agentSchedules[1].shifts[0].lengthMinutes", "must be > 0");
    let bytes = with(|v| {
        let one = json!({"startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 1, "activityCodeId": "0"});
        v["agentSchedules"][0]["shifts"][0]["activities"] = vec![one; MAX_ACTIVITIES_PER_SHIFT].into();
    });
    assert_eq!(problems(&bytes), Vec::<String>::new());
}

#[test]
fn an_agent_with_too_many_shifts_is_refused_at_the_shift_list() {
    let shifts = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"id": format!("x-{i}"), "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 60}))
            .collect::<Vec<_>>()
            .into()
    };
    let bytes = with(|v| v["agentSchedules"][1]["shifts"] = shifts(MAX_SHIFTS_PER_AGENT + 1));
    assert_refused(&bytes, "agentSchedules[1].shifts", "has 1001 shifts, at most 1000 per agent");
    let bytes = with(|v| v["history"][0]["shifts"] = shifts(MAX_SHIFTS_PER_AGENT + 1));
    assert_refused(&bytes, "history[0].shifts", "has 1001 shifts, at most 1000 per agent");
    assert_eq!(
        problems(&with(|v| v["agentSchedules"][1]["shifts"] = shifts(MAX_SHIFTS_PER_AGENT))),
        Vec::<String>::new()
    );
}

#[test]
fn time_off_requests_are_limited_per_agent_and_per_request() {
    let request = |i: usize, agent: &str| {
        json!({"id": format!("r-{i}"), "user": {"id": agent}, "status": "PENDING", "isFullDayRequest": false,
               "partialDayStartDateTimes": ["2026-12-01T14:00:00Z"], "dailyDurationMinutes": 60, "activityCodeId": "3"})
    };
    let bytes = with(|v| {
        let mut list: Vec<Value> = (0..MAX_TIME_OFF_REQUESTS_PER_AGENT + 1).map(|i| request(i, "a-200")).collect();
        list.push(request(9999, "a-100"));
        v["timeOffRequests"] = list.into();
    });
    assert_refused(&bytes, "timeOffRequests[500].user.id", "agent \"a-200\" has more than 500 time-off requests");
    assert_eq!(problems(&bytes).len(), 1, "{:#?}", problems(&bytes));

    let dates: Vec<String> = (0..=MAX_DAYS_PER_REQUEST)
        .map(|d| (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(d as i64)).to_string())
        .collect();
    let bytes = with(|v| v["timeOffRequests"][0]["fullDayManagementUnitDates"] = dates.clone().into());
    assert_refused(&bytes, "timeOffRequests[0].fullDayManagementUnitDates", "has 367 entries, at most 366 per request");
}

#[test]
fn a_request_covers_each_local_date_once() {
    let bytes = with(|v| {
        v["timeOffRequests"][0]["fullDayManagementUnitDates"] = json!(["2026-12-03", "2026-12-04", "2026-12-03"])
    });
    assert_refused(&bytes, "timeOffRequests[0].fullDayManagementUnitDates[2]", "date 2026-12-03 is listed twice");
    // 07:00Z and 23:00Z on Dec 1 are both Tue Dec 1 in Chicago; 04:00Z on Dec 2 is still Dec 1 local time.
    let bytes = with(|v| {
        v["timeOffRequests"][1]["partialDayStartDateTimes"] =
            json!(["2026-12-01T14:00:00Z", "2026-12-02T14:00:00Z", "2026-12-02T04:00:00Z"])
    });
    assert_refused(
        &bytes,
        "timeOffRequests[1].partialDayStartDateTimes[2]",
        "a second start on local date 2026-12-01 (one start per day)",
    );
}

#[test]
fn trades_are_limited_in_all_and_per_agent() {
    let trade = |i: usize| {
        json!({"id": format!("t-{i}"), "state": "Matched", "initiatingUser": {"id": "a-100"}, "initiatingShiftId": "s-1",
               "receivingUser": {"id": "a-200"}})
    };
    let bytes = with(|v| v["shiftTrades"] = (0..=MAX_TRADES_PER_AGENT).map(trade).collect::<Vec<_>>().into());
    assert_refused(&bytes, "shiftTrades[500].initiatingUser.id", "agent \"a-100\" takes part in more than 500 trades");
    assert_refused(&bytes, "shiftTrades[500].receivingUser.id", "agent \"a-200\" takes part in more than 500 trades");
    // Past the total, the list is refused as a whole (and not read further).
    let bytes = with(|v| v["shiftTrades"] = vec![json!({}); MAX_TRADES + 1].into());
    assert_eq!(problems(&bytes), [format!("shiftTrades: has {} trades, at most {MAX_TRADES}", MAX_TRADES + 1)]);
}

#[test]
fn a_document_past_the_size_cap_is_refused_before_it_is_read() {
    let bytes = vec![0u8; MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        problems(&bytes),
        [format!(".: the snapshot is {} bytes; at most {MAX_DOCUMENT_BYTES} bytes are read", MAX_DOCUMENT_BYTES + 1)]
    );
}

#[test]
fn the_schema_states_the_limits_validation_enforces() {
    let schema: Value = serde_json::from_str(shiftgate_model::format::JSON_SCHEMA).unwrap();
    let defs = &schema["$defs"];
    let items = |v: &Value| v["maxItems"].as_u64().unwrap() as usize;
    assert_eq!(items(&defs["shift"]["properties"]["activities"]), MAX_ACTIVITIES_PER_SHIFT);
    assert_eq!(items(&defs["agentSchedule"]["properties"]["shifts"]), MAX_SHIFTS_PER_AGENT);
    assert_eq!(items(&schema["properties"]["shiftTrades"]), MAX_TRADES);
    let request = &schema["properties"]["timeOffRequests"]["items"]["properties"];
    assert_eq!(items(&request["fullDayManagementUnitDates"]), MAX_DAYS_PER_REQUEST);
    assert_eq!(items(&request["partialDayStartDateTimes"]), MAX_DAYS_PER_REQUEST);
    assert_eq!(defs["id"]["maxLength"].as_u64().unwrap() as usize, MAX_ID_BYTES);
    let description = schema["description"].as_str().unwrap();
    for phrase in [
        format!("at most {MAX_DOCUMENT_BYTES} bytes"),
        format!("{MAX_TIME_OFF_REQUESTS_PER_AGENT} time-off requests per agent"),
        format!("{MAX_TRADES_PER_AGENT} per agent (as initiating or receiving user)"),
    ] {
        assert!(description.contains(&phrase), "the schema's description omits {phrase:?}");
    }
}
