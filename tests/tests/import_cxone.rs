//! `shiftgate import cxone` end to end with the built binary: the fixture week (fixtures/cxone/README.md) in
//! every export form gives the same snapshot, which the snapshot schema accepts; `import ... | check -` finds the
//! planted problems and lists the rules that had nothing to judge; bad input exits 2 listing every problem with
//! its place, and writes nothing.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test import_cxone`.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

use common::{run, shiftgate, text, workspace};
use serde_json::Value;

const WEEK: [&str; 6] = ["import", "cxone", "--mapping", "fixtures/cxone/cxone.toml", "--week", "2026-11-01"];
const AS_OF: &str = "2026-10-25T18:00:00-05:00";

fn import(exports: &[&str]) -> Output {
    let mut args: Vec<&str> = WEEK.to_vec();
    args.extend(exports);
    run(&args)
}

/// `check - ARGS` with `input` on standard input.
fn check_stdin(input: &[u8], args: &[&str]) -> Output {
    let mut child = shiftgate()
        .args(["check", "-", "--as-of", AS_OF])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_export_form_imports_to_the_same_snapshot_which_the_schema_accepts() {
    let pipe = import(&["fixtures/cxone/detail-a.txt", "fixtures/cxone/detail-b.txt"]);
    assert_eq!(pipe.status.code(), Some(0), "{}", text(&pipe.stderr));
    assert_eq!(
        text(&pipe.stderr),
        "Imported the week of 2026-11-01 from 2 CXone exports into standard output: 8 agents, 30 shifts, 1 before the week as history; 21 repeated rows read once.\n\
         The exports carry no time-off requests or shift trades: `check` lists the rules that had nothing to judge.\n"
    );
    for form in [&["fixtures/cxone/detail.json"][..], &["fixtures/cxone/api"], &["fixtures/cxone/api.jsonl"]] {
        let other = import(form);
        assert_eq!(other.status.code(), Some(0), "{form:?}: {}", text(&other.stderr));
        assert!(other.stdout == pipe.stdout, "{form:?} gives another snapshot");
    }
    let doc: Value = serde_json::from_slice(&pipe.stdout).unwrap();
    assert_eq!(doc["source"], serde_json::json!({"kind": "cxone", "lacks": ["timeOffRequests", "shiftTrades"]}));
    let schema: Value = serde_json::from_slice(&run(&["schema"]).stdout).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn import_piped_into_check_finds_the_planted_problems_and_names_what_it_could_not_judge() {
    let imported = import(&["fixtures/cxone/api"]);
    let o = check_stdin(&imported.stdout, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for line in [
        "not judged (the cxone source carries no time-off requests): core.timeoff.approved-conflict, core.timeoff.pending-conflict, core.timeoff.self-overlap, core.timeoff.unreflected",
        "not judged (the cxone source carries no shift trades): core.trade.already-applied, core.trade.integrity",
        "<stdin>: 2 errors, 4 warnings, 1 info in 7 of 8 agents; 14 rules run; FAIL: 2 findings at or above error",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    let json = check_stdin(&imported.stdout, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["agentId"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            "4712 core.dst.shift-spans-transition",
            "4713 core.rest.min-between-shifts",
            "4714 core.shift.length",
            "4715 core.hours.weekly-paid",
            "4716 core.days.max-consecutive",
            "4717 core.shift.overlap",
            "4718 core.activity.within-shift",
        ]
    );
    assert_eq!(report["notJudged"].as_array().unwrap().len(), 6);
    assert_eq!(report["notJudged"][5]["rule"], "core.trade.integrity");
}

#[test]
fn bad_exports_exit_2_listing_every_problem_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    let good = std::fs::read_to_string(workspace().join("fixtures/cxone/detail-a.txt")).unwrap();
    let broken = good.replacen("|LUNCH|", "|LNCH|", 1).replacen("|22:00|24:00", "|22:00|25:00", 1);
    std::fs::write(&bad, broken).unwrap();
    let out = dir.path().join("week.json");
    let mut args: Vec<&str> = WEEK.to_vec();
    args.extend([bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    let name = bad.display().to_string();
    assert!(err.starts_with("error: 2 problems in the CXone input:\n"), "{err}");
    assert!(err.contains(&format!("{name}:5: activity code \"LNCH\" is not in fixtures/cxone/cxone.toml")), "{err}");
    assert!(err.contains(&format!("{name}:17: endTime \"25:00\" is not a time in 24-hour notation")), "{err}");
    assert!(!out.exists(), "nothing is written when the input has problems");

    let usage =
        run(&["import", "cxone", "--mapping", "fixtures/cxone/cxone.toml", "--week", "Nov 1", "fixtures/cxone/api"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage.stderr).contains("--week \"Nov 1\": expected a date such as 2026-11-01"));
    let monday = run(&[
        "import",
        "cxone",
        "--mapping",
        "fixtures/cxone/cxone.toml",
        "--week",
        "2026-11-02",
        "fixtures/cxone/api",
    ]);
    assert_eq!(monday.status.code(), Some(2));
    assert!(text(&monday.stderr).contains("starts on a Mon, but the business unit's week starts on Sun"));
}
