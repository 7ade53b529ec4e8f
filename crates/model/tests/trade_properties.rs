//! Properties of trade application on random weeks: applying trades never creates, loses or duplicates a shift, a
//! failed trade moves nothing, and applying the trades to their own result moves nothing and fails no trade that
//! applied (approved trades stay Approved after a publish, so the next run meets them again).

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use serde_json::{json, Value};
use shiftgate_model::{apply_trades, Roster, Snapshot, TradeState};

const START: &str = "2026-11-29T12:00:00Z";

/// One generated trade: (initiating shift, receiving shift of a swap, how its users are chosen, state, times).
type TradeSpec = (usize, Option<usize>, u8, u8, u8);

fn shift_start(hour: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(START).unwrap().to_utc() + chrono::Duration::hours(i64::from(hour))
}

/// A random week: `agents` agents holding `shifts` (owner, start hour), and trades in application order. Most
/// trades name users as a running simulation of the earlier ones leaves them (so chains and swaps apply); some
/// name random users, unknown shifts, wrong recorded times or a non-approved state.
fn week(agents: usize, shifts: &[(usize, u32)], trades: &[TradeSpec]) -> Value {
    let mut owner: Vec<usize> = shifts.iter().map(|&(o, _)| o % agents).collect();
    let states = ["Approved", "Approved", "Approved", "Matched", "Denied"];
    let mut wire_trades = Vec::new();
    for (i, &(shift, back, mode, state, times)) in trades.iter().enumerate() {
        // Shift numbers past the end name shifts that do not exist.
        let known = |s: usize| (s < shifts.len()).then_some(s);
        let (from, to) = match (mode % 4, known(shift)) {
            (0..=2, Some(s)) => (owner[s], (owner[s] + 1 + usize::from(mode) % (agents - 1)) % agents),
            _ => (usize::from(mode) % agents, (usize::from(mode) + 1) % agents),
        };
        // A swap gives back a shift the receiving user holds when one exists (or the named one otherwise).
        let back = back.map(|b| match mode % 4 {
            0 | 1 => (0..shifts.len()).find(|&s| owner[s] == to && s != shift).unwrap_or(b),
            _ => b,
        });
        let mut t = json!({"id": format!("t-{i:02}"), "state": states[usize::from(state) % states.len()],
            "initiatingUser": {"id": format!("a-{from}")}, "initiatingShiftId": format!("s-{shift}"),
            "receivingUser": {"id": format!("a-{to}")}, "receivingShiftId": back.map(|b| format!("s-{b}")),
            "reviewedDate": format!("2026-11-20T10:{:02}:00Z", i)});
        if let (Some(s), 1..=2) = (known(shift), times % 4) {
            // Recorded times: right, or an hour off.
            let start = shift_start(shifts[s].1) + chrono::Duration::hours(i64::from(times % 4 == 2));
            t["initiatingShiftStart"] = json!(start.to_rfc3339());
            t["initiatingShiftEnd"] = json!((start + chrono::Duration::minutes(480)).to_rfc3339());
        }
        wire_trades.push(t);
        // The simulation applies what looks applicable; application itself decides what really is.
        if state % 5 < 3 && known(shift).is_some() && from != to {
            let s = shift;
            let b = back.and_then(known).filter(|&b| b != s && owner[b] == to);
            if owner[s] == from && (back.is_none() || b.is_some()) {
                owner[s] = to;
                if let Some(b) = b {
                    owner[b] = from;
                }
            }
        }
    }
    let owners: Vec<usize> = shifts.iter().map(|&(o, _)| o % agents).collect();
    document(agents, shifts, &owners, wire_trades)
}

/// The snapshot JSON with each shift given to `owners[i]`.
fn document(agents: usize, shifts: &[(usize, u32)], owners: &[usize], trades: Vec<Value>) -> Value {
    let mut schedules: Vec<Vec<Value>> = vec![Vec::new(); agents];
    for (i, &(_, hour)) in shifts.iter().enumerate() {
        schedules[owners[i]].push(json!({"id": format!("s-{i}"), "startDate": shift_start(hour).to_rfc3339(),
                                         "lengthMinutes": 480}));
    }
    json!({
        "format": "shiftgate.snapshot/1",
        "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
        "schedule": {"id": "s", "weekDate": "2026-11-29"},
        "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
        "agents": (0..agents).map(|a| json!({"id": format!("a-{a}")})).collect::<Vec<_>>(),
        "agentSchedules": schedules.iter().enumerate()
            .map(|(a, s)| json!({"user": {"id": format!("a-{a}")}, "shifts": s})).collect::<Vec<_>>(),
        "shiftTrades": trades,
    })
}

fn read(doc: &Value) -> Snapshot {
    Snapshot::from_json(&serde_json::to_vec(doc).unwrap()).unwrap()
}

fn trade_ids(s: &Snapshot, list: impl IntoIterator<Item = usize>) -> BTreeSet<String> {
    list.into_iter().map(|t| s.trades[t].id.to_string()).collect()
}

/// Who holds each shift, by shift id.
fn holders(s: &Snapshot, r: &Roster) -> HashMap<String, String> {
    s.shifts.iter().enumerate().map(|(i, sh)| (sh.id.to_string(), s.agent(r.owner[i]).id.to_string())).collect()
}

fn strategy() -> impl Strategy<Value = (usize, Vec<(usize, u32)>, Vec<TradeSpec>)> {
    (2usize..6).prop_flat_map(|agents| {
        let shifts = prop::collection::vec((0usize..6, 0u32..160), 0..14);
        let trades = prop::collection::vec((0usize..16, prop::option::of(0usize..16), 0u8..8, 0u8..5, 0u8..8), 0..12);
        (Just(agents), shifts, trades)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn trades_preserve_the_set_of_shifts((agents, shifts, trades) in strategy()) {
        let s = read(&week(agents, &shifts, &trades));
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
        // Applied, already applied and failed trades are exactly the approved ones; only applied trades appear in
        // provenance.
        let approved = s.trades.iter().filter(|t| t.state == TradeState::Approved).count();
        prop_assert_eq!(r.applied.len() + r.already_applied.len() + r.failed.len(), approved);
        for m in r.moves.iter().flatten() {
            prop_assert!(r.applied.contains(&m.trade_ix));
        }
    }

    /// The weekly job re-run after a publish: the draft is the roster after trades, the trades are the same.
    #[test]
    fn applying_trades_to_their_own_result_moves_nothing((agents, shifts, trades) in strategy()) {
        let doc = week(agents, &shifts, &trades);
        let s = read(&doc);
        let r = apply_trades(&s);
        // The published result: every shift with its owner after trades, in the same document order.
        let owners: Vec<usize> = (0..shifts.len())
            .map(|i| {
                let ix = s.shift_ix(&format!("s-{i}")).unwrap();
                r.owner[ix.get()].get()
            })
            .collect();
        let again = read(&document(agents, &shifts, &owners, doc["shiftTrades"].as_array().unwrap().clone()));
        let r2 = apply_trades(&again);

        prop_assert!(r2.applied.is_empty(), "moved again: {:?}", trade_ids(&again, r2.applied.iter().copied()));
        prop_assert!(r2.moves.iter().all(Vec::is_empty));
        prop_assert_eq!(holders(&again, &r2), holders(&s, &r));
        let before = trade_ids(&s, r.applied.iter().chain(&r.already_applied).copied());
        let now = trade_ids(&again, r2.already_applied.iter().copied());
        prop_assert!(before.is_subset(&now), "applied before {:?}, already applied now {:?}", before, now);
        let failed_before = trade_ids(&s, r.failed.iter().map(|f| f.trade_ix));
        let failed_now = trade_ids(&again, r2.failed.iter().map(|f| f.trade_ix));
        prop_assert!(failed_now.is_subset(&failed_before), "failed before {:?}, now {:?}", failed_before, failed_now);
    }
}
