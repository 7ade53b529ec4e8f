//! Test-only routes under `/__sim/`: seed and inspect the store, read the journal, set faults and switches,
//! run the concurrent editor, expire tokens, read operation outcomes, close sockets. Never gated or logged.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::api_error::{ApiError, ApiResult};
use crate::body::{JsonBody, SnapshotBody};
use crate::config::ErrorDelivery;
use crate::editor::EditRequest;
use crate::faults::FaultPlan;
use crate::state::Sim;
use crate::store::Store;

pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/__sim/seed", post(seed))
        .route("/__sim/state", get(state))
        .route("/__sim/attempts", get(attempts))
        .route("/__sim/requests", get(requests))
        .route("/__sim/faults", get(faults).put(set_faults))
        .route("/__sim/switches", get(switches).put(set_switches))
        .route("/__sim/editor", post(editor))
        .route("/__sim/tokens/expire", post(expire_tokens))
        .route("/__sim/operations/{id}", get(operation))
        .route("/__sim/channels/{id}/closing", post(closing))
}

async fn seed(State(sim): State<Arc<Sim>>, SnapshotBody(body): SnapshotBody) -> ApiResult {
    let store = Store::from_json(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let version = store.schedule_version();
    let mut st = sim.state.lock().await;
    st.store = store;
    st.uploads.clear();
    Ok(Json(json!({ "scheduleVersion": version })).into_response())
}

async fn state(State(sim): State<Arc<Sim>>) -> ApiResult {
    let st = sim.state.lock().await;
    Ok(Json(st.store.wire()).into_response())
}

async fn attempts(State(sim): State<Arc<Sim>>) -> ApiResult {
    let list: Vec<_> = sim.journal().attempts.iter().cloned().collect();
    Ok(Json(list).into_response())
}

async fn requests(State(sim): State<Arc<Sim>>) -> ApiResult {
    let mut list: Vec<_> = sim.journal().requests.iter().cloned().collect();
    list.sort_by_key(|r| r.seq);
    Ok(Json(list).into_response())
}

async fn faults(State(sim): State<Arc<Sim>>) -> ApiResult {
    let st = sim.state.lock().await;
    Ok(Json(json!({ "faults": st.plan.to_string(), "seed": st.seed })).into_response())
}

/// Body: the spec as plain text, or `{"faults": "<spec>"}`. Resets the request counters.
async fn set_faults(State(sim): State<Arc<Sim>>, JsonBody(body): JsonBody) -> ApiResult {
    let text = String::from_utf8_lossy(&body).into_owned();
    let spec = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => v.get("faults").and_then(|f| f.as_str()).map(str::to_string).unwrap_or(text),
        Err(_) => text,
    };
    let plan = FaultPlan::parse(&spec).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut st = sim.state.lock().await;
    st.set_plan(plan, sim.config.seed);
    Ok(Json(json!({ "faults": st.plan.to_string(), "seed": st.seed })).into_response())
}

async fn switches(State(sim): State<Arc<Sim>>) -> ApiResult {
    Ok(Json(sim.state.lock().await.switches).into_response())
}

/// A typo'd switch name is refused, not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SwitchPatch {
    version_conflict_as_400: Option<bool>,
    error_delivery: Option<ErrorDelivery>,
    explain_conflicts: Option<bool>,
    record_states: Option<bool>,
    rest_requires_auth: Option<bool>,
}

/// Body: any subset of [`crate::Switches`] in camelCase; answers all of them.
async fn set_switches(State(sim): State<Arc<Sim>>, JsonBody(body): JsonBody) -> ApiResult {
    let patch: SwitchPatch = super::json_body(&body)?;
    let mut st = sim.state.lock().await;
    let s = &mut st.switches;
    s.version_conflict_as_400 = patch.version_conflict_as_400.unwrap_or(s.version_conflict_as_400);
    s.error_delivery = patch.error_delivery.unwrap_or(s.error_delivery);
    s.explain_conflicts = patch.explain_conflicts.unwrap_or(s.explain_conflicts);
    s.record_states = patch.record_states.unwrap_or(s.record_states);
    s.rest_requires_auth = patch.rest_requires_auth.unwrap_or(s.rest_requires_auth);
    Ok(Json(*s).into_response())
}

async fn editor(State(sim): State<Arc<Sim>>, JsonBody(body): JsonBody) -> ApiResult {
    let req: EditRequest = super::json_body(&body)?;
    let limit = sim.config.limits.journal_records;
    let report = sim.state.lock().await.edit(&req, limit).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(report).into_response())
}

async fn expire_tokens(State(sim): State<Arc<Sim>>) -> ApiResult {
    let now = Instant::now();
    for t in sim.state.lock().await.tokens.values_mut() {
        t.expires_at = now;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn operation(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let st = sim.state.lock().await;
    let op = st.operations.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(op).into_response())
}

async fn closing(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ApiResult {
    let st = sim.state.lock().await;
    if !st.channels.contains_key(&id) {
        return Err(ApiError::not_found());
    }
    crate::routes::notify::close_sockets(&st, &[id], sim.config.socket_close_delay);
    Ok(StatusCode::NO_CONTENT.into_response())
}
