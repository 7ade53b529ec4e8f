//! The pipeline on generated snapshots of 2,000, 10,000 and 50,000 agents, one criterion group per size, with
//! throughput in input bytes:
//! - `floor`: reading and scanning the JSON without building anything (serde `IgnoredAny`), the lower bound for
//!   any parser;
//! - `parse`: `Snapshot::from_json`, i.e. parse and validate, including dropping the result;
//! - `apply_trades`: trade application on the parsed snapshot;
//! - `rules_1_thread` / `rules_2_threads`: the rule phase (per-agent facts and the core pack) on a parsed, traded
//!   snapshot, with one and two worker threads, and `rules_all_packs_2_threads` with all six packs;
//! - `check`: what `shiftgate check` does before rendering: parse, validate, apply trades, run the core pack.
//!
//! Sample sizes shrink with the roster so a full run takes a few minutes on two cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use serde::de::IgnoredAny;
use shiftgate_benches::{snapshot_bytes, SIZES};
use std::sync::Arc;

use shiftgate_check::{Checker, Config, Limits, RuleLibrary, RuleSet};
use shiftgate_model::{apply_trades, Snapshot};

fn core_checker(jobs: Option<usize>) -> Checker {
    let rules = RuleSet::load(&RuleLibrary::embedded(), &[], &Config::default(), Limits::default()).expect("core pack");
    Checker::new(rules, jobs)
}

// The allocator the `shiftgate` binary ships with, so figures match what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pipeline(c: &mut Criterion) {
    for agents in SIZES {
        let bytes = snapshot_bytes(agents);
        let snapshot = match Snapshot::from_json(&bytes) {
            Ok(s) => s,
            Err(e) => panic!("generated snapshot of {agents} agents does not validate: {e}"),
        };
        let mut group = c.benchmark_group(format!("agents_{agents}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        // Flat sampling: every sample runs the same number of iterations, so a 1-second parse needs 10 runs, not 55.
        group.sampling_mode(SamplingMode::Flat);
        match agents {
            ..=2_000 => group.sample_size(30).measurement_time(Duration::from_secs(5)),
            2_001..=10_000 => group.sample_size(15).measurement_time(Duration::from_secs(6)),
            _ => group.sample_size(10).measurement_time(Duration::from_secs(15)).warm_up_time(Duration::from_secs(1)),
        };

        group.bench_function("floor", |b| {
            b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&bytes)).map_err(|e| e.to_string()))
        });
        group.bench_function("parse", |b| b.iter(|| Snapshot::from_json(black_box(&bytes)).map(|s| s.shifts.len())));
        group.bench_function("apply_trades", |b| b.iter(|| apply_trades(black_box(&snapshot))));

        let as_of = snapshot.as_of.expect("generated snapshots carry asOf");
        let shared = Arc::new(snapshot.clone());
        let roster = Arc::new(apply_trades(&shared));
        for (name, jobs) in [("rules_1_thread", 1), ("rules_2_threads", 2)] {
            let checker = core_checker(Some(jobs));
            group.bench_function(name, |b| {
                b.iter(|| {
                    checker.check_roster(shared.clone(), roster.clone(), as_of).expect("rules run").findings.len()
                })
            });
        }
        // Issue 3: the rule phase with every pack enabled, against the core pack alone (`rules_2_threads`).
        let all = RuleSet::load(
            &RuleLibrary::embedded(),
            &RuleLibrary::embedded().packs(),
            &Config::default(),
            Limits::default(),
        )
        .expect("all packs");
        let all = Checker::new(all, Some(2));
        group.bench_function("rules_all_packs_2_threads", |b| {
            b.iter(|| all.check_roster(shared.clone(), roster.clone(), as_of).expect("rules run").findings.len())
        });
        let checker = core_checker(None);
        group.bench_function("check", |b| {
            b.iter(|| {
                let snapshot = Arc::new(Snapshot::from_json(black_box(&bytes)).expect("valid"));
                checker.check(snapshot, as_of).expect("rules run").findings.len()
            })
        });

        group.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
