//! Measures the local JavaScript runtime on the transcript template.
//!
//!     cargo run --release --example local_runtime [WARM_CALLS]
//!
//! Builds a transcript envelope of about 3 KB (enough answered questions) and times:
//! - cold: `run_function` (a fresh QuickJS runtime, the code compiled, one call), 50 times;
//! - warm: `LocalFunction::call` on one compiled function, WARM_CALLS times (default 10,000);
//! - the time limit: how long after a 200 ms limit an infinite loop stops, 5 times.
//!
//! Prints the median and the mean of each.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use survey_console::catalog::EventId;
use survey_console::invoke::local::{LocalFunction, LocalLimits, run_function};

/// A transcript envelope of about `target` bytes that makes the template send one e-mail.
fn transcript(target: usize) -> Value {
    let mut questions = Vec::new();
    let mut doc = json!({});
    for i in 0.. {
        questions.push(json!({
            "question": format!("Question {i}: how would you rate the agent who helped you?"),
            "answer": "Poor;Below Average"
        }));
        doc = json!({
            "timestamp": 1_700_000_000_000_u64,
            "headers": [],
            "payload": {
                "csatRank": 2,
                "skillName": "CustomerCare",
                "agentName": "John Doe",
                "questionWithAnswers": questions,
            }
        });
        if serde_json::to_vec(&doc).map_or(target, |v| v.len()) >= target {
            break;
        }
    }
    doc
}

fn no_cancel() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

fn report(name: &str, mut times: Vec<Duration>) {
    if times.is_empty() {
        return;
    }
    times.sort();
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{name:<34} median {:>9.1} µs   mean {:>9.1} µs   ({} runs)",
        median.as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
        times.len()
    );
}

fn main() {
    let warm_calls: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let template = EventId::ChatPostSurveyEmailTranscript.spec().template;
    let input = transcript(3 * 1024);
    let size = serde_json::to_vec(&input).map_or(0, |v| v.len());
    println!("transcript template, {size} byte payload");
    let limits = LocalLimits::default();

    let mut cold = Vec::new();
    for _ in 0..50 {
        let run = run_function(template, &input, &limits, no_cancel());
        if let Err(err) = &run.result {
            eprintln!("cold run failed: {err}");
            return;
        }
        cold.push(run.duration);
    }
    report("cold (runtime + compile + call)", cold);

    let compile_started = Instant::now();
    let mut function = match LocalFunction::compile(template, &limits) {
        Ok(function) => function,
        Err(err) => {
            eprintln!("compile failed: {err}");
            return;
        }
    };
    report("compile only", vec![compile_started.elapsed()]);
    let mut warm = Vec::with_capacity(warm_calls);
    for _ in 0..warm_calls {
        let started = Instant::now();
        let run = function.call(&input, no_cancel());
        warm.push(started.elapsed());
        match &run.result {
            Ok(Value::Array(emails)) if emails.len() == 1 => {}
            other => {
                eprintln!("unexpected warm result: {other:?}");
                return;
            }
        }
    }
    report("warm (call)", warm);

    let limit = Duration::from_millis(200);
    let code = "module.exports = () => { for (;;) {} };";
    let Ok(mut looping) = LocalFunction::compile(code, &LocalLimits::with_timeout(limit)) else {
        eprintln!("the loop does not compile");
        return;
    };
    let mut overshoot = Vec::new();
    for _ in 0..5 {
        let run = looping.call(&input, no_cancel());
        overshoot.push(run.duration.saturating_sub(limit));
    }
    report("infinite loop: stop after 200 ms", overshoot);
}
