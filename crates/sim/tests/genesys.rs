//! The Genesys Cloud flow against a real simulator on 127.0.0.1: OAuth, reads, the update round trip with its
//! websocket outcome, version mismatches (409 and the 400 variant), data conflicts, async error delivery.

mod common;

use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use shiftgate_sim::{ErrorDelivery, SimConfig, Switches};
use tokio_tungstenite::tungstenite::Message;

const WFM: &str = "/api/v2/workforcemanagement";

#[tokio::test]
async fn token_is_required_and_expires_on_demand() {
    let sim = start(config(), &example()).await;
    let (http, base) = (http(), sim.base_url());
    let bad = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("shiftgate-sim-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);

    let url = format!("{base}{WFM}/businessunits/{BU}");
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let correlation = anonymous.headers()["inin-correlation-id"].to_str().unwrap().to_string();
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!((body["status"].as_i64(), body["code"].as_str()), (Some(401), Some("bad.credentials")));
    assert_eq!(body["contextId"], correlation.as_str());
    assert_eq!((body["details"].as_array().map(Vec::len), body["errors"].as_array().map(Vec::len)), (Some(0), Some(0)));

    let token = token(&http, &base).await;
    assert_eq!(http.get(&url).bearer_auth(&token).send().await.unwrap().status(), 200);
    sim.expire_tokens().await;
    assert_eq!(http.get(&url).bearer_auth(&token).send().await.unwrap().status(), 401);
    let fresh = common::token(&http, &base).await;
    assert_eq!(http.get(&url).bearer_auth(&fresh).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn reads_serve_the_snapshot_in_genesys_shapes() {
    let mut snapshot = example();
    snapshot["agents"][1]["managementUnitId"] = json!("mu-2");
    let sim = start(config(), &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let get = |path: String| {
        let req = http.get(format!("{base}{path}")).bearer_auth(&token);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let post = |path: String, body: Value| {
        let req = http.post(format!("{base}{path}")).bearer_auth(&token).json(&body);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };

    let bu = get(format!("{WFM}/businessunits/{BU}?expand=settings")).await;
    assert_eq!(bu["settings"]["timeZone"], "America/Chicago");
    assert_eq!(bu["settings"]["startDayOfWeek"], "Sunday");
    let codes = get(format!("{WFM}/businessunits/{BU}/activitycodes")).await;
    assert_eq!(codes["entities"].as_array().unwrap().len(), 4);
    assert_eq!(codes["entities"][3]["category"], "TimeOff");

    let meta = get(format!("{WFM}/businessunits/{BU}/weeks/{WEEK}/schedules/{SCHEDULE}")).await;
    assert_eq!((meta["metadata"]["version"].as_i64(), meta["published"].as_bool()), (Some(17), Some(false)));

    let query_url = format!("{WFM}/businessunits/{BU}/weeks/{WEEK}/schedules/{SCHEDULE}/agentschedules/query");
    let mut versions: Vec<(String, i64)> = Vec::new();
    for mu in ["mu-1", "mu-2"] {
        let query = post(query_url.clone(), json!({ "managementUnitId": mu })).await;
        assert_eq!(query["status"], "Complete");
        assert_eq!(query["result"]["businessUnitTimeZone"], "America/Chicago");
        assert_eq!(query["result"]["agentSchedules"][0]["shifts"][0]["schedule"]["id"], SCHEDULE);
        versions.extend(
            query["result"]["agentSchedules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["user"]["id"].as_str().unwrap().to_string(), a["metadata"]["version"].as_i64().unwrap())),
        );
    }
    assert_eq!(versions, vec![("a-100".to_string(), 4), ("a-200".to_string(), 9)]);

    let pending =
        post(format!("{WFM}/managementunits/mu-2/timeoffrequests/query"), json!({ "statuses": ["PENDING"] })).await;
    let ids: Vec<&str> = pending["entities"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["tor-9"]);
    let mu1_dec = post(
        format!("{WFM}/managementunits/mu-1/timeoffrequests/query"),
        json!({ "dateRange": { "startDate": "2026-12-03", "endDate": "2026-12-03" } }),
    )
    .await;
    assert_eq!(mu1_dec["entities"][0]["id"], "tor-7");

    // A trade between two management units is listed under both.
    for mu in ["mu-1", "mu-2"] {
        let trades = get(format!("{WFM}/managementunits/{mu}/weeks/{WEEK}/shifttrades")).await;
        assert_eq!(trades["entities"][0]["trade"]["id"], "tr-4", "{mu}");
        assert_eq!(trades["entities"][0]["trade"]["receivingUser"]["id"], "a-200");
    }
    let wrong_week = http.get(format!("{base}{WFM}/businessunits/{BU}/weeks/2026-11-30/schedules")).bearer_auth(&token);
    assert_eq!(wrong_week.send().await.unwrap().status(), 400, "a Monday is not this unit's week start");
}

#[tokio::test]
async fn update_round_trip_applies_the_trade_and_reports_on_the_socket() {
    let snapshot = conflict_free();
    let sim = start(SimConfig { heartbeat_interval: Duration::from_millis(50), ..config() }, &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    // Heartbeats arrive unasked; a ping is answered with a pong.
    let beat = next_on(&mut ws, "channel.metadata").await;
    assert_eq!(beat["eventBody"]["message"], "WebSocket Heartbeat");
    ws.send(Message::Text(r#"{"message":"ping"}"#.into())).await.unwrap();
    let mut pong = next_on(&mut ws, "channel.metadata").await;
    while pong["eventBody"]["message"] != "pong" {
        pong = next_on(&mut ws, "channel.metadata").await;
    }

    let resp = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    assert_eq!(resp.status(), 202);
    let started: Value = resp.json().await.unwrap();
    assert_eq!(started["status"], "Processing");
    let op = started["operationId"].as_str().unwrap().to_string();

    let processing = next_on(&mut ws, SCHEDULES_TOPIC).await;
    assert_eq!(processing["eventBody"], json!({ "status": "Processing", "operationId": op, "eventType": "Update" }));
    let event = next_on(&mut ws, SCHEDULES_TOPIC).await;
    let body = &event["eventBody"];
    assert_eq!((body["status"].as_str(), body["eventType"].as_str()), (Some("Complete"), Some("Update")));
    assert_eq!(body["operationId"], op.as_str());
    assert_eq!(
        (body["result"]["metadata"]["version"].as_i64(), body["result"]["published"].as_bool()),
        (Some(18), Some(true))
    );

    let state = serde_json::to_value(sim.state().await).unwrap();
    assert_eq!(shifts_of(&state, "a-200"), vec!["s-1"]);
    assert_eq!(shifts_of(&state, "a-100"), vec!["s-9"]);
    assert_eq!((agent_version(&state, "a-100"), agent_version(&state, "a-200")), (5, 10));
    let record = sim.operation(&op).await.unwrap();
    assert_eq!((record.status.as_str(), record.event.as_str(), record.delivered_to), ("Complete", "delivered", 1));
    let attempt = &sim.attempts()[0];
    assert_eq!((attempt.schedule_version_sent, attempt.schedule_version_after), (Some(17), 18));
    assert_eq!(attempt.changed_agents, vec!["a-100", "a-200"]);
}

#[tokio::test]
async fn stale_versions_are_409_or_the_400_variant_when_errors_are_sync() {
    let snapshot = conflict_free();
    let sim = start(sync_errors(), &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;

    let stale_schedule = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 16, 4, 9)).await;
    assert_eq!(stale_schedule.status(), 409);
    let body: Value = stale_schedule.json().await.unwrap();
    // wfm-api.md §5 [D]: code and messageParams {entity, userId?, expected, actual}.
    assert_eq!(body["code"], "version.mismatch");
    assert_eq!(
        body["message"],
        "The version number of the modified resource must match the version number in the database"
    );
    assert_eq!(
        (body["messageParams"]["actual"].as_str(), body["messageParams"]["expected"].as_str()),
        (Some("16"), Some("17"))
    );

    let stale_agent = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 8)).await;
    let body: Value = stale_agent.json().await.unwrap();
    assert_eq!((body["status"].as_i64(), body["messageParams"]["userId"].as_str()), (Some(409), Some("a-200")));
    assert_eq!(body["details"][0]["fieldName"], "agentSchedules[1].metadata.version");

    let sync = Switches { error_delivery: ErrorDelivery::Sync, ..Switches::default() };
    sim.set_switches(Switches { version_conflict_as_400: true, ..sync }).await;
    let variant = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 16, 4, 9)).await;
    assert_eq!(variant.status(), 400);
    let body: Value = variant.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("does not match the current version"), "{body}");
    assert_eq!(sim.schedule_version().await, 17, "nothing was written");
}

#[tokio::test]
async fn unreflected_pending_time_off_is_a_409_naming_agent_and_range_when_errors_are_sync() {
    let snapshot = example();
    let sim = start(sync_errors(), &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let resp = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "schedule.data.conflict");
    assert_eq!(
        body["details"],
        json!([{
            "errorCode": "schedule.data.conflict", "fieldName": "agentSchedules[1]",
            "entityId": "a-200", "entityName": "2026-12-01T14:00:00Z/2026-12-01T18:00:00Z"
        }])
    );
    assert!(body.get("conflicts").is_none(), "the platform does not say why unless explainConflicts is on");

    let sync = Switches { error_delivery: ErrorDelivery::Sync, ..Switches::default() };
    sim.set_switches(Switches { explain_conflicts: true, ..sync }).await;
    let again = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["conflicts"][0]["kind"], "TimeOffOverlap");
    assert_eq!(body["conflicts"][0]["timeOffRequestId"], "tor-9");
    assert_eq!(sim.schedule_version().await, 17);

    // Unknown agents and overlapping shifts are conflicts too.
    let mut bad = traded_upload(&snapshot, 17, 4, 9);
    bad["agentSchedules"][0]["shifts"][1]["startDate"] = json!("2026-12-01T20:00:00Z");
    bad["agentSchedules"][0]["shifts"][1]["id"] = json!("s-new");
    bad["agentSchedules"][0]["shifts"][1]["activities"] = json!([]);
    bad["agentSchedules"][0]["shifts"][0] =
        json!({ "id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 480 });
    bad["agentSchedules"][1]["shifts"] = json!([]);
    bad["agentSchedules"].as_array_mut().unwrap().push(json!({ "userId": "ghost", "shifts": [] }));
    let body: Value = upload_and_update(&http, &base, &token, &bad).await.json().await.unwrap();
    let kinds: Vec<(&str, &str)> = body["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["agentId"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("a-100", "ShiftOverlap"), ("ghost", "UnknownAgent")], "{body}");
}

#[tokio::test]
async fn async_delivery_reports_an_error_event_without_detail() {
    let snapshot = example();
    assert_eq!(Switches::default().error_delivery, ErrorDelivery::Async, "the platform's way is the default");
    let sim = start(config(), &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    let resp = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    assert_eq!(resp.status(), 202);
    let op = resp.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    let processing = next_on(&mut ws, SCHEDULES_TOPIC).await;
    assert_eq!(processing["eventBody"], json!({ "status": "Processing", "operationId": op, "eventType": "Update" }));
    let event = next_on(&mut ws, SCHEDULES_TOPIC).await;
    assert_eq!(event["eventBody"], json!({ "status": "Error", "operationId": op, "eventType": "Update" }));
    // Tests can still read why.
    let record: Value = http.get(format!("{base}/__sim/operations/{op}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(record["simError"]["code"], "schedule.data.conflict");
    assert_eq!(sim.schedule_version().await, 17);
}

#[tokio::test]
async fn shutdown_closes_sockets_and_returns_promptly() {
    let sim = start(config(), &example()).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    let began = std::time::Instant::now();
    sim.shutdown().await;
    assert!(began.elapsed() < Duration::from_secs(2), "{:?}", began.elapsed());
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        use futures_util::StreamExt;
        while let Some(Ok(m)) = ws.next().await {
            if m.is_close() {
                break;
            }
        }
    });
    assert!(end.await.is_ok(), "the socket is closed");
    assert!(http.get(format!("{base}/api/v2/wfm/scheduling/schedules/{SCHEDULE}")).send().await.is_err());
}
