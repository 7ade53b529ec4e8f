//! Waivers through the binary: exit codes, every output format, the waivers file, `shiftgate waivers list`, and
//! the fail-closed cases (a broken or non-waivable waiver is exit 2 naming it; an expired one warns and no longer
//! applies; a rule failure is exit 3 whatever the waivers). Runs from the repository root on
//! `fixtures/waivers/` (week.json, shiftgate.toml and the waivers.toml it names).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WEEK: &str = "fixtures/waivers/week.json";
const CONFIG: &str = "fixtures/waivers/shiftgate.toml";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn shiftgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftgate")).current_dir(repo()).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config file in a temporary folder (kept alive by the returned guard).
fn config(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shiftgate.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

const REST_IS_AN_ERROR: &str = "[rules.\"core.rest.min-between-shifts\"]\nseverity = \"error\"\n";

#[test]
fn the_human_report_lists_waived_findings_apart_with_their_record_and_counts_them() {
    let o = shiftgate(&["check", "--config", CONFIG, WEEK]);
    assert_eq!(o.status.code(), Some(1), "a-2 has no waiver: {}", err(&o));
    let text = out(&o);
    let (open, waived) = text.split_once("Waived (3 findings, never blocking):").expect("a waived section");
    assert!(open.contains("a-2") && !open.contains("\na-1\n") && !open.contains("\na-3\n"), "{open}");
    assert!(waived.contains("waived by waiver HR-2026-114 (#1 of fixtures/waivers/shiftgate.toml), approved by Dana Ruiz, HR on 2026-11-05, expires 2026-12-31 (51 days left): Signed Fair Workweek consent"), "{waived}");
    assert!(text.contains("1 error, 1 warning, 0 infos in 3 of 3 agents; 3 waived; 16 rules run; FAIL"), "{text}");
    insta::assert_snapshot!("check_human_with_waivers", text);
}

#[test]
fn waivers_turn_a_blocking_week_into_a_passing_one_and_only_for_what_they_cover() {
    let (_d, plain) = config(REST_IS_AN_ERROR);
    assert_eq!(shiftgate(&["check", "--pack", "core", "--config", &plain, WEEK]).status.code(), Some(1));
    let (_d, waived) = config(&format!(
        "{REST_IS_AN_ERROR}\n[[waivers]]\nrule = \"core.rest.min-between-shifts\"\ntag = \"chicago-fww\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\n"
    ));
    // a-1 and a-2 carry chicago-fww; a-3 does not, so the week still blocks.
    let o = shiftgate(&["check", "--pack", "core", "--config", &waived, "--format", "json", WEEK]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let by_agent: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["agentId"].as_str().unwrap(), f.get("waiver").is_some()))
        .collect();
    assert_eq!(by_agent, [("a-1", true), ("a-2", true), ("a-3", false)]);
    assert_eq!(report["summary"]["waived"], 2);
    assert_eq!(report["summary"]["error"], 1);
    assert_eq!(report["findings"][0]["waiver"]["tag"], "chicago-fww");
}

/// One waiver for each of the three findings; a-3's expires on Dec 31, and the week is re-checked around the end of
/// that day in Chicago.
#[test]
fn a_waiver_that_expires_between_two_as_of_instants_stops_applying_and_warns() {
    let (_d, path) = config(&format!(
        "{REST_IS_AN_ERROR}\n[[waivers]]\nrule = \"core.rest.min-between-shifts\"\ntag = \"chicago-fww\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2027-01-15\n\
         \n[[waivers]]\nid = \"OPS-7\"\nrule = \"core.rest.min-between-shifts\"\nagent = \"a-3\"\nreason = \"one-off\"\napproved_by = \"Sam Lee\"\napproved_on = 2026-11-09\nexpires = 2026-12-31\n"
    ));
    let at = |as_of: &str| shiftgate(&["check", "--pack", "core", "--config", &path, "--as-of", as_of, WEEK]);
    let before = at("2026-12-31T23:59:00-06:00");
    assert_eq!(before.status.code(), Some(0), "{}", out(&before));
    assert!(out(&before).contains("OPS-7") && out(&before).contains("(last day)"), "{}", out(&before));
    let after = at("2027-01-01T00:00:00-06:00");
    assert_eq!(after.status.code(), Some(1), "{}", out(&after));
    let text = out(&after);
    assert!(text.contains("Waivers:\n  warning waiver OPS-7 (#2 of "), "{text}");
    assert!(text.contains("(core.rest.min-between-shifts, agent a-3) expired on 2026-12-31 (evaluated on 2027-01-01): it no longer applies"), "{text}");
    assert!(text.contains("1 error, 0 warnings, 0 infos in 3 of 3 agents; 2 waived"), "{text}");
}

#[test]
fn broken_and_non_waivable_waivers_exit_2_naming_the_waiver_and_the_file() {
    let (_d, path) = config(&format!(
        "{REST_IS_AN_ERROR}\n[[waivers]]\nrule = \"core.shift.overlap\"\nagent = \"a-1\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\n\
         \n[[waivers]]\nrule = \"core.rest.min-between-shifts\"\nagent = \"a-1\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2027-06-01\n"
    ));
    let o = shiftgate(&["check", "--config", &path, WEEK]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains(&format!("{path}:4: waiver #1 (rule \"core.shift.overlap\"): rule core.shift.overlap is not waivable: the platform itself refuses a schedule with overlapping shifts")), "{e}");
    assert!(
        e.contains(&format!("{path}:12: waiver #2 (rule \"core.rest.min-between-shifts\"): missing `reason`")),
        "{e}"
    );
    assert!(
        e.contains(
            "lasts 212 days, from approved_on 2026-11-01 to expires 2027-06-01; a waiver may last at most 90 days"
        ),
        "{e}"
    );
    assert!(o.stdout.is_empty());
    // The same configuration stops `rules test` and `waivers list` too.
    assert_eq!(shiftgate(&["waivers", "list", "--config", &path]).status.code(), Some(2));
}

#[test]
fn the_waivers_file_is_read_beside_the_configuration_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("site.toml");
    std::fs::write(&cfg, format!("waivers_file = \"exceptions/2026.toml\"\n{REST_IS_AN_ERROR}")).unwrap();
    let o = shiftgate(&["check", "--pack", "core", "--config", cfg.to_str().unwrap(), WEEK]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("waivers_file \"exceptions/2026.toml\"") && err(&o).contains("cannot read"),
        "{}",
        err(&o)
    );
    std::fs::create_dir(dir.path().join("exceptions")).unwrap();
    std::fs::write(
        dir.path().join("exceptions/2026.toml"),
        "[[waivers]]\nrule = \"core.rest.min-between-shifts\"\nagent = \"a-3\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\npacks = 1\n",
    )
    .unwrap();
    let o = shiftgate(&["check", "--pack", "core", "--config", cfg.to_str().unwrap(), WEEK]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o)
            .contains("exceptions/2026.toml:1: waiver #1 (rule \"core.rest.min-between-shifts\"): unknown key `packs`"),
        "{}",
        err(&o)
    );
}

#[test]
fn junit_marks_waived_findings_skipped_with_the_reason_and_github_makes_them_notices() {
    let o = shiftgate(&["check", "--config", CONFIG, "--format", "junit", WEEK]);
    let xml = out(&o);
    assert!(
        xml.contains(r#"<testsuite name="fixtures/waivers/week.json" tests="19" failures="1" errors="0" skipped="3">"#),
        "{xml}"
    );
    assert_eq!(xml.matches("<skipped message=\"waived by waiver ").count(), 3, "{xml}");
    assert!(
        xml.contains(
            "approved by Dana Ruiz, HR on 2026-11-05, expires 2026-12-31 (51 days left): Signed Fair Workweek consent"
        ),
        "{xml}"
    );
    assert!(xml.contains("<system-out>info: waiver #3 of fixtures/waivers/waivers.toml (core.shift.length, agent a-2) matched no finding"), "{xml}");

    let o = shiftgate(&["check", "--config", CONFIG, "--format", "github", WEEK]);
    let lines = out(&o);
    let waived: Vec<&str> = lines.lines().filter(|l| l.contains("(waived)::")).collect();
    assert_eq!(waived.len(), 3, "{lines}");
    assert!(waived.iter().all(|l| l.starts_with("::notice file=fixtures/waivers/week.json,line=")), "{lines}");
    assert!(
        lines.contains("::notice file=fixtures/waivers/waivers.toml,line=23,title=shiftgate waiver.unused::"),
        "{lines}"
    );
    assert!(lines.contains("; 3 waived; FAIL: 1 at or above error"), "{lines}");
}

#[test]
fn a_rule_that_fails_at_run_time_fails_closed_whatever_the_waivers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("core")).unwrap();
    std::fs::write(
        dir.path().join("core/core.t.boom.rhai"),
        "fn meta() { #{ id: \"core.t.boom\", title: \"t\", severity: \"error\" } }\nfn check(agent, params) { throw \"boom\"; }\n",
    )
    .unwrap();
    let (_d, path) = config(
        "[[waivers]]\nrule = \"core.t.boom\"\ntag = \"chicago-fww\"\nreason = \"r\"\napproved_by = \"a\"\napproved_on = 2026-11-01\nexpires = 2026-12-31\n",
    );
    let o = shiftgate(&["check", "--rules", dir.path().to_str().unwrap(), "--config", &path, WEEK]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("rule core.t.boom failed while checking agent a-1"), "{}", err(&o));
}

#[test]
fn waivers_list_shows_status_days_left_and_use_in_a_run() {
    let o = shiftgate(&["waivers", "list", "--config", CONFIG, WEEK]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(text.starts_with("fixtures/waivers/shiftgate.toml: 4 waivers, judged on 2026-11-10 in America/Chicago (checked fixtures/waivers/week.json): 4 active, 0 expired, 0 not yet in force, 1 used by no finding"), "{text}");
    insta::assert_snapshot!("waivers_list_with_snapshot", text);

    // Without a snapshot, at a later date: two have expired, nothing is said about use.
    let o = shiftgate(&["waivers", "list", "--config", CONFIG, "--as-of", "2026-12-10T12:00:00Z"]);
    let text = out(&o);
    assert!(text.contains("4 waivers, judged on 2026-12-10 in UTC"), "{text}");
    assert!(text.contains("2 active, 2 expired"), "{text}");
    assert!(text.contains("expired on 2026-12-06, expired 4 days ago: it no longer applies"), "{text}");
    assert!(!text.contains("in this run"), "{text}");

    let o = shiftgate(&["waivers", "list", "--config", CONFIG, "--format", "json", WEEK]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format"], "shiftgate.waivers/1");
    let rows: Vec<(i64, u64)> = doc["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["daysLeft"].as_i64().unwrap(), w["waived"].as_u64().unwrap()))
        .collect();
    assert_eq!(rows, [(51, 1), (35, 1), (26, 1), (21, 0)]);
    assert_eq!(doc["waivers"][3]["notes"][0]["kind"], "unused");

    let o = shiftgate(&["waivers", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("waivers list needs --config FILE"), "{}", err(&o));
}
