//! Helpers shared by the simulator's integration tests: fixtures, a small client, the upload flow.
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use shiftgate_sim::{ErrorDelivery, SimConfig, SimServer, Switches};
use tokio_tungstenite::tungstenite::Message;

pub const BU: &str = "bu-chi";
pub const WEEK: &str = "2026-11-29";
pub const SCHEDULE: &str = "sch-48";

/// The design example: trade tr-4 moves s-1 to a-200, who has PENDING time off tor-9 over it.
pub fn example() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/schedules/design-example.json");
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture json")
}

/// The design example with tor-9 DENIED, so applying tr-4 conflicts with nothing.
pub fn conflict_free() -> Value {
    let mut v = example();
    v["timeOffRequests"][1]["status"] = json!("DENIED");
    v
}

pub fn config() -> SimConfig {
    SimConfig { completion_delay: Duration::from_millis(5), ..SimConfig::default() }
}

/// The REST contract open to anonymous clients (for tests of its ETag rules, not of its auth).
pub fn rest_open() -> SimConfig {
    SimConfig { switches: Switches { rest_requires_auth: false, ..Switches::default() }, ..config() }
}

/// Refused updates answered synchronously (the seed incident's behaviour).
pub fn sync_errors() -> SimConfig {
    SimConfig { switches: Switches { error_delivery: ErrorDelivery::Sync, ..Switches::default() }, ..config() }
}

pub async fn start(config: SimConfig, snapshot: &Value) -> SimServer {
    shiftgate_sim::start(config, &serde_json::to_vec(snapshot).unwrap()).await.expect("sim starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

/// A bearer token: wfm-api.md §1.1 [F]: POST /oauth/token, Basic base64(id:secret), form
/// grant_type=client_credentials.
pub async fn token(http: &reqwest::Client, base: &str) -> String {
    let c = SimConfig::default();
    let resp = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

/// The schedule's route, without the host.
pub fn schedule_path() -> String {
    format!("/api/v2/workforcemanagement/businessunits/{BU}/weeks/{WEEK}/schedules/{SCHEDULE}")
}

pub fn schedule_url(base: &str) -> String {
    format!("{base}{}", schedule_path())
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// POST .../update/uploadurl for a gzip body of `len` bytes: `{uploadKey, url, headers}`.
pub async fn upload_slot(http: &reqwest::Client, base: &str, token: &str, len: usize) -> Value {
    http.post(format!("{}/update/uploadurl", schedule_url(base)))
        .bearer_auth(token)
        .json(&json!({ "contentLengthBytes": len }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The three steps of wfm-api.md §1.5 [F]: uploadurl, PUT (gzip) with exactly the returned headers, update.
/// Returns the update response.
pub async fn upload_and_update(http: &reqwest::Client, base: &str, token: &str, body: &Value) -> reqwest::Response {
    let gz = gzip(&serde_json::to_vec(body).unwrap());
    let slot = upload_slot(http, base, token, gz.len()).await;
    let mut put = http.put(slot["url"].as_str().unwrap()).body(gz);
    for (k, v) in slot["headers"].as_object().unwrap() {
        put = put.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 200);
    http.post(format!("{}/update", schedule_url(base)))
        .bearer_auth(token)
        .json(&json!({ "uploadKey": slot["uploadKey"] }))
        .send()
        .await
        .unwrap()
}

fn shift(v: &Value, agent: usize) -> Value {
    v["agentSchedules"][agent]["shifts"][0].clone()
}

/// The upload a publisher sends after applying tr-4: s-1 and s-9 swap owners, with `delete: true` on the old ones.
pub fn traded_upload(snapshot: &Value, schedule: i64, a100: i64, a200: i64) -> Value {
    json!({
        "metadata": { "version": schedule },
        "published": true,
        "agentSchedules": [
            { "userId": "a-100", "metadata": { "version": a100 },
              "shifts": [ { "id": "s-1", "delete": true }, shift(snapshot, 1) ] },
            { "userId": "a-200", "metadata": { "version": a200 },
              "shifts": [ { "id": "s-9", "delete": true }, shift(snapshot, 0) ] },
        ]
    })
}

/// Shift ids each agent holds in a state snapshot.
pub fn shifts_of(state: &Value, agent: &str) -> Vec<String> {
    state["agentSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["user"]["id"] == agent)
        .flat_map(|a| a["shifts"].as_array().cloned().unwrap_or_default())
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn agent_version(state: &Value, agent: &str) -> i64 {
    state["agentSchedules"].as_array().unwrap().iter().find(|a| a["user"]["id"] == agent).unwrap()["metadata"]
        ["version"]
        .as_i64()
        .unwrap()
}

/// Subscribes a fresh channel to the schedules topic and connects its socket: wfm-api.md §6.1-6.2 [F]: create a
/// channel, subscribe `[{id: topic}]`, open `connectUri`.
pub async fn subscribed_socket(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let channel: Value = http
        .post(format!("{base}/api/v2/notifications/channels"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subs: Value = http
        .put(format!("{base}/api/v2/notifications/channels/{}/subscriptions", channel["id"].as_str().unwrap()))
        .bearer_auth(token)
        .json(&json!([{ "id": SCHEDULES_TOPIC }]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(subs["entities"][0]["state"], "Permitted");
    let (ws, _) = tokio_tungstenite::connect_async(channel["connectUri"].as_str().unwrap()).await.unwrap();
    ws
}

/// The next message on `topic`, skipping heartbeats; bounded wait.
pub async fn next_on<S>(ws: &mut S, topic: &str) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let msg = ws.next().await.expect("socket open").expect("frame");
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["topicName"] == topic {
                    return v;
                }
            }
        }
    })
    .await
    .expect("message within 5 s")
}

pub const SCHEDULES_TOPIC: &str = "v2.workforcemanagement.businessunits.bu-chi.schedules";
