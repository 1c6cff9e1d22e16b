//! Measures the batch engine beside the load generators a user would pick instead: oha (built
//! on hyper, `cargo install --locked oha`) and wrk (`apt-get install wrk`), against the same
//! fast loopback endpoint, and a million-request `batch --json` for its peak memory.
//!
//!     cargo run --release --example batch_throughput              # the side-by-side table
//!     cargo run --release --example batch_throughput -- --million # + 1,000,000 requests, peak RSS
//!     cargo run --release --example batch_throughput -- --serve   # only serve, print the URL
//!     cargo run --release --example batch_throughput -- --rounds 7 # median of 7 turns each
//!
//! The server is a minimal keep-alive HTTP/1.1 server on 127.0.0.1 (a thread per connection)
//! that reads each request and answers `[]` as JSON: the transcript function sending no e-mail.
//! It runs in a process of its own (this example, started again with `--serve`), so the batch,
//! like oha and wrk, shares no process with the server it measures.
//! The payload is a transcript envelope of about 4 KB. Each run sends 20,000 POSTs, at
//! concurrency 1 and 16; the batch, oha and wrk take turns, 3 runs each (`--rounds N` for more;
//! the batch and oha take turns going first), and the median of each counts (wrk runs for a
//! fixed time instead of a count: as long as the batch's run took). Beside the rates, the CPU
//! time each request cost the batch and oha (user and system, from `/proc`): on a shared
//! machine the rates swing with the neighbours, the CPU a request takes much less.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};
use survey_console::batch::{self, Batch, BatchItem, BatchSettings, Progress};
use survey_console::catalog::EventId;
use survey_console::invoke::{PreparedEnvelope, SessionSecrets, Target};

/// The console's own allocator, so the batch measured here allocates as the console does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs of each engine per concurrency unless `--rounds N` says otherwise; the median counts.
const ROUNDS: usize = 3;

/// Requests per run.
const REQUESTS: usize = 20_000;

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";

/// Serves one keep-alive connection until the client closes it.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        let mut length = 0usize;
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        writer.write_all(RESPONSE)?;
    }
}

/// The server's own process, stopped when dropped.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts this example again as the server (`--serve`) and reads its URL from the first line
/// it prints.
fn spawn_server() -> (ServerProcess, String) {
    let exe = std::env::current_exe().expect("the example's own path");
    let mut child = Command::new(exe)
        .arg("--serve")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the server process");
    let stdout = child.stdout.take().expect("the server's output");
    let server = ServerProcess(child);
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the server prints its URL")
        .to_owned();
    (server, url)
}

/// Starts the server; returns its URL.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    std::thread::Builder::new()
        .name("endpoint".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::Builder::new()
                    .name("endpoint-connection".into())
                    .spawn(move || serve(stream))
                    .expect("a thread for a connection");
            }
        })
        .expect("a thread for the endpoint");
    format!("http://127.0.0.1:{port}/fn")
}

/// A transcript envelope of about 4 KB.
fn envelope_4k() -> Value {
    let answers: Vec<Value> = (0..40)
        .map(|i| {
            json!({
                "question": format!("Question {i}: how was the chat experience today?"),
                "answer": "Poor;Below Average"
            })
        })
        .collect();
    json!({
        "timestamp": 1_700_000_000_000_u64,
        "headers": [],
        "payload": {
            "csatRank": 4,
            "skillName": "CustomerCare",
            "agentName": "John Doe",
            "questionWithAnswers": answers
        }
    })
}

/// A run's requests per second, and the CPU time each request took in microseconds.
#[derive(Clone, Copy)]
struct Run {
    rate: f64,
    cpu_us: Option<f64>,
}

/// The CPU time (user and system) this process has used, and that of its children it has
/// waited for, in seconds: `/proc/self/stat`'s utime, stime, cutime and cstime, counted in
/// the kernel's clock ticks of 1/100 s.
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, and it may hold spaces) start at
    // the third, the state; utime is the fourteenth.
    let ticks: Vec<u64> = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let [utime, stime, cutime, cstime] = ticks[..] else {
        return None;
    };
    Some((
        (utime + stime) as f64 / 100.0,
        (cutime + cstime) as f64 / 100.0,
    ))
}

/// Microseconds of CPU per request between two readings of one of [`cpu_seconds`]' clocks.
fn per_request(before: Option<f64>, after: Option<f64>, requests: usize) -> Option<f64> {
    Some((after? - before?) * 1e6 / requests as f64)
}

fn batch_rate(url: &str, body: &Value, requests: usize, concurrency: usize) -> Run {
    let before = cpu_seconds();
    let event = EventId::ChatPostSurveyEmailTranscript;
    let item = BatchItem {
        name: "4k.json".into(),
        origin: "4k.json".into(),
        envelope: Ok(PreparedEnvelope::new(body.clone())),
        expectation: None,
        findings: None,
    };
    let batch = Batch {
        event,
        target: Target::url(event, url, Duration::from_secs(30)),
        items: Arc::new(vec![item]),
        settings: BatchSettings {
            iterations: requests as u32,
            concurrency,
            ..BatchSettings::default()
        },
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Progress::default());
    let mut failed = 0;
    let end = batch::run(
        &batch,
        &SessionSecrets::default(),
        &cancel,
        &progress,
        |r| failed += usize::from(!r.ok),
    );
    assert_eq!(failed, 0, "every request should pass");
    Run {
        rate: requests as f64 / end.elapsed.as_secs_f64(),
        cpu_us: per_request(
            before.map(|(own, _)| own),
            cpu_seconds().map(|(own, _)| own),
            requests,
        ),
    }
}

fn wrk_rate(url: &str, body: &[u8], connections: usize, seconds: f64) -> Option<f64> {
    let dir = tempdir();
    let script = dir.join("post.lua");
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        serde_json::to_string(&String::from_utf8_lossy(body)).ok()?
    );
    std::fs::write(&script, lua).ok()?;
    let threads = connections.min(2);
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", seconds.ceil().max(1.0) as u64), "-s"])
        .arg(&script)
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

fn oha_rate(url: &str, body: &[u8], connections: usize) -> Option<Run> {
    let dir = tempdir();
    let file = dir.join("body.json");
    std::fs::write(&file, body).ok()?;
    let before = cpu_seconds();
    let output = Command::new("oha")
        .args(["-n", &REQUESTS.to_string(), "-c", &connections.to_string()])
        .args(["-m", "POST", "-H", "Content-Type: application/json", "-D"])
        .arg(&file)
        .args(["--no-tui", "--output-format", "json"])
        .arg(url)
        .output()
        .ok()?;
    let cpu_us = per_request(
        before.map(|(_, children)| children),
        cpu_seconds().map(|(_, children)| children),
        REQUESTS,
    );
    let json: Value = serde_json::from_slice(&output.stdout).ok()?;
    Some(Run {
        rate: json["summary"]["requestsPerSec"].as_f64()?,
        cpu_us,
    })
}

/// The run's own temporary folder (one per run, from the tempfile crate).
fn tempdir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<Option<tempfile::TempDir>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("batch-throughput-")
            .tempdir()
            .ok()
    })
    .as_ref()
    .map_or_else(|| std::path::PathBuf::from("."), |d| d.path().to_path_buf())
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Runs the release binary's `batch --json` for a million requests and reports its peak
/// resident memory (VmHWM) and time.
fn million(url: &str) {
    let dir = tempdir();
    let payload = dir.join("4k.json");
    let _ = std::fs::write(
        &payload,
        serde_json::to_vec(&envelope_4k()).unwrap_or_default(),
    );
    let exe = std::env::current_exe().ok().and_then(|p| {
        let release = p.parent()?.parent()?;
        Some(release.join("survey-console"))
    });
    let Some(exe) = exe.filter(|e| e.exists()) else {
        println!("million: build the binary first (cargo build --release)");
        return;
    };
    let started = std::time::Instant::now();
    let child = Command::new(&exe)
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--url",
            url,
        ])
        .args([
            "--iterations",
            "1000000",
            "--concurrency",
            "16",
            "--json",
            "--payloads",
        ])
        .arg(&payload)
        .stdout(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        println!("million: cannot start {}", exe.display());
        return;
    };
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "million: 1,000,000 requests with --json in {:.1} s, peak memory {:.1} MB",
        started.elapsed().as_secs_f64(),
        peak_kb as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let body = envelope_4k();
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    if args.iter().any(|a| a == "--serve") {
        let url = start_server();
        println!(
            "serving {url} (POST body of {} bytes expected); Ctrl+C stops",
            bytes.len()
        );
        let _ = std::io::stdout().flush();
        loop {
            std::thread::park();
        }
    }
    let rounds = match args.iter().position(|a| a == "--rounds") {
        None => ROUNDS,
        Some(at) => match args.get(at + 1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!("--rounds takes a number of turns, 1 or more");
                std::process::exit(2);
            }
        },
    };
    let (_server, url) = spawn_server();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "payload: {} bytes; {REQUESTS} requests per run, median of {rounds}; {cores} cores; {url}",
        bytes.len()
    );
    println!(
        "| concurrency | batch | oha | wrk | batch / oha | batch / wrk | CPU per request, batch / oha |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for concurrency in [1usize, 16] {
        // Warm up the server's threads and the engine.
        let _ = batch_rate(&url, &body, 2_000, concurrency);
        let (mut ours, mut oha, mut wrk) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // The two take turns going first, so neither always follows wrk.
            let oha_first = round % 2 == 1;
            if oha_first && let Some(run) = oha_rate(&url, &bytes, concurrency) {
                oha.push(run);
            }
            let run = batch_rate(&url, &body, REQUESTS, concurrency);
            ours.push(run);
            if !oha_first && let Some(run) = oha_rate(&url, &bytes, concurrency) {
                oha.push(run);
            }
            if let Some(rate) = wrk_rate(&url, &bytes, concurrency, REQUESTS as f64 / run.rate) {
                wrk.push(rate);
            }
        }
        let rates = |runs: &[Run]| median(runs.iter().map(|r| r.rate).collect());
        let cpu = |runs: &[Run]| median(runs.iter().filter_map(|r| r.cpu_us).collect());
        let (our_rate, our_cpu) = (rates(&ours).unwrap_or(0.0), cpu(&ours));
        let cell =
            |v: Option<f64>| v.map_or_else(|| "not found".to_owned(), |v| format!("{v:.0} req/s"));
        let ratio =
            |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{:.2}×", our_rate / v));
        let micros = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} µs"));
        let (oha_rate, oha_cpu, wrk) = (rates(&oha), cpu(&oha), median(wrk));
        println!(
            "| {concurrency} | {our_rate:.0} req/s | {} | {} | {} | {} | {} / {} |",
            cell(oha_rate),
            cell(wrk),
            ratio(oha_rate),
            ratio(wrk),
            micros(our_cpu),
            micros(oha_cpu)
        );
    }
    if args.iter().any(|a| a == "--million") {
        million(&url);
    }
    let _ = std::fs::remove_dir_all(tempdir());
}
