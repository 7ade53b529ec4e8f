//! The simple REST contract some in-house WFM systems expose (and the original incident describes):
//! `GET /api/v2/wfm/scheduling/schedules/{id}` returns the snapshot document with an `ETag`; `PUT` of the whole
//! document with `If-Match` writes it. A stale ETag answers 412 (or 409 with a version code); a data conflict
//! answers 409 with `{"conflicts": [...]}`.
//!
//! Both requests are built here as data ([`get_schedule`], [`put_schedule`]) and sent by [`crate::http::Sender`]:
//! no redirect followed (the bearer token stays with the base URL's origin), answers capped at [`SNAPSHOT_ANSWER`].
//! The token is the user's ([`RestAuth::Token`]) or bought with OAuth client credentials from the base URL's
//! own `/oauth/token` ([`RestAuth::ClientCredentials`], [`crate::oauth`]).

use secrecy::SecretString;
use serde_json::Value;

use crate::base_url::checked_base;
use crate::canon::value_hash;
use crate::error::PublishError;
use crate::http::{Answer, Auth, Body, Credential, Host, HttpSettings, Method, Request, Sender, MIB};
use crate::oauth::{ClientCredentials, OAuth};
use crate::plan::{user_id, UpdatePlan};
use crate::platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};

/// The REST schedule route.
pub const SCHEDULES: &str = "/api/v2/wfm/scheduling/schedules";

/// Largest snapshot answer read (GET, and the PUT's echo): a generated 10,000-agent week is about 40 MB.
pub const SNAPSHOT_ANSWER: u64 = 256 * MIB;

fn schedule_request(t: &Target, method: Method, purpose: String, authenticated: bool, body: Body) -> Request {
    Request {
        route: if method == Method::Put {
            "PUT /api/v2/wfm/scheduling/schedules/{scheduleId}"
        } else {
            "GET /api/v2/wfm/scheduling/schedules/{scheduleId}"
        },
        purpose,
        step: if method == Method::Put { Step::Put } else { Step::Fetch },
        method,
        host: Host::Api,
        path: format!("{SCHEDULES}/{}", crate::genesys::routes::seg(&t.schedule_id)),
        query: Vec::new(),
        headers: Vec::new(),
        body,
        auth: if authenticated { Auth::Bearer } else { Auth::None },
        cap: SNAPSHOT_ANSWER,
    }
}

/// `GET /api/v2/wfm/scheduling/schedules/{id}`: the snapshot and its `ETag`.
pub fn get_schedule(t: &Target, authenticated: bool) -> Request {
    schedule_request(t, Method::Get, format!("reading schedule {}", t.schedule_id), authenticated, Body::Empty)
}

/// `PUT /api/v2/wfm/scheduling/schedules/{id}` with `If-Match: <etag>` and the whole document.
pub fn put_schedule(t: &Target, body: &Value, etag: Option<&str>, authenticated: bool) -> Request {
    let purpose = format!("writing schedule {}", t.schedule_id);
    let mut r = schedule_request(t, Method::Put, purpose, authenticated, Body::Json(body.clone()));
    if let Some(etag) = etag {
        r.headers.push(("If-Match".into(), etag.to_string()));
    }
    r
}

/// How a REST-contract client authenticates.
#[derive(Clone, Debug, Default)]
pub enum RestAuth {
    /// No credential (a server that does not ask for one).
    #[default]
    None,
    /// A bearer token given by the user (never printed); a 401 is final, since it cannot be renewed.
    Token(SecretString),
    /// OAuth client credentials: the token comes from `POST {base_url}/oauth/token` (the grant of
    /// research/wfm-api.md §1.1, on the REST server's own origin: the seed contract names no login host, and a
    /// token bought elsewhere would be a credential crossing origins), is renewed before it expires and once
    /// after a 401, and goes only to `base_url`.
    ClientCredentials(ClientCredentials),
}

/// How to reach a REST-contract server.
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// Base URL, e.g. `https://wfm.example.com` or `http://127.0.0.1:PORT` (plain http only on loopback, see
    /// [`crate::base_url`]).
    pub base_url: String,
    /// The credential.
    pub auth: RestAuth,
    /// Timeouts and pacing.
    pub http: HttpSettings,
}

impl RestConfig {
    /// A configuration with default timeouts and pacing and no credential.
    pub fn new(base_url: impl Into<String>) -> RestConfig {
        RestConfig { base_url: base_url.into(), auth: RestAuth::None, http: HttpSettings::default() }
    }
}

/// What the client holds to authenticate.
enum Authenticator {
    None,
    Token(SecretString),
    OAuth(OAuth),
}

/// The REST-contract client.
pub struct RestClient {
    sender: Sender,
    auth: Authenticator,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("sender", &self.sender).finish_non_exhaustive()
    }
}

impl RestClient {
    /// Builds the client (no network I/O yet).
    pub fn new(config: RestConfig) -> Result<RestClient, PublishError> {
        let base = checked_base("the REST base", &config.base_url)?;
        let auth = match config.auth {
            RestAuth::None => Authenticator::None,
            RestAuth::Token(t) => Authenticator::Token(t),
            RestAuth::ClientCredentials(c) => Authenticator::OAuth(OAuth::new(c)?),
        };
        // The login base is the API base: the token is bought from, and spent at, one origin.
        Ok(RestClient { sender: Sender::new(&config.http, base.clone(), base)?, auth })
    }

    fn authenticated(&self) -> bool {
        !matches!(self.auth, Authenticator::None)
    }

    async fn send(&self, req: &Request) -> Result<Answer, PlatformError> {
        match &self.auth {
            Authenticator::None => self.sender.send(req, None).await,
            Authenticator::Token(t) => self.sender.send(req, Some(Credential::Bearer(t))).await,
            Authenticator::OAuth(o) => o.send(&self.sender, req).await,
        }
    }
}

/// The PUT body: the fetched document with the planned agents' shifts replaced and the schedule published.
/// The server treats the body's agent schedules as the whole new set, so every agent is sent.
pub fn put_body(fetched: &Value, plan: &UpdatePlan) -> Value {
    let mut doc = fetched.clone();
    if let Some(o) = doc.as_object_mut() {
        // The evaluation instant is ours, not the server's data.
        o.remove("asOf");
    }
    if let Some(list) = doc.get_mut("agentSchedules").and_then(Value::as_array_mut) {
        for a in &plan.agents {
            match list.iter_mut().find(|e| user_id(e) == Some(a.agent_id.as_str())) {
                Some(entry) => entry["shifts"] = Value::Array(a.shifts.clone()),
                None => list.push(serde_json::json!({ "user": { "id": a.agent_id }, "shifts": a.shifts })),
            }
        }
    }
    if plan.published {
        if let Some(s) = doc.get_mut("schedule").and_then(Value::as_object_mut) {
            s.insert("published".into(), Value::Bool(true));
        }
    }
    doc
}

impl PlatformClient for RestClient {
    fn name(&self) -> &'static str {
        "rest"
    }

    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        let body = put_body(&fetched.document, plan);
        Submission { payload_hash: value_hash(&body), body, plan: plan.clone(), etag: fetched.etag.clone() }
    }

    async fn fetch(&self, target: &Target) -> Result<Fetched, PlatformError> {
        let req = get_schedule(target, self.authenticated());
        let answer = self.send(&req).await?;
        let etag = answer.etag.clone();
        let body = answer.json()?;
        if !body.is_object() {
            return Err(PlatformError::Decode {
                step: Step::Fetch,
                message: format!("{}: the schedule is not a JSON object", req.label()),
            });
        }
        Ok(Fetched::new(body, etag))
    }

    fn traffic(&self) -> crate::pacing::Traffic {
        self.sender.traffic()
    }

    async fn submit(&self, target: &Target, s: &Submission) -> SubmitResult {
        let req = put_schedule(target, &s.body, s.etag.as_deref(), self.authenticated());
        match self.send(&req).await {
            Ok(a) => SubmitResult {
                context_id: a.context_id.clone(),
                detail: (!a.is_success()).then(|| a.describe()),
                response: Response::Http { status: a.status, body: a.body, retry_after: a.retry_after },
                step: Step::Put,
                operation_id: None,
            },
            Err(e) => SubmitResult {
                detail: Some(e.to_string()),
                response: Response::NoResponse { reason: e.to_string() },
                step: Step::Put,
                context_id: None,
                operation_id: None,
            },
        }
    }
}

/// Either platform, chosen at run time (`--platform genesys|rest`).
#[derive(Debug)]
pub enum AnyPlatform {
    /// Genesys Cloud.
    Genesys(crate::genesys::GenesysClient),
    /// The REST contract.
    Rest(RestClient),
}

impl PlatformClient for AnyPlatform {
    fn name(&self) -> &'static str {
        match self {
            AnyPlatform::Genesys(c) => c.name(),
            AnyPlatform::Rest(c) => c.name(),
        }
    }

    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        match self {
            AnyPlatform::Genesys(c) => c.prepare(fetched, plan),
            AnyPlatform::Rest(c) => c.prepare(fetched, plan),
        }
    }

    async fn fetch(&self, target: &Target) -> Result<Fetched, PlatformError> {
        match self {
            AnyPlatform::Genesys(c) => c.fetch(target).await,
            AnyPlatform::Rest(c) => c.fetch(target).await,
        }
    }

    async fn submit(&self, target: &Target, submission: &Submission) -> SubmitResult {
        match self {
            AnyPlatform::Genesys(c) => c.submit(target, submission).await,
            AnyPlatform::Rest(c) => c.submit(target, submission).await,
        }
    }

    async fn fetch_agents(&self, target: &Target, plan: &UpdatePlan) -> Result<Fetched, PlatformError> {
        match self {
            AnyPlatform::Genesys(c) => c.fetch_agents(target, plan).await,
            AnyPlatform::Rest(c) => c.fetch_agents(target, plan).await,
        }
    }

    fn traffic(&self) -> crate::pacing::Traffic {
        match self {
            AnyPlatform::Genesys(c) => c.traffic(),
            AnyPlatform::Rest(c) => c.traffic(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::build_plan;
    use crate::testdata;
    use shiftgate_model::apply_trades;

    #[test]
    fn put_body_moves_shifts_keeps_everything_else_and_publishes() {
        let doc = testdata::example_document();
        let snapshot = testdata::snapshot_of(&doc);
        let body = put_body(&doc, &build_plan(&snapshot, &doc, &apply_trades(&snapshot)));
        assert!(body.get("asOf").is_none());
        assert_eq!(body["schedule"]["published"], true);
        assert_eq!(body["schedule"]["metadata"]["version"], 17);
        assert_eq!(body["agentSchedules"][0]["shifts"][0]["id"], "s-9");
        assert_eq!(body["agentSchedules"][1]["shifts"][0]["id"], "s-1");
        assert_eq!(body["agentSchedules"][1]["metadata"]["version"], 9);
        assert_eq!(
            body["agentSchedules"][0]["fullDayTimeOffMarkers"],
            doc["agentSchedules"][0]["fullDayTimeOffMarkers"]
        );
        assert_eq!(body["timeOffRequests"], doc["timeOffRequests"]);
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let mut cfg = RestConfig::new("http://127.0.0.1:1");
        cfg.auth = RestAuth::Token(SecretString::from("tok-abc123"));
        assert!(!format!("{cfg:?}").contains("abc123"));
        assert!(!format!("{:?}", RestClient::new(cfg).unwrap()).contains("abc123"));
        let mut cfg = RestConfig::new("http://127.0.0.1:1");
        cfg.auth = RestAuth::ClientCredentials(ClientCredentials::new("id-1", SecretString::from("sec-abc123")));
        assert!(!format!("{cfg:?}").contains("abc123"));
        assert!(!format!("{:?}", RestClient::new(cfg).unwrap()).contains("abc123"));
        assert!(matches!(RestClient::new(RestConfig::new("ftp://x")), Err(PublishError::Config(_))));
    }

    #[test]
    fn a_token_never_goes_out_in_clear_text() {
        let mut cfg = RestConfig::new("http://wfm.example.com");
        cfg.auth = RestAuth::Token(SecretString::from("tok"));
        assert!(
            matches!(RestClient::new(cfg), Err(PublishError::Config(m)) if m.starts_with("the REST base must use https://"))
        );
        let cfg = RestConfig::new("https://me:pw@wfm.example.com");
        assert!(matches!(RestClient::new(cfg), Err(PublishError::Config(m)) if m.contains("user name or password")));
        assert!(RestClient::new(RestConfig::new("https://wfm.example.com")).is_ok());
    }
}
