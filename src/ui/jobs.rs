//! Work that runs off the UI thread: each job is a named promise polled once per frame.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use poll_promise::Promise;

/// One running background job. The worker always sends: a panic becomes `None`.
pub struct Pending<T: Send + 'static> {
    /// What is running, for the spinner's text.
    pub label: String,
    /// When it started.
    pub started: Instant,
    promise: Promise<Option<T>>,
}

impl<T: Send + 'static> Pending<T> {
    /// Runs `work` on a new thread and repaints the UI when it is done.
    pub fn spawn(
        ctx: &egui::Context,
        label: impl Into<String>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Self {
        let ctx = ctx.clone();
        let label = label.into();
        let promise = Promise::spawn_thread("survey-console-job", move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(work)).ok();
            ctx.request_repaint();
            result
        });
        Pending {
            label,
            started: Instant::now(),
            promise,
        }
    }

    /// Takes the result out of `slot` when the job has finished. `Some(None)` means the worker
    /// failed unexpectedly.
    pub fn take_ready(slot: &mut Option<Self>) -> Option<Option<T>> {
        let done = slot.as_ref().is_some_and(|p| p.promise.ready().is_some());
        if !done {
            return None;
        }
        let pending = slot.take()?;
        match pending.promise.try_take() {
            Ok(result) => Some(result),
            Err(promise) => {
                *slot = Some(Pending { promise, ..pending });
                None
            }
        }
    }
}
