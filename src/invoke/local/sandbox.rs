//! The sandbox around a function: the guard the interrupt handler consults (deadline, cancel
//! flag, skipped timer waits), the log sink behind `console`, and the JavaScript prelude that
//! installs `console`, timers, `module`/`exports` and the refusals (`require`, `eval`,
//! `new Function`).
//!
//! QuickJS without its `quickjs-libc` part has no file system, network or process objects, so
//! the sandbox only has to add what functions use and refuse the rest.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Ctx, Function, Object};

use super::errors::SANDBOX_FILE;
use super::{LogLevel, LogLine};

/// The sandbox's JavaScript: a function of the host object returning the control object.
const PRELUDE: &str = include_str!("prelude.js");

/// The longest log message kept, in characters; longer ones are cut and marked.
pub const MAX_LOG_MESSAGE_CHARS: usize = 16 * 1024;

/// Why the interrupt handler stopped the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trip {
    /// The deadline passed.
    Timeout,
    /// The caller set the cancel flag.
    Cancelled,
}

/// What the interrupt handler checks: while armed, a deadline and a cancel flag. Timer waits
/// are skipped rather than slept, and the time skipped moves the deadline closer, so a run
/// still cannot wait or compute past its limit in total.
pub(crate) struct Guard {
    armed: Cell<bool>,
    started: Cell<Instant>,
    deadline: Cell<Instant>,
    skipped: Cell<Duration>,
    timeout: Cell<Duration>,
    cancel: RefCell<Arc<AtomicBool>>,
    tripped: Cell<Option<Trip>>,
}

impl Guard {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            armed: Cell::new(false),
            started: Cell::new(now),
            deadline: Cell::new(now),
            skipped: Cell::new(Duration::ZERO),
            timeout: Cell::new(Duration::ZERO),
            cancel: RefCell::new(Arc::new(AtomicBool::new(false))),
            tripped: Cell::new(None),
        }
    }

    /// Starts a run: the clock at zero, the deadline `timeout` from now.
    pub(crate) fn arm(&self, timeout: Duration, cancel: Arc<AtomicBool>) {
        let now = Instant::now();
        self.started.set(now);
        // A limit too large for the clock is as good as none: a year.
        let far = Duration::from_secs(365 * 24 * 3600);
        let deadline = now
            .checked_add(timeout)
            .or_else(|| now.checked_add(far))
            .unwrap_or(now);
        self.deadline.set(deadline);
        self.skipped.set(Duration::ZERO);
        self.timeout.set(timeout);
        if let Ok(mut slot) = self.cancel.try_borrow_mut() {
            *slot = cancel;
        }
        self.tripped.set(None);
        self.armed.set(true);
    }

    /// Ends a run: the interrupt handler lets the sandbox's own code run again.
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

    /// The run's clock in milliseconds: real time since `arm` plus the timer waits skipped.
    pub(crate) fn now_ms(&self) -> f64 {
        let elapsed = self
            .started
            .get()
            .elapsed()
            .saturating_add(self.skipped.get());
        elapsed.as_secs_f64() * 1000.0
    }

    /// The run's time limit.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout.get()
    }

    /// Moves the clock forward to `due_ms` (a timer's due time) without waiting. Returns false,
    /// and trips the guard, when that is past the time limit.
    pub(crate) fn skip_to(&self, due_ms: f64) -> bool {
        let limit_ms = self.timeout.get().as_secs_f64() * 1000.0;
        if due_ms > limit_ms {
            self.tripped.set(Some(Trip::Timeout));
            return false;
        }
        let ahead_ms = due_ms - self.now_ms();
        if ahead_ms > 0.0 {
            let ahead = Duration::try_from_secs_f64(ahead_ms / 1000.0).unwrap_or(Duration::MAX);
            self.skipped.set(self.skipped.get().saturating_add(ahead));
            let deadline = self.deadline.get();
            self.deadline
                .set(deadline.checked_sub(ahead).unwrap_or_else(Instant::now));
        }
        true
    }
}

/// Log lines captured during one run, at most `max` of them.
#[derive(Debug, Default)]
pub(crate) struct LogSink {
    pub max: usize,
    pub lines: Vec<LogLine>,
    pub dropped: usize,
}

impl LogSink {
    pub(crate) fn push(&mut self, level: LogLevel, message: String) {
        if self.lines.len() >= self.max {
            self.dropped += 1;
            return;
        }
        let message = match message.char_indices().nth(MAX_LOG_MESSAGE_CHARS) {
            Some((cut, _)) => format!(
                "{}… (cut at {MAX_LOG_MESSAGE_CHARS} characters)",
                &message[..cut]
            ),
            None => message,
        };
        self.lines.push(LogLine { level, message });
    }

    /// Takes the lines and the dropped count, leaving the sink empty for the next run.
    pub(crate) fn take(&mut self) -> (Vec<LogLine>, usize) {
        let dropped = std::mem::take(&mut self.dropped);
        (std::mem::take(&mut self.lines), dropped)
    }
}

/// Installs the sandbox into a fresh context and returns the prelude's control object
/// (`invoke`, `nextDue`, `runNext`, `describe`, `entry`).
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    guard: &Rc<Guard>,
    sink: &Rc<RefCell<LogSink>>,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    let log_sink = Rc::clone(sink);
    host.set(
        "log",
        Function::new(ctx.clone(), move |level: String, message: String| {
            let level = match level.as_str() {
                "debug" => LogLevel::Debug,
                "warn" => LogLevel::Warn,
                "error" => LogLevel::Error,
                _ => LogLevel::Info,
            };
            if let Ok(mut sink) = log_sink.try_borrow_mut() {
                sink.push(level, message);
            }
        })?,
    )?;
    let clock = Rc::clone(guard);
    host.set("now", Function::new(ctx.clone(), move || clock.now_ms())?)?;
    let mut options = EvalOptions::default();
    options.filename = Some(SANDBOX_FILE.to_owned());
    let prelude: Function = ctx.eval_with_options(PRELUDE, options)?;
    prelude.call((host,))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sink_keeps_the_first_lines_and_counts_the_rest() {
        let mut sink = LogSink {
            max: 2,
            ..LogSink::default()
        };
        for i in 0..5 {
            sink.push(LogLevel::Info, format!("line {i}"));
        }
        let (lines, dropped) = sink.take();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].message, "line 1");
        assert_eq!(dropped, 3);
        assert_eq!(sink.take(), (Vec::new(), 0));
    }

    #[test]
    fn long_messages_are_cut() {
        let mut sink = LogSink {
            max: 1,
            ..LogSink::default()
        };
        sink.push(LogLevel::Warn, "é".repeat(MAX_LOG_MESSAGE_CHARS + 10));
        let (lines, _) = sink.take();
        assert!(lines[0].message.ends_with("(cut at 16384 characters)"));
        assert!(lines[0].message.starts_with("éé"));
    }

    #[test]
    fn the_guard_trips_on_cancel_and_on_skipping_past_the_limit() {
        let guard = Guard::new();
        assert_eq!(guard.check(), None);
        let cancel = Arc::new(AtomicBool::new(false));
        guard.arm(Duration::from_secs(10), Arc::clone(&cancel));
        assert_eq!(guard.check(), None);
        assert!(guard.skip_to(5_000.0));
        assert!(guard.now_ms() >= 5_000.0);
        cancel.store(true, Ordering::Relaxed);
        assert_eq!(guard.check(), Some(Trip::Cancelled));
        guard.arm(Duration::from_millis(100), Arc::new(AtomicBool::new(false)));
        assert!(!guard.skip_to(150.0));
        assert_eq!(guard.check(), Some(Trip::Timeout));
        guard.disarm();
        assert_eq!(guard.check(), None);
        // A limit past the clock's range does not overflow into an instant timeout.
        guard.arm(Duration::MAX, Arc::new(AtomicBool::new(false)));
        assert_eq!(guard.check(), None);
        assert!(guard.skip_to(1e9));
        assert_eq!(guard.check(), None);
    }
}
