//! # shiftgate-publish
//!
//! The thin, conflict-aware publisher: reads a week's schedule from a WFM platform, applies approved trades,
//! asks an injected [`Validator`] whether anything blocks, and only then writes, telling a stale version (re-read
//! and retry, bounded) from a data conflict (stop and explain) instead of retrying blindly.
//!
//! Tour:
//! - [`publish`] runs the state machine ([`machine`]) with a [`PublishConfig`] and returns a [`PublishReport`]
//!   whose [`PublishOutcome`] the CLI maps to an exit code; the report carries findings, excluded trades, the
//!   diff, explained conflicts, the fate of every write sent ([`WriteReport`]) and a step-by-step story. After an
//!   unclear answer the machine waits for the platform to settle ([`SettlePolicy`]) before deciding anything.
//! - [`PlatformClient`] is the platform seam, with [`genesys::GenesysClient`] (OAuth client credentials, upload
//!   URL + gzip + update, outcome over the notifications websocket) and [`rest::RestClient`] (ETag / If-Match,
//!   a bearer token from the same client credentials on its own origin), and [`AnyPlatform`] to pick one at run
//!   time. [`oauth`] is the client-credentials grant both use. [`fake::FakePlatform`] is an in-memory double for tests.
//! - Requests are data first: [`genesys::routes`] and [`rest`] build each route's [`Request`] purely (method,
//!   path, query, body, credential kind, answer cap); [`http`] sends them without following redirects and reads
//!   answers in chunks up to the cap. A refusal becomes a [`PlatformError`] naming the request and the platform's
//!   sanitised message ([`hidden`]: the one list of characters that do not show as themselves, which the CLI's
//!   renderers use too). [`base_url`] checks the bases credentials go to (https, or plain http on loopback only;
//!   no user info).
//! - Pure pieces: [`plan`] (the update plan and "is our payload live?"), [`diff`] (dry-run diff), [`classify`]
//!   (what an answer means), [`retry`] (backoff, Retry-After), [`explain`] (server conflicts vs local findings),
//!   [`canon`] (canonical JSON hashes).
//! - [`audit`]: the append-only, hash-chained JSON-lines log of every step.
//!
//! What it deliberately does not do: it never checks rules itself (it depends on `shiftgate-model`, not on
//! `shiftgate-check`); it never resends a payload the platform refused for its data; it never logs tokens,
//! secrets, names or bodies to the audit; it reads no clock outside the injected [`Clock`].
//!
//! ```
//! use shiftgate_publish::fake::FakePlatform;
//! use shiftgate_publish::{publish, AuditLog, PublishConfig, PublishOutcome, Target, TokioClock, Validation};
//!
//! let live = serde_json::json!({"format": "shiftgate.snapshot/1",
//!   "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
//!   "schedule": {"id": "s", "weekDate": "2026-11-29", "metadata": {"version": 3}},
//!   "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
//!   "agents": [{"id": "a-1"}],
//!   "agentSchedules": [{"user": {"id": "a-1"}, "metadata": {"version": 1},
//!     "shifts": [{"id": "s-1", "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 480}]}]});
//! let platform = FakePlatform::new(live);
//! // The CLI adapts the real checker; any `Fn(&Snapshot, &[usize]) -> Validation` will do here.
//! let validator = |_: &shiftgate_model::Snapshot, _: &[usize]| Validation::default();
//! let target = Target { business_unit_id: "bu".into(), week_id: "2026-11-29".into(), schedule_id: "s".into() };
//! let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! let report = rt.block_on(async {
//!     let mut audit = AuditLog::in_memory();
//!     publish(&platform, &validator, &TokioClock::new(), &mut audit, &PublishConfig::new(target)).await
//! }).unwrap();
//! assert!(matches!(report.outcome, PublishOutcome::Published { schedule_version: Some(4), .. }));
//! assert_eq!(report.outcome.exit_code(), 0);
//! ```

pub mod audit;
pub mod base_url;
pub mod canon;
pub mod classify;
pub mod clock;
pub mod diff;
mod error;
pub mod explain;
pub mod fake;
pub mod genesys;
pub mod hidden;
pub mod http;
pub mod machine;
pub mod oauth;
mod outcome;
pub mod pacing;
pub mod plan;
mod platform;
pub mod rest;
pub mod retry;
pub mod revalidate;
#[cfg(test)]
mod testdata;
pub mod timings;
mod validator;

pub use audit::{verify_chain, AuditLog, AuditRecord, AuditWaiver, Counters};
pub use classify::Classification;
pub use clock::{Clock, TokioClock};
pub use diff::ScheduleDiff;
pub use error::PublishError;
pub use explain::{explain_conflict, explain_conflict_bytes, ConflictExplanation, ServerConflict};
pub use http::{HttpSettings, Request};
pub use machine::{publish, PublishConfig, SettlePolicy};
pub use outcome::{ExcludedTrade, GiveUpReason, PublishOutcome, PublishReport, WriteFate, WriteReport, REPORT_FORMAT};
pub use pacing::{RouteTraffic, Traffic};
pub use platform::{
    Fetched, PlatformClient, PlatformError, RequestLabel, Response, Step, Submission, SubmitResult, Target,
};
pub use rest::AnyPlatform;
pub use timings::{RunTimings, WaitKind, WaitTiming};
pub use validator::{PublishFinding, PublishWaiver, Validation, Validator};
