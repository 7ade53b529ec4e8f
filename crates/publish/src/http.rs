//! The HTTP plumbing both platform clients share. A request is first described as data ([`Request`], built by the
//! pure route modules [`crate::genesys::routes`] and [`crate::rest`]), then sent by one thin function that adds
//! the credential its [`Auth`] asks for, never follows a redirect, and reads the answer in chunks up to the
//! request's cap.
//!
//! Why no redirects: a 3xx would carry the `Authorization` header (Basic client credentials, or the bearer token)
//! to whatever host the `Location` names. A platform API that moved is a configuration problem the user must see,
//! so a 3xx is an error naming the (sanitised) Location.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::classify::{context_id, error_code};
use crate::error::PublishError;
pub use crate::hidden::sanitize;
use crate::pacing::{Budget, RateHeaders, Traffic};
use crate::platform::{PlatformError, RequestLabel, Step};
use crate::retry::millis;

/// 1 KiB, for answer caps.
pub const KIB: u64 = 1024;
/// 1 MiB, for answer caps.
pub const MIB: u64 = 1024 * KIB;

/// Timeouts and pacing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// TCP + TLS connect timeout.
    #[serde(with = "millis")]
    pub connect_timeout: Duration,
    /// Whole-request timeout for API calls.
    #[serde(with = "millis")]
    pub request_timeout: Duration,
    /// Timeout for the upload to the pre-signed URL.
    #[serde(with = "millis")]
    pub upload_timeout: Duration,
    /// How long to wait for an update's outcome on the notification channel (also the silence after which the
    /// socket counts as lost: Genesys sends a heartbeat every 30 s).
    #[serde(with = "millis")]
    pub outcome_timeout: Duration,
    /// An optional ceiling on top of the platform's own rate-limit headers ([`crate::pacing`]): sustained
    /// requests per second to the API host (0: none, the default: the headers pace the client).
    pub requests_per_second: f64,
    /// Burst size of that ceiling.
    pub burst: u32,
    /// How many management units are read at once (each unit's reads are independent; the rate-limit budget
    /// still bounds how many requests go out).
    pub concurrent_reads: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(120),
            outcome_timeout: Duration::from_secs(90),
            requests_per_second: 0.0,
            burst: 5,
            concurrent_reads: 4,
        }
    }
}

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

impl Method {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// Which server a request goes to.
#[derive(Clone, PartialEq, Eq)]
pub enum Host {
    /// The platform's API host (`--api` / the region's host).
    Api,
    /// The OAuth login host (Genesys: `login.` beside `api.`).
    Login,
    /// A URL the platform handed out (pre-signed upload or download). Its query is a credential: it is sent
    /// only to that URL and printed only without its query.
    Presigned(String),
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Api => f.write_str("Api"),
            Host::Login => f.write_str("Login"),
            Host::Presigned(url) => write!(f, "Presigned({})", without_query(url)),
        }
    }
}

/// What authenticates a request. The secret is added when it is sent, so a [`Request`] never holds one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Nothing (pre-signed URLs carry their own authorisation).
    None,
    /// `Authorization: Basic base64(clientId:clientSecret)` (the OAuth token request only).
    Basic,
    /// `Authorization: Bearer <access token>`.
    Bearer,
}

/// A request body.
#[derive(Clone, PartialEq)]
pub enum Body {
    /// No body at all.
    Empty,
    /// `application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`.
    Form(String),
    /// Raw bytes; the headers say what they are.
    Bytes(Vec<u8>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Json(v) => write!(f, "Json({v})"),
            Body::Form(s) => write!(f, "Form({s:?})"),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

/// One request, fully described before anything is sent: the unit the route tests pin.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Which route it is, without ids (`POST .../agentschedules/query`): what request counts are kept by.
    pub route: &'static str,
    /// What it is for, as a user reads it ("reading time-off requests of management unit mu-1").
    pub purpose: String,
    /// The publish step it belongs to (audit).
    pub step: Step,
    /// Method.
    pub method: Method,
    /// Where it goes.
    pub host: Host,
    /// Path below the host (empty for [`Host::Presigned`]: the URL is complete).
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// Headers that matter to the platform (transport headers such as Host and Content-Length are added when
    /// sent; `Content-Type` follows from the body unless given here).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
    /// Which credential to attach.
    pub auth: Auth,
    /// The most answer bytes to read; a longer answer is [`PlatformError::TooLarge`].
    pub cap: u64,
}

impl Request {
    /// The request as errors name it: purpose, method and path (never a pre-signed URL's query).
    pub fn label(&self) -> RequestLabel {
        let path = match &self.host {
            Host::Presigned(url) => without_query(url),
            _ => self.path.clone(),
        };
        RequestLabel { purpose: self.purpose.clone(), method: self.method.as_str(), path }
    }

    /// The body's JSON, if it is JSON (for tests and dry runs).
    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }
}

/// `scheme://host[:port]/path` of a URL: no user info, query or fragment. What cannot be parsed prints as a
/// placeholder, since it could be anything.
pub(crate) fn without_query(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            sanitize(&format!("{}://{}{port}{}", u.scheme(), u.host_str().unwrap_or(""), u.path()), 300)
        }
        Err(_) => "(an unparseable URL)".to_string(),
    }
}

/// A secret to attach, matching the request's [`Auth`].
pub(crate) enum Credential<'a> {
    /// Client id and secret for [`Auth::Basic`].
    Basic(&'a str, &'a SecretString),
    /// The access token for [`Auth::Bearer`].
    Bearer(&'a SecretString),
}

impl HttpSettings {
    /// The slowest pacing taken: one request per 1,000 s. Anything slower is a typo, and would overflow the wait
    /// it computes (`1e-300` requests per second is a wait of 1e300 s, past what a `Duration` holds).
    pub const MIN_REQUESTS_PER_SECOND: f64 = 0.001;

    /// A ceiling on the request rate as given: `0` (no ceiling: the platform's headers pace alone) or a finite
    /// number of requests per second, at least [`Self::MIN_REQUESTS_PER_SECOND`]. The one check of the rate, for
    /// the CLI's flag and for [`Sender`].
    pub fn check_rate(rate: f64) -> Result<f64, String> {
        if rate == 0.0 || (rate.is_finite() && rate >= Self::MIN_REQUESTS_PER_SECOND) {
            Ok(rate)
        } else {
            Err(format!(
                "{rate:?} is not a rate: give 0 (no ceiling) or at least {} requests per second",
                Self::MIN_REQUESTS_PER_SECOND
            ))
        }
    }
}

/// Sends requests for one platform client: the one reqwest client (it pools connections), the rate-limit budget,
/// and the bases that [`Host::Api`] and [`Host::Login`] stand for.
#[derive(Debug)]
pub(crate) struct Sender {
    http: reqwest::Client,
    budget: Budget,
    api: String,
    login: String,
    upload_timeout: Duration,
}

impl Sender {
    pub(crate) fn new(s: &HttpSettings, api: String, login: String) -> Result<Sender, PublishError> {
        HttpSettings::check_rate(s.requests_per_second)
            .map_err(|e| PublishError::Config(format!("requests per second: {e}")))?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(s.connect_timeout)
            .timeout(s.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("shiftgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PublishError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Sender {
            http,
            budget: Budget::new(s.requests_per_second, s.burst),
            api,
            login,
            upload_timeout: s.upload_timeout,
        })
    }

    fn url(&self, req: &Request) -> Result<reqwest::Url, PlatformError> {
        let text = match &req.host {
            Host::Api => format!("{}{}", self.api, req.path),
            Host::Login => format!("{}{}", self.login, req.path),
            Host::Presigned(url) => url.clone(),
        };
        let mut url = reqwest::Url::parse(&text).map_err(|e| PlatformError::Decode {
            step: req.step,
            message: format!("{}: not a usable URL ({e})", req.label()),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(PlatformError::Decode {
                step: req.step,
                message: format!("{}: only http(s) URLs are followed", req.label()),
            });
        }
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// Sends one request (after pacing) and reads its answer, at most `req.cap` bytes of it. The credential is
    /// attached only when the request asks for that kind, and never to a pre-signed URL.
    pub(crate) async fn send(
        &self,
        req: &Request,
        credential: Option<Credential<'_>>,
    ) -> Result<Answer, PlatformError> {
        let url = self.url(req)?;
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut builder = self.http.request(method, url);
        let presigned = matches!(req.host, Host::Presigned(_));
        builder = match (req.auth, credential) {
            (Auth::Basic, Some(Credential::Basic(id, secret))) if !presigned => {
                builder.basic_auth(id, Some(secret.expose_secret()))
            }
            (Auth::Bearer, Some(Credential::Bearer(token))) if !presigned => builder.bearer_auth(token.expose_secret()),
            _ => builder,
        };
        if matches!(req.step, Step::Upload) {
            builder = builder.timeout(self.upload_timeout);
        }
        let has = |name: &str| req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(v) if has("content-type") => builder.body(serde_json::to_vec(v).unwrap_or_default()),
            Body::Json(v) => builder.json(v),
            Body::Form(f) if has("content-type") => builder.body(f.clone()),
            Body::Form(f) => {
                builder.header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(f.clone())
            }
            Body::Bytes(b) => builder.body(b.clone()),
        };
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        // Only the API host's answers say how much of its limit is left; other origins are counted, not paced.
        let permit = self.budget.acquire(req.route, matches!(req.host, Host::Api)).await;
        let resp = builder.send().await.map_err(|e| transport(req, e))?;
        let status = resp.status().as_u16();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let rate = RateHeaders::parse(header);
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        permit.answered(rate, status, retry_after);
        read_answer(req, resp).await
    }

    /// What this client sent, per route, and how long it stood still for the rate limit.
    pub(crate) fn traffic(&self) -> Traffic {
        self.budget.traffic()
    }
}

/// Reads a response: headers, then the body in chunks, stopping at the cap.
async fn read_answer(req: &Request, mut resp: reqwest::Response) -> Result<Answer, PlatformError> {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let status = resp.status().as_u16();
    let (etag, retry_after, correlation) = (header("etag"), header("retry-after"), header("inin-correlation-id"));
    let location = (300..400).contains(&status).then(|| {
        header("location").map_or_else(
            || "(no Location given)".to_string(),
            |l| resp.url().join(&l).map_or_else(|_| "(an unparseable Location)".into(), |u| without_query(u.as_str())),
        )
    });
    let too_large = || PlatformError::TooLarge { step: req.step, cap: req.cap, request: req.label() };
    if resp.content_length().is_some_and(|n| n > req.cap) {
        return Err(too_large());
    }
    let mut bytes: Vec<u8> = Vec::new();
    if location.is_none() {
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(req, e))? {
            if (bytes.len() + chunk.len()) as u64 > req.cap {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let context_id = body.as_ref().and_then(context_id).map(str::to_string).or(correlation);
    Ok(Answer { status, body, etag, retry_after, context_id, location, request: req.label(), step: req.step })
}

/// A response read to the end (or to its cap).
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) etag: Option<String>,
    pub(crate) retry_after: Option<String>,
    pub(crate) context_id: Option<String>,
    /// For a 3xx: where it pointed, sanitised (never followed).
    pub(crate) location: Option<String>,
    pub(crate) request: RequestLabel,
    pub(crate) step: Step,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer as an error (for non-success statuses): a redirect names its Location; a refusal carries the
    /// platform's `code`, `message` and `contextId` (ErrorBody, research/wfm-api.md §1.7), sanitised.
    pub(crate) fn into_error(self) -> PlatformError {
        if let Some(location) = self.location {
            return PlatformError::Redirect { step: self.step, status: self.status, location, request: self.request };
        }
        let text =
            |k: &str| self.body.as_ref().and_then(|b| b.get(k)).and_then(Value::as_str).map(|s| sanitize(s, 500));
        PlatformError::Http {
            step: self.step,
            status: self.status,
            code: self.body.as_ref().and_then(error_code).map(|c| sanitize(c, 100)),
            message: text("message"),
            context_id: self.context_id.as_deref().map(|c| sanitize(c, 100)),
            retry_after: self.retry_after,
            request: Some(self.request),
        }
    }

    /// For people: what this (non-success) answer says, naming the request.
    pub(crate) fn describe(&self) -> String {
        self.clone().into_error().to_string()
    }

    /// The JSON body of a success, or why there is none.
    pub(crate) fn json(self) -> Result<Value, PlatformError> {
        if !self.is_success() {
            return Err(self.into_error());
        }
        let (step, request) = (self.step, self.request.clone());
        self.body.ok_or_else(|| PlatformError::Decode { step, message: format!("{request}: the answer is not JSON") })
    }
}

/// Describes a reqwest failure by the request's label, without its URL (pre-signed URLs carry credentials in their
/// query).
pub(crate) fn transport(req: &Request, e: reqwest::Error) -> PlatformError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection lost while reading the answer"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut message = format!("{}: {what}: {e}", req.label());
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(&format!(": {s}"));
        src = s.source();
    }
    PlatformError::Transport { step: req.step, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_refuses_a_rate_too_small_to_wait_for() {
        let with = |rate| HttpSettings { requests_per_second: rate, ..HttpSettings::default() };
        for rate in [1e-300, 0.000_999, -1.0, f64::NAN, f64::INFINITY] {
            let e = Sender::new(&with(rate), "https://a.example".into(), "https://l.example".into()).unwrap_err();
            assert!(e.to_string().contains("requests per second"), "{rate}: {e}");
        }
        for rate in [0.0, HttpSettings::MIN_REQUESTS_PER_SECOND, 2.0] {
            assert!(Sender::new(&with(rate), "https://a.example".into(), "https://l.example".into()).is_ok(), "{rate}");
        }
    }

    #[test]
    fn printed_urls_lose_their_query_and_user_info() {
        assert_eq!(
            without_query("https://user:pw@storage.example.com:8443/up/load?X-Amz-Signature=abc#frag"),
            "https://storage.example.com:8443/up/load"
        );
        assert_eq!(without_query("not a url"), "(an unparseable URL)");
        let req = Request {
            route: "PUT upload",
            purpose: "uploading".into(),
            step: Step::Upload,
            method: Method::Put,
            host: Host::Presigned("https://s.example.com/k?sig=secret".into()),
            path: String::new(),
            query: vec![],
            headers: vec![],
            body: Body::Bytes(vec![1, 2]),
            auth: Auth::None,
            cap: KIB,
        };
        assert!(!format!("{req:?}").contains("secret"));
        assert_eq!(req.label().to_string(), "uploading (PUT https://s.example.com/k)");
    }
}
