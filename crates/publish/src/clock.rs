//! Time for the state machine: the current instant and sleeping, behind a trait so tests run on tokio's paused
//! clock (or record every wait) and pure code never reads the clock itself.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// The run's clock.
pub trait Clock: Send + Sync {
    /// The current instant (audit timestamps, `asOf`, `Retry-After` dates, the deadline).
    fn now(&self) -> DateTime<Utc>;
    /// Waits.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Wall-clock time read once, advanced by tokio's monotonic clock: never jumps backwards, and under
/// `#[tokio::test(start_paused = true)]` it follows virtual time, so backoff tests take no real time.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    wall0: DateTime<Utc>,
    mono0: Instant,
}

impl TokioClock {
    /// Starts at the system's current time.
    pub fn new() -> TokioClock {
        TokioClock::starting_at(Utc::now())
    }

    /// Starts at a given instant (deterministic tests and demos).
    pub fn starting_at(wall0: DateTime<Utc>) -> TokioClock {
        TokioClock { wall0, mono0: Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = Instant::now().saturating_duration_since(self.mono0);
        let elapsed = chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero());
        self.wall0.checked_add_signed(elapsed).unwrap_or(self.wall0)
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(d))
    }
}
