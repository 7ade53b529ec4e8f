//! How a simulator is set up: address, credentials, switches, limits and timings.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::faults::FaultPlan;

/// Where a rejected Genesys update (stale version, data conflict) is reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorDelivery {
    /// `POST .../update` answers the ErrorBody itself (409, or 400 for the version variant). The seed's incident.
    #[default]
    Sync,
    /// `POST .../update` answers 202 Processing; the outcome is an `Error` event without detail, as the real
    /// platform does. The detail is still readable at `GET /__sim/operations/{operationId}` (`simError`).
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

/// Switches that tests may flip while the simulator runs (`PUT /__sim/switches`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Whether the REST contract requires a bearer token too (it does not by default).
    pub rest_requires_auth: bool,
    /// Delay between accepting an update and publishing its outcome event.
    pub completion_delay: Duration,
    /// Interval of the websocket heartbeat message.
    pub heartbeat_interval: Duration,
    /// Delay between a `v2.system.socket_closing` message and the socket actually closing.
    pub socket_close_delay: Duration,
    /// Largest request body accepted (uploads and REST PUTs), and largest decompressed upload.
    pub max_body_bytes: usize,
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
            rest_requires_auth: false,
            completion_delay: Duration::from_millis(20),
            heartbeat_interval: Duration::from_secs(30),
            socket_close_delay: Duration::from_millis(200),
            max_body_bytes: 256 * 1024 * 1024,
        }
    }
}
