//! The HTTP plumbing both platform clients share: one reqwest client (rustls), timeouts, client-side pacing, and
//! reading a response into something the rest of the crate can judge.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use crate::classify::context_id;
use crate::error::PublishError;
use crate::platform::{PlatformError, Step};
use crate::retry::millis;

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
    /// Client-side pacing: sustained requests per second (0 disables pacing).
    pub requests_per_second: f64,
    /// Client-side pacing: burst size.
    pub burst: u32,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(120),
            outcome_timeout: Duration::from_secs(90),
            requests_per_second: 2.0,
            burst: 5,
        }
    }
}

/// Builds the one client a platform client uses for all its calls (it pools connections; never one per request).
pub(crate) fn build_client(s: &HttpSettings) -> Result<reqwest::Client, PublishError> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(s.connect_timeout)
        .timeout(s.request_timeout)
        .user_agent(concat!("shiftgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PublishError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A token bucket: `rate` requests per second sustained, `burst` at once. Callers reserve a token and sleep until
/// it is theirs, so concurrent callers queue fairly instead of spinning.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Option<Instant>)>,
}

impl Pacer {
    pub(crate) fn new(rate: f64, burst: u32) -> Pacer {
        let burst = f64::from(burst.max(1));
        Pacer { rate: if rate.is_finite() { rate.max(0.0) } else { 0.0 }, burst, state: Mutex::new((burst, None)) }
    }

    /// Waits until the caller may send one request.
    pub(crate) async fn acquire(&self) {
        if self.rate <= 0.0 {
            return;
        }
        let wait = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let refill = s.1.map_or(0.0, |last| now.saturating_duration_since(last).as_secs_f64() * self.rate);
            s.0 = (s.0 + refill).min(self.burst) - 1.0;
            s.1 = Some(now);
            if s.0 >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-s.0 / self.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// A response read to the end.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) etag: Option<String>,
    pub(crate) retry_after: Option<String>,
    pub(crate) context_id: Option<String>,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer as a read error (for non-success statuses).
    pub(crate) fn into_error(self, step: Step) -> PlatformError {
        PlatformError::Http {
            step,
            status: self.status,
            code: self.body.as_ref().and_then(crate::classify::error_code).map(str::to_string),
            context_id: self.context_id,
            retry_after: self.retry_after,
        }
    }

    /// The JSON body of a success, or why there is none.
    pub(crate) fn json(self, step: Step) -> Result<Value, PlatformError> {
        if !self.is_success() {
            return Err(self.into_error(step));
        }
        self.body.ok_or_else(|| PlatformError::Decode { step, message: "the body is not JSON".into() })
    }
}

/// Sends a request (after pacing) and reads the whole response.
pub(crate) async fn send(pacer: &Pacer, req: reqwest::RequestBuilder, step: Step) -> Result<Answer, PlatformError> {
    pacer.acquire().await;
    let resp = req.send().await.map_err(|e| transport(step, e))?;
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (status, etag, retry_after, correlation) =
        (resp.status().as_u16(), header("etag"), header("retry-after"), header("inin-correlation-id"));
    let bytes = resp.bytes().await.map_err(|e| transport(step, e))?;
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    let context_id = body.as_ref().and_then(context_id).map(str::to_string).or(correlation);
    Ok(Answer { status, body, etag, retry_after, context_id })
}

/// Describes a reqwest failure without its URL (pre-signed URLs carry credentials in their query).
pub(crate) fn transport(step: Step, e: reqwest::Error) -> PlatformError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection lost while reading the response"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut message = format!("{what}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(&format!(": {s}"));
        src = s.source();
    }
    PlatformError::Transport { step, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pacing_allows_a_burst_then_the_sustained_rate() {
        let p = Pacer::new(2.0, 5);
        let t0 = Instant::now();
        for _ in 0..5 {
            p.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO, "the burst goes out at once");
        for _ in 0..4 {
            p.acquire().await;
        }
        // Four more at 2/s take two seconds.
        let e = t0.elapsed();
        assert!(e >= Duration::from_millis(1990) && e <= Duration::from_millis(2010), "{e:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn zero_rate_disables_pacing() {
        let p = Pacer::new(0.0, 1);
        let t0 = Instant::now();
        for _ in 0..100 {
            p.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO);
    }
}
