//! Shared pieces of the publisher's integration tests: the example week, a small validator that predicts
//! time-off conflicts after trades the way the real checker's `core` pack does, and the clients and submission
//! the wire tests (requests.rs, redirects.rs, reads.rs, token.rs) send to their servers on 127.0.0.1; and for the
//! state-machine tests (machine.rs, machine_settle.rs) running a publish on the in-memory platform and reading it.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{json, Value};
use shiftgate_model::{apply_trades_excluding, Category, Snapshot};
use shiftgate_publish::fake::{Call, FakePlatform};
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::plan::UpdatePlan;
use shiftgate_publish::{
    publish, verify_chain, AuditLog, HttpSettings, PublishConfig, PublishFinding, PublishOutcome, PublishReport,
    Submission, Target, TokioClock, Validation, Validator,
};

/// The route of [`target`]'s schedule, without the host.
pub const SCHEDULE: &str = "/api/v2/workforcemanagement/businessunits/bu-chi/weeks/2026-11-29/schedules/sch-48";

pub fn target() -> Target {
    Target { business_unit_id: "bu-chi".into(), week_id: "2026-11-29".into(), schedule_id: "sch-48".into() }
}

/// Client settings for a test server on loopback: no pacing, a 5 s request timeout.
pub fn fast() -> HttpSettings {
    HttpSettings { requests_per_second: 0.0, request_timeout: Duration::from_secs(5), ..HttpSettings::default() }
}

/// A Genesys client of `base` (client `client-1`, secret `s3cret`) with the given settings.
pub fn genesys_with(base: &str, http: HttpSettings) -> GenesysClient {
    let mut c = GenesysConfig::new(base, "client-1", SecretString::from("s3cret"));
    c.http = http;
    GenesysClient::new(c).unwrap()
}

/// A Genesys client of `base` with [`fast`] settings.
pub fn genesys(base: &str) -> GenesysClient {
    genesys_with(base, fast())
}

/// A write of schedule sch-48 at version 17 that changes no agent and publishes.
pub fn submission() -> Submission {
    let plan = UpdatePlan {
        schedule_id: "sch-48".into(),
        schedule_version: Some(17),
        published: true,
        agents: vec![],
        trades_applied: vec![],
    };
    Submission {
        plan,
        body: json!({"metadata": {"version": 17}, "published": true}),
        payload_hash: "sha256:x".into(),
        etag: None,
    }
}

pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T18:00:00-06:00").unwrap().with_timezone(&Utc)
}

/// The design example: a-100 and a-200 swap s-1 and s-9 (trade tr-4); a-200 has a PENDING partial-day request
/// tor-9 on Tue Dec 1 08:00-12:00 CST, which s-1 overlaps after the swap.
pub fn example() -> Value {
    json!({
      "format": "shiftgate.snapshot/1",
      "businessUnit": { "id": "bu-chi", "name": "Chicago Care", "timeZone": "America/Chicago", "startDayOfWeek": "Sunday" },
      "schedule": { "id": "sch-48", "weekDate": "2026-11-29", "weekCount": 1, "published": false, "metadata": { "version": 17 } },
      "activityCodes": [
        { "id": "0", "name": "On Queue", "category": "OnQueueWork" },
        { "id": "2", "name": "Meal", "category": "Meal", "countsAsPaidTime": false },
        { "id": "3", "name": "Vacation", "category": "TimeOff" }
      ],
      "agents": [ { "id": "a-100", "managementUnitId": "mu-1" }, { "id": "a-200", "managementUnitId": "mu-1" } ],
      "agentSchedules": [
        { "user": { "id": "a-100" }, "metadata": { "version": 4 },
          "shifts": [ { "id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 510,
                        "activities": [ { "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "0" },
                                        { "startDate": "2026-12-01T18:00:00Z", "lengthMinutes": 30, "activityCodeId": "2" },
                                        { "startDate": "2026-12-01T18:30:00Z", "lengthMinutes": 240, "activityCodeId": "0" } ] } ] },
        { "user": { "id": "a-200" }, "metadata": { "version": 9 },
          "shifts": [ { "id": "s-9", "startDate": "2026-12-02T14:00:00Z", "lengthMinutes": 510,
                        "activities": [ { "startDate": "2026-12-02T14:00:00Z", "lengthMinutes": 510, "activityCodeId": "0" } ] } ] }
      ],
      "timeOffRequests": [
        { "id": "tor-9", "user": { "id": "a-200" }, "status": "PENDING", "isFullDayRequest": false,
          "partialDayStartDateTimes": ["2026-12-01T14:00:00Z"], "dailyDurationMinutes": 240, "activityCodeId": "3" }
      ],
      "shiftTrades": [
        { "id": "tr-4", "state": "Approved", "initiatingUser": { "id": "a-100" }, "initiatingShiftId": "s-1",
          "receivingUser": { "id": "a-200" }, "receivingShiftId": "s-9", "reviewedDate": "2026-11-20T16:00:00Z" }
      ]
    })
}

/// The example without the time-off request: nothing blocks.
pub fn clean_example() -> Value {
    let mut doc = example();
    doc["timeOffRequests"] = json!([]);
    doc
}

/// Flags work that overlaps a PENDING or APPROVED time-off request of whoever holds the shift after trades.
pub struct TimeOffValidator;

impl Validator for TimeOffValidator {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let roster = apply_trades_excluding(s, excluded);
        let mut findings = Vec::new();
        for (a, shifts) in roster.by_agent.iter().enumerate() {
            for req in s.time_off.iter().filter(|r| r.agent.get() == a && r.status.is_live()) {
                for &ix in shifts {
                    let shift = s.shift(ix);
                    let work = shift.activities.iter().filter(|x| x.category != Category::TimeOff).map(|x| x.interval);
                    for (w, r) in work.flat_map(|w| req.intervals.iter().map(move |r| (w, r))) {
                        let Some(iv) = w.intersection(r) else { continue };
                        let moves = &roster.moves[ix.get()];
                        let mut cause: Vec<String> = moves
                            .iter()
                            .map(|m| {
                                format!(
                                    "shift {} was moved from {} to {} by approved trade {}",
                                    shift.id,
                                    s.agent(m.from).id,
                                    s.agent(m.to).id,
                                    m.trade
                                )
                            })
                            .collect();
                        cause.push(format!("time-off {} is {}", req.id, req.status.as_str()));
                        findings.push(PublishFinding {
                            rule: "core.timeoff.conflict".into(),
                            severity: "error".into(),
                            blocking: true,
                            agent_id: s.agent(shiftgate_model::AgentIx(a as u32)).id.to_string(),
                            start: iv.start,
                            end: iv.end,
                            message: format!("shift {} overlaps time-off {}", shift.id, req.id),
                            trade_ids: moves.iter().map(|m| m.trade.to_string()).collect(),
                            time_off_request_ids: vec![req.id.to_string()],
                            shift_ids: vec![shift.id.to_string()],
                            cause,
                            waiver: None,
                        });
                    }
                }
            }
        }
        Validation { findings }
    }
}

/// The checker as `shiftgate publish` runs it: time-off conflicts, plus a blocking `core.trade.integrity` finding
/// for every approved trade that could not be applied. A trade the draft already reflects is not a failure (the
/// model tells it apart: `Roster::already_applied`, DESIGN.md §3), so a re-run after a publish converges.
pub struct TradeChecker;

impl Validator for TradeChecker {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let mut v = TimeOffValidator.validate(s, excluded);
        let roster = apply_trades_excluding(s, excluded);
        for failure in &roster.failed {
            let trade = &s.trades[failure.trade_ix];
            let at = start();
            v.findings.push(PublishFinding {
                rule: "core.trade.integrity".into(),
                severity: "error".into(),
                blocking: true,
                agent_id: trade.initiating_user.to_string(),
                start: at,
                end: at,
                message: format!("approved trade {} cannot be applied", trade.id),
                trade_ids: vec![trade.id.to_string()],
                time_off_request_ids: Vec::new(),
                shift_ids: vec![trade.initiating_shift.to_string()],
                cause: Vec::new(),
                waiver: None,
            });
        }
        v
    }
}

// ---- Running the state machine on the in-memory platform (machine.rs, machine_settle.rs). ----

pub fn config() -> PublishConfig {
    let mut c = PublishConfig::new(target());
    c.jitter_seed = Some(7);
    c.run_id = Some("run-test".into());
    c
}

pub async fn run_with(
    fake: &FakePlatform,
    validator: &dyn Validator,
    cfg: &PublishConfig,
) -> (PublishReport, AuditLog) {
    let clock = TokioClock::starting_at(start());
    let mut audit = AuditLog::in_memory();
    let report = publish(fake, validator, &clock, &mut audit, cfg).await.expect("run");
    (report, audit)
}

pub async fn run(fake: &FakePlatform, cfg: &PublishConfig) -> PublishReport {
    let (report, audit) = run_with(fake, &TimeOffValidator, cfg).await;
    // Whatever happened, the audit chain verifies and ends with the outcome.
    let text = audit.lines().join("\n");
    assert_eq!(verify_chain(&text).unwrap(), report.audit_head);
    let last: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], report.outcome.as_str());
    report
}

pub fn writes(fake: &FakePlatform) -> Vec<(Option<i64>, bool)> {
    fake.calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Submit { version, applied, .. } => Some((version, applied)),
            Call::Fetch(_) => None,
        })
        .collect()
}

pub fn holder_of(doc: &Value, shift: &str) -> String {
    let entries = doc["agentSchedules"].as_array().unwrap();
    let holders: Vec<&str> = entries
        .iter()
        .filter(|e| e["shifts"].as_array().unwrap().iter().any(|s| s["id"] == shift))
        .map(|e| e["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(holders.len(), 1, "{shift} held by {holders:?}");
    holders[0].to_string()
}

pub fn published(version: i64) -> PublishOutcome {
    PublishOutcome::Published { schedule_version: Some(version), verified: true, changed_shifts: true }
}

pub fn says(report: &PublishReport, needle: &str) -> bool {
    report.story.iter().any(|l| l.contains(needle))
}
