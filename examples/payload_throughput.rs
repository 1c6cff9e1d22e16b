//! Measures load + flatten + validate throughput on large payloads.
//!
//!     cargo run --release --example payload_throughput [MEGABYTES]
//!
//! Builds two payloads of about MEGABYTES each (default 64): a messaging survey payload with a
//! long `dialogs` array, and a transcript payload with many answered questions. Each is parsed
//! from bytes, flattened and validated three times; the best time gives the MB/s.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use survey_console::catalog::samples::sample;
use survey_console::payload::{RowFilter, inspect, parse_bytes};

fn messaging(target: usize) -> Vec<u8> {
    let base = sample("messaging-survey-started.envelope.json").map_or("{}", |s| s.contents);
    let mut doc: Value = serde_json::from_str(base).unwrap_or_else(|_| json!({}));
    let dialog = doc["payload"]["dialogs"][1].clone();
    let one = serde_json::to_vec(&dialog).map_or(600, |v| v.len());
    let dialogs: Vec<Value> = (0..target / one).map(|_| dialog.clone()).collect();
    doc["payload"]["dialogs"] = Value::Array(dialogs);
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn transcript(target: usize) -> Vec<u8> {
    let item = json!({
        "question": "How would you rate the knowledge of the agent who helped you today?",
        "answer": "Very knowledgeable;Answered quickly;Friendly"
    });
    let one = serde_json::to_vec(&item).map_or(120, |v| v.len());
    let items: Vec<Value> = (0..target / one).map(|_| item.clone()).collect();
    let doc = json!({
        "timestamp": 1_700_000_000_000_u64,
        "headers": [],
        "payload": {
            "csatRank": 2,
            "skillName": "CustomerCare",
            "agentName": "John Doe",
            "questionWithAnswers": items,
        }
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn measure(name: &str, bytes: &[u8]) {
    let mut best = (Duration::MAX, Duration::ZERO, Duration::ZERO);
    let mut rows = 0;
    let mut filter_best = Duration::MAX;
    let mut matched = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let Ok(payload) = parse_bytes(bytes, name) else {
            eprintln!("{name}: the generated payload does not parse");
            return;
        };
        let parsed = start.elapsed();
        let inspection = inspect(&payload, None);
        let total = start.elapsed();
        rows = inspection.row_count();
        if total < best.0 {
            best = (total, parsed, total - parsed);
        }
        // What the Payload table does on a keystroke in its filter box.
        let filter_start = Instant::now();
        matched = inspection
            .matching_rows(&RowFilter {
                text: "Consumer".to_owned(),
                only_findings: false,
            })
            .len();
        filter_best = filter_best.min(filter_start.elapsed());
        drop(inspection);
        drop(payload);
    }
    let mb = bytes.len() as f64 / 1e6;
    let (total, parse, check) = best;
    println!(
        "{name:<10} {mb:>7.1} MB  {rows:>9} rows  {:>7.1} ms (parse {:.0} ms, flatten + validate {:.0} ms)  {:>6.0} MB/s",
        total.as_secs_f64() * 1e3,
        parse.as_secs_f64() * 1e3,
        check.as_secs_f64() * 1e3,
        mb / total.as_secs_f64()
    );
    println!(
        "{name:<10} filter \"Consumer\" over {rows} rows: {matched} match in {:.1} ms",
        filter_best.as_secs_f64() * 1e3
    );
}

fn main() {
    let megabytes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(64);
    let target = megabytes * 1_000_000;
    measure("messaging", &messaging(target));
    measure("transcript", &transcript(target));
}
