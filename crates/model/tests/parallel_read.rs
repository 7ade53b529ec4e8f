//! `Snapshot::from_json` parses agent schedules and history in parallel, entry by entry: while reading when the
//! business unit, activity codes and agents come first, after reading otherwise. Either way it must read exactly
//! what the one-pass reader (`from_wire` over a fully parsed document) reads, and report the same problems in the
//! same order, with paths and positions in the whole document.

use shiftgate_gen::{generate_json, GenOptions};
use shiftgate_model::format::WireSnapshot;
use shiftgate_model::{InputError, Snapshot};

const EXAMPLE: &[u8] = include_bytes!("../../../fixtures/schedules/design-example.json");

fn one_pass(bytes: &[u8]) -> Result<Snapshot, InputError> {
    let wire: WireSnapshot<'_> = serde_json::from_slice(bytes).expect("well-formed");
    Snapshot::from_wire(&wire)
}

/// The document with its top-level keys in this order (the rest after them, sorted).
fn reorder(bytes: &[u8], first: &[&str]) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let map = v.as_object().unwrap();
    let rest = map.keys().map(String::as_str).filter(|k| !first.contains(k));
    let parts: Vec<String> = first
        .iter()
        .copied()
        .chain(rest)
        .filter_map(|k| map.get(k).map(|v| format!("{}:{}", serde_json::json!(k), v)))
        .collect();
    format!("{{{}}}", parts.join(",")).into_bytes()
}

/// Key orders that take each route: both lists validated while reading, both after, and one of each.
const ORDERS: [&[&str]; 3] = [
    &["format", "asOf", "businessUnit", "schedule", "activityCodes", "agents", "agentSchedules", "history"],
    &["history", "agentSchedules", "agents"],
    &["businessUnit", "activityCodes", "agentSchedules", "agents", "history"],
];

fn problems(r: Result<Snapshot, InputError>) -> Vec<String> {
    match r {
        Ok(_) => vec![],
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_generated_roster_reads_the_same_in_parallel_and_in_one_pass() {
    let json = generate_json(&GenOptions { agents: 1_500, seed: 11, weeks: 2, ..GenOptions::default() });
    let sequential = one_pass(&json).expect("valid");
    for order in ORDERS {
        same_snapshot(&Snapshot::from_json(&reorder(&json, order)).expect("valid"), &sequential);
    }
    // With one worker (`--jobs 1`) the reading thread validates each batch itself.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    same_snapshot(&one.install(|| Snapshot::from_json(&json)).expect("valid"), &sequential);
}

fn same_snapshot(parallel: &Snapshot, sequential: &Snapshot) {
    assert!(parallel.history.len() > 1_500, "the roster should carry history");
    // Every field; the id indexes (hash maps, whose order differs from run to run) by lookup.
    let fields = |s: &Snapshot| {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:?}\n{:?}",
            s.as_of,
            s.business_unit,
            s.schedule,
            s.activity_codes,
            s.agents,
            s.shifts,
            s.markers,
            s.history,
            s.time_off,
            s.trades
        )
    };
    let (a, b) = (fields(parallel), fields(sequential));
    if let Some((i, (x, y))) = a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y) {
        panic!("line {i} differs:\n parallel:   {x}\n sequential: {y}");
    }
    assert_eq!(a.len(), b.len());
    for s in &sequential.shifts {
        assert_eq!(parallel.shift_ix(s.id.as_str()), sequential.shift_ix(s.id.as_str()));
    }
    for a in &sequential.agents {
        assert_eq!(parallel.agent_ix(a.id.as_str()), sequential.agent_ix(a.id.as_str()));
    }
}

#[test]
fn entry_problems_come_in_document_order_and_a_repeated_entry_hides_its_own() {
    let mut v: serde_json::Value = serde_json::from_slice(EXAMPLE).unwrap();
    let schedules = v["agentSchedules"].as_array_mut().unwrap();
    let mut repeat = schedules[0].clone();
    repeat["shifts"][0]["lengthMinutes"] = (-1).into();
    schedules.push(repeat);
    schedules[1]["shifts"][0]["lengthMinutes"] = 0.into();
    v["history"] = serde_json::json!([{ "user": { "id": "a-404" }, "shifts": [] }]);
    let agents = v["agents"].as_array_mut().unwrap();
    agents.push(serde_json::json!({ "id": "" }));
    let blank_agent = format!("agents[{}].id: must not be empty", agents.len() - 1);
    v["businessUnit"]["startDayOfWeek"] = "Caturday".into();
    v["schedule"]["weekCount"] = 9.into();
    let bytes = serde_json::to_vec(&v).unwrap();

    for order in ORDERS {
        let bytes = reorder(&bytes, order);
        let got = problems(Snapshot::from_json(&bytes));
        assert_eq!(got, problems(one_pass(&bytes)));
        assert_eq!(
            got,
            [
                "businessUnit.startDayOfWeek: must be Sunday..Saturday, got \"Caturday\"",
                "schedule.weekCount: must be 1..6, got 9",
                &blank_agent,
                "agentSchedules[1].shifts[0].lengthMinutes: must be > 0, got 0",
                "agentSchedules[2].user.id: a second agentSchedules entry for agent \"a-100\"",
                "history[0].user.id: unknown agent \"a-404\" (not in agents)",
            ]
        );
    }
}

#[test]
fn a_wrong_type_inside_an_entry_is_located_in_the_whole_document() {
    let text = String::from_utf8(EXAMPLE.to_vec()).unwrap();
    // Pretty-printed, so the position is a real line and column, not an offset inside one entry.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["agentSchedules"][1]["shifts"][0]["lengthMinutes"] = "480".into();
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    let line = pretty.lines().position(|l| l.contains("\"480\"")).unwrap() + 1;
    match Snapshot::from_json(pretty.as_bytes()) {
        Err(InputError::Syntax { path, line: l, .. }) => {
            assert_eq!(path, "agentSchedules[1].shifts[0].lengthMinutes");
            assert_eq!(l, line);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // On one line, in every key order: the column is where the string ends.
    for order in ORDERS {
        let compact = String::from_utf8(reorder(pretty.as_bytes(), order)).unwrap();
        let end = compact.find("\"480\"").unwrap() + "\"480\"".len();
        match Snapshot::from_json(compact.as_bytes()) {
            Err(InputError::Syntax { path, line, column, .. }) => {
                assert_eq!((path.as_str(), line, column), ("agentSchedules[1].shifts[0].lengthMinutes", 1, end));
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }
}
