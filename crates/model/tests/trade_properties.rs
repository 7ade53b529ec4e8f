//! Property: applying trades never creates, loses or duplicates a shift, and a failed trade moves nothing.

use proptest::prelude::*;
use serde_json::json;
use shiftgate_model::{apply_trades, Snapshot};

/// A random week: `agents` agents with 0-4 shifts each, and random trades between them, some naming unknown
/// shifts, wrong owners or non-approved states.
fn snapshot_json(agents: usize, shifts: &[(usize, u32)], trades: &[(usize, usize, Option<usize>, u8, u32)]) -> Vec<u8> {
    let mut schedules: Vec<Vec<serde_json::Value>> = vec![Vec::new(); agents];
    for (i, &(owner, hour)) in shifts.iter().enumerate() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z").unwrap()
            + chrono::Duration::hours(i64::from(hour));
        schedules[owner % agents]
            .push(json!({"id": format!("s-{i}"), "startDate": start.to_rfc3339(), "lengthMinutes": 480}));
    }
    let states = ["Approved", "Approved", "Approved", "Matched", "Denied"];
    let trades: Vec<_> = trades
        .iter()
        .enumerate()
        .map(|(i, &(from, shift, back, state, minute))| {
            json!({"id": format!("t-{i}"), "state": states[state as usize % states.len()],
                   "initiatingUser": {"id": format!("a-{}", from % agents)}, "initiatingShiftId": format!("s-{shift}"),
                   "receivingUser": {"id": format!("a-{}", (from + 1) % agents)},
                   "receivingShiftId": back.map(|b| format!("s-{b}")),
                   "reviewedDate": format!("2026-11-20T10:{:02}:00Z", minute % 60)})
        })
        .collect();
    serde_json::to_vec(&json!({
        "format": "shiftgate.snapshot/1",
        "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
        "schedule": {"id": "s", "weekDate": "2026-11-29"},
        "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
        "agents": (0..agents).map(|a| json!({"id": format!("a-{a}")})).collect::<Vec<_>>(),
        "agentSchedules": schedules.iter().enumerate().map(|(a, s)| json!({"user": {"id": format!("a-{a}")}, "shifts": s})).collect::<Vec<_>>(),
        "shiftTrades": trades,
    }))
    .unwrap()
}

proptest! {
    #[test]
    fn trades_preserve_the_set_of_shifts(
        agents in 2usize..6,
        shifts in prop::collection::vec((0usize..6, 0u32..160), 0..20),
        trades in prop::collection::vec((0usize..6, 0usize..24, prop::option::of(0usize..24), 0u8..5, 0u32..60), 0..12),
    ) {
        let bytes = snapshot_json(agents, &shifts, &trades);
        let s = Snapshot::from_json(&bytes).unwrap();
        let r = apply_trades(&s);
        // Every shift is held by exactly one agent, and nothing else is.
        let mut held: Vec<usize> = r.by_agent.iter().flatten().map(|ix| ix.get()).collect();
        held.sort_unstable();
        prop_assert_eq!(held, (0..s.shifts.len()).collect::<Vec<_>>());
        // Each held shift is listed under its owner, and its provenance ends at its owner.
        for (a, list) in r.by_agent.iter().enumerate() {
            for ix in list {
                prop_assert_eq!(r.owner[ix.get()].get(), a);
                if let Some(last) = r.moves[ix.get()].last() {
                    prop_assert_eq!(last.to.get(), a);
                } else {
                    prop_assert_eq!(s.shift(*ix).owner.get(), a);
                }
            }
        }
        // Applied and failed trades are exactly the approved ones; a failed trade appears in no provenance.
        let approved = s.trades.iter().filter(|t| t.state == shiftgate_model::TradeState::Approved).count();
        prop_assert_eq!(r.applied.len() + r.failed.len(), approved);
        for f in &r.failed {
            prop_assert!(r.moves.iter().flatten().all(|m| m.trade_ix != f.trade_ix));
        }
    }
}
