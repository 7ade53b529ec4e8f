//! Re-validating only what changed equals re-validating everything (issue #14, point 1): with the real checker
//! and the core rules, over random edits of the Chicago week (shifts moved, lengthened, handed to another agent,
//! pending time off added, trades dropped or pointed at another shift, tags changed), the earlier findings of the
//! agents nothing reached, with the findings of a validation of only the changed agents and those they trade
//! with, are exactly the findings of a validation of the whole edited week. The checker's own re-check of those
//! agents (`Checker::check_roster_reusing`, what `shiftgate publish` runs) gives the whole week's report, with a
//! waiver whose reach the edits move.

mod common;
mod publish_support;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};
use shiftgate_check::Severity;
use shiftgate_publish::revalidate::{changed_agents, merge, part, reach, shared_hash};
use shiftgate_publish::{Validation, Validator};

use publish_support::{chicago, snapshot, CheckValidator};

use std::sync::Arc;

use shiftgate_check::{Checker, Config, Limits, Report, RuleLibrary, RuleSet};
use shiftgate_model::apply_trades;

const VALIDATOR: CheckValidator = CheckValidator { fail_on: Severity::Warning };

fn validate(doc: &Value) -> Validation {
    VALIDATOR.validate(&snapshot(doc), &[])
}

/// The week and its full validation, computed once.
fn base() -> &'static (Value, Validation) {
    static BASE: OnceLock<(Value, Validation)> = OnceLock::new();
    BASE.get_or_init(|| {
        let doc = chicago();
        let v = validate(&doc);
        (doc, v)
    })
}

/// The checker `shiftgate publish` runs, with a waiver whose reach the edits move: rest findings of agents tagged
/// `chicago-fww` (the `Tag` edit tags agents, the `Length` and `Hand` edits make and clear rest findings).
fn waiving_checker() -> &'static Checker {
    static CHECKER: OnceLock<Checker> = OnceLock::new();
    CHECKER.get_or_init(|| {
        let config = Config::from_toml(
            r#"
[[waivers]]
rule = "core.rest.min-between-shifts"
tag = "chicago-fww"
reason = "Fair Workweek rest consent on file"
approved_by = "Dana Ruiz, HR"
approved_on = 2026-11-05
expires = 2026-12-31
"#,
            "shiftgate.toml",
        )
        .expect("config");
        let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &config, Limits::default()).expect("core");
        Checker::new(rules, None)
    })
}

/// A whole check of a week by [`waiving_checker`], as JSON (what every renderer reads).
fn whole_report(doc: &Value) -> Report {
    let s = Arc::new(snapshot(doc));
    let as_of = s.as_of.expect("asOf");
    waiving_checker().check_roster(s.clone(), Arc::new(apply_trades(&s)), as_of).expect("rules run")
}

/// The base week's whole report, computed once.
fn base_report() -> &'static Report {
    static BASE: OnceLock<Report> = OnceLock::new();
    BASE.get_or_init(|| whole_report(&chicago()))
}

#[derive(Clone, Debug)]
enum Edit {
    /// Lengthen or shorten shift `j` of schedule entry `i` by `minutes`.
    Length(usize, usize, i64),
    /// Move shift `j` of entry `i` to entry `k`.
    Hand(usize, usize, usize),
    /// A pending time-off request over the first shift of entry `i` (the incident's cause).
    PendingTimeOff(usize),
    /// Drop trade `t`.
    DropTrade(usize),
    /// Point trade `t`'s receiving shift at shift `j` of entry `i`.
    Retarget(usize, usize, usize),
    /// Tag agent `i` `chicago-fww` (notice rules read tags).
    Tag(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..200usize, 0..6usize, -120..180i64).prop_map(|(i, j, m)| Edit::Length(i, j, m / 15 * 15)),
        (0..200usize, 0..6usize, 0..200usize).prop_map(|(i, j, k)| Edit::Hand(i, j, k)),
        (0..200usize).prop_map(Edit::PendingTimeOff),
        (0..13usize).prop_map(Edit::DropTrade),
        (0..13usize, 0..200usize, 0..6usize).prop_map(|(t, i, j)| Edit::Retarget(t, i, j)),
        (0..200usize).prop_map(Edit::Tag),
    ]
}

fn shifts(doc: &mut Value, i: usize) -> &mut Vec<Value> {
    let entries = doc["agentSchedules"].as_array_mut().unwrap();
    let n = entries.len();
    entries[i % n]["shifts"].as_array_mut().unwrap()
}

fn apply(doc: &mut Value, e: &Edit, n: usize) {
    match *e {
        Edit::Length(i, j, m) => {
            let s = shifts(doc, i);
            let j = j % s.len().max(1);
            if let Some(shift) = s.get_mut(j) {
                let len = shift["lengthMinutes"].as_i64().unwrap();
                shift["lengthMinutes"] = json!((len + m).max(15));
            }
        }
        Edit::Hand(i, j, k) => {
            let s = shifts(doc, i);
            if !s.is_empty() {
                let j = j % s.len();
                let shift = s.remove(j);
                shifts(doc, k).push(shift);
            }
        }
        Edit::PendingTimeOff(i) => {
            let entries = doc["agentSchedules"].as_array().unwrap();
            let entry = &entries[i % entries.len()];
            let Some(start) = entry["shifts"].get(0).map(|s| s["startDate"].clone()) else { return };
            let user = entry["user"]["id"].clone();
            doc["timeOffRequests"].as_array_mut().unwrap().push(json!({
                "id": format!("tor-edit-{n}"), "user": {"id": user}, "status": "PENDING", "isFullDayRequest": false,
                "partialDayStartDateTimes": [start], "dailyDurationMinutes": 120, "activityCodeId": "8",
                "submittedDate": "2026-11-22T10:00:00Z"}));
        }
        Edit::DropTrade(t) => {
            let trades = doc["shiftTrades"].as_array_mut().unwrap();
            if !trades.is_empty() {
                let t = t % trades.len();
                trades.remove(t);
            }
        }
        Edit::Retarget(t, i, j) => {
            let s = shifts(doc, i);
            let Some(id) = s.get(j % s.len().max(1)).map(|s| s["id"].clone()) else { return };
            let trades = doc["shiftTrades"].as_array_mut().unwrap();
            if !trades.is_empty() {
                let n = trades.len();
                let trade = &mut trades[t % n];
                trade["receivingShiftId"] = id;
                trade.as_object_mut().unwrap().remove("receivingShiftStart");
                trade.as_object_mut().unwrap().remove("receivingShiftEnd");
            }
        }
        Edit::Tag(i) => {
            let agents = doc["agents"].as_array_mut().unwrap();
            let n = agents.len();
            let agent = &mut agents[i % n];
            if agent.get("tags").is_none() {
                agent["tags"] = json!([]);
            }
            let tags = agent["tags"].as_array_mut().unwrap();
            if !tags.contains(&json!("chicago-fww")) {
                tags.push(json!("chicago-fww"));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn validating_what_changed_equals_validating_everything(edits in prop::collection::vec(edit(), 1..4)) {
        let (before, earlier) = base();
        let mut after = before.clone();
        for (n, e) in edits.iter().enumerate() {
            apply(&mut after, e, n);
        }
        prop_assert_eq!(shared_hash(before), shared_hash(&after));
        let agents: BTreeSet<String> = reach(&after, &changed_agents(before, &after));
        let found = if agents.is_empty() { Validation::default() } else { validate(&part(&after, &agents)) };
        let merged = merge(earlier, found, &agents);
        let full = validate(&after);
        prop_assert!(merged == full, "edits {:?}: {} agents re-validated; {} findings merged, {} in full",
            edits, agents.len(), merged.findings.len(), full.findings.len());
        // Something changed, and not everyone was validated again.
        prop_assert!(agents.len() < 200, "{} agents reached", agents.len());

        // The checker's own re-check of those agents (what `shiftgate publish` runs, waivers and all) is the
        // whole report a full check gives: findings, waiver marks and standings, counts.
        let s = Arc::new(snapshot(&after));
        let as_of = s.as_of.expect("asOf");
        let reused = waiving_checker()
            .check_roster_reusing(s.clone(), Arc::new(apply_trades(&s)), as_of, base_report(), &agents)
            .expect("rules run");
        let (reused, whole) = (serde_json::to_value(&reused).unwrap(), serde_json::to_value(whole_report(&after)).unwrap());
        prop_assert!(reused == whole, "edits {:?}: the re-check's report differs from a whole check's", edits);
    }
}

#[test]
fn an_edit_that_changes_the_findings_is_caught_by_the_part_alone() {
    // The incident: a pending time-off request under a traded shift. Only its agent (and its trade partners)
    // are validated again, and the new blocking finding is there.
    let (before, earlier) = base();
    let mut after = before.clone();
    let traded = after["shiftTrades"][0]["receivingUser"]["id"].as_str().unwrap().to_string();
    let i =
        after["agentSchedules"].as_array().unwrap().iter().position(|e| e["user"]["id"] == traded.as_str()).unwrap();
    apply(&mut after, &Edit::PendingTimeOff(i), 0);
    let agents = reach(&after, &changed_agents(before, &after));
    assert!(agents.contains(&traded) && agents.len() < 10, "{agents:?}");
    let merged = merge(earlier, validate(&part(&after, &agents)), &agents);
    assert_eq!(merged, validate(&after));
    assert!(merged.findings.len() > earlier.findings.len());
}
