//! # shiftgate-check
//!
//! The checker: it computes each agent's facts natively once (sorted shifts, overlaps, time-off conflicts, rest
//! gaps, paid minutes per local day and week, work streaks with history, DST crossings, failed and already-applied
//! trades), then lets sandboxed Rhai rule scripts decide what is a violation, in parallel over agents, and collects
//! deterministic findings. Overlap lists, which can be quadratic in the input, are counted in full but kept as a
//! bounded sample per agent (`overlaps`), so one hostile agent cannot exhaust memory.
//!
//! Key types:
//! - [`RuleLibrary`] (rule files: built in, or `--rules DIR`; one folder per pack with its [`PackManifest`]) →
//!   [`RuleSet::load`] with a [`Config`] → compiled rules and validated [`Waiver`]s.
//! - [`Checker`]: runs a rule set over a [`shiftgate_model::Snapshot`] (one Rhai engine per worker thread).
//! - [`Report`] of [`Finding`]s, sorted by (agent, start, rule, fingerprint) whatever the thread count. A finding a
//!   waiver covers keeps its place, carries the waiver and never blocks; each waiver's [`WaiverStatus`] for the
//!   run (in force, expired, unused, ...) is in the report too (`waive`).
//! - [`Limits`]: the sandbox scripts run in (no clock, bounded values, operation and wall-clock budgets per call
//!   and per run, caps on findings); [`ParamKind`]: what values a parameter's `meta()` declaration allows, which
//!   configuration and per-agent values are checked against when they are loaded.
//!
//! What it does not do: no file output, no rendering, no network, no clock (`as_of` is passed in). A rule
//! violation is a [`Finding`]; only broken scripts or configuration are errors ([`LoadError`], [`ConfigError`],
//! [`RunError`]). The script API is documented in `rules/README.md`.

#![warn(missing_docs)]

mod api_ext;
mod api_lists;
mod config;
mod engine;
mod error;
mod filters;
mod finding;
mod handles;
mod list_reads;
mod loop_skip;
mod overlaps;
mod pack;
mod param_spec;
mod params_scan;
mod report;
mod rule;
mod run;
mod sandbox;
mod subject;
mod timeline;
mod waive;
mod waiver;

pub use config::{Config, RuleConfig, WaiverEntry, DEFAULT_WAIVER_MAX_DAYS, MAX_WAIVER_MAX_DAYS};
pub use error::{ConfigError, LoadError, RunError, RunErrorKind, ScriptLocation};
pub use finding::{Finding, Severity};
pub use overlaps::sweep_overlaps;
pub use pack::{PackManifest, MANIFEST_FILE};
pub use param_spec::{ParamKind, MAX_LIST_PARAM, MAX_TEXT_PARAM};
pub use report::{NotJudged, Report, RuleRef, SnapshotRef, Summary, REPORT_FORMAT};
pub use rule::{Rule, RuleFile, RuleLibrary, RuleSet, RuleSetError};
pub use run::Checker;
pub use sandbox::Limits;
pub use waive::{NoteKind, WaiverNote, WaiverState, WaiverStatus};
pub use waiver::{Waiver, WaiverScope, MAX_NAME_CHARS, MAX_REASON_CHARS};
