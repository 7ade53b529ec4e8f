//! The asynchronous update (research/wfm-api.md §1.5, §6): upload URL -> gzip PUT to the pre-signed URL ->
//! notification channel, socket and subscription -> update -> outcome on the socket.
//!
//! The channel is subscribed after the upload and before the update: nothing can complete before the update is
//! started, there is no polling route and no replay, and an upload that fails then costs no channel.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use super::notify::{Listener, Outcome};
use super::routes;
use super::GenesysClient;
use crate::http::Answer;
use crate::platform::{PlatformError, Response, Step, Submission, SubmitResult, Target};

/// Longest silence on the notification socket before it counts as lost (Genesys heartbeats every 30 s).
const HEARTBEAT_GAP: Duration = Duration::from_secs(75);

/// How a step ended when it did not succeed: the result to report.
fn stopped(step: Step, response: Response, context_id: Option<String>, detail: String) -> SubmitResult {
    SubmitResult { response, step, context_id, operation_id: None, detail: Some(detail) }
}

/// A non-success answer as the result: the status and body for classification, the sanitised story for people.
fn refused(a: Answer) -> SubmitResult {
    let detail = a.describe();
    let (step, context_id) = (a.step, a.context_id.clone());
    stopped(step, Response::Http { status: a.status, body: a.body, retry_after: a.retry_after }, context_id, detail)
}

/// A request that got no usable answer. A refusal of the token request is still an HTTP answer (nothing was
/// written); a transport failure, an oversized or undecodable answer leaves the outcome unknown.
fn failed(e: PlatformError) -> SubmitResult {
    let detail = e.to_string();
    match e {
        PlatformError::Http { step, status, retry_after, context_id, .. } => {
            stopped(step, Response::Http { status, body: None, retry_after }, context_id, detail)
        }
        PlatformError::Redirect { step, status, .. } => {
            stopped(step, Response::Http { status, body: None, retry_after: None }, None, detail)
        }
        e => stopped(e.step(), Response::NoResponse { reason: detail.clone() }, None, detail),
    }
}

fn field<'a>(a: &'a Answer, k: &str) -> Option<&'a str> {
    a.body.as_ref().and_then(|b| b.get(k)).and_then(Value::as_str)
}

fn gzip(body: &Value) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(serde_json::to_vec(body).map_err(std::io::Error::other)?.as_slice())?;
    enc.finish()
}

impl GenesysClient {
    /// Sends a request; a success comes back as its answer, anything else as the result to report.
    async fn step(&self, req: &crate::http::Request) -> Result<Answer, SubmitResult> {
        match self.send(req).await {
            Ok(a) if a.is_success() => Ok(a),
            Ok(a) => Err(refused(a)),
            Err(e) => Err(failed(e)),
        }
    }

    /// The upload-and-update flow for one submission.
    pub(super) async fn write(&self, t: &Target, s: &Submission) -> SubmitResult {
        match self.write_steps(t, s).await {
            Ok(r) | Err(r) => r,
        }
    }

    async fn write_steps(&self, t: &Target, s: &Submission) -> Result<SubmitResult, SubmitResult> {
        let gz = gzip(&s.body).map_err(|e| {
            let reason = format!("cannot compress the payload: {e}");
            stopped(Step::UploadUrl, Response::NoResponse { reason: reason.clone() }, None, reason)
        })?;
        let slot = self.step(&routes::upload_url(t, gz.len())).await?;
        let (Some(upload_key), Some(url)) = (field(&slot, "uploadKey"), field(&slot, "url")) else {
            let reason = format!("{}: the answer has no uploadKey or url", slot.request);
            return Err(stopped(Step::UploadUrl, Response::NoResponse { reason: reason.clone() }, None, reason));
        };
        let headers = slot.body.as_ref().and_then(|b| b.get("headers")).and_then(Value::as_object);
        self.step(&routes::upload(url, &headers.cloned().unwrap_or_default(), gz)).await?;

        let channel = self.step(&routes::create_channel()).await?;
        let (Some(channel_id), Some(connect_uri)) = (field(&channel, "id"), field(&channel, "connectUri")) else {
            let reason = format!("{}: the answer has no id or connectUri", channel.request);
            return Err(stopped(Step::Channel, Response::NoResponse { reason: reason.clone() }, None, reason));
        };
        let topic = routes::schedule_topic(&t.business_unit_id);
        let mut listener = Listener::connect(connect_uri, topic.clone(), self.settings.connect_timeout)
            .await
            .map_err(|reason| stopped(Step::Channel, Response::NoResponse { reason: reason.clone() }, None, reason))?;
        let subscribed = self.step(&routes::subscribe(channel_id, &topic)).await?;
        let entities = subscribed.body.as_ref().and_then(|b| b.get("entities")).and_then(Value::as_array);
        if entities.is_some_and(|e| e.iter().any(|x| x.get("state").and_then(Value::as_str) == Some("Rejected"))) {
            let detail = format!("{}: the platform rejected the subscription", subscribed.request);
            let response = Response::Http { status: 403, body: subscribed.body, retry_after: None };
            return Err(stopped(Step::Channel, response, None, detail));
        }

        let update = self.step(&routes::update(t, upload_key)).await?;
        let mut result = SubmitResult {
            response: Response::AsyncComplete,
            step: Step::Update,
            context_id: update.context_id.clone(),
            operation_id: field(&update, "operationId").map(str::to_string),
            detail: None,
        };
        match field(&update, "status") {
            Some("Complete") => return Ok(result),
            Some("Error" | "Canceled") => {
                result.response = Response::AsyncError { detail: update.body.clone() };
                return Ok(result);
            }
            _ => {}
        }
        let Some(op) = result.operation_id.clone() else {
            let reason = format!("{}: the answer has no operationId", update.request);
            result.response = Response::NoResponse { reason: reason.clone() };
            result.detail = Some(reason);
            return Ok(result);
        };
        let silence = HEARTBEAT_GAP.min(self.settings.outcome_timeout);
        result.step = Step::Outcome;
        result.response = match listener.outcome(&op, silence, self.settings.outcome_timeout).await {
            Outcome::Complete => Response::AsyncComplete,
            Outcome::Error(event) => Response::AsyncError { detail: Some(event) },
            Outcome::Lost(reason) => Response::NoResponse { reason },
        };
        Ok(result)
    }
}
