//! Errors that stop the publisher before or outside a run's decisions: configuration, the audit file, unusable
//! input. What happens *during* a run (blocked, conflicts, budgets) is a [`crate::PublishOutcome`], not an error.

use std::io;
use std::path::PathBuf;

/// A configuration, usage or local I/O problem (CLI exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A setting is missing or invalid (base URL, credentials, budgets).
    #[error("configuration: {0}")]
    Config(String),
    /// The audit log could not be opened or appended to. The run stops: an unaudited write is not allowed.
    #[error("audit log {}: {source}", path.display())]
    Audit {
        /// The audit file (or `<memory>`).
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An existing audit log does not verify, so appending to it would extend a broken chain.
    #[error("audit log {}: line {line}: {reason}", path.display())]
    AuditChain {
        /// The audit file.
        path: PathBuf,
        /// 1-based line number of the first bad line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A platform response given to `explain-conflict` is not JSON.
    #[error("the response body is not JSON: {0}")]
    ResponseBody(String),
}
