//! The Genesys update flow: `update/uploadurl`, the pre-signed `PUT /uploads/{key}` (gzip), and `update`, whose
//! outcome goes out as a notification event.

use std::io::Read;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use super::{check_schedule, json_body, reads::schedule_metadata_json};
use crate::api_error::{ApiError, ApiResult};
use crate::apply::{apply_upload, Rejection, UploadBody};
use crate::journal::{sha256_hex, AttemptOutcome, LandedStates, WriteAttempt, WriteKind};
use crate::rejection::{outcome, to_api_error};
use crate::state::{AttemptSeq, OperationRecord, PostFaults, Sim, State as SimState, Upload};
use crate::store::parse_owned;
use crate::ErrorDelivery;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadUrlRequest {
    content_length_bytes: Option<i64>,
}

pub(crate) async fn upload_url(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let req: UploadUrlRequest = json_body(&body)?;
    let max = sim.config.max_body_bytes as i64;
    let length = match req.content_length_bytes {
        Some(n) if (1..=max).contains(&n) => n as u64,
        other => {
            return Err(ApiError::bad_request(format!("contentLengthBytes must be 1..={max}, got {other:?}")));
        }
    };
    let mut st = sim.state.lock().await;
    check_schedule(&st.store, &bu, &week, &sid)?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let upload = Upload { target: (bu, week, sid), content_length: length, body: None, used: false };
    st.uploads.insert(key.clone(), upload);
    Ok(Json(json!({
        "uploadKey": key,
        "url": format!("{}/uploads/{key}", sim.base_url()),
        "headers": { "Content-Type": "application/json", "Content-Encoding": "gzip" },
        "uploadBodySchema": null,
    }))
    .into_response())
}

fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(body).take(limit as u64 + 1);
    dec.read_to_end(&mut out).map_err(|e| format!("body is not valid gzip: {e}"))?;
    if out.len() > limit {
        return Err(format!("decompressed body exceeds {limit} bytes"));
    }
    Ok(out)
}

pub(crate) async fn upload(
    State(sim): State<Arc<Sim>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let encoding = headers.get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !encoding.eq_ignore_ascii_case("gzip") {
        return Err(ApiError::bad_request("the upload must be sent with Content-Encoding: gzip"));
    }
    let mut st = sim.state.lock().await;
    let up = st.uploads.get_mut(&key).ok_or_else(ApiError::not_found)?;
    if up.used {
        return Err(ApiError::bad_request("this upload key was already used by an update"));
    }
    if body.len() as u64 != up.content_length {
        return Err(ApiError::bad_request(format!(
            "body is {} bytes but uploadurl announced contentLengthBytes {}",
            body.len(),
            up.content_length
        )));
    }
    up.body = Some(gunzip(&body, sim.config.max_body_bytes).map_err(ApiError::bad_request)?);
    Ok(StatusCode::OK.into_response())
}

/// What an upload says about itself, for the journal.
fn describe_bytes(st: &SimState, bytes: &[u8], elapsed_ms: u64) -> WriteAttempt {
    let mut a = WriteAttempt::received(WriteKind::GenesysUpdate, elapsed_ms, st.store.schedule_version());
    a.payload_sha256 = Some(sha256_hex(bytes));
    if let Ok(b) = serde_json::from_slice::<UploadBody<'_>>(bytes) {
        a.schedule_version_sent = b.metadata.and_then(|m| m.version);
        a.published = b.published;
        for s in &b.agent_schedules {
            if let Some(u) = &s.user_id {
                a.agent_versions_sent.insert(u.as_str().to_string(), s.metadata.as_ref().and_then(|m| m.version));
            }
        }
    }
    a
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    upload_key: Option<String>,
}

/// Journal entry for an update a fault answered (body is the `{uploadKey}` request).
pub(crate) fn describe(st: &SimState, body: &[u8]) -> WriteAttempt {
    let key = serde_json::from_slice::<UpdateRequest>(body).ok().and_then(|r| r.upload_key);
    let bytes = key.and_then(|k| st.uploads.get(&k)).and_then(|u| u.body.clone()).unwrap_or_default();
    let mut a = describe_bytes(st, &bytes, 0);
    if bytes.is_empty() {
        a.payload_sha256 = None;
    }
    a
}

pub(crate) async fn update(
    State(sim): State<Arc<Sim>>,
    Path(ids): Path<(String, String, String)>,
    post: Option<Extension<PostFaults>>,
    body: Bytes,
) -> Response {
    let post = post.map(|Extension(p)| p).unwrap_or_default();
    let elapsed_ms = sim.elapsed_ms();
    match update_inner(&sim, ids, post, &body).await {
        Ok(resp) => resp,
        Err(e) => {
            // Refused before the upload could be judged (bad key, wrong schedule): still a write attempt.
            let version = sim.state.lock().await.store.schedule_version();
            let mut a = WriteAttempt::received(WriteKind::GenesysUpdate, elapsed_ms, version);
            a.status = e.body.status;
            let seq = sim.journal().push_attempt(a);
            let mut resp = e.into_response();
            resp.extensions_mut().insert(AttemptSeq(seq));
            resp
        }
    }
}

async fn update_inner(
    sim: &Arc<Sim>,
    (bu, week, sid): (String, String, String),
    post: PostFaults,
    body: &[u8],
) -> ApiResult {
    let req: UpdateRequest = json_body(body)?;
    let mut guard = sim.state.lock().await;
    let st = &mut *guard;
    check_schedule(&st.store, &bu, &week, &sid)?;
    let key = req.upload_key.ok_or_else(|| ApiError::bad_request("uploadKey is required"))?;
    let up = st.uploads.get_mut(&key).ok_or_else(|| ApiError::bad_request(format!("unknown uploadKey {key}")))?;
    if up.target != (bu, week, sid.clone()) {
        return Err(ApiError::bad_request("uploadKey was issued for another schedule"));
    }
    if up.used {
        return Err(ApiError::bad_request("uploadKey was already used"));
    }
    let bytes = up.body.clone().ok_or_else(|| ApiError::bad_request("nothing was uploaded for this uploadKey"))?;
    up.used = true;

    let mut attempt = describe_bytes(st, &bytes, sim.elapsed_ms());
    let result = match parse_owned::<UploadBody<'static>>(&bytes) {
        Err(e) => Err(Rejection::BadRequest(vec![("(body)".into(), format!("not a schedule update: {e}"))])),
        Ok(b) => apply_upload(&st.store, &b, &mut st.next_shift_id),
    };
    let switches = st.switches;
    let operation_id = uuid::Uuid::new_v4().to_string();
    let op = match result {
        Err(rej) => {
            attempt.outcome = outcome(&rej);
            if let Rejection::Conflicts(list) = &rej {
                attempt.conflicts = list.iter().map(|(c, _)| c.clone()).collect();
            }
            let err = to_api_error(&rej, &sid, switches.version_conflict_as_400, switches.explain_conflicts);
            let sync = switches.error_delivery == ErrorDelivery::Sync || matches!(rej, Rejection::BadRequest(_));
            if sync {
                attempt.status = err.body.status;
                let seq = sim.journal().push_attempt(attempt);
                let mut resp = err.into_response();
                resp.extensions_mut().insert(AttemptSeq(seq));
                return Ok(resp);
            }
            error_operation(&operation_id, err.finished_body())
        }
        Ok(accepted) => {
            let before = std::mem::replace(&mut st.store, accepted.store);
            if switches.record_states {
                attempt.states = Some(LandedStates::new(&before, &st.store));
            }
            attempt.outcome = AttemptOutcome::Applied;
            attempt.changed_agents = accepted.changed_agents;
            OperationRecord {
                operation_id: operation_id.clone(),
                status: "Complete".into(),
                event_type: "Update".into(),
                result: Some(schedule_metadata_json(&st.store, false)),
                sim_error: None,
                event: "pending".into(),
                delivered_to: 0,
            }
        }
    };
    attempt.schedule_version_after = st.store.schedule_version();
    attempt.status = StatusCode::ACCEPTED.as_u16();
    attempt.operation_id = Some(operation_id.clone());
    st.operations.insert(operation_id.clone(), op);
    drop(guard);
    let seq = sim.journal().push_attempt(attempt);
    tokio::spawn(crate::routes::notify::deliver_outcome(sim.clone(), operation_id.clone(), post.0));
    let mut resp =
        (StatusCode::ACCEPTED, Json(json!({ "status": "Processing", "operationId": operation_id }))).into_response();
    resp.extensions_mut().insert(AttemptSeq(seq));
    Ok(resp)
}

fn error_operation(id: &str, body: crate::api_error::ErrorBody) -> OperationRecord {
    OperationRecord {
        operation_id: id.to_string(),
        status: "Error".into(),
        event_type: "Update".into(),
        result: None,
        sim_error: Some(body),
        event: "pending".into(),
        delivered_to: 0,
    }
}
