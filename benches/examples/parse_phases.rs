//! Where `Snapshot::from_json` spends its time on a generated snapshot, phase by phase, next to the `IgnoredAny`
//! floor and a lean borrowed mirror of the hot arrays (what serde costs without the optional-everything wire
//! structs).
//!
//! `cargo run --release -p shiftgate-benches --example parse_phases -- AGENTS ROUNDS [MODE]`
//!
//! Without MODE it prints a table. With MODE it runs only that phase `ROUNDS` times, for `perf record`: `floor`,
//! `utf8`, `wire`, `wire_str`, `lean`, `lean_str`, `validate`, or `full`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;
use serde::Deserialize;
use shiftgate_model::format::WireSnapshot;
use shiftgate_model::Snapshot;

// The allocator the `shiftgate` binary ships with, so figures match what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Only the agent schedules and history, with required, borrowed fields: a lower bound for typed parsing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanDoc<'a> {
    #[serde(borrow, default)]
    agent_schedules: Vec<LeanSchedule<'a>>,
    #[serde(borrow, default)]
    history: Vec<LeanSchedule<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanSchedule<'a> {
    #[serde(borrow)]
    user: LeanUser<'a>,
    #[serde(borrow, default)]
    shifts: Vec<LeanShift<'a>>,
}

#[derive(Deserialize)]
struct LeanUser<'a> {
    id: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanShift<'a> {
    id: &'a str,
    start_date: &'a str,
    length_minutes: i64,
    #[serde(borrow, default)]
    activities: Vec<LeanActivity<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanActivity<'a> {
    start_date: &'a str,
    length_minutes: i64,
    activity_code_id: &'a str,
}

impl LeanDoc<'_> {
    /// Touches every field, so nothing is optimized away.
    fn weight(&self) -> usize {
        self.agent_schedules
            .iter()
            .chain(&self.history)
            .flat_map(|s| s.shifts.iter().map(move |sh| (s.user.id, sh)))
            .map(|(u, sh)| {
                u.len()
                    + sh.id.len()
                    + sh.start_date.len()
                    + sh.length_minutes as usize
                    + sh.activities
                        .iter()
                        .map(|a| a.start_date.len() + a.length_minutes as usize + a.activity_code_id.len())
                        .sum::<usize>()
            })
            .sum()
    }
}

fn run(mode: &str, bytes: &[u8]) {
    let text = || std::str::from_utf8(bytes).ok();
    match mode {
        "floor" => {
            black_box(serde_json::from_slice::<IgnoredAny>(bytes).ok());
        }
        "utf8" => {
            black_box(text().is_some());
        }
        "wire" => {
            black_box(serde_json::from_slice::<WireSnapshot<'_>>(bytes).ok());
        }
        "wire_str" => {
            black_box(text().and_then(|t| serde_json::from_str::<WireSnapshot<'_>>(t).ok()));
        }
        "lean" => {
            black_box(serde_json::from_slice::<LeanDoc<'_>>(bytes).ok().map(|d| d.weight()));
        }
        "lean_str" => {
            black_box(text().and_then(|t| serde_json::from_str::<LeanDoc<'_>>(t).ok()).map(|d| d.weight()));
        }
        _ => {
            black_box(Snapshot::from_json(bytes).ok());
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let agents: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let bytes = shiftgate_benches::snapshot_bytes(agents);
    let wire: WireSnapshot<'_> = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(mode) = args.next() {
        for _ in 0..rounds {
            if mode == "validate" {
                drop(black_box(Snapshot::from_wire(&wire).ok()));
            } else {
                run(&mode, &bytes);
            }
        }
        return;
    }
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..rounds {
            f();
        }
        start.elapsed() / rounds
    };
    let mut rows: Vec<(&str, Duration)> = Vec::new();
    for mode in ["floor", "utf8", "wire", "wire_str", "lean", "lean_str"] {
        rows.push((mode, time(&mut || run(mode, &bytes))));
    }
    rows.push(("validate (from_wire)", time(&mut || drop(black_box(Snapshot::from_wire(&wire).ok())))));
    let snaps: Vec<_> = (0..rounds).map(|_| Snapshot::from_wire(&wire).ok()).collect();
    let start = Instant::now();
    drop(black_box(snaps));
    rows.push(("drop Snapshot", start.elapsed() / rounds));
    rows.push(("full (from_json + drop)", time(&mut || run("full", &bytes))));
    println!(
        "{agents} agents, {} bytes ({} per agent), mean of {rounds} rounds",
        bytes.len(),
        bytes.len() / agents.max(1)
    );
    let floor = rows[0].1.as_secs_f64();
    for (name, d) in rows {
        println!("{name:>24}: {:8.1} ms  {:5.2}x floor", d.as_secs_f64() * 1e3, d.as_secs_f64() / floor);
    }
}
