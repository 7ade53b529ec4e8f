//! End-to-end tests of the rule author's tools and of the CI outputs, run against the built binary:
//! diagnostics for broken rule scripts, `shiftgate rules test`, `shiftgate rules new`, and
//! `shiftgate check --format sarif|junit|github`.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test rules_tooling` (`cargo test --workspace`
//! builds the binary itself). Snapshots are under tests/snapshots/; review changes with `cargo insta review`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{run, text, workspace};
use serde_json::Value;

const DESIGN: &str = "fixtures/schedules/design-example.json";
const WRONG_OWNER: &str = "fixtures/rules/core.trade.integrity/fail_wrong_owner.json";
const CLEAN: &str = "fixtures/rules/core.activity.within-shift/pass_activities_tile_shift.json";
const RULES_TEST: &str = "tests/fixtures/rules-test/rules";

// ---------------------------------------------------------------------------------------------------------------
// Diagnostics for broken rule scripts

/// Checks the design example with a broken rules folder; returns standard error.
fn diagnostic(case: &str, code: i32) -> String {
    let started = Instant::now();
    let rules = format!("tests/fixtures/bad-rules/{case}");
    let o = run(&["check", "--rules", &rules, DESIGN]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60), "{case} took {:?}", started.elapsed());
    assert!(!err.contains('\x1b'), "colour codes on a pipe:\n{err}");
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    err
}

macro_rules! diagnostic_test {
    ($name:ident, $case:literal, $code:literal, $place:literal) => {
        #[test]
        fn $name() {
            let err = diagnostic($case, $code);
            let place = format!("[tests/fixtures/bad-rules/{}/core/{}", $case, $place);
            assert!(err.contains(&place), "no {place} in\n{err}");
            insta::assert_snapshot!(concat!("diagnostic_", $case), err);
        }
    };
}

diagnostic_test!(compile_error_underlines_the_token, "compile-error", 2, "long-shift.rhai:9:29]");
diagnostic_test!(missing_meta_points_at_the_file, "missing-meta", 2, "long-shift.rhai:3:1]");
diagnostic_test!(missing_check_points_at_the_misnamed_function, "missing-check", 2, "long-shift.rhai:7:1]");
diagnostic_test!(bad_severity_underlines_the_value, "bad-severity", 2, "long-shift.rhai:5:18]");
diagnostic_test!(duplicate_id_shows_both_files, "duplicate-id", 2, "very-long-shift.rhai:4:12]");
diagnostic_test!(undeclared_parameter_is_caught_at_load, "undeclared-param", 2, "long-shift.rhai:9:31]");
diagnostic_test!(
    undeclared_parameter_through_an_alias_fails_at_run_time,
    "undeclared-param-alias",
    3,
    "long-shift.rhai:10:31]"
);
diagnostic_test!(top_level_code_is_underlined, "top-level-code", 2, "long-shift.rhai:3:1]");
diagnostic_test!(a_throw_fails_closed_at_the_throw, "throw", 3, "long-shift.rhai:10:13]");
diagnostic_test!(a_runaway_loop_is_stopped_by_the_operation_limit, "op-limit", 3, "long-shift.rhai:");
diagnostic_test!(scripts_cannot_sleep, "sleep", 3, "long-shift.rhai:9:9]");
diagnostic_test!(a_loop_of_slow_native_calls_is_stopped_by_the_time_limit, "time-limit", 3, "long-shift.rhai:");
diagnostic_test!(a_flood_of_findings_is_stopped_by_the_cap, "report-flood", 3, "long-shift.rhai:10:13]");
diagnostic_test!(a_number_without_a_range_is_refused_at_load, "bare-number", 2, "long-shift.rhai:4:105]");

#[test]
fn configuration_values_outside_the_declared_ranges_exit_2_naming_file_rule_parameter_and_range() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("shiftgate.toml");
    std::fs::write(
        &cfg,
        "[rules.\"core.hours.weekly-paid\"]\nmax_minutes = -1\n\n[rules.\"core.timeoff.pending-conflict\"]\nseverity_when_pending = \"nope\"\n",
    )
    .unwrap();
    let o = run(&["check", "--config", cfg.to_str().unwrap(), DESIGN]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let file = cfg.display();
    assert!(
        err.contains(&format!(
            "{file}: [rules.\"core.hours.weekly-paid\"].max_minutes: must be an integer from 60 to 10080, got -1"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}: [rules.\"core.timeoff.pending-conflict\"].severity_when_pending: must be one of \"error\", \"warning\", \"info\", got \"nope\"")),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn duplicate_ids_name_both_files_and_undeclared_parameters_say_so() {
    let err = diagnostic("duplicate-id", 2);
    assert!(err.contains("declared again here") && err.contains("first declared here"), "{err}");
    assert!(err.contains("duplicate-id/core/long-shift.rhai:4:12]"), "{err}");
    let err = diagnostic("undeclared-param", 2);
    assert!(
        err.contains("undeclared parameter `max_minutes`") && err.contains("declared parameters: max_hours"),
        "{err}"
    );
    let err = diagnostic("undeclared-param-alias", 3);
    assert!(err.contains("undeclared parameter"), "{err}");
}

// ---------------------------------------------------------------------------------------------------------------
// shiftgate rules test

fn fixture_count(prefix: &str) -> usize {
    let dir = workspace().join("fixtures/rules");
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|d| d.file_name().to_string_lossy().starts_with(prefix))
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .filter(|f| {
            let n = f.file_name().to_string_lossy().into_owned();
            (n.starts_with("pass_") || n.starts_with("fail_")) && n.ends_with(".json")
        })
        .count()
}

/// Every pack's fixtures pass, pack by pack (each pack's prefix from its manifest), and all packs together.
#[test]
fn rules_test_passes_every_fixture_of_every_pack() {
    let manifests = shiftgate_check::RuleLibrary::embedded().manifests().unwrap();
    assert!(manifests.len() >= 6, "{:?}", manifests.keys());
    let mut total = 0;
    for m in manifests.values() {
        let o = run(&["rules", "test", "--pack", &m.name]);
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "pack {}:\n{out}{}", m.name, text(&o.stderr));
        let n = fixture_count(&format!("{}.", m.prefix));
        assert!(n >= 2, "pack {}: {n} fixtures", m.name);
        assert_eq!(out.lines().filter(|l| l.starts_with("  PASS  ")).count(), n, "{out}");
        assert_eq!(out.lines().last(), Some(format!("{n} passed, 0 failed").as_str()), "{out}");
        total += n;
    }
    assert!(fixture_count("core.") >= 26);
    let o = run(&["rules", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert_eq!(text(&o.stdout).lines().last(), Some(format!("{total} passed, 0 failed").as_str()));
}

#[test]
fn rules_test_junit_has_one_suite_per_pack_and_one_case_per_fixture() {
    let o = run(&["rules", "test", "--pack", "core", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let xml = text(&o.stdout);
    let n = fixture_count("core.");
    assert_eq!(xml.matches("<testsuite ").count(), 1, "{xml}");
    assert!(xml.contains(&format!(r#"<testsuite name="core" tests="{n}" failures="0""#)), "{xml}");
    let cases = attributes(&xml, "<testcase ", &["classname", "name"]);
    assert_eq!(cases.len(), n);
    assert_eq!(cases.iter().collect::<BTreeSet<_>>().len(), n, "duplicate case names");
    assert!(cases.contains(&vec!["core.shift.overlap".into(), "pass_back_to_back.json".into()]), "{cases:?}");
}

/// The values of some attributes of every element starting with `tag`.
fn attributes(xml: &str, tag: &str, names: &[&str]) -> Vec<Vec<String>> {
    xml.split(tag)
        .skip(1)
        .map(|el| {
            let head = el.split('>').next().unwrap_or_default();
            names
                .iter()
                .map(|n| {
                    let key = format!(" {n}=\"");
                    let from = format!(" {head}").find(&key).map(|i| i + key.len() - 1).expect(n);
                    head[from..].split('"').next().unwrap_or_default().to_string()
                })
                .collect()
        })
        .collect()
}

#[test]
fn rules_test_reports_every_kind_of_failure() {
    let o = run(&["rules", "test", "--rules", RULES_TEST]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    for want in [
        "  PASS  fail_eleven_hours.json (1 finding)",
        "  FAIL  pass_eight_and_a_half_hours.json: expected no core.shift.too-eager finding, got 1",
        "  FAIL  fail_eleven_hours.json: expected at least one core.shift.never finding, got none",
        "  FAIL  pass_broken.json: not a valid snapshot",
        "  FAIL  fail_eleven_hours.json: the rule failed at run time",
        "[tests/fixtures/rules-test/rules/core/shift-crashes.rhai:10:13]",
        "  FAIL  pass_*.json: no pass_*.json case",
        "  FAIL  fail_*.json: no fail_*.json case",
        "names no rule of any pack (did you mean core.shift.max-ten-hours?)",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert_eq!(out.lines().last(), Some("4 passed, 7 failed"));
    insta::assert_snapshot!("rules_test_failures_human", out);

    let o = run(&["rules", "test", "--rules", RULES_TEST, "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    let xml = text(&o.stdout);
    assert!(xml.contains(r#"<testsuites name="shiftgate rules test" tests="11" failures="7" errors="0">"#), "{xml}");
    assert!(xml.contains(r#"<testsuite name="core" tests="10" failures="6""#), "{xml}");
    assert!(xml.contains(r#"<testsuite name="fixtures" tests="1" failures="1""#), "{xml}");
    insta::assert_snapshot!("rules_test_failures_junit", xml);

    let o = run(&["rules", "test", "--rules", RULES_TEST, "--quiet"]);
    let quiet = text(&o.stdout);
    assert!(!quiet.contains("PASS"), "{quiet}");
    assert_eq!(quiet.matches("  FAIL  ").count(), 7, "{quiet}");
}

#[test]
fn rules_test_filter_and_config() {
    let o = run(&["rules", "test", "--rules", RULES_TEST, "--filter", "max-ten-hours"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert_eq!(text(&o.stdout).lines().last(), Some("2 passed, 0 failed"));

    let o = run(&["rules", "test", "--rules", RULES_TEST, "--filter", "no-such-rule"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("matches no rule or fixture"), "{}", text(&o.stderr));

    // The config's parameters apply, and a rule the config disables is still tested.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("shiftgate.toml");
    std::fs::write(&cfg, "[rules.\"core.shift.max-ten-hours\"]\nenabled = false\nmax_minutes = 500\n").unwrap();
    let o =
        run(&["rules", "test", "--rules", RULES_TEST, "--filter", "max-ten-hours", "--config", cfg.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  pass_eight_and_a_half_hours.json: expected no core.shift.max-ten-hours finding, got 1"));
    assert!(out.contains("shift s-1 lasts 8 h 30 min; the limit is 8 h 20 min"), "{out}");
}

#[test]
fn rules_test_unusable_input_exits_2() {
    let o = run(&["rules", "test", "--rules", RULES_TEST, "--fixtures", "no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("fixtures folder no/such/folder not found"), "{}", text(&o.stderr));

    let o = run(&["rules", "test", "--rules", "tests/fixtures/bad-rules/compile-error"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("compile-error/core/long-shift.rhai:9:29]"), "{}", text(&o.stderr));
}

// ---------------------------------------------------------------------------------------------------------------
// shiftgate rules new

#[test]
fn rules_new_scaffolds_a_rule_that_starts_red_and_turns_green_when_written() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    let fixtures = tmp.path().join("fx");
    let (r, f) = (rules.to_str().unwrap(), fixtures.to_str().unwrap());
    let o = run(&["rules", "new", "core.shift.max-hours", "--rules", r, "--fixtures", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let script = rules.join("core/core.shift.max-hours.rhai");
    // A new pack folder gets the built-in pack's manifest, so its prefix is declared there too.
    let manifest = std::fs::read_to_string(rules.join("core/pack.toml")).unwrap();
    assert!(manifest.contains("prefix = \"core\""), "{manifest}");
    let pass = fixtures.join("core.shift.max-hours/pass_example.json");
    let fail = fixtures.join("core.shift.max-hours/fail_example.json");
    for p in [&script, &pass, &fail] {
        assert!(p.is_file(), "{} missing", p.display());
    }
    let source = std::fs::read_to_string(&script).unwrap();
    for section in ["//! TODO: one sentence", "//! Why:", "//! Source:", "//! Example:", "//! Parameters:"] {
        assert!(source.contains(section), "no {section} in\n{source}");
    }

    // Never overwrites.
    let o = run(&["rules", "new", "core.shift.max-hours", "--rules", r, "--fixtures", f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not overwriting existing files"), "{}", text(&o.stderr));

    // A fresh scaffold loads and runs; its fail example fails until the rule is written.
    let o = run(&["rules", "test", "--rules", r, "--fixtures", f]);
    let out = text(&o.stdout).replace(tmp.path().to_str().unwrap(), "[TMP]");
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    insta::assert_snapshot!("rules_new_fresh_scaffold_test", out);

    // The author writes check() and makes the fail example break the rule.
    let body = "fn check(agent, params) {\n    for s in agent.shifts() {\n        if s.minutes > 600 {\n            report(s, `shift ${s.id} lasts ${fmt_minutes(s.minutes)}`);\n        }\n    }\n}\n";
    let head = source.split("fn check(agent, params) {").next().unwrap();
    std::fs::write(&script, format!("{head}{body}")).unwrap();
    let example =
        std::fs::read_to_string(&fail).unwrap().replacen("\"lengthMinutes\": 510", "\"lengthMinutes\": 660", 1);
    std::fs::write(&fail, example).unwrap();
    let o = run(&["rules", "test", "--rules", r, "--fixtures", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert_eq!(text(&o.stdout).lines().last(), Some("2 passed, 0 failed"));
}

#[test]
fn rules_new_picks_the_pack_and_puts_fixtures_beside_the_rules_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    let o = run(&["rules", "new", "il.rest.test-case", "--rules", rules.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(rules.join("illinois/il.rest.test-case.rhai").is_file());
    assert!(std::fs::read_to_string(rules.join("illinois/pack.toml")).unwrap().contains("prefix = \"il\""));
    assert!(tmp.path().join("fixtures/rules/il.rest.test-case/pass_example.json").is_file());
    // `rules test --rules DIR` finds them there too.
    let o = run(&["rules", "test", "--rules", rules.to_str().unwrap()]);
    assert_eq!(text(&o.stdout).lines().last(), Some("1 passed, 1 failed"), "{}", text(&o.stdout));

    let o = run(&["rules", "new", "Not An Id", "--rules", rules.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));

    // A prefix no pack declares starts a new pack, with a manifest to fill in; its rule loads and runs.
    let o = run(&["rules", "new", "acme.coverage.min", "--rules", rules.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let manifest = std::fs::read_to_string(rules.join("acme/pack.toml")).unwrap();
    assert!(
        manifest.contains("name = \"acme\"") && manifest.contains("prefix = \"acme\"") && manifest.contains("TODO"),
        "{manifest}"
    );
    let o = run(&["rules", "test", "--rules", rules.to_str().unwrap(), "--pack", "acme"]);
    assert_eq!(text(&o.stdout).lines().last(), Some("1 passed, 1 failed"), "{}", text(&o.stdout));
}

// ---------------------------------------------------------------------------------------------------------------
// check --format sarif | junit | github

/// The text a SARIF region covers in an ASCII file (columns 1-based, end exclusive).
fn region_text(path: &str, region: &Value) -> String {
    let file = std::fs::read_to_string(workspace().join(path)).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let n = |k: &str| region[k].as_u64().unwrap() as usize;
    let (sl, sc, el, ec) = (n("startLine"), n("startColumn"), n("endLine"), n("endColumn"));
    if sl == el {
        return lines[sl - 1][sc - 1..ec - 1].to_string();
    }
    let mut text = lines[sl - 1][sc - 1..].to_string();
    for l in &lines[sl..el - 1] {
        text.push('\n');
        text.push_str(l);
    }
    text.push('\n');
    text.push_str(&lines[el - 1][..ec - 1]);
    text
}

fn sarif_schema() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("tests/fixtures/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    // The vendored file is the official schema byte for byte. Its two `language` patterns (of `run` and
    // `toolComponent`) have a stray `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that the draft-07 meta-schema's
    // `regex` format check rejects, so they are replaced in memory by the pattern they mean. shiftgate never writes
    // a `language`.
    let mut schema = schema;
    for owner in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][owner]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
    }
    jsonschema::draft7::options().should_validate_formats(true).build(&schema).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator.iter_errors(log).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn sarif_validates_against_the_official_schema_and_has_what_github_requires() {
    let o = run(&["check", "--format", "sarif", DESIGN, WRONG_OWNER]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let validator = sarif_schema();
    let errors = schema_errors(&validator, &log);
    assert!(errors.is_empty(), "{errors:#?}");

    // What GitHub code scanning requires (docs: sarif-support-for-code-scanning).
    assert!(log["$schema"].as_str().unwrap().ends_with("sarif-schema-2.1.0.json"));
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "shiftgate");
    assert!(!driver["version"].as_str().unwrap().is_empty());
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 13);
    for r in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(!r[key]["text"].as_str().unwrap().is_empty(), "{key} of {}", r["id"]);
        }
        assert!(["error", "warning", "note"].contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:#?}");
    for (result, (path, rule, object)) in results
        .iter()
        .zip([(DESIGN, "core.timeoff.pending-conflict", "s-1"), (WRONG_OWNER, "core.trade.integrity", "tr-2")])
    {
        assert_eq!(result["ruleId"], rule);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], rule);
        assert_eq!(result["level"], "error");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], path);
        // The region is exactly the JSON object of the shift or trade the finding is about.
        let covered = region_text(path, &location["region"]);
        let value: Value = serde_json::from_str(&covered).unwrap_or_else(|e| panic!("{e}: {covered}"));
        assert_eq!(value["id"], object, "{covered}");
        assert_eq!(result["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap().len(), 16);
    }

    // The validator is not vacuous: a result without a message is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!schema_errors(&validator, &broken).is_empty());

    let pretty = text(&o.stdout).replace(&format!("\"{}\"", driver["version"].as_str().unwrap()), "\"[version]\"");
    insta::assert_snapshot!("check_sarif", pretty);
}

#[test]
fn sarif_of_a_clean_schedule_is_valid_with_no_results() {
    let o = run(&["check", "--format", "sarif", CLEAN]);
    assert_eq!(o.status.code(), Some(0));
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema_errors(&sarif_schema(), &log).is_empty());
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_suppressions_and_waiver_notifications_validate_against_the_official_schema() {
    let o = run(&[
        "check",
        "--format",
        "sarif",
        "--config",
        "fixtures/waivers/shiftgate.toml",
        "fixtures/waivers/week.json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let validator = sarif_schema();
    let errors = schema_errors(&validator, &log);
    assert!(errors.is_empty(), "{errors:#?}");

    let results = log["runs"][0]["results"].as_array().unwrap();
    let (waived, open): (Vec<&Value>, Vec<&Value>) = results.iter().partition(|r| r.get("suppressions").is_some());
    assert_eq!((waived.len(), open.len()), (3, 2), "{results:#?}");
    for r in &waived {
        let s = &r["suppressions"][0];
        assert_eq!((s["kind"].as_str(), s["status"].as_str()), (Some("external"), Some("accepted")));
        let justification = s["justification"].as_str().unwrap();
        assert!(
            justification.starts_with("waived by waiver ") && justification.contains(", approved by "),
            "{justification}"
        );
        assert!(!s["properties"]["waiver"]["reason"].as_str().unwrap().is_empty());
    }
    assert!(open.iter().all(|r| r["properties"]["agentId"] == "a-2"), "{open:#?}");
    let notes = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        (notes[0]["level"].as_str(), notes[0]["descriptor"]["id"].as_str()),
        (Some("note"), Some("waiver.unused"))
    );
    assert_eq!(notes[0]["associatedRule"]["id"], "core.shift.length");
    let at = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], "fixtures/waivers/waivers.toml");
    assert_eq!(at["region"]["startLine"], 23);

    // The validator is not vacuous: a suppression of an unknown kind is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["suppressions"] = serde_json::json!([{ "kind": "sometimes" }]);
    assert!(!schema_errors(&validator, &broken).is_empty());

    let pretty = text(&o.stdout)
        .replace(&format!("\"{}\"", log["runs"][0]["tool"]["driver"]["version"].as_str().unwrap()), "\"[version]\"");
    insta::assert_snapshot!("check_sarif_waivers", pretty);
}

#[test]
fn junit_has_a_case_per_rule_and_snapshot_and_failures_follow_fail_on() {
    let rules = text(&run(&["rules", "list"]).stdout).lines().count();
    let o = run(&["check", "--format", "junit", DESIGN, CLEAN]);
    assert_eq!(o.status.code(), Some(1));
    let xml = text(&o.stdout);
    let cases = attributes(&xml, "<testcase ", &["classname", "name"]);
    assert_eq!(cases.len(), 2 * rules);
    let names: BTreeSet<&String> = cases.iter().map(|c| &c[1]).collect();
    assert_eq!(names.len(), cases.len(), "names must be unique");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    let failing = xml.split("<testcase ").find(|c| c.contains("<failure ")).unwrap();
    assert!(failing.starts_with(r#"classname="core.timeoff.pending-conflict""#), "{failing}");
    assert!(failing.contains("time-off request tor-9 of a-200"), "{failing}");
    insta::assert_snapshot!("check_junit", xml);

    // Findings below --fail-on do not fail a case; they are kept in system-out.
    let o = run(&["check", "--format", "junit", "--fail-on", "never", DESIGN]);
    assert_eq!(o.status.code(), Some(0));
    let xml = text(&o.stdout);
    assert!(!xml.contains("<failure"), "{xml}");
    assert!(xml.contains("<system-out>error: a-200 Tue Dec 1 08:00-12:00 CST"), "{xml}");
}

#[test]
fn github_annotations_point_at_the_object_and_escape_line_breaks() {
    let o = run(&["check", "--format", "github", DESIGN, WRONG_OWNER]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for (line, (path, rule, id)) in [lines[0], lines[2]]
        .iter()
        .zip([(DESIGN, "core.timeoff.pending-conflict", "\"s-1\""), (WRONG_OWNER, "core.trade.integrity", "\"tr-2\"")])
    {
        let (props, message) = line.strip_prefix("::error ").unwrap().split_once("::").unwrap();
        let props: Vec<(&str, &str)> = props.split(',').map(|p| p.split_once('=').unwrap()).collect();
        assert_eq!(props[0], ("file", path));
        assert_eq!(props[3], ("title", rule));
        let (l, c): (usize, usize) = (props[1].1.parse().unwrap(), props[2].1.parse().unwrap());
        let file = std::fs::read_to_string(workspace().join(path)).unwrap();
        let at = &file.lines().nth(l - 1).unwrap()[c - 1..];
        assert!(at.starts_with('{'), "{at}");
        let object = file.lines().skip(l - 1).take(4).collect::<String>();
        assert!(object.contains(id), "{object}");
        assert!(message.contains("%0A  because: "), "{message}");
    }
    assert!(lines[1].starts_with("shiftgate: fixtures/schedules/design-example.json: 1 error, "), "{out}");
    insta::assert_snapshot!("check_github", out);
}

#[test]
fn paths_in_ci_outputs_are_relative_to_the_working_directory() {
    let absolute = workspace().join(DESIGN);
    let o = run(&["check", "--format", "github", absolute.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert!(out.starts_with(&format!("::error file={DESIGN},")), "{out}");
    assert!(Path::new(DESIGN).is_relative());
}
