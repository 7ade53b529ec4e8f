//! A snapshot whose source cannot supply time-off requests or trades (an import from CXone) must not read as if
//! the rules about them passed: the report names each enabled rule that reads a lacking list, whatever the shape
//! of its script.

use std::sync::Arc;

use serde_json::json;
use shiftgate_check::{Checker, Config, Limits, RuleFile, RuleLibrary, RuleSet};
use shiftgate_model::Snapshot;

fn snapshot(source: serde_json::Value) -> Arc<Snapshot> {
    let doc = json!({
        "format": "shiftgate.snapshot/1",
        "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
        "schedule": {"id": "s", "weekDate": "2026-11-01"},
        "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
        "agents": [{"id": "a-1"}],
        "agentSchedules": [{"user": {"id": "a-1"}, "shifts": [{"id": "s-1", "startDate": "2026-11-02T14:00:00Z", "lengthMinutes": 480}]}],
        "source": source,
    });
    Arc::new(Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap())
}

fn not_judged(config: &str, source: serde_json::Value) -> Vec<String> {
    not_judged_with(RuleLibrary::embedded(), config, source)
}

fn not_judged_with(library: RuleLibrary, config: &str, source: serde_json::Value) -> Vec<String> {
    let config = Config::from_toml(config, "site.toml").unwrap();
    let rules = RuleSet::load(&library, &["core".to_string()], &config, Limits::default()).unwrap();
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-10-25T18:00:00-05:00").unwrap().to_utc();
    let report = Checker::new(rules, Some(1)).check(snapshot(source), as_of).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    report.not_judged.iter().map(|n| format!("{} ({}): {}", n.rule, n.lacks, n.reason)).collect()
}

#[test]
fn rules_with_nothing_to_judge_are_named_with_what_the_source_lacks() {
    assert_eq!(
        not_judged("", json!({"kind": "cxone", "lacks": ["shiftTrades"]})),
        [
            "core.trade.already-applied (shiftTrades): the cxone source carries no shift trades",
            "core.trade.integrity (shiftTrades): the cxone source carries no shift trades",
        ]
    );
    let both = not_judged("", json!({"kind": "cxone", "lacks": ["timeOffRequests", "shiftTrades"]}));
    assert_eq!(both.len(), 6, "{both:#?}");
    assert!(
        both[0].starts_with("core.timeoff.approved-conflict (timeOffRequests): the cxone source carries no time-off")
    );
}

#[test]
fn a_source_that_lacks_nothing_and_disabled_rules_add_nothing() {
    assert!(not_judged("", serde_json::Value::Null).is_empty());
    assert!(not_judged("", json!({"kind": "rest"})).is_empty());
    let off = "[rules.\"core.trade.integrity\"]\nenabled = false\n";
    assert_eq!(
        not_judged(off, json!({"kind": "cxone", "lacks": ["shiftTrades"]})),
        ["core.trade.already-applied (shiftTrades): the cxone source carries no shift trades"]
    );
}

#[test]
fn a_rule_reading_a_lacking_list_anywhere_is_named_not_only_a_single_loop() {
    // Before, only a `check` that was exactly one loop over the list counted: this rule, reading time off inside
    // an `if` after another statement (and through a helper), passed silently on a CXone snapshot.
    let mut library = RuleLibrary::embedded();
    library.files.push(RuleFile {
        pack: "core".into(),
        path: "rules/core/core.custom.long-day-off.rhai".into(),
        source: r#"//! Long shifts next to pending time off.
fn meta() { #{ id: "core.custom.long-day-off", title: "Long day off", severity: "warning", params: #{} } }
fn pending(agent) { agent.time_off_requests().filter(|r| r.status == "PENDING") }
fn check(agent, params) {
    let long = agent.shifts_over(600);
    if long.len() > 0 {
        for r in pending(agent) { report(r, "a long shift beside pending time off"); }
    }
}
"#
        .into(),
    });
    let named = not_judged_with(library, "", json!({"kind": "cxone", "lacks": ["timeOffRequests"]}));
    assert!(
        named.contains(
            &"core.custom.long-day-off (timeOffRequests): the cxone source carries no time-off requests".to_string()
        ),
        "{named:#?}"
    );
}
