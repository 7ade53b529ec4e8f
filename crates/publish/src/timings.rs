//! Where a run's time went, told truthfully: work (reads, validation, payload, writes) apart from waits, each
//! kind of wait on its own line (rate-limit pacing, Retry-After, backoff, settling), and the requests sent per
//! route. In the JSON report (`timings`) and behind `shiftgate publish --timings`.

use std::time::Duration;

use serde::Serialize;

use crate::pacing::{RouteTraffic, Traffic};
use crate::retry::millis;

/// A kind of wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitKind {
    /// The rate-limit budget was spent: requests waited for the window to end (`inin-ratelimit-*` headers).
    RateLimitPacing,
    /// A 429 asked to wait (`Retry-After`), in the client or in the state machine.
    RetryAfter,
    /// The optional `--rate` ceiling.
    RateCap,
    /// Backoff after a 5xx, a timeout or a lost answer.
    TransientBackoff,
    /// A 5xx asked to wait (its `Retry-After`) before anything more was sent.
    Unavailable,
    /// Backoff after a version conflict, before reading again.
    VersionConflictBackoff,
    /// Gaps between re-reads while a write settles or is verified.
    Settling,
}

impl WaitKind {
    /// For people.
    pub fn describe(self) -> &'static str {
        match self {
            WaitKind::RateLimitPacing => "waiting: rate-limit budget spent (pacing)",
            WaitKind::RetryAfter => "waiting: Retry-After of a 429",
            WaitKind::RateCap => "waiting: the --rate ceiling",
            WaitKind::TransientBackoff => "waiting: backoff after transient failures",
            WaitKind::Unavailable => "waiting: Retry-After of a 5xx",
            WaitKind::VersionConflictBackoff => "waiting: backoff after version conflicts",
            WaitKind::Settling => "waiting: between re-reads while a write settles",
        }
    }

    /// The state machine's name for a sleep (`Run::sleep`'s `why`, as in the audit's `wait` records).
    pub(crate) fn of_sleep(why: &str) -> WaitKind {
        match why {
            "rateLimited" => WaitKind::RetryAfter,
            "unavailable" => WaitKind::Unavailable,
            "versionConflict" => WaitKind::VersionConflictBackoff,
            "settle" => WaitKind::Settling,
            _ => WaitKind::TransientBackoff,
        }
    }
}

/// One kind of wait over the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitTiming {
    /// Which kind.
    pub kind: WaitKind,
    /// How long, in all (`ms`).
    #[serde(rename = "ms", with = "millis")]
    pub total: Duration,
}

/// Where the run's time went. Work lines exclude the waits, which have lines of their own; the rest of the
/// total is the state machine's own bookkeeping (applying trades for the story, the diff, the audit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTimings {
    /// The whole run (`ms`).
    #[serde(rename = "totalMs", with = "millis")]
    pub total: Duration,
    /// Reading the platform, rate-limit waits excluded (`ms`).
    #[serde(rename = "readsMs", with = "millis")]
    pub reads: Duration,
    /// Validating (`ms`).
    #[serde(rename = "validationMs", with = "millis")]
    pub validation: Duration,
    /// How many validations ran.
    pub validations: u32,
    /// Agents validated, summed over the validations (a re-validation checks only the agents that changed).
    pub agents_validated: u64,
    /// Building the plan and the payload (`ms`).
    #[serde(rename = "payloadMs", with = "millis")]
    pub payload: Duration,
    /// Writing, rate-limit waits excluded (`ms`).
    #[serde(rename = "writesMs", with = "millis")]
    pub writes: Duration,
    /// Each kind of wait that happened, in [`WaitKind`] order.
    pub waits: Vec<WaitTiming>,
    /// Requests sent, all routes.
    pub requests: u32,
    /// Of them, answered 429.
    pub rate_limited: u32,
    /// Requests per route.
    pub routes: Vec<RouteTraffic>,
}

impl RunTimings {
    /// All waits together.
    pub fn waited(&self) -> Duration {
        self.waits.iter().map(|w| w.total).sum()
    }

    /// The rest of the total: neither work nor waiting.
    pub fn other(&self) -> Duration {
        self.total.saturating_sub(self.reads + self.validation + self.payload + self.writes + self.waited())
    }
}

/// Collects timings as the run goes.
#[derive(Debug, Default)]
pub(crate) struct Stopwatch {
    pub(crate) reads: Duration,
    pub(crate) validation: Duration,
    pub(crate) validations: u32,
    pub(crate) agents_validated: u64,
    pub(crate) payload: Duration,
    pub(crate) writes: Duration,
    /// The state machine's own sleeps, by kind.
    pub(crate) slept: Vec<(WaitKind, Duration)>,
}

impl Stopwatch {
    pub(crate) fn slept(&mut self, kind: WaitKind, d: Duration) {
        self.slept.push((kind, d));
    }

    /// The timings of a run that lasted `total`, given what the platform client counted.
    pub(crate) fn finish(&self, total: Duration, traffic: &Traffic) -> RunTimings {
        let mut waits: Vec<(WaitKind, Duration)> = self.slept.clone();
        waits.push((WaitKind::RateLimitPacing, traffic.paced));
        waits.push((WaitKind::RetryAfter, traffic.retry_after));
        waits.push((WaitKind::RateCap, traffic.capped));
        let mut merged: Vec<WaitTiming> = Vec::new();
        waits.sort_by_key(|w| w.0);
        for (kind, d) in waits {
            match merged.last_mut() {
                Some(last) if last.kind == kind => last.total += d,
                _ => merged.push(WaitTiming { kind, total: d }),
            }
        }
        merged.retain(|w| !w.total.is_zero());
        RunTimings {
            total,
            reads: self.reads,
            validation: self.validation,
            validations: self.validations,
            agents_validated: self.agents_validated,
            payload: self.payload,
            writes: self.writes,
            waits: merged,
            requests: traffic.requests(),
            rate_limited: traffic.rate_limited(),
            routes: traffic.routes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_of_one_kind_add_up_and_empty_kinds_are_left_out() {
        let mut w = Stopwatch { reads: Duration::from_secs(3), ..Stopwatch::default() };
        w.slept(WaitKind::Settling, Duration::from_secs(1));
        w.slept(WaitKind::RetryAfter, Duration::from_secs(2));
        w.slept(WaitKind::Settling, Duration::from_secs(3));
        let traffic = Traffic { retry_after: Duration::from_secs(5), ..Traffic::default() };
        let t = w.finish(Duration::from_secs(20), &traffic);
        let waits: Vec<(WaitKind, u64)> = t.waits.iter().map(|w| (w.kind, w.total.as_secs())).collect();
        assert_eq!(waits, [(WaitKind::RetryAfter, 7), (WaitKind::Settling, 4)]);
        assert_eq!(t.other(), Duration::from_secs(20 - 3 - 11));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["waits"][0], serde_json::json!({"kind": "retryAfter", "ms": 7000}));
        assert_eq!(json["readsMs"], 3000);
    }
}
