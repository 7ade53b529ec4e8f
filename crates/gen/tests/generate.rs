//! Generated snapshots as their users meet them: valid, deterministic, realistic, clean unless told otherwise.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use proptest::prelude::*;
use shiftgate_gen::{generate, generate_json, generate_labeled, GenOptions};
use shiftgate_model::{apply_trades, Category, Snapshot, TradeState};

fn opts(agents: usize, seed: u64) -> GenOptions {
    GenOptions { agents, seed, ..GenOptions::default() }
}

fn parse(bytes: &[u8]) -> Snapshot {
    match Snapshot::from_json(bytes) {
        Ok(s) => s,
        Err(e) => panic!("generated snapshot does not validate: {e}"),
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_seed_and_size_validates(
        seed in any::<u64>(),
        agents in 0usize..40,
        weeks in 0u32..3,
        problems in any::<bool>(),
        week in prop::sample::select(vec!["2026-11-29", "2026-11-01", "2026-03-08", "2027-03-14", "2026-06-03"]),
        zone in prop::sample::select(vec!["America/Chicago", "Europe/Berlin", "Australia/Lord_Howe", "UTC"]),
    ) {
        let o = GenOptions { agents, seed, weeks, week_date: date(week), time_zone: zone.into(), problems };
        let bytes = generate_json(&o);
        let s = parse(&bytes);
        prop_assert_eq!(s.agents.len(), agents);
        prop_assert_eq!(s.schedule.week_date, date(week));
        if !problems {
            let found = common::findings(&s);
            prop_assert!(found.is_empty(), "clean snapshot has findings: {:?}", found);
        }
    }
}

#[test]
fn the_same_options_give_the_same_bytes_and_another_seed_does_not() {
    let a = generate_json(&opts(300, 5));
    assert_eq!(a, generate_json(&opts(300, 5)));
    assert_ne!(a, generate_json(&opts(300, 6)));
}

#[test]
fn streaming_json_matches_the_wire_document() {
    for o in [opts(0, 1), opts(120, 2), GenOptions { weeks: 0, problems: false, ..opts(40, 3) }] {
        assert_eq!(generate_json(&o), serde_json::to_vec(&generate(&o)).unwrap(), "{o:?}");
    }
}

#[test]
fn a_large_roster_validates_and_injected_problems_are_exactly_the_findings() {
    let o = opts(2000, 42);
    let labeled = generate_labeled(&o);
    let bytes = serde_json::to_vec(&labeled.snapshot).unwrap();
    let s = parse(&bytes);
    let found = common::findings(&s);
    let victims: BTreeSet<&str> = labeled.injected.iter().map(|i| i.agent.as_str()).collect();
    for i in &labeled.injected {
        assert!(found.contains(&(i.rule.to_string(), i.agent.clone())), "missing {i:?}");
    }
    for (rule, agent) in &found {
        assert!(victims.contains(agent.as_str()), "{rule} on {agent}, who has no injected problem");
    }
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &labeled.injected {
        *per_rule.entry(i.rule).or_default() += 1;
    }
    assert_eq!(per_rule.len(), 8, "{per_rule:?}");
    // About 1.5% of 2,000 agents per kind.
    assert!(per_rule.values().all(|&n| (20..=30).contains(&n)), "{per_rule:?}");
    // Size realism: a few KB per agent, as the design's 40 MB for 10,000 agents.
    let per_agent = bytes.len() / 2000;
    assert!((3000..7000).contains(&per_agent), "{per_agent} bytes per agent");
}

#[test]
fn weeks_look_like_a_contact_center() {
    let s = parse(&generate_json(&GenOptions { problems: false, ..opts(1000, 9) }));
    assert_eq!(common::findings(&s), BTreeSet::new());
    let r = apply_trades(&s);
    let zone = s.zone();
    assert_eq!(zone.format_instant(s.as_of.unwrap()), "Sun Nov 22 18:00 CST");
    let mut overnight = 0;
    for sh in &s.shifts {
        let start = zone.local_minute_of_day(sh.interval.start);
        assert_eq!(start % 15, 0, "local start off the quarter hour");
        assert!((480..=600).contains(&sh.interval.minutes()) || sh.interval.minutes() < 480);
        if zone.local_date(sh.interval.end) != zone.local_date(sh.interval.start) {
            overnight += 1;
        }
        let meals: Vec<_> = sh.activities.iter().filter(|a| a.category == Category::Meal).collect();
        let breaks = sh.activities.iter().filter(|a| a.category == Category::Break).count();
        if sh.activities.iter().all(|a| a.category != Category::TimeOff) {
            assert_eq!((meals.len(), breaks), (1, 2));
            assert!(!meals[0].paid && meals[0].interval.minutes() == 30);
        }
    }
    assert!(overnight > 50, "{overnight} overnight shifts");
    let per_agent: Vec<usize> = (0..s.agents.len()).map(|a| r.by_agent[a].len()).collect();
    assert!(per_agent.iter().all(|&n| (2..=6).contains(&n)), "{per_agent:?}");
    let approved = s.trades.iter().filter(|t| t.state == TradeState::Approved).count();
    assert!(approved >= 10 && r.failed.is_empty(), "{approved} approved trades, {} failed", r.failed.len());
    assert!(s.trades.iter().any(|t| t.state == TradeState::Approved && t.receiving_shift.is_none()));
    let statuses: BTreeSet<_> = s.time_off.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    assert!((60..=100).contains(&s.time_off.len()));
    assert!(s.agents.iter().any(|a| a.tags.iter().any(|t| t == "chicago-fww")));
    assert!(s.agents.iter().any(|a| a.tags.iter().any(|t| t == "part-time")));
    assert!(s.agents.iter().filter_map(|a| a.management_unit_id.as_deref()).collect::<BTreeSet<_>>().len() > 1);
}

#[test]
fn local_start_times_hold_across_dst_weeks() {
    // Fall back on Sunday 2026-11-01 and spring forward on Sunday 2026-03-08: each agent keeps its local start
    // times (within its half-hour variation) although the UTC offset changes inside the week.
    for week in ["2026-11-01", "2026-03-08"] {
        let o = GenOptions { week_date: date(week), problems: false, ..opts(300, 11) };
        let s = parse(&generate_json(&o));
        let zone = s.zone();
        let mut by_agent: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        let mut offsets = BTreeSet::new();
        for sh in s.shifts.iter().chain(&s.history) {
            by_agent.entry(sh.owner.get()).or_default().push(zone.local_minute_of_day(sh.interval.start));
            offsets.insert(zone.offset_minutes(sh.interval.start));
        }
        assert_eq!(offsets.len(), 2, "{week}: the week should straddle a transition");
        for (agent, starts) in by_agent {
            let spread = starts.iter().max().unwrap() - starts.iter().min().unwrap();
            assert!(spread <= 60, "{week}: agent {agent} local starts spread {spread} min: {starts:?}");
        }
    }
}

#[test]
fn odd_options_give_a_document_never_a_panic() {
    // An unknown zone is written as given, so validation names it.
    let o = GenOptions { time_zone: "Mars/Olympus_Mons".into(), ..opts(5, 1) };
    let err = Snapshot::from_json(&generate_json(&o)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("businessUnit.timeZone"), "{err}");
    // A Wednesday week start is fine: the business unit's week then starts on Wednesday.
    let wed = parse(&generate_json(&GenOptions { week_date: date("2026-12-02"), ..opts(20, 2) }));
    assert_eq!(wed.business_unit.start_day_of_week, chrono::Weekday::Wed);
    // Dates at the ends of the calendar are clamped to years where instants exist.
    for week_date in [NaiveDate::MIN, NaiveDate::MAX] {
        let s = parse(&generate_json(&GenOptions { week_date, weeks: 2, ..opts(3, 3) }));
        assert!((1900..=9000).contains(&chrono::Datelike::year(&s.schedule.week_date)));
    }
}
