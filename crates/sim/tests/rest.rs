//! The simple REST contract: snapshot with a strong ETag; PUT with If-Match (428, 412, 409 conflicts, 200).

mod common;

use common::*;
use serde_json::{json, Value};

/// The snapshot after applying tr-4 by hand: s-1 to a-200, s-9 to a-100.
fn traded(mut v: Value) -> Value {
    let s1 = v["agentSchedules"][0]["shifts"][0].clone();
    let s9 = v["agentSchedules"][1]["shifts"][0].clone();
    v["agentSchedules"][0]["shifts"] = json!([s9]);
    v["agentSchedules"][1]["shifts"] = json!([s1]);
    v["schedule"]["published"] = json!(true);
    v
}

#[tokio::test]
async fn etag_guards_the_whole_snapshot() {
    let sim = start(rest_open(), &example()).await;
    let (http, base) = (http(), sim.base_url());
    let url = format!("{base}/api/v2/wfm/scheduling/schedules/{SCHEDULE}");

    let got = http.get(&url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["etag"], "\"v17\"");
    let snapshot: Value = got.json().await.unwrap();
    assert_eq!(snapshot["format"], "shiftgate.snapshot/1");
    assert_eq!(snapshot["schedule"]["metadata"]["version"], 17);
    let not_modified = http.get(&url).header("if-none-match", "\"v17\"").send().await.unwrap();
    assert_eq!(not_modified.status(), 304);

    let body = traded(snapshot.clone());
    let missing = http.put(&url).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), 428);
    let stale = http.put(&url).header("if-match", "\"v16\"").json(&body).send().await.unwrap();
    assert_eq!(stale.status(), 412);
    let weak = http.put(&url).header("if-match", "W/\"v17\"").json(&body).send().await.unwrap();
    assert_eq!(weak.status(), 412, "weak tags never match");

    // tor-9 is PENDING over s-1, which the trade gives to a-200.
    let conflict = http.put(&url).header("if-match", "\"v17\"").json(&body).send().await.unwrap();
    assert_eq!(conflict.status(), 409);
    let c: Value = conflict.json().await.unwrap();
    assert_eq!(c["conflicts"][0]["agentId"], "a-200");
    assert_eq!(
        (c["conflicts"][0]["start"].as_str(), c["conflicts"][0]["end"].as_str()),
        (Some("2026-12-01T14:00:00Z"), Some("2026-12-01T18:00:00Z"))
    );
    assert_eq!(
        (c["conflicts"][0]["timeOffRequestId"].as_str(), c["conflicts"][0]["shiftId"].as_str()),
        (Some("tor-9"), Some("s-1"))
    );
    assert!(c["conflicts"][0]["reason"].as_str().unwrap().contains("PENDING"));

    let mut fixed = body.clone();
    fixed["timeOffRequests"][1]["status"] = json!("DENIED"); // server-owned: ignored
    assert_eq!(http.put(&url).header("if-match", "\"v17\"").json(&fixed).send().await.unwrap().status(), 409);
    sim.seed(&serde_json::to_vec(&conflict_free()).unwrap()).await.unwrap();
    let ok = http.put(&url).header("if-match", "\"v17\"").json(&body).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["etag"], "\"v18\"");
    let after: Value = ok.json().await.unwrap();
    assert_eq!(shifts_of(&after, "a-200"), vec!["s-1"]);
    assert_eq!((agent_version(&after, "a-100"), agent_version(&after, "a-200")), (5, 10));
    assert_eq!(after["schedule"]["published"], true);

    // The same write again carries a stale tag now.
    assert_eq!(http.put(&url).header("if-match", "\"v17\"").json(&body).send().await.unwrap().status(), 412);
    let outcomes: Vec<String> = sim.attempts().iter().map(|a| format!("{:?}:{}", a.outcome, a.status)).collect();
    assert_eq!(
        outcomes,
        [
            "PreconditionRequired:428",
            "PreconditionFailed:412",
            "PreconditionFailed:412",
            "DataConflict:409",
            "DataConflict:409",
            "Applied:200",
            "PreconditionFailed:412"
        ]
    );
}

#[tokio::test]
async fn applied_writes_can_keep_the_states_around_them_and_the_log_keeps_retry_after() {
    use shiftgate_sim::{FaultPlan, SimConfig, Switches};
    let switches = Switches { record_states: true, ..Switches::default() };
    let faults = FaultPlan::parse("503:2s@write#1").unwrap();
    let switches = Switches { rest_requires_auth: false, ..switches };
    let sim = start(SimConfig { switches, faults, ..config() }, &conflict_free()).await;
    let (http, base) = (http(), sim.base_url());
    let url = format!("{base}/api/v2/wfm/scheduling/schedules/{SCHEDULE}");
    let live: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let body = traded(live);

    let unavailable = http.put(&url).header("if-match", "\"v17\"").json(&body).send().await.unwrap();
    assert_eq!((unavailable.status().as_u16(), unavailable.headers()["retry-after"].to_str().unwrap()), (503, "2"));
    assert_eq!(http.put(&url).header("if-match", "\"v17\"").json(&body).send().await.unwrap().status(), 200);

    let logged: Vec<(Option<u16>, Option<u64>)> =
        sim.requests().iter().map(|r| (r.status, r.retry_after_secs)).collect();
    assert_eq!(logged, [(Some(200), None), (Some(503), Some(2)), (Some(200), None)]);
    let attempts = sim.attempts();
    assert!(attempts[0].states.is_none(), "nothing landed on the 503");
    let states = attempts.last().and_then(|a| a.states.clone()).expect("the applied write keeps its states");
    let owner = |s: &shiftgate_model::format::WireSnapshot<'_>, shift: &str| {
        s.agent_schedules
            .iter()
            .find(|a| a.shifts.iter().any(|x| x.id.as_ref().is_some_and(|i| i.as_str() == shift)))
            .and_then(|a| a.user.as_ref()?.id.as_ref().map(|i| i.as_str().to_string()))
    };
    assert_eq!(
        (owner(&states.before, "s-1"), owner(&states.after, "s-1")),
        (Some("a-100".into()), Some("a-200".into()))
    );
    assert_eq!(states.after, sim.state().await);

    // Off by default: no copies of the store.
    let sim = start(rest_open(), &conflict_free()).await;
    let live: Value = http
        .get(format!("{}/api/v2/wfm/scheduling/schedules/{SCHEDULE}", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("{}/api/v2/wfm/scheduling/schedules/{SCHEDULE}", sim.base_url());
    assert_eq!(http.put(&url).header("if-match", "\"v17\"").json(&traded(live)).send().await.unwrap().status(), 200);
    assert!(sim.attempts()[0].states.is_none());
}
