//! Processing of accepted updates, as the platform does it: `POST .../update` answers 202 `Processing`, the update
//! is judged and applied only when its processing ends ([`crate::SimConfig::completion_delay`] later, or at once
//! on a `settle` fault), and the outcome then goes out as an event (wfm-api.md §1.5, §6.3). Reads made while it
//! processes see the old state; a concurrent edit landing in between is judged against, as on the platform.
//!
//! Every outcome event is preceded by a `Processing` event for the same operationId (BuAsyncScheduleResponse.md
//! status values). Updates end one at a time, in arrival order. A concurrent editor's schedule edit is announced
//! the same way under its own operationId, as another writer's update would be.

use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{json, Value};

use crate::apply::{apply_upload, Rejection, UploadBody};
use crate::faults::FaultAction;
use crate::journal::{sha256_hex, AttemptOutcome, LandedStates};
use crate::rejection::{outcome, to_api_error, Reporting};
use crate::routes::notify::{close_schedule_sockets, publish_schedule_event};
use crate::routes::reads::schedule_metadata_json;
use crate::state::{OperationRecord, Sim, State as SimState};
use crate::store::parse_owned;
use crate::uploads::gunzip;

/// An accepted update waiting for its processing to end. It holds the upload compressed (still counted in the
/// held-uploads budget) and decompresses it again when it ends.
#[derive(Debug)]
pub(crate) struct PendingUpdate {
    pub operation_id: String,
    pub gzip: Bytes,
    /// The journal's write attempt, completed when the update ends.
    pub attempt_seq: u64,
    /// Faults acting on the outcome event (`noevent`, `closing`).
    pub post: Vec<FaultAction>,
}

/// An upload, decompressed and read.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// SHA-256 of the decompressed JSON.
    pub sha256: String,
    pub body: UploadBody<'static>,
}

/// Decompresses (capped) and parses an upload on a blocking thread, outside the state lock, a few at a time.
pub(crate) async fn decode(sim: &Sim, gzip: Bytes) -> Result<Decoded, String> {
    let _permit = sim.decoders.acquire().await.map_err(|_| "the simulator is shutting down".to_string())?;
    let limit = sim.config.limits.upload_decompressed_bytes;
    let work = tokio::task::spawn_blocking(move || {
        let json = gunzip(&gzip, limit)?;
        let sha256 = sha256_hex(&json);
        let body = parse_owned::<UploadBody<'static>>(&json).map_err(|e| format!("not a schedule update: {e}"))?;
        Ok(Decoded { sha256, body })
    });
    work.await.map_err(|e| format!("decoding the upload failed: {e}"))?
}

fn status_event(status: &str, operation_id: &str, result: Option<Value>) -> Value {
    let mut body = json!({ "status": status, "operationId": operation_id, "eventType": "Update" });
    if let Some(r) = result {
        body["result"] = r;
    }
    body
}

/// Starts processing an accepted update: records and announces it, queues it, and ends it after the
/// processing time (unless a `settle` ended it first).
pub(crate) fn begin(sim: &Arc<Sim>, st: &mut SimState, pending: PendingUpdate) {
    let id = pending.operation_id.clone();
    let op = OperationRecord {
        operation_id: id.clone(),
        status: "Processing".into(),
        event_type: "Update".into(),
        result: None,
        sim_error: None,
        event: "pending".into(),
        delivered_to: 0,
    };
    st.remember_operation(op, sim.config.limits.journal_records);
    publish_schedule_event(st, status_event("Processing", &id, None));
    st.processing.push_back(pending);
    let sim = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(sim.config.completion_delay).await;
        finish(&sim, Some(&id)).await;
    });
}

/// Ends updates still processing, oldest first: up to and including `through`, or (with `None`, a `settle`)
/// every one processing when called.
pub(crate) async fn finish(sim: &Arc<Sim>, through: Option<&str>) {
    let _turn = sim.processor.lock().await;
    let mut left = match through {
        Some(_) => usize::MAX,
        None => sim.state.lock().await.processing.len(),
    };
    while left > 0 {
        let next = {
            let mut st = sim.state.lock().await;
            if through.is_some_and(|id| !st.processing.iter().any(|p| p.operation_id == id)) {
                return; // already ended (by a settle)
            }
            st.processing.pop_front()
        };
        let Some(pending) = next else { return };
        left -= 1;
        let last = through == Some(pending.operation_id.as_str());
        let decoded = decode(sim, pending.gzip.clone()).await;
        conclude(sim, &mut *sim.state.lock().await, pending, decoded);
        if last {
            return;
        }
    }
}

/// Judges and applies one update against the store as it is now, then publishes its outcome.
fn conclude(sim: &Sim, st: &mut SimState, pending: PendingUpdate, decoded: Result<Decoded, String>) {
    let limits = &sim.config.limits;
    st.uploads.release(pending.gzip.len());
    let version_before = st.store.schedule_version();
    let result = match &decoded {
        Err(message) => Err(Rejection::BadRequest(vec![("(body)".into(), message.clone())])),
        Ok(d) => apply_upload(&st.store, &d.body, &mut st.next_shift_id, limits),
    };
    let id = pending.operation_id.clone();
    let mut op = OperationRecord {
        operation_id: id.clone(),
        status: "Complete".into(),
        event_type: "Update".into(),
        result: None,
        sim_error: None,
        event: "pending".into(),
        delivered_to: 0,
    };
    let (outcome_now, changed, conflicts, states) = match result {
        Ok(accepted) => {
            let before = std::mem::replace(&mut st.store, accepted.store);
            let states = st.switches.record_states.then(|| LandedStates::new(&before, &st.store));
            op.result = Some(schedule_metadata_json(&st.store, false));
            (AttemptOutcome::Applied, accepted.changed_agents, Vec::new(), states)
        }
        Err(rej) => {
            let how = Reporting {
                version_as_400: st.switches.version_conflict_as_400,
                explain: st.switches.explain_conflicts,
                limits,
            };
            op.status = "Error".into();
            op.sim_error = Some(to_api_error(&rej, st.store.schedule_id(), how).finished_body());
            let conflicts = match &rej {
                Rejection::Conflicts { listed, .. } => listed.iter().map(|(c, _)| c.clone()).collect(),
                _ => Vec::new(),
            };
            (outcome(&rej), Vec::new(), conflicts, None)
        }
    };
    let version_after = st.store.schedule_version();
    sim.journal().update_attempt(pending.attempt_seq, |a| {
        a.outcome = outcome_now;
        a.schedule_version_before = version_before;
        a.schedule_version_after = version_after;
        a.changed_agents = changed;
        a.conflicts = conflicts;
        a.states = states;
    });
    if pending.post.contains(&FaultAction::NoEvent) {
        op.event = "suppressed".into();
    } else if pending.post.contains(&FaultAction::SocketClosing) {
        close_schedule_sockets(st, sim.config.socket_close_delay);
        op.event = "suppressed".into();
    } else {
        op.delivered_to = publish_schedule_event(st, status_event(&op.status, &id, op.result.clone()));
        op.event = "delivered".into();
    }
    st.remember_operation(op, limits.journal_records);
}

/// Announces a concurrent editor's schedule edit (already applied) as another writer's update: its own
/// operationId, `Processing` then `Complete` with the schedule's metadata. Returns the operationId.
pub(crate) fn announce_other_writer(st: &mut SimState, limit: usize) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let result = schedule_metadata_json(&st.store, false);
    publish_schedule_event(st, status_event("Processing", &id, None));
    let delivered = publish_schedule_event(st, status_event("Complete", &id, Some(result.clone())));
    let op = OperationRecord {
        operation_id: id.clone(),
        status: "Complete".into(),
        event_type: "Update".into(),
        result: Some(result),
        sim_error: None,
        event: "delivered".into(),
        delivered_to: delivered,
    };
    st.remember_operation(op, limit);
    id
}
