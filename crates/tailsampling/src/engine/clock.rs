//! The processor's clock: the system wall clock or a manual one moved by `set_time`. Either
//! way it never goes backwards, so the timing wheel and windows only move forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::options::ClockMode;

/// A monotonic view of unix-nanosecond time.
#[derive(Debug)]
pub(crate) struct Clock {
    mode: ClockMode,
    /// The latest time observed or set.
    now: AtomicI64,
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Clock {
    pub(crate) fn new(mode: ClockMode) -> Self {
        let start = match mode {
            ClockMode::System => system_now(),
            ClockMode::Manual => 0,
        };
        Self {
            mode,
            now: AtomicI64::new(start),
        }
    }

    pub(crate) fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Now, in unix nanoseconds; never less than an earlier answer.
    pub(crate) fn now(&self) -> i64 {
        match self.mode {
            ClockMode::Manual => self.now.load(Ordering::Acquire),
            ClockMode::System => {
                let t = system_now();
                self.now.fetch_max(t, Ordering::AcqRel).max(t)
            }
        }
    }

    /// Moves a manual clock to `t`; an earlier time than the current one is ignored.
    pub(crate) fn set(&self, t: i64) {
        self.now.fetch_max(t, Ordering::AcqRel);
    }
}

/// Whole seconds of a unix-nanosecond time (negative times count as 0).
pub(crate) fn secs(t_ns: i64) -> u64 {
    u64::try_from(t_ns.max(0)).unwrap_or(0) / 1_000_000_000
}
