//! The Genesys Cloud `ErrorBody` every error response carries, and how it is sent.
//!
//! The correlation id of the request being served lives in a task-local set by the gate middleware, so an error
//! built anywhere below it carries the same `contextId` as the `ININ-Correlation-ID` header.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::conflicts::Conflict;

tokio::task_local! {
    pub(crate) static CORRELATION: String;
}

/// The id of the request being served (a fresh one outside the middleware).
pub(crate) fn correlation_id() -> String {
    CORRELATION.try_with(Clone::clone).unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// Genesys Cloud `ErrorBody` (research/wfm-api.md §1.7), plus the sim-only `conflicts` extension.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Human-readable message.
    pub message: String,
    /// Stable machine code, e.g. `version.mismatch`.
    pub code: String,
    /// The HTTP status.
    pub status: u16,
    /// The request's correlation id (same as the `ININ-Correlation-ID` header).
    pub context_id: String,
    /// The message with `{placeholders}` for `messageParams`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    /// Values for `messageWithParams`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub message_params: BTreeMap<String, String>,
    /// One entry per offending entity.
    #[serde(default)]
    pub details: Vec<Detail>,
    /// Nested errors (always empty here).
    #[serde(default)]
    pub errors: Vec<ErrorBody>,
    /// The rate limit that was hit (429 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// Sim extension, only with the `explainConflicts` switch: each data conflict with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<Conflict>>,
}

/// Genesys Cloud `Detail`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    /// Code of this detail.
    pub error_code: String,
    /// JSON path in the request body, when one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// The entity concerned (an agent's user id, the schedule id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// For data conflicts, the time range `start/end` (RFC 3339 UTC); otherwise the entity kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
}

/// Genesys Cloud `limit` of a 429.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Limit key.
    pub key: String,
    /// Limit namespace.
    pub namespace: String,
    /// Allowed requests per window.
    pub value: u64,
}

/// An error response under construction: status, body and extra headers.
#[derive(Debug)]
pub(crate) struct ApiError {
    /// Boxed: errors travel in `Result`s everywhere and should stay small.
    pub body: Box<ErrorBody>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            body: Box::new(ErrorBody {
                message: message.into(),
                code: code.to_string(),
                status: status.as_u16(),
                context_id: String::new(),
                ..ErrorBody::default()
            }),
            headers: Vec::new(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    pub(crate) fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not.found", "The requested operation failed with status 404")
    }

    pub(crate) fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "bad.credentials", "Invalid login credentials.")
    }

    pub(crate) fn server_error(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match status.as_u16() {
            503 => "service.unavailable",
            502 => "bad.gateway",
            504 => "gateway.timeout",
            _ => "internal.server.error",
        };
        ApiError::new(status, code, format!("The requested operation failed with status {}", status.as_u16()))
    }

    pub(crate) fn detail(mut self, d: Detail) -> Self {
        self.body.details.push(d);
        self
    }

    pub(crate) fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.body.message_params.insert(key.to_string(), value.into());
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The body as it will be sent (with this request's correlation id).
    pub(crate) fn finished_body(&self) -> ErrorBody {
        ErrorBody { context_id: correlation_id(), ..(*self.body).clone() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.finished_body();
        let mut resp = (status, axum::Json(body)).into_response();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}

/// Handlers return this: a response either way.
pub(crate) type ApiResult = Result<Response, ApiError>;
