//! The notifications channel: channels, topic subscriptions, the websocket, heartbeats, `socket_closing`, and
//! delivery of update outcomes on `v2.workforcemanagement.businessunits.{buId}.schedules`.
//!
//! As on the real platform there is no replay: an event is sent to the sockets attached when it fires, and is
//! lost for a channel without one. A socket is registered before the upgrade answer goes out, so an event cannot
//! slip between the client seeing `101` and the server listening.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::api_error::{correlation_id, ApiError, ApiResult};
use crate::body::JsonBody;
use crate::state::{Channel, ClientId, Sim, Socket, State as SimState, WsCommand};

/// Most topics one channel may hold (the platform's documented limit, wfm-api.md §6.7).
const MAX_TOPICS: usize = 1000;

/// Most channels one client may hold; the next one replaces the oldest, unconnected ones first (wfm-api.md §6.7:
/// "20 channels per user and app; the 21st replaces the oldest, and channels without a connection go first").
const MAX_CHANNELS: usize = 20;

fn connect_uri(sim: &Sim, id: &str) -> String {
    format!("ws://{}/channels/{id}", sim.addr)
}

fn channel_json(sim: &Sim, id: &str, c: &Channel) -> Value {
    json!({ "id": id, "connectUri": connect_uri(sim, id), "expires": c.expires.to_rfc3339() })
}

pub(crate) async fn create(State(sim): State<Arc<Sim>>, client: Option<Extension<ClientId>>) -> ApiResult {
    let client = client.map(|Extension(ClientId(c))| c).unwrap_or_default();
    let id = uuid::Uuid::new_v4().to_string();
    let mut st = sim.state.lock().await;
    st.next_conn += 1;
    let created = st.next_conn;
    let expires = Utc::now() + chrono::Duration::hours(24);
    let channel = Channel { topics: Vec::new(), socket: None, expires, client: client.clone(), created };
    let body = channel_json(&sim, &id, &channel);
    let mine = st.channels.iter().filter(|(_, c)| c.client == client);
    if mine.clone().count() >= MAX_CHANNELS {
        let oldest = mine.min_by_key(|(_, c)| (c.socket.is_some(), c.created)).map(|(id, _)| id.clone());
        if let Some(s) = oldest.and_then(|old| st.channels.remove(&old)).and_then(|c| c.socket) {
            let _ = s.tx.send(WsCommand::Close);
        }
    }
    st.channels.insert(id, channel);
    Ok(Json(body).into_response())
}

pub(crate) async fn list(State(sim): State<Arc<Sim>>) -> ApiResult {
    let st = sim.state.lock().await;
    let entities: Vec<Value> = st.channels.iter().map(|(id, c)| channel_json(&sim, id, c)).collect();
    Ok(Json(json!({ "entities": entities })).into_response())
}

/// `GET` (and so `HEAD`) of a channel: 200 while it exists, 404 after.
pub(crate) async fn exists(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let st = sim.state.lock().await;
    let c = st.channels.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(channel_json(&sim, &id, c)).into_response())
}

pub(crate) async fn remove(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let mut st = sim.state.lock().await;
    let c = st.channels.remove(&id).ok_or_else(ApiError::not_found)?;
    if let Some(s) = c.socket {
        let _ = s.tx.send(WsCommand::Close);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct TopicRef {
    id: String,
}

fn topics_json(topics: &[String]) -> Value {
    json!({ "entities": topics.iter().map(|t| json!({ "id": t, "state": "Permitted" })).collect::<Vec<_>>() })
}

pub(crate) async fn subscriptions(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let st = sim.state.lock().await;
    let c = st.channels.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(topics_json(&c.topics)).into_response())
}

async fn subscribe(sim: &Sim, id: &str, body: &[u8], replace: bool) -> ApiResult {
    let wanted: Vec<TopicRef> = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("body must be [{{\"id\": \"<topic>\"}}]: {e}")))?;
    let mut st = sim.state.lock().await;
    let c = st.channels.get_mut(id).ok_or_else(ApiError::not_found)?;
    let mut topics = if replace { Vec::new() } else { c.topics.clone() };
    let mut answer = Vec::new();
    for t in wanted {
        // Topics are v2.<...>; anything else is refused the way the platform refuses unknown topics.
        if !t.id.starts_with("v2.") || t.id.split('.').any(str::is_empty) {
            answer.push(json!({ "id": t.id, "state": "Rejected", "rejectionReason": "unknown topic" }));
            continue;
        }
        if !topics.contains(&t.id) {
            topics.push(t.id.clone());
        }
        answer.push(json!({ "id": t.id, "state": "Permitted" }));
    }
    if topics.len() > MAX_TOPICS {
        return Err(ApiError::bad_request(format!("a channel may hold at most {MAX_TOPICS} topics")));
    }
    c.topics = topics;
    Ok(Json(json!({ "entities": answer })).into_response())
}

pub(crate) async fn replace(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    subscribe(&sim, &id, &body, true).await
}

pub(crate) async fn add(State(sim): State<Arc<Sim>>, Path(id): Path<String>, JsonBody(body): JsonBody) -> ApiResult {
    subscribe(&sim, &id, &body, false).await
}

pub(crate) async fn unsubscribe(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let mut st = sim.state.lock().await;
    st.channels.get_mut(&id).ok_or_else(ApiError::not_found)?.topics.clear();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /channels/{id}`: the websocket (no auth header, as the SDKs connect). A second socket replaces the first.
pub(crate) async fn socket(State(sim): State<Arc<Sim>>, Path(id): Path<String>, ws: WebSocketUpgrade) -> ApiResult {
    let (tx, rx) = mpsc::unbounded_channel();
    let conn = {
        let mut st = sim.state.lock().await;
        st.next_conn += 1;
        let conn = st.next_conn;
        let c = st.channels.get_mut(&id).ok_or_else(ApiError::not_found)?;
        if let Some(old) = c.socket.replace(Socket { conn, tx }) {
            let _ = old.tx.send(WsCommand::Close);
        }
        conn
    };
    Ok(ws.on_upgrade(move |socket| run_socket(sim, id, conn, socket, rx)).into_response())
}

fn envelope(topic: &str, body: Value) -> String {
    json!({ "topicName": topic, "version": "2", "eventBody": body, "metadata": { "CorrelationId": correlation_id() } })
        .to_string()
}

async fn run_socket(
    sim: Arc<Sim>,
    channel: String,
    conn: u64,
    mut socket: WebSocket,
    mut rx: mpsc::UnboundedReceiver<WsCommand>,
) {
    let every = sim.config.heartbeat_interval.max(Duration::from_millis(10));
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut shutdown = sim.shutdown.clone();
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(WsCommand::Text(t)) => {
                    if socket.send(Message::Text(t.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsCommand::Close) | None => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            },
            _ = heartbeat.tick() => {
                let beat = envelope("channel.metadata", json!({ "message": "WebSocket Heartbeat" }));
                if socket.send(Message::Text(beat.into())).await.is_err() {
                    break;
                }
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let ping = serde_json::from_str::<Value>(t.as_str())
                        .is_ok_and(|v| v.get("message").and_then(Value::as_str) == Some("ping"));
                    if ping {
                        let pong = envelope("channel.metadata", json!({ "message": "pong" }));
                        if socket.send(Message::Text(pong.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
    let mut st = sim.state.lock().await;
    if let Some(c) = st.channels.get_mut(&channel) {
        if c.socket.as_ref().is_some_and(|s| s.conn == conn) {
            c.socket = None;
        }
    }
}

/// The topic of a business unit's schedule operations.
pub(crate) fn schedules_topic(bu: &str) -> String {
    format!("v2.workforcemanagement.businessunits.{bu}.schedules")
}

/// Sends a message to every socket subscribed to `topic`; returns how many.
fn publish(st: &SimState, topic: &str, message: &str) -> u32 {
    let mut n = 0;
    for c in st.channels.values().filter(|c| c.topics.iter().any(|t| t == topic)) {
        if let Some(s) = &c.socket {
            if s.tx.send(WsCommand::Text(message.to_string())).is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// Sends `v2.system.socket_closing` to the given channels' sockets and closes them after `delay`.
pub(crate) fn close_sockets(st: &SimState, channels: &[String], delay: Duration) -> u32 {
    let msg = envelope("v2.system.socket_closing", json!({ "message": "Socket is closing" }));
    let mut n = 0;
    for id in channels {
        if let Some(s) = st.channels.get(id).and_then(|c| c.socket.as_ref()) {
            let _ = s.tx.send(WsCommand::Text(msg.clone()));
            let tx = s.tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(WsCommand::Close);
            });
            n += 1;
        }
    }
    n
}

/// Publishes an event body on the business unit's schedules topic; returns to how many sockets.
pub(crate) fn publish_schedule_event(st: &SimState, body: Value) -> u32 {
    let topic = schedules_topic(st.store.bu_id());
    publish(st, &topic, &envelope(&topic, body))
}

/// Sends `v2.system.socket_closing` to every socket subscribed to the schedules topic, then closes them.
pub(crate) fn close_schedule_sockets(st: &SimState, delay: Duration) -> u32 {
    let topic = schedules_topic(st.store.bu_id());
    let subscribed: Vec<String> =
        st.channels.iter().filter(|(_, c)| c.topics.contains(&topic)).map(|(id, _)| id.clone()).collect();
    close_sockets(st, &subscribed, delay)
}
