//! The batch engine for HTTP targets, on the model of oha: one current-thread tokio runtime
//! per core, the batch's concurrent requests spread over them as tasks, each task keeping its
//! own connection (HTTP/1.1 keep-alive, or HTTP/2 where a TLS server offers it) and
//! reconnecting when it is not ready. Every payload's request is prepared once (its envelope
//! serialized once and shared); every answer goes through the same send, contract checks and
//! explanations as a single invocation ([`crate::invoke::send_planned`]), so both paths give the
//! same verdicts. Cancel and fail-fast drop the tasks: the requests in flight end at once.
//! A sequential batch looks for each answer for a moment before its thread sleeps
//! ([`spin_then_wait`]).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::BatchItem;
use super::run::{BatchResult, Shared, unreadable};
use crate::catalog::EventId;
use crate::invoke::{
    ErrorKind, HttpOutcome, HttpRequest, Invocation, InvokeError, SendPlan, SessionSecrets, Via,
    apply_outcome, count_rules, fail, http_request, new_record, now_ms, send_planned,
};
use crate::net::{self, Slot};

/// How often a pausing task looks at the stop and cancel flags.
const POLL: Duration = Duration::from_millis(25);

/// What every task of a batch shares: the prepared request of each payload (its URL parsed
/// and its headers checked once) and the record every result starts from.
struct Prepared {
    requests: Vec<Result<(HttpRequest, SendPlan), InvokeError>>,
    template: Invocation,
    /// Whether each exchange is waited for with [`spin_then_wait`]: a sequential batch on a
    /// machine with more than one core.
    spin: bool,
}

/// How long a sequential batch keeps looking for an answer before its thread sleeps. A
/// request at a time is a round trip at a time, and on a virtual machine the sleep and the
/// wake that ends it cost about as much as a fast endpoint's whole answer (a loopback endpoint
/// answered in 50 µs while the batch looked, and in 100 µs while it slept: twice the requests
/// a second). Longer answers cost the batch up to this much CPU each, no more.
const SPIN: Duration = Duration::from_micros(250);

/// Waits for `future`, for up to `budget` by polling it again and again (the runtime looks at
/// its sockets between polls, without sleeping), then by waiting to be woken as usual.
async fn spin_then_wait<F: std::future::Future>(future: F, budget: Duration) -> F::Output {
    use std::task::Poll;
    let mut future = std::pin::pin!(future);
    let until = Instant::now() + budget;
    loop {
        let polled = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
        if let Poll::Ready(output) = polled {
            return output;
        }
        if Instant::now() >= until {
            return future.await;
        }
        tokio::task::yield_now().await;
    }
}

/// Results a runtime's tasks hold before they are handed on together.
const CHUNK: usize = 64;

/// The longest a finished result waits to be handed on.
const HOLD: Duration = Duration::from_millis(5);

/// The results a runtime's tasks finished that the run has not been handed yet. They go on
/// in chunks (when [`CHUNK`] are waiting, or the last chunk left [`HOLD`] ago, or at the
/// latest at the next tick of [`tasks_until_cancelled`]), so an engine thread sends one
/// message per chunk rather than one per request. One runtime's tasks share it; they run on
/// one thread, so its lock is never contended.
struct Outbox {
    pending: Mutex<Pending>,
    tx: mpsc::Sender<Vec<BatchResult>>,
}

struct Pending {
    results: Vec<BatchResult>,
    /// When the last chunk was handed on, in seconds since the batch started (the clock
    /// every result reads already: the outbox reads none of its own).
    sent_at_s: f64,
}

impl Outbox {
    fn new(tx: mpsc::Sender<Vec<BatchResult>>) -> Outbox {
        Outbox {
            pending: Mutex::new(Pending {
                results: Vec::with_capacity(CHUNK),
                sent_at_s: 0.0,
            }),
            tx,
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a finished result, handing the chunk on when it is due. False when the run no
    /// longer listens.
    fn push(&self, result: BatchResult) -> bool {
        let mut pending = self.pending();
        let at_s = result.at_s;
        pending.results.push(result);
        if pending.results.len() >= CHUNK || at_s - pending.sent_at_s >= HOLD.as_secs_f64() {
            return self.send(&mut pending, at_s);
        }
        true
    }

    /// Hands on whatever waits; `now_s` is the time since the batch started. False when the
    /// run no longer listens.
    fn flush(&self, now_s: f64) -> bool {
        let mut pending = self.pending();
        pending.results.is_empty() || self.send(&mut pending, now_s)
    }

    fn send(&self, pending: &mut Pending, now_s: f64) -> bool {
        let chunk = std::mem::replace(&mut pending.results, Vec::with_capacity(CHUNK));
        pending.sent_at_s = now_s;
        self.tx.send(chunk).is_ok()
    }
}

/// Starts the engine's threads and returns; each thread sends its results on `tx` and drops
/// its sender when done, so the caller knows the run ended when the channel closes.
pub(super) fn start(shared: &Arc<Shared>, workers: usize, tx: &mpsc::Sender<Vec<BatchResult>>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // With one core, looking would keep an endpoint on the same machine from answering.
    let prepared = Arc::new(prepare(
        &shared.batch,
        &shared.secrets,
        workers == 1 && cores > 1,
    ));
    let threads = cores.clamp(1, workers.max(1));
    for t in 0..threads {
        let tasks = workers / threads + usize::from(t < workers % threads);
        let thread = (Arc::clone(shared), Arc::clone(&prepared), tx.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("batch-net-{t}"))
            .spawn(move || {
                let (shared, prepared, tx) = thread;
                run_thread(&shared, &prepared, tasks, &tx);
                shared.exited();
            });
        if spawned.is_err() {
            // No thread: this share of the tasks runs here.
            run_thread(shared, &prepared, tasks, tx);
            shared.exited();
        }
    }
}

/// Each payload's request, made once: its body is the payload's envelope as it was serialized
/// when the batch was read, shared by every send (never copied, never serialized again).
fn prepare(batch: &super::Batch, secrets: &SessionSecrets, spin: bool) -> Prepared {
    let base = match http_request(&batch.target, secrets) {
        Ok(Some(request)) => Ok(request),
        Ok(None) => Err(InvokeError::new(
            ErrorKind::Config,
            "not-http",
            "the target runs in-process",
        )),
        Err(error) => Err(error),
    };
    let requests = batch
        .items
        .iter()
        .map(|item| {
            let mut request = base.clone()?;
            if let Ok(envelope) = &item.envelope {
                request.body = envelope.bytes.clone();
            }
            let plan = SendPlan::lean(&request);
            Ok((request, plan))
        })
        .collect();
    Prepared {
        requests,
        template: new_record(&batch.target),
        spin,
    }
}

fn run_thread(
    shared: &Arc<Shared>,
    prepared: &Arc<Prepared>,
    tasks: usize,
    tx: &mpsc::Sender<Vec<BatchResult>>,
) {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            runtime.block_on(tasks_until_cancelled(shared, prepared, tasks, tx));
            // Dropping the runtime drops every task and connection still open.
            drop(runtime);
        }
        Err(_) => {
            let _ = net::block_on(tasks_until_cancelled(shared, prepared, tasks, tx));
        }
    }
}

/// Runs `tasks` tasks until the queue is empty, the batch stops, or it is cancelled; every
/// result they finished is handed on before it returns.
async fn tasks_until_cancelled(
    shared: &Arc<Shared>,
    prepared: &Arc<Prepared>,
    tasks: usize,
    tx: &mpsc::Sender<Vec<BatchResult>>,
) {
    let outbox = Arc::new(Outbox::new(tx.clone()));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        set.spawn(task(
            Arc::clone(shared),
            Arc::clone(prepared),
            Arc::clone(&outbox),
        ));
    }
    tokio::select! {
        () = async { while set.join_next().await.is_some() {} } => {}
        () = until_halted(shared, &outbox) => set.abort_all(),
    }
    outbox.flush(shared.started.elapsed().as_secs_f64());
}

/// Resolves once the batch is cancelled or stopped at its first failure (the requests in
/// flight are then ended at once), or the run no longer listens; hands on the waiting
/// results at each look.
async fn until_halted(shared: &Shared, outbox: &Outbox) {
    while !shared.halted() && outbox.flush(shared.started.elapsed().as_secs_f64()) {
        tokio::time::sleep(HOLD).await;
    }
}

/// One of the batch's concurrent requests: takes the next request from the queue until none
/// is left, over its own connection.
async fn task(shared: Arc<Shared>, prepared: Arc<Prepared>, outbox: Arc<Outbox>) {
    let mut slot = Slot::new();
    let delay = shared.batch.settings.delay;
    let mut first = true;
    loop {
        if shared.halted() {
            return;
        }
        if !first && !delay.is_zero() && !pause(&shared, delay).await {
            return;
        }
        first = false;
        let Some((index, iteration)) = shared.take() else {
            return;
        };
        let (Some(item), Some(request)) =
            (shared.batch.items.get(index), prepared.requests.get(index))
        else {
            return;
        };
        let (Ok(_), Ok((request, plan))) = (&item.envelope, request) else {
            // Nothing to send: the payload is unreadable, or its request could not be made.
            let record = match (&item.envelope, request) {
                (Err(message), _) => unreadable(&shared.batch, message),
                (_, Err(error)) => failed(&prepared.template, error),
                (Ok(_), Ok(_)) => return,
            };
            if !outbox.push(kept_result(&shared, item, index, iteration, record, None)) {
                return;
            }
            continue;
        };
        let started = Instant::now();
        let exchange = send_planned(request, plan, Via::Slot(&mut slot));
        let outcome = if prepared.spin {
            spin_then_wait(exchange, SPIN).await
        } else {
            exchange.await
        };
        // Past the first records, a result that passes is kept without its record: judged
        // from the answer alone, without making the record it would drop.
        let result = if item.expectation.is_none()
            && !shared.keeping_first()
            && let Some((passed, time_ms)) = passed_contract(shared.batch.event, &outcome)
        {
            let mut result = shared.passed(item, index, iteration, passed, time_ms);
            shared.settle(&mut result, |_| {});
            result
        } else {
            let time_ms = started.elapsed().as_secs_f64() * 1e3;
            let at = (index, iteration);
            answered(
                &shared,
                &prepared.template,
                item,
                at,
                plan,
                outcome,
                time_ms,
            )
        };
        if !outbox.push(result) {
            return;
        }
    }
}

/// The record of a request that could not be made.
#[inline(never)]
fn failed(template: &Invocation, error: &InvokeError) -> Invocation {
    let mut record = template.clone();
    record.at_ms = now_ms();
    fail(&mut record, error.clone());
    record
}

/// The result of an answered request, made from its whole record (kept out of the line every
/// request takes, which judges most answers without one).
#[inline(never)]
fn answered(
    shared: &Shared,
    template: &Invocation,
    item: &BatchItem,
    (index, iteration): (usize, u32),
    plan: &SendPlan,
    mut outcome: HttpOutcome,
    time_ms: f64,
) -> BatchResult {
    let mut record = template.clone();
    // When it was sent: the clock is read once the answer is in, off the line every request
    // takes.
    record.at_ms = now_ms().saturating_sub(time_ms as u64);
    let response_headers = outcome.response_headers.take();
    apply_outcome(&mut record, outcome);
    record.timings.total_ms = time_ms;
    record.payload_findings.clone_from(&item.findings);
    let sent = Some((plan, response_headers));
    kept_result(shared, item, index, iteration, record, sent)
}

/// The result of `record`, settled; the headers sent and received (of a request that was
/// sent) go only into the records the batch keeps.
#[inline(never)]
fn kept_result(
    shared: &Shared,
    item: &BatchItem,
    index: usize,
    iteration: u32,
    record: Invocation,
    sent: Option<(&SendPlan, Option<http::HeaderMap>)>,
) -> BatchResult {
    let mut result = shared.result(item, index, iteration, record, sent.is_some());
    let kept = |record: &mut Invocation| {
        let Some((plan, response_headers)) = &sent else {
            return;
        };
        if let Some(id) = &record.request_id
            && let Some(headers) = plan.recorded_headers(id)
        {
            record.request.headers = headers;
        }
        if let (Some(response), Some(headers)) = (record.response.as_mut(), response_headers) {
            response.headers = net::header_pairs(headers);
        }
    };
    shared.settle(&mut result, kept);
    result
}

/// The status and the number of rules of an answer that passes the event's contract, as its
/// record would judge it ([`crate::invoke::finish_response`]): one attempt, a 2xx status, the
/// whole body, every rule held; and the time of its one attempt, in milliseconds. `None` for
/// any other outcome: its record tells why.
fn passed_contract(event: EventId, outcome: &HttpOutcome) -> Option<((u16, usize), f64)> {
    let (Ok(response), [attempt]) = (&outcome.result, outcome.attempts.as_slice()) else {
        return None;
    };
    if response.truncated || !(200..300).contains(&response.status) {
        return None;
    }
    let (held, checked) = count_rules(event, Some(response.status), &response.body);
    (held == checked).then_some(((response.status, checked), attempt.time_ms))
}

/// Waits `delay`, waking early when the batch is halted. False when halted.
async fn pause(shared: &Shared, delay: Duration) -> bool {
    let until = Instant::now() + delay;
    loop {
        if shared.halted() {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        tokio::time::sleep((until - now).min(POLL)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Ready at its `ready_at`th poll and pending before, without ever waking its task: only
    /// a waiter that polls again finds it ready.
    struct NeverWakes {
        polls: usize,
        ready_at: usize,
    }

    impl std::future::Future for NeverWakes {
        type Output = usize;
        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.polls >= self.ready_at {
                Poll::Ready(self.polls)
            } else {
                Poll::Pending
            }
        }
    }

    /// Counts its polls of `inner` into `polls`.
    struct Counted<'a, F> {
        inner: Pin<Box<F>>,
        polls: &'a mut usize,
    }

    impl<F: std::future::Future> std::future::Future for Counted<'_, F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            *self.polls += 1;
            self.inner.as_mut().poll(cx)
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    #[test]
    fn a_spinning_wait_finds_an_answer_no_wake_announced() {
        let found = runtime().block_on(async {
            let wait = spin_then_wait(
                NeverWakes {
                    polls: 0,
                    ready_at: 3,
                },
                Duration::from_secs(30),
            );
            tokio::time::timeout(Duration::from_secs(10), wait).await
        });
        assert_eq!(
            found.ok(),
            Some(3),
            "found at the third look, without a wake"
        );
    }

    #[test]
    fn past_its_budget_a_wait_sleeps_until_woken() {
        let mut polls = 0;
        runtime().block_on(async {
            let answer = Counted {
                inner: Box::pin(tokio::time::sleep(Duration::from_millis(300))),
                polls: &mut polls,
            };
            spin_then_wait(answer, Duration::from_micros(100)).await;
        });
        // Looking for the whole 300 ms would have polled hundreds of thousands of times; a
        // hundred microseconds of looking and one wake take a few hundred at most.
        assert!(
            polls < 5_000,
            "polled {polls} times: the wait kept spinning"
        );
    }

    #[test]
    fn every_send_of_a_payload_shares_its_one_serialized_envelope() {
        use crate::invoke::{PreparedEnvelope, Target};
        let item = |name: &str, json: &str| BatchItem {
            name: name.into(),
            origin: name.into(),
            envelope: Ok(PreparedEnvelope::from_bytes(json.as_bytes().to_vec())),
            expectation: None,
            findings: None,
        };
        let batch = super::super::Batch {
            event: EventId::ChatPostSurveyEmailTranscript,
            target: Target::url(
                EventId::ChatPostSurveyEmailTranscript,
                "http://127.0.0.1:9/fn",
                Duration::from_secs(5),
            ),
            items: Arc::new(vec![
                item("a.json", r#"{"a":1}"#),
                item("b.json", r#"{"b":2}"#),
            ]),
            settings: super::super::BatchSettings {
                iterations: 1000,
                ..Default::default()
            },
        };
        let prepared = prepare(&batch, &SessionSecrets::default(), false);
        assert_eq!(
            prepared.requests.len(),
            2,
            "one request per payload, not per send"
        );
        for (item, request) in batch.items.iter().zip(&prepared.requests) {
            let envelope = item.envelope.as_ref().expect("readable");
            let (request, _) = request.as_ref().expect("a request");
            assert_eq!(request.body, envelope.bytes);
            assert_eq!(
                request.body.as_ptr(),
                envelope.bytes.as_ptr(),
                "{}: the request's body is the envelope's own bytes, not a copy",
                item.name
            );
        }
    }
}
