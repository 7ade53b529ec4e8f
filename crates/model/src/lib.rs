//! # shiftgate-model
//!
//! The schedule snapshot that shiftgate gates: the `shiftgate.snapshot/1` format, its validation, the one time
//! module, and trade application.
//!
//! Key types:
//! - [`Snapshot`]: a validated week (agents, shifts with activities, full-day markers, history, time-off requests,
//!   trades). Read it with [`Snapshot::from_json`], which reports every problem at once with its JSON path.
//! - [`Interval`] and [`Zone`]: half-open UTC intervals, and the business unit's zone (local dates, DST, messages).
//! - [`apply_trades`] → [`Roster`]: who holds each shift after approved trades, with provenance, which trades
//!   failed, and which the draft already reflects ([`Roster::already_applied`]: a re-run after a publish moves
//!   nothing and fails nothing; the rule is in the `trade` module's documentation).
//! - [`Snapshot::reflected_requests`] / [`reflected_requests`]: which time-off requests the draft reflects (the one
//!   reading of DESIGN.md §3 that the checker, the reports and the simulator share).
//! - [`limits`]: the documented input limits (document size, id length, list sizes) that validation enforces.
//!
//! What it does not do: no I/O, no clock (the evaluation instant is `asOf` or passed in), no rules. A rule
//! violation is never an error here; the checker reports it as a finding. Input it refuses is an
//! [`InputError`] listing every problem with its JSON path: malformed or oversized input, ids with control
//! characters, schedule instants that are not whole minutes, lists beyond [`limits`].
//!
//! ```
//! let json = br#"{"format":"shiftgate.snapshot/1",
//!   "businessUnit":{"id":"bu","timeZone":"America/Chicago"},
//!   "schedule":{"id":"s","weekDate":"2026-11-29"},
//!   "activityCodes":[{"id":"0","category":"OnQueueWork"}],
//!   "agents":[{"id":"a-1"}],
//!   "agentSchedules":[{"user":{"id":"a-1"},"shifts":[{"id":"s-1","startDate":"2026-11-30T14:00:00Z","lengthMinutes":480}]}]}"#;
//! let snapshot = shiftgate_model::Snapshot::from_json(json).unwrap();
//! let roster = shiftgate_model::apply_trades(&snapshot);
//! assert_eq!(roster.by_agent[0].len(), 1);
//! assert_eq!(snapshot.zone().format_interval(&snapshot.shifts[0].interval), "Mon Nov 30 08:00-16:00 CST");
//! ```

#![warn(missing_docs)]

mod error;
pub mod format;
mod id;
pub mod limits;
mod reflected;
mod snapshot;
pub mod time;
mod trade;
mod validate;

pub use error::{InputError, Problem};
pub use id::{id_problem, ActivityCodeId, AgentId, AgentIx, CodeIx, ShiftId, ShiftIx, TimeOffRequestId, TradeId};
pub use limits::MAX_LENGTH_MINUTES;
pub use reflected::reflected_requests;
pub use snapshot::{
    Activity, ActivityCode, Agent, BusinessUnit, Category, FullDayMarker, Lack, ScheduleInfo, Shift, ShiftTrade,
    Snapshot, Source, TimeOffRequest, TimeOffStatus, TradeState,
};
pub use time::{Interval, LocalReading, Zone};
pub use trade::{
    apply_trades, apply_trades_excluding, approved_in_order, Move, Roster, Side, TradeFailure, TradeProblem,
};
