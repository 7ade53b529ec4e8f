//! Reading, validating and trading on snapshots, as a user of the library sees it.

use shiftgate_model::{apply_trades, InputError, Snapshot, TradeProblem};

const EXAMPLE: &[u8] = include_bytes!("../../../fixtures/schedules/design-example.json");

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(EXAMPLE).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn problems(bytes: &[u8]) -> Vec<String> {
    match Snapshot::from_json(bytes) {
        Ok(_) => vec![],
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_design_example_swaps_two_shifts_with_provenance() {
    let s = Snapshot::from_json(EXAMPLE).unwrap();
    let r = apply_trades(&s);
    let a100 = s.agent_ix("a-100").unwrap();
    let a200 = s.agent_ix("a-200").unwrap();
    let s1 = s.shift_ix("s-1").unwrap();
    assert_eq!(r.owner[s1.get()], a200);
    assert_eq!(r.moves[s1.get()][0].from, a100);
    assert_eq!(r.moves[s1.get()][0].trade.as_str(), "tr-4");
    assert_eq!(r.shifts_of(a100), &[s.shift_ix("s-9").unwrap()]);
    assert!(r.failed.is_empty());
    // The full-day marker covers the whole local day of the business unit.
    assert_eq!(s.zone().format_interval(&s.markers[0].interval), "Thu Dec 3 00:00-24:00 CST");
}

#[test]
fn every_problem_is_reported_with_its_path_and_value() {
    let bytes = with(|v| {
        v["agentSchedules"][0]["shifts"][0]["lengthMinutes"] = (-5).into();
        v["businessUnit"]["timeZone"] = "America/Chicgo".into();
        v["agents"][1]["id"] = "a-100".into();
        v["timeOffRequests"][1]["user"]["id"] = "a-999".into();
        v["agentSchedules"][1]["shifts"][0]["activities"][0]["activityCodeId"] = "77".into();
    });
    let p = problems(&bytes);
    for want in [
        "agentSchedules[0].shifts[0].lengthMinutes: must be > 0, got -5",
        "businessUnit.timeZone: unknown IANA time zone \"America/Chicgo\"",
        "agents[1].id: duplicate agent id \"a-100\"",
        "timeOffRequests[1].user.id: unknown agent \"a-999\" (not in agents)",
        "agentSchedules[1].shifts[0].activities[0].activityCodeId: unknown activity code \"77\" (not in activityCodes)",
    ] {
        assert!(p.iter().any(|x| x == want), "missing {want:?} in {p:#?}");
    }
}

#[test]
fn malformed_json_names_line_column_and_path() {
    let err = Snapshot::from_json(b"{\"format\": \"shiftgate.snapshot/1\", \"agents\": [{\"id\": 5}]}").unwrap_err();
    match err {
        InputError::Syntax { path, line, column, .. } => {
            assert_eq!(path, "agents[0].id");
            assert_eq!((line, column), (1, 54));
        }
        other => panic!("expected a syntax error, got {other}"),
    }
    assert!(matches!(Snapshot::from_json(b"{\"format\": "), Err(InputError::Syntax { .. })));
}

#[test]
fn a_document_of_the_wrong_shape_is_a_syntax_error() {
    let syntax = |text: &str| match Snapshot::from_json(text.as_bytes()) {
        Err(InputError::Syntax { message, line, column, .. }) => (message, line, column),
        other => panic!("{text}: expected a syntax error, got {other:?}"),
    };
    // A repeated key, even after the lists that are validated while reading.
    let twice = r#"{"agents": [], "agentSchedules": [], "agents": []}"#;
    let (message, _, column) = syntax(twice);
    // The column is where the repeated key ends.
    assert_eq!((message.as_str(), column), ("duplicate field `agents`", twice.rfind("\"agents\"").unwrap() + 8));
    let (message, ..) = syntax(r#"{"agentSchedules": [], "agentSchedules": null}"#);
    assert_eq!(message, "duplicate field `agentSchedules`");
    // Lists of the wrong type, before and after the agents.
    let (message, ..) = syntax(r#"{"agentSchedules": 5}"#);
    assert!(message.starts_with("invalid type: integer `5`"), "{message}");
    let (message, ..) = syntax(r#"{"businessUnit": {}, "activityCodes": [], "agents": [], "history": {}}"#);
    assert!(message.starts_with("invalid type: map"), "{message}");
    // Not an object at all, or more than one value.
    assert!(syntax("5").0.starts_with("invalid type: integer `5`"));
    let (message, line, column) = syntax("{}\n{}");
    assert_eq!((message.as_str(), line, column), ("trailing characters", 2, 1));
}

#[test]
fn a_trade_naming_an_unknown_shift_is_a_trade_failure_not_an_input_error() {
    let bytes = with(|v| v["shiftTrades"][0]["receivingShiftId"] = "s-404".into());
    let s = Snapshot::from_json(&bytes).unwrap();
    let r = apply_trades(&s);
    assert_eq!(r.failed.len(), 1);
    assert!(
        matches!(&r.failed[0].problems[..], [TradeProblem::UnknownShift { shift, .. }] if shift.as_str() == "s-404")
    );
    // A failed trade moves neither shift.
    assert_eq!(r.owner[s.shift_ix("s-1").unwrap().get()], s.agent_ix("a-100").unwrap());
}

#[test]
fn trades_apply_in_reviewed_order_and_judge_ownership_at_that_point() {
    // tr-5 (reviewed later) hands s-1 on from a-200, which holds it only after tr-4.
    let bytes = with(|v| {
        v["agents"].as_array_mut().unwrap().push(serde_json::json!({"id": "a-300"}));
        v["shiftTrades"].as_array_mut().unwrap().insert(
            0,
            serde_json::json!({
            "id": "tr-5", "state": "Approved", "initiatingUser": {"id": "a-200"}, "initiatingShiftId": "s-1",
            "receivingUser": {"id": "a-300"}, "receivingShiftId": null, "reviewedDate": "2026-11-21T16:00:00Z"}),
        );
    });
    let s = Snapshot::from_json(&bytes).unwrap();
    let r = apply_trades(&s);
    let s1 = s.shift_ix("s-1").unwrap().get();
    assert_eq!(r.owner[s1], s.agent_ix("a-300").unwrap());
    assert_eq!(r.moves[s1].iter().map(|m| m.trade.as_str()).collect::<Vec<_>>(), ["tr-4", "tr-5"]);
}

#[test]
fn invalid_utf8_is_a_syntax_error_with_its_place() {
    let mut bytes = b"{\n  \"format\": \"shiftgate.snapshot/1\",\n  \"agents\": [{\"id\": \"a".to_vec();
    bytes.extend_from_slice(&[0xff, b'"', b'}', b']', b'}']);
    match Snapshot::from_json(&bytes).unwrap_err() {
        InputError::Syntax { line, column, message, .. } => {
            assert_eq!((line, column), (3, 23));
            assert!(message.contains("UTF-8"));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn shifts_outside_their_period_are_input_errors() {
    let bytes = with(|v| {
        v["agentSchedules"][0]["shifts"][0]["startDate"] = "9999-12-31T23:00:00Z".into();
        v["history"][0]["shifts"] =
            serde_json::json!([{"id": "h-1", "startDate": "2026-11-29T07:00:00Z", "lengthMinutes": 60}]);
    });
    let p = problems(&bytes);
    assert!(p.contains(&"agentSchedules[0].shifts[0].startDate: must fall in the schedule period 2026-11-29 to 2026-12-05 (America/Chicago), got 9999-12-31T17:00:00-06:00".to_string()), "{p:#?}");
    assert!(p.contains(&"history[0].shifts[0].startDate: history must start before the schedule period (2026-11-29 America/Chicago), got 2026-11-29T01:00:00-06:00".to_string()), "{p:#?}");
}

#[test]
fn an_entrys_problems_follow_the_document_whatever_its_key_order() {
    // The user after the shifts, and each shift's activities before its own fields: problems still come as the
    // format lists them (the user, then each shift's fields, then its activities).
    let bytes = with(|v| {
        v["agentSchedules"][0] = serde_json::json!({
            "shifts": [
                {"activities": [{"startDate": "soon", "lengthMinutes": 30, "activityCodeId": "0"},
                                {"startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 0, "activityCodeId": "x"}],
                 "id": "", "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 480},
                {"lengthMinutes": -1, "id": "s-late", "startDate": "2026-11-30T23:00:00Z"}
            ],
            "user": {"id": "a-404"}
        });
    });
    // serde_json::Value writes keys sorted, which is the order above; make sure.
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(r#"{"shifts":[{"activities":[{"#), "{text}");
    let p = problems(text.as_bytes());
    let ours: Vec<&str> = p.iter().map(String::as_str).filter(|p| p.starts_with("agentSchedules[0]")).collect();
    assert_eq!(
        ours,
        [
            "agentSchedules[0].user.id: unknown agent \"a-404\" (not in agents)",
            "agentSchedules[0].shifts[0].id: must not be empty",
            "agentSchedules[0].shifts[0].activities[0].startDate: must be an RFC 3339 instant with Z or an offset, got \"soon\"",
            "agentSchedules[0].shifts[0].activities[1].lengthMinutes: must be > 0, got 0",
            "agentSchedules[0].shifts[0].activities[1].activityCodeId: unknown activity code \"x\" (not in activityCodes)",
            "agentSchedules[0].shifts[1].lengthMinutes: must be > 0, got -1",
        ]
    );
}
