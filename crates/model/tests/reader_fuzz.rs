//! Arbitrary mutations of a valid snapshot never make the reader panic, and every refusal names a JSON path that
//! leads into the document: each list index on it exists, and it starts at a top-level field. Cut or corrupted
//! bytes give a syntax error with a line, a column and a plain path.

use proptest::prelude::*;
use serde_json::{json, Value};
use shiftgate_model::{apply_trades, InputError, Snapshot};

const EXAMPLE: &[u8] = include_bytes!("../../../fixtures/schedules/design-example.json");

const TOP_LEVEL: [&str; 10] = [
    "format",
    "asOf",
    "businessUnit",
    "schedule",
    "activityCodes",
    "agents",
    "agentSchedules",
    "history",
    "timeOffRequests",
    "shiftTrades",
];

/// Values that probe the format's edges: wrong types, extremes, hostile and nearly valid strings.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop::sample::select(vec![0i64, -5, 1, 59, 480, 1500, 1501, 10_080, 10_081, i64::MIN, i64::MAX])
            .prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!(1e308)),
        prop::sample::select(vec![
            "",
            "s-1",
            "s-9",
            "a-100",
            "a-200",
            "tor-7",
            "3",
            "Approved",
            "PENDING",
            "TimeOff",
            "Sunday",
            "America/Chicgo",
            "2026-12-01T14:00:00Z",
            "2026-12-01T14:00:30Z",
            "2026-12-01T14:00:00.5+05:30",
            "2026-02-30T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "2026-12-03",
            "2026-13-45",
            "s-1\n::error::forged",
            "\u{1b}[31m",
            "a\u{202e}b",
            "\u{0}",
        ])
        .prop_map(Value::from),
        Just(Value::from("x".repeat(300))),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(vec!["id", "startDate", "user", "note"]), inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// One edit at the `target`-th node of the document (in a depth-first walk).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    /// Repeat a list element, or a field under a new name.
    Duplicate(usize),
    Insert(usize, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let target = 0usize..400;
    prop_oneof![
        4 => (target.clone(), value()).prop_map(|(t, v)| Edit::Replace(t, v)),
        2 => target.clone().prop_map(Edit::Remove),
        1 => target.clone().prop_map(Edit::Duplicate),
        1 => (target, prop::sample::select(vec!["id", "lengthMinutes", "activities", "shifts", "paid"]), value())
            .prop_map(|(t, k, v)| Edit::Insert(t, k.to_string(), v)),
    ]
}

/// Applies an edit to the `n`-th node below `v` (counting from `*seen`); true once applied.
fn apply(v: &mut Value, e: &Edit, seen: &mut usize) -> bool {
    let target = match e {
        Edit::Replace(t, _) | Edit::Remove(t) | Edit::Duplicate(t) | Edit::Insert(t, _, _) => *t,
    };
    let children: Vec<String> = match v {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => (0..a.len()).map(|i| i.to_string()).collect(),
        _ => return false,
    };
    for key in children {
        *seen += 1;
        if *seen == target {
            match (&mut *v, e) {
                (Value::Object(m), Edit::Replace(_, new)) => {
                    m.insert(key, new.clone());
                }
                (Value::Array(a), Edit::Replace(_, new)) => a[key.parse::<usize>().unwrap()] = new.clone(),
                (Value::Object(m), Edit::Remove(_)) => {
                    m.remove(&key);
                }
                (Value::Array(a), Edit::Remove(_)) => {
                    a.remove(key.parse::<usize>().unwrap());
                }
                (Value::Object(m), Edit::Duplicate(_)) => {
                    let copy = m[&key].clone();
                    m.insert(format!("{key}Copy"), copy);
                }
                (Value::Array(a), Edit::Duplicate(_)) => {
                    let copy = a[key.parse::<usize>().unwrap()].clone();
                    a.push(copy);
                }
                (Value::Object(m), Edit::Insert(_, k, new)) => match m.get_mut(&key) {
                    Some(Value::Object(inner)) => {
                        inner.insert(k.clone(), new.clone());
                    }
                    _ => {
                        m.insert(k.clone(), new.clone());
                    }
                },
                (Value::Array(a), Edit::Insert(_, _, new)) => a.push(new.clone()),
                _ => {}
            }
            return true;
        }
        let child = match v {
            Value::Object(m) => m.get_mut(&key),
            Value::Array(a) => a.get_mut(key.parse::<usize>().unwrap()),
            _ => None,
        };
        if child.is_some_and(|c| apply(c, e, seen)) {
            return true;
        }
    }
    false
}

/// Whether a problem's path leads into the document: `.` for the whole, or a top-level field followed by fields
/// and list indices, where every index exists (a field may be missing: that is often the problem).
fn leads_into(doc: &Value, path: &str) -> Result<(), String> {
    if path == "." {
        return Ok(());
    }
    let mut at = Some(doc);
    for (n, segment) in path.split('.').enumerate() {
        let (name, indices) = segment.split_once('[').map_or((segment, ""), |(a, b)| (a, b));
        if n == 0 && !TOP_LEVEL.contains(&name) {
            return Err(format!("{path}: does not start at a top-level field"));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("{path}: malformed segment {segment:?}"));
        }
        at = at.and_then(|v| v.get(name));
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.strip_suffix(']').and_then(|i| i.parse().ok()).ok_or(format!("{path}: bad index"))?;
            at = match at.and_then(Value::as_array) {
                Some(list) if i < list.len() => Some(&list[i]),
                _ => return Err(format!("{path}: index {i} is not in the document")),
            };
        }
    }
    Ok(())
}

/// Whether a path is `.` or plain field names with list indices (what a corrupted document's path can be checked
/// for: its keys may be corrupted too).
fn well_formed(path: &str) -> bool {
    path == "."
        || path.split('.').all(|s| {
            let name = s.split('[').next().unwrap_or_default();
            !name.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']'))
        })
}

fn check(doc: Option<&Value>, bytes: &[u8]) -> Result<(), TestCaseError> {
    match Snapshot::from_json(bytes) {
        Ok(s) => {
            // A document that reads also trades without panicking.
            let r = apply_trades(&s);
            prop_assert_eq!(r.owner.len(), s.shifts.len());
        }
        Err(e) => {
            if let InputError::Syntax { line, column, .. } = &e {
                prop_assert!(*line >= 1 && *column >= 1);
            }
            let problems = e.problems();
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(well_formed(&p.path) && !p.message.is_empty(), "{:?}", p);
                if let Err(why) = doc.map_or(Ok(()), |doc| leads_into(doc, &p.path)) {
                    return Err(TestCaseError::fail(format!("{why} ({})", p.message)));
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn mutated_snapshots_are_read_or_refused_with_paths(edits in prop::collection::vec(edit(), 1..5)) {
        let mut doc: Value = serde_json::from_slice(EXAMPLE).unwrap();
        for e in &edits {
            apply(&mut doc, e, &mut 0);
        }
        check(Some(&doc), &serde_json::to_vec(&doc).unwrap())?;
    }

    #[test]
    fn cut_or_corrupted_snapshots_are_syntax_errors_with_paths(cut in 0usize..2000, byte in any::<u8>(), at in 0usize..2000) {
        let doc: Value = serde_json::from_slice(EXAMPLE).unwrap();
        let mut bytes = serde_json::to_vec(&doc).unwrap();
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        // Corrupted keys are keys of the input: the path is checked for its form only.
        check(None, &bytes)?;
    }
}
