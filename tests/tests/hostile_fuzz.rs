//! Hostile-input suite, fuzz targets: proptest drives the snapshot reader (arbitrary bytes, and structured
//! mutations of a fixture), the configuration loader (arbitrary and structured TOML) and the 409 body parser
//! (arbitrary and structured JSON), in process for many cases and through the binary for a few. The properties:
//! never a panic; an input error always says where; the binary always exits 0, 1 or 2 with a located message and
//! forges nothing in its output.
//!
//! Cases are bounded so that the suite runs in well under a minute in debug; `PROPTEST_CASES=N` runs N cases of
//! every target instead (e.g. a longer run before a release).
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test hostile_fuzz`.

mod common;
mod hostile_support;

use std::io::Write as _;
use std::process::{Output, Stdio};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hostile_support::{assert_forges_nothing, DESIGN, HOSTILE};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::{json, Map, Value};
use shiftgate_check::{Checker, Config, Limits, RuleLibrary, RuleSet};
use shiftgate_model::Snapshot;
use shiftgate_publish::explain::{explain_conflicts, parse_conflicts, read_conflicts};
use shiftgate_publish::{PublishFinding, Validation};

// ---------------------------------------------------------------------------------------------------------------
// Running

/// A runner for `default` cases (or `PROPTEST_CASES`), without regression files: a failure prints its shrunk input.
fn runner(default: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    TestRunner::new(RunnerConfig { cases, failure_persistence: None, ..RunnerConfig::default() })
}

fn check<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, cases: u32, property: impl Fn(T)) {
    let result = runner(cases).run(&strategy, |input| {
        property(input);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Runs `shiftgate ARGS...` from the workspace root with `input` on standard input.
fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = common::shiftgate()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shiftgate runs");
    let mut stdin = child.stdin.take().unwrap();
    // The binary may stop reading early (a syntax error): a broken pipe here is not a failure.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// The binary's exit code is 0, 1 or 2, an input error says where, and nothing it prints forges anything (but the
/// annotations of `--format github`, when `github`).
fn assert_binary_behaves(what: &str, o: &Output, input_name: &str, github: bool) {
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let code = o.status.code();
    assert!(matches!(code, Some(0..=2)), "{what}: exit {code:?}\n{err}");
    if code == Some(2) {
        assert!(err.contains(input_name), "{what}: the message does not name {input_name}:\n{err}");
        assert!(located(&err), "{what}: the message does not say where:\n{err}");
    }
    assert_forges_nothing(&format!("{what} stdout"), &out, github);
    assert_forges_nothing(&format!("{what} stderr"), &err, false);
}

/// Whether an error message points into the input: a line and column, a JSON path (`a.b[2].c: ...`), a
/// configuration table (`[rules."x"]`), or a size limit (which is about the whole input).
fn located(err: &str) -> bool {
    let path_like = |line: &str| {
        let head = line.trim_start().split(": ").next().unwrap_or("");
        !head.is_empty() && head.chars().all(|c| c.is_ascii_alphanumeric() || "._[]\"-".contains(c))
    };
    err.contains("line ")
        || err.contains("[rules.")
        || err.contains("the most shiftgate reads")
        || err.lines().any(path_like)
}

// ---------------------------------------------------------------------------------------------------------------
// Strategies

const AS_OF: i64 = 1_795_000_000;

fn as_of() -> DateTime<Utc> {
    Utc.timestamp_opt(AS_OF, 0).unwrap()
}

/// Strings a snapshot, a configuration or a 409 body is likely to choke on, and ordinary ones that make deeper
/// code run.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec![
            "", " ", "a-100", "a-200", "s-1", "s-9", "tr-4", "tor-9", "0", "1", "3", "bu-chi", "sch-48",
            "America/Chicago", "Europe/Paris", "Mars/Olympus", "Approved", "PENDING", "APPROVED", "DENIED", "OnQueueWork",
            "TimeOff", "Sunday", "error", "warning", "info", "core", "2026-11-29", "2026-12-01T14:00:00Z",
            "2026-12-01T14:00:00-06:00", "2026-13-45T99:99:99Z", "garbage", "2026-12-01T14:00:00Z/2026-12-01T18:00:00Z",
            "shiftgate.snapshot/1", "\u{0}", "\u{1b}[31m", "%0A", "##[error]x", "::error::x", HOSTILE,
        ])
        .prop_map(str::to_string),
        1 => ".{0,24}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        select(vec![0i64, -1, 1, 30, 480, 510, 1440, 10_080, 10_081, i64::MAX, i64::MIN]).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(Value::from),
        Just(json!(u64::MAX)),
        interesting_string().prop_map(Value::from),
    ]
}

/// Arbitrary JSON whose object keys are mostly from `keys`.
fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![4 => select(keys).prop_map(str::to_string), 1 => "[a-zA-Z]{1,8}"];
    json_leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const SNAPSHOT_KEYS: &[&str] = &[
    "format",
    "asOf",
    "businessUnit",
    "id",
    "name",
    "timeZone",
    "startDayOfWeek",
    "schedule",
    "weekDate",
    "weekCount",
    "published",
    "metadata",
    "version",
    "activityCodes",
    "category",
    "countsAsPaidTime",
    "countsAsWorkTime",
    "agents",
    "tags",
    "params",
    "agentSchedules",
    "user",
    "shifts",
    "startDate",
    "lengthMinutes",
    "activities",
    "activityCodeId",
    "paid",
    "fullDayTimeOffMarkers",
    "businessUnitDate",
    "timeOffRequestId",
    "history",
    "timeOffRequests",
    "status",
    "isFullDayRequest",
    "fullDayManagementUnitDates",
    "partialDayStartDateTimes",
    "dailyDurationMinutes",
    "submittedDate",
    "shiftTrades",
    "state",
    "initiatingUser",
    "initiatingShiftId",
    "receivingUser",
    "receivingShiftId",
    "reviewedDate",
    "initiatingShiftStart",
    "initiatingShiftEnd",
];

/// One edit of a JSON document, at a node chosen by index.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, Value),
    Remove(Index),
    Duplicate(Index),
    /// Replace with arrays nested this deep (past serde_json's recursion limit at the top of the range).
    Nest(Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        5 => (any::<Index>(), json_value(SNAPSHOT_KEYS)).prop_map(|(i, v)| Edit::Replace(i, v)),
        3 => (any::<Index>(), json_leaf()).prop_map(|(i, v)| Edit::Replace(i, v)),
        3 => any::<Index>().prop_map(Edit::Remove),
        2 => any::<Index>().prop_map(Edit::Duplicate),
        1 => (any::<Index>(), 1usize..200).prop_map(|(i, d)| Edit::Nest(i, d)),
    ]
}

/// JSON pointers of every node of `v` but the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m.iter().map(|(k, c)| (k.replace('~', "~0").replace('/', "~1"), c)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, c)| (i.to_string(), c)).collect(),
        _ => return,
    };
    for (token, child) in children {
        let path = format!("{at}/{token}");
        out.push(path.clone());
        pointers(child, path, out);
    }
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match edit {
        Edit::Replace(i, v) => *doc.pointer_mut(&pick(i)).unwrap() = v.clone(),
        Edit::Nest(i, depth) => {
            *doc.pointer_mut(&pick(i)).unwrap() = (0..*depth).fold(json!(1), |inner, _| json!([inner]));
        }
        Edit::Remove(i) | Edit::Duplicate(i) => {
            let path = pick(i);
            let (parent, token) = path.rsplit_once('/').unwrap();
            let remove = matches!(edit, Edit::Remove(_));
            match doc.pointer_mut(parent).unwrap() {
                Value::Object(m) if remove => {
                    m.remove(&token.replace("~1", "/").replace("~0", "~"));
                }
                Value::Array(a) => {
                    let k: usize = token.parse().unwrap();
                    if remove {
                        a.remove(k);
                    } else {
                        let copy = a[k].clone();
                        a.insert(k, copy);
                    }
                }
                _ => {}
            }
        }
    }
}

fn design() -> Value {
    serde_json::from_slice(&std::fs::read(common::workspace().join(DESIGN)).unwrap()).unwrap()
}

/// The design example after 1 to 4 edits, as bytes.
fn mutated_design() -> impl Strategy<Value = Vec<u8>> {
    let base = design();
    prop::collection::vec(edit(), 1..5).prop_map(move |edits| {
        let mut doc = base.clone();
        for e in &edits {
            apply(&mut doc, e);
        }
        serde_json::to_vec(&doc).unwrap()
    })
}

// ---------------------------------------------------------------------------------------------------------------
// The snapshot reader

fn core_checker() -> Checker {
    let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &Config::default(), Limits::default()).unwrap();
    Checker::new(rules, Some(1))
}

/// Reads `bytes` as a snapshot and checks it: no panic, a located error, or a report in the documented order.
fn read_and_check(checker: &Checker, bytes: &[u8]) {
    match Snapshot::from_json(bytes) {
        Err(e) => {
            let problems = e.problems();
            assert!(!problems.is_empty(), "an input error lists its problems: {e}");
            for p in problems {
                assert!(!p.path.is_empty() && !p.message.is_empty(), "an unlocated problem: {p:?}");
            }
        }
        Ok(snapshot) => {
            // A rule failing at run time would be exit 3: the gate fails closed, but the core pack must not.
            let report = checker.check(Arc::new(snapshot), as_of()).unwrap_or_else(|e| panic!("a rule failed: {e}"));
            let keys: Vec<_> = report.findings.iter().map(|f| f.sort_key()).collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "findings out of order");
        }
    }
}

#[test]
fn the_snapshot_reader_survives_arbitrary_bytes() {
    let checker = core_checker();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        // A valid document cut or corrupted somewhere: the parser gets far before it fails.
        (any::<Index>(), any::<Index>(), any::<u8>()).prop_map(|(cut, at, byte)| {
            let mut doc = std::fs::read(common::workspace().join(DESIGN)).unwrap();
            let at = at.index(doc.len());
            doc[at] = byte;
            doc.truncate(cut.index(doc.len() + 1).max(at));
            doc
        }),
    ];
    check(bytes, 256, |b| read_and_check(&checker, &b));
}

#[test]
fn the_snapshot_reader_survives_structured_mutations() {
    let checker = core_checker();
    check(mutated_design(), 256, |b| read_and_check(&checker, &b));
}

#[test]
fn the_binary_reads_mutated_snapshots_with_a_located_answer() {
    check(mutated_design(), 24, |b| {
        for format in ["human", "github"] {
            let o = run_with_stdin(&["check", "--format", format, "-"], &b);
            assert_binary_behaves(&format!("check --format {format}"), &o, "<stdin>", format == "github");
        }
    });
}

// ---------------------------------------------------------------------------------------------------------------
// The configuration loader

/// A TOML value, well-typed or not for where it lands.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "\"error\"",
            "\"warning\"",
            "\"info\"",
            "\"fatal\"",
            "true",
            "false",
            "0",
            "-1",
            "1",
            "600",
            "660",
            "2400",
            "9223372036854775807",
            "-9223372036854775808",
            "1.5",
            "nan",
            "inf",
            "[]",
            "[1, 2]",
            "[\"core\"]",
            "{}",
            "{ a = 1 }",
            "\"\\u001b[31m\"",
            "\"\\n::error::x\"",
            "1979-05-27T07:32:00Z",
            "\"\"",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        interesting_string().prop_map(|s| format!("{:?}", s).replace("\\u{", "\\u{")),
    ]
}

const RULE_IDS: &[&str] = &[
    "core.rest.min-between-shifts",
    "core.hours.weekly-paid",
    "core.shift.length",
    "core.shift.overlap",
    "core.timeoff.pending-conflict",
    "core.days.max-consecutive",
    "flsa.hours.weekly-overtime",
    "chi.rest.10h",
    "core.nope",
    "",
    "core.rest.min-between-shifts.min_minutes",
];
const RULE_KEYS: &[&str] =
    &["severity", "enabled", "min_minutes", "max_minutes", "max_days", "severity_when_pending", "threshold", "params"];

/// A configuration file built from the real vocabulary, with wrong types, unknown names and garbage lines mixed in.
fn structured_toml() -> impl Strategy<Value = String> {
    let packs = prop::option::of(prop::collection::vec(
        select(vec!["\"core\"", "\"us-flsa\"", "\"illinois\"", "\"nope\"", "1", "\"\""]),
        0..4,
    ));
    let entry = (select(RULE_KEYS), toml_value()).prop_map(|(k, v)| format!("{k} = {v}\n"));
    let table = (select(RULE_IDS), prop::collection::vec(entry, 0..4))
        .prop_map(|(id, entries)| format!("[rules.\"{id}\"]\n{}", entries.concat()));
    let garbage = select(vec!["", "[rules]\n", "packs = \"core\"\n", "[[waivers]]\nrule = \"x\"\n", "x = 1\n", "[\n"]);
    (packs, prop::collection::vec(table, 0..4), garbage).prop_map(|(packs, tables, garbage)| {
        let mut text = String::new();
        if let Some(p) = packs {
            text.push_str(&format!("packs = [{}]\n", p.join(", ")));
        }
        text.push_str(&tables.concat());
        text.push_str(garbage);
        text
    })
}

/// The core pack and its helpers only: loading them per case keeps the target fast.
fn core_library() -> RuleLibrary {
    let mut library = RuleLibrary::embedded();
    library.files.retain(|f| f.pack == "core" || f.pack == "lib");
    library
}

/// Loads `text` as the configuration of the core pack: no panic, and an error says where.
fn load_config(library: &RuleLibrary, text: &str) {
    match Config::from_toml(text, "fuzz.toml") {
        Err(e) => assert!(e.to_string().starts_with("fuzz.toml:"), "an unlocated parse error: {e}"),
        Ok(config) => {
            if let Err(e) = RuleSet::load(library, &[], &config, Limits::default()) {
                // Each problem is one line naming the file (`fuzz.toml: [rules."id"]...`, `fuzz.toml:3: waiver #1 ...`); an
                // unknown pack is named by the pack list it came from.
                let message = e.to_string();
                for line in message.lines() {
                    assert!(
                        line.starts_with("fuzz.toml:") || line.starts_with("unknown rule pack "),
                        "an unlocated configuration error: {message}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_configuration_loader_survives_arbitrary_toml() {
    let library = core_library();
    check(prop_oneof![1 => ".{0,200}", 3 => structured_toml()], 96, |text| load_config(&library, &text));
}

#[test]
fn the_binary_reads_hostile_configurations_with_a_located_answer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzz.toml");
    check(structured_toml(), 16, |text| {
        std::fs::write(&file, &text).unwrap();
        let o = common::run(&["check", "--config", file.to_str().unwrap(), "--as-of", "2026-11-22T18:00:00Z", DESIGN]);
        assert_binary_behaves(&format!("check --config <<{text}>>"), &o, "fuzz.toml", false);
    });
}

// ---------------------------------------------------------------------------------------------------------------
// The 409 body parser

const BODY_KEYS: &[&str] = &[
    "conflicts",
    "details",
    "errors",
    "simError",
    "agentId",
    "userId",
    "entityId",
    "user",
    "id",
    "start",
    "end",
    "startDate",
    "endDate",
    "kind",
    "reason",
    "type",
    "errorCode",
    "refId",
    "timeOffRequestId",
    "shiftId",
    "tradeId",
    "fieldName",
    "field",
    "message",
    "entityName",
    "code",
    "status",
    "messageParams",
    "messageWithParams",
];

/// Bodies shaped like the two contracts, with entries right and wrong.
fn structured_body() -> impl Strategy<Value = Value> {
    let field = (select(BODY_KEYS), json_leaf()).prop_map(|(k, v)| (k.to_string(), v));
    let arbitrary = prop::collection::btree_map(select(BODY_KEYS).prop_map(str::to_string), json_leaf(), 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()));
    let shaped = (
        select(vec!["a-100", "a-200", "a-999", ""]),
        select(vec!["2026-12-01T14:00:00Z", "2026-12-02T14:00:00Z", "garbage"]),
        select(vec!["2026-12-01T18:00:00Z", "2026-12-01T13:00:00Z", "2026-12-02T22:30:00Z"]),
        prop::option::of(field),
    )
        .prop_map(|(agent, start, end, extra)| {
            let mut m = Map::new();
            m.insert("agentId".into(), json!(agent));
            m.insert("entityId".into(), json!(agent));
            m.insert("start".into(), json!(start));
            m.insert("end".into(), json!(end));
            m.insert("entityName".into(), json!(format!("{start}/{end}")));
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        });
    let entry = prop_oneof![arbitrary, shaped];
    let list = prop::collection::vec(entry, 0..4).prop_map(Value::Array);
    (select(vec!["conflicts", "details"]), list, any::<bool>(), any::<bool>()).prop_map(|(key, list, wrap, nest)| {
        let mut body = json!({"status": 409, "code": "wfm.schedule.data.conflict", key: list});
        if nest {
            body = json!({"code": "bad", "errors": [body]});
        }
        if wrap {
            body = json!({"status": "Error", "simError": body});
        }
        body
    })
}

fn validation() -> Validation {
    let at = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
    Validation {
        findings: vec![PublishFinding {
            rule: "core.timeoff.pending-conflict".into(),
            severity: "error".into(),
            blocking: true,
            agent_id: "a-200".into(),
            start: at(14),
            end: at(18),
            message: "work over a pending request".into(),
            trade_ids: vec!["tr-4".into()],
            time_off_request_ids: vec!["tor-9".into()],
            shift_ids: vec!["s-1".into()],
            cause: vec!["shift s-1 was moved by tr-4".into()],
            waiver: None,
        }],
    }
}

#[test]
fn the_409_parser_survives_arbitrary_json_and_agrees_with_the_lenient_reader() {
    let snapshot = Snapshot::from_json(&std::fs::read(common::workspace().join(DESIGN)).unwrap()).unwrap();
    let validation = validation();
    let bodies = prop_oneof![1 => json_value(BODY_KEYS), 2 => structured_body()];
    check(bodies, 512, |body| {
        let lenient = parse_conflicts(&body);
        assert!(!lenient.is_empty(), "the lenient reader always reports something");
        match read_conflicts(&body) {
            Ok(conflicts) => {
                assert!(conflicts.iter().all(|c| c.agent_id.is_some()), "every conflict names an agent");
                if !conflicts.is_empty() {
                    // The lenient reader is the reference on every body the strict one accepts.
                    assert_eq!(conflicts, lenient);
                }
                let explained = explain_conflicts(&snapshot, &validation, conflicts.clone());
                assert_eq!(explained.len(), conflicts.len());
            }
            Err(e) => {
                assert!(!e.0.is_empty() && e.0.iter().all(|p| !p.path.is_empty() && !p.message.is_empty()), "{e:?}");
            }
        }
    });
}

#[test]
fn the_binary_explains_or_refuses_hostile_answers_with_a_located_answer() {
    let bodies = prop_oneof![json_value(BODY_KEYS), structured_body()];
    check(bodies, 24, |body| {
        let o = run_with_stdin(&["explain-conflict", "--snapshot", DESIGN, "-"], &serde_json::to_vec(&body).unwrap());
        assert_binary_behaves(&format!("explain-conflict <<{body}>>"), &o, "<stdin>", false);
    });
}
