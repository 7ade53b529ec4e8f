//! The Genesys Cloud WFM client (research/wfm-api.md §1, §6): OAuth client credentials, the schedule reads, and
//! the asynchronous update (upload URL -> gzip PUT -> update -> outcome on the notifications websocket).
//!
//! The client secret and the access token live in `SecretString`s: they are exposed only to build the token
//! request's Basic header and each request's Bearer header (which reqwest marks sensitive), never Debug-printed,
//! logged, or handed to the audit.

pub mod convert;
mod notify;

use std::io::Write;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::canon::value_hash;
use crate::error::PublishError;
use crate::http::{build_client, send, Answer, HttpSettings, Pacer};
use crate::plan::UpdatePlan;
use crate::platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};
use convert::{assemble, management_units, upload_body, GenesysReads};
use notify::{Listener, Outcome};

/// Longest silence on the notification socket before it counts as lost (Genesys heartbeats every 30 s).
const HEARTBEAT_GAP: Duration = Duration::from_secs(75);

/// How to reach and authenticate to a Genesys Cloud org.
#[derive(Clone, Debug)]
pub struct GenesysConfig {
    /// API base, e.g. `https://api.mypurecloud.com` (or a simulator's `http://127.0.0.1:PORT`).
    pub api_base: String,
    /// Login base for `POST /oauth/token`; default: the API base with `api.` replaced by `login.`.
    pub login_base: Option<String>,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret (from the environment; never printed).
    pub client_secret: SecretString,
    /// Timeouts and pacing.
    pub http: HttpSettings,
}

impl GenesysConfig {
    /// A configuration with default timeouts and pacing.
    pub fn new(api_base: impl Into<String>, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        GenesysConfig {
            api_base: api_base.into(),
            login_base: None,
            client_id: client_id.into(),
            client_secret,
            http: HttpSettings::default(),
        }
    }
}

/// `https://api.mypurecloud.com` -> `https://login.mypurecloud.com`; other hosts (a simulator) serve both.
pub fn login_base_for(api_base: &str) -> String {
    match api_base.split_once("://") {
        Some((scheme, rest)) if rest.starts_with("api.") => format!("{scheme}://login.{}", &rest[4..]),
        _ => api_base.to_string(),
    }
}

struct Token {
    secret: SecretString,
    expires: Instant,
}

/// The Genesys Cloud client. Cheap to share by reference; one per run or per process.
pub struct GenesysClient {
    http: reqwest::Client,
    pacer: Pacer,
    settings: HttpSettings,
    api: String,
    login: String,
    client_id: String,
    client_secret: SecretString,
    token: Mutex<Option<Token>>,
}

impl std::fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenesysClient")
            .field("api", &self.api)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl GenesysClient {
    /// Builds the client (no network I/O yet).
    pub fn new(config: GenesysConfig) -> Result<GenesysClient, PublishError> {
        let api = config.api_base.trim_end_matches('/').to_string();
        if !(api.starts_with("https://") || api.starts_with("http://")) {
            return Err(PublishError::Config(format!("the Genesys API base must be an http(s) URL, got {api:?}")));
        }
        if config.client_id.is_empty() || config.client_secret.expose_secret().is_empty() {
            return Err(PublishError::Config("Genesys client id and secret are required".into()));
        }
        let login = config.login_base.unwrap_or_else(|| login_base_for(&api)).trim_end_matches('/').to_string();
        Ok(GenesysClient {
            http: build_client(&config.http)?,
            pacer: Pacer::new(config.http.requests_per_second, config.http.burst),
            settings: config.http,
            api,
            login,
            client_id: config.client_id,
            client_secret: config.client_secret,
            token: Mutex::new(None),
        })
    }

    fn wfm(&self, path: &str) -> String {
        format!("{}/api/v2/workforcemanagement{path}", self.api)
    }

    /// A valid access token, fetching one if there is none or it is about to expire.
    async fn token(&self, step: Step) -> Result<SecretString, PlatformError> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires > Instant::now() + Duration::from_secs(60) {
                return Ok(t.secret.clone());
            }
        }
        let req = self
            .http
            .post(format!("{}/oauth/token", self.login))
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        let answer = send(&self.pacer, req, step).await?;
        let body = answer.json(step)?;
        let access = body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let Some(access) = access else {
            return Err(PlatformError::Decode { step, message: "the token response has no access_token".into() });
        };
        let ttl = body.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        let secret = SecretString::from(access.to_string());
        *guard = Some(Token { secret: secret.clone(), expires: Instant::now() + Duration::from_secs(ttl) });
        Ok(secret)
    }

    /// Sends an authenticated API request; on 401, refreshes the token once and sends it again.
    async fn call(
        &self,
        step: Step,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, PlatformError> {
        let token = self.token(step).await?;
        let answer = send(&self.pacer, build(&self.http).bearer_auth(token.expose_secret()), step).await?;
        if answer.status != 401 {
            return Ok(answer);
        }
        *self.token.lock().await = None;
        let token = self.token(step).await?;
        send(&self.pacer, build(&self.http).bearer_auth(token.expose_secret()), step).await
    }

    async fn get_json(&self, url: String) -> Result<Value, PlatformError> {
        self.call(Step::Fetch, |c| c.get(&url)).await?.json(Step::Fetch)
    }

    async fn post_json(&self, url: String, body: Value) -> Result<Value, PlatformError> {
        self.call(Step::Fetch, |c| c.post(&url).json(&body)).await?.json(Step::Fetch)
    }

    async fn read_all(&self, t: &Target) -> Result<GenesysReads, PlatformError> {
        let bu = &t.business_unit_id;
        let business_unit = self.get_json(self.wfm(&format!("/businessunits/{bu}?expand=settings"))).await?;
        let activity_codes = self.get_json(self.wfm(&format!("/businessunits/{bu}/activitycodes"))).await?;
        let sched_path = format!("/businessunits/{bu}/weeks/{}/schedules/{}", t.week_id, t.schedule_id);
        let schedule = self.get_json(self.wfm(&format!("{sched_path}?expand=managementUnits.agents"))).await?;
        let mut reads = GenesysReads { business_unit, activity_codes, schedule, ..GenesysReads::default() };
        let (start, end) = week_range(&t.week_id, reads.schedule.get("weekCount").and_then(Value::as_i64));
        for mu in management_units(&reads.schedule) {
            let mut answer = self
                .post_json(self.wfm(&format!("{sched_path}/agentschedules/query")), json!({ "managementUnitId": mu }))
                .await?;
            if answer.get("result").is_none() {
                if let Some(url) = answer.get("downloadUrl").and_then(Value::as_str).map(str::to_string) {
                    // Large results come as a download; the URL is pre-signed, so no auth header.
                    answer = send(&self.pacer, self.http.get(url), Step::Fetch).await?.json(Step::Fetch)?;
                } else if answer.get("agentSchedules").is_none() {
                    let status = answer.get("status").and_then(Value::as_str).unwrap_or("unknown");
                    return Err(PlatformError::Decode {
                        step: Step::Fetch,
                        message: format!("the agent schedule query of {mu} came back {status} without a result"),
                    });
                }
            }
            reads.agent_schedules.push((mu.clone(), answer));
            let query =
                json!({ "dateRange": { "startDate": start, "endDate": end }, "statuses": ["PENDING", "APPROVED"] });
            reads
                .time_off
                .push(self.post_json(self.wfm(&format!("/managementunits/{mu}/timeoffrequests/query")), query).await?);
            reads.trades.push(
                self.get_json(self.wfm(&format!("/managementunits/{mu}/weeks/{}/shifttrades", t.week_id))).await?,
            );
        }
        Ok(reads)
    }

    /// The upload-and-update flow for one submission.
    async fn write(&self, t: &Target, s: &Submission) -> SubmitResult {
        let mut result = SubmitResult {
            response: Response::NoResponse { reason: String::new() },
            step: Step::UploadUrl,
            context_id: None,
            operation_id: None,
        };
        let http_response = |a: Answer| Response::Http { status: a.status, body: a.body, retry_after: a.retry_after };
        macro_rules! stop {
            ($step:expr, $resp:expr) => {{
                result.step = $step;
                result.response = $resp;
                return result;
            }};
        }
        macro_rules! answer_or_stop {
            ($step:expr, $call:expr) => {
                match $call {
                    Ok(a) if a.is_success() => a,
                    Ok(a) => {
                        result.context_id = a.context_id.clone();
                        stop!($step, http_response(a))
                    }
                    Err(e) => stop!($step, Response::NoResponse { reason: e.to_string() }),
                }
            };
        }
        let gz = match gzip(&s.body) {
            Ok(b) => b,
            Err(e) => {
                stop!(Step::UploadUrl, Response::NoResponse { reason: format!("cannot compress the payload: {e}") })
            }
        };
        let sched_path =
            format!("/businessunits/{}/weeks/{}/schedules/{}", t.business_unit_id, t.week_id, t.schedule_id);

        // Subscribe before anything can complete: there is no polling route and no replay.
        let channel = answer_or_stop!(
            Step::Channel,
            self.call(Step::Channel, |c| c
                .post(format!("{}/api/v2/notifications/channels", self.api))
                .json(&json!({})))
                .await
        );
        let (Some(channel_id), Some(connect_uri)) = (
            channel.body.as_ref().and_then(|b| b.get("id")).and_then(Value::as_str).map(str::to_string),
            channel.body.as_ref().and_then(|b| b.get("connectUri")).and_then(Value::as_str).map(str::to_string),
        ) else {
            stop!(Step::Channel, Response::NoResponse { reason: "the channel answer has no id or connectUri".into() })
        };
        let topic = format!("v2.workforcemanagement.businessunits.{}.schedules", t.business_unit_id);
        let mut listener = match Listener::connect(&connect_uri, topic.clone(), self.settings.connect_timeout).await {
            Ok(l) => l,
            Err(reason) => stop!(Step::Channel, Response::NoResponse { reason }),
        };
        let subs_url = format!("{}/api/v2/notifications/channels/{channel_id}/subscriptions", self.api);
        let subscribed = answer_or_stop!(
            Step::Channel,
            self.call(Step::Channel, |c| c.post(&subs_url).json(&json!([{ "id": topic }]))).await
        );
        let rejected = subscribed
            .body
            .as_ref()
            .and_then(|b| b.get("entities"))
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(|x| x.get("state").and_then(Value::as_str) == Some("Rejected")));
        if rejected {
            stop!(Step::Channel, Response::Http { status: 403, body: subscribed.body, retry_after: None });
        }

        let url_answer = answer_or_stop!(
            Step::UploadUrl,
            self.call(Step::UploadUrl, |c| c
                .post(self.wfm(&format!("{sched_path}/update/uploadurl")))
                .json(&json!({ "contentLengthBytes": gz.len() })))
                .await
        );
        let body = url_answer.body.unwrap_or(Value::Null);
        let (Some(upload_key), Some(upload_url)) =
            (body.get("uploadKey").and_then(Value::as_str), body.get("url").and_then(Value::as_str))
        else {
            stop!(
                Step::UploadUrl,
                Response::NoResponse { reason: "the upload URL answer has no uploadKey or url".into() }
            )
        };
        let mut put = self.http.put(upload_url).timeout(self.settings.upload_timeout).body(gz);
        for (k, v) in body.get("headers").and_then(Value::as_object).into_iter().flatten() {
            if let Some(v) = v.as_str() {
                put = put.header(k.as_str(), v);
            }
        }
        // The pre-signed URL carries its own authorisation: no bearer token goes to storage.
        let _uploaded = answer_or_stop!(Step::Upload, send(&self.pacer, put, Step::Upload).await);

        let update = self
            .call(Step::Update, |c| {
                c.post(self.wfm(&format!("{sched_path}/update"))).json(&json!({ "uploadKey": upload_key }))
            })
            .await;
        let update = match update {
            Ok(a) => a,
            Err(e) => stop!(Step::Update, Response::NoResponse { reason: e.to_string() }),
        };
        result.context_id = update.context_id.clone();
        if !update.is_success() {
            stop!(Step::Update, http_response(update));
        }
        let body = update.body.clone().unwrap_or(Value::Null);
        result.operation_id = body.get("operationId").and_then(Value::as_str).map(str::to_string);
        match body.get("status").and_then(Value::as_str) {
            Some("Complete") => stop!(Step::Update, Response::AsyncComplete),
            Some("Error" | "Canceled") => stop!(Step::Update, Response::AsyncError { detail: Some(body) }),
            _ => {}
        }
        let Some(op) = result.operation_id.clone() else {
            stop!(Step::Update, Response::NoResponse { reason: "the update answer has no operationId".into() })
        };
        let silence = HEARTBEAT_GAP.min(self.settings.outcome_timeout);
        match listener.outcome(&op, silence, self.settings.outcome_timeout).await {
            Outcome::Complete => stop!(Step::Outcome, Response::AsyncComplete),
            Outcome::Error(event) => stop!(Step::Outcome, Response::AsyncError { detail: Some(event) }),
            Outcome::Lost(reason) => stop!(Step::Outcome, Response::NoResponse { reason }),
        }
    }
}

/// The query range for a week: local midnight is not known here, so a day of margin on each side (UTC).
fn week_range(week_id: &str, week_count: Option<i64>) -> (String, String) {
    match shiftgate_model::time::parse_date(week_id) {
        Some(d) => {
            let days = 7 * week_count.unwrap_or(1).clamp(1, 6);
            let start = d - chrono::Duration::days(1);
            let end = d + chrono::Duration::days(days + 1);
            (format!("{start}T00:00:00Z"), format!("{end}T00:00:00Z"))
        }
        None => (format!("{week_id}T00:00:00Z"), format!("{week_id}T00:00:00Z")),
    }
}

fn gzip(body: &Value) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(serde_json::to_vec(body).map_err(std::io::Error::other)?.as_slice())?;
    enc.finish()
}

impl PlatformClient for GenesysClient {
    fn name(&self) -> &'static str {
        "genesys"
    }

    fn prepare(&self, _fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        let body = upload_body(plan);
        Submission { payload_hash: value_hash(&body), body, plan: plan.clone(), etag: None }
    }

    async fn fetch(&self, target: &Target) -> Result<Fetched, PlatformError> {
        let reads = self.read_all(target).await?;
        Ok(Fetched::new(assemble(&reads), None))
    }

    async fn submit(&self, target: &Target, submission: &Submission) -> SubmitResult {
        self.write(target, submission).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_host_is_derived_from_the_api_host() {
        assert_eq!(login_base_for("https://api.mypurecloud.com"), "https://login.mypurecloud.com");
        assert_eq!(login_base_for("https://api.euw2.pure.cloud"), "https://login.euw2.pure.cloud");
        assert_eq!(login_base_for("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let cfg = GenesysConfig::new("https://api.mypurecloud.com", "client-1", SecretString::from("hunter2-secret"));
        assert!(!format!("{cfg:?}").contains("hunter2"));
        let client = GenesysClient::new(cfg).unwrap();
        assert!(!format!("{client:?}").contains("hunter2"));
    }

    #[test]
    fn bad_configuration_is_reported() {
        let bad = GenesysConfig::new("api.mypurecloud.com", "c", SecretString::from("s"));
        assert!(matches!(GenesysClient::new(bad), Err(PublishError::Config(_))));
        let empty = GenesysConfig::new("https://api.mypurecloud.com", "", SecretString::from("s"));
        assert!(matches!(GenesysClient::new(empty), Err(PublishError::Config(_))));
    }

    #[test]
    fn week_range_has_a_day_of_margin() {
        assert_eq!(week_range("2026-11-29", Some(1)), ("2026-11-28T00:00:00Z".into(), "2026-12-07T00:00:00Z".into()));
    }
}
