//! The shared engine behind the blocking calls: one multi-thread tokio runtime for the whole
//! process (two worker threads) and a pool of idle connections per origin. The core stays
//! blocking and `Send` for its callers (the CLI calls it directly, the console on a worker);
//! batches run their own current-thread runtimes and keep their own connections.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::connect::{Conn, Origin};
use super::exchange::{Extra, Options, Request, Response, Slot, exchange};
use super::{NetError, NetErrorKind};

/// Idle connections kept per origin.
const IDLE_PER_ORIGIN: usize = 8;

/// An idle connection older than this is dropped rather than reused: servers close theirs.
const IDLE_FOR: Duration = Duration::from_secs(30);

/// How often a waiting exchange looks at its cancel flag.
pub const CANCEL_POLL: Duration = Duration::from_millis(10);

struct Engine {
    runtime: tokio::runtime::Runtime,
    pool: Mutex<HashMap<Origin, Vec<(Conn, Instant)>>>,
}

fn engine() -> Result<&'static Engine, NetError> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("net")
                .enable_all()
                .build()
                .map(|runtime| Engine {
                    runtime,
                    pool: Mutex::new(HashMap::new()),
                })
                .map_err(|e| format!("cannot start the network runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| NetError::new(NetErrorKind::Other, e.clone(), ""))
}

/// Runs `future` to completion on the shared runtime and returns its output. Callable from
/// any thread; from inside another runtime it waits on a helper thread instead.
pub fn block_on<F: Future + Send>(future: F) -> Result<F::Output, NetError>
where
    F::Output: Send,
{
    let engine = engine()?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("net-wait".into())
                .spawn_scoped(scope, || engine.runtime.block_on(future))
                .map_err(|e| NetError::new(NetErrorKind::Other, e.to_string(), ""))?
                .join()
                .map_err(|_| NetError::new(NetErrorKind::Other, "the request panicked", ""))
        });
    }
    Ok(engine.runtime.block_on(future))
}

/// Spawns `future` on the shared runtime and awaits it from any runtime (a batch's token and
/// discovery calls use the shared pool this way). Dropping the wait (a cancelled batch or
/// invocation) ends the spawned exchange too, and its connection with it.
pub async fn on_shared<F>(future: F) -> Result<F::Output, NetError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let engine = engine()?;
    let mut task = AbortOnDrop(engine.runtime.spawn(future));
    (&mut task.0)
        .await
        .map_err(|e| NetError::new(NetErrorKind::Other, e.to_string(), ""))
}

/// A spawned task that ends when its handle is dropped (aborting a finished task does nothing).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves once `cancel` is set (polled every [`CANCEL_POLL`]); never, without a flag.
pub async fn until_cancelled(cancel: Option<&AtomicBool>) {
    let Some(cancel) = cancel else {
        return std::future::pending().await;
    };
    while !cancel.load(Ordering::Relaxed) {
        tokio::time::sleep(CANCEL_POLL).await;
    }
}

/// One exchange over a pooled connection (taken from the pool, given back when reusable).
/// Must run on the shared runtime, so that new connections live as long as the pool.
pub async fn pooled(request: &Request, options: &Options) -> Result<Response, NetError> {
    pooled_with(request, &[], options).await
}

/// [`pooled`] with `extra` headers on top of the request's ([`super::exchange`]).
pub async fn pooled_with(
    request: &Request,
    extra: &[Extra],
    options: &Options,
) -> Result<Response, NetError> {
    let engine = engine()?;
    let mut slot = Slot::new();
    if let Some(origin) = Origin::of(&request.url) {
        let mut pool = engine.pool.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(idle) = pool.get_mut(&origin) {
            while let Some((conn, since)) = idle.pop() {
                if !conn.is_closed() && since.elapsed() < IDLE_FOR {
                    slot = Slot::with(origin.clone(), conn);
                    break;
                }
            }
        }
    }
    let result = exchange(&mut slot, request, extra, options).await;
    if let Some((origin, conn)) = slot.into_inner() {
        let mut pool = engine.pool.lock().unwrap_or_else(|p| p.into_inner());
        let idle = pool.entry(origin).or_default();
        idle.retain(|(c, since)| !c.is_closed() && since.elapsed() < IDLE_FOR);
        if idle.len() < IDLE_PER_ORIGIN {
            idle.push((conn, Instant::now()));
        }
    }
    result
}

/// The blocking exchange: sends `request` on the shared engine within `options.deadline`.
/// Setting `cancel` ends it at once (the connection is dropped).
pub fn fetch(
    request: &Request,
    options: &Options,
    cancel: Option<&AtomicBool>,
) -> Result<Response, NetError> {
    let url = request.url.to_string();
    block_on(async {
        tokio::select! {
            result = pooled(request, options) => result,
            () = until_cancelled(cancel) => Err(NetError::new(NetErrorKind::Other, "cancelled", &url)),
        }
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Sets its flag when dropped: the spawned future holding it has ended.
    struct Ended(Arc<AtomicBool>);

    impl Drop for Ended {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_dropped_wait_ends_the_exchange_on_the_shared_runtime() {
        let ended = Arc::new(AtomicBool::new(false));
        let guard = Ended(Arc::clone(&ended));
        let forever = async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let waited = runtime.block_on(async {
            tokio::time::timeout(Duration::from_millis(50), on_shared(forever)).await
        });
        assert!(waited.is_err(), "the wait was given up");
        let given_up = Instant::now();
        while !ended.load(Ordering::SeqCst) && given_up.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            ended.load(Ordering::SeqCst),
            "the spawned exchange still runs"
        );
    }
}
