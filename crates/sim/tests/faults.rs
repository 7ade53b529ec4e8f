//! Fault injection: a scripted plan firing in order, dropped responses, the concurrent editor, rate limiting,
//! and socket_closing.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use serde_json::{json, Value};
use shiftgate_sim::{AttemptOutcome, EditAction, EditRequest, FaultPlan, RateLimit, SimConfig};
use tokio_tungstenite::tungstenite::Message;

const WFM: &str = "/api/v2/workforcemanagement";

#[tokio::test]
async fn scripted_faults_fire_in_order_and_dropped_writes_are_applied() {
    let faults = FaultPlan::parse("500@read#1,429:1s@read#2,503:2s@update#1,drop@update#2").unwrap();
    let snapshot = conflict_free();
    let sim = start(SimConfig { faults, ..config() }, &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let url = format!("{base}{WFM}/businessunits/{BU}");

    let first = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 500);
    assert_eq!(first.json::<Value>().await.unwrap()["code"], "internal.server.error");
    let second = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "1");
    assert!(second.headers().contains_key("inin-ratelimit-count"));
    assert_eq!(http.get(&url).bearer_auth(&token).send().await.unwrap().status(), 200);

    // Upload once; the first update gets 503 and changes nothing, the retry with the same key is applied but its
    // response never arrives.
    let gz = gzip(&serde_json::to_vec(&traded_upload(&snapshot, 17, 4, 9)).unwrap());
    let slot = upload_slot(&http, &base, &token, gz.len()).await;
    let put = http
        .put(slot["url"].as_str().unwrap())
        .header("content-encoding", "gzip")
        .header("content-type", "application/json")
        .body(gz);
    assert_eq!(put.send().await.unwrap().status(), 200);
    let update = || {
        http.post(format!("{}/update", schedule_url(&base)))
            .bearer_auth(&token)
            .json(&json!({ "uploadKey": slot["uploadKey"] }))
            .send()
    };
    let unavailable = update().await.unwrap();
    assert_eq!((unavailable.status().as_u16(), unavailable.headers()["retry-after"].to_str().unwrap()), (503, "2"));
    assert_eq!(sim.schedule_version().await, 17);
    let lost = update().await;
    assert!(lost.is_err(), "the connection closes without a response: {lost:?}");
    sim.settle().await;
    assert_eq!(sim.schedule_version().await, 18, "but the write was applied");

    let attempts = sim.attempts();
    let summary: Vec<(AttemptOutcome, u16, bool)> =
        attempts.iter().map(|a| (a.outcome, a.status, a.response_lost)).collect();
    assert_eq!(summary, vec![(AttemptOutcome::Fault, 503, false), (AttemptOutcome::Applied, 202, true)]);
    assert_eq!(attempts[0].payload_sha256, attempts[1].payload_sha256, "both carried the same upload");
    let statuses: Vec<(String, Option<u16>)> =
        sim.requests().iter().map(|r| (r.kind.clone().unwrap_or_default(), r.status)).collect();
    let expected = [("token", Some(200)), ("read", Some(500)), ("read", Some(429)), ("read", Some(200))];
    assert_eq!(statuses[..4], expected.map(|(k, s)| (k.to_string(), s)));
    assert_eq!(statuses[statuses.len() - 2..], [("update".to_string(), Some(503)), ("update".to_string(), None)]);
}

#[tokio::test]
async fn the_concurrent_editor_makes_read_versions_stale() {
    let snapshot = conflict_free();
    let faults = FaultPlan::parse("409-version@uploadurl#1,seed=3").unwrap();
    let sim = start(SimConfig { faults, ..config() }, &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;

    // Read at 17, the editor bumps between read and write, the write is refused (202, then an Error outcome).
    let stale = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    assert_eq!(stale.status(), 202);
    let op = stale.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    sim.settle().await;
    let record = sim.operation(&op).await.unwrap();
    assert_eq!(record.status, "Error");
    assert_eq!(record.sim_error.unwrap().code, "version.mismatch");

    // Re-read: the editor's change is there and versions moved; writing on top of it succeeds.
    let live = serde_json::to_value(sim.state().await).unwrap();
    assert_eq!(live["schedule"]["metadata"]["version"], 18);
    let (a100, a200) = (agent_version(&live, "a-100"), agent_version(&live, "a-200"));
    assert_eq!(a100 + a200, 4 + 9 + 1, "exactly one agent was edited");
    let ok = upload_and_update(&http, &base, &token, &traded_upload(&live, 18, a100, a200)).await;
    assert_eq!(ok.status(), 202);
    sim.settle().await;
    assert_eq!(sim.schedule_version().await, 19);

    let edit = EditRequest { action: EditAction::Bump, agent_id: Some("a-100".into()), ..Default::default() };
    assert_eq!(sim.edit(&edit).await.unwrap().schedule_version, 20);
}

#[tokio::test]
async fn a_pending_request_added_between_read_and_write_is_a_data_conflict() {
    let snapshot = conflict_free();
    let sim = start(config(), &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let report: Value = http
        .post(format!("{base}/__sim/editor"))
        .json(&json!({ "action": "timeoff" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The editor targets the receiving side of the approved trade, over the shift it receives.
    assert_eq!((report["agentId"].as_str(), report["shiftId"].as_str()), (Some("a-200"), Some("s-1")));
    assert_eq!(report["scheduleVersion"], 17, "time off does not move the schedule version");

    let resp = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    assert_eq!(resp.status(), 202, "refused when processing ends, as the platform does");
    let op = resp.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    sim.settle().await;
    let why = sim.operation(&op).await.unwrap().sim_error.unwrap();
    assert_eq!(why.details[0].entity_id.as_deref(), Some("a-200"));
    assert_eq!(why.details[0].entity_name.as_deref(), Some("2026-12-01T14:00:00Z/2026-12-01T18:00:00Z"));
    let attempt = &sim.attempts()[0];
    assert_eq!(attempt.outcome, AttemptOutcome::DataConflict);
    assert_eq!(attempt.conflicts[0].time_off_request_id.as_deref(), Some(report["timeOffRequestId"].as_str().unwrap()));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_counters() {
    let limit = RateLimit { requests: 3, window: Duration::from_secs(60) };
    let sim = start(SimConfig { rate_limit: Some(limit), ..config() }, &example()).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let url = format!("{base}{WFM}/businessunits/{BU}/activitycodes");
    for n in 1..=3 {
        let ok = http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.headers()["inin-ratelimit-count"], n.to_string().as_str());
        assert_eq!(ok.headers()["inin-ratelimit-allowed"], "3");
    }
    let limited = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(limited.headers()["inin-ratelimit-reset"], retry.to_string().as_str());
    let body: Value = limited.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["limit"]["value"].as_i64()), (Some("too.many.requests"), Some(3)));
}

#[tokio::test]
async fn the_reset_header_counts_down_a_fixed_window_that_then_starts_empty() {
    // What a client pacing itself from the headers relies on (wfm-api.md §1.11 names them; the record gives no
    // semantics, so the simulator takes the fixed window its 429 Retry-After already describes): `count`
    // includes the request, `reset` is never early (whole seconds, rounded up), and a request sent `reset`
    // seconds after an answer finds a fresh window.
    let limit = RateLimit { requests: 2, window: Duration::from_millis(1500) };
    let sim = start(SimConfig { rate_limit: Some(limit), ..config() }, &example()).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let url = format!("{base}{WFM}/businessunits/{BU}/activitycodes");
    let header = |r: &reqwest::Response, name: &str| -> u64 { r.headers()[name].to_str().unwrap().parse().unwrap() };
    let first = http.get(&url).bearer_auth(&token).send().await.unwrap();
    let second = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!((header(&first, "inin-ratelimit-count"), header(&second, "inin-ratelimit-count")), (1, 2));
    let reset = header(&second, "inin-ratelimit-reset");
    assert_eq!(reset, 2, "1.5 s left at most, rounded up to whole seconds");
    tokio::time::sleep(Duration::from_secs(reset)).await;
    let fresh = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    assert_eq!(header(&fresh, "inin-ratelimit-count"), 1, "a new window starts empty");
}

#[tokio::test]
async fn socket_closing_replaces_the_outcome_event() {
    let snapshot = conflict_free();
    let faults = FaultPlan::parse("closing@update#1").unwrap();
    let sim = start(SimConfig { faults, socket_close_delay: Duration::from_millis(50), ..config() }, &snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    let resp = upload_and_update(&http, &base, &token, &traded_upload(&snapshot, 17, 4, 9)).await;
    let op = resp.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    let closing = next_on(&mut ws, "v2.system.socket_closing").await;
    assert_eq!(closing["topicName"], "v2.system.socket_closing");
    let rest: Vec<Message> =
        tokio::time::timeout(Duration::from_secs(5), ws.by_ref().filter_map(|m| async { m.ok() }).collect())
            .await
            .expect("the socket closes");
    assert!(rest.iter().all(|m| !m.to_text().unwrap_or("").contains(SCHEDULES_TOPIC)), "no outcome event: {rest:?}");
    // The only way to learn the outcome now is to re-read.
    assert_eq!(sim.operation(&op).await.unwrap().event, "suppressed");
    assert_eq!(sim.schedule_version().await, 18);
}

#[tokio::test]
async fn fault_plans_can_be_set_over_http() {
    let sim = start(rest_open(), &example()).await;
    let http = http();
    let url = format!("{}/__sim/faults", sim.base_url());
    let ok: Value = http.put(&url).body("503@read#1-2, seed=9").send().await.unwrap().json().await.unwrap();
    assert_eq!((ok["faults"].as_str(), ok["seed"].as_u64()), (Some("503@read#1-2,seed=9"), Some(9)));
    let bad = http.put(&url).body("503@sometimes").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("sometimes"));
    let rest = format!("{}/api/v2/wfm/scheduling/schedules/{SCHEDULE}", sim.base_url());
    let statuses = [
        http.get(&rest).send().await.unwrap().status().as_u16(),
        http.get(&rest).send().await.unwrap().status().as_u16(),
        http.get(&rest).send().await.unwrap().status().as_u16(),
    ];
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn slow_and_lost_writes_still_apply() {
    let faults = FaultPlan::parse("delay:300ms@1,lost504@2").unwrap();
    let sim = start(SimConfig { faults, ..rest_open() }, &conflict_free()).await;
    let url = format!("{}/api/v2/wfm/scheduling/schedules/{SCHEDULE}", sim.base_url());
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(100)).build().unwrap();
    let mut snapshot: Value = http().get(&url).send().await.unwrap().json().await.unwrap();
    snapshot["schedule"]["published"] = json!(true);

    let timed_out = impatient.put(&url).header("if-match", "\"v17\"").json(&snapshot).send().await;
    assert!(timed_out.unwrap_err().is_timeout());
    let applied = async {
        while sim.schedule_version().await != 18 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(3), applied).await.expect("the slow write lands after the client left");

    let lost = http().put(&url).header("if-match", "\"v18\"").json(&snapshot).send().await.unwrap();
    assert_eq!(lost.status(), 504);
    assert!(lost.bytes().await.unwrap().is_empty());
    assert_eq!(sim.schedule_version().await, 19);
    let lost_flags: Vec<(AttemptOutcome, bool)> = sim.attempts().iter().map(|a| (a.outcome, a.response_lost)).collect();
    assert_eq!(lost_flags, vec![(AttemptOutcome::Applied, false), (AttemptOutcome::Applied, true)]);
}
