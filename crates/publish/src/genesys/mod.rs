//! The Genesys Cloud WFM client (research/wfm-api.md §1, §6): OAuth client credentials, the schedule reads, and
//! the asynchronous update (upload URL -> gzip PUT -> update -> outcome on the notifications websocket).
//!
//! The client secret and the access token live in `SecretString`s ([`crate::oauth`]): they are exposed only to
//! build the token request's Basic header and each request's Bearer header (which reqwest marks sensitive), never
//! Debug-printed, logged, or handed to the audit.

pub mod convert;
mod notify;
mod read;
pub mod routes;
mod write;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use secrecy::SecretString;

use crate::base_url::checked_base;
use crate::canon::value_hash;
use crate::error::PublishError;
use crate::http::{Answer, Host, HttpSettings, Request, Sender};
use crate::oauth::{ClientCredentials, OAuth};
use crate::plan::UpdatePlan;
use crate::platform::{Fetched, PlatformClient, PlatformError, Submission, SubmitResult, Target};
use crate::retry::LONGEST_RETRY_AFTER;
use convert::{assemble, upload_body, GenesysReads};

/// How to reach and authenticate to a Genesys Cloud org.
#[derive(Clone, Debug)]
pub struct GenesysConfig {
    /// API base, e.g. `https://api.mypurecloud.com` (or a simulator's `http://127.0.0.1:PORT`: plain http only on
    /// loopback, see [`crate::base_url`]).
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

/// The Genesys Cloud client. Cheap to share by reference; one per run or per process.
pub struct GenesysClient {
    sender: Sender,
    settings: HttpSettings,
    oauth: OAuth,
    /// 429s waited out by reads since the last [`PlatformClient::fetch`] began.
    throttled: AtomicU32,
}

/// How many times one read is sent again after a 429 before the 429 is the read's answer.
pub const READ_RETRIES_AFTER_429: u32 = 5;

impl std::fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenesysClient")
            .field("sender", &self.sender)
            .field("client_id", &self.oauth.client_id())
            .finish_non_exhaustive()
    }
}

impl GenesysClient {
    /// Builds the client (no network I/O yet).
    pub fn new(config: GenesysConfig) -> Result<GenesysClient, PublishError> {
        let api = checked_base("the Genesys API base", &config.api_base)?;
        let login = checked_base("the Genesys login base", &config.login_base.unwrap_or_else(|| login_base_for(&api)))?;
        Ok(GenesysClient {
            sender: Sender::new(&config.http, api, login)?,
            settings: config.http,
            oauth: OAuth::new(ClientCredentials::new(config.client_id, config.client_secret))?,
            throttled: AtomicU32::new(0),
        })
    }

    /// Sends one request with the credential it asks for (a bearer request answered 401 gets one token refresh).
    async fn send(&self, req: &Request) -> Result<Answer, PlatformError> {
        self.oauth.send(&self.sender, req).await
    }

    /// Sends a read and returns its JSON, or the error naming the request. A read answered 429 with a
    /// `Retry-After` in seconds of at most [`LONGEST_RETRY_AFTER`] is sent again once that wait is over, up to
    /// [`READ_RETRIES_AFTER_429`] times (as the SDKs retry 429, research/wfm-api.md §1.11): a week is read in
    /// `3 + 3 × units + 1` requests, and starting the whole read over after a 429 would never finish under a
    /// limit smaller than that. The wait itself is the rate-limit budget's ([`crate::pacing`]): a 429 holds
    /// every request of this client, not only the one that got it. Reads change nothing, so sending one again is
    /// safe. Writes are never resent here: the state machine decides (and audits) those.
    async fn read(&self, req: &Request) -> Result<serde_json::Value, PlatformError> {
        let mut waits = 0;
        loop {
            let answer = self.send(req).await?;
            let wait = answer
                .retry_after
                .as_deref()
                .and_then(|h| h.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .filter(|&w| w <= LONGEST_RETRY_AFTER);
            let Some(wait) = wait.filter(|_| answer.status == 429 && waits < READ_RETRIES_AFTER_429) else {
                return answer.json();
            };
            waits += 1;
            self.throttled.fetch_add(1, Ordering::Relaxed);
            // The budget holds only requests to the API host; a 429 from another origin (a pre-signed download)
            // is waited out here, or the read would be resent at once.
            if !matches!(req.host, Host::Api) {
                tokio::time::sleep(wait).await;
            }
        }
    }
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
        self.throttled.store(0, Ordering::Relaxed);
        let reads = self.read_week(target).await?;
        let mut fetched = Fetched::new(assemble(&reads)?, None);
        fetched.throttled = self.throttled.swap(0, Ordering::Relaxed);
        Ok(fetched)
    }

    async fn fetch_agents(&self, target: &Target, plan: &UpdatePlan) -> Result<Fetched, PlatformError> {
        self.throttled.store(0, Ordering::Relaxed);
        let Some((schedule, agent_schedules)) = self.read_agents(target, plan).await? else {
            return self.fetch(target).await;
        };
        let reads = GenesysReads { schedule, agent_schedules, ..GenesysReads::default() };
        let mut fetched = Fetched::new(assemble(&reads)?, None);
        fetched.partial = true;
        fetched.throttled = self.throttled.swap(0, Ordering::Relaxed);
        Ok(fetched)
    }

    async fn submit(&self, target: &Target, submission: &Submission) -> SubmitResult {
        self.write(target, submission).await
    }

    fn traffic(&self) -> crate::pacing::Traffic {
        self.sender.traffic()
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
    fn credentials_never_go_out_in_clear_text_or_in_the_url() {
        let refused = |cfg: GenesysConfig| match GenesysClient::new(cfg) {
            Err(PublishError::Config(m)) => m,
            other => panic!("expected a configuration error, got {other:?}"),
        };
        let clear = GenesysConfig::new("http://api.mypurecloud.com", "c", SecretString::from("s"));
        assert!(refused(clear).starts_with("the Genesys API base must use https://"));
        let userinfo = GenesysConfig::new("https://me:hunter2@api.mypurecloud.com", "c", SecretString::from("s"));
        assert!(!refused(userinfo).contains("hunter2"));
        let mut login = GenesysConfig::new("https://api.mypurecloud.com", "c", SecretString::from("s"));
        login.login_base = Some("http://login.mypurecloud.com".into());
        assert!(refused(login).starts_with("the Genesys login base must use https://"));
        // A simulator on this machine is fine.
        assert!(GenesysClient::new(GenesysConfig::new("http://127.0.0.1:9", "c", SecretString::from("s"))).is_ok());
    }
}
