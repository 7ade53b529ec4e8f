//! Applying approved shift trades to the draft, with provenance on every moved shift.
//!
//! Trades are judged one at a time in (reviewedDate, id) order against the ownership that earlier trades left, so
//! a shift traded twice is fine as long as each trade finds it where it says. A trade that does not hold moves
//! nothing and is reported as a [`TradeFailure`]; the checker turns those into `core.trade.integrity` findings.

use chrono::{DateTime, Utc};

use crate::id::{AgentId, AgentIx, ShiftId, ShiftIx, TradeId};
use crate::snapshot::{Snapshot, TradeState};
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
    let mut owner: Vec<AgentIx> = snapshot.shifts.iter().map(|s| s.owner).collect();
    let mut moves: Vec<Vec<Move>> = vec![Vec::new(); snapshot.shifts.len()];
    let mut applied = Vec::new();
    let mut failed = Vec::new();

    for ix in approved_in_order(snapshot) {
        if excluded.contains(&ix) {
            continue;
        }
        let trade = &snapshot.trades[ix];
        let mut problems = Vec::new();
        let initiator = resolve_agent(snapshot, Side::Initiating, Some(&trade.initiating_user), &mut problems);
        let receiver = resolve_agent(snapshot, Side::Receiving, trade.receiving_user.as_ref(), &mut problems);
        let give = check_shift(
            snapshot,
            &owner,
            Side::Initiating,
            &trade.initiating_shift,
            &trade.initiating_user,
            trade.initiating_shift_times,
            &mut problems,
        );
        let take = match (&trade.receiving_shift, &trade.receiving_user) {
            (Some(shift), Some(user)) => {
                check_shift(snapshot, &owner, Side::Receiving, shift, user, trade.receiving_shift_times, &mut problems)
            }
            _ => None,
        };
        if trade.receiving_shift.as_ref() == Some(&trade.initiating_shift)
            || trade.receiving_user.as_ref() == Some(&trade.initiating_user)
        {
            problems.push(TradeProblem::SelfTrade);
        }
        let (Some(initiator), Some(receiver), Some(give), true) = (initiator, receiver, give, problems.is_empty())
        else {
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
    Roster { owner, moves, by_agent, applied, failed }
}

/// Applies every approved trade of the snapshot.
pub fn apply_trades(snapshot: &Snapshot) -> Roster {
    apply_trades_excluding(snapshot, &[])
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
