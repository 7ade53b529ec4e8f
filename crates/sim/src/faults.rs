//! The fault plan: scripted faults by request kind and occurrence, plus seeded random faults.
//!
//! The `--faults` grammar is documented in the crate docs; [`FaultPlan::parse`] reads it and `Display` writes it
//! back in canonical form.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::SimError;

/// What a request is, for counting and for matching scripted faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// `POST /oauth/token`.
    Token,
    /// Any Genesys read (GETs, `agentschedules/query`, `timeoffrequests/query`) and the REST GET.
    Read,
    /// `POST .../update/uploadurl`.
    UploadUrl,
    /// `PUT /uploads/{uploadKey}` (the pre-signed upload).
    Upload,
    /// `POST .../update`.
    Update,
    /// The REST contract's `PUT /api/v2/wfm/scheduling/schedules/{id}`.
    RestPut,
    /// Notification-channel API calls (`/api/v2/notifications/...`).
    Channel,
    /// Group: `Update` or `RestPut`. The default kind of a scripted fault.
    Write,
    /// Group: every request of the kinds above.
    Any,
}

impl RequestKind {
    const NAMES: [(RequestKind, &'static str); 9] = [
        (RequestKind::Token, "token"),
        (RequestKind::Read, "read"),
        (RequestKind::UploadUrl, "uploadurl"),
        (RequestKind::Upload, "upload"),
        (RequestKind::Update, "update"),
        (RequestKind::RestPut, "restput"),
        (RequestKind::Channel, "channel"),
        (RequestKind::Write, "write"),
        (RequestKind::Any, "any"),
    ];

    /// The name used in the fault grammar and in the request log.
    pub fn as_str(self) -> &'static str {
        Self::NAMES.iter().find(|(k, _)| *k == self).map(|(_, n)| *n).unwrap_or("any")
    }

    /// Parses a name of the fault grammar.
    pub fn parse(s: &str) -> Option<RequestKind> {
        Self::NAMES.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }

    /// Whether a request of concrete kind `self` belongs to `group` (a concrete kind belongs to itself).
    pub fn belongs_to(self, group: RequestKind) -> bool {
        self == group
            || group == RequestKind::Any
            || (group == RequestKind::Write && matches!(self, RequestKind::Update | RequestKind::RestPut))
    }

    fn is_write(self) -> bool {
        self.belongs_to(RequestKind::Write)
    }

    /// Kinds that random 429/500/503 faults and random latency apply to.
    fn random_eligible(self) -> bool {
        matches!(self, RequestKind::Read | RequestKind::UploadUrl | RequestKind::Update | RequestKind::RestPut)
    }
}

/// One fault.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    /// The concurrent editor edits an agent schedule (bumping that agent's and the schedule's version) just before
    /// the request is processed, so a write carrying the versions it read is stale. Grammar: `409-version`, `bump`.
    BumpVersion,
    /// The concurrent editor adds a PENDING partial-day time-off request just before the request is processed
    /// (the motivating incident). Grammar: `timeoff`.
    AddPendingTimeOff,
    /// Answer 429 with `Retry-After` (whole seconds, rounded up); the request is not processed. Grammar: `429[:DUR]`.
    TooManyRequests(Duration),
    /// Answer this 5xx status; the request is not processed. `503` may carry `Retry-After`. Grammar: `500`, `502`,
    /// `503[:DUR]`, `504`.
    ServerError {
        /// 500, 502, 503 or 504.
        status: u16,
        /// `Retry-After` to send, if any.
        retry_after: Option<Duration>,
    },
    /// Wait this long, then process the request (even if the client has given up). Grammar: `delay:DUR`.
    Delay(Duration),
    /// Process the request, then close the connection without any response. Grammar: `drop`.
    Drop,
    /// Process the request, then answer 504 with an empty body. Grammar: `lost504`.
    Lost504,
    /// (updates) Process the update, but never publish its outcome event. Grammar: `noevent`.
    NoEvent,
    /// (updates) Process the update; instead of its outcome event, subscribed sockets receive
    /// `v2.system.socket_closing` and are closed. Grammar: `closing`.
    SocketClosing,
    /// Before the request is served, every update still processing ends now (applied or refused, its outcome
    /// event published). With a long processing time, `settle@read#N` lands a write exactly between two reads.
    /// Grammar: `settle`.
    Settle,
}

impl FaultAction {
    /// Whether the action answers instead of processing.
    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, FaultAction::TooManyRequests(_) | FaultAction::ServerError { .. })
    }

    fn only_for_updates(&self) -> bool {
        matches!(self, FaultAction::NoEvent | FaultAction::SocketClosing)
    }
}

impl fmt::Display for FaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAction::BumpVersion => f.write_str("409-version"),
            FaultAction::AddPendingTimeOff => f.write_str("timeoff"),
            FaultAction::TooManyRequests(d) => write!(f, "429:{}", Dur(*d)),
            FaultAction::ServerError { status, retry_after: Some(d) } => write!(f, "{status}:{}", Dur(*d)),
            FaultAction::ServerError { status, retry_after: None } => write!(f, "{status}"),
            FaultAction::Delay(d) => write!(f, "delay:{}", Dur(*d)),
            FaultAction::Drop => f.write_str("drop"),
            FaultAction::Lost504 => f.write_str("lost504"),
            FaultAction::NoEvent => f.write_str("noevent"),
            FaultAction::SocketClosing => f.write_str("closing"),
            FaultAction::Settle => f.write_str("settle"),
        }
    }
}

/// Which occurrences of a request kind a scripted fault hits (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurrence {
    /// Exactly the n-th.
    Nth(u32),
    /// The n-th to the m-th, inclusive.
    Range(u32, u32),
    /// The n-th and every later one.
    From(u32),
}

impl Occurrence {
    fn contains(self, n: u32) -> bool {
        match self {
            Occurrence::Nth(a) => n == a,
            Occurrence::Range(a, b) => (a..=b).contains(&n),
            Occurrence::From(a) => n >= a,
        }
    }
}

impl fmt::Display for Occurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Occurrence::Nth(a) => write!(f, "{a}"),
            Occurrence::Range(a, b) => write!(f, "{a}-{b}"),
            Occurrence::From(a) => write!(f, "{a}+"),
        }
    }
}

/// A fault bound to occurrences of a request kind.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedFault {
    /// What happens.
    pub action: FaultAction,
    /// Which requests are counted.
    pub kind: RequestKind,
    /// Which of them are hit.
    pub when: Occurrence,
}

/// Probabilities of random faults, drawn per request from a generator seeded by (seed, request number), so a run
/// with the same seed and the same request order sees the same faults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RandomFaults {
    /// Writes: the concurrent editor bumps versions first (`rate409=`).
    pub version_conflict: f64,
    /// Reads, upload-url requests and writes: 429 with `Retry-After: 1` (`rate429=`).
    pub too_many_requests: f64,
    /// Same kinds: 500 (`rate500=`).
    pub server_error: f64,
    /// Same kinds: 503 (`rate503=`).
    pub unavailable: f64,
    /// Writes: applied, then the connection is dropped (`ratedrop=`).
    pub drop: f64,
    /// Same kinds as 429: an added latency drawn uniformly from `[0, latency]` (`latency=`).
    pub latency: Duration,
}

/// Scripted and random faults. `FaultPlan::default()` injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// Scripted faults, in spec order; several may hit one request.
    pub scripted: Vec<ScriptedFault>,
    /// Overrides [`crate::SimConfig::seed`] when set (`seed=`).
    pub seed: Option<u64>,
    /// Random faults.
    pub random: RandomFaults,
}

/// The faults that hit one request, split by when they act.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Resolved {
    /// Before processing: delays and concurrent edits, in order.
    pub pre: Vec<FaultAction>,
    /// Answer this instead of processing.
    pub fail: Option<FaultAction>,
    /// After processing: drop, lost504, noevent, closing.
    pub post: Vec<FaultAction>,
}

/// Per-kind request counters.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counters(HashMap<RequestKind, u32>);

impl Counters {
    /// Counts one request of a concrete kind; returns the counters the plan is matched against.
    pub(crate) fn count(&mut self, kind: RequestKind) -> Vec<(RequestKind, u32)> {
        let groups = [kind, RequestKind::Write, RequestKind::Any];
        let mut out = Vec::new();
        for g in groups {
            if kind.belongs_to(g) && !out.iter().any(|(k, _)| *k == g) {
                let n = self.0.entry(g).or_insert(0);
                *n += 1;
                out.push((g, *n));
            }
        }
        out
    }
}

impl FaultPlan {
    /// Parses a `--faults` spec such as `409-version@1,429:2s@2,500@read#3,drop@4,seed=7,rate409=0.1`.
    pub fn parse(spec: &str) -> Result<FaultPlan, SimError> {
        let mut plan = FaultPlan::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            parse_item(item, &mut plan).map_err(|message| SimError::FaultSpec { item: item.to_string(), message })?;
        }
        Ok(plan)
    }

    /// The faults hitting a request, given the counters after counting it.
    pub(crate) fn resolve(&self, kind: RequestKind, counts: &[(RequestKind, u32)], seed: u64) -> Resolved {
        let mut r = Resolved::default();
        let push = |r: &mut Resolved, a: FaultAction| match a {
            FaultAction::Delay(_) | FaultAction::BumpVersion | FaultAction::AddPendingTimeOff | FaultAction::Settle => {
                r.pre.push(a)
            }
            a if a.is_failure() => {
                if r.fail.is_none() {
                    r.fail = Some(a);
                }
            }
            a => {
                if !a.only_for_updates() || kind == RequestKind::Update {
                    r.post.push(a);
                }
            }
        };
        for f in &self.scripted {
            if counts.iter().any(|&(k, n)| k == f.kind && f.when.contains(n)) {
                push(&mut r, f.action.clone());
            }
        }
        let any = counts.iter().find(|(k, _)| *k == RequestKind::Any).map_or(0, |(_, n)| *n);
        if kind.random_eligible() && self.random != RandomFaults::default() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ u64::from(any).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            // Always draw the same number of values, so one rate never shifts another's decisions.
            let draws: [f64; 5] = std::array::from_fn(|_| rng.random::<f64>());
            let latency_ms = self.random.latency.as_millis() as u64;
            let delay = if latency_ms > 0 { rng.random_range(0..=latency_ms) } else { 0 };
            let rnd = &self.random;
            if delay > 0 {
                push(&mut r, FaultAction::Delay(Duration::from_millis(delay)));
            }
            if kind.is_write() && draws[0] < rnd.version_conflict {
                push(&mut r, FaultAction::BumpVersion);
            }
            if draws[1] < rnd.too_many_requests {
                push(&mut r, FaultAction::TooManyRequests(Duration::from_secs(1)));
            } else if draws[2] < rnd.server_error {
                push(&mut r, FaultAction::ServerError { status: 500, retry_after: None });
            } else if draws[3] < rnd.unavailable {
                push(&mut r, FaultAction::ServerError { status: 503, retry_after: None });
            }
            if kind.is_write() && draws[4] < rnd.drop {
                push(&mut r, FaultAction::Drop);
            }
        }
        r
    }
}

fn parse_item(item: &str, plan: &mut FaultPlan) -> Result<(), String> {
    if let Some((key, value)) = item.split_once('=') {
        let rate = || -> Result<f64, String> {
            let p: f64 = value.parse().map_err(|_| format!("{key} must be a probability, got {value:?}"))?;
            if (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(format!("{key} must be between 0 and 1, got {p}"))
            }
        };
        let rnd = &mut plan.random;
        match key {
            "seed" => plan.seed = Some(value.parse().map_err(|_| format!("seed must be an integer, got {value:?}"))?),
            "rate409" => rnd.version_conflict = rate()?,
            "rate429" => rnd.too_many_requests = rate()?,
            "rate500" => rnd.server_error = rate()?,
            "rate503" => rnd.unavailable = rate()?,
            "ratedrop" => rnd.drop = rate()?,
            "latency" => rnd.latency = parse_duration(value)?,
            _ => {
                return Err(format!(
                    "unknown setting {key:?} (seed, rate409, rate429, rate500, rate503, ratedrop, latency)"
                ))
            }
        }
        return Ok(());
    }
    let (action, target) = item.split_once('@').ok_or("a fault needs '@N' (e.g. 500@2 or 500@read#2)")?;
    let action = parse_action(action)?;
    let (kind, occ) = match target.split_once('#') {
        Some((k, o)) => (RequestKind::parse(k).ok_or_else(|| format!("unknown request kind {k:?}"))?, o),
        None => (RequestKind::Write, target),
    };
    let when = parse_occurrence(occ)?;
    if action.only_for_updates() && !matches!(kind, RequestKind::Update | RequestKind::Write) {
        return Err(format!("{action} applies to updates only (use @update#N or @N)"));
    }
    plan.scripted.push(ScriptedFault { action, kind, when });
    Ok(())
}

fn parse_action(s: &str) -> Result<FaultAction, String> {
    let (name, arg) = match s.split_once(':') {
        Some((n, a)) => (n, Some(parse_duration(a)?)),
        None => (s, None),
    };
    let no_arg = |a: FaultAction| match arg {
        None => Ok(a),
        Some(_) => Err(format!("{name} takes no ':' argument")),
    };
    match name {
        "409-version" | "bump" => no_arg(FaultAction::BumpVersion),
        "timeoff" => no_arg(FaultAction::AddPendingTimeOff),
        "429" => Ok(FaultAction::TooManyRequests(arg.unwrap_or(Duration::from_secs(1)))),
        "503" => Ok(FaultAction::ServerError { status: 503, retry_after: arg }),
        "500" | "502" | "504" => {
            no_arg(FaultAction::ServerError { status: name.parse().unwrap_or(500), retry_after: None })
        }
        "delay" => arg.map(FaultAction::Delay).ok_or_else(|| "delay needs a duration, e.g. delay:200ms".to_string()),
        "drop" => no_arg(FaultAction::Drop),
        "lost504" => no_arg(FaultAction::Lost504),
        "noevent" => no_arg(FaultAction::NoEvent),
        "closing" => no_arg(FaultAction::SocketClosing),
        "settle" => no_arg(FaultAction::Settle),
        _ => Err(format!(
            "unknown fault {name:?} (409-version, bump, timeoff, 429, 500, 502, 503, 504, delay, drop, lost504, noevent, closing, settle)"
        )),
    }
}

fn parse_occurrence(s: &str) -> Result<Occurrence, String> {
    let num = |t: &str| -> Result<u32, String> {
        match t.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("occurrence must be a number from 1, got {t:?}")),
        }
    };
    if let Some(a) = s.strip_suffix('+') {
        return Ok(Occurrence::From(num(a)?));
    }
    if let Some((a, b)) = s.split_once('-') {
        let (a, b) = (num(a)?, num(b)?);
        return if a <= b { Ok(Occurrence::Range(a, b)) } else { Err(format!("empty range {s:?}")) };
    }
    Ok(Occurrence::Nth(num(s)?))
}

/// `250ms`, `2s` or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration {s:?} (e.g. 250ms, 2s, 2)");
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    s.strip_suffix('s').unwrap_or(s).parse().map(Duration::from_secs).map_err(|_| bad())
}

struct Dur(Duration);

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl fmt::Display for FaultPlan {
    /// The canonical spec; parsing it gives back an equal plan.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = self
            .scripted
            .iter()
            .map(|s| match s.kind {
                RequestKind::Write => format!("{}@{}", s.action, s.when),
                k => format!("{}@{}#{}", s.action, k.as_str(), s.when),
            })
            .collect();
        if let Some(seed) = self.seed {
            items.push(format!("seed={seed}"));
        }
        let r = &self.random;
        for (key, p) in [
            ("rate409", r.version_conflict),
            ("rate429", r.too_many_requests),
            ("rate500", r.server_error),
            ("rate503", r.unavailable),
            ("ratedrop", r.drop),
        ] {
            if p > 0.0 {
                items.push(format!("{key}={p}"));
            }
        }
        if !r.latency.is_zero() {
            items.push(format!("latency={}", Dur(r.latency)));
        }
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example_and_round_trips() {
        let plan =
            FaultPlan::parse("409-version@1,429:2s@2,500@read#3,drop@4,seed=7,rate409=0.1,settle@read#2").unwrap();
        assert_eq!(plan.scripted.len(), 5);
        assert_eq!((plan.scripted[4].action.clone(), plan.scripted[4].kind), (FaultAction::Settle, RequestKind::Read));
        assert_eq!(plan.scripted[1].action, FaultAction::TooManyRequests(Duration::from_secs(2)));
        assert_eq!(plan.scripted[2].kind, RequestKind::Read);
        assert_eq!(plan.seed, Some(7));
        assert_eq!(FaultPlan::parse(&plan.to_string()).unwrap(), plan);
    }

    #[test]
    fn parses_the_cli_example_with_write_as_default_kind() {
        let plan = FaultPlan::parse("409-version@1,429:2s@2,500@3,drop@4,seed=7,rate409=0.1").unwrap();
        assert!(plan.scripted.iter().all(|f| f.kind == RequestKind::Write));
        let n: Vec<Occurrence> = plan.scripted.iter().map(|f| f.when).collect();
        assert_eq!(n, [1, 2, 3, 4].map(Occurrence::Nth));
        assert_eq!(plan.random.version_conflict, 0.1);
        assert_eq!(plan.to_string(), "409-version@1,429:2s@2,500@3,drop@4,seed=7,rate409=0.1");
    }

    #[test]
    fn rejects_bad_items_with_a_reason() {
        for bad in ["500", "500@0", "600@1", "delay@1", "500@bogus#1", "noevent@read#1", "rate409=2", "x=1", "5@3-1"] {
            let err = FaultPlan::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad.split(',').next().unwrap()), "{bad}: {err}");
        }
    }

    #[test]
    fn scripted_faults_hit_their_occurrence_of_their_kind_only() {
        let plan = FaultPlan::parse("503@update#2,bump@write#1-2,drop@read#3+").unwrap();
        let mut c = Counters::default();
        let first = plan.resolve(RequestKind::Update, &c.count(RequestKind::Update), 0);
        assert_eq!((first.pre.len(), first.fail.is_some()), (1, false));
        let read = plan.resolve(RequestKind::Read, &c.count(RequestKind::Read), 0);
        assert_eq!(read, Resolved::default());
        let second = plan.resolve(RequestKind::Update, &c.count(RequestKind::Update), 0);
        assert!(matches!(second.fail, Some(FaultAction::ServerError { status: 503, .. })));
        c.count(RequestKind::Read);
        assert_eq!(plan.resolve(RequestKind::Read, &c.count(RequestKind::Read), 0).post, vec![FaultAction::Drop]);
    }

    #[test]
    fn random_faults_are_reproducible_for_a_seed() {
        let plan = FaultPlan::parse("rate500=0.5,latency=20ms").unwrap();
        let run = |seed| {
            let mut c = Counters::default();
            (0..32).map(|_| plan.resolve(RequestKind::Read, &c.count(RequestKind::Read), seed)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let fails = run(7).iter().filter(|r| r.fail.is_some()).count();
        assert!((6..=26).contains(&fails), "{fails} of 32");
    }
}
