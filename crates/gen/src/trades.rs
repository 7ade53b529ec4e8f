//! Shift trades that leave the week clean once applied (approved swaps and pick-ups), and trades that are not
//! applied at all (matched, denied, canceled, unmatched), whose shifts must stay where the draft has them.

use chrono::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::fit::clean_with;
use crate::world::{GTrade, World};

/// Trades per agent, in per mille (each trade involves two agents, so about 5% of agents trade).
const PER_MILLE: usize = 25;
/// Bounds on the search for a clean partner, so generation time stays linear in the roster.
const ATTEMPTS: usize = 12;
const CANDIDATES: usize = 48;

/// A swap (or pick-up when `receiving_shift` is `None`) found to keep both weeks clean: agent and shift index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Swap {
    pub(crate) initiating: (usize, usize),
    pub(crate) receiving: usize,
    pub(crate) receiving_shift: Option<usize>,
}

pub(crate) fn add_trades(world: &mut World, rng: &mut ChaCha8Rng) {
    let count = (world.agents.len() * PER_MILLE + 500) / 1000;
    for _ in 0..count {
        match rng.random_range(0..100) {
            0..50 => {
                if let Some(swap) = find_swap(world, rng, false) {
                    approve(world, rng, swap);
                }
            }
            50..70 => {
                if let Some(swap) = find_swap(world, rng, true) {
                    approve(world, rng, swap);
                }
            }
            _ => unapplied(world, rng),
        }
    }
}

/// Finds two free agents of the same shift band whose weeks stay clean after the swap (or a free part-timer who
/// can pick the shift up, with `pickup`).
pub(crate) fn find_swap(world: &World, rng: &mut ChaCha8Rng, pickup: bool) -> Option<Swap> {
    let n = world.agents.len();
    for _ in 0..ATTEMPTS {
        let a = world.pick(rng, |g| !g.shifts.is_empty())?;
        let ia = rng.random_range(0..world.agents[a].shifts.len());
        let (ga, sa) = (&world.agents[a], &world.agents[a].shifts[ia]);
        let from = rng.random_range(0..n);
        for j in 0..n.min(CANDIDATES) {
            let b = (from + j) % n;
            let gb = &world.agents[b];
            if b == a || gb.busy || gb.plan.band != ga.plan.band || gb.plan.contract.part_time != pickup {
                continue;
            }
            if pickup {
                if clean_with(world, gb, None, &[sa]) {
                    return Some(Swap { initiating: (a, ia), receiving: b, receiving_shift: None });
                }
                continue;
            }
            for (ib, sb) in gb.shifts.iter().enumerate() {
                if clean_with(world, ga, Some(sa.k), &[sb]) && clean_with(world, gb, Some(sb.k), &[sa]) {
                    return Some(Swap { initiating: (a, ia), receiving: b, receiving_shift: Some(ib) });
                }
            }
        }
    }
    None
}

/// Records an approved trade for a swap found by [`find_swap`]; returns its index in `world.trades`.
pub(crate) fn approve(world: &mut World, rng: &mut ChaCha8Rng, swap: Swap) -> usize {
    let (a, ia) = swap.initiating;
    let b = swap.receiving;
    world.agents[a].busy = true;
    world.agents[b].busy = true;
    let with_times = rng.random_bool(0.5);
    let sa = &world.agents[a].shifts[ia];
    let initiating_shift = world.agents[a].shift_id(sa);
    let initiating_times = with_times.then(|| (sa.start, sa.end()));
    let (receiving_shift, receiving_times) = match swap.receiving_shift {
        Some(ib) => {
            let sb = &world.agents[b].shifts[ib];
            (Some(world.agents[b].shift_id(sb)), with_times.then(|| (sb.start, sb.end())))
        }
        None => (None, None),
    };
    let reviewed = world.as_of - Duration::minutes(rng.random_range(60..6 * 1440));
    let id = world.new_trade();
    world.trades.push(GTrade {
        id,
        state: "Approved",
        initiating: a,
        initiating_shift,
        initiating_times,
        receiving: Some(b),
        receiving_shift,
        receiving_times,
        reviewed: Some(reviewed),
    });
    world.trades.len() - 1
}

fn unapplied(world: &mut World, rng: &mut ChaCha8Rng) {
    let state = ["Matched", "Matched", "Denied", "Canceled", "Unmatched"][rng.random_range(0..5)];
    let Some(a) = world.pick(rng, |g| !g.shifts.is_empty()) else { return };
    world.agents[a].busy = true;
    let sa = &world.agents[a].shifts[rng.random_range(0..world.agents[a].shifts.len())];
    let initiating_shift = world.agents[a].shift_id(sa);
    let (mut receiving, mut receiving_shift) = (None, None);
    if state != "Unmatched" {
        let Some(b) = world.pick(rng, |g| !g.shifts.is_empty()) else { return };
        world.agents[b].busy = true;
        let sb = &world.agents[b].shifts[rng.random_range(0..world.agents[b].shifts.len())];
        (receiving, receiving_shift) = (Some(b), Some(world.agents[b].shift_id(sb)));
    }
    let reviewed = (state == "Denied").then(|| world.as_of - Duration::minutes(rng.random_range(60..6 * 1440)));
    let id = world.new_trade();
    world.trades.push(GTrade {
        id,
        state,
        initiating: a,
        initiating_shift,
        initiating_times: None,
        receiving,
        receiving_shift,
        receiving_times: None,
        reviewed,
    });
}
