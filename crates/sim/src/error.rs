//! Errors of the simulator's library API (not the HTTP error bodies it serves; see `api_error`).

use std::net::SocketAddr;

/// Why the simulator could not start or could not do what its API was asked.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The seed snapshot is not a valid `shiftgate.snapshot/1` document.
    #[error("invalid seed snapshot: {0}")]
    Snapshot(#[from] shiftgate_model::InputError),
    /// The seed snapshot lacks something the simulator needs to serve it.
    #[error("seed snapshot unusable: {0}")]
    Unusable(String),
    /// One item of a `--faults` spec could not be read.
    #[error("invalid fault {item:?}: {message}")]
    FaultSpec {
        /// The offending comma-separated item.
        item: String,
        /// What is wrong with it.
        message: String,
    },
    /// The concurrent editor found nothing it could edit (for example no agent with a shift, no TimeOff code).
    #[error("concurrent editor: {0}")]
    Editor(String),
}
