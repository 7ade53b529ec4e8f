//! Exit codes: the binary owns them.

use std::fmt;

/// 0: nothing at or above `--fail-on`.
pub(crate) const OK: u8 = 0;
/// 1: blocking findings.
pub(crate) const FINDINGS: u8 = 1;
/// 2: usage, input, config or rule-compile error.
pub(crate) const INPUT: u8 = 2;
/// 3: a rule failed at run time; the gate fails closed.
pub(crate) const RULE_FAILED: u8 = 3;
/// 4: the platform could not be worked with now (publish gave up; pull could not read): try again later.
pub(crate) const GAVE_UP: u8 = 4;

/// An error with the exit code it maps to.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

pub(crate) trait WithCode<T> {
    /// Attaches an exit code to an error.
    fn code(self, code: u8) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> WithCode<T> for Result<T, E> {
    fn code(self, code: u8) -> Result<T, Failure> {
        self.map_err(|e| Failure { code, error: e.into() })
    }
}

/// The exit code of a failed check run: 2 when the input is at fault (an agent's own parameter), 3 when a rule
/// failed.
pub(crate) fn of_run_error(e: &shiftgate_check::RunError) -> u8 {
    if e.is_input_error() {
        INPUT
    } else {
        RULE_FAILED
    }
}
