//! The fault cases of issue #9 (point 8), each over the real simulator on 127.0.0.1 in its strict default mode:
//! a refused Genesys update is 202 then an `Error` event without a reason (wfm-api.md §1.6, §6), updates take
//! processing time and land when it ends, and the REST contract needs a bearer token. Most cases run the built
//! binary, so what is pinned is what a user sees: the exit code, the report, the simulator's journal.
//!
//! Cases: a socket closed before a delayed outcome; a read torn by a write landing between the metadata read and
//! the agent reads; publishing twice, then a third time after a concurrent edit; pending time off added between
//! read and write under a traded shift; a site that downgrades pending conflicts to warnings; token expiry
//! mid-run; a 10-requests-a-minute rate limit (the slow one: about two minutes, mostly waiting).
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test publish_strict`.

mod common;
mod publish_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{json, Value};
use shiftgate_check::Severity;
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::oauth::ClientCredentials;
use shiftgate_publish::plan::UpdatePlan;
use shiftgate_publish::rest::{RestAuth, RestClient, RestConfig};
use shiftgate_publish::{
    publish, AnyPlatform, AuditLog, Fetched, HttpSettings, PlatformClient, PlatformError, PublishConfig,
    PublishOutcome, SettlePolicy, Submission, SubmitResult, Target, TokioClock,
};
use shiftgate_sim::{
    AttemptOutcome, EditAction, EditRequest, FaultPlan, RateLimit, RequestRecord, SimConfig, SimServer, WriteKind,
};

use common::{output, shiftgate, text};
use publish_support::{
    check, clean, sim_with, small_week, snapshot, target, with_sim_credentials, CheckValidator, REST_TRADE,
};

/// The instant the runs evaluate at: the Sunday 18:00 job (the week's `asOf`).
const AS_OF: &str = "2026-11-22T18:00:00-06:00";

/// The small week (30 agents, 3 management units) with nothing blocking: every trade applies.
fn clean_week() -> Value {
    clean(&small_week(30))
}

/// `shiftgate publish` against `url`, with the simulator's client credentials, a 1 s processing window, no
/// client-side pacing, JSON output, and `extra` flags.
fn publish_cmd(url: &str, platform: &str, doc: &Value, audit: &Path, extra: &[&str]) -> Command {
    let t = target(doc);
    let mut c = with_sim_credentials(shiftgate());
    c.args(["publish", "--platform", platform, "--api", url, "--rate", "0", "--settle-window", "1"])
        .args(["--business-unit", &t.business_unit_id, "--week", &t.week_id, "--schedule", &t.schedule_id])
        .args(["--as-of", AS_OF, "--audit", audit.to_str().unwrap()])
        .args(extra);
    c
}

/// Runs a `--json` publish: the exit code and the report.
async fn run_json(c: Command) -> (i32, Value) {
    let o = output(c).await;
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{}\n{}", text(&o.stdout), text(&o.stderr)));
    (o.status.code().unwrap_or(-1), report)
}

fn story(report: &Value) -> String {
    report["story"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join("\n")
}

fn fates(report: &Value) -> Vec<String> {
    report["writes"].as_array().unwrap().iter().map(|w| w["fate"].as_str().unwrap().to_string()).collect()
}

fn applied(sim: &SimServer) -> usize {
    sim.attempts().iter().filter(|a| a.outcome == AttemptOutcome::Applied).count()
}

/// Reads of the Genesys flow (metadata, agent schedules, time off, trades) in a clean pass: 3 + 3 × units + 1.
fn reads_per_pass(doc: &Value) -> u32 {
    let units: BTreeSet<&str> =
        doc["agents"].as_array().unwrap().iter().filter_map(|a| a["managementUnitId"].as_str()).collect();
    3 + 3 * units.len() as u32 + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_closed_before_a_delayed_outcome_still_reports_the_landed_write() {
    // The update processes for 400 ms, then the platform announces socket_closing and closes the socket instead
    // of sending the outcome (wfm-api.md §6.6). The write landed: a re-read must say so, and nothing is resent.
    let week = clean_week();
    let config = SimConfig {
        faults: FaultPlan::parse("closing@update#1").unwrap(),
        completion_delay: Duration::from_millis(400),
        ..SimConfig::default()
    };
    let sim = sim_with(&week, config).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, report) =
        run_json(publish_cmd(&sim.base_url(), "genesys", &week, &dir.path().join("a.jsonl"), &["--json"])).await;
    assert_eq!(code, 0, "{}", story(&report));
    assert_eq!(report["outcome"]["kind"], "published", "{}", story(&report));
    assert_eq!(report["outcome"]["verified"], true);
    assert_eq!(fates(&report), ["landed"], "{}", story(&report));
    assert!(report["writes"][0]["detail"].as_str().unwrap().contains("a re-read shows our payload live"));
    assert_eq!((sim.attempts().len(), applied(&sim)), (1, 1), "applied once, never resent");
    let op = sim.operation(sim.attempts()[0].operation_id.as_deref().unwrap()).await.unwrap();
    assert_eq!((op.status.as_str(), op.event.as_str()), ("Complete", "suppressed"), "the outcome never went out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_torn_by_a_landing_write_is_read_again_before_anything_is_decided() {
    // The update's answer is lost (the connection drops after the platform took it), and it is still processing
    // (10 s) when shiftgate re-reads. That re-read settles the write, so it reads only what tells whether our
    // payload is live: the schedule's metadata, the changed agents' schedules (one userIds query per unit,
    // SDK: BuQueryAgentSchedulesRequest.md), the metadata again. The `settle` fault lands the write on the
    // re-read's first agent-schedules query: after the metadata read (version 17), before the agent reads (our
    // shifts). The re-read is torn; the metadata read after the units shows 18, so the units are read again, and
    // only then is anything decided.
    let week = clean_week();
    let pass = reads_per_pass(&week);
    // Reads 1..=pass are the first read; the re-read's 1st is the metadata, its 2nd the first agent schedules.
    let faults = format!("drop@update#1,settle@read#{}", pass + 2);
    let config = SimConfig {
        faults: FaultPlan::parse(&faults).unwrap(),
        completion_delay: Duration::from_secs(10),
        ..SimConfig::default()
    };
    let sim = sim_with(&week, config).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, report) =
        run_json(publish_cmd(&sim.base_url(), "genesys", &week, &dir.path().join("a.jsonl"), &["--json"])).await;
    assert_eq!(code, 0, "{}", story(&report));
    assert_eq!(report["outcome"]["kind"], "published", "{}", story(&report));
    assert_eq!(report["outcome"]["scheduleVersion"], 18);
    assert_eq!(fates(&report), ["landed"], "{}", story(&report));
    assert_eq!((sim.attempts().len(), applied(&sim)), (1, 1), "applied once, never resent");
    // The re-read after the lost answer: a torn pass, then the units read again, nothing else.
    let requests = sim.requests();
    let update = requests.iter().find(|r| r.kind.as_deref() == Some("update")).unwrap().seq;
    let after: Vec<&RequestRecord> =
        requests.iter().filter(|r| r.seq > update && r.kind.as_deref() == Some("read")).collect();
    let path = |r: &RequestRecord| r.path.split('?').next().unwrap_or_default().to_string();
    let metadata = after.iter().filter(|r| path(r).ends_with("/schedules/sch-48")).count();
    let queries = after.iter().filter(|r| path(r).ends_with("/agentschedules/query")).count();
    assert_eq!(metadata, 3, "the metadata read before the units, after them (moved), and after the second pass");
    assert!(queries >= 2 && queries % 2 == 0, "the changed agents' units, read twice: {after:#?}");
    assert_eq!(after.len(), metadata + queries, "no time off, trades or business unit re-read: {after:#?}");
}

/// A one-way pick-up between two agents who trade nothing else, which the gate finds harmless (no warning).
fn harmless_pickup(doc: &Value) -> Value {
    let s = snapshot(doc);
    let traders: BTreeSet<String> = s
        .trades
        .iter()
        .flat_map(|t| [Some(t.initiating_user.to_string()), t.receiving_user.as_ref().map(|u| u.to_string())])
        .flatten()
        .collect();
    for x in &s.shifts {
        let giver = s.agent(x.owner).id.to_string();
        if traders.contains(&giver) {
            continue;
        }
        for taker in s.agents.iter().map(|a| a.id.to_string()).filter(|a| *a != giver && !traders.contains(a)) {
            let mut next = doc.clone();
            next["shiftTrades"].as_array_mut().unwrap().push(json!({
                "id": "tr-late", "state": "Approved", "initiatingUser": {"id": giver}, "initiatingShiftId": x.id.to_string(),
                "receivingUser": {"id": taker}, "reviewedDate": "2026-11-22T12:00:00Z"
            }));
            if check(&snapshot(&next), &[]).iter().all(|f| f.severity < Severity::Warning) {
                return next;
            }
        }
    }
    panic!("no harmless pick-up in the week");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_twice_writes_nothing_and_a_third_run_sends_only_what_is_missing() {
    let week = clean_week();
    let sim = sim_with(&week, SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("a.jsonl");
    let url = sim.base_url();

    let (code, first) = run_json(publish_cmd(&url, "genesys", &week, &audit, &["--json"])).await;
    assert_eq!((code, first["outcome"]["kind"].as_str()), (0, Some("published")), "{}", story(&first));
    assert_eq!(first["outcome"]["scheduleVersion"], 18);

    // The weekly job runs again: the trades stay Approved, but their shifts already sit with their new owners.
    let o = output(publish_cmd(&url, "genesys", &week, &audit, &[])).await;
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("ALREADY PUBLISHED: schedule sch-48 is already published at version 18"), "{out}");
    assert!(out.contains("already published at version 18 as this run would leave it"), "{out}");
    assert_eq!(sim.attempts().len(), 1, "the second run wrote nothing");

    // A trade approved since, then someone edits another agent's shift (versions move): the third run carries
    // only the two agents of the new trade, and keeps the edit.
    let live = serde_json::to_value(sim.state().await).unwrap();
    let with_new_trade = harmless_pickup(&live);
    sim.seed(&serde_json::to_vec(&with_new_trade).unwrap()).await.unwrap();
    let edit = sim.edit(&EditRequest { action: EditAction::Bump, ..EditRequest::default() }).await.unwrap();
    let (code, third) = run_json(publish_cmd(&url, "genesys", &week, &audit, &["--json"])).await;
    assert_eq!((code, third["outcome"]["kind"].as_str()), (0, Some("published")), "{}", story(&third));
    assert_eq!(third["tradesApplied"], json!(["tr-late"]), "{}", story(&third));
    let new_trade = &with_new_trade["shiftTrades"].as_array().unwrap().last().unwrap().clone();
    let expected: BTreeSet<String> = [&new_trade["initiatingUser"]["id"], &new_trade["receivingUser"]["id"]]
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 2);
    let sent: BTreeSet<String> = attempts[1].agent_versions_sent.keys().cloned().collect();
    assert_eq!(sent, expected, "the third write carries only the new trade's agents");
    let state = serde_json::to_value(sim.state().await).unwrap();
    let edited = edit.shift_id.expect("the edit names its shift");
    let kept = state["agentSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["shifts"].as_array().unwrap())
        .any(|s| s["id"] == edited.as_str() && s["manuallyEdited"] == true);
    assert!(kept, "the concurrent edit of {edited} was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_time_off_between_read_and_write_is_a_reasonless_refusal_explained_locally_and_never_resent() {
    // The simulator's editor files a PENDING request for the receiver of the first approved trade, over the shift
    // that trade gives them, just before the update arrives (the incident). Genesys refuses it with a bare
    // `Error` event; shiftgate re-reads, finds the versions unchanged after the window (refused data, not a stale
    // version), stops, and explains the refusal from its own finding on the fresh read.
    let week = clean_week();
    let config = SimConfig { faults: FaultPlan::parse("timeoff@update#1").unwrap(), ..SimConfig::default() };
    let sim = sim_with(&week, config).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, report) =
        run_json(publish_cmd(&sim.base_url(), "genesys", &week, &dir.path().join("a.jsonl"), &["--json"])).await;
    assert_eq!(code, 1, "{}", story(&report));
    assert_eq!(report["outcome"]["kind"], "dataConflict", "{}", story(&report));
    assert_eq!(fates(&report), ["refused"]);
    let attempts = sim.attempts();
    assert_eq!(attempts.len(), 1, "never resent");
    assert_eq!(attempts[0].outcome, AttemptOutcome::DataConflict);
    let op = sim.operation(attempts[0].operation_id.as_deref().unwrap()).await.unwrap();
    assert_eq!((op.status.as_str(), op.event.as_str()), ("Error", "delivered"));
    // The event is all the platform said (BuAsyncScheduleResponse fields, wfm-api.md §6.3): no reason.
    let event = report["responseBody"].as_object().expect("the Error event is kept");
    let keys: BTreeSet<&str> = event.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["eventType", "operationId", "status"]), "{event:?}");
    assert_eq!(event["status"], "Error");
    let told = story(&report);
    assert!(told.contains("the update ended with an Error event, no reason given"), "{told}");
    assert!(told.contains("on the fresh read the gate finds 1 blocking finding(s), the likely cause:"), "{told}");
    assert!(told.contains("core.timeoff.pending-conflict") && told.contains("tor-sim-1"), "{told}");
    let c = &report["conflicts"][0];
    assert_eq!(c["validatorGap"], false);
    assert_eq!(c["findings"][0]["rule"], "core.timeoff.pending-conflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_that_downgrades_pending_conflicts_to_warnings_is_refused_and_told_why() {
    // The incident week (minus the rest-breaking trade) under a site configuration that reports pending time-off
    // conflicts as warnings: the gate lets it through, Genesys refuses it with a bare `Error` event, and shiftgate
    // stops, resends nothing, and ties the refusal to its own warnings.
    let mut week = small_week(30);
    week["shiftTrades"].as_array_mut().unwrap().retain(|t| t["id"] != REST_TRADE);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shiftgate.toml");
    std::fs::write(&config, "[rules.\"core.timeoff.pending-conflict\"]\nseverity_when_pending = \"warning\"\n")
        .unwrap();
    let sim = sim_with(&week, SimConfig::default()).await;
    let extra = ["--json", "--config", config.to_str().unwrap()];
    let (code, report) =
        run_json(publish_cmd(&sim.base_url(), "genesys", &week, &dir.path().join("a.jsonl"), &extra)).await;
    assert_eq!(code, 1, "{}", story(&report));
    assert_eq!(report["outcome"]["kind"], "dataConflict", "{}", story(&report));
    assert_eq!(sim.attempts().len(), 1, "never resent");
    let told = story(&report);
    assert!(told.contains("Validated: ") && told.contains(", 0 blocking."), "the gate let it through: {told}");
    assert!(told.contains("on the fresh read nothing blocks, but the gate warned: 4 finding(s)"), "{told}");
    assert!(told.contains("core.timeoff.pending-conflict"), "{told}");
    let c = &report["conflicts"][0];
    assert_eq!(c["validatorGap"], false, "{c:#}");
    assert_eq!(c["findings"][0]["severity"], "warning");
    assert_eq!(c["findings"][0]["rule"], "core.timeoff.pending-conflict");
}

/// A client that expires every token the simulator issued right after the first read: the next request carries
/// a token that was good when it was bought.
struct ExpireAfterFirstRead {
    inner: AnyPlatform,
    sim: Arc<SimServer>,
    reads: AtomicU32,
}

impl PlatformClient for ExpireAfterFirstRead {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        self.inner.prepare(fetched, plan)
    }

    async fn fetch(&self, target: &Target) -> Result<Fetched, PlatformError> {
        let r = self.inner.fetch(target).await;
        if self.reads.fetch_add(1, Ordering::SeqCst) == 0 {
            self.sim.expire_tokens().await;
        }
        r
    }

    async fn submit(&self, target: &Target, submission: &Submission) -> SubmitResult {
        self.inner.submit(target, submission).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_expires_mid_run_is_renewed_once_on_both_contracts() {
    let week = clean_week();
    for genesys in [true, false] {
        let sim = Arc::new(sim_with(&week, SimConfig::default()).await);
        let http = HttpSettings { requests_per_second: 0.0, ..HttpSettings::default() };
        let (id, secret) = ("shiftgate-sim-client", SecretString::from("shiftgate-sim-secret"));
        let inner = if genesys {
            let mut c = GenesysConfig::new(sim.base_url(), id, secret);
            c.http = http;
            AnyPlatform::Genesys(GenesysClient::new(c).unwrap())
        } else {
            let mut c = RestConfig::new(sim.base_url());
            c.auth = RestAuth::ClientCredentials(ClientCredentials::new(id, secret));
            c.http = http;
            AnyPlatform::Rest(RestClient::new(c).unwrap())
        };
        let platform = ExpireAfterFirstRead { inner, sim: sim.clone(), reads: AtomicU32::new(0) };
        let mut cfg = PublishConfig::new(target(&week));
        cfg.as_of = snapshot(&week).as_of;
        cfg.settle = SettlePolicy {
            window: Duration::from_secs(1),
            base: Duration::from_millis(50),
            cap: Duration::from_millis(200),
        };
        let validator = CheckValidator { fail_on: Severity::Error };
        let report =
            publish(&platform, &validator, &TokioClock::new(), &mut AuditLog::in_memory(), &cfg).await.expect("run");
        assert!(
            matches!(report.outcome, PublishOutcome::Published { verified: true, .. }),
            "genesys={genesys}: {:#?}",
            report.story
        );
        let requests = sim.requests();
        let tokens = requests.iter().filter(|r| r.path == "/oauth/token").count();
        let refused = requests.iter().filter(|r| r.status == Some(401)).count();
        assert_eq!((tokens, refused), (2, 1), "genesys={genesys}: one 401, one renewal");
        assert_eq!(applied(&sim), 1, "genesys={genesys}");
        let kind = if genesys { WriteKind::GenesysUpdate } else { WriteKind::RestPut };
        assert!(sim.attempts().iter().all(|a| a.kind == kind));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_requests_a_minute_slow_the_run_down_but_the_headers_keep_it_clear_of_any_429() {
    // 10 requests a minute per client. A Genesys read of this week is 13 requests (3 units), so the first read
    // alone cannot fit one window. The client paces itself from `inin-ratelimit-allowed/-count/-reset`
    // (wfm-api.md §1.11): it waits for the window's end instead of being refused, so the run meets no 429 and
    // the wait is reported as rate-limit pacing. About two minutes.
    let week = clean_week();
    assert_eq!(reads_per_pass(&week), 13);
    let config = SimConfig {
        rate_limit: Some(RateLimit { requests: 10, window: Duration::from_secs(60) }),
        ..SimConfig::default()
    };
    let sim = sim_with(&week, config).await;
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, report) =
        run_json(publish_cmd(&sim.base_url(), "genesys", &week, &dir.path().join("a.jsonl"), &["--json"])).await;
    let took = started.elapsed();
    assert_eq!(code, 0, "{}", story(&report));
    assert_eq!(report["outcome"]["kind"], "published", "{}", story(&report));
    assert_eq!(applied(&sim), 1);
    let requests = sim.requests();
    let limited: Vec<&RequestRecord> = requests.iter().filter(|r| r.status == Some(429)).collect();
    assert!(limited.is_empty(), "the headers said how much was left: {limited:#?}");
    assert_eq!(report["timings"]["rateLimited"], 0, "{}", report["timings"]);
    let waits = report["timings"]["waits"].as_array().unwrap();
    let paced = waits.iter().find(|w| w["kind"] == "rateLimitPacing").unwrap_or_else(|| panic!("{waits:#?}"));
    // More than one window's worth of requests: the run stood still until at least one window ended.
    assert!(paced["ms"].as_f64().unwrap() >= 30_000.0, "{paced}");
    assert!(!story(&report).contains("Rate limited (429)"), "{}", story(&report));
    eprintln!("10 requests a minute: {} requests, no 429, {:.0} s", requests.len(), took.as_secs_f64());
}
