//! The pipeline on generated snapshots of 2,000, 10,000 and 50,000 agents, one criterion group per size, with
//! throughput in input bytes:
//! - `floor`: reading and scanning the JSON without building anything (serde `IgnoredAny`), the lower bound for
//!   any parser;
//! - `parse`: `Snapshot::from_json`, i.e. parse and validate, including dropping the result;
//! - `apply_trades`: trade application on the parsed snapshot.
//!
//! Sample sizes shrink with the roster so a full run takes a few minutes on two cores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::de::IgnoredAny;
use shiftgate_benches::{snapshot_bytes, SIZES};
use shiftgate_model::{apply_trades, Snapshot};

fn pipeline(c: &mut Criterion) {
    for agents in SIZES {
        let bytes = snapshot_bytes(agents);
        let snapshot = match Snapshot::from_json(&bytes) {
            Ok(s) => s,
            Err(e) => panic!("generated snapshot of {agents} agents does not validate: {e}"),
        };
        let mut group = c.benchmark_group(format!("agents_{agents}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        match agents {
            ..=2_000 => group.sample_size(30).measurement_time(Duration::from_secs(4)),
            2_001..=10_000 => group.sample_size(15).measurement_time(Duration::from_secs(6)),
            _ => group.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1)),
        };

        group.bench_function("floor", |b| {
            b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&bytes)).map_err(|e| e.to_string()))
        });
        group.bench_function("parse", |b| b.iter(|| Snapshot::from_json(black_box(&bytes)).map(|s| s.shifts.len())));
        group.bench_function("apply_trades", |b| b.iter(|| apply_trades(black_box(&snapshot))));

        // CHECK BENCH (lead): add `check` here once shiftgate-check lands, on `snapshot` and
        // `apply_trades(&snapshot)`, with the checker and its compiled core rules built outside `b.iter`.

        group.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
