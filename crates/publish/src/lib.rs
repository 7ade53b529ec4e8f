//! # shiftgate-publish
//!
//! The thin, conflict-aware publisher: reads a week's schedule from a WFM platform, applies approved trades,
//! asks an injected [`Validator`] whether anything blocks, and only then writes, telling a stale version (re-read
//! and retry, bounded) from a data conflict (stop and explain) instead of retrying blindly.
//!
//! Tour:
//! - [`publish`] runs the state machine ([`machine`]) with a [`PublishConfig`] and returns a [`PublishReport`]
//!   whose [`PublishOutcome`] the CLI maps to an exit code; the report carries findings, excluded trades, the
//!   diff, explained conflicts and a step-by-step story.
//! - [`PlatformClient`] is the platform seam, with [`genesys::GenesysClient`] (OAuth client credentials, upload
//!   URL + gzip + update, outcome over the notifications websocket) and [`rest::RestClient`] (ETag / If-Match),
//!   and [`AnyPlatform`] to pick one at run time. [`fake::FakePlatform`] is an in-memory double for tests.
//! - Pure pieces: [`plan`] (the update plan and "is our payload live?"), [`diff`] (dry-run diff), [`classify`]
//!   (what an answer means), [`retry`] (backoff, Retry-After), [`explain`] (server conflicts vs local findings),
//!   [`canon`] (canonical JSON hashes).
//! - [`audit`]: the append-only, hash-chained JSON-lines log of every step.
//!
//! What it deliberately does not do: it never checks rules itself (it depends on `shiftgate-model`, not on
//! `shiftgate-check`); it never resends a payload the platform refused for its data; it never logs tokens,
//! secrets, names or bodies to the audit; it reads no clock outside the injected [`Clock`].

pub mod audit;
pub mod canon;
pub mod classify;
pub mod clock;
pub mod diff;
mod error;
pub mod explain;
pub mod fake;
pub mod genesys;
mod http;
pub mod machine;
mod outcome;
pub mod plan;
mod platform;
pub mod rest;
pub mod retry;
#[cfg(test)]
mod testdata;
mod validator;

pub use audit::{verify_chain, AuditLog, AuditRecord, Counters};
pub use classify::Classification;
pub use clock::{Clock, TokioClock};
pub use diff::ScheduleDiff;
pub use error::PublishError;
pub use explain::{explain_conflict, explain_conflict_bytes, ConflictExplanation, ServerConflict};
pub use http::HttpSettings;
pub use machine::{publish, PublishConfig};
pub use outcome::{ExcludedTrade, GiveUpReason, PublishOutcome, PublishReport, REPORT_FORMAT};
pub use rest::AnyPlatform;
pub use platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};
pub use validator::{PublishFinding, Validation, Validator};
