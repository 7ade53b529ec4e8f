//! Fault injection: the publisher against the real simulator over 127.0.0.1, with proptest over seeded fault
//! plans (429 with Retry-After, 5xx, latency, dropped and lost answers after the write was applied, pending time
//! off added between read and write, lost outcome events and closing sockets) and concurrent-writer timings (the
//! simulator's concurrent editor bumping versions after a read, just before a write, or racing it).
//!
//! Every run must satisfy, whatever happened:
//! (a) no lost update: every concurrent edit survives, every shift is held exactly once, and the owners are the
//!     draft's (nothing landed) or exactly the draft with our non-excluded trades (our write landed);
//! (b) nothing we landed adds a blocking finding: the state our write landed on, re-validated as the platform
//!     holds it, has no blocking finding that the same state without our changes lacks;
//! (c) the run ends within its deadline plus one request timeout;
//! (d) a data conflict is never followed by another write of the same payload (simulator log and audit);
//! (e) nothing is sent before a 429's Retry-After (simulator request log, server-side times);
//! (f) every write the simulator saw has its audit line, and the audit chain verifies.
//! Also: nothing is written after a validation that blocks, and every data conflict is explained by a local
//! finding.
//!
//! Run: `cargo test -p shiftgate-tests --test publish_faults` (PUBLISH_FAULT_CASES overrides the case count).

mod publish_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner};
use secrecy::SecretString;
use serde_json::Value;
use shiftgate_check::Severity;
use shiftgate_model::Snapshot;
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::plan::UpdatePlan;
use shiftgate_publish::rest::{RestClient, RestConfig};
use shiftgate_publish::retry::{RateLimitPolicy, RetryPolicy};
use shiftgate_publish::{
    publish, verify_chain, AnyPlatform, AuditLog, Fetched, HttpSettings, PlatformClient, PlatformError,
    PublishConfig, PublishOutcome, PublishReport, Submission, SubmitResult, Target, TokioClock,
};
use shiftgate_sim::{
    AttemptOutcome, EditAction, EditReport, EditRequest, ErrorDelivery, FaultPlan, RequestRecord, SimConfig,
    SimServer, Switches, WriteAttempt,
};
use tokio::task::JoinHandle;

use publish_support::{check, clean, expected_holders, holders, small_week, snapshot, target, CheckValidator};

/// Per-request timeout of the publisher's HTTP client; delays above it make the client give up on a request the
/// simulator still processes.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
/// A delay fault longer than the request timeout.
const LONG_DELAY: &str = "delay:450ms";
/// Scheduling slack on a loaded 2-core machine, on top of deadline + one request timeout.
const SLACK: Duration = Duration::from_millis(400);
/// The Retry-After every injected 429 carries.
const RETRY_AFTER_MS: u64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// The incident and a rest-breaking trade, with --exclude-conflicting-trades: publishes the rest.
    Excluding,
    /// Nothing blocks: every trade applies.
    Clean,
    /// The incident without exclusion: blocked, nothing may be written.
    Blocked,
}

/// When the concurrent editor edits an agent schedule (bumping its version and the schedule's).
#[derive(Clone, Copy, Debug)]
enum Edit {
    /// Right after the n-th read of the live state returned.
    AfterFetch(u32),
    /// Right before the n-th write is sent.
    BeforeSubmit(u32),
    /// Racing the n-th write: `delay_ms` after it starts.
    Racing { submit: u32, delay_ms: u64 },
    /// Right before the n-th write, a PENDING time-off request for an agent over the shift a clean trade gives
    /// them (the incident, arriving between read and write); `receiver` picks the trade.
    TimeOff { submit: u32, receiver: prop::sample::Index },
}

#[derive(Clone, Debug)]
struct Case {
    genesys: bool,
    variant: Variant,
    faults: Vec<String>,
    random: Option<String>,
    edits: Vec<Edit>,
    async_errors: bool,
    version_as_400: bool,
    jitter_seed: u64,
    deadline_ms: u64,
}

impl Case {
    fn plan(&self) -> String {
        self.faults.iter().chain(self.random.iter()).cloned().collect::<Vec<_>>().join(",")
    }
}

fn fault(genesys: bool) -> impl Strategy<Value = String> {
    // 429s are rarer: each costs a real second of waiting.
    let mut write = vec!["timeoff", "429:1s", "500", "502", "503", "504", "delay:60ms", LONG_DELAY, "drop", "lost504"];
    write.extend(["timeoff", "500", "drop", "lost504"]);
    let mut other = vec!["429:1s", "500", "503", "504", "delay:60ms", LONG_DELAY, "drop"];
    other.extend(["500", "503", "delay:60ms"]);
    let mut kinds = vec!["read", "write", "write"];
    if genesys {
        write.extend(["noevent", "closing", "noevent"]);
        kinds.extend(["uploadurl", "upload"]);
    }
    (prop::sample::select(kinds), any::<prop::sample::Index>(), 1u32..=4).prop_map(move |(kind, a, occ)| {
        let actions = if kind == "write" { &write } else { &other };
        format!("{}@{kind}#{occ}", actions[a.index(actions.len())])
    })
}

fn random_faults() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.25,
        (any::<u64>(), prop::sample::select(vec!["rate500", "rate503", "ratedrop"]), prop::sample::select(vec![0u64, 3])),
    )
    .prop_map(|o| o.map(|(seed, rate, latency)| format!("seed={seed},{rate}=0.05,latency={latency}ms")))
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (1u32..=3).prop_map(Edit::AfterFetch),
        (1u32..=3).prop_map(Edit::BeforeSubmit),
        (1u32..=3, 0u64..40).prop_map(|(submit, delay_ms)| Edit::Racing { submit, delay_ms }),
        (1u32..=2, any::<prop::sample::Index>()).prop_map(|(submit, receiver)| Edit::TimeOff { submit, receiver }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let variant = prop_oneof![5 => Just(Variant::Excluding), 4 => Just(Variant::Clean), 1 => Just(Variant::Blocked)];
    (any::<bool>(), variant).prop_flat_map(|(genesys, variant)| {
        (
            prop::collection::vec(fault(genesys), 0..=4),
            random_faults(),
            prop::collection::vec(edit(), 0..=2),
            any::<bool>(),
            any::<bool>(),
            any::<u64>(),
            prop::sample::select(vec![1500u64, 3000]),
        )
            .prop_map(move |(faults, random, edits, async_errors, version_as_400, jitter_seed, deadline_ms)| Case {
                genesys,
                variant,
                faults,
                random,
                edits,
                async_errors: genesys && async_errors,
                version_as_400,
                jitter_seed,
                deadline_ms,
            })
    })
}

struct Weeks {
    /// The incident and the rest-breaking trade (the excluding and blocked variants).
    week: Value,
    /// Nothing blocks.
    clean: Value,
    /// Receivers of the approved trades that never block (targets of concurrent time off).
    receivers: Vec<String>,
}

/// The weeks, built once.
fn weeks() -> &'static Weeks {
    static WEEKS: OnceLock<Weeks> = OnceLock::new();
    WEEKS.get_or_init(|| {
        let week = small_week(30);
        let clean = clean(&week);
        let s = snapshot(&week);
        let blocking: BTreeSet<String> =
            check(&s, &[]).into_iter().flat_map(|f| f.refs.get("trade").cloned().unwrap_or_default()).collect();
        let mut receivers: Vec<String> = shiftgate_model::approved_in_order(&s)
            .into_iter()
            .map(|t| &s.trades[t])
            .filter(|t| !blocking.contains(t.id.as_str()))
            .filter_map(|t| t.receiving_user.as_ref().map(|u| u.to_string()))
            .collect();
        receivers.sort();
        receivers.dedup();
        Weeks { week, clean, receivers }
    })
}

/// A platform client that lets the concurrent editor in at chosen moments, and records what it edited.
struct Interposer {
    inner: AnyPlatform,
    sim: Arc<SimServer>,
    plan: Vec<Edit>,
    fetches: AtomicU32,
    submits: AtomicU32,
    edits: Arc<Mutex<Vec<EditReport>>>,
    racers: Mutex<Vec<JoinHandle<()>>>,
}

async fn bump(sim: &SimServer, edits: &Mutex<Vec<EditReport>>) {
    let report = sim.edit(&EditRequest { action: EditAction::Bump, ..EditRequest::default() }).await.expect("edit");
    edits.lock().unwrap().push(report);
}

async fn time_off(sim: &SimServer, agent: &str, edits: &Mutex<Vec<EditReport>>) {
    let req = EditRequest { action: EditAction::TimeOff, agent_id: Some(agent.to_string()), ..EditRequest::default() };
    let report = sim.edit(&req).await.expect("time-off edit");
    edits.lock().unwrap().push(report);
}

impl PlatformClient for Interposer {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        self.inner.prepare(fetched, plan)
    }

    async fn fetch(&self, target: &Target) -> Result<Fetched, PlatformError> {
        let r = self.inner.fetch(target).await;
        let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        for e in &self.plan {
            if matches!(e, Edit::AfterFetch(k) if *k == n) {
                bump(&self.sim, &self.edits).await;
            }
        }
        r
    }

    async fn submit(&self, target: &Target, submission: &Submission) -> SubmitResult {
        let n = self.submits.fetch_add(1, Ordering::SeqCst) + 1;
        for e in &self.plan {
            match *e {
                Edit::BeforeSubmit(k) if k == n => bump(&self.sim, &self.edits).await,
                Edit::TimeOff { submit, receiver } if submit == n => {
                    let receivers = &weeks().receivers;
                    time_off(&self.sim, &receivers[receiver.index(receivers.len())], &self.edits).await;
                }
                Edit::Racing { submit, delay_ms } if submit == n => {
                    let (sim, edits) = (self.sim.clone(), self.edits.clone());
                    self.racers.lock().unwrap().push(tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                        bump(&sim, &edits).await;
                    }));
                }
                _ => {}
            }
        }
        self.inner.submit(target, submission).await
    }
}

/// Everything a run left behind.
struct Ran {
    report: PublishReport,
    elapsed: Duration,
    audit: Vec<Value>,
    audit_verifies: bool,
    attempts: Vec<WriteAttempt>,
    requests: Vec<RequestRecord>,
    state: Value,
    edits: Vec<EditReport>,
}

fn http() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(1),
        request_timeout: REQUEST_TIMEOUT,
        upload_timeout: REQUEST_TIMEOUT,
        outcome_timeout: REQUEST_TIMEOUT,
        requests_per_second: 0.0,
        burst: 1,
    }
}

async fn execute(case: &Case, doc: &Value) -> Ran {
    let plan = FaultPlan::parse(&case.plan()).expect("fault plan");
    let switches = Switches {
        version_conflict_as_400: case.version_as_400,
        error_delivery: if case.async_errors { ErrorDelivery::Async } else { ErrorDelivery::Sync },
        explain_conflicts: false,
    };
    let config = SimConfig {
        faults: plan,
        seed: case.jitter_seed,
        switches,
        rate_limit: None,
        completion_delay: Duration::from_millis(10),
        ..SimConfig::default()
    };
    let sim = Arc::new(shiftgate_sim::start(config, &serde_json::to_vec(doc).unwrap()).await.expect("sim starts"));
    let inner = if case.genesys {
        let mut c = GenesysConfig::new(sim.base_url(), "shiftgate-sim-client", SecretString::from("shiftgate-sim-secret"));
        c.http = http();
        AnyPlatform::Genesys(GenesysClient::new(c).unwrap())
    } else {
        let mut c = RestConfig::new(sim.base_url());
        c.http = http();
        AnyPlatform::Rest(RestClient::new(c).unwrap())
    };
    let platform = Interposer {
        inner,
        sim: sim.clone(),
        plan: case.edits.clone(),
        fetches: AtomicU32::new(0),
        submits: AtomicU32::new(0),
        edits: Arc::default(),
        racers: Mutex::default(),
    };
    let mut cfg = PublishConfig::new(target(doc));
    let fast = RetryPolicy { max_attempts: 3, base: Duration::from_millis(10), cap: Duration::from_millis(40) };
    cfg.version_conflict = RetryPolicy { max_attempts: 5, ..fast };
    cfg.transient = fast;
    cfg.rate_limit = RateLimitPolicy {
        default_wait: Duration::from_millis(RETRY_AFTER_MS),
        max_wait: Duration::from_secs(5),
        jitter: Duration::from_millis(50),
    };
    cfg.deadline = Duration::from_millis(case.deadline_ms);
    cfg.exclude_conflicting_trades = case.variant == Variant::Excluding;
    cfg.as_of = snapshot(doc).as_of;
    cfg.jitter_seed = Some(case.jitter_seed);
    let validator = CheckValidator { fail_on: Severity::Warning };
    let mut audit = AuditLog::in_memory();
    let started = Instant::now();
    let bound = cfg.deadline * 4 + Duration::from_secs(5);
    let report = tokio::time::timeout(bound, publish(&platform, &validator, &TokioClock::new(), &mut audit, &cfg))
        .await
        .expect("the run ends (hard bound)")
        .expect("no local error");
    let elapsed = started.elapsed();
    let racers: Vec<_> = platform.racers.lock().unwrap().drain(..).collect();
    for r in racers {
        r.await.expect("racing edit");
    }
    // A write the client gave up on is still processed by the simulator after its delay: let it land.
    if case.plan().contains(LONG_DELAY) || case.random.is_some() {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let text = audit.lines().join("\n");
    let edits = platform.edits.lock().unwrap().clone();
    Ran {
        audit_verifies: verify_chain(&text).is_ok_and(|head| head == report.audit_head),
        audit: audit.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect(),
        report,
        elapsed,
        attempts: sim.attempts(),
        requests: sim.requests(),
        state: serde_json::to_value(sim.state().await).unwrap(),
        edits,
    }
}

/// Blocking findings of a state document taken as it is (every trade already carried out or left out).
fn blocking_as_is(doc: &Value, as_of: Option<chrono::DateTime<chrono::Utc>>) -> BTreeSet<(String, String, i64, i64)> {
    let mut s: Snapshot = snapshot(doc);
    s.as_of = as_of;
    let all: Vec<usize> = (0..s.trades.len()).collect();
    check(&s, &all)
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| (f.rule, f.agent_id, f.start.timestamp(), f.end.timestamp()))
        .collect()
}

fn properties(case: &Case, doc: &Value, ran: &Ran) -> Result<(), TestCaseError> {
    let r = &ran.report;
    let why = || format!("outcome {:?}\nstory: {:#?}\nattempts: {:#?}", r.outcome, r.story, ran.attempts);

    // (c) bounded.
    let bound = Duration::from_millis(case.deadline_ms) + REQUEST_TIMEOUT + SLACK;
    prop_assert!(ran.elapsed <= bound, "took {:?} > {:?}; {}", ran.elapsed, bound, why());

    // (a) no lost update.
    let live = holders(&ran.state);
    let ids: BTreeSet<&str> = live.iter().map(|(s, _)| s.as_str()).collect();
    prop_assert_eq!(ids.len(), live.len(), "a shift is held twice; {}", why());
    let applied: Vec<&WriteAttempt> = ran.attempts.iter().filter(|a| a.outcome == AttemptOutcome::Applied).collect();
    prop_assert!(applied.len() <= 1, "{} writes applied; {}", applied.len(), why());
    let excluded: Vec<String> = r.excluded_trades.iter().map(|x| x.trade_id.clone()).collect();
    let published = matches!(r.outcome, PublishOutcome::Published { .. });
    if published {
        prop_assert_eq!(applied.len(), 1, "published without an applied write; {}", why());
    }
    let expected = if applied.is_empty() { holders(doc) } else { expected_holders(doc, &excluded) };
    prop_assert!(live == expected, "shift owners differ from what was planned; {}", why());
    for e in ran.edits.iter().filter(|e| e.action == EditAction::Bump) {
        let Some(shift) = &e.shift_id else { continue };
        let kept = ran.state["agentSchedules"].as_array().unwrap().iter().flat_map(|a| a["shifts"].as_array().unwrap()).any(|s| {
            s["id"] == shift.as_str()
                && s["manuallyEdited"] == true
                && s["activities"].as_array().is_some_and(|acts| {
                    acts.iter().any(|a| a["description"].as_str().is_some_and(|d| d.contains("concurrent editor")))
                })
        });
        prop_assert!(kept, "the concurrent edit of {} was lost; {}", shift, why());
    }

    // (b) what we landed adds no blocking finding.
    if !applied.is_empty() {
        let as_of = snapshot(doc).as_of;
        let mut without_us = ran.state.clone();
        without_us["agentSchedules"] = doc["agentSchedules"].clone();
        let landed = blocking_as_is(&ran.state, as_of);
        let before = blocking_as_is(&without_us, as_of);
        let added: Vec<_> = landed.difference(&before).collect();
        prop_assert!(added.is_empty(), "the landed write added blocking findings {:?}; {}", added, why());
    }

    // (d) never the same payload after a data conflict (simulator's hashes, then the audit's).
    for (i, a) in ran.attempts.iter().enumerate() {
        if a.outcome == AttemptOutcome::DataConflict {
            let again = ran.attempts[i + 1..].iter().any(|b| b.payload_sha256 == a.payload_sha256);
            prop_assert!(!again, "payload resent after a data conflict; {}", why());
        }
    }
    let submits: Vec<&Value> = ran.audit.iter().filter(|l| l["state"] == "submit").collect();
    for (i, s) in submits.iter().enumerate() {
        if s["classification"] == "dataConflict" {
            prop_assert!(submits[i + 1..].iter().all(|t| t["payloadHash"] != s["payloadHash"]), "{}", why());
        }
    }

    // (e) nothing before Retry-After.
    for limited in ran.requests.iter().filter(|q| q.status == Some(429)) {
        let early = ran.requests.iter().find(|q| q.seq > limited.seq && q.elapsed_ms < limited.elapsed_ms + RETRY_AFTER_MS);
        prop_assert!(early.is_none(), "{:?} sent before the Retry-After of {:?}; {}", early, limited, why());
    }

    // (f) every write has its audit line; the chain verifies.
    prop_assert!(ran.audit_verifies, "the audit chain does not verify");
    let reached = submits.iter().filter(|s| matches!(s["step"].as_str(), Some("update" | "outcome" | "put"))).count();
    prop_assert_eq!(reached, ran.attempts.len(), "audit submit lines vs simulator writes; {}", why());

    // Nothing is written after a validation that blocks (a run may block only after a re-read, having written
    // before); a data conflict is explained.
    if r.outcome == PublishOutcome::Blocked {
        let last_check = ran.audit.iter().rposition(|l| l["state"] == "validate" || l["state"] == "exclude");
        let last_submit = ran.audit.iter().rposition(|l| l["state"] == "submit");
        prop_assert!(last_submit < last_check, "wrote after a blocking validation; {}", why());
    }
    if r.outcome == PublishOutcome::DataConflict {
        prop_assert!(!r.conflicts.is_empty() && r.conflicts.iter().all(|c| !c.validator_gap), "unexplained; {}", why());
    }
    if case.variant == Variant::Blocked {
        prop_assert!(!published && ran.attempts.is_empty(), "{}", why());
    }
    Ok(())
}

/// What the runs went through, for the summary line.
#[derive(Debug, Default)]
struct Stats {
    outcomes: std::collections::BTreeMap<&'static str, u32>,
    writes: u32,
    version_conflicts: u32,
    rate_limited: u32,
    transient: u32,
    lost_answers: u32,
    concurrent_edits: u32,
}

fn run_case(case: &Case, stats: &Mutex<Stats>) -> Result<(), TestCaseError> {
    let w = weeks();
    let doc = if case.variant == Variant::Clean { &w.clean } else { &w.week };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ran = rt.block_on(execute(case, doc));
    rt.shutdown_timeout(Duration::from_secs(1));
    properties(case, doc, &ran)?;
    let mut st = stats.lock().unwrap();
    let c = ran.report.counters;
    *st.outcomes.entry(ran.report.outcome.as_str()).or_default() += 1;
    st.writes += c.writes;
    st.version_conflicts += c.version_conflicts;
    st.rate_limited += c.rate_limited;
    st.transient += c.transient;
    st.lost_answers += ran.attempts.iter().filter(|a| a.response_lost).count() as u32;
    st.concurrent_edits += ran.edits.len() as u32;
    Ok(())
}

#[test]
fn the_small_week_has_the_problems_the_suite_relies_on() {
    let Weeks { week, clean: clean_week, receivers } = weeks();
    assert!(!receivers.is_empty());
    let s = snapshot(week);
    let findings = check(&s, &[]);
    let trades: BTreeSet<&str> =
        findings.iter().filter(|f| f.severity >= Severity::Warning).flat_map(|f| f.refs.get("trade").into_iter().flatten().map(String::as_str)).collect();
    assert_eq!(trades, BTreeSet::from(["tr-00001", "tr-00002", "tr-00003", "tr-00004", publish_support::REST_TRADE]));
    assert!(s.agents.len() >= 20 && s.agents.len() <= 40, "{} agents", s.agents.len());
    assert!(check(&snapshot(clean_week), &[]).iter().all(|f| f.severity < Severity::Warning));
}

#[test]
fn publishing_survives_seeded_fault_plans() {
    let cases: u32 = std::env::var("PUBLISH_FAULT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96);
    let config = ProptestConfig {
        cases,
        max_shrink_iters: 16,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x5347_4154_4531),
        ..ProptestConfig::default()
    };
    let started = Instant::now();
    let stats = Mutex::default();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |c| run_case(&c, &stats));
    eprintln!("publish_faults: {cases} fault plans in {:.1} s; {:?}", started.elapsed().as_secs_f64(), stats.lock().unwrap());
    if let Err(e) = result {
        panic!("{e}");
    }
}
