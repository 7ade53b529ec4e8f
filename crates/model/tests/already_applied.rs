//! Approved trades that the draft already reflects (a re-run after a publish) move nothing and fail nothing, while
//! partial states stay integrity problems.

use serde_json::{json, Value};
use shiftgate_model::{apply_trades, Roster, Side, Snapshot, TradeProblem};

/// A week of four agents; `shifts` are (shift id, owner), each on its own day.
fn week(shifts: &[(&str, &str)], trades: Vec<Value>) -> Snapshot {
    let agents = ["a-1", "a-2", "a-3", "a-4"];
    let schedules: Vec<Value> = agents
        .iter()
        .map(|a| {
            let mine: Vec<Value> = shifts
                .iter()
                .enumerate()
                .filter(|(_, (_, owner))| owner == a)
                .map(|(day, (id, _))| {
                    json!({"id": id, "startDate": format!("2026-11-{:02}T14:00:00Z", 29 + day % 2), "lengthMinutes": 480})
                })
                .collect();
            json!({"user": {"id": a}, "shifts": mine})
        })
        .collect();
    let doc = json!({
        "format": "shiftgate.snapshot/1",
        "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
        "schedule": {"id": "sch", "weekDate": "2026-11-29"},
        "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
        "agents": agents.iter().map(|a| json!({"id": a})).collect::<Vec<_>>(),
        "agentSchedules": schedules,
        "shiftTrades": trades,
    });
    Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// An approved trade reviewed on day `day` of November: `from` gives `shift` to `to`, who gives `back` in a swap.
fn trade(id: &str, day: u32, from: &str, shift: &str, to: &str, back: Option<&str>) -> Value {
    json!({"id": id, "state": "Approved", "initiatingUser": {"id": from}, "initiatingShiftId": shift,
           "receivingUser": {"id": to}, "receivingShiftId": back, "reviewedDate": format!("2026-11-{day:02}T16:00:00Z")})
}

fn ids(s: &Snapshot, list: &[usize]) -> Vec<String> {
    list.iter().map(|&t| s.trades[t].id.to_string()).collect()
}

fn holder(s: &Snapshot, r: &Roster, shift: &str) -> String {
    s.agent(r.owner[s.shift_ix(shift).unwrap().get()]).id.to_string()
}

fn problems(s: &Snapshot, r: &Roster) -> Vec<(String, Vec<TradeProblem>)> {
    r.failed.iter().map(|f| (s.trades[f.trade_ix].id.to_string(), f.problems.clone())).collect()
}

#[test]
fn a_published_two_way_swap_is_already_applied_and_moves_nothing() {
    // tr-1601 swapped s-1 (a-1) for s-2 (a-2) and was published: the draft has s-1 at a-2 and s-2 at a-1.
    let s = week(&[("s-1", "a-2"), ("s-2", "a-1")], vec![trade("tr-1601", 10, "a-1", "s-1", "a-2", Some("s-2"))]);
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.already_applied), ["tr-1601"]);
    assert!(r.applied.is_empty() && r.failed.is_empty(), "{:?}", problems(&s, &r));
    assert!(r.moves.iter().all(Vec::is_empty));
    assert_eq!((holder(&s, &r, "s-1"), holder(&s, &r, "s-2")), ("a-2".into(), "a-1".into()));
}

#[test]
fn a_published_one_way_pick_up_is_already_applied() {
    let s = week(&[("s-1", "a-2")], vec![trade("tr-7", 10, "a-1", "s-1", "a-2", None)]);
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.already_applied), ["tr-7"]);
    assert!(r.failed.is_empty() && r.applied.is_empty());
}

#[test]
fn half_a_swap_in_the_draft_is_an_integrity_problem_naming_both_shifts() {
    // s-1 already moved to a-2, s-2 still with a-2: neither applicable nor applied.
    let s = week(&[("s-1", "a-2"), ("s-2", "a-2")], vec![trade("tr-1", 10, "a-1", "s-1", "a-2", Some("s-2"))]);
    let r = apply_trades(&s);
    assert!(r.already_applied.is_empty() && r.applied.is_empty());
    let want = TradeProblem::PartlyApplied {
        moved: Side::Initiating,
        shift: "s-1".into(),
        holder: "a-2".into(),
        other: "s-2".into(),
        other_holder: "a-2".into(),
    };
    assert_eq!(problems(&s, &r), [("tr-1".to_string(), vec![want])]);
    // The mirror image: the receiving shift moved, the initiating one did not.
    let s = week(&[("s-1", "a-1"), ("s-2", "a-1")], vec![trade("tr-1", 10, "a-1", "s-1", "a-2", Some("s-2"))]);
    let r = apply_trades(&s);
    assert!(matches!(&problems(&s, &r)[0].1[..], [TradeProblem::PartlyApplied { moved: Side::Receiving, .. }]));
}

#[test]
fn a_shift_with_a_third_agent_is_still_a_wrong_owner() {
    let s = week(&[("s-1", "a-3")], vec![trade("tr-1", 10, "a-1", "s-1", "a-2", None)]);
    let r = apply_trades(&s);
    assert!(matches!(&problems(&s, &r)[0].1[..], [TradeProblem::WrongOwner { .. }]));
}

#[test]
fn recorded_times_that_no_longer_match_are_not_already_applied() {
    let mut t = trade("tr-1", 10, "a-1", "s-1", "a-2", None);
    t["initiatingShiftStart"] = json!("2026-11-29T13:00:00Z");
    t["initiatingShiftEnd"] = json!("2026-11-29T21:00:00Z");
    let s = week(&[("s-1", "a-2")], vec![t]);
    let r = apply_trades(&s);
    assert!(r.already_applied.is_empty());
    assert!(problems(&s, &r)[0].1.iter().any(|p| matches!(p, TradeProblem::TimesChanged { .. })));
}

#[test]
fn a_chain_published_whole_is_already_applied_whole() {
    // tr-1 gives s-1 from a-1 to a-2, tr-2 from a-2 to a-3; the draft has s-1 at a-3.
    let trades = || vec![trade("tr-1", 10, "a-1", "s-1", "a-2", None), trade("tr-2", 11, "a-2", "s-1", "a-3", None)];
    let s = week(&[("s-1", "a-3")], trades());
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.already_applied), ["tr-1", "tr-2"]);
    assert!(r.failed.is_empty());
    // Published after tr-1 only: tr-1 is already applied, tr-2 applies now.
    let s = week(&[("s-1", "a-2")], trades());
    let r = apply_trades(&s);
    assert_eq!((ids(&s, &r.already_applied), ids(&s, &r.applied)), (vec!["tr-1".into()], vec!["tr-2".into()]));
    assert_eq!(holder(&s, &r, "s-1"), "a-3");
    // Nothing published: both apply, as before.
    let s = week(&[("s-1", "a-1")], trades());
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.applied), ["tr-1", "tr-2"]);
}

#[test]
fn a_trade_overtaken_by_a_later_one_the_draft_reflects_is_superseded() {
    // tr-1 (earlier) would give s-1 from a-1 to a-2; tr-2 (later) gave it from a-1 to a-3, and the draft has that.
    // Applying tr-1 now would undo tr-2.
    let s = week(
        &[("s-1", "a-3")],
        vec![trade("tr-1", 10, "a-1", "s-1", "a-2", None), trade("tr-2", 11, "a-1", "s-1", "a-3", None)],
    );
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.already_applied), ["tr-2"]);
    assert!(matches!(&problems(&s, &r)[0].1[..], [TradeProblem::WrongOwner { .. }]));
    // The same when the shift is back where tr-1 expects it: tr-3 (later still) returned it to a-1.
    let s = week(
        &[("s-1", "a-1")],
        vec![
            trade("tr-1", 10, "a-1", "s-1", "a-2", None),
            trade("tr-2", 11, "a-1", "s-1", "a-3", None),
            trade("tr-3", 12, "a-3", "s-1", "a-1", None),
        ],
    );
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.already_applied), ["tr-2", "tr-3"]);
    let want = TradeProblem::Superseded { side: Side::Initiating, shift: "s-1".into(), by: "tr-3".into() };
    assert_eq!(problems(&s, &r), [("tr-1".to_string(), vec![want])]);
    assert_eq!(holder(&s, &r, "s-1"), "a-1");
}

#[test]
fn a_shift_moved_by_this_run_is_never_taken_for_already_applied() {
    // tr-1 applies now (s-1 to a-2); tr-2 then names s-1 as a-1's again: a wrong owner, not half a swap.
    let s = week(
        &[("s-1", "a-1"), ("s-2", "a-2")],
        vec![trade("tr-1", 10, "a-1", "s-1", "a-2", None), trade("tr-2", 11, "a-1", "s-1", "a-2", Some("s-2"))],
    );
    let r = apply_trades(&s);
    assert_eq!(ids(&s, &r.applied), ["tr-1"]);
    assert!(matches!(&problems(&s, &r)[0].1[..], [TradeProblem::WrongOwner { .. }]));
}

#[test]
fn excluded_trades_are_neither_applied_nor_already_applied() {
    let s = week(&[("s-1", "a-2")], vec![trade("tr-1", 10, "a-1", "s-1", "a-2", None)]);
    let r = shiftgate_model::apply_trades_excluding(&s, &[0]);
    assert!(r.already_applied.is_empty() && r.applied.is_empty() && r.failed.is_empty());
}
