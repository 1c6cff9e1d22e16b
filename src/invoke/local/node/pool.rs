//! Warm Node.js workers: spawned on demand (each in its own process group), kept idle between
//! calls, and killed with their whole group when a call runs past its limit, is cancelled, or
//! the worker breaks. One pool per `node` and memory limit.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::super::LocalOptions;
use super::super::errors::{self, LocalError};
use super::super::harness::HARNESS;
use super::super::quickjs;
use super::MIN_NODE_MAJOR;

/// The worker's code (evaluated in the worker's main realm).
const WORKER: &str = include_str!("worker.js");

/// The few lines given to `node -e`: read JSON lines, the first one brings the worker's code.
const BOOTSTRAP: &str = r#"
"use strict";
const vm = require("vm");
const rl = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity });
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
let handle = null;
let queue = Promise.resolve();
rl.on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.type === "init") {
    const m = { exports: {} };
    vm.runInThisContext("(function (module, exports, require) {" + msg.worker + "\n})", { filename: "worker.js" })(m, m.exports, require);
    handle = m.exports(msg.harness, send);
    send({ type: "ready" });
    return;
  }
  queue = queue.then(() => handle(msg));
});
rl.on("close", () => process.exit(0));
"#;

/// How often a waiting call looks at its cancel flag and the worker's memory.
const WATCH_EVERY: Duration = Duration::from_millis(25);

/// Memory a worker needs for itself (Node, the platform layer), above the function's limit.
const WORKER_OVERHEAD: u64 = 96 * 1024 * 1024;

/// Idle workers kept per pool.
const MAX_IDLE: usize = 8;

/// How long a new worker may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// One worker process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
    next_id: u64,
}

impl Worker {
    fn spawn(node: &Path, memory_bytes: usize) -> Result<Worker, LocalError> {
        let engine = |what: String| LocalError::new(errors::ENGINE_ERROR, what);
        let heap_mb = (memory_bytes / (1024 * 1024)).max(16);
        let mut command = Command::new(node);
        command
            .arg(format!("--max-old-space-size={heap_mb}"))
            // No code from strings anywhere in the worker, so no host function's constructor
            // can be used to leave the function's context.
            .args([
                "--experimental-vm-modules",
                "--disallow-code-generation-from-strings",
                "--no-warnings",
                "-e",
                BOOTSTRAP,
            ])
            .env_clear()
            .env("NODE_ENV", "production")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // The machine's time zone and locale stay, as they do for Node anywhere; nothing else of
        // the console's environment reaches the function.
        for (name, value) in std::env::vars_os() {
            let keep = name == "PATH"
                || name == "TZ"
                || name == "LANG"
                || name.to_str().is_some_and(|n| n.starts_with("LC_"));
            if keep {
                command.env(name, value);
            }
        }
        let mut child = command
            .spawn()
            .map_err(|e| engine(format!("cannot start Node.js ({e}): {}", node.display())))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(engine("cannot talk to the Node.js worker".to_owned()));
        };
        let (tx, lines) = mpsc::channel();
        let _ = std::thread::Builder::new()
            .name("node-worker-out".to_owned())
            .spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        let errors = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&errors);
        let _ = std::thread::Builder::new()
            .name("node-worker-err".to_owned())
            .spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut l) = kept.lock() {
                        if l.len() >= 40 {
                            l.remove(0);
                        }
                        l.push(line);
                    }
                }
            });
        let init = serde_json::json!({ "type": "init", "worker": WORKER, "harness": HARNESS });
        let sent = writeln!(stdin, "{init}").and_then(|()| stdin.flush());
        let mut worker = Worker {
            child,
            stdin,
            lines,
            stderr: errors,
            next_id: 1,
        };
        if sent.is_err() {
            return Err(engine(worker.died("it did not start")));
        }
        match worker.lines.recv_timeout(START_TIMEOUT) {
            Ok(line) if line.contains("\"ready\"") => Ok(worker),
            _ => Err(engine(worker.died("it did not start"))),
        }
    }

    /// What the worker said before it died, for the error.
    fn died(&mut self, what: &str) -> String {
        self.kill();
        let stderr = self.stderr.lock().map(|l| l.join("\n")).unwrap_or_default();
        let tail: String = stderr
            .chars()
            .rev()
            .take(600)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if tail.trim().is_empty() {
            format!("the Node.js worker stopped: {what}")
        } else {
            format!("the Node.js worker stopped ({what}): {}", tail.trim())
        }
    }

    fn heap_exhausted(&self) -> bool {
        self.stderr.lock().is_ok_and(|l| {
            l.iter()
                .any(|line| line.contains("heap limit") || line.contains("out of memory"))
        })
    }

    /// Kills the worker's whole process group.
    fn kill(&mut self) {
        let pid = self.child.id();
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -9 -{pid} 2>/dev/null")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Resident memory of the worker, in bytes (Linux).
    fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How a call on a worker ended, and whether the worker can be used again.
enum Ended {
    Answer(Value),
    Failed(LocalError),
}

struct Pool {
    idle: Mutex<Vec<Worker>>,
}

type Pools = Mutex<HashMap<(PathBuf, usize), Arc<Pool>>>;

fn pools() -> &'static Pools {
    static POOLS: OnceLock<Pools> = OnceLock::new();
    POOLS.get_or_init(Default::default)
}

fn pool_for(node: &Path, memory_bytes: usize) -> Arc<Pool> {
    let mut pools = pools().lock().unwrap_or_else(|p| p.into_inner());
    Arc::clone(
        pools
            .entry((node.to_path_buf(), memory_bytes))
            .or_insert_with(|| {
                Arc::new(Pool {
                    idle: Mutex::new(Vec::new()),
                })
            }),
    )
}

/// Stops every idle worker (their processes end); the next call starts new ones.
pub fn shutdown_idle_workers() {
    let pools = pools().lock().unwrap_or_else(|p| p.into_inner());
    for pool in pools.values() {
        pool.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Sends one run to a warm worker and waits for its answer within the time limit.
pub(super) fn call(
    node: &Path,
    options: &LocalOptions,
    request: &Value,
    input: &str,
    cancel: &Arc<AtomicBool>,
) -> Result<Value, LocalError> {
    let memory = options.limits.memory_bytes;
    let pool = pool_for(node, memory);
    let taken = pool.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
    let mut worker = match taken {
        Some(worker) => worker,
        None => Worker::spawn(node, memory)?,
    };
    let deadline = Instant::now() + options.limits.timeout;
    match exchange(&mut worker, request, input, deadline, options, cancel) {
        Ended::Answer(answer) => {
            let mut idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_IDLE {
                idle.push(worker);
            }
            Ok(answer)
        }
        Ended::Failed(error) => {
            worker.kill();
            Err(error)
        }
    }
}

fn exchange(
    worker: &mut Worker,
    request: &Value,
    input: &str,
    deadline: Instant,
    options: &LocalOptions,
    cancel: &AtomicBool,
) -> Ended {
    let id = worker.next_id;
    worker.next_id += 1;
    // The envelope goes into the message as it is written, never into a second copy of it.
    let mut message = request.clone();
    message["id"] = Value::from(id);
    let head = message.to_string();
    let head = head.strip_suffix('}').unwrap_or(&head);
    let written = (|| -> std::io::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut worker.stdin);
        out.write_all(head.as_bytes())?;
        out.write_all(b",\"input\":")?;
        serde_json::to_writer(&mut out, input).map_err(std::io::Error::other)?;
        out.write_all(b"}\n")?;
        out.flush()
    })();
    if written.is_err() {
        return Ended::Failed(LocalError::new(
            errors::ENGINE_ERROR,
            worker.died("it took no work"),
        ));
    }
    let rss_limit = (options.limits.memory_bytes as u64).saturating_add(WORKER_OVERHEAD);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Ended::Failed(LocalError::new(errors::CANCELLED, "the run was cancelled"));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ended::Failed(quickjs::time_limit_error(options));
        }
        if options.limits.memory_bytes > 0 && worker.rss().is_some_and(|rss| rss > rss_limit) {
            return Ended::Failed(memory_error(options));
        }
        match worker.lines.recv_timeout(WATCH_EVERY.min(deadline - now)) {
            Ok(line) => {
                let Ok(answer) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if answer["id"].as_u64() == Some(id) {
                    return Ended::Answer(answer);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                // Give the stderr reader a moment to keep the worker's last words.
                std::thread::sleep(Duration::from_millis(50));
                if worker.heap_exhausted() {
                    return Ended::Failed(memory_error(options));
                }
                return Ended::Failed(LocalError::new(
                    errors::ENGINE_ERROR,
                    worker.died("it exited during the call"),
                ));
            }
        }
    }
}

fn memory_error(options: &LocalOptions) -> LocalError {
    let mib = options.limits.memory_bytes / (1024 * 1024);
    LocalError::new(
        errors::MEMORY_EXCEEDED,
        format!("the function used more than its {mib} MiB memory limit"),
    )
}

/// The major version of a `node`, checked once per path.
pub(super) fn version_of(node: &Path) -> Result<u32, LocalError> {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, Result<u32, LocalError>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = seen.get(node) {
        return known.clone();
    }
    let found = Command::new(node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            LocalError::new(
                errors::ENGINE_ERROR,
                format!("cannot run Node.js ({e}): {}", node.display()),
            )
        })
        .and_then(|out| {
            let text = String::from_utf8_lossy(&out.stdout);
            let major = text
                .trim()
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok());
            match major {
                Some(major) if major >= MIN_NODE_MAJOR => Ok(major),
                _ => Err(LocalError::new(
                    errors::ENGINE_ERROR,
                    format!(
                        "Node.js {} is too old for the Node.js engine: it needs {MIN_NODE_MAJOR} or newer ({})",
                        text.trim(),
                        node.display()
                    ),
                )),
            }
        });
    seen.insert(node.to_path_buf(), found.clone());
    found
}
