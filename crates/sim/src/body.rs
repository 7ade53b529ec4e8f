//! Request bodies read within a limit ([`crate::Limits`]): the small JSON routes' and the snapshot routes'. A body
//! over its limit is refused with 413 after reading at most the limit, never buffered whole.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use crate::api_error::ApiError;
use crate::state::Sim;

/// The body of a small JSON route (`Limits::json_body_bytes`).
pub(crate) struct JsonBody(pub Bytes);

/// The body of a snapshot route (`Limits::snapshot_body_bytes`).
pub(crate) struct SnapshotBody(pub Bytes);

/// 413 `ErrorBody` (the code is ours \[D\]: the record does not give the platform's answer to an oversized body).
pub(crate) fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request.entity.too.large",
        format!("The request body exceeds the limit of {limit} bytes"),
    )
}

/// Reads at most `limit` bytes of a body.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, usize> {
    axum::body::to_bytes(body, limit).await.map_err(|_| limit)
}

impl FromRequest<Arc<Sim>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, sim: &Arc<Sim>) -> Result<Self, ApiError> {
        read_limited(req.into_body(), sim.config.limits.json_body_bytes).await.map(JsonBody).map_err(too_large)
    }
}

impl FromRequest<Arc<Sim>> for SnapshotBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, sim: &Arc<Sim>) -> Result<Self, ApiError> {
        read_limited(req.into_body(), sim.config.limits.snapshot_body_bytes).await.map(SnapshotBody).map_err(too_large)
    }
}
