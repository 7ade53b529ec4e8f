//! Runs only the rule phase (facts and the core pack) on a generated snapshot, `ROUNDS` times on `JOBS` threads, for
//! `perf record`. `cargo run --release -p shiftgate-benches --example rules_loop -- AGENTS ROUNDS JOBS [RULES_DIR]`

use std::sync::Arc;
use std::time::Instant;

use shiftgate_benches::snapshot_bytes;
use shiftgate_check::{Checker, Config, Limits, RuleLibrary, RuleSet};
use shiftgate_model::{apply_trades, Snapshot};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (agents, rounds, jobs) = (num(0, 10_000), num(1, 10), num(2, 1));
    let library = match args.get(3) {
        Some(dir) => RuleLibrary::from_dir(std::path::Path::new(dir)).expect("rules dir"),
        None => RuleLibrary::embedded(),
    };
    let rules = RuleSet::load(&library, &[], &Config::default(), Limits::default()).expect("core pack");
    let checker = Checker::new(rules, Some(jobs));
    let snapshot = Arc::new(Snapshot::from_json(&snapshot_bytes(agents)).expect("valid"));
    let roster = Arc::new(apply_trades(&snapshot));
    let as_of = snapshot.as_of.expect("asOf");
    let started = Instant::now();
    let mut findings = 0;
    for _ in 0..rounds {
        findings = checker.check_roster(snapshot.clone(), roster.clone(), as_of).expect("rules run").findings.len();
    }
    println!("{findings} findings, {:.1} ms per round", started.elapsed().as_secs_f64() * 1e3 / rounds as f64);
}
