//! Retry timing as pure functions: how long to wait, decided from the policy, the attempt number and a random
//! number the caller draws. The state machine owns sleeping and the deadline; nothing here reads a clock or an RNG.
//!
//! The exponential ceiling comes from `backon`'s `ExponentialBuilder` (the project's backoff crate). Its own jitter
//! is additive (`d + rand·d`, i.e. between `d` and `2d`) and drawn from an internal RNG, whereas we want Brooker's
//! *full* jitter (`rand(0, d)`, the variant that does the least work under contention) from a value the caller
//! passes in, so tests can pin it. So backon supplies `min(cap, base·2^(n-1))` and we apply the jitter here.

use std::time::Duration;

use backon::BackoffBuilder;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A bounded retry budget with capped exponential backoff and full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// How many retries the budget allows (1-based attempt numbers go up to this).
    pub max_attempts: u32,
    /// Ceiling of the first delay.
    #[serde(with = "millis")]
    pub base: Duration,
    /// Largest ceiling.
    #[serde(with = "millis")]
    pub cap: Duration,
}

impl RetryPolicy {
    /// Version conflicts: 5 cycles, full jitter, base 1 s, cap 30 s (research/publisher.md defaults table).
    pub const VERSION_CONFLICT: RetryPolicy =
        RetryPolicy { max_attempts: 5, base: Duration::from_secs(1), cap: Duration::from_secs(30) };
    /// 5xx, timeouts and lost responses: 3 attempts, full jitter, base 1 s, cap 20 s.
    pub const TRANSIENT: RetryPolicy =
        RetryPolicy { max_attempts: 3, base: Duration::from_secs(1), cap: Duration::from_secs(20) };
}

/// The largest delay for 1-based `attempt`: `min(cap, base · 2^(attempt-1))`.
pub fn ceiling(policy: &RetryPolicy, attempt: u32) -> Duration {
    let n = attempt.max(1) as usize - 1;
    backon::ExponentialBuilder::default()
        .with_min_delay(policy.base)
        .with_max_delay(policy.cap)
        .with_factor(2.0)
        .without_max_times()
        .build()
        .nth(n)
        .unwrap_or(policy.cap)
        .min(policy.cap)
}

/// Full jitter: a delay uniformly in `[0, ceiling(attempt))`, where `rng_value` is a draw from `[0, 1)`.
/// Out-of-range draws are clamped, so a bad RNG can never produce a wait above the ceiling.
pub fn next_delay(policy: &RetryPolicy, attempt: u32, rng_value: f64) -> Duration {
    let r = if rng_value.is_finite() { rng_value.clamp(0.0, 1.0) } else { 0.0 };
    ceiling(policy, attempt).mul_f64(r)
}

/// How to wait out HTTP 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitPolicy {
    /// Wait used when the response has no usable `Retry-After`.
    #[serde(with = "millis")]
    pub default_wait: Duration,
    /// Longest wait the publisher accepts; a longer `Retry-After` stops the run (daily limits can ask for hours).
    /// It also bounds the `Retry-After` of a 5xx (a 503 saying how long the platform will be down).
    #[serde(with = "millis")]
    pub max_wait: Duration,
    /// Upper bound of the random extra added to the wait, so that throttled clients do not return in lockstep.
    #[serde(with = "millis")]
    pub jitter: Duration,
}

/// The longest `Retry-After` waited out by default (the .NET SDK gives up above 3 min, research/publisher.md §4;
/// daily limits can ask for hours).
pub const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(120);

impl Default for RateLimitPolicy {
    fn default() -> Self {
        RateLimitPolicy {
            default_wait: Duration::from_secs(3),
            max_wait: LONGEST_RETRY_AFTER,
            jitter: Duration::from_secs(1),
        }
    }
}

/// Parses `Retry-After`: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`), relative to
/// `now`. A date in the past means "now" (zero). Anything else is `None`.
pub fn parse_retry_after(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let h = header.trim();
    if !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit()) {
        return h.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = httpdate::parse_http_date(h).ok()?;
    let at: DateTime<Utc> = at.into();
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// What to do about a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitDecision {
    /// Sleep this long, then send again.
    Wait(Duration),
    /// The server asks for more than the policy allows: stop.
    GiveUp {
        /// What the server asked for.
        asked: Duration,
    },
}

/// Decides a 429: `Retry-After` (or the default) plus `rng_value · jitter`; stop if the server's ask exceeds
/// `max_wait`. The deadline is the caller's to check, since it knows the remaining time.
pub fn rate_limit_wait(
    policy: &RateLimitPolicy,
    retry_after: Option<&str>,
    now: DateTime<Utc>,
    rng_value: f64,
) -> RateLimitDecision {
    let asked = retry_after.and_then(|h| parse_retry_after(h, now)).unwrap_or(policy.default_wait);
    if asked > policy.max_wait {
        return RateLimitDecision::GiveUp { asked };
    }
    let r = if rng_value.is_finite() { rng_value.clamp(0.0, 1.0) } else { 0.0 };
    RateLimitDecision::Wait(asked + policy.jitter.mul_f64(r))
}

/// Durations as integer milliseconds in JSON (config files, reports).
pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ceilings_double_from_base_up_to_cap() {
        let p = RetryPolicy::VERSION_CONFLICT;
        let secs: Vec<u64> = (1..=7).map(|n| ceiling(&p, n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(ceiling(&RetryPolicy::TRANSIENT, 6), Duration::from_secs(20));
        // Attempt 0 is treated as the first attempt rather than underflowing.
        assert_eq!(ceiling(&p, 0), Duration::from_secs(1));
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let p = RetryPolicy::VERSION_CONFLICT;
        assert_eq!(next_delay(&p, 3, 0.0), Duration::ZERO);
        assert_eq!(next_delay(&p, 3, 0.5), Duration::from_secs(2));
        assert!(next_delay(&p, 3, 0.999_999) < Duration::from_secs(4));
        // A broken draw never exceeds the ceiling nor goes negative.
        assert_eq!(next_delay(&p, 3, 7.0), Duration::from_secs(4));
        assert_eq!(next_delay(&p, 3, -1.0), Duration::ZERO);
        assert_eq!(next_delay(&p, 3, f64::NAN), Duration::ZERO);
        assert_eq!(next_delay(&p, 40, 1.0), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = at("2026-11-22T18:00:00Z");
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Sun, 22 Nov 2026 18:00:30 GMT", now), Some(Duration::from_secs(30)));
        // A date already past means retry now, not a negative wait.
        assert_eq!(parse_retry_after("Sun, 22 Nov 2026 17:00:00 GMT", now), Some(Duration::ZERO));
        for bad in ["", "-5", "1.5", "soon", "99999999999999999999999"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn rate_limit_waits_adds_jitter_and_refuses_long_waits() {
        let p = RateLimitPolicy::default();
        let now = at("2026-11-22T18:00:00Z");
        assert_eq!(rate_limit_wait(&p, Some("2"), now, 0.5), RateLimitDecision::Wait(Duration::from_millis(2500)));
        // No or unreadable header: the 3 s default.
        assert_eq!(rate_limit_wait(&p, None, now, 0.0), RateLimitDecision::Wait(Duration::from_secs(3)));
        assert_eq!(rate_limit_wait(&p, Some("later"), now, 0.0), RateLimitDecision::Wait(Duration::from_secs(3)));
        assert_eq!(rate_limit_wait(&p, Some("120"), now, 0.0), RateLimitDecision::Wait(Duration::from_secs(120)));
        assert_eq!(
            rate_limit_wait(&p, Some("121"), now, 0.0),
            RateLimitDecision::GiveUp { asked: Duration::from_secs(121) }
        );
        assert_eq!(
            rate_limit_wait(&p, Some("Mon, 23 Nov 2026 18:00:00 GMT"), now, 0.0),
            RateLimitDecision::GiveUp { asked: Duration::from_secs(86_400) }
        );
    }
}
