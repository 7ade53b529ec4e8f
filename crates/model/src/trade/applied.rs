//! Which approved trades the draft already reflects, decided once for the whole draft before anything moves (the
//! rule is in the parent module's documentation).

use std::collections::{HashMap, HashSet};

use super::{judge, Parties, Side, TradeProblem};
use crate::id::{AgentIx, ShiftIx};
use crate::snapshot::{ShiftTrade, Snapshot};

/// The trades of one application order that the draft already reflects.
pub(super) struct Reflected {
    /// By position in the order.
    applied: Vec<bool>,
    /// For each shift an already-applied trade names: the last such trade, as (position, index in the snapshot).
    last_applied: HashMap<ShiftIx, (usize, usize)>,
}

impl Reflected {
    /// Looks at the trades of `order` (indexes into the snapshot's trades, in application order) against the
    /// draft's owners.
    pub(super) fn find(snapshot: &Snapshot, order: &[usize], draft: &[AgentIx]) -> Reflected {
        // Only a trade whose users and shifts resolve, at its recorded times, can be already applied; who holds
        // what is what this decides, so ownership problems do not count here.
        let parties: Vec<Option<Parties>> = order
            .iter()
            .map(|&ix| {
                let (parties, problems) = judge(snapshot, draft, &snapshot.trades[ix]);
                parties.filter(|_| problems.iter().all(|p| matches!(p, TradeProblem::WrongOwner { .. })))
            })
            .collect();
        // Each shift's hops in order: (position, from, to).
        let mut chains: HashMap<ShiftIx, Vec<(usize, AgentIx, AgentIx)>> = HashMap::new();
        for (pos, p) in parties.iter().enumerate() {
            for (_, shift, from, to) in p.iter().flat_map(|p| p.hops()) {
                chains.entry(shift).or_default().push((pos, from, to));
            }
        }
        // A hop is reflected when its new owner is where the shift sits in the draft, or the first owner of a chain
        // of later hops that ends there. Walking a chain backwards, `ends_in_draft` holds every such owner.
        let mut reflected_hops = vec![0usize; order.len()];
        for (shift, chain) in &chains {
            let mut ends_in_draft: HashSet<AgentIx> = HashSet::from([draft[shift.get()]]);
            for &(pos, from, to) in chain.iter().rev() {
                if ends_in_draft.contains(&to) {
                    reflected_hops[pos] += 1;
                    ends_in_draft.insert(from);
                }
            }
        }
        let applied: Vec<bool> =
            parties.iter().zip(&reflected_hops).map(|(p, &n)| p.is_some_and(|p| p.hops().count() == n)).collect();
        let mut last_applied = HashMap::new();
        for (pos, p) in parties.iter().enumerate().filter(|&(pos, _)| applied[pos]) {
            for (_, shift, _, _) in p.iter().flat_map(|p| p.hops()) {
                last_applied.insert(shift, (pos, order[pos]));
            }
        }
        Reflected { applied, last_applied }
    }

    /// Whether the trade at this position of the order is already applied.
    pub(super) fn is_applied(&self, pos: usize) -> bool {
        self.applied[pos]
    }

    /// For a trade that could otherwise apply: each of its shifts that an already-applied trade later in the order
    /// names.
    pub(super) fn superseded(&self, snapshot: &Snapshot, pos: usize, trade: &ShiftTrade) -> Vec<TradeProblem> {
        let sides =
            [(Side::Initiating, Some(&trade.initiating_shift)), (Side::Receiving, trade.receiving_shift.as_ref())];
        sides
            .into_iter()
            .filter_map(|(side, shift)| {
                let shift = shift?;
                let &(later, by) = self.last_applied.get(&snapshot.shift_ix(shift.as_str())?)?;
                (later > pos).then(|| TradeProblem::Superseded {
                    side,
                    shift: shift.clone(),
                    by: snapshot.trades[by].id.clone(),
                })
            })
            .collect()
    }
}
