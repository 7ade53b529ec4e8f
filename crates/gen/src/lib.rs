//! # shiftgate-gen
//!
//! Realistic synthetic `shiftgate.snapshot/1` documents, deterministically: the same [`GenOptions`] always give the
//! same bytes (a seeded ChaCha8 generator, no clock, no thread rng). Used by benchmarks, demos (`shiftgate gen`),
//! and tests; it also builds the bundled Chicago fixture.
//!
//! What a generated week looks like: one business unit in a real IANA zone, one schedule week starting on the
//! unit's first day, Genesys-style activity codes, and agents (`a-00042`) with names, management units, tags
//! (`chicago-fww`, `part-time`) and skills. Each agent works 4 or 5 shifts of 8 to 10 hours on distinct days, day,
//! evening or overnight, starting on local quarter hours converted through the zone (DST weeks come out right),
//! each tiled by on-queue work, two paid 15-minute breaks and an unpaid 30-minute meal near the middle. `weeks`
//! weeks of published history precede it. About 8% of agents have a time-off request (approved ones reflected, the
//! others pending for later weeks, or denied/canceled over work) and about 5% trade shifts (approved swaps and
//! pick-ups that keep both weeks clean, plus matched/denied ones that are not applied).
//!
//! With `problems: true`, about 1.5% of agents each get one of: overlapping shifts, rest under 10 h, over 40 paid
//! hours, 7+ consecutive days with history, an approved trade onto a pending time-off request (the incident), an
//! approved time-off over work, an activity outside its shift, a shift over 16 h. [`generate_labeled`] says which
//! agent got what; every other agent is clean under the core rules' defaults.
//!
//! Key items: [`generate`] (owned [`WireSnapshot`]), [`generate_json`] (compact bytes, written one agent at a time
//! so 50,000 agents fit in little more memory than the output), [`chicago_week`] (the README's example) and
//! [`to_pretty_json`] (the one-record-per-line layout of committed fixtures); [`keep_agents`] cuts a week down to
//! some agents, and [`INCIDENT_RULE`] names the incident's rule.
//!
//! What it does not do: no I/O, no validation (the output is valid by construction and tested against
//! `shiftgate_model::Snapshot::from_json`), no checking: it promises which problems it put in, the checker finds
//! them. An unknown `time_zone` is written as given (so validation rejects the document) and local times are then
//! taken as UTC.
//!
//! ```
//! let opts = shiftgate_gen::GenOptions { agents: 50, seed: 7, ..Default::default() };
//! let bytes = shiftgate_gen::generate_json(&opts);
//! let snapshot = shiftgate_model::Snapshot::from_json(&bytes).unwrap();
//! assert_eq!(snapshot.agents.len(), 50);
//! assert_eq!(bytes, shiftgate_gen::generate_json(&opts));
//! ```

#![warn(missing_docs)]

mod catalog;
mod chicago;
mod cut;
mod fit;
mod pretty;
mod problems;
mod tile;
mod timeoff;
mod trades;
mod wire;
mod world;

use chrono::NaiveDate;
use shiftgate_model::format::WireSnapshot;

pub use chicago::{chicago_week, chicago_week_labeled};
pub use cut::keep_agents;
pub use pretty::to_pretty_json;

use crate::world::{stream, World};

/// The rule of the incident every generated week with problems (and the Chicago fixture) plants: an approved trade
/// hands an agent a shift over their own pending time-off request.
pub const INCIDENT_RULE: &str = "core.timeoff.pending-conflict";

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of agents.
    pub agents: usize,
    /// Seed: equal options give byte-identical output.
    pub seed: u64,
    /// Weeks of published history before the schedule week.
    pub weeks: u32,
    /// First local day of the schedule week; the business unit's week starts on this weekday. Dates outside the
    /// years 1900-9000 are clamped into them.
    pub week_date: NaiveDate,
    /// IANA zone of the business unit.
    pub time_zone: String,
    /// Whether to inject problems (see the crate docs).
    pub problems: bool,
}

impl Default for GenOptions {
    /// 200 agents, seed 1, one history week, the week of Sunday 2026-11-29 in America/Chicago, with problems.
    fn default() -> Self {
        GenOptions {
            agents: 200,
            seed: 1,
            weeks: 1,
            week_date: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default(),
            time_zone: "America/Chicago".into(),
            problems: true,
        }
    }
}

/// A problem put into a document on purpose, and the core rule that should report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Injected {
    /// The rule id, e.g. `core.timeoff.pending-conflict`.
    pub rule: &'static str,
    /// The agent the finding should name.
    pub agent: String,
    /// What was done, in words (ids and minutes), for debugging.
    pub what: String,
}

/// A document with the list of problems it was built to contain.
#[derive(Clone, Debug)]
pub struct Labeled {
    /// The document.
    pub snapshot: WireSnapshot<'static>,
    /// The injected problems, in injection order.
    pub injected: Vec<Injected>,
}

fn build(opts: &GenOptions) -> World {
    let mut world = World::new(opts);
    timeoff::add_time_off(&mut world, &mut stream(opts.seed, 2));
    trades::add_trades(&mut world, &mut stream(opts.seed, 3));
    if opts.problems {
        problems::inject(&mut world, &mut stream(opts.seed, 4));
    }
    world
}

/// A generated snapshot as owned wire types (for large rosters prefer [`generate_json`], which never holds the
/// whole document as values).
pub fn generate(opts: &GenOptions) -> WireSnapshot<'static> {
    wire::to_wire(&build(opts))
}

/// A generated snapshot with the problems it contains.
pub fn generate_labeled(opts: &GenOptions) -> Labeled {
    let mut world = build(opts);
    Labeled { snapshot: wire::to_wire(&world), injected: std::mem::take(&mut world.injected) }
}

/// A generated snapshot as compact JSON; the same bytes as serializing [`generate`]'s result.
pub fn generate_json(opts: &GenOptions) -> Vec<u8> {
    let world = build(opts);
    // About 3.2 KB per agent and week (schedule week plus history), so the buffer rarely grows.
    let per_agent = 3300usize.saturating_mul(opts.weeks as usize + 1);
    let mut out = Vec::with_capacity(opts.agents.saturating_mul(per_agent).saturating_add(4096).min(1 << 30));
    // Serializing plain strings and integers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, &wire::Doc(&world));
    out
}
