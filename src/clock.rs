//! "Now" comes from here so tests can move time (48-hour links, retries) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; only tests change it.
    offset_seconds: Arc<AtomicI64>,
    /// Unix seconds the clock stands still at, if a test froze it (0: running).
    frozen_at: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> OffsetDateTime {
        let base = match self.frozen_at.load(Ordering::SeqCst) {
            0 => OffsetDateTime::now_utc(),
            frozen => {
                OffsetDateTime::from_unix_timestamp(frozen).unwrap_or(OffsetDateTime::UNIX_EPOCH)
            }
        };
        base + Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }

    /// Stops this clock (and every clone of it) at its current second; `advance` still moves
    /// it. For tests whose outcome must not depend on how fast a loaded machine runs them.
    pub fn freeze(&self) {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.frozen_at.store(now, Ordering::SeqCst);
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.whole_seconds(), Ordering::SeqCst);
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock(+{}s)", self.offset_seconds.load(Ordering::SeqCst))
    }
}
