//! The bundled Chicago fixture: committed bytes equal what `chicago_week()` builds, and the document contains
//! exactly the story `fixtures/schedules/README.md` tells.
//!
//! After an intended change to the generator or the story, rewrite the file with
//! `SHIFTGATE_BLESS=1 cargo test -p shiftgate-gen --test chicago` and update the README.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use shiftgate_gen::{chicago_week, chicago_week_labeled, to_pretty_json};
use shiftgate_model::{apply_trades, Snapshot, TimeOffStatus, TradeState};

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/schedules/chicago-week.json")
}

#[test]
fn the_committed_fixture_is_what_chicago_week_builds() {
    let built = to_pretty_json(&chicago_week());
    let path = fixture_path();
    if std::env::var_os("SHIFTGATE_BLESS").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == built,
        "{} differs from chicago_week() ({} vs {} bytes); if the change is intended, run \
         SHIFTGATE_BLESS=1 cargo test -p shiftgate-gen --test chicago and update fixtures/schedules/README.md",
        path.display(),
        committed.len(),
        built.len()
    );
    assert!(built.len() < 2_000_000, "{} bytes", built.len());
}

#[test]
fn the_fixture_tells_exactly_its_story() {
    let labeled = chicago_week_labeled();
    let s = Snapshot::from_json(&serde_json::to_vec(&labeled.snapshot).unwrap()).unwrap();
    assert_eq!(s.zone().format_instant(s.as_of.unwrap()), "Sun Nov 22 18:00 CST");
    assert_eq!((s.schedule.id.as_str(), s.schedule.week_date.to_string()), ("sch-48", "2026-11-29".into()));
    assert_eq!(s.agents.len(), 200);

    let expected: BTreeSet<(String, String)> =
        labeled.injected.iter().map(|i| (i.rule.to_string(), i.agent.clone())).collect();
    let found = common::findings(&s);
    assert_eq!(found, expected, "\nfound:    {found:?}\nexpected: {expected:?}");

    let count = |rule: &str| expected.iter().filter(|(r, _)| r == rule).count();
    assert_eq!(count("core.timeoff.pending-conflict"), 4);
    assert_eq!(count("core.trade.integrity"), 2);
    for rule in [
        "core.shift.overlap",
        "core.activity.within-shift",
        "core.timeoff.approved-conflict",
        "core.timeoff.self-overlap",
        "core.timeoff.unreflected",
        "core.rest.min-between-shifts",
        "core.hours.weekly-paid",
        "core.days.max-consecutive",
        "core.shift.one-per-day",
        "core.shift.length",
    ] {
        assert_eq!(count(rule), 1, "{rule}");
    }
}

#[test]
fn the_incident_shift_is_tuesday_morning_and_near_misses_are_present() {
    let s = Snapshot::from_json(&serde_json::to_vec(&chicago_week()).unwrap()).unwrap();
    let r = apply_trades(&s);
    let zone = s.zone();
    let a47 = s.agent_ix("a-00047").unwrap();
    let moved: Vec<String> = r
        .shifts_of(a47)
        .iter()
        .filter(|&&ix| !r.moves[ix.get()].is_empty())
        .map(|&ix| zone.format_interval(&s.shift(ix).interval))
        .collect();
    assert_eq!(moved, ["Tue Dec 1 08:00-16:30 CST"]);
    assert_eq!(r.failed.len(), 2);
    let live_over_work = |status: TimeOffStatus| s.time_off.iter().filter(|t| t.status == status).count();
    assert!(live_over_work(TimeOffStatus::Denied) >= 1 && live_over_work(TimeOffStatus::Canceled) >= 1);
    assert!(s.trades.iter().any(|t| t.state == TradeState::Matched));
    assert!(s.trades.iter().filter(|t| t.state == TradeState::Approved).count() >= 8);
}
