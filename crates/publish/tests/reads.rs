//! Reading the live week, bounded and consistent: every answer is read in chunks up to its route's cap (issue #10,
//! point 4), an oversized answer is a typed error naming the route and the cap that the state machine turns into
//! a reported, audited outcome, and a read made of several requests is re-done when the schedule's version moved
//! while it ran (issue #9, point 3).

mod common;
mod wire;

use std::time::Duration;

use serde_json::json;
use shiftgate_publish::genesys::routes::{ENTITY_ANSWER, SMALL_ANSWER};
use shiftgate_publish::genesys::GenesysClient;
use shiftgate_publish::rest::{RestClient, RestConfig, SNAPSHOT_ANSWER};
use shiftgate_publish::{
    publish, verify_chain, AuditLog, HttpSettings, PlatformClient, PlatformError, PublishConfig, PublishOutcome, Step,
    TokioClock,
};

use common::{genesys_with, target, TimeOffValidator, SCHEDULE};
use wire::{genesys_org, Recorded, Reply, Server};

/// Without pacing, and a timeout long enough to read an answer up to the largest cap over loopback.
fn settings() -> HttpSettings {
    HttpSettings { requests_per_second: 0.0, request_timeout: Duration::from_secs(60), ..HttpSettings::default() }
}

fn genesys(base: &str) -> GenesysClient {
    genesys_with(base, settings())
}

fn too_large(err: &PlatformError, cap: u64, purpose: &str, shown: &str) {
    match err {
        PlatformError::TooLarge { cap: c, request, .. } => {
            assert_eq!(*c, cap);
            assert!(request.purpose.starts_with(purpose), "{request}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(err.to_string().contains(shown), "{err}");
    assert!(!err.is_transient(), "an oversized answer is not cured by asking again");
}

#[tokio::test]
async fn an_endless_token_answer_stops_at_the_small_cap() {
    let a = Server::start(|_, _| Reply::Endless).await;
    let err = genesys(&a.base).fetch(&target()).await.unwrap_err();
    too_large(
        &err,
        SMALL_ANSWER,
        "getting an access token",
        "(POST /oauth/token): the answer is larger than the 64 KiB limit",
    );
}

#[tokio::test]
async fn an_endless_api_read_stops_at_its_cap() {
    let a = Server::start(|r: &Recorded, _| match r.path() {
        "/oauth/token" => Reply::Json(200, json!({"access_token": "tok-1", "expires_in": 3600})),
        _ => Reply::Endless,
    })
    .await;
    let err = genesys(&a.base).fetch(&target()).await.unwrap_err();
    too_large(&err, ENTITY_ANSWER, "reading business unit bu-chi", "the 4 MiB limit");
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    let a = Server::start(|_, _| Reply::Declared(10 * 1024 * 1024 * 1024)).await;
    let err = genesys(&a.base).fetch(&target()).await.unwrap_err();
    too_large(&err, SMALL_ANSWER, "getting an access token", "64 KiB");
}

/// An endless REST snapshot: the run stops at the 256 MiB cap with a reported, audited outcome (no abort).
#[tokio::test]
async fn an_endless_snapshot_ends_the_run_with_a_reported_audited_outcome() {
    let a = Server::start(|_, _| Reply::Endless).await;
    let mut c = RestConfig::new(&a.base);
    c.http = settings();
    let client = RestClient::new(c).unwrap();
    let mut audit = AuditLog::in_memory();
    let config = PublishConfig::new(target());
    let report = publish(&client, &TimeOffValidator, &TokioClock::new(), &mut audit, &config).await.expect("a report");
    match &report.outcome {
        PublishOutcome::Rejected { step: Step::Fetch, detail, .. } => {
            assert!(
                detail.contains("reading schedule sch-48 (GET /api/v2/wfm/scheduling/schedules/sch-48)"),
                "{detail}"
            );
            assert!(detail.contains(&format!("{} MiB limit", SNAPSHOT_ANSWER / 1024 / 1024)), "{detail}");
        }
        other => panic!("expected a rejected fetch, got {other:?}"),
    }
    assert_eq!(report.outcome.exit_code(), 2);
    let lines = audit.lines();
    assert_eq!(verify_chain(&lines.join("\n")).unwrap(), report.audit_head);
    assert!(lines.iter().any(|l| l.contains("\"step\":\"fetch\"") && l.contains("\"rejected\"")), "{lines:#?}");
}

fn metadata_reads(s: &Server) -> usize {
    s.requests().iter().filter(|r| r.path() == SCHEDULE).count()
}

#[tokio::test]
async fn a_read_torn_by_an_edit_is_read_again() {
    // The version moves from 17 to 18 while the first unit reads run; the second pass sees 18 before and after.
    let org = Server::start(genesys_org(|n| if n == 0 { 17 } else { 18 })).await;
    let fetched = genesys(&org.base).fetch(&target()).await.expect("a consistent read");
    assert_eq!(fetched.schedule_version(), Some(18), "the snapshot is the state after the edit");
    assert_eq!(metadata_reads(&org), 3);
    let unit_reads = org.requests().iter().filter(|r| r.path().ends_with("/agentschedules/query")).count();
    assert_eq!(unit_reads, 2, "the unit reads were made again");
}

#[tokio::test]
async fn a_clean_read_costs_one_extra_metadata_read() {
    let org = Server::start(genesys_org(|_| 17)).await;
    genesys(&org.base).fetch(&target()).await.unwrap();
    // token, business unit, codes, metadata, (query, time off, trades) x 1 unit, metadata again.
    assert_eq!(org.requests().len(), 1 + 3 + 3 + 1);
    assert_eq!(metadata_reads(&org), 2);
}

#[tokio::test]
async fn a_schedule_that_keeps_changing_is_an_error_that_says_so() {
    let org = Server::start(genesys_org(|n| 17 + n as i64)).await;
    let err = genesys(&org.base).fetch(&target()).await.unwrap_err();
    assert!(matches!(err, PlatformError::Unstable { attempts: 3, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the schedule kept changing while it was read") && text.contains("17 -> 18 -> 19 -> 20"),
        "{text}"
    );
    assert_eq!(metadata_reads(&org), 4, "bounded: three passes");
    assert!(err.is_transient(), "the state machine may try again later, within its budget");
}

/// A plan that changes `agents`, all in unit mu-1.
fn plan_for(agents: &[&str]) -> shiftgate_publish::plan::UpdatePlan {
    let agent = |id: &&str| shiftgate_publish::plan::AgentPlan {
        agent_id: (*id).to_string(),
        management_unit_id: Some("mu-1".into()),
        version: Some(1),
        shifts: Vec::new(),
        deleted: Vec::new(),
        markers: Vec::new(),
    };
    shiftgate_publish::plan::UpdatePlan {
        schedule_id: "sch-48".into(),
        schedule_version: Some(17),
        published: false,
        agents: agents.iter().map(agent).collect(),
        trades_applied: Vec::new(),
    }
}

#[tokio::test]
async fn a_re_read_that_misses_a_changed_agent_reads_the_whole_week_instead() {
    let whole_week = |org: &Server| org.requests().iter().any(|r| r.path().ends_with("/timeoffrequests/query"));
    // The unit answers for a-100: a re-read of that agent alone (metadata, one query, metadata).
    let org = Server::start(genesys_org(|_| 17)).await;
    let fetched = genesys(&org.base).fetch_agents(&target(), &plan_for(&["a-100"])).await.unwrap();
    assert!(fetched.partial && !whole_week(&org), "{:?}", org.paths());
    // a-900 changed but its unit's answer does not hold it (moved, or left out): silence is not "no shifts",
    // so the week is read whole.
    let org = Server::start(genesys_org(|_| 17)).await;
    let fetched = genesys(&org.base).fetch_agents(&target(), &plan_for(&["a-100", "a-900"])).await.unwrap();
    assert!(!fetched.partial && whole_week(&org), "{:?}", org.paths());
}
