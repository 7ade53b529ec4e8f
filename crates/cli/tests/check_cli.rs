//! End-to-end tests of `shiftgate check` and friends: every exit code, and bad input of every kind.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const DESIGN: &str = "../../fixtures/schedules/design-example.json";

fn shiftgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftgate")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shiftgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn design_with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(DESIGN).unwrap()).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn exit_0_when_nothing_blocks() {
    let o = shiftgate(&["check", "../../fixtures/rules/core.shift.overlap/pass_trade_removes_overlap.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("PASS: nothing at or above error"));
}

#[test]
fn exit_1_on_the_incident_with_the_root_cause_in_words() {
    let o = shiftgate(&["check", DESIGN]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    for want in [
        "error   core.timeoff.pending-conflict  Tue Dec 1 08:00-12:00 CST",
        "shift s-1 (Tue Dec 1 08:00-16:30 CST) was moved from a-100 to a-200 by approved trade tr-4 (approved Fri Nov 20 10:00 CST)",
        "time-off request tor-9 of a-200 (partial-day, Tue Dec 1 08:00-12:00 CST) is PENDING since Sat Nov 21 03:12 CST and is not reflected in the draft",
        "1 error, 0 warnings, 0 infos in 1 of 2 agents",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn fail_on_decides_which_severities_block() {
    let warning_only = "../../fixtures/rules/core.rest.min-between-shifts/fail_clopening.json";
    assert_eq!(shiftgate(&["check", warning_only]).status.code(), Some(0));
    assert_eq!(shiftgate(&["check", "--fail-on", "warning", warning_only]).status.code(), Some(1));
    assert_eq!(shiftgate(&["check", "--fail-on", "never", DESIGN]).status.code(), Some(0));
}

#[test]
fn json_report_has_the_documented_shape() {
    let o = shiftgate(&["check", "--format", "json", DESIGN]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["format"], "shiftgate.report/1");
    assert_eq!(r["snapshot"]["scheduleId"], "sch-48");
    assert_eq!(r["snapshot"]["version"], 17);
    assert_eq!(r["summary"]["error"], 1);
    assert_eq!(r["rules"].as_array().unwrap().len(), 14);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "core.timeoff.pending-conflict");
    assert_eq!(f["agentId"], "a-200");
    assert_eq!(f["start"], "2026-12-01T14:00:00Z");
    assert_eq!(f["localStart"], "2026-12-01T08:00:00-06:00");
    assert_eq!(f["refs"]["trade"][0], "tr-4");
    assert_eq!(f["refs"]["timeOffRequest"][0], "tor-9");
    assert_eq!(f["measured"], 240);
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
}

#[test]
fn stdin_and_several_snapshots() {
    let bytes = std::fs::read(DESIGN).unwrap();
    let o = with_stdin(&["check", "--format", "json", "-"], &bytes);
    assert_eq!(o.status.code(), Some(1));
    // Two snapshots give an array of two reports.
    let ok = "../../fixtures/rules/core.shift.overlap/pass_trade_removes_overlap.json";
    let o = shiftgate(&["check", "--format", "json", ok, DESIGN]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r.as_array().unwrap().len(), 2);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_bad_snapshot_among_good_ones_still_fails_with_2_and_reports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{ not json").unwrap();
    let o = shiftgate(&["check", DESIGN, bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stdout).contains("core.timeoff.pending-conflict"));
    assert!(text(&o.stderr).contains("bad.json is not a valid snapshot"));
}

fn input_error(bytes: &[u8]) -> String {
    let o = with_stdin(&["check", "-"], bytes);
    assert_eq!(o.status.code(), Some(2), "stdout: {}", text(&o.stdout));
    text(&o.stderr)
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = input_error(b"{\n  \"format\": \"shiftgate.snapshot/1\",\n  \"agents\": [ {\"id\": \"a\"} \n");
    assert!(err.contains("line 4"), "{err}");
}

#[test]
fn every_input_problem_is_listed_with_its_path() {
    let bytes = design_with(|v| {
        v["businessUnit"]["timeZone"] = "Mars/Olympus".into();
        v["agentSchedules"][0]["shifts"][0]["lengthMinutes"] = (-5).into();
        v["timeOffRequests"][1]["user"]["id"] = "a-999".into();
        v["agentSchedules"][1]["user"]["id"] = "a-777".into();
        let trade = v["shiftTrades"][0].clone();
        v["shiftTrades"].as_array_mut().unwrap().push(trade);
        v["agents"].as_array_mut().unwrap().push(serde_json::json!({"id": "a-100"}));
    });
    let err = input_error(&bytes);
    for want in [
        "businessUnit.timeZone: unknown IANA time zone \"Mars/Olympus\"",
        "agentSchedules[0].shifts[0].lengthMinutes: must be > 0, got -5",
        "timeOffRequests[1].user.id: unknown agent \"a-999\" (not in agents)",
        "agentSchedules[1].user.id: unknown agent \"a-777\" (not in agents)",
        "shiftTrades[1].id: duplicate trade id \"tr-4\"",
        "agents[2].id: duplicate agent id \"a-100\"",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
}

#[test]
fn duplicate_shift_and_request_ids_are_input_errors() {
    let bytes = design_with(|v| {
        v["agentSchedules"][1]["shifts"][0]["id"] = "s-1".into();
        v["timeOffRequests"][1]["id"] = "tor-7".into();
    });
    let err = input_error(&bytes);
    assert!(err.contains("agentSchedules[1].shifts[0].id: duplicate shift id \"s-1\""), "{err}");
    assert!(err.contains("timeOffRequests[1].id: duplicate time-off request id \"tor-7\""), "{err}");
}

#[test]
fn a_trade_naming_an_unknown_shift_is_a_finding_not_an_input_error() {
    let bytes = design_with(|v| v["shiftTrades"][0]["receivingShiftId"] = "s-404".into());
    let o = with_stdin(&["check", "--format", "json", "-"], &bytes);
    assert_eq!(o.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "core.trade.integrity");
    assert_eq!(f["agentId"], "a-100");
    assert!(f["message"].as_str().unwrap().contains("approved trade tr-4 initiated by a-100 was not applied"), "{f}");
    assert!(f["cause"][0].as_str().unwrap().contains("its receiving shift s-404 does not exist in the draft"), "{f}");
}

#[test]
fn a_runaway_rule_fails_closed_with_exit_3_naming_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("core")).unwrap();
    std::fs::write(
        dir.path().join("core/spin.rhai"),
        "fn meta() { #{ id: \"core.spin\", title: \"spins\", severity: \"error\" } }\n\nfn check(agent, params) {\n    let n = 0;\n    loop { n += 1; }\n}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let o = shiftgate(&["check", "--rules", dir.path().to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    // Rhai cannot place a loop its optimizer emptied; the failure then points at `fn check` (line 3).
    assert!(err.contains("spin.rhai:3:1"), "{err}");
    assert!(err.contains("operation limit"), "{err}");
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn a_runaway_loop_over_real_work_names_the_check_function() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("core")).unwrap();
    std::fs::write(
        dir.path().join("core/spin.rhai"),
        "fn meta() { #{ id: \"core.spin\", title: \"spins\", severity: \"error\" } }\nfn check(agent, params) {\n    let n = 0;\n    while n >= 0 { n += agent.shifts().len() + 1; }\n    report(agent.shifts()[0], `${n}`);\n}\n",
    )
    .unwrap();
    let o = shiftgate(&["check", "--rules", dir.path().to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    // Rhai 1.27 reports the operation limit without a position; the failure points at `fn check`.
    assert!(err.contains("spin.rhai:2:1"), "{err}");
}

#[test]
fn a_rule_that_throws_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("core")).unwrap();
    std::fs::write(
        dir.path().join("core/boom.rhai"),
        "fn meta() { #{ id: \"core.boom\", title: \"t\", severity: \"error\" } }\nfn check(agent, params) {\n  throw \"no\";\n}\n",
    )
    .unwrap();
    let o = shiftgate(&["check", "--rules", dir.path().to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("boom.rhai:3:3"), "{}", text(&o.stderr));
}

#[test]
fn scripts_cannot_eval() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("core")).unwrap();
    std::fs::write(
        dir.path().join("core/ev.rhai"),
        "fn meta() { #{ id: \"core.ev\", title: \"t\", severity: \"error\" } }\nfn check(agent, params) { eval(\"1\"); }\n",
    )
    .unwrap();
    let o = shiftgate(&["check", "--rules", dir.path().to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("ev.rhai:2:"), "{}", text(&o.stderr));
}

#[test]
fn config_overrides_severity_and_parameters_and_rejects_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("shiftgate.toml");
    let clopening = "../../fixtures/rules/core.rest.min-between-shifts/fail_clopening.json";
    std::fs::write(&cfg, "[rules.\"core.rest.min-between-shifts\"]\nseverity = \"error\"\n").unwrap();
    assert_eq!(shiftgate(&["check", "--config", cfg.to_str().unwrap(), clopening]).status.code(), Some(1));
    std::fs::write(&cfg, "[rules.\"core.rest.min-between-shifts\"]\nseverity = \"error\"\nmin_minutes = 480\n")
        .unwrap();
    assert_eq!(shiftgate(&["check", "--config", cfg.to_str().unwrap(), clopening]).status.code(), Some(0));
    std::fs::write(&cfg, "[rules.\"core.timeoff.pending-conflict\"]\nseverity_when_pending = \"warning\"\n").unwrap();
    assert_eq!(shiftgate(&["check", "--config", cfg.to_str().unwrap(), DESIGN]).status.code(), Some(0));

    std::fs::write(&cfg, "[rules.\"core.nope\"]\nenabled = false\n").unwrap();
    let o = shiftgate(&["check", "--config", cfg.to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("[rules.\"core.nope\"]: unknown rule"));
    std::fs::write(&cfg, "[rules.\"core.rest.min-between-shifts\"]\nmin_minuts = 480\n").unwrap();
    let o = shiftgate(&["check", "--config", cfg.to_str().unwrap(), DESIGN]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("unknown parameter \"min_minuts\" (declared: min_minutes)"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&cfg, "[rules.\"core.rest.min-between-shifts\"]\nmin_minutes = \"ten hours\"\n").unwrap();
    assert_eq!(shiftgate(&["check", "--config", cfg.to_str().unwrap(), DESIGN]).status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(shiftgate(&["check"]).status.code(), Some(2));
    assert_eq!(shiftgate(&["check", "--as-of", "tomorrow", DESIGN]).status.code(), Some(2));
    assert_eq!(shiftgate(&["check", "--pack", "atlantis", DESIGN]).status.code(), Some(2));
    let o = shiftgate(&["check", "no/such/file.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read no/such/file.json"));
}

#[test]
fn as_of_comes_from_the_flag_then_the_snapshot() {
    let o = shiftgate(&["check", "--format", "json", "--as-of", "2026-11-28T09:00:00Z", DESIGN]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["asOf"], "2026-11-28T09:00:00Z");
    let o = shiftgate(&["check", "--format", "json", DESIGN]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["asOf"], "2026-11-23T00:00:00Z");
}

#[test]
fn schema_is_json_schema_for_the_format() {
    let o = shiftgate(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["properties"]["format"]["const"], "shiftgate.snapshot/1");
    for key in [
        "businessUnit",
        "schedule",
        "activityCodes",
        "agents",
        "agentSchedules",
        "history",
        "timeOffRequests",
        "shiftTrades",
    ] {
        assert!(s["properties"].get(key).is_some(), "schema lacks {key}");
    }
}

#[test]
fn rules_list_and_explain() {
    let o = shiftgate(&["rules", "list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert_eq!(out.lines().filter(|l| l.starts_with("core.")).count(), 14, "{out}");
    let o = shiftgate(&["rules", "explain", "core.rest.min-between-shifts"]);
    assert!(text(&o.stdout).contains("min_minutes = 600"), "{}", text(&o.stdout));
}

#[test]
fn the_bundled_chicago_week_reads_as_its_story() {
    // The README's main command. fixtures/schedules/README.md tells which agent has which problem.
    let o = shiftgate(&["check", "../../fixtures/schedules/chicago-week.json"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let incident = out.matches("error   core.timeoff.pending-conflict").count();
    assert_eq!(incident, 4, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn per_agent_parameters_must_be_declared_and_typed() {
    let bytes = design_with(|v| {
        v["agents"][0]["params"] = serde_json::json!({"core.rest.min-between-shifts.min_minutes": "lots"})
    });
    let o = with_stdin(&["check", "-"], &bytes);
    // The snapshot is wrong, not the rule: an input error.
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("agents[0].params.\"core.rest.min-between-shifts.min_minutes\""), "{err}");
    assert!(err.contains("must be an integer from 60 to 2880, got \"lots\""), "{err}");
    // A well-typed per-agent value applies to that agent only.
    let bytes = design_with(|v| {
        v["agents"][1]["params"] = serde_json::json!({"core.timeoff.pending-conflict.severity_when_pending": "warning"})
    });
    let o = with_stdin(&["check", "--format", "json", "-"], &bytes);
    assert_eq!(o.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["findings"][0]["severity"], "warning");
}
