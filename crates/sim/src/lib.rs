//! shiftgate-sim (docs pending)

mod api_error;
mod apply;
mod config;
mod conflicts;
mod editor;
mod error;
mod faults;
mod gate;
mod journal;
mod rejection;
mod routes;
mod server;
mod state;
mod store;

pub use api_error::{Detail, ErrorBody, Limit};
pub use config::{ErrorDelivery, RateLimit, SimConfig, Switches};
pub use conflicts::{Conflict, ConflictKind};
pub use editor::{EditAction, EditReport, EditRequest};
pub use error::SimError;
pub use faults::{FaultAction, FaultPlan, Occurrence, RandomFaults, RequestKind, ScriptedFault};
pub use journal::{AttemptOutcome, RequestRecord, WriteAttempt, WriteKind};
pub use rejection::{DATA_CONFLICT_CODE, VERSION_MISMATCH_CODE, VERSION_MISMATCH_MESSAGE};
pub use server::{start, start_wire, SimServer};
pub use state::OperationRecord;
