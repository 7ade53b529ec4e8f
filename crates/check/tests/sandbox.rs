//! Hostile rule scripts: each class that once stalled or flooded the gate now ends quickly with a rule failure
//! that names the rule, the agent and the limit. Limits are set small here so every test finishes in about a
//! second; the defaults and the figures behind them are in rules/README.md, section 11.

use std::sync::Arc;
use std::time::Duration;

use shiftgate_check::{Checker, Config, Limits, LoadError, RuleFile, RuleLibrary, RuleSet, RuleSetError, RunError};
use shiftgate_check::{Report, RunErrorKind};
use shiftgate_gen::{generate_json, GenOptions};
use shiftgate_model::Snapshot;

const DESIGN: &str = include_str!("../../../fixtures/schedules/design-example.json");

fn rule(body: &str) -> String {
    format!(
        "fn meta() {{ #{{ id: \"core.hostile\", title: \"hostile\", severity: \"error\", params: #{{}} }} }}\n\
         fn check(agent, params) {{\n{body}\n}}\n"
    )
}

fn load(source: &str, limits: Limits) -> Result<RuleSet, RuleSetError> {
    let files = vec![RuleFile { pack: "core".into(), path: "rules/core/hostile.rhai".into(), source: source.into() }];
    RuleSet::load(&RuleLibrary { files }, &[], &Config::default(), limits)
}

fn check_with(source: &str, limits: Limits, snapshot: &str) -> Result<Report, RunError> {
    let checker = Checker::new(load(source, limits).expect("the rule loads"), Some(2));
    let snapshot = Arc::new(Snapshot::from_json(snapshot.as_bytes()).expect("valid snapshot"));
    let as_of = snapshot.as_of.expect("asOf");
    checker.check(snapshot, as_of)
}

/// Runs a `check` body over the design example; the failure it must end with.
fn failure(body: &str, limits: Limits) -> RunError {
    let e = any_failure(body, limits);
    assert_eq!(e.agent, "a-100", "the first agent fails first: {e}");
    e
}

/// Like [`failure`], for a limit of the whole run, which the agent that crosses it names.
fn any_failure(body: &str, limits: Limits) -> RunError {
    match check_with(&rule(body), limits, DESIGN) {
        Ok(report) => panic!("the script ran to the end with {} findings", report.findings.len()),
        Err(e) => {
            assert_eq!(e.rule, "core.hostile", "{e}");
            e
        }
    }
}

/// The default limits with a generous time budget: the limit a test is about ends the script, even in a debug
/// build on a busy machine.
fn patient() -> Limits {
    Limits { call_time: Duration::from_secs(30), ..Limits::default() }
}

/// For the tests of the time budget: a short one, and operations that never run out first.
fn timed() -> Limits {
    Limits { call_time: Duration::from_millis(300), max_operations: 50_000_000, ..Limits::default() }
}

#[test]
fn scripts_have_no_clock_no_sleep_and_no_way_out() {
    for (call, name) in [
        ("sleep(3);", "sleep"),
        ("sleep(0.5);", "sleep"),
        ("let t = timestamp();", "timestamp"),
        ("exit();", "exit"),
        ("exit(0);", "exit"),
        ("parse_json(\"{}\");", "parse_json"),
        ("get_fn_metadata_list();", "get_fn_metadata_list"),
        ("let f = Fn(\"sleep\"); f.call(3);", "sleep"),
        ("let b = blob(10);", "blob"),
    ] {
        let e = failure(call, patient());
        assert_eq!(e.kind, RunErrorKind::Script, "{call}: {e}");
        assert!(e.message.contains(&format!("Function not found: {name}")), "{call}: {e}");
    }
}

#[test]
fn sorting_the_largest_array_in_a_loop_stops_at_the_time_limit() {
    // Before: 200,000 items, sorted and reversed in a loop, ran past 200 s (each call is one operation).
    let e = failure("let a = []; for i in 0..10000 { a.push(10000 - i); }\n loop { a.sort(); a.reverse(); }", timed());
    assert_eq!(e.kind, RunErrorKind::Limit, "{e}");
    assert!(e.message.contains("time limit of 0.3 s per call"), "{e}");
}

#[test]
fn searching_the_largest_string_in_a_loop_stops_at_the_time_limit() {
    // Before: contains/replace/index_of over 64 KiB strings ran 25-30 s.
    let e = failure(
        "let s = \"x\"; while s.len() < 4096 { s += s; }\n let n = 0;\n \
         loop { if s.contains(\"y\") { n += 1; } s.replace(\"q\", \"r\"); n += s.index_of(\"z\"); }",
        timed(),
    );
    assert_eq!(e.kind, RunErrorKind::Limit, "{e}");
    assert!(e.message.contains("time limit"), "{e}");
}

#[test]
fn work_inside_callbacks_counts_against_the_operation_limit() {
    // 1,000 filters over 1,000 items: a million callback calls, but only a few thousand operations outside them,
    // which is all Rhai's own counter sees.
    let e = failure(
        "let a = []; for i in 0..1000 { a.push(i); }\n for k in 0..1000 { a.filter(|x| x > k); }",
        Limits { max_operations: 100_000, call_time: Duration::from_secs(60), ..Limits::default() },
    );
    assert_eq!(e.kind, RunErrorKind::Limit, "{e}");
    assert!(e.message.contains("operation limit of 100000 per call"), "{e}");
}

#[test]
fn pushing_stops_at_the_array_limit() {
    // Before: every push re-measured the whole array; 27 s per agent until 200,000 items.
    let e = failure("let a = []; loop { a.push(1); }", patient());
    assert_eq!(e.kind, RunErrorKind::Limit, "{e}");
    assert!(e.message.contains("Size of array") && e.message.contains("arrays 10000 items"), "{e}");
}

#[test]
fn growing_a_string_stops_at_the_string_limit() {
    let e = failure("let s = \"x\"; loop { s += s; }", patient());
    assert!(e.message.contains("Length of string") && e.message.contains("strings 4096 bytes"), "{e}");
}

#[test]
fn replace_refuses_a_result_past_the_string_limit_before_building_it() {
    // With a 1 MiB limit, replacing "" in a 1 MiB string with itself would need a terabyte: Rhai's own replace()
    // tries to allocate it and aborts the process.
    let e = failure(
        "let s = \"x\"; while s.len() < 1048576 { s += s; } s.truncate(1048576); let t = s; t.replace(\"\", s);",
        Limits { max_string_size: 1 << 20, ..patient() },
    );
    assert!(e.message.contains("Length of string"), "{e}");
}

#[test]
fn a_flood_of_findings_stops_at_the_cap_per_rule_and_agent() {
    // Before: 200,000 reports of 64 KiB exhausted memory (SIGABRT).
    let e = failure("let s = agent.shifts()[0]; for i in 0..200000 { report(s, \"x\"); }", patient());
    assert_eq!(e.kind, RunErrorKind::Limit, "{e}");
    assert!(e.message.contains("cap is 1000 findings per rule and agent"), "{e}");
}

#[test]
fn long_messages_and_large_causes_stop_at_their_caps() {
    let e = failure("let m = \"x\"; while m.len() < 4096 { m += m; } report(agent.shifts()[0], m);", patient());
    assert!(e.message.contains("a message of 4096 bytes; the cap is 2048 bytes"), "{e}");
    // 300 one-letter causes: little text, but each item counts.
    let e = failure(
        "let c = []; for i in 0..300 { c.push(\"x\"); } report(agent.shifts()[0], \"x\", #{ cause: c });",
        patient(),
    );
    assert!(e.message.contains("cause and refs of over 4096 bytes"), "{e}");
    // At the caps themselves the finding is kept.
    let ok = check_with(
        &rule(
            "let m = \"x\"; while m.len() < 2048 { m += m; } let c = []; for i in 0..200 { c.push(\"x\"); }\n \
             report(agent.shifts()[0], m, #{ cause: c });",
        ),
        patient(),
        DESIGN,
    )
    .expect("a 2048-byte message and 200 short causes are allowed");
    assert!(!ok.findings.is_empty());
    assert!(ok.findings.iter().all(|f| f.message.len() == 2048 && f.cause.len() >= 200));
}

#[test]
fn a_run_stops_when_its_findings_outgrow_the_run_cap() {
    let e = any_failure(
        "for s in agent.shifts() { report(s, \"a finding of the run\"); }",
        Limits { max_report_bytes: 600, ..patient() },
    );
    assert!(e.message.contains("the run's findings grew past 600 bytes"), "{e}");
}

#[test]
fn a_run_stops_at_its_time_limit_even_when_each_call_would_be_allowed_longer() {
    let e = failure(
        "let a = []; for i in 0..10000 { a.push(i); } loop { a.reverse(); }",
        Limits {
            max_operations: 50_000_000,
            call_time: Duration::from_secs(60),
            run_time: Duration::from_millis(300),
            ..Limits::default()
        },
    );
    assert!(e.message.contains("the run exceeded its time limit of 0.3 s"), "{e}");
}

#[test]
fn deeply_nested_values_do_not_overflow_the_stack() {
    // Rhai formats, compares and drops nested values recursively; a thousand levels overflow a 2 MiB stack.
    let found = check_with(
        &rule(
            "let m = #{}; for i in 0..490 { m = #{ x: m }; } let a = []; for i in 0..2000 { a = [a]; }\n \
             let t = `${m} ${a}`; let same = m == m && a == a; report(agent.shifts()[0], `${t.len()} ${same}`);",
        ),
        Limits {
            max_operations: 50_000_000,
            call_time: Duration::from_secs(60),
            max_string_size: 1 << 20,
            ..Limits::default()
        },
        DESIGN,
    )
    .expect("nesting within the size limits runs");
    assert!(found.findings.iter().any(|f| f.message.ends_with(" true")), "{:?}", found.findings);
}

#[test]
fn meta_is_budgeted_too() {
    let source = "fn meta() { loop { } }\nfn check(agent, params) { }\n";
    match load(source, patient()) {
        Err(RuleSetError::Load(LoadError::BadMeta { message, .. })) => {
            assert!(message.contains("operation limit"), "{message}")
        }
        other => panic!("expected a meta() failure, got {other:?}"),
    }
}

#[test]
fn the_earliest_failing_agent_is_reported_whatever_the_threads_do() {
    // Every agent whose id ends in 7 fails; the others are slow enough to interleave with them.
    let json = generate_json(&GenOptions { agents: 200, seed: 11, ..GenOptions::default() });
    let snapshot = std::str::from_utf8(&json).expect("utf-8");
    let source = rule(
        "let a = []; for i in 0..300 { a.push(i); } for k in 0..30 { a.sort(); a.reverse(); }\n \
         if agent.id.ends_with(\"7\") { throw `fails for ${agent.id}`; }",
    );
    let parsed = Snapshot::from_json(&json).expect("valid");
    let first = parsed.agents.iter().map(|a| a.id.to_string()).find(|id| id.ends_with('7')).expect("an id ending in 7");
    for _ in 0..5 {
        let e = check_with(&source, patient(), snapshot).expect_err("some agents fail");
        assert_eq!(e.agent, first, "{e}");
    }
}
