//! Shared server state: the store and everything around it (tokens, uploads, operations, channels, faults),
//! behind one tokio mutex; the journal behind a std mutex so it can be read without an async context.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex, MutexGuard};
use std::time::Instant;

use chrono::Utc;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Mutex, Semaphore};

use crate::api_error::ErrorBody;
use crate::config::{SimConfig, Switches};
use crate::editor::{EditReport, EditRequest};
use crate::error::SimError;
use crate::faults::{Counters, FaultPlan};
use crate::journal::Journal;
use crate::processing::PendingUpdate;
use crate::store::Store;
use crate::uploads::Uploads;

/// Everything the handlers share.
pub(crate) struct Sim {
    pub config: SimConfig,
    pub addr: SocketAddr,
    pub started: Instant,
    pub state: Mutex<State>,
    pub journal: StdMutex<Journal>,
    pub shutdown: watch::Receiver<bool>,
    /// Held while updates finish processing, so they finish one at a time and in order.
    pub processor: Mutex<()>,
    /// Permits to decompress and parse an upload (outside the state lock): bounds the memory that takes.
    pub decoders: Semaphore,
}

impl Sim {
    pub(crate) fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        // A panic while holding the journal lock cannot leave it half-written; keep serving.
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// An issued access token.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub client_id: String,
    pub expires_at: Instant,
}

/// A fixed rate-limit window of one client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateWindow {
    pub started: Instant,
    pub count: u32,
}

/// The outcome of an update operation, as the test route shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRecord {
    /// The id `POST .../update` returned.
    pub operation_id: String,
    /// `Processing`, then `Complete` or `Error`.
    pub status: String,
    /// Always `Update`.
    pub event_type: String,
    /// Schedule metadata after a `Complete` update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// Sim-only: why an `Error` happened (the ErrorBody a synchronous answer would have carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim_error: Option<ErrorBody>,
    /// `pending` (still processing), `delivered`, or `suppressed` (by a `noevent` or `closing` fault).
    pub event: String,
    /// Number of sockets the event was sent to.
    pub delivered_to: u32,
}

/// A command to a websocket task.
#[derive(Debug)]
pub(crate) enum WsCommand {
    Text(String),
    Close,
}

/// The socket currently attached to a channel.
#[derive(Debug)]
pub(crate) struct Socket {
    pub conn: u64,
    pub tx: mpsc::UnboundedSender<WsCommand>,
}

/// A notification channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub topics: Vec<String>,
    pub socket: Option<Socket>,
    pub expires: chrono::DateTime<Utc>,
    /// The OAuth client that created it (channels are limited per client).
    pub client: String,
    /// Creation order.
    pub created: u64,
}

/// The mutable state.
pub(crate) struct State {
    pub store: Store,
    pub switches: Switches,
    pub plan: FaultPlan,
    pub counters: Counters,
    /// Effective seed (the plan's `seed=` or the config's).
    pub seed: u64,
    pub editor_rng: ChaCha8Rng,
    pub edits: u64,
    pub next_shift_id: u64,
    pub next_conn: u64,
    pub tokens: HashMap<String, Token>,
    pub rate: HashMap<String, RateWindow>,
    pub uploads: Uploads,
    pub operations: HashMap<String, OperationRecord>,
    /// Operation ids, oldest first, so the oldest finished ones can be forgotten past the journal bound.
    pub operation_order: VecDeque<String>,
    /// Accepted updates still processing, in arrival order.
    pub processing: VecDeque<PendingUpdate>,
    pub channels: HashMap<String, Channel>,
}

impl State {
    pub(crate) fn new(store: Store, config: &SimConfig) -> State {
        let seed = config.faults.seed.unwrap_or(config.seed);
        State {
            store,
            switches: config.switches,
            plan: config.faults.clone(),
            counters: Counters::default(),
            seed,
            editor_rng: ChaCha8Rng::seed_from_u64(seed),
            edits: 0,
            next_shift_id: 0,
            next_conn: 0,
            tokens: HashMap::new(),
            rate: HashMap::new(),
            uploads: Uploads::default(),
            operations: HashMap::new(),
            operation_order: VecDeque::new(),
            processing: VecDeque::new(),
            channels: HashMap::new(),
        }
    }

    /// Replaces the fault plan, resets the request counters and re-seeds.
    pub(crate) fn set_plan(&mut self, plan: FaultPlan, config_seed: u64) {
        self.seed = plan.seed.unwrap_or(config_seed);
        self.editor_rng = ChaCha8Rng::seed_from_u64(self.seed);
        self.plan = plan;
        self.counters = Counters::default();
    }

    /// Runs the concurrent editor. A schedule edit is another writer's update: its own operation, announced on
    /// the schedules topic as `Processing` then `Complete` (a time-off request is not a schedule update and
    /// announces nothing there).
    pub(crate) fn edit(&mut self, req: &EditRequest, limit: usize) -> Result<EditReport, SimError> {
        self.edits += 1;
        let mut report = crate::editor::edit(&mut self.store, req, &mut self.editor_rng, self.edits, Utc::now())?;
        if report.action == crate::editor::EditAction::Bump {
            report.operation_id = Some(crate::processing::announce_other_writer(self, limit));
        }
        Ok(report)
    }

    /// Records an operation, forgetting the oldest finished ones past `limit`.
    pub(crate) fn remember_operation(&mut self, op: OperationRecord, limit: usize) {
        let id = op.operation_id.clone();
        if self.operations.insert(id.clone(), op).is_none() {
            self.operation_order.push_back(id);
        }
        while self.operation_order.len() > limit.max(1) {
            let Some(old) = self.operation_order.pop_front() else { break };
            if self.operations.get(&old).is_some_and(|o| o.status == "Processing") {
                // Still processing: bounded by the held uploads; keep it and stop here.
                self.operation_order.push_front(old);
                break;
            }
            self.operations.remove(&old);
        }
    }
}

/// Per-connection handle, reachable from handlers through `ConnectInfo`: lets a `drop` fault close the
/// connection without sending the response.
#[derive(Clone, Debug)]
pub(crate) struct ConnHandle {
    pub kill: Arc<AtomicBool>,
}

impl ConnHandle {
    pub(crate) fn kill(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

/// Handed from the gate to handlers through request extensions: the OAuth client making the request.
#[derive(Clone, Debug)]
pub(crate) struct ClientId(pub String);

/// Handed from a write handler to the gate through response extensions: which attempt the response belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AttemptSeq(pub u64);

/// Handed from the gate to the update handler through request extensions: faults acting after processing.
#[derive(Clone, Debug, Default)]
pub(crate) struct PostFaults(pub Vec<crate::faults::FaultAction>);
