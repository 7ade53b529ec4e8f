//! # shiftgate-benches
//!
//! Criterion benchmarks of the pipeline (`cargo bench -p shiftgate-benches`) on snapshots generated in memory by
//! `shiftgate-gen`, at the roster sizes in [`SIZES`], always with the same seed so figures compare across runs.
//!
//! The library only provides the inputs: [`snapshot_bytes`] generates a snapshot once per size and process and hands
//! out shared references after that, because a 50,000-agent snapshot is about 250 MB and several benchmarks read it.
//! It does not measure anything itself, and it writes no files.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use shiftgate_gen::{generate_json, GenOptions};

/// Roster sizes benchmarked: a typical site, a large business unit, a stress case.
pub const SIZES: [usize; 3] = [2_000, 10_000, 50_000];

/// The seed every benchmark input is generated with.
pub const SEED: u64 = 2026;

/// The generator options for a roster of `agents` (defaults otherwise: one history week, problems injected).
pub fn options(agents: usize) -> GenOptions {
    GenOptions { agents, seed: SEED, ..GenOptions::default() }
}

/// The compact JSON snapshot for `agents` agents. It is generated on first use and cached for the rest of the
/// process.
pub fn snapshot_bytes(agents: usize) -> Arc<[u8]> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<[u8]>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned lock only means another benchmark panicked; the cached bytes are still whole.
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(agents).or_insert_with(|| generate_json(&options(agents)).into()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_size_is_generated_once_and_validates() {
        let a = snapshot_bytes(30);
        assert!(Arc::ptr_eq(&a, &snapshot_bytes(30)));
        let s = shiftgate_model::Snapshot::from_json(&a).unwrap();
        assert_eq!(s.agents.len(), 30);
    }
}
