//! The native filters (`shifts_over`, `rest_gaps_under`, ...) select exactly the items a script loop with an `if`
//! selects, at limits below, at and above the values that occur.

use std::sync::Arc;

use shiftgate_check::{Checker, Config, Limits, RuleFile, RuleLibrary, RuleSet};
use shiftgate_gen::{generate_json, GenOptions};
use shiftgate_model::Snapshot;

/// Builds both lists for every filter, throws if they differ, and reports one finding per selected item so the
/// test can see that the filters were not all empty.
const AGREE: &str = r#"
fn meta() {
    #{ id: "core.test.filters", title: "filters agree with loops", severity: "info",
       params: #{ minutes: #{ value: 600, min: 0, max: 100000 }, count: #{ value: 1, min: 0, max: 100 },
                  days: #{ value: 6, min: 0, max: 1000 } } }
}

fn ids(list) { let out = []; for x in list { out.push(`${x.start}-${x.end}`); } out }

fn same(name, fast, slow) {
    if ids(fast) != ids(slow) { throw `${name}: filter gives ${ids(fast)}, loop gives ${ids(slow)}`; }
    for x in fast { report(x, name); }
}

fn check(agent, params) {
    let m = params.minutes;
    same("shifts_over", agent.shifts_over(m), agent.shifts().filter(|s| s.minutes > m));
    same("dst_shifts", agent.dst_shifts(), agent.shifts().filter(|s| s.spans_dst));
    same("rest_gaps_under", agent.rest_gaps_under(m), agent.rest_gaps().filter(|g| g.minutes < m));
    same("weeks_paid_over", agent.weeks_paid_over(m * 4), agent.weeks().filter(|w| w.paid_minutes > m * 4));
    let c = params.count;
    same("days_with_shifts_over", agent.days_with_shifts_over(c), agent.days().filter(|d| d.shift_count > c));
    let d = params.days;
    same("work_streaks_over", agent.work_streaks_over(d), agent.work_streaks().filter(|s| s.days > d));
    // A float limit selects like the integer it equals.
    same("shifts_over(float)", agent.shifts_over(m.to_float()), agent.shifts_over(m));
}
"#;

fn run(minutes: i64, count: i64, days: i64) -> Vec<String> {
    let library = RuleLibrary {
        files: vec![RuleFile { pack: "core".into(), path: "filters.rhai".into(), source: AGREE.into() }],
    };
    let config = Config::from_toml(
        &format!("[rules.\"core.test.filters\"]\nminutes = {minutes}\ncount = {count}\ndays = {days}\n"),
        "test.toml",
    )
    .expect("config");
    let rules = RuleSet::load(&library, &[], &config, Limits::default()).expect("rule loads");
    let json = generate_json(&GenOptions { agents: 300, seed: 7, ..GenOptions::default() });
    let snapshot = Arc::new(Snapshot::from_json(&json).expect("generated snapshot is valid"));
    let as_of = snapshot.as_of.expect("asOf");
    let report = Checker::new(rules, Some(2)).check(snapshot, as_of).unwrap_or_else(|e| panic!("{e}"));
    report.findings.iter().map(|f| f.message.clone()).collect()
}

#[test]
fn filters_select_what_a_loop_selects() {
    for (minutes, count, days) in [(0, 0, 0), (420, 1, 5), (480, 1, 6), (600, 2, 7), (10_000, 9, 99)] {
        let found = run(minutes, count, days);
        if minutes == 0 {
            // Limit zero: every shift and week passes `_over`, no gap is under 0 min.
            assert!(found.iter().any(|m| m == "shifts_over"), "no shift over 0 min at all");
            assert!(found.iter().any(|m| m == "work_streaks_over"), "no streak over 0 days at all");
            assert!(!found.iter().any(|m| m == "rest_gaps_under"), "a gap under 0 min");
        }
        if minutes == 600 {
            assert!(found.iter().any(|m| m == "rest_gaps_under"), "generated week has no rest under 10 h");
        }
        if minutes == 10_000 {
            assert!(found.iter().all(|m| m == "rest_gaps_under"), "something over an impossible limit: {found:?}");
        }
    }
}
