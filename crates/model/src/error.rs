//! Input errors: a snapshot that cannot be read, or that breaks the format's rules.
//!
//! A rule violation is never an input error: it is a finding, reported by the checker.

use std::fmt;

/// One problem found while validating a snapshot, located by its JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the offending value, e.g. `agentSchedules[3].shifts[0].lengthMinutes`.
    pub path: String,
    /// What is wrong, naming the offending value, e.g. `must be > 0, got -5`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a snapshot could not be turned into a [`crate::Snapshot`].
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The bytes are not JSON, or a value has the wrong JSON type.
    #[error("{path}: {message} (line {line}, column {column})")]
    Syntax {
        /// JSON path where parsing stopped (`.` for the document itself).
        path: String,
        /// The parser's message.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The JSON is well-formed but breaks the format; every problem is listed.
    #[error("{} problem(s) in the snapshot:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

impl InputError {
    /// The individual problems (one for a syntax error).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            InputError::Syntax { path, message, line, column } => {
                vec![Problem { path: path.clone(), message: format!("{message} (line {line}, column {column})") }]
            }
            InputError::Invalid(p) => p.clone(),
        }
    }
}
