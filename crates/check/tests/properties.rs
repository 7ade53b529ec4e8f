//! Properties of the checker against brute-force references and under reordering.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use shiftgate_check::{sweep_overlaps, Checker, Config, Limits, RuleFile, RuleLibrary, RuleSet};
use shiftgate_model::{Interval, Snapshot};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T06:00:00Z").unwrap().with_timezone(&Utc)
}

proptest! {
    /// The sweep line finds exactly the overlapping pairs that checking every pair finds.
    #[test]
    fn sweep_line_equals_brute_force(raw in prop::collection::vec((0i64..2000, 1i64..300), 0..40)) {
        let mut ivs: Vec<Interval> = raw.iter().map(|&(s, len)| Interval::from_length(t0() + Duration::minutes(s), len)).collect();
        ivs.sort();
        let mut fast: Vec<(usize, usize, Interval)> = sweep_overlaps(&ivs);
        fast.sort();
        let mut slow = Vec::new();
        for i in 0..ivs.len() {
            for j in i + 1..ivs.len() {
                if ivs[i].start < ivs[j].end && ivs[j].start < ivs[i].end {
                    slow.push((i, j, Interval::new(ivs[i].start.max(ivs[j].start), ivs[i].end.min(ivs[j].end))));
                }
            }
        }
        prop_assert_eq!(fast, slow);
    }
}

/// A random but valid week exercising every core rule: shifts with activities (some sticking out), full-day and
/// partial-day requests of every status, markers, history and trades (some failing).
fn random_week(seed: u64) -> Value {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let agents = rng.random_range(1..6usize);
    let at = |m: i64| (t0() + Duration::minutes(m)).to_rfc3339();
    let mut schedules = Vec::new();
    let mut history = Vec::new();
    let mut requests = Vec::new();
    let mut shift_ids = Vec::new();
    for a in 0..agents {
        let mut shifts = Vec::new();
        for k in 0..rng.random_range(0..7) {
            let start: i64 = rng.random_range(0..7 * 1440 - 600) / 15 * 15;
            let len: i64 = rng.random_range(4..19) * 60;
            let mut acts = vec![
                json!({"startDate": at(start), "lengthMinutes": len / 2, "activityCodeId": "0"}),
                json!({"startDate": at(start + len / 2), "lengthMinutes": 30, "activityCodeId": "2"}),
            ];
            let tail = len - len / 2 - 30 + if rng.random_bool(0.1) { 30 } else { 0 };
            acts.push(json!({"startDate": at(start + len / 2 + 30), "lengthMinutes": tail, "activityCodeId": "0"}));
            let id = format!("s-{a}-{k}");
            shift_ids.push((a, id.clone()));
            shifts.push(json!({"id": id, "startDate": at(start), "lengthMinutes": len, "activities": acts}));
        }
        let markers: Vec<Value> = if rng.random_bool(0.3) {
            vec![
                json!({"businessUnitDate": "2026-12-02", "lengthMinutes": 480, "activityCodeId": "3", "timeOffRequestId": format!("r-{a}-0")}),
            ]
        } else {
            vec![]
        };
        schedules.push(json!({"user": {"id": format!("a-{a}")}, "shifts": shifts, "fullDayTimeOffMarkers": markers}));
        let h: i64 = rng.random_range(-6 * 1440..-600) / 15 * 15;
        history.push(json!({"user": {"id": format!("a-{a}")}, "shifts": [{"id": format!("h-{a}"), "startDate": at(h), "lengthMinutes": 480}]}));
        for r in 0..rng.random_range(0..4) {
            let status = ["PENDING", "APPROVED", "DENIED", "CANCELED"][rng.random_range(0..4usize)];
            let req = if rng.random_bool(0.5) {
                json!({"id": format!("r-{a}-{r}"), "user": {"id": format!("a-{a}")}, "status": status, "isFullDayRequest": true,
                       "fullDayManagementUnitDates": [format!("2026-12-0{}", rng.random_range(1..6))], "dailyDurationMinutes": 480,
                       "activityCodeId": "3", "submittedDate": "2026-11-20T10:00:00Z"})
            } else {
                json!({"id": format!("r-{a}-{r}"), "user": {"id": format!("a-{a}")}, "status": status, "isFullDayRequest": false,
                       "partialDayStartDateTimes": [at(rng.random_range(0..7 * 1440i64) / 15 * 15)], "dailyDurationMinutes": 240,
                       "activityCodeId": "3", "submittedDate": "2026-11-21T10:00:00Z"})
            };
            requests.push(req);
        }
    }
    let mut trades = Vec::new();
    for t in 0..rng.random_range(0..5) {
        if shift_ids.is_empty() {
            break;
        }
        let (owner, shift) = shift_ids[rng.random_range(0..shift_ids.len())].clone();
        let other = (owner + 1) % agents;
        let named = if rng.random_bool(0.2) { "s-404".to_string() } else { shift };
        trades.push(json!({"id": format!("t-{t}"), "state": if rng.random_bool(0.8) { "Approved" } else { "Matched" },
            "initiatingUser": {"id": format!("a-{owner}")}, "initiatingShiftId": named,
            "receivingUser": {"id": format!("a-{other}")}, "receivingShiftId": null,
            "reviewedDate": format!("2026-11-2{}T10:00:00Z", rng.random_range(0..3))}));
    }
    json!({
        "format": "shiftgate.snapshot/1", "asOf": "2026-11-22T18:00:00-06:00",
        "businessUnit": {"id": "bu", "timeZone": "America/Chicago", "startDayOfWeek": "Sunday"},
        "schedule": {"id": "sch", "weekDate": "2026-11-29"},
        "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "2", "category": "Meal", "countsAsPaidTime": false},
                          {"id": "3", "category": "TimeOff"}],
        "agents": (0..agents).map(|a| json!({"id": format!("a-{a}")})).collect::<Vec<_>>(),
        "agentSchedules": schedules, "history": history, "timeOffRequests": requests, "shiftTrades": trades,
    })
}

/// Shuffles every array whose order carries no meaning.
fn shuffled(mut v: Value, seed: u64) -> Value {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for key in ["agents", "agentSchedules", "history", "timeOffRequests", "shiftTrades", "activityCodes"] {
        if let Some(a) = v.get_mut(key).and_then(Value::as_array_mut) {
            a.shuffle(&mut rng);
            for item in a.iter_mut() {
                for inner in ["shifts", "fullDayTimeOffMarkers"] {
                    if let Some(list) = item.get_mut(inner).and_then(Value::as_array_mut) {
                        list.shuffle(&mut rng);
                        for shift in list.iter_mut() {
                            if let Some(acts) = shift.get_mut("activities").and_then(Value::as_array_mut) {
                                acts.shuffle(&mut rng);
                            }
                        }
                    }
                }
            }
        }
    }
    v
}

fn core_rules() -> RuleSet {
    RuleSet::load(&RuleLibrary::embedded(), &[], &Config::default(), Limits::default()).unwrap()
}

fn findings(checker: &Checker, doc: &Value) -> String {
    let snapshot = Arc::new(Snapshot::from_json(&serde_json::to_vec(doc).unwrap()).unwrap());
    let as_of = snapshot.as_of.unwrap();
    serde_json::to_string_pretty(&checker.check(snapshot, as_of).unwrap().findings).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The report does not depend on the number of threads, nor on the order of the input.
    #[test]
    fn report_is_identical_for_threads_and_input_order(seed in any::<u64>(), shuffle in any::<u64>()) {
        let doc = random_week(seed);
        let one = Checker::new(core_rules(), Some(1));
        let four = Checker::new(core_rules(), Some(4));
        let reference = findings(&one, &doc);
        prop_assert_eq!(&findings(&four, &doc), &reference);
        prop_assert_eq!(&findings(&four, &shuffled(doc, shuffle)), &reference);
    }
}

#[test]
fn the_random_weeks_do_produce_findings() {
    // Guards the property above against passing vacuously on empty reports.
    let checker = Checker::new(core_rules(), Some(2));
    let rules: std::collections::BTreeSet<String> = (0..60)
        .flat_map(|seed| {
            let out: Vec<Value> = serde_json::from_str(&findings(&checker, &random_week(seed))).unwrap();
            out.into_iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        })
        .collect();
    for rule in [
        "core.shift.overlap",
        "core.timeoff.pending-conflict",
        "core.timeoff.approved-conflict",
        "core.trade.integrity",
        "core.rest.min-between-shifts",
        "core.activity.within-shift",
    ] {
        assert!(rules.contains(rule), "no random week produced {rule}: {rules:?}");
    }
}

/// One rule per agent list and filter, each a single loop reporting every item, so that skipping is exercised for
/// every list the checker knows.
fn one_loop_per_list() -> RuleSet {
    let loops = [
        "shifts()",
        "history_shifts()",
        "all_shifts()",
        "shift_overlaps()",
        "activity_issues()",
        "time_off_requests()",
        "time_off_conflicts()",
        "time_off_overlaps()",
        "rest_gaps()",
        "days()",
        "weeks()",
        "work_streaks()",
        "trade_failures()",
        "dst_shifts()",
        "shifts_over(params.minutes)",
        "shifts_over(600)",
        "rest_gaps_under(params.minutes)",
        "rest_gaps_under(720.0)",
        "weeks_paid_over(params.minutes)",
        "days_with_shifts_over(1)",
        "work_streaks_over(3)",
    ];
    let files = loops
        .iter()
        .enumerate()
        .map(|(i, call)| RuleFile {
            pack: "core".into(),
            path: format!("loop-{i}.rhai"),
            source: format!(
                "fn meta() {{ #{{ id: \"core.loop.{i}\", title: \"{call}\", severity: \"info\", params: #{{ minutes: #{{ value: 480, min: 0, max: 10080 }} }} }} }}\n\
                 fn check(agent, params) {{ for x in agent.{call} {{ report(x, \"{call}\"); }} }}"
            ),
        })
        .collect();
    let rules = RuleSet::load(&RuleLibrary { files }, &[], &Config::default(), Limits::default()).unwrap();
    assert!(rules.rules().iter().all(|r| r.is_single_loop()), "every test rule should be skippable");
    rules
}

fn all_packs() -> RuleSet {
    let library = RuleLibrary::embedded();
    RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Skipping rules whose single loop has nothing to iterate gives the report that calling every rule gives.
    #[test]
    fn skipping_empty_loops_changes_nothing(seed in any::<u64>()) {
        let doc = random_week(seed);
        for rules in [one_loop_per_list, all_packs] {
            let skipping = Checker::new(rules(), Some(2));
            let calling = Checker::new(rules(), Some(2)).skip_empty_loops(false);
            prop_assert_eq!(findings(&skipping, &doc), findings(&calling, &doc));
        }
    }
}

#[test]
fn most_core_rules_are_single_loops() {
    // The fast path matters only if the shipped rules take it; a rewrite that loses it should be a decision.
    let core = core_rules();
    let skippable: Vec<&str> = core.rules().iter().filter(|r| r.is_single_loop()).map(|r| r.id.as_str()).collect();
    assert_eq!(skippable.len(), core.rules().len(), "only {skippable:?} are single loops");
}
