//! What the simulator received: every request (method, path, time, status) and every write attempt (versions,
//! payload hash, outcome), so tests can check ordering ("nothing before Retry-After") and what was written.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shiftgate_model::format::WireSnapshot;

use crate::conflicts::Conflict;
use crate::store::Store;

/// One request as received (test routes under `/__sim/` are not recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// Arrival order, from 1.
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The request kind used by fault plans, if the route has one.
    pub kind: Option<String>,
    /// When it arrived (wall clock, UTC).
    pub received_at: DateTime<Utc>,
    /// Milliseconds since the simulator started (monotonic), for ordering and gap checks.
    pub elapsed_ms: u64,
    /// Status answered; `None` when the connection was dropped on purpose.
    pub status: Option<u16>,
    /// The `Retry-After` answered (whole seconds), on a 429 or a 503 that asked clients to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// Which contract a write used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteKind {
    /// `POST .../update` of the Genesys flow.
    #[serde(rename = "genesysUpdate")]
    GenesysUpdate,
    /// `PUT /api/v2/wfm/scheduling/schedules/{id}`.
    #[serde(rename = "restPut")]
    RestPut,
}

/// How a write ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttemptOutcome {
    /// Accepted for processing (202); the outcome replaces this when processing ends.
    Processing,
    /// Accepted and applied.
    Applied,
    /// A schedule or agent version was stale (409, or 400 with the switch, or an async `Error` event).
    VersionMismatch,
    /// The stale-ETag answer of the REST contract (412).
    PreconditionFailed,
    /// REST PUT without `If-Match` (428).
    PreconditionRequired,
    /// Data conflicts (409 or an async `Error` event).
    DataConflict,
    /// Malformed request or invalid resulting schedule (400).
    BadRequest,
    /// A scripted or random fault answered instead of processing (`status` says which).
    Fault,
}

/// One write attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteAttempt {
    /// Order among write attempts, from 1.
    pub seq: u64,
    /// Which contract.
    pub kind: WriteKind,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Milliseconds since the simulator started.
    pub elapsed_ms: u64,
    /// Schedule version the client sent (`metadata.version`, or the version in `If-Match`).
    pub schedule_version_sent: Option<i64>,
    /// Per-agent `metadata.version` sent, by user id (`None`: omitted). Empty for REST.
    pub agent_versions_sent: BTreeMap<String, Option<i64>>,
    /// Stored schedule version when the attempt was judged.
    pub schedule_version_before: i64,
    /// Stored schedule version after it.
    pub schedule_version_after: i64,
    /// `published` the client asked for.
    pub published: Option<bool>,
    /// Lower-case hex SHA-256 of the payload bytes as received (after gunzip for uploads).
    pub payload_sha256: Option<String>,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The HTTP status answered (202 for an update accepted for processing, whatever its outcome).
    pub status: u16,
    /// The update's operation id (Genesys, when one was started).
    pub operation_id: Option<String>,
    /// Whether the response was deliberately lost (`drop`, `lost504`).
    pub response_lost: bool,
    /// Agents whose schedule version moved.
    pub changed_agents: Vec<String>,
    /// Data conflicts found.
    pub conflicts: Vec<Conflict>,
    /// With the `record_states` switch, on an applied attempt: the store before and after it.
    #[serde(skip)]
    pub states: Option<Arc<LandedStates>>,
}

/// The store around one applied write.
#[derive(Clone, Debug, PartialEq)]
pub struct LandedStates {
    /// As the write found it, concurrent edits up to its arrival included.
    pub before: WireSnapshot<'static>,
    /// As the write left it.
    pub after: WireSnapshot<'static>,
}

impl LandedStates {
    pub(crate) fn new(before: &Store, after: &Store) -> Arc<LandedStates> {
        Arc::new(LandedStates { before: before.wire().clone(), after: after.wire().clone() })
    }
}

impl WriteAttempt {
    /// An attempt received now, before it is judged.
    pub(crate) fn received(kind: WriteKind, elapsed_ms: u64, current_version: i64) -> WriteAttempt {
        WriteAttempt {
            seq: 0,
            kind,
            received_at: Utc::now(),
            elapsed_ms,
            schedule_version_sent: None,
            agent_versions_sent: BTreeMap::new(),
            schedule_version_before: current_version,
            schedule_version_after: current_version,
            published: None,
            payload_sha256: None,
            outcome: AttemptOutcome::BadRequest,
            status: 0,
            operation_id: None,
            response_lost: false,
            changed_agents: Vec::new(),
            conflicts: Vec::new(),
            states: None,
        }
    }
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The records, behind a std mutex (never held across an await). Each list keeps its newest
/// [`crate::Limits::journal_records`] entries.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub requests: VecDeque<RequestRecord>,
    pub attempts: VecDeque<WriteAttempt>,
    pub next_request: u64,
    pub next_attempt: u64,
    pub limit: usize,
}

impl Journal {
    pub(crate) fn new(limit: usize) -> Journal {
        Journal { limit: limit.max(1), ..Journal::default() }
    }

    pub(crate) fn next_request_seq(&mut self) -> u64 {
        self.next_request += 1;
        self.next_request
    }

    pub(crate) fn push_request(&mut self, r: RequestRecord) {
        if self.requests.len() >= self.limit {
            self.requests.pop_front();
        }
        self.requests.push_back(r);
    }

    pub(crate) fn push_attempt(&mut self, mut a: WriteAttempt) -> u64 {
        self.next_attempt += 1;
        a.seq = self.next_attempt;
        if self.attempts.len() >= self.limit {
            self.attempts.pop_front();
        }
        self.attempts.push_back(a);
        self.next_attempt
    }

    /// Changes an attempt still kept (its outcome once processing ended, a lost response).
    pub(crate) fn update_attempt(&mut self, seq: u64, change: impl FnOnce(&mut WriteAttempt)) {
        if let Some(a) = self.attempts.iter_mut().rev().find(|a| a.seq == seq) {
            change(a);
        }
    }

    /// Marks an attempt's response as lost (set after processing, when a post fault fires).
    pub(crate) fn mark_lost(&mut self, seq: u64) {
        self.update_attempt(seq, |a| a.response_lost = true);
    }
}
