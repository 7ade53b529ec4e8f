//! Configuration is validated when it is loaded: every value in `shiftgate.toml` and every per-agent parameter is
//! checked against what the rule's `meta()` declares, so a value a rule cannot use stops the gate as a
//! configuration or input error (exit 2) instead of dividing by zero, overflowing or passing silently at run time.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use shiftgate_check::{Checker, Config, ConfigError, Limits, LoadError, ParamKind, RuleFile, RuleLibrary, RuleSet};
use shiftgate_check::{RuleSetError, RunErrorKind};
use shiftgate_model::Snapshot;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn all_packs(config: &Config) -> Result<RuleSet, RuleSetError> {
    let library = RuleLibrary::embedded();
    RuleSet::load(&library, &library.packs(), config, Limits::default())
}

fn toml(text: &str) -> Config {
    Config::from_toml(text, "site.toml").expect("the TOML parses")
}

/// The configuration error a file gives, which must be exactly one bad value.
fn bad_value(text: &str) -> (String, String, String, String) {
    match all_packs(&toml(text)) {
        Err(RuleSetError::Config(e @ ConfigError::BadValue { .. })) => {
            let shown = e.to_string();
            let ConfigError::BadValue { file, rule, param, allowed, got } = e else { unreachable!() };
            assert_eq!(file, "site.toml");
            assert!(shown.starts_with(&format!("site.toml: [rules.{rule:?}].{param}: must be ")), "{shown}");
            (rule, param, allowed, got)
        }
        other => panic!("{text}: expected a bad value, got {other:?}"),
    }
}

#[test]
fn each_measured_case_is_refused_when_the_configuration_loads() {
    // (table, key = value, what the error must say is allowed). Before, each of these loaded: some failed at run time
    // (division by zero, overflow, an unknown severity), some ran silently wrong.
    let cases = [
        (
            "core.timeoff.pending-conflict",
            "severity_when_pending = \"nope\"",
            "one of \"error\", \"warning\", \"info\"",
        ),
        ("ca.rest.breaks", "per_minutes = 0", "an integer from 60 to 240"),
        ("eu.hours.avg-48", "ref_weeks = 0", "an integer from 1 to 52"),
        ("il.rest.day-in-seven", "window_days = 0", "an integer from 1 to 7"),
        ("chi.notice.advance", "notice_days = 9223372036854775807", "an integer from 14 to 90"),
        ("core.hours.weekly-paid", "max_minutes = -1", "an integer from 60 to 10080"),
        ("core.rest.min-between-shifts", "min_minutes = -9223372036854775808", "an integer from 60 to 2880"),
        ("chi.rest.10h", "premium_rate = nan", "a number from 1.25 to 3"),
        ("chi.rest.10h", "premium_rate = inf", "a number from 1.25 to 3"),
        ("chi.rest.10h", "premium_rate = -inf", "a number from 1.25 to 3"),
        ("il.rest.day-in-seven", "exempt_tags = [1]", "a list of at most 16 strings"),
        ("il.rest.day-in-seven", "exempt_tags = \"cba\"", "a list of at most 16 strings"),
        ("il.meal.first", "interrupting = [\"Lunch\"]", "each one of \"Break\""),
        ("core.rest.min-between-shifts", "min_minutes = 600.0", "an integer"),
        ("chi.rest.10h", "consented = \"yes\"", "true or false"),
        ("chi.rest.10h", "coverage_tag = 1979-05-27", "a string"),
        ("eu.rest.daily", "min_minutes = 600", "an integer from 660 to 1440"),
    ];
    for (rule, line, allowed) in cases {
        let (r, param, said, got) = bad_value(&format!("[rules.\"{rule}\"]\n{line}\n"));
        assert_eq!(r, rule);
        assert_eq!(param, line.split(' ').next().unwrap());
        assert!(said.contains(allowed), "{line}: allowed {said:?}");
        assert_eq!(got, line.split(" = ").nth(1).unwrap(), "{line}");
    }
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let text = "[rules.\"ca.rest.breaks\"]\nper_minutes = 0\nbreak_minute = 10\n\n[rules.\"core.nope\"]\n\n\
                [rules.\"chi.rest.10h\"]\npremium_rate = nan\n";
    match all_packs(&toml(text)) {
        Err(RuleSetError::Config(ConfigError::Several(problems))) => {
            let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(shown.len(), 4, "{shown:#?}");
            assert!(shown[0].contains("[rules.\"ca.rest.breaks\"]: unknown parameter \"break_minute\""), "{shown:#?}");
            assert!(shown[1].contains("[rules.\"ca.rest.breaks\"].per_minutes: must be"), "{shown:#?}");
            assert!(shown[2].contains("[rules.\"chi.rest.10h\"].premium_rate"), "{shown:#?}");
            assert!(shown[3].contains("[rules.\"core.nope\"]: unknown rule"), "{shown:#?}");
        }
        other => panic!("expected several problems, got {other:?}"),
    }
}

#[test]
fn values_at_the_bounds_load_and_apply() {
    let config = toml(
        "[rules.\"ca.rest.breaks\"]\nper_minutes = 60\nbreak_minutes = 60\n\
         [rules.\"chi.rest.10h\"]\npremium_rate = 3\n\
         [rules.\"il.meal.first\"]\ninterrupting = []\n",
    );
    let set = all_packs(&config).expect("bounds are allowed");
    let get = |id: &str, p: &str| set.rules().iter().find(|r| r.id == id).unwrap().params.get(p).unwrap().to_string();
    assert_eq!(get("ca.rest.breaks", "per_minutes"), "60");
    assert_eq!(get("ca.rest.breaks", "break_minutes"), "60");
    assert_eq!(get("chi.rest.10h", "premium_rate"), "3.0", "an integer is taken as a number");
    assert_eq!(get("il.meal.first", "interrupting"), "[]");
}

#[test]
fn every_numeric_parameter_of_every_pack_declares_a_range() {
    let set = all_packs(&Config::default()).expect("the packs load");
    let mut numbers = 0;
    for rule in set.rules() {
        for (name, kind) in &rule.param_kinds {
            match kind {
                ParamKind::Int { min, max } => assert!(min <= max, "{}.{name}", rule.id),
                ParamKind::Float { min, max } => assert!(min.is_finite() && max.is_finite(), "{}.{name}", rule.id),
                _ => continue,
            }
            numbers += 1;
        }
    }
    assert!(numbers >= 40, "{numbers}");
}

// ---------------------------------------------------------------------------------------------------------------
// Per-agent parameters

fn design_with_params(params: serde_json::Value) -> Arc<Snapshot> {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../fixtures/schedules/design-example.json")).unwrap();
    doc["agents"][1]["params"] = params;
    Arc::new(Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).expect("valid snapshot"))
}

#[test]
fn per_agent_parameters_are_input_errors_naming_the_agent_and_the_json_path() {
    let checker = Checker::new(all_packs(&Config::default()).unwrap(), Some(1));
    for (params, says) in [
        (
            serde_json::json!({"core.rest.min-between-shifts.min_minutes": "lots"}),
            "must be an integer from 60 to 2880, got \"lots\"",
        ),
        (serde_json::json!({"core.rest.min-between-shifts.min_minutes": -1}), "got -1"),
        (
            serde_json::json!({"core.rest.min-between-shifts.min_minutes": 18446744073709551615u64}),
            "got 18446744073709551615",
        ),
        (serde_json::json!({"core.rest.min-between-shifts.min_minutes": 600.5}), "got 600.5"),
        (serde_json::json!({"core.timeoff.pending-conflict.severity_when_pending": "nope"}), "one of \"error\""),
        (serde_json::json!({"core.rest.min-between-shifts.min_minute": 600}), "declares no parameter \"min_minute\""),
    ] {
        let key = params.as_object().unwrap().keys().next().unwrap().clone();
        let snapshot = design_with_params(params);
        let e = checker.check(snapshot.clone(), snapshot.as_of.unwrap()).expect_err("refused");
        assert_eq!(e.kind, RunErrorKind::AgentParam, "{e}");
        assert!(e.is_input_error());
        assert_eq!(e.agent, "a-200");
        assert_eq!(e.at.path, format!("agents[1].params.{key:?}"));
        assert!(e.message.contains(says), "{e}");
    }
    // A value that fits applies to that agent only.
    let snapshot =
        design_with_params(serde_json::json!({"core.timeoff.pending-conflict.severity_when_pending": "info"}));
    let report = checker.check(snapshot.clone(), snapshot.as_of.unwrap()).expect("fits");
    let pending: Vec<_> = report.findings.iter().filter(|f| f.rule == "core.timeoff.pending-conflict").collect();
    assert!(!pending.is_empty() && pending.iter().all(|f| f.agent_id != "a-200" || f.severity.as_str() == "info"));
}

// ---------------------------------------------------------------------------------------------------------------
// Declarations are checked when the rules load

#[test]
fn bad_declarations_stop_the_load_naming_the_parameter() {
    for (decl, says) in [
        ("6", "a number needs a range"),
        ("1.5", "a number needs a range"),
        ("#{ value: 6 }", "a number needs both `min` and `max`"),
        ("#{ value: 6, min: 7, max: 10 }", "the default 6 is not an integer from 7 to 10"),
        ("#{ value: 6, min: 10, max: 1 }", "`min` 10 is above `max` 1"),
        ("#{ value: 6, min: 1.5, max: 10 }", "integer `min` and `max`"),
        ("#{ value: 1.5, min: \"a\", max: 2 }", "numbers as `min` and `max`"),
        ("#{ min: 1, max: 2 }", "needs its default `value`"),
        ("#{ value: 6, min: 1, max: 9, step: 1 }", "unknown key `step`"),
        ("#{ value: \"a\", one_of: [] }", "non-empty list of distinct strings"),
        ("#{ value: \"a\", one_of: [\"a\", \"a\"] }", "non-empty list of distinct strings"),
        ("#{ value: \"a\", one_of: [\"b\"] }", "the default a is not one of \"b\""),
        ("#{ value: \"a\", min: 1, max: 2 }", "`min` and `max` are for numbers"),
        ("#{ value: 3, min: 1, max: 5, one_of: [\"x\"] }", "`one_of` is for strings"),
        ("#{ value: true, one_of: [\"x\"] }", "`one_of` is for strings"),
        ("[1, 2]", "is not a list of at most 16 strings"),
        ("#{ value: [\"TimeOff\", \"Lunch\"], one_of: [\"TimeOff\"] }", "is not a list"),
        ("()", "a default must be"),
    ] {
        let source = format!(
            "fn meta() {{ #{{ id: \"core.decl\", title: \"t\", severity: \"info\", params: #{{ p: {decl} }} }} }}\n\
             fn check(agent, params) {{ }}\n"
        );
        let files = vec![RuleFile { pack: "core".into(), path: "rules/core/decl.rhai".into(), source }];
        match RuleSet::load(&RuleLibrary { files }, &[], &Config::default(), Limits::default()) {
            Err(RuleSetError::Load(e @ LoadError::BadParam { .. })) => {
                let shown = e.to_string();
                assert!(shown.contains("rules/core/decl.rhai: meta(): parameter `p`: "), "{shown}");
                assert!(shown.contains(says), "{decl}: {shown}");
            }
            other => panic!("{decl}: expected a bad declaration, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Whatever a site writes, the gate refuses it (naming the parameter) or runs without a rule failure

/// One rule with its fixtures, loadable alone (its file and `rules/lib/`).
struct Subject {
    id: String,
    pack: String,
    files: Vec<RuleFile>,
    params: Vec<(String, ParamKind)>,
    snapshots: Vec<Arc<Snapshot>>,
}

fn subjects() -> Vec<Subject> {
    let library = RuleLibrary::embedded();
    let set = RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).unwrap();
    let mut out = Vec::new();
    for rule in set.rules().iter().filter(|r| !r.param_kinds.is_empty()) {
        let dir = repo().join("fixtures/rules").join(&rule.id);
        let mut snapshots = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            snapshots.push(Arc::new(Snapshot::from_json(&bytes).expect("fixtures are valid")));
        }
        let files = library.only(&rule.path).files;
        let params = rule.param_kinds.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        out.push(Subject { id: rule.id.clone(), pack: rule.pack.clone(), files, params, snapshots });
    }
    out
}

/// Loads the rule with one parameter set to `value` and runs it over its fixtures. `Ok(true)`: refused, naming
/// the parameter; `Ok(false)`: ran without a rule failure; `Err`: anything else.
fn try_value(s: &Subject, param: &str, value: toml::Value) -> Result<bool, String> {
    let mut config = Config::default();
    config.rules.entry(s.id.clone()).or_default().params.insert(param.to_string(), value.clone());
    let library = RuleLibrary { files: s.files.clone() };
    match RuleSet::load(&library, std::slice::from_ref(&s.pack), &config, Limits::default()) {
        Err(RuleSetError::Config(ConfigError::BadValue { rule, param: p, .. })) if rule == s.id && p == param => {
            Ok(true)
        }
        Err(e) => Err(format!("{}.{param} = {value}: {e}", s.id)),
        Ok(set) => {
            let checker = Checker::new(set, Some(1));
            for snapshot in &s.snapshots {
                let as_of = snapshot.as_of.unwrap_or_else(|| snapshot.period().start);
                if let Err(e) = checker.check(snapshot.clone(), as_of) {
                    return Err(format!("{}.{param} = {value} loads but fails: {e}", s.id));
                }
            }
            Ok(false)
        }
    }
}

/// Values at and just past the edges of a declaration, and the classic troublemakers.
fn edges(kind: &ParamKind) -> Vec<toml::Value> {
    use toml::Value::*;
    let mut v =
        vec![Integer(0), Integer(-1), Integer(i64::MIN), Integer(i64::MAX), Float(f64::NAN), Float(f64::INFINITY)];
    v.extend([Boolean(true), String(std::string::String::new()), Array(vec![Integer(1)]), Array(vec![])]);
    match kind {
        ParamKind::Int { min, max } => {
            v.extend([*min, *max, min.saturating_sub(1), max.saturating_add(1), min + (max - min) / 2].map(Integer))
        }
        ParamKind::Float { min, max } => v.extend([*min, *max, min - 1e-9, max + 1e-9, -0.0].map(Float)),
        ParamKind::Text { one_of: Some(l) } | ParamKind::List { one_of: Some(l) } => {
            v.extend(l.iter().map(|s| String(s.clone())));
            v.push(Array(l.iter().map(|s| String(s.clone())).collect()));
        }
        _ => v.push(String("x".repeat(201))),
    }
    v
}

#[test]
fn every_declared_parameter_at_its_edges_is_refused_or_runs() {
    let mut refused = 0;
    let mut ran = 0;
    for s in subjects() {
        for (param, kind) in &s.params {
            for value in edges(kind) {
                match try_value(&s, param, value) {
                    Ok(true) => refused += 1,
                    Ok(false) => ran += 1,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
    assert!(refused > 0 && ran > 0, "refused {refused}, ran {ran}");
}

fn any_toml() -> impl Strategy<Value = toml::Value> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        (-3000i64..12000).prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        (-10.0f64..10.0).prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        "[a-zA-Z]{0,12}".prop_map(toml::Value::String),
        prop::sample::select(vec!["error", "warning", "info", "TimeOff", "Meal", "cba", "chicago-fww"])
            .prop_map(|s| toml::Value::String(s.to_string())),
    ];
    prop_oneof![
        4 => scalar.clone(),
        1 => prop::collection::vec(scalar, 0..4).prop_map(toml::Value::Array),
        1 => Just(toml::Value::Table(Default::default())),
    ]
}

/// Values for one parameter: anything, its edges, and integers near its bounds.
fn value_for(kind: &ParamKind) -> BoxedStrategy<toml::Value> {
    let near = match kind {
        ParamKind::Int { min, max } => {
            let (min, max) = (*min, *max);
            prop_oneof![
                (-5i64..=5).prop_map(move |d| min.saturating_add(d)),
                (-5i64..=5).prop_map(move |d| max.saturating_add(d)),
                min..=max,
            ]
            .prop_map(toml::Value::Integer)
            .boxed()
        }
        ParamKind::Float { min, max } => {
            let (min, max) = (*min, *max);
            prop_oneof![min..=max, (min - 1.0)..(max + 1.0)].prop_map(toml::Value::Float).boxed()
        }
        _ => any_toml().boxed(),
    };
    prop_oneof![2 => any_toml(), 1 => prop::sample::select(edges(kind)), 3 => near].boxed()
}

static SUBJECTS: std::sync::LazyLock<Vec<Subject>> = std::sync::LazyLock::new(subjects);

/// Every declared parameter of every rule, by (subject, parameter) index.
fn parameters() -> Vec<(usize, usize)> {
    SUBJECTS.iter().enumerate().flat_map(|(i, s)| (0..s.params.len()).map(move |p| (i, p))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary values for every declared parameter of every rule: the gate refuses the configuration naming the
    /// parameter, or runs the rule over its fixtures without a rule failure.
    #[test]
    fn arbitrary_values_are_refused_or_run(
        (i, p, value) in prop::sample::select(parameters())
            .prop_flat_map(|(i, p)| value_for(&SUBJECTS[i].params[p].1).prop_map(move |v| (i, p, v)))
    ) {
        let s = &SUBJECTS[i];
        let result = try_value(s, &s.params[p].0, value);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
