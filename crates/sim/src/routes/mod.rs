//! The route table (documented in the crate docs) and small helpers the handlers share.

pub(crate) mod control;
pub(crate) mod notify;
pub(crate) mod oauth;
pub(crate) mod reads;
pub(crate) mod rest;
pub(crate) mod update;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{middleware, Router};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use shiftgate_model::time::parse_date;

use crate::api_error::ApiError;
use crate::state::Sim;
use crate::store::Store;

const WFM: &str = "/api/v2/workforcemanagement";

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    let schedule = format!("{WFM}/businessunits/{{bu}}/weeks/{{week}}/schedules/{{sid}}");
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route(&format!("{WFM}/businessunits/{{bu}}"), get(reads::business_unit))
        .route(&format!("{WFM}/businessunits/{{bu}}/activitycodes"), get(reads::activity_codes))
        .route(&format!("{WFM}/businessunits/{{bu}}/weeks/{{week}}/schedules"), get(reads::list_schedules))
        .route(&schedule, get(reads::schedule_metadata))
        .route(&format!("{schedule}/agentschedules/query"), post(reads::agent_schedules))
        .route(&format!("{schedule}/update/uploadurl"), post(update::upload_url))
        .route(&format!("{schedule}/update"), post(update::update))
        .route("/uploads/{key}", put(update::upload))
        .route(&format!("{WFM}/managementunits/{{mu}}/timeoffrequests/query"), post(reads::time_off))
        .route(&format!("{WFM}/managementunits/{{mu}}/weeks/{{week}}/shifttrades"), get(reads::shift_trades))
        .route("/api/v2/notifications/channels", post(notify::create).get(notify::list))
        .route("/api/v2/notifications/channels/{id}", get(notify::exists).delete(notify::remove))
        .route(
            "/api/v2/notifications/channels/{id}/subscriptions",
            get(notify::subscriptions).put(notify::replace).post(notify::add).delete(notify::unsubscribe),
        )
        .route("/channels/{id}", get(notify::socket))
        .route("/api/v2/wfm/scheduling/schedules/{id}", get(rest::get).put(rest::put))
        .merge(control::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sim.clone(), crate::gate::gate))
        .with_state(sim)
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

/// 404 unless the path names the stored business unit.
pub(crate) fn check_bu(store: &Store, bu: &str) -> Result<(), ApiError> {
    if bu == store.bu_id() {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// 400 unless a `weekId` / `weekDateId` path segment is a `yyyy-MM-dd` date ("first day of schedule week in
/// yyyy-MM-dd", wfm-api.md §1.2).
pub(crate) fn parse_week(name: &str, week: &str) -> Result<NaiveDate, ApiError> {
    parse_date(week).ok_or_else(|| ApiError::bad_request(format!("{name} must be a date in yyyy-MM-dd, got {week:?}")))
}

/// The path names the stored schedule: a malformed week is 400; another business unit, week or schedule is 404.
pub(crate) fn check_schedule(store: &Store, bu: &str, week: &str, sid: &str) -> Result<(), ApiError> {
    parse_week("weekId", week)?;
    check_bu(store, bu)?;
    if week == store.week_date() && sid == store.schedule_id() {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// 404 unless the management unit is one of the store's (the units its agents belong to).
pub(crate) fn check_mu(store: &Store, mu: &str) -> Result<(), ApiError> {
    if store.management_units().iter().any(|m| m == mu) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Parses a JSON request body; an empty body reads as `T::default()`.
pub(crate) fn json_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}
