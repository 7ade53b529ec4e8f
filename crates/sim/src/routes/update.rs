//! The Genesys update flow: `update/uploadurl`, the pre-signed `PUT /uploads/{key}` (object storage's rules, in
//! `uploads`), and `update`, which answers 202 and hands the update to `processing`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{check_schedule, json_body};
use crate::api_error::{ApiError, ApiResult};
use crate::apply::{apply_upload, Rejection};
use crate::body::{read_limited, JsonBody};
use crate::journal::{AttemptOutcome, WriteAttempt, WriteKind};
use crate::processing::{begin, decode, Decoded, PendingUpdate};
use crate::rejection::{outcome, to_api_error, Reporting};
use crate::state::{AttemptSeq, PostFaults, Sim};
use crate::uploads::{check_request, StorageRefusal, UPLOAD_HEADERS};
use crate::ErrorDelivery;

/// `UploadUrlRequestBody`: `contentLengthBytes` is required (UploadUrlRequestBody.md).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadUrlRequest {
    content_length_bytes: Option<i64>,
}

pub(crate) async fn upload_url(
    State(sim): State<Arc<Sim>>,
    Path((bu, week, sid)): Path<(String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let req: UploadUrlRequest = json_body(&body)?;
    let limits = &sim.config.limits;
    let max = limits.upload_bytes as i64;
    let length = match req.content_length_bytes {
        Some(n) if (1..=max).contains(&n) => n as u64,
        other => {
            return Err(ApiError::bad_request(format!("contentLengthBytes must be 1..={max}, got {other:?}")));
        }
    };
    let mut st = sim.state.lock().await;
    check_schedule(&st.store, &bu, &week, &sid)?;
    let key = st.uploads.issue((bu, week, sid), length, limits)?;
    let headers: Map<String, Value> = UPLOAD_HEADERS.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    Ok(Json(json!({
        "uploadKey": key,
        "url": format!("{}/uploads/{key}", sim.base_url()),
        "headers": headers,
        "uploadBodySchema": null,
    }))
    .into_response())
}

/// `PUT <url>`: object storage, not the Genesys API; refusals are storage's (see `uploads`).
pub(crate) async fn upload(
    State(sim): State<Arc<Sim>>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match store_upload(&sim, &key, uri.query(), &headers, body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn store_upload(
    sim: &Sim,
    key: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), StorageRefusal> {
    check_request(headers, query)?;
    let limits = &sim.config.limits;
    let bytes = read_limited(body, limits.upload_bytes).await.map_err(StorageRefusal::too_large)?;
    sim.state.lock().await.uploads.put(key, bytes, limits)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    upload_key: Option<String>,
}

/// What an upload says about itself, for the journal.
fn describe(decoded: &Decoded, elapsed_ms: u64, current_version: i64) -> WriteAttempt {
    let mut a = WriteAttempt::received(WriteKind::GenesysUpdate, elapsed_ms, current_version);
    let b = &decoded.body;
    a.payload_sha256 = Some(decoded.sha256.clone());
    a.schedule_version_sent = b.metadata.as_ref().and_then(|m| m.version);
    a.published = b.published;
    for s in &b.agent_schedules {
        if let Some(u) = &s.user_id {
            a.agent_versions_sent.insert(u.as_str().to_string(), s.metadata.as_ref().and_then(|m| m.version));
        }
    }
    a
}

/// Journal entry for an update a fault answered (body is the `{uploadKey}` request; the key is not taken).
pub(crate) async fn describe_faulted(sim: &Sim, body: &[u8]) -> WriteAttempt {
    let key = serde_json::from_slice::<UpdateRequest>(body).ok().and_then(|r| r.upload_key);
    let (gzip, version) = {
        let st = sim.state.lock().await;
        (key.and_then(|k| st.uploads.peek(&k)), st.store.schedule_version())
    };
    match gzip {
        Some(g) => match decode(sim, g).await {
            Ok(d) => describe(&d, 0, version),
            Err(_) => WriteAttempt::received(WriteKind::GenesysUpdate, 0, version),
        },
        None => WriteAttempt::received(WriteKind::GenesysUpdate, 0, version),
    }
}

/// `POST S/update`: 400s for a malformed request are synchronous; an update refused on arrival (stale version,
/// data conflict) is answered synchronously only with `errorDelivery: "sync"`; everything else is 202
/// `Processing`, judged and applied when processing ends.
pub(crate) async fn update(
    State(sim): State<Arc<Sim>>,
    Path(ids): Path<(String, String, String)>,
    post: Option<Extension<PostFaults>>,
    JsonBody(body): JsonBody,
) -> Response {
    let post = post.map(|Extension(p)| p).unwrap_or_default();
    let elapsed_ms = sim.elapsed_ms();
    let (mut resp, attempt) = match update_inner(&sim, ids, post, &body, elapsed_ms).await {
        Ok(done) => done,
        Err((e, attempt)) => {
            let mut a = match attempt {
                Some(a) => a,
                // Refused before the upload could be read (bad key, wrong schedule): still a write attempt.
                None => {
                    let version = sim.state.lock().await.store.schedule_version();
                    WriteAttempt::received(WriteKind::GenesysUpdate, elapsed_ms, version)
                }
            };
            a.status = e.body.status;
            (e.into_response(), Some(a))
        }
    };
    if let Some(a) = attempt {
        let seq = sim.journal().push_attempt(a);
        resp.extensions_mut().insert(AttemptSeq(seq));
    }
    resp
}

type Refused = (ApiError, Option<WriteAttempt>);

async fn update_inner(
    sim: &Arc<Sim>,
    (bu, week, sid): (String, String, String),
    post: PostFaults,
    body: &[u8],
    elapsed_ms: u64,
) -> Result<(Response, Option<WriteAttempt>), Refused> {
    let req: UpdateRequest = json_body(body).map_err(|e| (e, None))?;
    let key = req.upload_key.ok_or_else(|| (ApiError::bad_request("uploadKey is required"), None))?;
    let gzip = {
        let mut st = sim.state.lock().await;
        check_schedule(&st.store, &bu, &week, &sid).map_err(|e| (e, None))?;
        let ttl = sim.config.limits.upload_ttl;
        st.uploads.take(&key, &(bu, week, sid.clone()), ttl).map_err(|e| (e, None))?
    };
    // Decompressed and parsed outside the state lock; a refusal gives the held bytes back.
    let decoded = match decode(sim, gzip.clone()).await {
        Ok(d) => d,
        Err(message) => {
            let version = {
                let mut st = sim.state.lock().await;
                st.uploads.release(gzip.len());
                st.store.schedule_version()
            };
            let mut a = WriteAttempt::received(WriteKind::GenesysUpdate, elapsed_ms, version);
            a.outcome = AttemptOutcome::BadRequest;
            return Err((ApiError::bad_request(format!("Invalid schedule update: {message}")), Some(a)));
        }
    };
    let mut guard = sim.state.lock().await;
    let st = &mut *guard;
    let mut attempt = describe(&decoded, elapsed_ms, st.store.schedule_version());
    // Judged on arrival only to answer what is answered synchronously; the store changes when processing ends.
    let mut scratch_ids = st.next_shift_id;
    let judged = apply_upload(&st.store, &decoded.body, &mut scratch_ids, &sim.config.limits);
    if let Err(rej) = judged {
        let sync = st.switches.error_delivery == ErrorDelivery::Sync || matches!(rej, Rejection::BadRequest(_));
        if sync {
            st.uploads.release(gzip.len());
            attempt.outcome = outcome(&rej);
            if let Rejection::Conflicts { listed, .. } = &rej {
                attempt.conflicts = listed.iter().map(|(c, _)| c.clone()).collect();
            }
            let how = Reporting {
                version_as_400: st.switches.version_conflict_as_400,
                explain: st.switches.explain_conflicts,
                limits: &sim.config.limits,
            };
            return Err((to_api_error(&rej, &sid, how), Some(attempt)));
        }
    }
    let operation_id = uuid::Uuid::new_v4().to_string();
    attempt.outcome = AttemptOutcome::Processing;
    attempt.status = StatusCode::ACCEPTED.as_u16();
    attempt.operation_id = Some(operation_id.clone());
    let attempt_seq = sim.journal().push_attempt(attempt);
    let pending = PendingUpdate { operation_id: operation_id.clone(), gzip, attempt_seq, post: post.0 };
    begin(sim, st, pending);
    drop(guard);
    let mut resp =
        (StatusCode::ACCEPTED, Json(json!({ "status": "Processing", "operationId": operation_id }))).into_response();
    resp.extensions_mut().insert(AttemptSeq(attempt_seq));
    Ok((resp, None))
}
