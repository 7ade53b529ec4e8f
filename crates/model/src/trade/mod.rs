//! Applying approved shift trades to the draft, with provenance on every moved shift.
//!
//! Trades are judged one at a time in (reviewedDate, id) order against the ownership that earlier trades left, so
//! a shift traded twice is fine as long as each trade finds it where it says. A trade that does not hold moves
//! nothing and is reported as a [`TradeFailure`]; the checker turns those into `core.trade.integrity` findings.
//!
//! # Trades the draft already reflects
//!
//! Approved trades stay Approved after a publish, so the next run of the weekly job meets them again in a draft
//! that already has their effect. Such a trade is *already applied*: nothing moves, it is no integrity problem, and
//! it is listed in [`Roster::already_applied`]. The rule, decided once for the whole draft before anything moves:
//!
//! - A trade is already applied when everything it names exists (its users, its shifts, at the times it records
//!   where it records them; no self-trade) and each of its shifts sits in the draft with the user the trade gives
//!   it to: the initiating shift with the receiving user and, for a swap, the receiving shift with the initiating
//!   user. A one-way pick-up has one shift to look at.
//! - A shift traded on by later approved trades counts as sitting with its new owner when the draft has it where
//!   that chain of later trades takes it (each moving it from the previous one's new owner). So after a publish of
//!   tr-1 (s-1 from a-1 to a-2) and tr-2 (s-1 from a-2 to a-3), a draft with s-1 at a-3 has both already applied,
//!   and a draft with s-1 at a-2 has tr-1 already applied and tr-2 still to apply.
//! - Partial states are integrity problems, never "already applied": a swap with one shift moved and the other not
//!   ([`TradeProblem::PartlyApplied`]); a shift sitting with neither the user the trade takes it from nor the one
//!   it gives it to ([`TradeProblem::WrongOwner`]); and a trade whose shift an approved trade later in the order
//!   already moved in the draft ([`TradeProblem::Superseded`]): applying the earlier one now would undo the later.
//! - Everything else is judged as before, against the draft plus the trades applied so far in this run. A trade
//!   already applied is never judged against a shift this run moved.
//!
//! The rule looks only at the draft, so two approved trades with the same effect (two pick-ups of one shift by one
//! agent), or two that cancel out, are both already applied once the draft has the outcome: applying them would
//! leave it as it is. And applying the trades to their own result moves nothing: every trade that applied is then
//! already applied, and no trade fails that did not fail before.

mod applied;

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::id::{AgentId, AgentIx, ShiftId, ShiftIx, TradeId};
use crate::snapshot::{ShiftTrade, Snapshot, TradeState};
use crate::time::Interval;

/// One hop of a shift from one agent to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// The trade that moved it.
    pub trade: TradeId,
    /// Index of the trade in [`Snapshot::trades`].
    pub trade_ix: usize,
    /// Who held the shift before.
    pub from: AgentIx,
    /// Who holds it after.
    pub to: AgentIx,
    /// When the trade was approved.
    pub reviewed: DateTime<Utc>,
}

/// Which side of a trade a problem concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The initiating user's shift.
    Initiating,
    /// The receiving user's shift.
    Receiving,
}

impl Side {
    /// `initiating` or `receiving`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Initiating => "initiating",
            Side::Receiving => "receiving",
        }
    }
}

/// Why an approved trade could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TradeProblem {
    /// A user named by the trade is not an agent of the snapshot.
    UnknownAgent {
        /// Which user.
        side: Side,
        /// The id as written.
        agent: AgentId,
    },
    /// A shift named by the trade is not in the draft.
    UnknownShift {
        /// Which shift.
        side: Side,
        /// The id as written.
        shift: ShiftId,
    },
    /// The shift exists but, at this point of trade application, belongs to someone else.
    WrongOwner {
        /// Which shift.
        side: Side,
        /// The shift.
        shift: ShiftId,
        /// Who the trade says holds it.
        expected: AgentId,
        /// Who actually holds it.
        actual: AgentId,
    },
    /// The shift's times differ from the times recorded on the trade.
    TimesChanged {
        /// Which shift.
        side: Side,
        /// The shift.
        shift: ShiftId,
        /// Times on the trade.
        expected: Interval,
        /// Times in the draft.
        actual: Interval,
    },
    /// Both sides name the same shift, or the same user.
    SelfTrade,
    /// Half of a swap is in the draft: one shift already sits with its new owner, the other still with its old one.
    PartlyApplied {
        /// The side whose shift already moved.
        moved: Side,
        /// That shift.
        shift: ShiftId,
        /// Who holds it: the user the trade gives it to.
        holder: AgentId,
        /// The other shift, not moved.
        other: ShiftId,
        /// Who holds the other shift: the user the trade takes it from.
        other_holder: AgentId,
    },
    /// An approved trade later in the order moves the same shift, and the draft already reflects that one.
    Superseded {
        /// Which shift.
        side: Side,
        /// The shift.
        shift: ShiftId,
        /// The later trade, already applied.
        by: TradeId,
    },
}

/// An approved trade that was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeFailure {
    /// Index in [`Snapshot::trades`].
    pub trade_ix: usize,
    /// Everything that was wrong with it.
    pub problems: Vec<TradeProblem>,
}

/// The draft after trades: who holds each shift and how it got there.
#[derive(Clone, Debug)]
pub struct Roster {
    /// Current owner of each draft shift, indexed like [`Snapshot::shifts`].
    pub owner: Vec<AgentIx>,
    /// Moves of each shift in application order (empty when the shift never moved).
    pub moves: Vec<Vec<Move>>,
    /// Each agent's shifts after trades, sorted by (start, end, id).
    pub by_agent: Vec<Vec<ShiftIx>>,
    /// Indexes of the approved trades that were applied, in application order.
    pub applied: Vec<usize>,
    /// Indexes of the approved trades the draft already reflects, in application order: they moved nothing and
    /// are no integrity problem (see the module documentation).
    pub already_applied: Vec<usize>,
    /// Approved trades that were not applied.
    pub failed: Vec<TradeFailure>,
}

impl Roster {
    /// The shifts an agent holds after trades.
    pub fn shifts_of(&self, agent: AgentIx) -> &[ShiftIx] {
        &self.by_agent[agent.get()]
    }
}

/// The order trades are applied in: approved only, by (reviewedDate, id).
pub fn approved_in_order(snapshot: &Snapshot) -> Vec<usize> {
    let mut order: Vec<usize> =
        (0..snapshot.trades.len()).filter(|&i| snapshot.trades[i].state == TradeState::Approved).collect();
    order.sort_by(|&a, &b| {
        let (ta, tb) = (&snapshot.trades[a], &snapshot.trades[b]);
        (ta.reviewed, ta.id.as_str()).cmp(&(tb.reviewed, tb.id.as_str()))
    });
    order
}

/// Applies every approved trade of the snapshot, skipping those listed in `excluded` (indexes into
/// [`Snapshot::trades`]; the publisher uses this to drop trades behind blocking findings).
pub fn apply_trades_excluding(snapshot: &Snapshot, excluded: &[usize]) -> Roster {
    let excluded: HashSet<usize> = excluded.iter().copied().collect();
    let order: Vec<usize> = approved_in_order(snapshot).into_iter().filter(|ix| !excluded.contains(ix)).collect();
    let draft: Vec<AgentIx> = snapshot.shifts.iter().map(|s| s.owner).collect();
    let reflected = applied::Reflected::find(snapshot, &order, &draft);

    let mut owner = draft;
    let mut moves: Vec<Vec<Move>> = vec![Vec::new(); snapshot.shifts.len()];
    let (mut applied, mut already_applied, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for (pos, &ix) in order.iter().enumerate() {
        if reflected.is_applied(pos) {
            already_applied.push(ix);
            continue;
        }
        let trade = &snapshot.trades[ix];
        let (parties, mut problems) = judge(snapshot, &owner, trade);
        if let Some(p) = partly_applied(snapshot, trade, &problems, &moves) {
            problems = vec![p];
        }
        if problems.is_empty() {
            problems = reflected.superseded(snapshot, pos, trade);
        }
        let Some(Parties { initiator, receiver, give, take }) = parties.filter(|_| problems.is_empty()) else {
            failed.push(TradeFailure { trade_ix: ix, problems });
            continue;
        };
        // reviewedDate is required for approved trades by validation.
        let reviewed = trade.reviewed.unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut hop = |shift: ShiftIx, from: AgentIx, to: AgentIx| {
            owner[shift.get()] = to;
            moves[shift.get()].push(Move { trade: trade.id.clone(), trade_ix: ix, from, to, reviewed });
        };
        hop(give, initiator, receiver);
        if let Some(take) = take {
            hop(take, receiver, initiator);
        }
        applied.push(ix);
    }

    let mut by_agent: Vec<Vec<ShiftIx>> = vec![Vec::new(); snapshot.agents.len()];
    for (i, o) in owner.iter().enumerate() {
        by_agent[o.get()].push(ShiftIx(i as u32));
    }
    for list in &mut by_agent {
        list.sort_by(|a, b| {
            let (sa, sb) = (snapshot.shift(*a), snapshot.shift(*b));
            (sa.interval, sa.id.as_str()).cmp(&(sb.interval, sb.id.as_str()))
        });
    }
    Roster { owner, moves, by_agent, applied, already_applied, failed }
}

/// Applies every approved trade of the snapshot.
pub fn apply_trades(snapshot: &Snapshot) -> Roster {
    apply_trades_excluding(snapshot, &[])
}

/// A trade's users and shifts, resolved.
#[derive(Clone, Copy)]
struct Parties {
    initiator: AgentIx,
    receiver: AgentIx,
    /// The initiating shift.
    give: ShiftIx,
    /// The receiving shift of a swap.
    take: Option<ShiftIx>,
}

impl Parties {
    /// Each shift of the trade with who holds it before and after: (side, shift, from, to).
    fn hops(self) -> impl Iterator<Item = (Side, ShiftIx, AgentIx, AgentIx)> {
        let give = (Side::Initiating, self.give, self.initiator, self.receiver);
        let take = self.take.map(|t| (Side::Receiving, t, self.receiver, self.initiator));
        std::iter::once(give).chain(take)
    }
}

/// Resolves a trade and lists what keeps it from applying given who holds each shift (`owner`). The parties are
/// `None` when a user or shift does not resolve.
fn judge(snapshot: &Snapshot, owner: &[AgentIx], trade: &ShiftTrade) -> (Option<Parties>, Vec<TradeProblem>) {
    let mut problems = Vec::new();
    let initiator = resolve_agent(snapshot, Side::Initiating, Some(&trade.initiating_user), &mut problems);
    let receiver = resolve_agent(snapshot, Side::Receiving, trade.receiving_user.as_ref(), &mut problems);
    let give = check_shift(
        snapshot,
        owner,
        Side::Initiating,
        &trade.initiating_shift,
        &trade.initiating_user,
        trade.initiating_shift_times,
        &mut problems,
    );
    let take = match (&trade.receiving_shift, &trade.receiving_user) {
        (Some(shift), Some(user)) => {
            Some(check_shift(snapshot, owner, Side::Receiving, shift, user, trade.receiving_shift_times, &mut problems))
        }
        _ => None,
    };
    if trade.receiving_shift.as_ref() == Some(&trade.initiating_shift)
        || trade.receiving_user.as_ref() == Some(&trade.initiating_user)
    {
        problems.push(TradeProblem::SelfTrade);
    }
    let parties = match (initiator, receiver, give, take) {
        (Some(initiator), Some(receiver), Some(give), None) => Some(Parties { initiator, receiver, give, take: None }),
        (Some(initiator), Some(receiver), Some(give), Some(Some(take))) => {
            Some(Parties { initiator, receiver, give, take: Some(take) })
        }
        _ => None,
    };
    (parties, problems)
}

/// Half of a swap in the draft: the only problem is that one shift already sits in the draft (not moved by this
/// run) with the user the trade gives it to, while the other still sits where the trade takes it from.
fn partly_applied(
    snapshot: &Snapshot,
    trade: &ShiftTrade,
    problems: &[TradeProblem],
    moves: &[Vec<Move>],
) -> Option<TradeProblem> {
    let [TradeProblem::WrongOwner { side, shift, actual, .. }] = problems else { return None };
    if snapshot.shift_ix(shift.as_str()).is_none_or(|ix| !moves[ix.get()].is_empty()) {
        return None;
    }
    let (other, other_holder, new_owner) = match side {
        Side::Initiating => {
            (trade.receiving_shift.clone()?, trade.receiving_user.clone()?, trade.receiving_user.as_ref()?)
        }
        Side::Receiving => (trade.initiating_shift.clone(), trade.initiating_user.clone(), &trade.initiating_user),
    };
    (actual == new_owner).then(|| TradeProblem::PartlyApplied {
        moved: *side,
        shift: shift.clone(),
        holder: actual.clone(),
        other,
        other_holder,
    })
}

fn resolve_agent(
    snapshot: &Snapshot,
    side: Side,
    id: Option<&AgentId>,
    problems: &mut Vec<TradeProblem>,
) -> Option<AgentIx> {
    let id = id?;
    let ix = snapshot.agent_ix(id.as_str());
    if ix.is_none() {
        problems.push(TradeProblem::UnknownAgent { side, agent: id.clone() });
    }
    ix
}

fn check_shift(
    snapshot: &Snapshot,
    owner: &[AgentIx],
    side: Side,
    shift: &ShiftId,
    user: &AgentId,
    times: Option<Interval>,
    problems: &mut Vec<TradeProblem>,
) -> Option<ShiftIx> {
    let Some(ix) = snapshot.shift_ix(shift.as_str()) else {
        problems.push(TradeProblem::UnknownShift { side, shift: shift.clone() });
        return None;
    };
    let holder = &snapshot.agent(owner[ix.get()]).id;
    if holder != user {
        problems.push(TradeProblem::WrongOwner {
            side,
            shift: shift.clone(),
            expected: user.clone(),
            actual: holder.clone(),
        });
    }
    let actual = snapshot.shift(ix).interval;
    if let Some(expected) = times {
        if expected != actual {
            problems.push(TradeProblem::TimesChanged { side, shift: shift.clone(), expected, actual });
        }
    }
    Some(ix)
}
