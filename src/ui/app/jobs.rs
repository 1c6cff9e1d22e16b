//! The console's background work in one registry of named jobs (after rerun's
//! `re_viewer/src/background_tasks.rs`): at most one job of each kind, a duplicate is refused (or
//! replaces the older one where the newest request is what counts, such as a payload load),
//! and a finished job comes back as a command (the app's `Command`) that the app applies in its
//! one match.
//!
//! A job runs on a named thread. It never panics into the UI: a panic comes back as the command
//! made from [`Panicked`]. A long job can stream commands while it runs (a batch sends its
//! results); they are taken a bounded number per frame, and the final command only after all of
//! them. A cancelled job is dropped from the registry at once: whatever it answers later is
//! never applied.
//!
//! The registry is generic over the command type, so this file imports nothing of the app.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::Instant;

use poll_promise::Promise;

/// Streamed commands taken from one job per frame at most, so a frame never stalls.
const UPDATES_PER_FRAME: usize = 64;

/// The kinds of background work; one job of each kind runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A system file dialog (they may block, so never on the UI thread).
    FileDialog,
    /// Loading a payload file or sample, or re-checking the loaded payload.
    LoadPayload,
    /// Filtering a large payload's rows.
    FilterRows,
    /// Reading or writing the functions file (and imports, exports).
    FunctionsFile,
    /// Reading the invocation history.
    History,
    /// One invocation (or an in-process run).
    Invoke,
    /// Building a curl command for the clipboard.
    Curl,
    /// A batch.
    Batch,
    /// Writing a batch report.
    WriteReport,
    /// Sending a Livechat room survey.
    LivechatSubmit,
    /// Making a Livechat test conversation.
    LivechatConversation,
    /// Reading the Livechat submission history.
    LivechatHistory,
    /// Checking a function's code as the platform's editor does.
    CheckCode,
    /// Installing the platform's modules with npm.
    Modules,
    /// Asking a Rocket.Chat server for its version and survey rules.
    LivechatServer,
    /// Asking LivePerson whether a function is deployed for an event (`isImplemented`).
    Deployed,
    /// Checking a typed path (a stat can hang on a network mount).
    PathCheck,
    /// Checking a large edited request against its event.
    CheckRequest,
    /// Writing a file the operator asked for (an edited payload).
    WriteFile,
}

impl JobKind {
    /// The livechat calls that Cancel (and Escape) end.
    pub const LIVECHAT_CALLS: [JobKind; 3] = [
        JobKind::LivechatSubmit,
        JobKind::LivechatConversation,
        JobKind::LivechatServer,
    ];

    /// Every job Cancel (and Escape) ends or stops.
    pub const CANCELLABLE: [JobKind; 5] = [
        JobKind::Invoke,
        JobKind::Batch,
        JobKind::LivechatSubmit,
        JobKind::LivechatConversation,
        JobKind::LivechatServer,
    ];

    /// What the job does, in words, for messages.
    pub fn what(self) -> &'static str {
        match self {
            JobKind::FileDialog => "the file dialog",
            JobKind::LoadPayload => "loading the payload",
            JobKind::FilterRows => "filtering the rows",
            JobKind::FunctionsFile => "work on the functions file",
            JobKind::History => "reading the history",
            JobKind::Invoke => "the invocation",
            JobKind::Curl => "building the curl command",
            JobKind::Batch => "the batch",
            JobKind::WriteReport => "writing the report",
            JobKind::LivechatSubmit => "sending the survey",
            JobKind::LivechatConversation => "the test conversation",
            JobKind::LivechatHistory => "reading the survey history",
            JobKind::CheckCode => "checking the code",
            JobKind::Modules => "installing the platform's modules",
            JobKind::LivechatServer => "checking the server",
            JobKind::Deployed => "asking LivePerson what is deployed",
            JobKind::PathCheck => "checking the path",
            JobKind::CheckRequest => "checking the request",
            JobKind::WriteFile => "writing the file",
        }
    }
}

/// The worker of a job of this kind stopped without an answer (it panicked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panicked(pub JobKind);

/// A job of this kind is already running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} is already running", .0.what())]
pub struct AlreadyRunning(pub JobKind);

/// What the console shows of a running job.
#[derive(Clone, Debug)]
pub struct JobInfo {
    /// What is running, for the spinner's text.
    pub label: String,
    /// When it started.
    pub started: Instant,
}

/// What the work of a job gets: its cancel flag and a way to send commands while it runs.
pub struct JobHandle<C> {
    cancel: Arc<AtomicBool>,
    updates: Sender<C>,
    ctx: egui::Context,
}

impl<C> JobHandle<C> {
    /// True once the job was cancelled.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag, for core calls that watch one.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// Sends a command while the job runs (applied in order, before the job's final one).
    pub fn send(&self, command: C) {
        // The receiver is gone only when the job was cancelled: nothing is to be applied then.
        let _ = self.updates.send(command);
        self.ctx.request_repaint();
    }
}

struct Job<C: Send + 'static> {
    info: JobInfo,
    promise: Promise<Option<C>>,
    cancel: Arc<AtomicBool>,
    updates: Receiver<C>,
}

/// Every running background job, by kind; `C` is what a job answers.
pub struct Jobs<C: Send + 'static> {
    running: HashMap<JobKind, Job<C>>,
}

impl<C: Send + 'static> Default for Jobs<C> {
    fn default() -> Self {
        Jobs {
            running: HashMap::new(),
        }
    }
}

impl<C: From<Panicked> + Send + 'static> Jobs<C> {
    /// Runs `work` on a new thread as the job of `kind`; refused while one of that kind runs.
    pub fn spawn(
        &mut self,
        ctx: &egui::Context,
        kind: JobKind,
        label: impl Into<String>,
        work: impl FnOnce(&JobHandle<C>) -> C + Send + 'static,
    ) -> Result<(), AlreadyRunning> {
        if self.running.contains_key(&kind) {
            return Err(AlreadyRunning(kind));
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, updates) = mpsc::channel();
        let handle = JobHandle {
            cancel: Arc::clone(&cancel),
            updates: tx,
            ctx: ctx.clone(),
        };
        let thread = format!("survey-console {}", kind.what());
        let promise = Promise::spawn_thread(thread, move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(&handle))).ok();
            handle.ctx.request_repaint();
            result
        });
        let info = JobInfo {
            label: label.into(),
            started: Instant::now(),
        };
        self.running.insert(
            kind,
            Job {
                info,
                promise,
                cancel,
                updates,
            },
        );
        Ok(())
    }

    /// Runs `work` as the job of `kind`, cancelling the one running: only the newest request's
    /// answer is applied.
    pub fn spawn_replacing(
        &mut self,
        ctx: &egui::Context,
        kind: JobKind,
        label: impl Into<String>,
        work: impl FnOnce(&JobHandle<C>) -> C + Send + 'static,
    ) {
        self.cancel(kind);
        // Cannot be refused: the kind's slot was just emptied.
        let _ = self.spawn(ctx, kind, label, work);
    }

    /// True while a job of `kind` runs.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.contains_key(&kind)
    }

    /// The running job of `kind`.
    pub fn info(&self, kind: JobKind) -> Option<&JobInfo> {
        self.running.get(&kind).map(|j| &j.info)
    }

    /// True when no job runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Cancels the job of `kind` and forgets it: its late answer is never applied. Returns
    /// whether one was running.
    pub fn cancel(&mut self, kind: JobKind) -> bool {
        match self.running.remove(&kind) {
            Some(job) => {
                job.cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Asks the job of `kind` to stop but keeps it: it still reports how it ended (a batch
    /// ends with the results it has).
    pub fn request_stop(&self, kind: JobKind) -> bool {
        match self.running.get(&kind) {
            Some(job) => {
                job.cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Takes what the jobs streamed and the answers of the jobs that finished.
    pub fn finished(&mut self) -> Vec<C> {
        let mut commands = Vec::new();
        let mut done = Vec::new();
        for (kind, job) in &self.running {
            let mut empty = false;
            for _ in 0..UPDATES_PER_FRAME {
                match job.updates.try_recv() {
                    Ok(command) => commands.push(command),
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                        empty = true;
                        break;
                    }
                }
            }
            if empty && job.promise.ready().is_some() {
                done.push(*kind);
            }
        }
        for kind in done {
            let Some(job) = self.running.remove(&kind) else {
                continue;
            };
            // Everything it streamed was sent before it returned.
            commands.extend(job.updates.try_iter());
            match job.promise.try_take() {
                Ok(Some(command)) => commands.push(command),
                Ok(None) => commands.push(C::from(Panicked(kind))),
                Err(promise) => {
                    // Not ready after all (cannot happen once `ready()` said so): keep it.
                    self.running.insert(kind, Job { promise, ..job });
                }
            }
        }
        commands
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::*;

    /// What the test jobs answer.
    #[derive(Debug, PartialEq)]
    enum Done {
        Step(u32),
        Failed(JobKind),
    }

    impl From<Panicked> for Done {
        fn from(Panicked(kind): Panicked) -> Self {
            Done::Failed(kind)
        }
    }

    /// Takes what finished until the registry is empty (at most 10 s).
    fn drain(jobs: &mut Jobs<Done>) -> Vec<Done> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut all = Vec::new();
        while !jobs.is_empty() {
            assert!(Instant::now() < deadline, "a job did not finish");
            all.extend(jobs.finished());
            std::thread::sleep(Duration::from_millis(2));
        }
        all
    }

    #[test]
    fn a_second_job_of_a_kind_is_refused_while_the_first_runs() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        let (release, wait) = mpsc::channel::<()>();
        jobs.spawn(&ctx, JobKind::Invoke, "first", move |_| {
            let _ = wait.recv_timeout(Duration::from_secs(10));
            Done::Step(1)
        })
        .unwrap();
        assert!(jobs.is_running(JobKind::Invoke));
        assert_eq!(jobs.info(JobKind::Invoke).unwrap().label, "first");
        let second = jobs.spawn(&ctx, JobKind::Invoke, "second", |_| Done::Step(2));
        assert_eq!(second, Err(AlreadyRunning(JobKind::Invoke)));
        // Another kind runs beside it.
        jobs.spawn(&ctx, JobKind::Curl, "curl", |_| Done::Step(3))
            .unwrap();
        release.send(()).unwrap();
        let mut done = drain(&mut jobs);
        done.sort_by_key(|d| match d {
            Done::Step(n) => *n,
            Done::Failed(_) => 0,
        });
        assert_eq!(done, vec![Done::Step(1), Done::Step(3)]);
        assert!(!jobs.is_running(JobKind::Invoke));
    }

    #[test]
    fn streamed_commands_come_in_order_before_the_final_one() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        jobs.spawn(&ctx, JobKind::Batch, "batch", |job| {
            for n in 0..200 {
                job.send(Done::Step(n));
            }
            Done::Step(1_000)
        })
        .unwrap();
        let done = drain(&mut jobs);
        let expected: Vec<Done> = (0..200).chain([1_000]).map(Done::Step).collect();
        assert_eq!(done, expected);
    }

    #[test]
    fn a_cancelled_job_never_answers() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        let (release, wait) = mpsc::channel::<()>();
        let (finished, finishing) = mpsc::channel::<bool>();
        jobs.spawn(&ctx, JobKind::Invoke, "invoke", move |job| {
            let _ = wait.recv_timeout(Duration::from_secs(10));
            job.send(Done::Step(1));
            let _ = finished.send(job.cancelled());
            Done::Step(2)
        })
        .unwrap();
        assert!(jobs.cancel(JobKind::Invoke));
        assert!(!jobs.is_running(JobKind::Invoke));
        release.send(()).unwrap();
        // The worker saw its cancel flag and returned; its answers are gone.
        assert!(finishing.recv_timeout(Duration::from_secs(10)).unwrap());
        assert!(jobs.finished().is_empty());
        assert!(!jobs.cancel(JobKind::Invoke));
    }

    #[test]
    fn a_stopped_job_still_reports_how_it_ended() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        jobs.spawn(&ctx, JobKind::Batch, "batch", |job| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !job.cancelled() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
            Done::Step(u32::from(job.cancelled()))
        })
        .unwrap();
        assert!(jobs.request_stop(JobKind::Batch));
        assert_eq!(drain(&mut jobs), vec![Done::Step(1)]);
    }

    #[test]
    fn a_replacing_job_drops_the_older_answer() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        let (release, wait) = mpsc::channel::<()>();
        jobs.spawn(&ctx, JobKind::LoadPayload, "old", move |_| {
            let _ = wait.recv_timeout(Duration::from_secs(10));
            Done::Step(1)
        })
        .unwrap();
        jobs.spawn_replacing(&ctx, JobKind::LoadPayload, "new", |_| Done::Step(2));
        release.send(()).unwrap();
        assert_eq!(drain(&mut jobs), vec![Done::Step(2)]);
    }

    #[test]
    fn a_panicking_job_comes_back_as_failed() {
        let ctx = egui::Context::default();
        let mut jobs = Jobs::default();
        jobs.spawn(&ctx, JobKind::WriteReport, "export", |_| -> Done {
            panic!("the worker panics")
        })
        .unwrap();
        assert_eq!(drain(&mut jobs), vec![Done::Failed(JobKind::WriteReport)]);
    }
}
