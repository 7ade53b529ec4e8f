//! Script API for two kinds of agent lists: the bounded overlap lists (each item's `more`, and `fmt_count` to print
//! it) and the approved trades the draft already reflects (`agent.already_applied_trades()`, and a shift's
//! `applied_trade_ids`). Documented for analysts in `rules/README.md`.

use rhai::{Array, Dynamic, Engine, ImmutableString};

use crate::handles::{
    epoch_minutes, list, text, ActivityIssueHandle, AgentHandle, AppliedTradeHandle, ConflictHandle, OverlapHandle,
    RequestOverlapHandle, ShiftHandle, Spanned,
};
use crate::timeline::ShiftSource;

pub(crate) fn register(e: &mut Engine) {
    // On the last item a list keeps, how many more the agent has (0 elsewhere): lists keep a bounded sample.
    e.register_get("more", |o: &mut OverlapHandle| o.f.overlaps[o.k].more as i64);
    e.register_get("more", |i: &mut ActivityIssueHandle| i.f.activity_issues[i.k].more as i64);
    e.register_get("more", |c: &mut ConflictHandle| c.f.conflicts[c.k].more as i64);
    e.register_get("more", |p: &mut RequestOverlapHandle| p.f.request_overlaps[p.k].more as i64);
    e.register_fn("fmt_count", fmt_count);

    e.register_type_with_name::<AppliedTradeHandle>("AppliedTrade");
    e.register_fn("already_applied_trades", |a: &mut AgentHandle| {
        list(a.0.already_applied.len(), |k| AppliedTradeHandle { f: a.0.clone(), k })
    });
    e.register_get("start", |t: &mut AppliedTradeHandle| epoch_minutes(t.span().start));
    e.register_get("end", |t: &mut AppliedTradeHandle| epoch_minutes(t.span().end));
    e.register_get("minutes", |t: &mut AppliedTradeHandle| t.span().minutes());
    e.register_get("when", |t: &mut AppliedTradeHandle| -> ImmutableString {
        t.f.world.zone.format_interval(&t.span()).into()
    });
    e.register_get("trade_id", |t: &mut AppliedTradeHandle| -> ImmutableString { t.trade().id.as_str().into() });
    e.register_get("initiating_user", |t: &mut AppliedTradeHandle| -> ImmutableString {
        t.trade().initiating_user.as_str().into()
    });
    e.register_get("receiving_user", |t: &mut AppliedTradeHandle| -> Dynamic {
        t.trade().receiving_user.as_ref().map_or(Dynamic::UNIT, |u| text(u.as_str()))
    });
    e.register_get("initiating_shift", |t: &mut AppliedTradeHandle| -> ImmutableString {
        t.trade().initiating_shift.as_str().into()
    });
    e.register_get("receiving_shift", |t: &mut AppliedTradeHandle| -> Dynamic {
        t.trade().receiving_shift.as_ref().map_or(Dynamic::UNIT, |s| text(s.as_str()))
    });
    // The already-applied trades that brought a shift where the draft has it (empty for history, and for shifts
    // no such trade names), in order: the counterpart of `trade_ids`, which lists this run's moves.
    e.register_get("applied_trade_ids", |s: &mut ShiftHandle| -> Array {
        match s.f.shifts[s.k].source {
            ShiftSource::Week(ix) => {
                let w = &s.f.world;
                w.arrived_by(ix).iter().map(|&t| text(w.snapshot.trades[t].id.as_str())).collect()
            }
            ShiftSource::History(_) => Array::new(),
        }
    });
}

/// `3997` -> `3,997`.
pub(crate) fn fmt_count(n: i64) -> ImmutableString {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    // Digits before the first comma: 1 to 3; then groups of three.
    let mut before_comma = (digits.len() + 2) % 3 + 1;
    for c in digits.chars() {
        if before_comma == 0 {
            out.push(',');
            before_comma = 3;
        }
        out.push(c);
        before_comma -= 1;
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::fmt_count;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases =
            [(0, "0"), (999, "999"), (1000, "1,000"), (3997, "3,997"), (127_992_000, "127,992,000"), (-4000, "-4,000")];
        for (n, want) in cases {
            assert_eq!(fmt_count(n).as_str(), want);
        }
    }
}
