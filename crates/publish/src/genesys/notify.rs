//! The notifications websocket: where Genesys reports how an asynchronous schedule update ended.
//!
//! The socket is opened and subscribed *before* the update starts (there is no polling route and no replay), and
//! read by a task that forwards what matters; events that arrive before the update call returns its
//! `operationId` wait in the channel. Silence longer than the allowed gap (Genesys sends a heartbeat every 30 s),
//! a `v2.system.socket_closing` followed by the close, or the socket ending all mean "outcome unknown": the
//! caller re-reads and compares, never resends blindly.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Largest notification message (and frame) read from the socket. An event's `result` is the schedule's metadata
/// with its management units' agents (research/wfm-api.md §6): for 10,000 agents about 0.5 MB. More is refused
/// and the socket counts as lost, so a hostile or broken socket cannot grow the process.
pub(crate) const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// Notes waiting for the reader; when it lags, the socket task waits instead of buffering without bound.
const QUEUE: usize = 256;

/// Something the socket said.
#[derive(Clone, Debug, PartialEq)]
enum Note {
    /// An event on our topic.
    Schedule { status: String, operation_id: Option<String>, body: Value },
    /// A heartbeat or any other sign of life.
    Alive,
    /// `v2.system.socket_closing`: the platform will close the socket soon.
    Closing,
    /// The socket ended.
    Closed(String),
}

/// How the update ended, as far as the socket tells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    /// `status: Complete` for our operation.
    Complete,
    /// `status: Error` or `Canceled`, with the event body.
    Error(Value),
    /// No outcome: why.
    Lost(String),
}

/// A subscribed socket.
pub(crate) struct Listener {
    rx: mpsc::Receiver<Note>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// Opens the channel's socket (`connectUri`, no auth header, as the SDKs do) and starts reading it.
    pub(crate) async fn connect(connect_uri: &str, topic: String, timeout: Duration) -> Result<Listener, String> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let connect = tokio_tungstenite::connect_async_with_config(connect_uri, Some(config), false);
        let (socket, _) = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| "timed out opening the notification socket".to_string())?
            .map_err(|e| format!("cannot open the notification socket: {e}"))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(async move {
            let (_write, mut read) = socket.split();
            while let Some(msg) = read.next().await {
                let note = match msg {
                    Ok(Message::Text(t)) => parse(t.as_str(), &topic),
                    Ok(Message::Close(_)) => Some(Note::Closed("the platform closed the notification socket".into())),
                    Ok(_) => Some(Note::Alive),
                    Err(e) => Some(Note::Closed(format!("the notification socket failed: {e}"))),
                };
                let closed = matches!(note, Some(Note::Closed(_)));
                if let Some(n) = note {
                    if tx.send(n).await.is_err() {
                        return;
                    }
                }
                if closed {
                    return;
                }
            }
            let _ = tx.send(Note::Closed("the notification socket ended".into())).await;
        });
        Ok(Listener { rx, task })
    }

    /// Waits for the outcome of `operation_id`: at most `overall`, and at most `silence` between two messages.
    pub(crate) async fn outcome(&mut self, operation_id: &str, silence: Duration, overall: Duration) -> Outcome {
        let end = Instant::now() + overall;
        let mut closing = false;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Outcome::Lost(format!("no outcome within {} s", overall.as_secs()));
            }
            let note = match tokio::time::timeout(silence.min(left), self.rx.recv()).await {
                Err(_) if left <= silence => {
                    return Outcome::Lost(format!("no outcome within {} s", overall.as_secs()))
                }
                Err(_) => {
                    return Outcome::Lost(format!("no message (not even a heartbeat) for {} s", silence.as_secs()))
                }
                Ok(None) => return Outcome::Lost("the notification socket ended".into()),
                Ok(Some(n)) => n,
            };
            match note {
                Note::Schedule { status, operation_id: Some(op), body } if op == operation_id => {
                    match status.as_str() {
                        "Complete" => return Outcome::Complete,
                        "Error" | "Canceled" => return Outcome::Error(body),
                        _ => {} // Processing
                    }
                }
                Note::Schedule { .. } | Note::Alive => {}
                Note::Closing => closing = true,
                Note::Closed(why) if closing => {
                    return Outcome::Lost(format!(
                        "the platform announced socket_closing and closed the socket ({why})"
                    ))
                }
                Note::Closed(why) => return Outcome::Lost(why),
            }
        }
    }
}

fn parse(text: &str, topic: &str) -> Option<Note> {
    let v: Value = serde_json::from_str(text).ok()?;
    let name = v.get("topicName").and_then(Value::as_str).unwrap_or_default();
    if name == topic {
        let body = v.get("eventBody").cloned().unwrap_or(Value::Null);
        let status = body.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
        let operation_id = body.get("operationId").and_then(Value::as_str).map(str::to_string);
        return Some(Note::Schedule { status, operation_id, body });
    }
    if name.starts_with("v2.system.socket_closing") {
        return Some(Note::Closing);
    }
    Some(Note::Alive)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "v2.workforcemanagement.businessunits.bu-chi.schedules";

    #[test]
    fn envelopes_are_read_by_topic() {
        let ev = r#"{"topicName":"v2.workforcemanagement.businessunits.bu-chi.schedules","version":"2",
            "eventBody":{"status":"Complete","operationId":"op-1","eventType":"Update"},"metadata":{"CorrelationId":"c"}}"#;
        match parse(ev, TOPIC) {
            Some(Note::Schedule { status, operation_id, .. }) => {
                assert_eq!((status.as_str(), operation_id.as_deref()), ("Complete", Some("op-1")));
            }
            other => panic!("{other:?}"),
        }
        let hb = r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#;
        assert_eq!(parse(hb, TOPIC), Some(Note::Alive));
        assert_eq!(parse(r#"{"topicName":"v2.system.socket_closing","eventBody":{}}"#, TOPIC), Some(Note::Closing));
        assert_eq!(parse("not json", TOPIC), None);
    }

    fn listener(notes: Vec<Note>) -> Listener {
        let (tx, rx) = mpsc::channel(QUEUE);
        for n in notes {
            tx.try_send(n).unwrap();
        }
        let task = tokio::spawn(async move {
            // Keep the sender alive (a silent but open socket).
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(tx);
        });
        Listener { rx, task }
    }

    fn event(status: &str, op: &str) -> Note {
        Note::Schedule {
            status: status.into(),
            operation_id: Some(op.into()),
            body: serde_json::json!({"status": status}),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn only_our_operation_decides() {
        let mut l = listener(vec![
            event("Complete", "op-other"),
            Note::Alive,
            event("Processing", "op-1"),
            event("Error", "op-1"),
        ]);
        let out = l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await;
        assert_eq!(out, Outcome::Error(serde_json::json!({"status": "Error"})));
        let mut l = listener(vec![event("Complete", "op-1")]);
        assert_eq!(l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await, Outcome::Complete);
    }

    #[tokio::test(start_paused = true)]
    async fn silence_closing_and_loss_mean_unknown() {
        let mut l = listener(vec![]);
        let t0 = Instant::now();
        assert!(
            matches!(l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await, Outcome::Lost(m) if m.contains("heartbeat"))
        );
        assert_eq!(t0.elapsed(), Duration::from_secs(75));
        let mut l = listener(vec![Note::Closing, Note::Closed("bye".into())]);
        assert!(
            matches!(l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await, Outcome::Lost(m) if m.contains("socket_closing"))
        );
        let mut l = listener(vec![Note::Closed("reset".into())]);
        assert_eq!(
            l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await,
            Outcome::Lost("reset".into())
        );
        // Heartbeats keep the socket alive, but the overall limit still holds.
        let mut l = listener((0..10).map(|_| Note::Alive).collect());
        assert!(matches!(l.outcome("op-1", Duration::from_secs(75), Duration::from_secs(90)).await, Outcome::Lost(_)));
    }

    #[tokio::test]
    async fn an_oversized_socket_message_loses_the_socket_instead_of_growing_the_process() {
        use futures_util::SinkExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
            let big = format!("{{\"topicName\":\"channel.metadata\",\"pad\":\"{}\"}}", "x".repeat(MAX_MESSAGE_BYTES));
            let _ = ws.send(Message::text(big)).await;
            let _ = ws
                .send(Message::text(r#"{"topicName":"x","eventBody":{"status":"Complete","operationId":"op-1"}}"#))
                .await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut l =
            Listener::connect(&format!("ws://{addr}/channels/c"), TOPIC.into(), Duration::from_secs(5)).await.unwrap();
        match l.outcome("op-1", Duration::from_secs(5), Duration::from_secs(10)).await {
            Outcome::Lost(why) => assert!(why.contains("too long") || why.contains("limit"), "{why}"),
            other => panic!("{other:?}"),
        }
        server.abort();
    }
}
