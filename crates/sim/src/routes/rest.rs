//! The simple REST contract: the whole snapshot under a strong ETag, written back with `If-Match`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shiftgate_model::format::WireSnapshot;

use crate::api_error::{ApiError, ApiResult};
use crate::apply::{apply_rest, Rejection};
use crate::body::SnapshotBody;
use crate::config::Limits;
use crate::journal::{sha256_hex, AttemptOutcome, LandedStates, WriteAttempt, WriteKind};
use crate::rejection::{outcome, to_api_error, Reporting};
use crate::state::{AttemptSeq, Sim, State as SimState};
use crate::store::{parse_owned, Store};

/// `200` with the snapshot JSON and its ETag.
fn snapshot_response(store: &Store, status: StatusCode) -> Response {
    let body = serde_json::to_vec(store.wire()).unwrap_or_default();
    let mut resp = (status, [("content-type", "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&store.etag()) {
        resp.headers_mut().insert("etag", v);
    }
    resp
}

fn check_id(store: &Store, id: &str) -> Result<(), ApiError> {
    if id == store.schedule_id() {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// The entity tags listed in `If-Match` / `If-None-Match` (`*` included as is).
fn tags(headers: &HeaderMap, name: &str) -> Option<Vec<String>> {
    let raw = headers.get(name)?.to_str().ok()?;
    Some(raw.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
}

pub(crate) async fn get(State(sim): State<Arc<Sim>>, Path(id): Path<String>, headers: HeaderMap) -> ApiResult {
    let st = sim.state.lock().await;
    check_id(&st.store, &id)?;
    if tags(&headers, "if-none-match").is_some_and(|t| t.iter().any(|t| *t == st.store.etag() || t == "*")) {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&st.store.etag()) {
            resp.headers_mut().insert("etag", v);
        }
        return Ok(resp);
    }
    Ok(snapshot_response(&st.store, StatusCode::OK))
}

/// The version named by an ETag `"v17"` (weak tags never match, so they name none).
fn tag_version(tag: &str) -> Option<i64> {
    tag.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()
}

/// Journal entry for a PUT as received.
pub(crate) fn describe(st: &SimState, headers: &HeaderMap, body: &[u8]) -> WriteAttempt {
    let mut a = WriteAttempt::received(WriteKind::RestPut, 0, st.store.schedule_version());
    a.payload_sha256 = Some(sha256_hex(body));
    a.schedule_version_sent = tags(headers, "if-match").and_then(|t| t.iter().find_map(|t| tag_version(t)));
    if let Ok(w) = serde_json::from_slice::<WireSnapshot<'_>>(body) {
        a.published = w.schedule.and_then(|s| s.published);
    }
    a
}

pub(crate) async fn put(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    SnapshotBody(body): SnapshotBody,
) -> Response {
    let mut guard = sim.state.lock().await;
    let st = &mut *guard;
    let mut attempt = describe(st, &headers, &body);
    attempt.elapsed_ms = sim.elapsed_ms();
    let result = put_inner(st, &id, &headers, &body, &mut attempt, &sim.config.limits);
    attempt.schedule_version_after = st.store.schedule_version();
    drop(guard);
    let mut resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            attempt.status = e.body.status;
            e.into_response()
        }
    };
    let seq = sim.journal().push_attempt(attempt);
    resp.extensions_mut().insert(AttemptSeq(seq));
    resp
}

fn put_inner(
    st: &mut SimState,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
    a: &mut WriteAttempt,
    limits: &Limits,
) -> ApiResult {
    check_id(&st.store, id)?;
    let Some(if_match) = tags(headers, "if-match") else {
        a.outcome = AttemptOutcome::PreconditionRequired;
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition.required",
            "This resource requires If-Match with the ETag of the schedule you read",
        ));
    };
    let current = st.store.etag();
    if !if_match.iter().any(|t| *t == current || t == "*") {
        a.outcome = AttemptOutcome::PreconditionFailed;
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition.failed",
            format!("If-Match {} does not match the current ETag {current}", if_match.join(", ")),
        )
        .param("currentETag", current));
    }
    let snapshot: WireSnapshot<'static> = parse_owned(body).map_err(|e| {
        a.outcome = AttemptOutcome::BadRequest;
        ApiError::bad_request(format!("Invalid snapshot body: {e}"))
    })?;
    match apply_rest(&st.store, &snapshot, limits) {
        Err(rej) => {
            a.outcome = outcome(&rej);
            if let Rejection::Conflicts { listed, .. } = &rej {
                a.conflicts = listed.iter().map(|(c, _)| c.clone()).collect();
            }
            // The REST contract always says why (the seed's `conflicts` list).
            let how = Reporting { version_as_400: false, explain: true, limits };
            Err(to_api_error(&rej, st.store.schedule_id(), how))
        }
        Ok(accepted) => {
            let before = std::mem::replace(&mut st.store, accepted.store);
            if st.switches.record_states {
                a.states = Some(LandedStates::new(&before, &st.store));
            }
            a.outcome = AttemptOutcome::Applied;
            a.changed_agents = accepted.changed_agents;
            a.status = 200;
            Ok(snapshot_response(&st.store, StatusCode::OK))
        }
    }
}
