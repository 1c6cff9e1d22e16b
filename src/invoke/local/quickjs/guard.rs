//! What QuickJS's interrupt handler consults while a function runs: a deadline and the caller's
//! cancel flag. Time runs in real time: timer waits are slept, not skipped, so `Date.now()` and
//! timers agree and a wait counts against the limit like any work.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why the interrupt handler stopped the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trip {
    /// The deadline passed.
    Timeout,
    /// The caller set the cancel flag.
    Cancelled,
}

/// A deadline and a cancel flag, armed while the function's code may run.
pub(crate) struct Guard {
    epoch: Instant,
    armed: Cell<bool>,
    deadline: Cell<Instant>,
    cancel: RefCell<Arc<AtomicBool>>,
    tripped: Cell<Option<Trip>>,
}

impl Guard {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            epoch: now,
            armed: Cell::new(false),
            deadline: Cell::new(now),
            cancel: RefCell::new(Arc::new(AtomicBool::new(false))),
            tripped: Cell::new(None),
        }
    }

    /// Starts a run: the deadline `timeout` from now.
    pub(crate) fn arm(&self, timeout: Duration, cancel: Arc<AtomicBool>) {
        let now = Instant::now();
        // A limit too large for the clock is as good as none: a year.
        let far = Duration::from_secs(365 * 24 * 3600);
        let deadline = now
            .checked_add(timeout)
            .or_else(|| now.checked_add(far))
            .unwrap_or(now);
        self.deadline.set(deadline);
        if let Ok(mut slot) = self.cancel.try_borrow_mut() {
            *slot = cancel;
        }
        self.tripped.set(None);
        self.armed.set(true);
    }

    /// Ends a run: the platform layer's own code may run again without limits.
    pub(crate) fn disarm(&self) {
        self.armed.set(false);
    }

    /// Whether the run must stop, remembering the first reason found.
    pub(crate) fn check(&self) -> Option<Trip> {
        if !self.armed.get() {
            return None;
        }
        if let Some(trip) = self.tripped.get() {
            return Some(trip);
        }
        let cancelled = self
            .cancel
            .try_borrow()
            .map(|flag| flag.load(Ordering::Relaxed))
            .unwrap_or(false);
        let trip = if cancelled {
            Trip::Cancelled
        } else if Instant::now() >= self.deadline.get() {
            Trip::Timeout
        } else {
            return None;
        };
        self.tripped.set(Some(trip));
        Some(trip)
    }

    /// Time left before the deadline.
    pub(crate) fn left(&self) -> Duration {
        self.deadline
            .get()
            .saturating_duration_since(Instant::now())
    }

    /// The host clock the platform layer's timers run on: milliseconds since the guard was made.
    pub(crate) fn now_ms(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64() * 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_trips_on_cancel_and_on_the_deadline_only_while_armed() {
        let guard = Guard::new();
        assert_eq!(guard.check(), None);
        let cancel = Arc::new(AtomicBool::new(false));
        guard.arm(Duration::from_secs(10), Arc::clone(&cancel));
        assert_eq!(guard.check(), None);
        assert!(guard.left() > Duration::from_secs(9));
        cancel.store(true, Ordering::Relaxed);
        assert_eq!(guard.check(), Some(Trip::Cancelled));
        guard.arm(Duration::ZERO, Arc::new(AtomicBool::new(false)));
        assert_eq!(guard.check(), Some(Trip::Timeout));
        guard.disarm();
        assert_eq!(guard.check(), None);
        // A limit past the clock's range does not overflow into an instant timeout.
        guard.arm(Duration::MAX, Arc::new(AtomicBool::new(false)));
        assert_eq!(guard.check(), None);
    }
}
