//! Measures the batch engine's requests per second against a fast loopback endpoint, beside a
//! dedicated load generator (wrk) at the same concurrency.
//!
//!     cargo run --release --example batch_throughput [SECONDS]
//!     cargo run --release --example batch_throughput -- --serve   # only serve, print the URL
//!
//! The server is a minimal keep-alive HTTP/1.1 server on 127.0.0.1 (a thread per connection)
//! that reads each request and answers `[]` as JSON: the transcript function sending no e-mail.
//! The payload is a transcript envelope of about 4 KB. The batch runs sequentially and at
//! concurrency 16, each run sized to last about SECONDS (default 2); when `wrk` is on the PATH
//! it runs against the same server with the same body for as long (`-c1 -t1`, then `-c16 -t2`).
//! The two engines alternate, 5 rounds each, and the best run of each counts: other work on
//! the machine slows both alike, and the best run is the least disturbed.

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

/// Runs of each engine per concurrency; the best counts.
const ROUNDS: usize = 5;

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

fn batch_rate(url: &str, body: &Value, requests: usize, concurrency: usize) -> f64 {
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
    requests as f64 / end.elapsed.as_secs_f64()
}

fn wrk_rate(
    url: &str,
    body: &[u8],
    connections: usize,
    threads: usize,
    seconds: u64,
) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let script = dir.path().join("batch-throughput.lua");
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        serde_json::to_string(&String::from_utf8_lossy(body)).ok()?
    );
    std::fs::write(&script, lua).ok()?;
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "-s"])
        .arg(&script)
        .arg(url)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = start_server();
    let body = envelope_4k();
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    if args.iter().any(|a| a == "--serve") {
        println!(
            "serving {url} (POST body of {} bytes expected); Ctrl+C stops",
            bytes.len()
        );
        loop {
            std::thread::park();
        }
    }
    let seconds: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2).max(1);
    println!(
        "payload: {} bytes; runs of about {seconds} s; {url}",
        bytes.len()
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");
    for (concurrency, wrk_threads) in [(1usize, 1usize), (16, 2)] {
        // Warm up, then alternate the two engines, best of ROUNDS each: other work on the
        // machine slows both alike.
        let warm = batch_rate(&url, &body, 20_000, concurrency);
        let requests = ((warm * seconds as f64) as usize).clamp(20_000, 4_000_000);
        let (mut batch_best, mut wrk_best) = (0.0_f64, None::<f64>);
        for _ in 0..ROUNDS {
            batch_best = batch_best.max(batch_rate(&url, &body, requests, concurrency));
            if let Some(rate) = wrk_rate(&url, &bytes, concurrency, wrk_threads, seconds) {
                wrk_best = Some(wrk_best.map_or(rate, |b: f64| b.max(rate)));
            }
        }
        print!("concurrency {concurrency:>2}: batch {batch_best:>9.0} req/s");
        match wrk_best {
            Some(wrk) => println!(
                " · wrk -c{concurrency} -t{wrk_threads} {wrk:>9.0} req/s · batch/wrk {:.0} %",
                batch_best / wrk * 100.0
            ),
            None => println!(" · wrk not found on the PATH"),
        }
    }
}
