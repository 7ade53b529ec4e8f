//! The publisher against the real simulator over 127.0.0.1: both contracts, their wire formats, and the faults
//! that matter (stale versions, new time-off, lost answers, lost sockets, 5xx, 429, expired tokens). Real time,
//! with backoffs shortened so the file runs in a few seconds.

mod common;

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::oauth::ClientCredentials;
use shiftgate_publish::rest::{RestAuth, RestClient, RestConfig};
use shiftgate_publish::retry::RetryPolicy;
use shiftgate_publish::{
    publish, verify_chain, AuditLog, HttpSettings, PlatformClient, PublishConfig, PublishOutcome, PublishReport,
    SettlePolicy, TokioClock, WaitKind,
};
use shiftgate_sim::{FaultPlan, SimConfig, SimServer, Switches, WriteKind};

use common::{clean_example, example, target, TimeOffValidator};

async fn sim(doc: &Value, faults: &str) -> SimServer {
    let config = SimConfig { faults: FaultPlan::parse(faults).expect("fault plan"), ..SimConfig::default() };
    shiftgate_sim::start(config, &serde_json::to_vec(doc).unwrap()).await.expect("sim starts")
}

fn http() -> HttpSettings {
    HttpSettings {
        requests_per_second: 0.0,
        outcome_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        ..HttpSettings::default()
    }
}

fn genesys(s: &SimServer) -> GenesysClient {
    let mut c = GenesysConfig::new(s.base_url(), "shiftgate-sim-client", SecretString::from("shiftgate-sim-secret"));
    c.http = http();
    GenesysClient::new(c).unwrap()
}

/// The REST client buys its bearer token with the simulator's client credentials, on the REST base's origin.
fn rest(s: &SimServer) -> RestClient {
    let mut c = RestConfig::new(s.base_url());
    c.auth = RestAuth::ClientCredentials(ClientCredentials::new(
        "shiftgate-sim-client",
        SecretString::from("shiftgate-sim-secret"),
    ));
    c.http = http();
    RestClient::new(c).unwrap()
}

fn config() -> PublishConfig {
    let mut c = PublishConfig::new(target());
    let fast =
        RetryPolicy { base: Duration::from_millis(20), cap: Duration::from_millis(100), ..RetryPolicy::TRANSIENT };
    c.version_conflict = RetryPolicy { max_attempts: 5, ..fast };
    c.transient = fast;
    c.deadline = Duration::from_secs(30);
    c.jitter_seed = Some(3);
    // The simulator processes an update in milliseconds: a short processing window keeps the file fast.
    c.settle = SettlePolicy {
        window: Duration::from_secs(1),
        base: Duration::from_millis(50),
        cap: Duration::from_millis(200),
    };
    c
}

async fn run<P: PlatformClient>(p: &P, cfg: &PublishConfig) -> PublishReport {
    let mut audit = AuditLog::in_memory();
    let report = publish(p, &TimeOffValidator, &TokioClock::new(), &mut audit, cfg).await.expect("run");
    assert_eq!(verify_chain(&audit.lines().join("\n")).unwrap(), report.audit_head);
    report
}

/// Who holds each shift in the simulator's store.
async fn holders(s: &SimServer) -> Vec<(String, String)> {
    let state = serde_json::to_value(s.state().await).unwrap();
    let mut out = Vec::new();
    for e in state["agentSchedules"].as_array().unwrap() {
        for sh in e["shifts"].as_array().unwrap() {
            out.push((sh["id"].as_str().unwrap().to_string(), e["user"]["id"].as_str().unwrap().to_string()));
        }
    }
    out.sort();
    out
}

fn swapped() -> Vec<(String, String)> {
    vec![("s-1".into(), "a-200".into()), ("s-9".into(), "a-100".into())]
}

fn verified(report: &PublishReport) -> bool {
    matches!(report.outcome, PublishOutcome::Published { verified: true, changed_shifts: true, .. })
}

#[tokio::test]
async fn genesys_flow_publishes_the_swap() {
    let s = sim(&clean_example(), "").await;
    let report = run(&genesys(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(holders(&s).await, swapped());
    let state = s.state().await;
    assert_eq!(state.schedule.as_ref().unwrap().published, Some(true));
    let attempts = s.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].kind, WriteKind::GenesysUpdate);
    assert_eq!(attempts[0].schedule_version_sent, Some(17));
    assert_eq!(attempts[0].agent_versions_sent.get("a-100"), Some(&Some(4)));
    assert_eq!(attempts[0].published, Some(true));
}

#[tokio::test]
async fn genesys_blocked_and_excluded_runs() {
    let s = sim(&example(), "").await;
    let report = run(&genesys(&s), &config()).await;
    assert_eq!(report.outcome, PublishOutcome::Blocked);
    assert!(s.attempts().is_empty(), "a blocked run writes nothing");

    let mut cfg = config();
    cfg.exclude_conflicting_trades = true;
    let report = run(&genesys(&s), &cfg).await;
    assert!(matches!(report.outcome, PublishOutcome::Published { verified: true, changed_shifts: false, .. }));
    assert_eq!(report.excluded_trades[0].trade_id, "tr-4");
    assert_eq!(holders(&s).await, [("s-1".to_string(), "a-100".to_string()), ("s-9".into(), "a-200".into())]);
}

#[tokio::test]
async fn genesys_stale_versions_are_retried_after_a_re_read() {
    for as_400 in [false, true] {
        let s = sim(&clean_example(), "409-version@1").await;
        s.set_switches(Switches { version_conflict_as_400: as_400, ..Switches::default() }).await;
        let report = run(&genesys(&s), &config()).await;
        assert!(verified(&report), "as_400={as_400}: {:#?}", report.story);
        assert_eq!(report.counters.version_conflicts, 1);
        let attempts = s.attempts();
        assert_eq!(attempts.len(), 2);
        assert!(attempts[1].schedule_version_sent > attempts[0].schedule_version_sent);
        assert_eq!(holders(&s).await, swapped());
    }
}

#[tokio::test]
async fn genesys_new_time_off_is_a_data_conflict_explained_by_the_fresh_read() {
    for delivery in [shiftgate_sim::ErrorDelivery::Sync, shiftgate_sim::ErrorDelivery::Async] {
        let s = sim(&clean_example(), "timeoff@1").await;
        s.set_switches(Switches { error_delivery: delivery, ..Switches::default() }).await;
        let report = run(&genesys(&s), &config()).await;
        assert_eq!(report.outcome, PublishOutcome::DataConflict, "{delivery:?}: {:#?}", report.story);
        assert_eq!(s.attempts().len(), 1, "never resent");
        assert!(!report.conflicts.is_empty());
        assert!(
            report.conflicts.iter().any(|c| !c.validator_gap && c.findings[0].rule == "core.timeoff.conflict"),
            "{delivery:?}: {:#?}",
            report.conflicts
        );
        assert_eq!(holders(&s).await, [("s-1".to_string(), "a-100".to_string()), ("s-9".into(), "a-200".into())]);
    }
}

#[tokio::test]
async fn genesys_lost_answers_and_sockets_are_resolved_by_re_reading() {
    for fault in ["drop@update#1", "closing@1", "noevent@1", "lost504@update#1"] {
        let s = sim(&clean_example(), fault).await;
        let report = run(&genesys(&s), &config()).await;
        assert!(verified(&report), "{fault}: {:#?}", report.story);
        let applied = s.attempts().iter().filter(|a| a.outcome == shiftgate_sim::AttemptOutcome::Applied).count();
        assert_eq!(applied, 1, "{fault}: applied exactly once");
        assert_eq!(report.counters.writes, 1, "{fault}: not resent");
        assert_eq!(holders(&s).await, swapped(), "{fault}");
    }
}

#[tokio::test]
async fn genesys_5xx_and_429_are_waited_out() {
    let s = sim(&clean_example(), "503@update#1,500@read#2").await;
    let report = run(&genesys(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(report.counters.writes, 2);

    let s = sim(&clean_example(), "429:1s@update#1").await;
    let t0 = std::time::Instant::now();
    let report = run(&genesys(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert!(t0.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    assert_eq!(report.counters.rate_limited, 1);
}

#[tokio::test]
async fn genesys_refreshes_an_expired_token_once() {
    let s = sim(&clean_example(), "").await;
    let client = genesys(&s);
    client.fetch(&target()).await.expect("first read gets a token");
    s.expire_tokens().await;
    let report = run(&client, &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    let tokens = s.requests().iter().filter(|r| r.path == "/oauth/token").count();
    assert_eq!(tokens, 2);
    let unauthorized = s.requests().iter().filter(|r| r.status == Some(401)).count();
    assert_eq!(unauthorized, 1);
}

#[tokio::test]
async fn genesys_wrong_credentials_are_rejected_without_retry() {
    let s = sim(&clean_example(), "").await;
    let mut c = GenesysConfig::new(s.base_url(), "shiftgate-sim-client", SecretString::from("wrong"));
    c.http = http();
    let report = run(&GenesysClient::new(c).unwrap(), &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::Rejected { .. }), "{:?}", report.outcome);
    assert!(s.attempts().is_empty());
    assert!(!serde_json::to_string(&report).unwrap().contains("wrong\""));
}

#[tokio::test]
async fn rest_contract_publishes_and_handles_stale_etags() {
    let s = sim(&clean_example(), "").await;
    let report = run(&rest(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(holders(&s).await, swapped());
    assert_eq!(s.attempts()[0].kind, WriteKind::RestPut);

    let s = sim(&clean_example(), "409-version@1").await;
    let report = run(&rest(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(report.counters.version_conflicts, 1);
    assert_eq!(s.attempts()[0].status, 412);
}

#[tokio::test]
async fn rest_data_conflicts_and_lost_answers() {
    let s = sim(&clean_example(), "timeoff@1").await;
    let report = run(&rest(&s), &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict, "{:#?}", report.story);
    let c = &report.conflicts[0];
    assert_eq!(c.conflict.kind.as_deref(), Some("TimeOffOverlap"));
    assert!(!c.validator_gap, "{c:#?}");
    assert_eq!(s.attempts().len(), 1);

    let s = sim(&clean_example(), "lost504@1").await;
    let report = run(&rest(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(report.counters.writes, 1);
}

#[tokio::test]
async fn a_read_longer_than_the_rate_limit_is_paced_by_the_headers_and_meets_no_429() {
    // A Genesys week is read in 3 + 3 × units + 1 requests (7 here), and the verifying re-read in 2 + 1. Under a
    // limit of 5 per window the client learns from `inin-ratelimit-*` (wfm-api.md §1.11) how much is left and
    // waits for the window's end instead of being refused.
    let limited = SimConfig {
        rate_limit: Some(shiftgate_sim::RateLimit { requests: 5, window: Duration::from_secs(1) }),
        ..SimConfig::default()
    };
    let s = shiftgate_sim::start(limited, &serde_json::to_vec(&clean_example()).unwrap()).await.unwrap();
    let mut cfg = config();
    cfg.deadline = Duration::from_secs(20);
    let report = run(&genesys(&s), &cfg).await;
    assert!(verified(&report), "{:#?}", report.story);
    let requests = s.requests();
    assert!(requests.iter().all(|r| r.status != Some(429)), "{requests:#?}");
    assert_eq!(report.counters.rate_limited, 0);
    let paced = report.timings.waits.iter().find(|w| w.kind == WaitKind::RateLimitPacing);
    assert!(paced.is_some_and(|w| w.total >= Duration::from_millis(500)), "{:#?}", report.timings);
    // Requests by route, as the simulator received them (the token and the upload are other origins).
    let api = requests.iter().filter(|r| r.path.starts_with("/api/")).count() as u32;
    let counted: u32 = report
        .timings
        .routes
        .iter()
        .filter(|r| !r.route.contains("oauth") && !r.route.contains("pre-signed"))
        .map(|r| r.requests)
        .sum();
    assert_eq!(counted, api, "{:#?}", report.timings.routes);
    assert_eq!(report.counters.fetches, 2, "the first read and the verifying re-read: {:#?}", report.story);
}

#[tokio::test]
async fn a_429_on_a_read_is_waited_out_and_the_read_goes_on() {
    // A 429 the headers did not predict (another user of the credentials, or a resource's own limit) is still
    // honoured: the read waits out its Retry-After and goes on rather than starting over.
    let s = sim(&clean_example(), "429:1s@read#3").await;
    let report = run(&genesys(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    assert_eq!(report.counters.rate_limited, 1, "{:?}", report.counters);
    assert!(
        report.story.iter().any(|l| l.contains("while reading: each request waited as asked")),
        "{:#?}",
        report.story
    );
    let requests = s.requests();
    let limited: Vec<_> = requests.iter().filter(|r| r.status == Some(429)).collect();
    assert_eq!(limited.len(), 1);
    for l in limited {
        let wait_ms = l.retry_after_secs.expect("a 429 says how long") * 1000;
        let early = requests.iter().find(|q| q.seq > l.seq && q.elapsed_ms < l.elapsed_ms + wait_ms);
        assert!(early.is_none(), "{early:?} went before the Retry-After of {l:?}");
    }
    let waited = report.timings.waits.iter().find(|w| w.kind == WaitKind::RetryAfter);
    assert!(waited.is_some_and(|w| w.total >= Duration::from_millis(900)), "{:#?}", report.timings);
    assert_eq!(report.counters.fetches, 2, "nothing was read twice for a 429: {:#?}", report.story);
}

#[tokio::test]
async fn the_verifying_re_read_reads_only_the_units_of_the_agents_the_payload_changed() {
    // Three management units; the trade (a-100 <-> a-200) touches mu-1 only. The first read costs 3 requests per
    // unit; the re-read that verifies the write reads the schedule's metadata before and after, and one
    // agent-schedules query for mu-1 with the changed agents' userIds (SDK: BuQueryAgentSchedulesRequest.md:
    // managementUnitId is required, so one query per unit is the floor), and no time off or trades: whether our
    // shifts are live is in the agents' schedules. Counted from the simulator's request journal.
    let mut doc = clean_example();
    for (agent, unit, shift, day) in [("a-300", "mu-2", "s-30", "03"), ("a-400", "mu-3", "s-40", "04")] {
        doc["agents"].as_array_mut().unwrap().push(serde_json::json!({"id": agent, "managementUnitId": unit}));
        doc["agentSchedules"].as_array_mut().unwrap().push(serde_json::json!({
            "user": {"id": agent}, "metadata": {"version": 1},
            "shifts": [{"id": shift, "startDate": format!("2026-12-{day}T14:00:00Z"), "lengthMinutes": 480}]}));
    }
    let s = sim(&doc, "").await;
    let report = run(&genesys(&s), &config()).await;
    assert!(verified(&report), "{:#?}", report.story);
    let requests = s.requests();
    let update = requests.iter().rposition(|r| r.method == "POST" && r.path.ends_with("/update")).expect("an update");
    let count = |rs: &[shiftgate_sim::RequestRecord], end: &str| {
        rs.iter().filter(|r| r.path.split('?').next().is_some_and(|p| p.ends_with(end))).count()
    };
    let (before, after) = requests.split_at(update + 1);
    assert_eq!(count(before, "/agentschedules/query"), 3, "the first read reads every unit");
    let after: Vec<_> = after.to_vec();
    assert_eq!(count(&after, "/agentschedules/query"), 1, "{after:#?}");
    assert_eq!(count(&after, "/timeoffrequests/query") + count(&after, "/shifttrades"), 0, "{after:#?}");
    assert_eq!(count(&after, "/schedules/sch-48"), 2, "the version before and after: {after:#?}");
    assert!(after.iter().all(|r| !r.path.contains("/businessunits/bu-chi?") && !r.path.ends_with("/activitycodes")));
    let held = holders(&s).await;
    assert!(swapped().iter().all(|h| held.contains(h)), "{held:?}");
}
