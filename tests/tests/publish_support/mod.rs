//! Shared pieces of the publisher's end-to-end tests (publish_faults.rs, publish_cli.rs): the weeks they publish,
//! the checker behind the publisher's `Validator` seam (as the binary adapts it), the simulator they publish to and
//! the flags that name its schedule. Finding and running the binary is `common`'s (a suite that uses this module
//! declares both).

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};
use shiftgate_check::{Checker, Config, Finding, Limits, RuleLibrary, RuleSet, Severity};
use shiftgate_gen::{keep_agents, INCIDENT_RULE};
use shiftgate_model::{apply_trades_excluding, Snapshot};
use shiftgate_publish::{PublishFinding, Target, Validation, Validator};

use crate::common::workspace;

/// The synthetic trade that breaks minimum rest (a warning: it blocks under `--fail-on warning`).
pub const REST_TRADE: &str = "tr-rest";

/// Target flags for the bundled Chicago schedule.
pub const TARGET: [&str; 6] = ["--business-unit", "bu-chi", "--week", "2026-11-29", "--schedule", "sch-48"];

/// A simulator on 127.0.0.1 serving `doc`.
pub async fn sim_with(doc: &Value, config: shiftgate_sim::SimConfig) -> shiftgate_sim::SimServer {
    shiftgate_sim::start(config, &serde_json::to_vec(doc).unwrap()).await.expect("sim starts")
}

/// The simulator's OAuth client credentials, which both platforms use (REST buys its token with them too).
pub fn with_sim_credentials(mut c: Command) -> Command {
    let sim = shiftgate_sim::SimConfig::default();
    c.env("SHIFTGATE_CLIENT_ID", sim.client_id).env("SHIFTGATE_CLIENT_SECRET", sim.client_secret);
    c
}

/// The bundled Chicago week.
pub fn chicago() -> Value {
    let bytes = std::fs::read(workspace().join("fixtures/schedules/chicago-week.json")).expect("chicago week");
    serde_json::from_slice(&bytes).expect("chicago week is JSON")
}

pub fn snapshot(doc: &Value) -> Snapshot {
    Snapshot::from_json(&serde_json::to_vec(doc).unwrap()).expect("valid snapshot")
}

pub fn target(doc: &Value) -> Target {
    Target {
        business_unit_id: doc["businessUnit"]["id"].as_str().unwrap().into(),
        week_id: doc["schedule"]["weekDate"].as_str().unwrap().into(),
        schedule_id: doc["schedule"]["id"].as_str().unwrap().into(),
    }
}

/// The core rule pack, compiled once.
pub fn checker() -> &'static Checker {
    static CHECKER: OnceLock<Checker> = OnceLock::new();
    CHECKER.get_or_init(|| {
        let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &Config::default(), Limits::default()).expect("core");
        Checker::new(rules, None)
    })
}

/// Checks a snapshot with some trades left out, at its `asOf`.
pub fn check(s: &Snapshot, excluded: &[usize]) -> Vec<Finding> {
    let roster = Arc::new(apply_trades_excluding(s, excluded));
    let as_of = s.as_of.expect("asOf");
    checker().check_roster(Arc::new(s.clone()), roster, as_of).expect("rules run").findings
}

/// The checker as the publisher's validator, as the binary adapts it (crates/cli/src/validator.rs).
pub struct CheckValidator {
    pub fail_on: Severity,
}

impl Validator for CheckValidator {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let findings = check(s, excluded)
            .into_iter()
            .map(|f| {
                let refs = |k: &str| f.refs.get(k).cloned().unwrap_or_default();
                PublishFinding {
                    blocking: f.severity >= self.fail_on,
                    severity: f.severity.as_str().into(),
                    trade_ids: refs("trade"),
                    time_off_request_ids: refs("timeOffRequest"),
                    shift_ids: refs("shift"),
                    rule: f.rule,
                    agent_id: f.agent_id,
                    start: f.start,
                    end: f.end,
                    message: f.message,
                    cause: f.cause,
                    // The core pack without configuration: no waivers.
                    waiver: None,
                }
            })
            .collect();
        Validation { findings }
    }
}

/// The Chicago week minus the agents with problems other than the incident (what `shiftgate demo` publishes).
pub fn demo_week() -> Value {
    let doc = chicago();
    let s = snapshot(&doc);
    let problem: BTreeSet<String> =
        check(&s, &[]).into_iter().filter(|f| f.rule != INCIDENT_RULE).map(|f| f.agent_id).collect();
    keep_agents(&doc, |id| !problem.contains(id))
}

/// A small week for fast runs: the agents of every approved trade of the demo week (the four incident trades
/// and the clean background ones), filled up to `agents` in file order, plus [`REST_TRADE`]: a one-way pick-up
/// that leaves its receiver under 10 h of rest (a warning no platform check catches; only the validator does).
pub fn small_week(agents: usize) -> Value {
    let demo = demo_week();
    let s = snapshot(&demo);
    let mut keep: BTreeSet<String> = BTreeSet::new();
    for &t in &shiftgate_model::approved_in_order(&s) {
        let t = &s.trades[t];
        keep.insert(t.initiating_user.to_string());
        keep.extend(t.receiving_user.iter().map(|u| u.to_string()));
    }
    let traders = keep.clone();
    for a in &s.agents {
        if keep.len() >= agents {
            break;
        }
        keep.insert(a.id.to_string());
    }
    let mut doc = keep_agents(&demo, |id| keep.contains(id));
    let small = snapshot(&doc);
    let (giver, shift, taker) = rest_breaking_pickup(&small, &traders).expect("a pick-up that breaks rest");
    doc["shiftTrades"].as_array_mut().unwrap().push(json!({
        "id": REST_TRADE, "state": "Approved", "initiatingUser": {"id": giver}, "initiatingShiftId": shift,
        "receivingUser": {"id": taker}, "reviewedDate": "2026-11-21T12:00:00Z"
    }));
    doc
}

/// A shift of one agent that, handed to another (neither trading otherwise), overlaps nothing of theirs and none
/// of their time off, but starts or ends less than 10 h from one of their shifts.
fn rest_breaking_pickup(s: &Snapshot, traders: &BTreeSet<String>) -> Option<(String, String, String)> {
    let free = |a: &str| !traders.contains(a);
    for x in &s.shifts {
        let giver = s.agent(x.owner).id.to_string();
        if !free(&giver) {
            continue;
        }
        for (b, agent) in s.agents.iter().enumerate() {
            let taker = agent.id.to_string();
            if taker == giver || !free(&taker) {
                continue;
            }
            let theirs: Vec<_> = s.shifts.iter().filter(|y| y.owner.get() == b).collect();
            let clear = theirs.iter().all(|y| y.interval.intersection(&x.interval).is_none())
                && s.time_off
                    .iter()
                    .filter(|r| r.agent.get() == b)
                    .all(|r| r.intervals.iter().all(|iv| iv.intersection(&x.interval).is_none()));
            let short_rest = theirs.iter().any(|y| {
                let gap = if y.interval.end <= x.interval.start {
                    x.interval.start - y.interval.end
                } else {
                    y.interval.start - x.interval.end
                };
                gap > chrono::Duration::zero() && gap < chrono::Duration::minutes(600)
            });
            if clear && short_rest {
                return Some((giver, x.id.to_string(), taker));
            }
        }
    }
    None
}

/// `doc` without the incident's pending requests and without [`REST_TRADE`]: nothing blocks, every trade applies.
pub fn clean(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let incident: BTreeSet<String> = check(&snapshot(&doc), &[])
        .into_iter()
        .filter(|f| f.rule == INCIDENT_RULE)
        .flat_map(|f| f.refs.get("timeOffRequest").cloned().unwrap_or_default())
        .collect();
    doc["timeOffRequests"].as_array_mut().unwrap().retain(|r| !incident.contains(r["id"].as_str().unwrap_or("")));
    doc["shiftTrades"].as_array_mut().unwrap().retain(|t| t["id"] != REST_TRADE);
    doc
}

/// Who holds each shift: `(shift id, agent id)`, sorted, from a snapshot document's agent schedules.
pub fn holders(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in doc["agentSchedules"].as_array().into_iter().flatten() {
        let agent = e["user"]["id"].as_str().unwrap_or_default().to_string();
        for sh in e["shifts"].as_array().into_iter().flatten() {
            out.push((sh["id"].as_str().unwrap_or_default().to_string(), agent.clone()));
        }
    }
    out.sort();
    out
}

/// Who would hold each shift after applying the snapshot's approved trades except `excluded` (trade ids).
pub fn expected_holders(doc: &Value, excluded: &[String]) -> Vec<(String, String)> {
    let s = snapshot(doc);
    let ix: Vec<usize> =
        (0..s.trades.len()).filter(|&i| excluded.iter().any(|x| x == s.trades[i].id.as_str())).collect();
    let roster = apply_trades_excluding(&s, &ix);
    let mut out: Vec<(String, String)> = s
        .shifts
        .iter()
        .enumerate()
        .map(|(i, sh)| (sh.id.to_string(), s.agent(roster.owner[i]).id.to_string()))
        .collect();
    out.sort();
    out
}
