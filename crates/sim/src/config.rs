//! How a simulator is set up: address, credentials, switches, limits and timings.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::faults::FaultPlan;

/// Where a rejected Genesys update (stale version, data conflict) is reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorDelivery {
    /// `POST .../update` answers the ErrorBody itself (409, or 400 for the version variant) when the update is
    /// already refused on arrival: the seed incident's behaviour, not the platform's.
    Sync,
    /// `POST .../update` answers 202 Processing; the outcome is an `Error` event without detail, as the real
    /// platform does (wfm-api.md §1.6, §6). The detail is still readable at `GET /__sim/operations/{operationId}`
    /// (`simError`). The default.
    #[default]
    Async,
}

/// A fixed-window rate limit per OAuth client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Window length.
    pub window: Duration,
}

impl Default for RateLimit {
    /// Genesys Cloud's default for a client-credentials client: 300 per minute.
    fn default() -> Self {
        RateLimit { requests: 300, window: Duration::from_secs(60) }
    }
}

/// Switches that tests may flip while the simulator runs (`PUT /__sim/switches`). The defaults are the platform's
/// behaviour as the public record gives it; each switch away from them is a named leniency or a test aid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Switches {
    /// Report a stale version as 400 "... does not match the current version" instead of 409.
    pub version_conflict_as_400: bool,
    /// Synchronous ErrorBody or asynchronous `Error` event.
    pub error_delivery: ErrorDelivery,
    /// Add the sim-only `conflicts` array (with the reason of each conflict) to Genesys 409 data-conflict bodies.
    /// Off by default: the real platform names agents and time ranges but not why.
    pub explain_conflicts: bool,
    /// Keep, on each applied write attempt, the state it found and the state it left ([`crate::WriteAttempt`]'s
    /// `states`), so tests can judge exactly what a write landed on. Off by default: two copies of the store per
    /// applied write.
    pub record_states: bool,
    /// Whether the REST contract (`/api/v2/wfm/...`) requires a bearer token, as every Genesys route does. On by
    /// default; off lets an anonymous client read and write it (the seed's simpler contract).
    pub rest_requires_auth: bool,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            version_conflict_as_400: false,
            error_delivery: ErrorDelivery::Async,
            explain_conflicts: false,
            record_states: false,
            rest_requires_auth: true,
        }
    }
}

/// Bounds on what one client can make the simulator hold or build. Every limit answers a clear refusal, never a
/// crash or an unbounded allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body of the small JSON routes (queries, `uploadurl`, `update`, subscriptions, token, switches).
    /// 1 MiB: the largest honest one is a query naming every agent of a big unit (10,000 ids is about 400 KB).
    pub json_body_bytes: usize,
    /// Largest snapshot body (REST `PUT`, `POST /__sim/seed`). 64 MiB: a generated 10,000-agent week is about
    /// 40 MB of JSON.
    pub snapshot_body_bytes: usize,
    /// Largest gzip body of one pre-signed upload, and so the largest `contentLengthBytes` `uploadurl` accepts.
    /// 16 MiB: schedule JSON compresses about tenfold, so this holds the 40 MB week with room to spare.
    pub upload_bytes: usize,
    /// Largest decompressed upload. Decompression stops after reading this many bytes, so a gzip bomb costs at
    /// most this much. 64 MiB, as for a snapshot.
    pub upload_decompressed_bytes: usize,
    /// Total gzip bytes held for uploads not yet processed (uploaded, or handed to an update still processing).
    /// A `PUT` that would go over it is refused (503 `SlowDown`) until uploads are used or expire.
    pub uploads_held_bytes: usize,
    /// Most upload keys outstanding at once (issued and neither used nor expired); `uploadurl` answers 429 past it.
    pub uploads_outstanding: usize,
    /// How long an issued upload URL stays valid; an unused upload is forgotten after it.
    pub upload_ttl: Duration,
    /// Most conflicts (or 400 problems) listed in one error body; the rest are counted ("and N more").
    pub conflicts_listed: usize,
    /// Most bytes of conflict text (ids and reasons) listed in one error body, whatever the count.
    pub conflict_text_bytes: usize,
    /// Most request records and write attempts the journal keeps (the oldest are dropped first).
    pub journal_records: usize,
    /// Most live access tokens; issuing one more forgets the oldest.
    pub tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        const MIB: usize = 1024 * 1024;
        Limits {
            json_body_bytes: MIB,
            snapshot_body_bytes: 64 * MIB,
            upload_bytes: 16 * MIB,
            upload_decompressed_bytes: 64 * MIB,
            uploads_held_bytes: 64 * MIB,
            uploads_outstanding: 1_000,
            upload_ttl: Duration::from_secs(15 * 60),
            conflicts_listed: 100,
            conflict_text_bytes: 32 * 1024,
            journal_records: 100_000,
            tokens: 10_000,
        }
    }
}

/// Everything needed to start a simulator. `SimConfig::default()` is a working set-up on `127.0.0.1:0`.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// OAuth client id accepted by `POST /oauth/token`.
    pub client_id: String,
    /// OAuth client secret accepted by `POST /oauth/token`.
    pub client_secret: String,
    /// Lifetime of an issued token (`expires_in`).
    pub token_ttl: Duration,
    /// Scripted and random faults.
    pub faults: FaultPlan,
    /// Seed of every random choice (random faults, the concurrent editor); a `seed=` in the fault plan wins.
    pub seed: u64,
    /// Initial switches.
    pub switches: Switches,
    /// Rate limit per client; `None` disables it.
    pub rate_limit: Option<RateLimit>,
    /// Processing time of an accepted update: the update is judged and applied, and its outcome event published,
    /// this long after `POST .../update` answered 202 (reads in between see the old state). A `settle` fault ends
    /// every update still processing at once. (Named for when it only delayed the event.)
    pub completion_delay: Duration,
    /// Interval of the websocket heartbeat message.
    pub heartbeat_interval: Duration,
    /// Delay between a `v2.system.socket_closing` message and the socket actually closing.
    pub socket_close_delay: Duration,
    /// Body sizes, held uploads, listed conflicts, journal and token bounds.
    pub limits: Limits,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            client_id: "shiftgate-sim-client".to_string(),
            client_secret: "shiftgate-sim-secret".to_string(),
            token_ttl: Duration::from_secs(86_400),
            faults: FaultPlan::default(),
            seed: 0,
            switches: Switches::default(),
            rate_limit: Some(RateLimit::default()),
            completion_delay: Duration::from_millis(20),
            heartbeat_interval: Duration::from_secs(30),
            socket_close_delay: Duration::from_millis(200),
            limits: Limits::default(),
        }
    }
}
