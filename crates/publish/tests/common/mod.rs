//! Shared pieces of the publisher's integration tests: the example week, a small validator that predicts
//! time-off conflicts after trades the way the real checker's `core` pack does, and the clients and submission
//! the wire tests (requests.rs, redirects.rs, reads.rs, token.rs) send to their servers on 127.0.0.1.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{json, Value};
use shiftgate_model::{apply_trades_excluding, Category, Snapshot};
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::plan::UpdatePlan;
use shiftgate_publish::{HttpSettings, PublishFinding, Submission, Target, Validation, Validator};

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
