//! Pacing from the platform's own rate-limit headers, and the count of what was sent (per route, and how long the
//! client stood still for the limit).
//!
//! Genesys Cloud allows 300 requests a minute per client-credentials client by default, per client and not per
//! endpoint, and says how much of it is used on every answer: `inin-ratelimit-allowed`, `inin-ratelimit-count` and
//! `inin-ratelimit-reset` (seconds), with `Retry-After` (seconds) on a 429 (research/wfm-api.md §1.11). The record
//! gives the names, not the semantics, so where it is silent this module takes the stricter reading and says so:
//! - `count` includes the request it answers, and the window is fixed: it ends `reset` seconds after the answer
//!   and then starts empty (the reading under which `allowed - count` is what is left).
//! - `reset` may be rounded down: the window is taken to end one second after it says ([`RESET_MARGIN`]).
//! - requests in flight have used the budget already, though no answer has counted them yet.
//! - until the first answer says how much is allowed, one request at a time (a probe); a server that sends no
//!   headers at all is paced only by its 429s (and the optional `--rate` cap).
//!
//! So a client that sends its requests through [`Budget::acquire`] never sends more than the platform says is
//! left: at the documented limit it does not meet a 429 while it is the only user of its credentials. Another
//! user of the same credentials shows in `count`; what it sends between two of our answers can still cause a
//! 429, which is honoured: the whole client waits out its `Retry-After`, not only the request that got it.
//!
//! Only requests to the API host take part: the login host and pre-signed storage URLs are other origins with
//! limits of their own, and their answers carry no such headers.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::retry::{millis, LONGEST_RETRY_AFTER};

/// How much later than `inin-ratelimit-reset` says the window is taken to end (the header is in whole seconds and
/// the record does not say whether it is rounded up or down).
pub const RESET_MARGIN: Duration = Duration::from_secs(1);

/// The rate-limit headers of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateHeaders {
    /// `inin-ratelimit-allowed`: requests allowed per window.
    pub allowed: u32,
    /// `inin-ratelimit-count`: requests counted in the current window, this one included.
    pub count: u32,
    /// `inin-ratelimit-reset`: seconds until the window ends.
    pub reset: Duration,
}

impl RateHeaders {
    /// Reads the three headers; `None` unless all three are there and are whole numbers. An `allowed` of 0 is
    /// no budget to pace by (waiting for it would never end), so it counts as no headers: a 429 still holds the
    /// client. A `reset` longer than [`LONGEST_RETRY_AFTER`] is taken as that long, so that no answer can make
    /// the client stand still for longer than a refused request may ask, nor overflow the clock.
    pub fn parse(header: impl Fn(&str) -> Option<String>) -> Option<RateHeaders> {
        let num = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let allowed = u32::try_from(num("inin-ratelimit-allowed")?).ok().filter(|&a| a > 0)?;
        Some(RateHeaders {
            allowed,
            count: u32::try_from(num("inin-ratelimit-count")?).ok()?,
            reset: Duration::from_secs(num("inin-ratelimit-reset")?).min(LONGEST_RETRY_AFTER),
        })
    }
}

/// Why the client stood still.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    /// The window's budget is spent (headers).
    Budget,
    /// A 429 asked to wait (`Retry-After`).
    RetryAfter,
    /// The optional client-side cap (`--rate`).
    Cap,
}

/// What the client sent and how long it stood still, for timings and the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Traffic {
    /// Requests per route, in route order.
    pub routes: Vec<RouteTraffic>,
    /// Time with requests waiting and none in flight because the window's budget was spent.
    #[serde(with = "millis")]
    pub paced: Duration,
    /// Time with requests waiting and none in flight because a 429 asked to wait (`Retry-After`).
    #[serde(with = "millis")]
    pub retry_after: Duration,
    /// Time with requests waiting and none in flight because of the `--rate` cap.
    #[serde(with = "millis")]
    pub capped: Duration,
}

impl Traffic {
    /// Requests sent, all routes.
    pub fn requests(&self) -> u32 {
        self.routes.iter().map(|r| r.requests).sum()
    }

    /// 429 answers, all routes.
    pub fn rate_limited(&self) -> u32 {
        self.routes.iter().map(|r| r.rate_limited).sum()
    }

    /// Time stood still for the rate limit, whatever the reason.
    pub fn waited(&self) -> Duration {
        self.paced + self.retry_after + self.capped
    }
}

/// One route's count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTraffic {
    /// The route, e.g. `POST .../agentschedules/query`.
    pub route: String,
    /// Requests sent (answered or not).
    pub requests: u32,
    /// Of them, answered 429.
    pub rate_limited: u32,
}

#[derive(Debug, Default)]
struct State {
    /// `inin-ratelimit-allowed` as last seen; `None` before the first answer.
    allowed: Option<u32>,
    /// An answer without the headers came: the server does not send them.
    no_headers: bool,
    /// The highest count seen in the current window.
    used: u32,
    /// When the current window ends (with the margin); `None`: no window known.
    window_end: Option<Instant>,
    /// A 429 asked to wait until then: nothing goes before, whatever the window says (a 429 may come from a
    /// limit other than the client's window, e.g. a resource's own).
    retry_until: Option<Instant>,
    in_flight: u32,
    waiting: u32,
    /// Since when the client stands still, and why.
    idle: Option<(Instant, Hold)>,
    /// Token bucket of the `--rate` cap: tokens left and when they were counted.
    cap_tokens: f64,
    cap_at: Option<Instant>,
    routes: BTreeMap<&'static str, RouteTraffic>,
    paced: Duration,
    retry_after: Duration,
    capped: Duration,
}

/// The client's share of the platform's rate limit: one per platform client.
#[derive(Debug)]
pub(crate) struct Budget {
    state: Mutex<State>,
    changed: Notify,
    /// `--rate`: sustained requests per second (0: none) and burst.
    cap_rate: f64,
    cap_burst: f64,
}

/// A request waiting for its place: leaves the count of waiters when it is dropped (a caller that gave up).
struct Waiter<'a> {
    budget: &'a Budget,
    waiting: bool,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if self.waiting {
            let mut s = self.budget.lock();
            s.waiting -= 1;
            s.touch(Instant::now());
        }
    }
}

fn count(s: &mut State, route: &'static str) {
    s.routes
        .entry(route)
        .or_insert_with(|| RouteTraffic { route: route.into(), ..RouteTraffic::default() })
        .requests += 1;
}

/// A request's place in the budget, held until its answer (or its failure) is known.
pub(crate) struct Permit<'a> {
    budget: &'a Budget,
    route: &'static str,
    counted: bool,
}

impl Budget {
    pub(crate) fn new(cap_rate: f64, cap_burst: u32) -> Budget {
        let cap_burst = f64::from(cap_burst.max(1));
        let cap_rate = if cap_rate.is_finite() { cap_rate.max(0.0) } else { 0.0 };
        let state = State { cap_tokens: cap_burst, ..State::default() };
        Budget { state: Mutex::new(state), changed: Notify::new(), cap_rate, cap_burst }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until one more request fits the budget (and the cap), and takes its place. `paced: false` (other
    /// origins) only counts the request.
    pub(crate) async fn acquire(&self, route: &'static str, paced: bool) -> Permit<'_> {
        if !paced {
            count(&mut self.lock(), route);
            return Permit { budget: self, route, counted: false };
        }
        let mut waiter = Waiter { budget: self, waiting: false };
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let until = {
                let mut s = self.lock();
                let now = Instant::now();
                match self.admit(&mut s, now) {
                    Ok(()) => {
                        if std::mem::take(&mut waiter.waiting) {
                            s.waiting -= 1;
                        }
                        s.in_flight += 1;
                        count(&mut s, route);
                        s.touch(now);
                        return Permit { budget: self, route, counted: true };
                    }
                    Err((until, hold)) => {
                        if !waiter.waiting {
                            s.waiting += 1;
                            waiter.waiting = true;
                        }
                        s.touch_for(now, hold);
                        until
                    }
                }
            };
            match until {
                Some(t) => {
                    tokio::select! {
                        () = &mut changed => {}
                        () = tokio::time::sleep_until(t) => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    /// Whether a request may go now; if not, until when (or until an answer changes things) and why.
    fn admit(&self, s: &mut State, now: Instant) -> Result<(), (Option<Instant>, Hold)> {
        if s.window_end.is_some_and(|end| end <= now) {
            (s.used, s.window_end) = (0, None);
        }
        if let Some(until) = s.retry_until {
            if until > now {
                return Err((Some(until), Hold::RetryAfter));
            }
            s.retry_until = None;
        }
        let fits = match s.allowed {
            Some(allowed) => s.used.saturating_add(s.in_flight) < allowed,
            None if s.no_headers => true,
            // Nothing known yet: one probe at a time.
            None => s.in_flight == 0,
        };
        if !fits {
            return Err((s.window_end, Hold::Budget));
        }
        if self.cap_rate > 0.0 {
            let refill = s.cap_at.map_or(0.0, |at| now.saturating_duration_since(at).as_secs_f64() * self.cap_rate);
            s.cap_tokens = (s.cap_tokens + refill).min(self.cap_burst);
            s.cap_at = Some(now);
            if s.cap_tokens < 1.0 {
                let wait = Duration::from_secs_f64((1.0 - s.cap_tokens) / self.cap_rate);
                return Err((Some(now + wait), Hold::Cap));
            }
            s.cap_tokens -= 1.0;
        }
        Ok(())
    }
}

impl State {
    /// Starts or ends the clock of standing still: requests wait and none is in flight.
    fn touch_for(&mut self, now: Instant, hold: Hold) {
        let idle = self.waiting > 0 && self.in_flight == 0;
        match (self.idle, idle) {
            (None, true) => self.idle = Some((now, hold)),
            (Some((since, was)), true) if was != hold => {
                self.add_idle(was, now.saturating_duration_since(since));
                self.idle = Some((now, hold));
            }
            (Some((since, was)), false) => {
                self.add_idle(was, now.saturating_duration_since(since));
                self.idle = None;
            }
            _ => {}
        }
    }

    fn touch(&mut self, now: Instant) {
        let hold = self.idle.map_or(Hold::Budget, |(_, h)| h);
        self.touch_for(now, hold);
    }

    fn add_idle(&mut self, hold: Hold, d: Duration) {
        match hold {
            Hold::Budget => self.paced += d,
            Hold::RetryAfter => self.retry_after += d,
            Hold::Cap => self.capped += d,
        }
    }

    /// Takes in what an answer says about the window.
    fn learn(&mut self, now: Instant, headers: Option<RateHeaders>, status: u16, retry_after: Option<Duration>) {
        match headers {
            Some(h) => {
                self.allowed = Some(h.allowed);
                let end = now + h.reset + RESET_MARGIN;
                match self.window_end {
                    // A window that ends clearly later than the one we know is a new one: its count starts over.
                    // Within one window the announced end moves by under a second (whole-second rounding).
                    Some(known) if end > known + 2 * RESET_MARGIN => {
                        (self.used, self.window_end) = (h.count, Some(end))
                    }
                    Some(known) => (self.used, self.window_end) = (self.used.max(h.count), Some(known.max(end))),
                    None => (self.used, self.window_end) = (self.used.max(h.count), Some(end)),
                }
            }
            None if status != 429 => self.no_headers = self.allowed.is_none(),
            None => {}
        }
        if status == 429 {
            // Whatever the headers say, the platform refused: nothing more until it says (one second when it
            // does not; the state machine applies its own default to a refused write).
            let until = now + retry_after.unwrap_or(Duration::from_secs(1)).min(LONGEST_RETRY_AFTER);
            self.retry_until = Some(self.retry_until.map_or(until, |u| u.max(until)));
        }
    }
}

impl Budget {
    /// What was sent and how long the client stood still, so far.
    pub(crate) fn traffic(&self) -> Traffic {
        let mut s = self.lock();
        // Count a wait still going on up to now.
        if let Some((since, hold)) = s.idle {
            let now = Instant::now();
            s.add_idle(hold, now.saturating_duration_since(since));
            s.idle = Some((now, hold));
        }
        Traffic {
            routes: s.routes.values().cloned().collect(),
            paced: s.paced,
            retry_after: s.retry_after,
            capped: s.capped,
        }
    }
}

impl Permit<'_> {
    /// The answer came: what it says about the window (`Retry-After` in seconds, on a 429).
    pub(crate) fn answered(mut self, headers: Option<RateHeaders>, status: u16, retry_after: Option<Duration>) {
        let mut s = self.budget.lock();
        if status == 429 {
            if let Some(r) = s.routes.get_mut(self.route) {
                r.rate_limited += 1;
            }
        }
        if self.counted {
            s.learn(Instant::now(), headers, status, retry_after);
        }
        self.release(&mut s);
    }

    fn release(&mut self, s: &mut State) {
        if self.counted {
            self.counted = false;
            s.in_flight -= 1;
            s.touch(Instant::now());
            self.budget.changed.notify_waiters();
        }
    }
}

impl Drop for Permit<'_> {
    /// No answer (a transport failure, or the caller gave up): the place is given back.
    fn drop(&mut self) {
        if self.counted {
            let budget = self.budget;
            let mut s = budget.lock();
            self.release(&mut s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "GET /x";

    fn headers(allowed: u32, count: u32, reset: u64) -> Option<RateHeaders> {
        Some(RateHeaders { allowed, count, reset: Duration::from_secs(reset) })
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_request_probes_alone_then_the_budget_left_goes_at_once() {
        let b = Budget::new(0.0, 1);
        let t0 = Instant::now();
        let p = b.acquire(R, true).await;
        // A second request waits for the probe's answer.
        let second = tokio::time::timeout(Duration::from_millis(10), b.acquire(R, true)).await;
        assert!(second.is_err(), "a second request went before anything was known");
        p.answered(headers(5, 1, 60), 200, None);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(b.acquire(R, true).await);
        }
        assert_eq!(t0.elapsed(), Duration::from_millis(10), "the four left in the window go without waiting");
        // The sixth in a window of five waits for the window's end (60 s after the first answer) plus the margin.
        for p in held.drain(..) {
            p.answered(headers(5, 5, 60), 200, None);
        }
        let before = Instant::now();
        let p = b.acquire(R, true).await;
        assert_eq!(Instant::now() - before, Duration::from_secs(60) + RESET_MARGIN);
        p.answered(headers(5, 1, 60), 200, None);
        let t = b.traffic();
        assert_eq!((t.requests(), t.rate_limited()), (6, 0));
        assert_eq!(t.paced, Duration::from_secs(60) + RESET_MARGIN);
        assert_eq!(t.retry_after, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn hostile_headers_can_neither_crash_nor_stall_the_client() {
        let answer = |allowed: &str, count: &str, reset: &str| {
            let (allowed, count, reset) = (allowed.to_string(), count.to_string(), reset.to_string());
            RateHeaders::parse(move |name| match name {
                "inin-ratelimit-allowed" => Some(allowed.clone()),
                "inin-ratelimit-count" => Some(count.clone()),
                "inin-ratelimit-reset" => Some(reset.clone()),
                _ => None,
            })
        };
        // A budget of nothing would be waited for forever: it is no budget at all.
        assert_eq!(answer("0", "0", "60"), None);
        assert_eq!(answer("300", "1", "-5"), None);
        // The longest reset believed is the longest Retry-After a request may ask.
        let huge = answer("300", "300", &u64::MAX.to_string()).unwrap();
        assert_eq!(huge.reset, LONGEST_RETRY_AFTER);

        // Answers that say "spent, back in 2^64 s" and "429, retry in 2^64 s": no overflow, and the next request
        // goes after at most the longest wait plus the margin.
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(Some(huge), 200, None);
        b.acquire(R, true).await.answered(Some(huge), 429, Some(Duration::from_secs(u64::MAX)));
        let before = Instant::now();
        b.acquire(R, true).await.answered(headers(300, 1, 60), 200, None);
        assert!(Instant::now() - before <= LONGEST_RETRY_AFTER + RESET_MARGIN, "{:?}", Instant::now() - before);
        // With `allowed: 0` counted as no headers, requests are not held at all.
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(answer("0", "5", "60"), 200, None);
        let before = Instant::now();
        b.acquire(R, true).await.answered(None, 200, None);
        assert_eq!(Instant::now() - before, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_request_for_its_retry_after() {
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(headers(300, 1, 60), 200, None);
        // A 429 from some other limit: the window has room, the Retry-After rules.
        let p = b.acquire(R, true).await;
        p.answered(headers(300, 2, 60), 429, Some(Duration::from_secs(7)));
        let before = Instant::now();
        b.acquire(R, true).await.answered(headers(300, 3, 53), 200, None);
        assert_eq!(Instant::now() - before, Duration::from_secs(7));
        let t = b.traffic();
        assert_eq!((t.requests(), t.rate_limited()), (3, 1));
        assert_eq!((t.retry_after, t.paced), (Duration::from_secs(7), Duration::ZERO));

        // The window's own 429: Retry-After and the headers' reset agree; the later (reset + margin) wins.
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(headers(300, 299, 7), 200, None);
        b.acquire(R, true).await.answered(headers(300, 300, 7), 429, Some(Duration::from_secs(7)));
        let before = Instant::now();
        b.acquire(R, true).await.answered(headers(300, 1, 60), 200, None);
        assert_eq!(Instant::now() - before, Duration::from_secs(7) + RESET_MARGIN);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_without_headers_is_not_paced_and_requests_in_flight_use_the_budget() {
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(None, 200, None);
        let t0 = Instant::now();
        let held: Vec<_> = futures_util::future::join_all((0..10).map(|_| b.acquire(R, true))).await;
        assert_eq!(t0.elapsed(), Duration::ZERO);
        drop(held);

        // With headers, requests in flight count against what is left.
        let b = Budget::new(0.0, 1);
        b.acquire(R, true).await.answered(headers(3, 1, 60), 200, None);
        let _a = b.acquire(R, true).await;
        let _b = b.acquire(R, true).await;
        let third = tokio::time::timeout(Duration::from_secs(1), b.acquire(R, true)).await;
        assert!(third.is_err(), "1 counted + 2 in flight = 3 allowed: a fourth must wait");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_cap_is_a_ceiling_on_top() {
        let b = Budget::new(2.0, 1);
        let t0 = Instant::now();
        for _ in 0..5 {
            b.acquire(R, true).await.answered(headers(300, 1, 60), 200, None);
        }
        assert_eq!(t0.elapsed(), Duration::from_secs(2), "1 at once, then 2 a second");
        assert_eq!(b.traffic().capped, Duration::from_secs(2));
        // Other origins are counted, never paced.
        let t1 = Instant::now();
        for _ in 0..5 {
            b.acquire("PUT upload", false).await.answered(None, 200, None);
        }
        assert_eq!(t1.elapsed(), Duration::ZERO);
        assert_eq!(b.traffic().routes.iter().map(|r| r.requests).collect::<Vec<_>>(), [5, 5]);
    }

    #[test]
    fn headers_parse_only_when_all_three_are_numbers() {
        fn h(pairs: &[(&str, &str)]) -> Option<RateHeaders> {
            RateHeaders::parse(|n| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
        }
        let all = [("inin-ratelimit-allowed", "300"), ("inin-ratelimit-count", "12"), ("inin-ratelimit-reset", "41")];
        assert_eq!(h(&all), headers(300, 12, 41));
        assert_eq!(h(&all[..2]), None);
        assert_eq!(
            h(&[("inin-ratelimit-allowed", "300"), ("inin-ratelimit-count", "x"), ("inin-ratelimit-reset", "1")]),
            None
        );
    }
}
