//! Problems injected on purpose, at a small realistic rate, each on an agent that tells no other story, and each
//! recorded as an [`Injected`](crate::Injected) label naming the core rule that should fire.

use chrono::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{PERSONAL, VACATION};
use crate::fit::{longest_run, MIN_REST_MINUTES};
use crate::timeoff::{reviewed_after, submitted};
use crate::trades::{approve, find_swap};
use crate::world::{Band, GMarker, GRequest, GShift, World};

/// Agents per problem kind, in per mille (at least one agent per kind when the roster allows).
const PER_MILLE: usize = 15;
/// Bounded retries when a victim does not suit a kind.
const ATTEMPTS: usize = 20;

type Injector = fn(&mut World, &mut ChaCha8Rng);

pub(crate) fn inject(world: &mut World, rng: &mut ChaCha8Rng) {
    let count = ((world.agents.len() * PER_MILLE + 500) / 1000).max(1);
    let kinds: [Injector; 8] =
        [overlap, short_rest, over_hours, long_run, pending_trade, approved_conflict, outside_shift, long_shift];
    for kind in kinds {
        for _ in 0..count {
            kind(world, rng);
        }
    }
}

fn sort(world: &mut World, a: usize) {
    world.agents[a].shifts.sort_by_key(|s| s.start);
    world.agents[a].history.sort_by_key(|s| s.start);
}

/// A 4-hour extra shift starting an hour before another one ends (a double booking).
fn overlap(world: &mut World, rng: &mut ChaCha8Rng) {
    // The extra shift must still start inside the schedule week (a shift belongs to the week it starts in).
    let (_, week_end) = world.period();
    let fits = move |s: &GShift| s.end() - Duration::minutes(60) < week_end;
    let Some(a) = world.pick(rng, |g| g.shifts.iter().any(fits)) else { return };
    let g = &mut world.agents[a];
    g.busy = true;
    let candidates: Vec<usize> = (0..g.shifts.len()).filter(|&i| fits(&g.shifts[i])).collect();
    let i = candidates[rng.random_range(0..candidates.len())];
    let start = g.shifts[i].end() - Duration::minutes(60);
    let extra = g.new_shift(start, 240, rng.random(), false);
    let what = format!("shift {} starts 60 min before shift {} ends", g.shift_id(&extra), g.shift_id(&g.shifts[i]));
    g.shifts.push(extra);
    sort(world, a);
    world.label("core.shift.overlap", a, what);
}

/// A "clopening": one shift moved later so that 7 to 9 hours are left before the next day's shift.
fn short_rest(world: &mut World, rng: &mut ChaCha8Rng) {
    for _ in 0..ATTEMPTS {
        let Some(a) = world.pick(rng, |g| g.plan.band != Band::Night && g.shifts.len() >= 2) else { return };
        let g = &world.agents[a];
        let pairs: Vec<usize> = (0..g.shifts.len() - 1)
            .filter(|&i| {
                world.local_date(g.shifts[i].start).succ_opt() == Some(world.local_date(g.shifts[i + 1].start))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let i = pairs[rng.random_range(0..pairs.len())];
        let rest = 15 * rng.random_range(28..=36);
        let start = g.shifts[i + 1].start - Duration::minutes(rest + g.shifts[i].len);
        let same_day = world.local_date(start) == world.local_date(g.shifts[i].start);
        let clear_before = i == 0 || (start - g.shifts[i - 1].end()).num_minutes() >= MIN_REST_MINUTES;
        if !same_day || !clear_before {
            continue;
        }
        let g = &mut world.agents[a];
        g.busy = true;
        g.shifts[i].start = start;
        let what =
            format!("{rest} min between shift {} and shift {}", g.shift_id(&g.shifts[i]), g.shift_id(&g.shifts[i + 1]));
        world.label("core.rest.min-between-shifts", a, what);
        return;
    }
}

/// A full-timer scheduled on one of their days off as well (overtime).
fn over_hours(world: &mut World, rng: &mut ChaCha8Rng) {
    let Some(a) = world.pick(rng, |g| !g.plan.contract.part_time && g.plan.days != 0x7f) else { return };
    let plan = world.agents[a].plan;
    let off: Vec<i64> = (0..7).filter(|d| plan.days & (1 << d) == 0).collect();
    let start = world.at(off[rng.random_range(0..off.len())], plan.start);
    let g = &mut world.agents[a];
    g.busy = true;
    let extra = g.new_shift(start, plan.contract.len, rng.random(), false);
    g.shifts.push(extra);
    sort(world, a);
    let (p0, p1) = world.period();
    let g = &world.agents[a];
    let paid: i64 = g.shifts.iter().filter(|s| s.start >= p0 && s.start < p1).map(|s| s.paid_minutes()).sum();
    world.label("core.hours.weekly-paid", a, format!("{paid} paid minutes in the week"));
}

/// Days off moved in history so that work runs seven days or more into the schedule week.
fn long_run(world: &mut World, rng: &mut ChaCha8Rng) {
    if world.weeks == 0 {
        return;
    }
    let Some(a) = world.pick(rng, |g| g.plan.days & 1 != 0 && !g.shifts.is_empty()) else { return };
    let plan = world.agents[a].plan;
    let lead = (0..7).take_while(|d| plan.days & (1 << d) != 0).count() as i64;
    for back in 1..=(7 - lead) {
        let weekday = 7 - back;
        if plan.history_days & (1 << weekday) == 0 {
            let start = world.at(-back, plan.start);
            let g = &mut world.agents[a];
            let s = g.new_shift(start, plan.contract.len, rng.random(), true);
            g.history.push(s);
        }
    }
    world.agents[a].busy = true;
    sort(world, a);
    let g = &world.agents[a];
    let mut dates: Vec<_> = g.history.iter().chain(&g.shifts).map(|s| world.local_date(s.start)).collect();
    dates.dedup();
    let what = format!("{} consecutive work days, history included", longest_run(&dates));
    world.label("core.days.max-consecutive", a, what);
}

/// The incident: an approved trade hands a shift to an agent with a pending time-off request for that time.
fn pending_trade(world: &mut World, rng: &mut ChaCha8Rng) {
    let pickup = rng.random_bool(0.25);
    let Some(swap) = find_swap(world, rng, pickup) else { return };
    let t = approve(world, rng, swap);
    let (a, ia) = swap.initiating;
    let b = swap.receiving;
    let (start, len) = (world.agents[a].shifts[ia].start, world.agents[a].shifts[ia].len);
    let id = world.new_tor();
    let (dates, starts, daily) =
        if rng.random_bool(0.5) { (vec![world.local_date(start)], vec![], 480) } else { (vec![], vec![start], len) };
    // Submitted around the trade's approval, before or after it: neither side saw the other.
    let around = world.trades[t].reviewed.unwrap_or(world.as_of) - Duration::days(2);
    let submitted = (around + Duration::minutes(15 * rng.random_range(0..300))).min(world.as_of - Duration::hours(1));
    world.requests.push(GRequest {
        id,
        agent: b,
        status: "PENDING",
        dates,
        starts,
        daily,
        code: if rng.random_bool(0.5) { VACATION } else { PERSONAL },
        submitted,
        reviewed: None,
        notes: None,
    });
    let what = format!(
        "approved trade tr-{:05} gives shift {} to an agent with PENDING request tor-{id:05}",
        world.trades[t].id, world.trades[t].initiating_shift
    );
    world.label(crate::INCIDENT_RULE, b, what);
}

/// An approved full day off, shown as a marker, while the shift of that day is still in the draft.
fn approved_conflict(world: &mut World, rng: &mut ChaCha8Rng) {
    let Some(a) = world.pick(rng, |g| !g.shifts.is_empty()) else { return };
    world.agents[a].busy = true;
    let i = rng.random_range(0..world.agents[a].shifts.len());
    let date = world.local_date(world.agents[a].shifts[i].start);
    let id = world.new_tor();
    world.agents[a].markers.push(GMarker { date, len: 480, code: VACATION, tor: Some(id) });
    let sub = submitted(world, rng);
    let rev = reviewed_after(world, rng, sub);
    world.requests.push(GRequest {
        id,
        agent: a,
        status: "APPROVED",
        dates: vec![date],
        starts: vec![],
        daily: 480,
        code: VACATION,
        submitted: sub,
        reviewed: Some(rev),
        notes: None,
    });
    world.label("core.timeoff.approved-conflict", a, format!("approved tor-{id:05} on {date} and a shift that day"));
}

/// A shift shortened by hand while its last activity still runs to the old end.
fn outside_shift(world: &mut World, rng: &mut ChaCha8Rng) {
    let Some(a) = world.pick(rng, |g| !g.shifts.is_empty()) else { return };
    let g = &mut world.agents[a];
    g.busy = true;
    let i = rng.random_range(0..g.shifts.len());
    let cut = 15 * rng.random_range(1..=3);
    g.shifts[i].len -= cut;
    g.shifts[i].manual = true;
    let what = format!("shift {} was cut by {cut} min but its last activity was not", g.shift_id(&g.shifts[i]));
    world.label("core.activity.within-shift", a, what);
}

/// A 17-hour double shift, on a day with enough room after it.
fn long_shift(world: &mut World, rng: &mut ChaCha8Rng) {
    const DOUBLE: i64 = 1020;
    for _ in 0..ATTEMPTS {
        let Some(a) = world.pick(rng, |g| !g.shifts.is_empty()) else { return };
        let g = &world.agents[a];
        let fits = |i: usize| {
            let end = g.shifts[i].start + Duration::minutes(DOUBLE + MIN_REST_MINUTES);
            !matches!(g.shifts.get(i + 1), Some(next) if next.start < end)
        };
        let Some(i) = (0..g.shifts.len()).find(|&i| fits(i)) else { continue };
        let g = &mut world.agents[a];
        g.busy = true;
        g.shifts[i].len = DOUBLE;
        g.shifts[i].tiled_len = DOUBLE;
        let what = format!("shift {} lasts {DOUBLE} min", g.shift_id(&g.shifts[i]));
        world.label("core.shift.length", a, what);
        return;
    }
}
