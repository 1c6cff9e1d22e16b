//! One memory budget for every local run in this process. A run reserves its memory limit (and
//! room for its envelope) before it starts and gives it back when it ends; when the budget is
//! spent, the next run waits. So a batch of local runs at any concurrency uses at most the
//! budget, however much each run allocates up to its limit.
//!
//! The budget is half the machine's memory, between 1 GiB and 16 GiB, or
//! `SURVEY_CONSOLE_LOCAL_MEMORY_MB` megabytes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

/// How often a waiting run looks at its cancel flag.
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// Bytes reserved per byte of envelope: the JSON text and the engine's parsed copy.
const INPUT_FACTOR: usize = 3;

/// A budget of bytes shared by concurrent runs.
#[derive(Debug)]
pub struct MemoryBudget {
    total: usize,
    used: Mutex<usize>,
    freed: Condvar,
}

/// A reservation; dropping it gives the bytes back.
#[derive(Debug)]
pub struct Permit<'a> {
    budget: &'a MemoryBudget,
    bytes: usize,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        drop(used);
        self.budget.freed.notify_all();
    }
}

impl MemoryBudget {
    /// A budget of `total` bytes.
    pub fn new(total: usize) -> Self {
        Self {
            total: total.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// The budget's size in bytes.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Bytes reserved now.
    pub fn used(&self) -> usize {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a run with this memory limit and envelope reserves (never more than the budget, so
    /// a single run always fits).
    pub fn reservation(&self, memory_limit: usize, input_len: usize) -> usize {
        let limit = if memory_limit == 0 {
            self.total
        } else {
            memory_limit
        };
        limit
            .saturating_add(input_len.saturating_mul(INPUT_FACTOR))
            .min(self.total)
    }

    /// Waits until the run's reservation fits, then takes it; `None` when `cancel` was set
    /// while waiting.
    pub fn acquire(
        &self,
        memory_limit: usize,
        input_len: usize,
        cancel: &AtomicBool,
    ) -> Option<Permit<'_>> {
        let bytes = self.reservation(memory_limit, input_len);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            if *used == 0 || used.saturating_add(bytes) <= self.total {
                *used += bytes;
                return Some(Permit {
                    budget: self,
                    bytes,
                });
            }
            used = self
                .freed
                .wait_timeout(used, WAIT_SLICE)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// The process's budget.
pub fn shared() -> &'static MemoryBudget {
    static BUDGET: OnceLock<MemoryBudget> = OnceLock::new();
    BUDGET.get_or_init(|| MemoryBudget::new(default_total()))
}

fn default_total() -> usize {
    const MIB: usize = 1024 * 1024;
    if let Some(mb) = std::env::var("SURVEY_CONSOLE_LOCAL_MEMORY_MB")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|mb| *mb > 0)
    {
        return mb.saturating_mul(MIB);
    }
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .map_or(4096 * MIB, |kb| kb.saturating_mul(1024));
    (machine / 2).clamp(1024 * MIB, 16 * 1024 * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;

    #[test]
    fn a_second_run_waits_until_the_first_gives_its_memory_back() {
        let budget = Arc::new(MemoryBudget::new(300));
        let never = AtomicBool::new(false);
        let first = budget.acquire(200, 0, &never).unwrap();
        assert_eq!(budget.used(), 200);
        let (tx, rx) = mpsc::channel();
        let waiting = Arc::clone(&budget);
        let second = std::thread::Builder::new()
            .name("second-run".into())
            .spawn(move || {
                let never = AtomicBool::new(false);
                let permit = waiting.acquire(200, 0, &never).unwrap();
                tx.send(waiting.used()).unwrap();
                drop(permit);
            })
            .unwrap();
        // The second run cannot start while the first holds 200 of the 300 bytes.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 200);
        second.join().unwrap();
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_run_larger_than_the_budget_still_runs_alone_and_cancel_stops_a_wait() {
        let budget = MemoryBudget::new(100);
        let never = AtomicBool::new(false);
        assert_eq!(budget.reservation(1_000, 10), 100);
        assert_eq!(budget.reservation(10, 10), 40);
        let alone = budget.acquire(1_000, 0, &never).unwrap();
        let cancelled = AtomicBool::new(true);
        assert!(budget.acquire(10, 0, &cancelled).is_none());
        drop(alone);
        assert!(budget.acquire(10, 0, &never).is_some());
    }
}
