//! Time-off requests that leave the week clean: approved ones are reflected the way the platform shows them (a
//! full-day marker replacing the shift, or a TimeOff activity inside it), pending ones are for later weeks, and
//! denied or canceled ones overlap work, which must not matter.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{MEAL, NOTES, PERSONAL, SICK, VACATION};
use crate::tile::Carve;
use crate::world::{local_instant, GMarker, GRequest, World};

/// Share of agents with a time-off request, in percent.
const PERCENT: usize = 8;

pub(crate) fn add_time_off(world: &mut World, rng: &mut ChaCha8Rng) {
    let count = (world.agents.len() * PERCENT + 50) / 100;
    for _ in 0..count {
        let Some(a) = world.pick(rng, |g| g.shifts.len() >= 2) else { break };
        world.agents[a].busy = true;
        match rng.random_range(0..100) {
            0..25 => approved_full_day(world, rng, a),
            25..40 => approved_partial(world, rng, a),
            40..65 => pending_later(world, rng, a),
            65..85 => overlapping_work(world, rng, a, "DENIED"),
            _ => overlapping_work(world, rng, a, "CANCELED"),
        }
    }
}

/// A submission 1-30 days before `asOf`, during the day.
pub(crate) fn submitted(world: &World, rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    world.as_of - Duration::minutes(rng.random_range(1..30) * 1440 + 15 * rng.random_range(0..40))
}

/// A review some hours after submission, never after `asOf`.
pub(crate) fn reviewed_after(world: &World, rng: &mut ChaCha8Rng, submitted: DateTime<Utc>) -> DateTime<Utc> {
    (submitted + Duration::minutes(15 * rng.random_range(4..200))).min(world.as_of - Duration::hours(1))
}

fn note(rng: &mut ChaCha8Rng) -> Option<&'static str> {
    rng.random_bool(0.4).then(|| NOTES[rng.random_range(0..NOTES.len())])
}

/// Whether another shift of the agent reaches into local day `date` (an overnight shift from the day before): a
/// full day off there would conflict with work.
fn day_is_free_but(world: &World, a: usize, date: NaiveDate, except: usize) -> bool {
    let (from, to) = (local_instant(world.tz, date, 0), local_instant(world.tz, date, 24 * 60));
    let g = &world.agents[a];
    g.shifts.iter().enumerate().all(|(j, s)| j == except || s.end() <= from || s.start >= to)
        && g.history.iter().all(|s| s.end() <= from || s.start >= to)
}

fn approved_full_day(world: &mut World, rng: &mut ChaCha8Rng, a: usize) {
    let n = world.agents[a].shifts.len();
    let i = rng.random_range(0..n);
    if !day_is_free_but(world, a, world.local_date(world.agents[a].shifts[i].start), i) {
        // An overnight worker: the platform would show the day off inside the shift.
        return approved_partial(world, rng, a);
    }
    let id = world.new_tor();
    let code = if rng.random_bool(0.8) { VACATION } else { PERSONAL };
    // Sometimes two days in a row, when the next shift is on the next local day.
    let mut take = vec![i];
    if i + 1 < n && rng.random_bool(0.3) {
        let (d0, d1) = {
            let s = &world.agents[a].shifts;
            (world.local_date(s[i].start), world.local_date(s[i + 1].start))
        };
        if d0.succ_opt() == Some(d1) && day_is_free_but(world, a, d1, i + 1) {
            take.push(i + 1);
        }
    }
    let daily = world.agents[a].shifts[i].paid_minutes();
    let dates: Vec<NaiveDate> = take.iter().map(|&j| world.local_date(world.agents[a].shifts[j].start)).collect();
    for &j in take.iter().rev() {
        world.agents[a].shifts.remove(j);
    }
    for &date in &dates {
        world.agents[a].markers.push(GMarker { date, len: daily, code, tor: Some(id) });
    }
    let sub = submitted(world, rng);
    let rev = reviewed_after(world, rng, sub);
    let notes = note(rng);
    world.requests.push(GRequest {
        id,
        agent: a,
        status: "APPROVED",
        dates,
        starts: vec![],
        daily,
        code,
        submitted: sub,
        reviewed: Some(rev),
        notes,
    });
}

fn approved_partial(world: &mut World, rng: &mut ChaCha8Rng, a: usize) {
    let id = world.new_tor();
    let code = [PERSONAL, PERSONAL, VACATION, SICK][rng.random_range(0..4)];
    let i = rng.random_range(0..world.agents[a].shifts.len());
    let wanted = [120, 180, 240][rng.random_range(0..3)];
    let shift = &mut world.agents[a].shifts[i];
    // The tail of the shift after the meal: paid time off replaces paid work only, so weekly paid time stays put.
    let meal_end = shift.acts().iter().filter(|act| act.code == MEAL).map(|act| act.offset + act.len).max();
    let offset = (shift.len - wanted).max(meal_end.unwrap_or(0));
    let len = shift.len - offset;
    shift.carve = Some(Carve { offset, len, code, tor: Some(id) });
    let start = shift.start + Duration::minutes(offset);
    let sub = submitted(world, rng);
    let rev = reviewed_after(world, rng, sub);
    let notes = note(rng);
    world.requests.push(GRequest {
        id,
        agent: a,
        status: "APPROVED",
        dates: vec![],
        starts: vec![start],
        daily: len,
        code,
        submitted: sub,
        reviewed: Some(rev),
        notes,
    });
}

fn pending_later(world: &mut World, rng: &mut ChaCha8Rng, a: usize) {
    let id = world.new_tor();
    // From the second day after the week: an overnight shift of the week's last day ends on the day after it.
    let first = rng.random_range(8..21);
    let (dates, starts, daily) = if rng.random_bool(0.6) {
        let days = rng.random_range(1..=3);
        ((first..first + days).map(|d| world.day(d)).collect(), vec![], 480)
    } else {
        let minute = 8 * 60 + 15 * rng.random_range(0..24);
        (vec![], vec![world.at(first, minute)], [60, 120, 240][rng.random_range(0..3)])
    };
    let sub = submitted(world, rng);
    let notes = note(rng);
    world.requests.push(GRequest {
        id,
        agent: a,
        status: "PENDING",
        dates,
        starts,
        daily,
        code: VACATION,
        submitted: sub,
        reviewed: None,
        notes,
    });
}

fn overlapping_work(world: &mut World, rng: &mut ChaCha8Rng, a: usize, status: &'static str) {
    let id = world.new_tor();
    let shift = &world.agents[a].shifts[rng.random_range(0..world.agents[a].shifts.len())];
    let (start, date) = (shift.start, world.local_date(shift.start));
    let (dates, starts, daily) = if rng.random_bool(0.5) {
        (vec![date], vec![], 480)
    } else {
        (vec![], vec![start + Duration::minutes(60)], 180)
    };
    let sub = submitted(world, rng);
    // A supervisor denies; the agent cancels (no review).
    let reviewed = (status == "DENIED").then(|| reviewed_after(world, rng, sub));
    let notes = note(rng);
    world.requests.push(GRequest {
        id,
        agent: a,
        status,
        dates,
        starts,
        daily,
        code: VACATION,
        submitted: sub,
        reviewed,
        notes,
    });
}
