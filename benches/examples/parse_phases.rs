//! Where `Snapshot::from_json` spends its time on a generated snapshot: serde into wire types, validation into the
//! model, and dropping each. `cargo run --release -p shiftgate-benches --example parse_phases -- 10000 5`
use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;
use shiftgate_model::format::WireSnapshot;
use shiftgate_model::Snapshot;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LDoc<'a> {
    #[serde(borrow, default)]
    agent_schedules: Vec<LSched<'a>>,
    #[serde(borrow, default)]
    history: Vec<LSched<'a>>,
}
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct LSched<'a> {
    #[serde(borrow)]
    user: LUser<'a>,
    #[serde(borrow, default)]
    shifts: Vec<LShift<'a>>,
}
#[derive(serde::Deserialize)]
struct LUser<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    id: &'a str,
}
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct LShift<'a> {
    id: &'a str,
    start_date: &'a str,
    length_minutes: i64,
    #[serde(borrow, default)]
    activities: Vec<LAct<'a>>,
}
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct LAct<'a> {
    start_date: &'a str,
    length_minutes: i64,
    activity_code_id: &'a str,
}

fn main() {
    println!("size_of WireActivity {} WireShift {} WireAgentSchedule {}", std::mem::size_of::<shiftgate_model::format::WireActivity<'static>>(), std::mem::size_of::<shiftgate_model::format::WireShift<'static>>(), std::mem::size_of::<shiftgate_model::format::WireAgentSchedule<'static>>());
    let mut args = std::env::args().skip(1);
    let agents: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let bytes = shiftgate_benches::snapshot_bytes(agents);
    if let Some(mode) = args.next() {
        if mode == "validate" {
            let wire: WireSnapshot<'_> = serde_json::from_slice(&bytes).unwrap_or_default();
            for _ in 0..rounds {
                drop(black_box(Snapshot::from_wire(&wire).ok()));
            }
            return;
        }
        // Profiling aid: run one phase only.
        for _ in 0..rounds {
            match mode.as_str() {
                "lean" => drop(black_box(serde_json::from_slice::<LDoc<'_>>(&bytes).ok())),
                "wire_str" => drop(black_box(std::str::from_utf8(&bytes).ok().and_then(|t| serde_json::from_str::<WireSnapshot<'_>>(t).ok()))),
                "lean_str" => drop(black_box(std::str::from_utf8(&bytes).ok().and_then(|t| serde_json::from_str::<LDoc<'_>>(t).ok()))),
                "utf8" => drop(black_box(std::str::from_utf8(&bytes).is_ok())),
                "wire" => drop(black_box(serde_json::from_slice::<WireSnapshot<'_>>(&bytes).ok())),
                "floor" => drop(black_box(serde_json::from_slice::<IgnoredAny>(&bytes).ok())),
                _ => drop(black_box(Snapshot::from_json(&bytes).ok())),
            }
        }
        return;
    }
    let mut t = [Duration::ZERO; 7];
    for _ in 0..rounds {
        let s = Instant::now();
        black_box(serde_json::from_slice::<IgnoredAny>(&bytes).ok());
        t[0] += s.elapsed();
        let s = Instant::now();
        let wire: WireSnapshot<'_> = serde_json::from_slice(&bytes).unwrap_or_default();
        t[1] += s.elapsed();
        let s = Instant::now();
        let snap = Snapshot::from_wire(&wire).ok();
        t[2] += s.elapsed();
        let s = Instant::now();
        drop(black_box(wire));
        t[3] += s.elapsed();
        let s = Instant::now();
        drop(black_box(snap));
        t[4] += s.elapsed();
        let s = Instant::now();
        black_box(Snapshot::from_json(&bytes).is_ok());
        t[5] += s.elapsed();
        let s = Instant::now();
        black_box(serde_json::from_slice::<LDoc<'_>>(&bytes).map(|d| d.agent_schedules.len() + d.history.len()).ok());
        t[6] += s.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("{agents} agents, {} bytes ({} per agent)", bytes.len(), bytes.len() / agents.max(1));
    for (name, d) in ["floor (IgnoredAny)", "serde -> WireSnapshot", "from_wire (validate)", "drop WireSnapshot", "drop Snapshot", "from_json total", "lean borrowed mirror"].iter().zip(t) {
        println!("{name:>24}: {:8.1} ms  ({:.2}x floor)", ms(d), ms(d) / ms(t[0]));
    }
}
