//! The dry-run diff: which shifts a publish would move, per agent, in words a supervisor reads.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shiftgate_model::{Roster, Snapshot};

/// What a publish would change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDiff {
    /// The schedule goes from unpublished to published.
    pub publishes: bool,
    /// Every shift that changes owner, in (start, shift id) order.
    pub moves: Vec<ShiftMove>,
    /// The same changes per agent, by agent id.
    pub agents: Vec<AgentDiff>,
}

/// A shift that changes owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftMove {
    /// The shift.
    pub shift_id: String,
    /// Its owner in the fetched draft.
    pub from: String,
    /// Its owner after trades.
    pub to: String,
    /// The trades that moved it, in order.
    pub trade_ids: Vec<String>,
    /// Shift start (UTC).
    pub start: DateTime<Utc>,
    /// Shift end (UTC).
    pub end: DateTime<Utc>,
    /// The shift's times in the business unit's zone, e.g. `Tue Dec 1 08:00-16:30 CST`.
    pub when: String,
}

/// One agent's changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDiff {
    /// The agent.
    pub agent_id: String,
    /// Shifts the agent gains (indexes into [`ScheduleDiff::moves`]).
    pub added: Vec<usize>,
    /// Shifts the agent loses (indexes into [`ScheduleDiff::moves`]).
    pub removed: Vec<usize>,
}

impl ScheduleDiff {
    /// The diff between the fetched draft and the roster after trades.
    pub fn between(snapshot: &Snapshot, roster: &Roster) -> ScheduleDiff {
        let zone = snapshot.zone();
        let mut moves: Vec<ShiftMove> = snapshot
            .shifts
            .iter()
            .enumerate()
            .filter_map(|(ix, s)| {
                let to = *roster.owner.get(ix)?;
                (to != s.owner).then(|| ShiftMove {
                    shift_id: s.id.as_str().to_string(),
                    from: snapshot.agent(s.owner).id.as_str().to_string(),
                    to: snapshot.agent(to).id.as_str().to_string(),
                    trade_ids: roster.moves[ix].iter().map(|m| m.trade.as_str().to_string()).collect(),
                    start: s.interval.start,
                    end: s.interval.end,
                    when: zone.format_interval(&s.interval),
                })
            })
            .collect();
        moves.sort_by(|a, b| (a.start, &a.shift_id).cmp(&(b.start, &b.shift_id)));
        let mut agents: Vec<AgentDiff> = Vec::new();
        for (i, m) in moves.iter().enumerate() {
            for (agent, gains) in [(&m.from, false), (&m.to, true)] {
                let pos = match agents.iter().position(|a| &a.agent_id == agent) {
                    Some(p) => p,
                    None => {
                        agents.push(AgentDiff { agent_id: agent.clone(), added: vec![], removed: vec![] });
                        agents.len() - 1
                    }
                };
                if gains {
                    agents[pos].added.push(i);
                } else {
                    agents[pos].removed.push(i);
                }
            }
        }
        agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        ScheduleDiff { publishes: !snapshot.schedule.published, moves, agents }
    }

    /// Whether publishing would change nothing at all.
    pub fn is_empty(&self) -> bool {
        !self.publishes && self.moves.is_empty()
    }

    /// One line per agent change, e.g. `a-100: - s-1 Tue Dec 1 08:00-16:30 CST (to a-200, trade tr-4)`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.agents {
            for &i in &a.removed {
                let m = &self.moves[i];
                out.push(format!(
                    "{}: - {} {} (to {}, trade {})",
                    a.agent_id,
                    m.shift_id,
                    m.when,
                    m.to,
                    m.trade_ids.join(", ")
                ));
            }
            for &i in &a.added {
                let m = &self.moves[i];
                out.push(format!(
                    "{}: + {} {} (from {}, trade {})",
                    a.agent_id,
                    m.shift_id,
                    m.when,
                    m.from,
                    m.trade_ids.join(", ")
                ));
            }
        }
        if self.publishes {
            out.push("schedule: unpublished -> published".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use shiftgate_model::{apply_trades, apply_trades_excluding};

    #[test]
    fn a_swap_reads_as_two_moves() {
        let doc = testdata::example_document();
        let snapshot = testdata::snapshot_of(&doc);
        let diff = ScheduleDiff::between(&snapshot, &apply_trades(&snapshot));
        assert_eq!(
            diff.lines(),
            [
                "a-100: - s-1 Tue Dec 1 08:00-16:30 CST (to a-200, trade tr-4)",
                "a-100: + s-9 Wed Dec 2 08:00-16:30 CST (from a-200, trade tr-4)",
                "a-200: - s-9 Wed Dec 2 08:00-16:30 CST (to a-100, trade tr-4)",
                "a-200: + s-1 Tue Dec 1 08:00-16:30 CST (from a-100, trade tr-4)",
                "schedule: unpublished -> published",
            ]
        );
        let none = ScheduleDiff::between(&snapshot, &apply_trades_excluding(&snapshot, &[0]));
        assert!(none.moves.is_empty() && none.publishes && !none.is_empty());
    }
}
