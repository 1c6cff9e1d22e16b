//! Running a batch: workers pull requests from one shared queue, judge each answer, and stream
//! the results to the caller; progress is kept in atomics that a UI can poll. HTTP targets run
//! on the async engine of [`super::http`] (a current-thread runtime per core); in-process
//! targets on worker threads, one per concurrent run.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::expect::tally;
use super::stats::requests_per_s;
use super::{Batch, BatchItem};
use crate::functions::Endpoint;
use crate::invoke::{
    Body, ErrorKind, Invocation, InvokeError, SessionSecrets, fail, invoke_prepared, now_ms,
};

/// Full invocation records kept for the first results of a batch (every result keeps its
/// verdict; the full record with the response body is kept only for these and for failures).
pub const KEEP_FIRST_RECORDS: usize = 500;

/// Full invocation records kept for failed results, beyond the first ones.
pub const KEEP_FAILED_RECORDS: usize = 2_000;

/// Response bodies larger than this are not kept in a batch's records (a note stands in).
pub const KEEP_BODY_MAX: usize = 1024 * 1024;

/// How long a cancelled run waits for in-process runs in flight before it returns without
/// them (HTTP requests in flight end at once).
const CANCEL_GRACE: Duration = Duration::from_millis(700);

/// How often waiting threads look at the cancel flag.
const POLL: Duration = Duration::from_millis(25);

/// How often the run takes the results the workers sent.
const DRAIN_EVERY: Duration = Duration::from_millis(5);

/// The result of one request: one payload file, one iteration.
#[derive(Clone, Debug)]
pub struct BatchResult {
    /// Index of the item in the batch.
    pub item: usize,
    /// The payload's file name.
    pub file: Arc<str>,
    /// The path as given, or `sample-payloads/NAME`.
    pub origin: Arc<str>,
    /// Which iteration, from 1.
    pub iteration: u32,
    /// Passed its expectation (or the contract).
    pub ok: bool,
    /// True when the request was sent (false when the payload could not be read).
    pub sent: bool,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long the invocation took.
    pub time_ms: f64,
    /// When it finished, in seconds since the batch started.
    pub at_s: f64,
    /// How many expectation and contract rules held (the rules themselves are in the record,
    /// and [`super::judge`] tells them again from it).
    pub rules_held: usize,
    /// How many rules were checked.
    pub rules_total: usize,
    /// What differs or failed, one message each.
    pub failures: Vec<String>,
    /// The whole invocation (its `request.body` is null: the item holds the envelope). Kept for
    /// the first [`KEEP_FIRST_RECORDS`] results and up to [`KEEP_FAILED_RECORDS`] failures.
    pub record: Option<Arc<Invocation>>,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunEnd {
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Cancelled by the caller.
    pub cancelled: bool,
    /// Stopped at the first failure (fail-fast).
    pub stopped_at_failure: bool,
    /// Requests the run planned.
    pub planned: usize,
}

/// Live counters of a running batch, shared between the run and whoever shows it.
#[derive(Debug, Default)]
pub struct Progress {
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    finished: AtomicBool,
    elapsed_us: AtomicU64,
    started: Mutex<Option<Instant>>,
}

/// What [`Progress`] says at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProgressSnapshot {
    /// Requests planned.
    pub total: usize,
    /// Requests finished (passed or failed).
    pub done: usize,
    /// Requests that failed.
    pub failed: usize,
    /// Requests not finished yet.
    pub remaining: usize,
    /// Time since the start (frozen once finished).
    pub elapsed: Duration,
    /// Finished requests per second.
    pub requests_per_s: f64,
    /// The run has returned.
    pub finished: bool,
}

impl Progress {
    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let finished = self.finished.load(Ordering::Acquire);
        let elapsed = if finished {
            Duration::from_micros(self.elapsed_us.load(Ordering::Relaxed))
        } else {
            self.started
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .map_or(Duration::ZERO, |s| s.elapsed())
        };
        ProgressSnapshot {
            total,
            done,
            failed: self.failed.load(Ordering::Relaxed),
            remaining: total.saturating_sub(done),
            elapsed,
            requests_per_s: requests_per_s(done, elapsed),
            finished,
        }
    }

    fn start(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.failed.store(0, Ordering::Relaxed);
        self.finished.store(false, Ordering::Release);
        *self.started.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    /// Counts a result the run handed on (only the run's own thread counts, so the
    /// engine's threads never contend for these counters).
    fn count(&self, ok: bool) {
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn finish(&self, elapsed: Duration) {
        self.elapsed_us
            .store(elapsed.as_micros() as u64, Ordering::Relaxed);
        self.finished.store(true, Ordering::Release);
    }
}

/// Runs a batch, calling `on_result` for each finished request in the order they finish.
/// Returns when every request is done, at the first failure with fail-fast, or when `cancel`
/// is set: HTTP requests still in flight then end at once (in-process runs within about a
/// second) and their results are dropped.
pub fn run(
    batch: &Batch,
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
    progress: &Arc<Progress>,
    mut on_result: impl FnMut(BatchResult),
) -> RunEnd {
    let planned = batch.planned();
    let started = Instant::now();
    progress.start(planned);
    let shared = Arc::new(Shared {
        batch: batch.clone(),
        secrets: secrets.clone(),
        cancel: Arc::clone(cancel),
        next: OwnLine(AtomicUsize::new(0)),
        stop: AtomicBool::new(false),
        last_exit_us: AtomicU64::new(0),
        kept: AtomicUsize::new(0),
        kept_failed: AtomicUsize::new(0),
        started,
    });
    // Results travel in chunks: the HTTP engine's threads hand on what they finished a few
    // milliseconds at a time ([`super::http`]); an in-process worker hands on each result.
    let (tx, rx) = mpsc::channel::<Vec<BatchResult>>();
    let workers = batch.settings.concurrency.clamp(1, super::MAX_CONCURRENCY);
    let workers = workers.min(planned.max(1));
    if matches!(batch.target.endpoint, Endpoint::Local(_)) {
        let mut spawned = 0;
        for i in 0..workers {
            let (shared, tx) = (Arc::clone(&shared), tx.clone());
            let thread = std::thread::Builder::new()
                .name(format!("batch-worker-{i}"))
                .spawn(move || worker(&shared, &tx));
            spawned += usize::from(thread.is_ok());
        }
        if spawned == 0 {
            // Not even one thread: run on this one.
            worker(&shared, &tx);
        }
    } else {
        super::http::start(&shared, workers, &tx);
    }
    drop(tx);
    let mut cancelled_at = None::<Instant>;
    // Poll rather than block on the channel: a blocked receiver would be woken by every result,
    // a context switch per request that costs more than the request itself on a fast endpoint.
    let mut disconnected = false;
    while !disconnected {
        std::thread::sleep(DRAIN_EVERY);
        loop {
            let chunk = match rx.try_recv() {
                Ok(chunk) => chunk,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    disconnected = true;
                    break;
                }
            };
            for result in chunk {
                progress.count(result.ok);
                on_result(result);
            }
        }
        if cancel.load(Ordering::Relaxed) {
            let at = *cancelled_at.get_or_insert_with(Instant::now);
            if at.elapsed() >= CANCEL_GRACE {
                break;
            }
        }
    }
    // The run ended when its last worker did (not when this loop noticed it).
    let elapsed = match shared.last_exit_us.load(Ordering::Relaxed) {
        us if disconnected && us > 0 => Duration::from_micros(us),
        _ => started.elapsed(),
    };
    progress.finish(elapsed);
    RunEnd {
        elapsed,
        cancelled: cancel.load(Ordering::Relaxed),
        stopped_at_failure: shared.stop.load(Ordering::Relaxed),
        planned,
    }
}

/// A value on a cache line of its own (128 bytes: two lines, as adjacent lines are fetched
/// together on x86_64).
#[repr(align(128))]
pub(super) struct OwnLine<T>(T);

/// What the workers share.
pub(super) struct Shared {
    pub(super) batch: Batch,
    pub(super) secrets: SessionSecrets,
    pub(super) cancel: Arc<AtomicBool>,
    /// The next request to take: request `j` is item `j % items`, iteration `j / items + 1`.
    /// Every request writes it, so it has a cache line of its own: the flags every request
    /// reads beside it are not invalidated on each take.
    next: OwnLine<AtomicUsize>,
    /// Set at the first failure with fail-fast.
    pub(super) stop: AtomicBool,
    /// When the last worker returned, in microseconds since the start.
    last_exit_us: AtomicU64,
    /// Full records kept so far: of any result, of failures.
    kept: AtomicUsize,
    kept_failed: AtomicUsize,
    pub(super) started: Instant,
}

impl Shared {
    /// The next request: its item index and iteration; `None` when all are taken.
    pub(super) fn take(&self) -> Option<(usize, u32)> {
        let items = self.batch.items.len();
        let j = self.next.0.fetch_add(1, Ordering::Relaxed);
        if j >= self.batch.planned() || items == 0 {
            return None;
        }
        Some((j % items, (j / items) as u32 + 1))
    }

    /// Marks a worker finished (the run ended when its last worker did).
    pub(super) fn exited(&self) {
        let us = self.started.elapsed().as_micros() as u64;
        self.last_exit_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Decides whether a finished result's full record is kept (and then completes it with
    /// `kept`), and stops the batch at a failure with fail-fast. The result is then handed on
    /// to the run, which counts it.
    pub(super) fn settle(&self, result: &mut BatchResult, kept: impl FnOnce(&mut Invocation)) {
        // Decide here whether the full record is kept, so the ones not kept are freed by the
        // thread that made them (cheaper for the allocator than freeing them elsewhere).
        // Read before counting: once the first records are kept, a passed result writes no
        // shared counter.
        let keep = (self.keeping_first()
            && self.kept.fetch_add(1, Ordering::Relaxed) < KEEP_FIRST_RECORDS)
            || (!result.ok
                && self.kept_failed.load(Ordering::Relaxed) < KEEP_FAILED_RECORDS
                && self.kept_failed.fetch_add(1, Ordering::Relaxed) < KEEP_FAILED_RECORDS);
        if !keep {
            result.record = None;
        } else if let Some(record) = result.record.as_mut().and_then(Arc::get_mut) {
            kept(record);
            if let Some(response) = record.response.as_mut()
                && response.size > KEEP_BODY_MAX
            {
                response.body = Body::Text(format!(
                    "(a body of {} bytes is not kept in a batch: invoke this payload alone to see it)",
                    response.size
                ));
            }
        }
        if !result.ok && self.batch.settings.fail_fast {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// The result of one request from its record.
    pub(super) fn result(
        &self,
        item: &BatchItem,
        index: usize,
        iteration: u32,
        record: Invocation,
        sent: bool,
    ) -> BatchResult {
        let (ok, rules_held, rules_total, failures) = tally(&record, item.expectation.as_ref());
        BatchResult {
            item: index,
            file: Arc::clone(&item.name),
            origin: Arc::clone(&item.origin),
            iteration,
            ok,
            sent,
            status: record.status(),
            time_ms: record.timings.total_ms,
            at_s: self.started.elapsed().as_secs_f64(),
            rules_held,
            rules_total,
            failures,
            record: Some(Arc::new(record)),
        }
    }

    /// True while the first results are still kept whole ([`KEEP_FIRST_RECORDS`]).
    pub(super) fn keeping_first(&self) -> bool {
        self.kept.load(Ordering::Relaxed) < KEEP_FIRST_RECORDS
    }

    /// The result of a request that passed the event's contract with `rules` rules, kept
    /// without its record (a batch keeps only the first records whole).
    pub(super) fn passed(
        &self,
        item: &BatchItem,
        index: usize,
        iteration: u32,
        (status, rules): (u16, usize),
        time_ms: f64,
    ) -> BatchResult {
        BatchResult {
            item: index,
            file: Arc::clone(&item.name),
            origin: Arc::clone(&item.origin),
            iteration,
            ok: true,
            sent: true,
            status: Some(status),
            time_ms,
            at_s: self.started.elapsed().as_secs_f64(),
            rules_held: rules,
            rules_total: rules,
            failures: Vec::new(),
            record: None,
        }
    }

    pub(super) fn halted(&self) -> bool {
        self.cancel.load(Ordering::Relaxed) || self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps `delay`, waking early when the batch is halted. False when halted.
    fn pause(&self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            if self.halted() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(POLL));
        }
    }
}

fn worker(shared: &Shared, tx: &mpsc::Sender<Vec<BatchResult>>) {
    work(shared, tx);
    shared.exited();
}

fn work(shared: &Shared, tx: &mpsc::Sender<Vec<BatchResult>>) {
    let delay = shared.batch.settings.delay;
    let mut first = true;
    loop {
        if shared.halted() {
            return;
        }
        if !first && !delay.is_zero() && !shared.pause(delay) {
            return;
        }
        first = false;
        let Some((index, iteration)) = shared.take() else {
            return;
        };
        let Some(item) = shared.batch.items.get(index) else {
            return;
        };
        let Some(mut result) = execute(shared, item, index, iteration) else {
            // Cancelled in flight: dropped.
            return;
        };
        shared.settle(&mut result, |_| {});
        if tx.send(vec![result]).is_err() {
            return;
        }
    }
}

/// Runs one payload in-process and judges it; `None` when it was cancelled in flight.
fn execute(shared: &Shared, item: &BatchItem, index: usize, iteration: u32) -> Option<BatchResult> {
    let batch = &shared.batch;
    let (record, sent) = match &item.envelope {
        Ok(envelope) => {
            let mut record =
                invoke_prepared(&batch.target, envelope, &shared.secrets, &shared.cancel);
            if record
                .error
                .as_ref()
                .is_some_and(|e| e.kind == ErrorKind::Cancelled)
            {
                return None;
            }
            record.payload_findings.clone_from(&item.findings);
            (record, true)
        }
        Err(message) => (unreadable(batch, message), false),
    };
    Some(shared.result(item, index, iteration, record, sent))
}

/// The record of a payload that could not be read: failed without being sent.
pub(super) fn unreadable(batch: &Batch, message: &str) -> Invocation {
    let mut record = Invocation {
        at_ms: now_ms(),
        event: batch.event,
        ..Invocation::default()
    };
    fail(
        &mut record,
        InvokeError::new(ErrorKind::Payload, "unreadable", message.to_owned()),
    );
    record
}
