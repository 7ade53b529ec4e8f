//! `source`: what an importer says about where the snapshot came from and which lists its platform cannot
//! supply. Read by both readers, refused when it names an unknown list, names one twice, or lacks a list the
//! document holds.

use serde_json::{json, Value};
use shiftgate_model::format::WireSnapshot;
use shiftgate_model::{Lack, Snapshot};

fn doc(source: Value, source_first: bool) -> Value {
    let mut d = serde_json::Map::new();
    if source_first {
        d.insert("source".into(), source.clone());
    }
    d.insert("format".into(), json!("shiftgate.snapshot/1"));
    d.insert("businessUnit".into(), json!({"id": "bu", "timeZone": "America/Chicago"}));
    d.insert("schedule".into(), json!({"id": "s", "weekDate": "2026-11-01"}));
    d.insert("activityCodes".into(), json!([{"id": "0", "category": "OnQueueWork"}]));
    d.insert("agents".into(), json!([{"id": "a-1"}]));
    d.insert(
        "agentSchedules".into(),
        json!([{"user": {"id": "a-1"}, "shifts": [{"id": "s-1", "startDate": "2026-11-02T14:00:00Z", "lengthMinutes": 480}]}]),
    );
    if !source_first {
        d.insert("source".into(), source);
    }
    Value::Object(d)
}

fn problems(d: &Value) -> Vec<String> {
    match Snapshot::from_json(&serde_json::to_vec(d).unwrap()) {
        Ok(_) => vec![],
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_source_is_read_wherever_it_stands_in_the_document() {
    for first in [true, false] {
        let d = doc(json!({"kind": "cxone", "lacks": ["timeOffRequests", "shiftTrades"]}), first);
        let s = Snapshot::from_json(&serde_json::to_vec(&d).unwrap()).unwrap();
        let source = s.source.expect("a source");
        assert_eq!(source.kind, "cxone");
        assert_eq!(source.lacks, [Lack::TimeOffRequests, Lack::ShiftTrades]);
        assert!(source.lacks(Lack::ShiftTrades));
        let text = serde_json::to_string(&d).unwrap();
        let wire: WireSnapshot<'_> = serde_json::from_str(&text).unwrap();
        assert_eq!(Snapshot::from_wire(&wire).unwrap().source.unwrap().lacks.len(), 2);
    }
    let without = doc(Value::Null, true);
    assert!(Snapshot::from_json(&serde_json::to_vec(&without).unwrap()).unwrap().source.is_none());
}

#[test]
fn a_source_that_contradicts_the_document_is_refused_with_its_path() {
    let mut d =
        doc(json!({"kind": "cxone", "lacks": ["shiftTrades", "history", "shiftTrades", "timeOffRequests"]}), false);
    d["timeOffRequests"] = json!([{"id": "t-1", "user": {"id": "a-1"}, "status": "PENDING", "isFullDayRequest": true,
        "fullDayManagementUnitDates": ["2026-11-03"], "dailyDurationMinutes": 480, "activityCodeId": "0"}]);
    assert_eq!(
        problems(&d),
        [
            "source.lacks[1]: must be one of [\"timeOffRequests\", \"shiftTrades\"], got \"history\"",
            "source.lacks[2]: \"shiftTrades\" is listed twice",
            "source.lacks[3]: says the source lacks timeOffRequests, but the snapshot has 1",
        ]
    );
    assert_eq!(problems(&doc(json!({"lacks": []}), true)), ["source.kind: is required"]);
    assert_eq!(
        problems(&doc(json!({"kind": "cx\none"}), true)),
        ["source.kind: must not contain control, line-separator or text-direction characters, found U+000A at character 3"]
    );
}
