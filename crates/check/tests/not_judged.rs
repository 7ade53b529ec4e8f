//! A snapshot whose source cannot supply time-off requests or trades (an import from CXone) must not read as if
//! the rules about them passed: the report names each enabled rule whose only loop reads a lacking list.

use std::sync::Arc;

use serde_json::json;
use shiftgate_check::{Checker, Config, Limits, RuleLibrary, RuleSet};
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
    let library = RuleLibrary::embedded();
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
