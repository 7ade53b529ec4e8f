//! Waivers: a complete record or a configuration error naming it; a waived finding stays in the report, marked,
//! and never blocks; expired, not-yet-approved, unused and misdirected waivers are reported; rule failures are
//! never waived. All on `fixtures/waivers/week.json`: three Chicago agents with one clopening each (a-1 Mon-Tue,
//! tagged `consent-fw12`; a-2 Wed-Thu; a-3 Fri-Sat), checked with the core and chicago-fww packs.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use shiftgate_check::{
    Checker, Config, Limits, NoteKind, Report, RuleFile, RuleLibrary, RuleSet, RuleSetError, Severity, WaiverState,
};
use shiftgate_model::Snapshot;

const BASE: &str =
    "packs = [\"core\", \"chicago-fww\"]\n\n[rules.\"core.rest.min-between-shifts\"]\nseverity = \"error\"\n";
const REST: &str = "core.rest.min-between-shifts";

fn snapshot() -> Arc<Snapshot> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/waivers/week.json");
    Arc::new(Snapshot::from_json(&std::fs::read(path).unwrap()).unwrap())
}

fn load(config: &str) -> Result<RuleSet, RuleSetError> {
    let config = Config::from_toml(config, "shiftgate.toml").unwrap_or_else(|e| panic!("{e}"));
    RuleSet::load(&RuleLibrary::embedded(), &[], &config, Limits::default())
}

fn check_at(waivers: &str, as_of: &str) -> Report {
    let rules = load(&format!("{BASE}{waivers}")).unwrap_or_else(|e| panic!("{e}"));
    let as_of = shiftgate_model::time::parse_instant(as_of).unwrap();
    Checker::new(rules, Some(1)).check(snapshot(), as_of).unwrap()
}

/// Checks at the fixture's `asOf`, 2026-11-10 18:00 CST.
fn check(waivers: &str) -> Report {
    check_at(waivers, "2026-11-10T18:00:00-06:00")
}

/// `(agent, rule)` of each waived finding.
fn waived(r: &Report) -> Vec<(String, String)> {
    r.waived().map(|f| (f.agent_id.clone(), f.rule.clone())).collect()
}

fn config_error(waivers: &str) -> String {
    match load(&format!("{BASE}{waivers}")) {
        Err(RuleSetError::Config(e)) => e.to_string(),
        Err(other) => panic!("not a config error: {other}"),
        Ok(_) => panic!("loaded:\n{waivers}"),
    }
}

const A1_REST: &str = r#"
[[waivers]]
id = "HR-2026-114"
rule = "core.rest.min-between-shifts"
agent = "a-1"
reason = "Signed Fair Workweek consent to work with less than 10 h of rest (form FW-12, 2026-11-20)"
approved_by = "Dana Ruiz, HR"
approved_on = 2026-11-05
expires = 2026-12-31
"#;

#[test]
fn a_waived_finding_stays_in_the_report_marked_and_never_blocks() {
    let plain = check("");
    assert_eq!(plain.summary.error, 3, "{:#?}", plain.summary);
    assert_eq!(plain.at_least(Severity::Error).count(), 3);

    let r = check(A1_REST);
    assert_eq!(r.findings.len(), plain.findings.len(), "a waiver hides nothing");
    assert_eq!(waived(&r), [("a-1".to_string(), REST.to_string())]);
    let f = r.waived().next().unwrap();
    let w = f.waiver.as_ref().unwrap();
    assert_eq!(
        (w.reason.as_str(), w.approved_by.as_str()),
        ("Signed Fair Workweek consent to work with less than 10 h of rest (form FW-12, 2026-11-20)", "Dana Ruiz, HR")
    );
    assert_eq!(w.expires, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    assert_eq!(f.severity, Severity::Error, "the finding keeps its severity");
    let blocking: Vec<&str> = r.at_least(Severity::Error).map(|f| f.agent_id.as_str()).collect();
    assert_eq!(blocking, ["a-2", "a-3"]);
    assert_eq!((r.summary.error, r.summary.warning, r.summary.waived), (2, 2, 1));
    assert_eq!(r.summary.agents_with_findings, 3);
    let s = &r.waivers[0];
    assert_eq!((s.state, s.waived, s.days_left, s.notes.len()), (WaiverState::Active, 1, 51, 0));

    let json = serde_json::to_value(&r).unwrap();
    let waiver = json["findings"].as_array().unwrap().iter().find_map(|f| f.get("waiver")).unwrap();
    assert_eq!(waiver["reason"], w.reason);
    assert_eq!(waiver["approvedBy"], "Dana Ruiz, HR");
    assert_eq!(waiver["expires"], "2026-12-31");
    assert_eq!(waiver["agent"], "a-1");
    assert_eq!(waiver["id"], "HR-2026-114");
    assert_eq!(
        (waiver["file"].as_str(), waiver["index"].as_u64(), waiver["line"].as_u64()),
        (Some("shiftgate.toml"), Some(1), Some(6))
    );
    assert_eq!(json["summary"]["waived"], 1);
    assert_eq!(json["waivers"][0]["state"], "active");
}

#[test]
fn a_tag_waiver_covers_the_agent_with_the_tag_and_not_another() {
    let r = check(
        r#"
[[waivers]]
rule = "chi.rest.10h"
tag = "consent-fw12"
reason = "Agents who signed the FW-12 rest consent"
approved_by = "Dana Ruiz, HR"
approved_on = 2026-11-05
expires = 2026-12-31
"#,
    );
    // a-1 carries consent-fw12; a-2 is a covered Chicago employee too, but without the consent.
    assert_eq!(waived(&r), [("a-1".to_string(), "chi.rest.10h".to_string())]);
    let open: Vec<&str> =
        r.findings.iter().filter(|f| f.rule == "chi.rest.10h" && !f.is_waived()).map(|f| f.agent_id.as_str()).collect();
    assert_eq!(open, ["a-2"]);
}

/// The waiver of a-1 expiring on 2026-12-31, judged at several instants around the end of that day in Chicago.
#[test]
fn a_waiver_expires_at_local_midnight_after_its_last_day_and_then_warns() {
    for (as_of, applies) in [
        ("2026-12-31T23:59:59-06:00", true),
        // Already Jan 1 in UTC, still Dec 31 in the business unit's zone.
        ("2027-01-01T03:00:00Z", true),
        ("2027-01-01T00:00:00-06:00", false),
        ("2027-03-01T09:00:00-06:00", false),
    ] {
        let r = check_at(A1_REST, as_of);
        let s = &r.waivers[0];
        if applies {
            assert_eq!(waived(&r).len(), 1, "{as_of}");
            assert_eq!((s.state, s.days_left), (WaiverState::Active, 0), "{as_of}");
            assert!(s.notes.is_empty(), "{as_of}: {:?}", s.notes);
        } else {
            assert!(waived(&r).is_empty(), "{as_of}");
            let blocking = r.at_least(Severity::Error).filter(|f| f.rule == REST).count();
            assert_eq!(blocking, 3, "{as_of}: the finding blocks again");
            assert_eq!(s.state, WaiverState::Expired, "{as_of}");
            assert!(s.days_left < 0);
            let note = &s.notes[0];
            assert_eq!((note.severity, note.kind), (Severity::Warning, NoteKind::Expired));
            assert!(
                note.message.starts_with(
                    "waiver HR-2026-114 (#1 of shiftgate.toml) (core.rest.min-between-shifts, agent a-1) expired on 2026-12-31"
                ),
                "{}",
                note.message
            );
        }
    }
}

#[test]
fn a_waiver_approved_after_the_evaluation_date_does_not_apply_yet() {
    let r = check(&A1_REST.replace("approved_on = 2026-11-05", "approved_on = 2026-11-25"));
    assert_eq!(r.summary.error, 3);
    assert!(waived(&r).is_empty());
    let s = &r.waivers[0];
    assert_eq!(s.state, WaiverState::NotYetInForce);
    assert_eq!((s.notes[0].severity, s.notes[0].kind), (Severity::Warning, NoteKind::NotYetInForce));
    assert!(
        s.notes[0].message.contains("is approved from 2026-11-25, after the evaluation date 2026-11-10"),
        "{}",
        s.notes[0].message
    );
}

#[test]
fn waivers_that_match_nothing_say_why() {
    let entry = |rule: &str, whom: &str| {
        format!("\n[[waivers]]\nrule = \"{rule}\"\n{whom}\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\n")
    };
    let r = check(
        &[
            entry("core.shift.length", "agent = \"a-1\""),
            entry(REST, "agent = \"a-999\""),
            entry(REST, "tag = \"night-crew\""),
            entry("il.rest.day-in-seven", "agent = \"a-1\""),
            entry(REST, "agent = \"a-2\""),
            // The same as the one above: the first that covers a finding waives it, so this one is unused.
            entry(REST, "agent = \"a-2\""),
        ]
        .concat(),
    );
    let notes: Vec<(usize, Severity, NoteKind)> =
        r.waiver_notes().map(|(s, n)| (s.waiver.index, n.severity, n.kind)).collect();
    assert_eq!(
        notes,
        [
            (1, Severity::Info, NoteKind::Unused),
            (2, Severity::Info, NoteKind::UnknownAgent),
            (3, Severity::Info, NoteKind::UnknownTag),
            (4, Severity::Info, NoteKind::RuleNotRun),
            (6, Severity::Info, NoteKind::Unused),
        ]
    );
    let messages: Vec<&str> = r.waiver_notes().map(|(_, n)| n.message.as_str()).collect();
    assert!(messages[0].contains("matched no finding in this run (unused waiver)"), "{}", messages[0]);
    assert!(messages[1].contains("agent a-999 is not in this snapshot"), "{}", messages[1]);
    assert!(messages[2].contains("no agent of this snapshot has tag night-crew"), "{}", messages[2]);
    assert!(messages[3].contains("rule il.rest.day-in-seven did not run"), "{}", messages[3]);
    assert_eq!(waived(&r), [("a-2".to_string(), REST.to_string())]);
    assert_eq!(r.waivers[4].waived, 1);
}

#[test]
fn dates_cover_a_finding_only_when_its_whole_interval_lies_within_them() {
    // a-1's rest gap runs Mon Nov 30 22:30 to Tue Dec 1 06:00 CST.
    for (dates, covered) in [
        ("from = 2026-11-30\nuntil = 2026-12-01", true),
        ("from = \"2026-11-30\"\nuntil = \"2026-12-01\"", true),
        ("from = 2026-11-30", true),
        ("until = 2026-12-01", true),
        ("from = 2026-12-01\nuntil = 2026-12-01", false),
        ("from = 2026-11-30\nuntil = 2026-11-30", false),
        ("until = 2026-11-29", false),
    ] {
        let r = check(&A1_REST.replace("expires =", &format!("{dates}\nexpires =")));
        assert_eq!(waived(&r).len(), usize::from(covered), "{dates}");
    }
    // Nothing after the expiry is covered, even while the waiver is in force.
    let r = check(&A1_REST.replace("expires = 2026-12-31", "expires = 2026-11-30"));
    assert!(waived(&r).is_empty());
    assert_eq!(r.waivers[0].state, WaiverState::Active);
}

#[test]
fn broken_waivers_are_configuration_errors_naming_file_line_index_and_rule_all_at_once() {
    let err = config_error(
        r#"
[[waivers]]
rule = "core.rest.min-between-shifts"
agent = "a-1"
approved_by = "Dana Ruiz"
approved_on = 2026-11-05
expires = 2026-12-31

[[waivers]]
rule = "chi.rest.10hh"
agent = "a-1"
reason = "typo in the rule id"
approved_by = "Dana Ruiz"
approved_on = 2026-11-05
expires = 2026-12-31

[[waivers]]
rule = "core.shift.overlap"
agent = "a-1"
reason = "no"
approved_by = "Dana Ruiz"
approved_on = 2026-11-05
expires = 2026-12-31

[[waivers]]
rule = "core.rest.min-between-shifts"
agent = "a-1"
tag = "cba"
reason = "too long"
approved_by = "Dana Ruiz"
approved_on = 2026-01-01
expires = 2026-06-30
untill = 2026-03-01

[[waivers]]
rule = "core.rest.min-between-shifts"
reason = "whom?"
approved_by = ""
approved_on = "31/12/2026"
expires = 2026-12-31
until = 2027-01-05
from = 2027-01-09
"#,
    );
    let lines: Vec<&str> = err.lines().collect();
    for want in [
        "shiftgate.toml:6: waiver #1 (rule \"core.rest.min-between-shifts\"): missing `reason`",
        "shiftgate.toml:13: waiver #2 (rule \"chi.rest.10hh\"): names rule \"chi.rest.10hh\", which no pack has",
        "shiftgate.toml:21: waiver #3 (rule \"core.shift.overlap\"): rule core.shift.overlap is not waivable: the platform itself refuses a schedule with overlapping shifts",
        "shiftgate.toml:29: waiver #4 (rule \"core.rest.min-between-shifts\"): unknown key `untill`",
        "shiftgate.toml:29: waiver #4 (rule \"core.rest.min-between-shifts\"): names both `agent` and `tag`",
        "shiftgate.toml:29: waiver #4 (rule \"core.rest.min-between-shifts\"): lasts 180 days, from approved_on 2026-01-01 to expires 2026-06-30; a waiver may last at most 90 days (waiver_max_days)",
        "shiftgate.toml:39: waiver #5 (rule \"core.rest.min-between-shifts\"): `approved_by` must not be empty",
        "shiftgate.toml:39: waiver #5 (rule \"core.rest.min-between-shifts\"): `approved_on` must be a date such as 2026-12-31, got \"31/12/2026\"",
        "shiftgate.toml:39: waiver #5 (rule \"core.rest.min-between-shifts\"): needs `agent` (an agent id) or `tag`",
        "shiftgate.toml:39: waiver #5 (rule \"core.rest.min-between-shifts\"): from 2027-01-09 is after until 2027-01-05",
        "shiftgate.toml:39: waiver #5 (rule \"core.rest.min-between-shifts\"): until 2027-01-05 is after expires 2026-12-31",
    ] {
        assert!(lines.iter().any(|l| l.starts_with(want)), "no line starting {want:?} in\n{err}");
    }
    assert_eq!(lines.len(), 12, "{err}");
}

#[test]
fn the_longest_a_waiver_may_last_is_configurable_within_bounds() {
    let long = A1_REST.replace("approved_on = 2026-11-05", "approved_on = 2026-07-01");
    assert!(config_error(&long).contains("lasts 183 days"), "{}", config_error(&long));
    let rules = load(&format!("waiver_max_days = 200\n{BASE}{long}")).unwrap();
    let r = Checker::new(rules, Some(1)).check(snapshot(), snapshot().as_of.unwrap()).unwrap();
    assert_eq!(waived(&r).len(), 1);
    for bad in ["0", "367", "\"90\"", "-5"] {
        let err = match load(&format!("waiver_max_days = {bad}\n{BASE}")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("waiver_max_days = {bad} loaded"),
        };
        assert!(err.contains("shiftgate.toml: waiver_max_days: must be a whole number of days from 1 to 366"), "{err}");
    }
}

#[test]
fn ids_are_unique_and_a_waivers_file_is_named_in_its_errors() {
    let err = config_error(&format!("{A1_REST}{A1_REST}"));
    assert!(err.contains("waiver #2 (rule \"core.rest.min-between-shifts\"): id \"HR-2026-114\" is already the id of waiver HR-2026-114 (#1 of shiftgate.toml)"), "{err}");

    let mut config = Config::from_toml(BASE, "shiftgate.toml").unwrap();
    config.add_waivers_file(&A1_REST.replace("reason", "# no reason\nreasn"), "waivers.toml").unwrap();
    let err = RuleSet::load(&RuleLibrary::embedded(), &[], &config, Limits::default()).unwrap_err().to_string();
    assert!(
        err.contains("waivers.toml:2: waiver #1 (rule \"core.rest.min-between-shifts\"): unknown key `reasn`"),
        "{err}"
    );
    assert!(
        err.contains("waivers.toml:2: waiver #1 (rule \"core.rest.min-between-shifts\"): missing `reason`"),
        "{err}"
    );
}

/// A rule that throws for a-1 and one that reports everything, in a library of their own.
fn boom_library() -> RuleLibrary {
    let rule = |name: &str, body: &str| {
        RuleFile {
        pack: "core".into(),
        path: format!("rules/core/{name}.rhai"),
        source: format!("fn meta() {{ #{{ id: \"{name}\", title: \"t\", severity: \"error\" }} }}\nfn check(agent, params) {{ {body} }}\n"),
    }
    };
    RuleLibrary {
        files: vec![
            rule("core.t.boom", "if agent.id == \"a-1\" { throw \"boom\"; }"),
            rule("core.t.each-shift", "for s in agent.shifts() { report(s, `shift ${s.id}`); }"),
        ],
    }
}

#[test]
fn rule_failures_are_never_waived() {
    let config = Config::from_toml(
        "[[waivers]]\nrule = \"core.t.boom\"\nagent = \"a-1\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-05\nexpires = 2026-12-31\n",
        "shiftgate.toml",
    )
    .unwrap();
    let rules = RuleSet::load(&boom_library(), &[], &config, Limits::default()).unwrap();
    let as_of: DateTime<Utc> = snapshot().as_of.unwrap();
    let err = Checker::new(rules, Some(1)).check(snapshot(), as_of).unwrap_err();
    assert_eq!((err.rule.as_str(), err.agent.as_str()), ("core.t.boom", "a-1"));
    assert!(!err.is_input_error());
}

#[test]
fn waivable_in_meta_must_be_a_boolean_and_false_refuses_every_waiver() {
    let lib = |waivable: &str| {
        RuleLibrary {
        files: vec![RuleFile {
            pack: "core".into(),
            path: "rules/core/core.t.x.rhai".into(),
            source: format!("fn meta() {{ #{{ id: \"core.t.x\", title: \"t\", severity: \"error\", waivable: {waivable} }} }}\nfn check(agent, params) {{ }}\n"),
        }],
    }
    };
    let err = RuleSet::load(&lib("\"no\""), &[], &Config::default(), Limits::default()).unwrap_err().to_string();
    assert!(err.contains("rules/core/core.t.x.rhai: meta(): `waivable` must be true or false"), "{err}");
    let config = Config::from_toml(
        "[[waivers]]\nrule = \"core.t.x\"\nagent = \"a-1\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-05\nexpires = 2026-12-31\n",
        "site.toml",
    )
    .unwrap();
    let err = RuleSet::load(&lib("false"), &[], &config, Limits::default()).unwrap_err().to_string();
    assert!(err.contains("site.toml:1: waiver #1 (rule \"core.t.x\"): rule core.t.x is not waivable (its meta() says `waivable: false`)"), "{err}");
    assert!(!RuleSet::load(&lib("false"), &[], &Config::default(), Limits::default()).unwrap().rules()[0].waivable);
    assert!(RuleSet::load(&lib("true"), &[], &config, Limits::default()).is_ok());
}

/// The documented reading, computed another way: by local dates of the finding's first and last minute.
fn covered_by_dates(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: Option<NaiveDate>,
    last: NaiveDate,
    zone: shiftgate_model::Zone,
) -> bool {
    let first_day = zone.local_date(start);
    let last_day = zone.local_date(end - chrono::Duration::minutes(1));
    from.is_none_or(|f| first_day >= f) && last_day <= last
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Over random dates and evaluation days, every finding is waived exactly when the documented reading says so.
    #[test]
    fn waiving_follows_the_documented_reading(
        from in proptest::option::of(0i64..12),
        until in proptest::option::of(0i64..12),
        approved in 0i64..12,
        expires_after in 0i64..20,
        today in 0i64..40,
        tag in any::<bool>(),
    ) {
        let day0 = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let day = |n: i64| day0 + chrono::Duration::days(n);
        let approved_on = day(approved);
        let expires = approved_on + chrono::Duration::days(expires_after);
        let (from, until) = (from.map(day), until.map(day));
        prop_assume!(from.is_none_or(|f| f <= expires) && until.is_none_or(|u| u <= expires));
        prop_assume!(from.zip(until).is_none_or(|(f, u)| f <= u));
        let mut entry = format!(
            "[[waivers]]\nrule = \"{REST}\"\n{}\nreason = \"r\"\napproved_by = \"a\"\napproved_on = {approved_on}\nexpires = {expires}\n",
            if tag { "tag = \"chicago-fww\"" } else { "agent = \"a-2\"" }
        );
        if let Some(f) = from { entry.push_str(&format!("from = {f}\n")); }
        if let Some(u) = until { entry.push_str(&format!("until = {u}\n")); }
        let today = day(today);
        let r = check_at(&entry, &format!("{today}T12:00:00-06:00"));
        let zone = snapshot().zone();
        let in_force = approved_on <= today && today <= expires;
        let last = until.map_or(expires, |u| u.min(expires));
        for f in &r.findings {
            let whom = if tag { f.agent_id == "a-1" || f.agent_id == "a-2" } else { f.agent_id == "a-2" };
            let want = f.rule == REST && whom && in_force && covered_by_dates(f.start, f.end, from, last, zone);
            prop_assert_eq!(f.is_waived(), want, "{} {} {:?}", f.agent_id, f.rule, entry);
        }
        prop_assert_eq!(r.summary.waived, r.findings.iter().filter(|f| f.is_waived()).count());
    }
}

#[test]
fn the_first_waiver_in_file_order_wins_whether_it_names_the_agent_or_a_tag() {
    let by = |whom: &str, id: &str| {
        format!("\n[[waivers]]\nid = \"{id}\"\nrule = \"{REST}\"\n{whom}\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\n")
    };
    for (first, second) in [("tag = \"chicago-fww\"", "agent = \"a-1\""), ("agent = \"a-1\"", "tag = \"chicago-fww\"")]
    {
        let r = check(&[by(first, "W-1"), by(second, "W-2")].concat());
        let a1 = r.findings.iter().find(|f| f.agent_id == "a-1" && f.rule == REST).unwrap();
        assert_eq!(a1.waiver.as_ref().unwrap().id.as_deref(), Some("W-1"), "{first} then {second}");
    }
}
