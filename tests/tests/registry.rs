//! The rule registry against the platform's record: the rules that predict a refusal of the platform are
//! exactly the rules no waiver may name. The simulator's conflict kinds are its mirror of what Genesys refuses
//! (research/wfm-api.md §5); the match below is exhaustive, so a new kind does not compile until it is mapped.
//! The library-level registry checks (manifests, docs, fixtures, snapshots) are in
//! `crates/check/tests/registry.rs`; `rules test` for every pack is in `rules_tooling.rs`.

use std::collections::BTreeSet;

use shiftgate_check::{Config, Limits, RuleLibrary, RuleSet};
use shiftgate_sim::ConflictKind;

const KINDS: [ConflictKind; 5] = [
    ConflictKind::TimeOffOverlap,
    ConflictKind::ShiftOverlap,
    ConflictKind::ActivityOutsideShift,
    ConflictKind::ActivityOverlap,
    ConflictKind::UnknownAgent,
];

/// The rules whose findings predict a platform refusal of this kind.
fn predicting(kind: ConflictKind) -> &'static [&'static str] {
    match kind {
        ConflictKind::TimeOffOverlap => &["core.timeoff.approved-conflict", "core.timeoff.pending-conflict"],
        ConflictKind::ShiftOverlap => &["core.shift.overlap"],
        ConflictKind::ActivityOutsideShift | ConflictKind::ActivityOverlap => &["core.activity.within-shift"],
        // A schedule for someone who is not an agent is an input error of the snapshot, never a finding.
        ConflictKind::UnknownAgent => &[],
    }
}

/// §5's `TradeShiftMissing` (Genesys' ShiftDoesNotExist / ShiftTimesChanged trade violations), which the
/// simulator does not model: an approved trade whose shift is gone or changed.
const TRADE_SHIFT_MISSING: &str = "core.trade.integrity";

#[test]
fn the_rules_that_predict_a_platform_refusal_are_exactly_the_non_waivable_ones() {
    let library = RuleLibrary::embedded();
    let set = RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).unwrap();
    let mut enforced: BTreeSet<&str> = KINDS.iter().flat_map(|k| predicting(*k).iter().copied()).collect();
    enforced.insert(TRADE_SHIFT_MISSING);
    for id in &enforced {
        assert!(set.rules().iter().any(|r| r.id == *id), "{id} is not a rule");
    }
    let not_waivable: BTreeSet<&str> = set.rules().iter().filter(|r| !r.waivable).map(|r| r.id.as_str()).collect();
    assert_eq!(not_waivable, enforced);
}
