//! Measures the local runs on the transcript template, beside LivePerson's own emulator.
//!
//!     cargo run --release --example local_runtime [WARM_CALLS] [NODE_RUNS]
//!
//! With a transcript envelope of about 3 KB (enough answered questions), it times:
//! - QuickJS cold: `run_function` (a fresh runtime, the platform layer, the code compiled, one
//!   call), 50 times; QuickJS warm: `LocalFunction::call` on one compiled function, WARM_CALLS
//!   times (default 10,000); how long after a 200 ms limit an infinite loop stops;
//! - Node.js (where `node` is on PATH): NODE_RUNS runs (default 4,000) on warm workers, a fresh
//!   context each, at concurrency 2 (the machine's 2 cores), as runs per second;
//! - LivePerson's emulator (`lpf invoke --local`'s FaasDebugger, when `LPF_CLI` names the
//!   installed `liveperson-functions-cli` directory): 5 invocations of the same template, each
//!   a `node` process as lpf runs it.
//!
//! Prints the median and the mean of each.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use survey_console::catalog::EventId;
use survey_console::functions::LocalEngine;
use survey_console::invoke::local::{LocalFunction, LocalOptions, node, run_function};

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
        "{name:<40} median {:>10.1} µs   mean {:>10.1} µs   ({} runs)",
        median.as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
        times.len()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let warm_calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let node_runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(4_000);
    let template = EventId::ChatPostSurveyEmailTranscript.spec().template;
    let input = serde_json::to_vec(&transcript(3 * 1024)).unwrap_or_default();
    println!("transcript template, {} byte envelope", input.len());
    let options = LocalOptions::default();

    let mut cold = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        let run = run_function(template, &input, &options, no_cancel());
        cold.push(started.elapsed());
        if let Err(err) = &run.result {
            eprintln!("cold run failed: {err}");
            return;
        }
    }
    report("QuickJS cold: runtime + compile + call", cold);

    let mut function = match LocalFunction::compile(template, &options) {
        Ok(f) => f,
        Err(err) => {
            eprintln!("compile failed: {err}");
            return;
        }
    };
    let mut warm = Vec::with_capacity(warm_calls);
    for _ in 0..warm_calls {
        let started = Instant::now();
        let run = function.call(&input, no_cancel());
        warm.push(started.elapsed());
        if run.result.is_err() {
            eprintln!("warm call failed: {:?}", run.result);
            return;
        }
    }
    report("QuickJS warm: call of a compiled function", warm);

    let limit = Duration::from_millis(200);
    let looping = LocalOptions::with_timeout(limit);
    let mut over = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let _ = run_function(
            "function lambda(i, cb) { while (true) {} }",
            &input,
            &looping,
            no_cancel(),
        );
        over.push(started.elapsed().saturating_sub(limit));
    }
    report("QuickJS: infinite loop stops after 200 ms by", over);

    if node::available() {
        node_throughput(template, &input, node_runs);
    } else {
        println!("Node.js engine: skipped (node is not on PATH)");
    }
    if let Some(cli) = std::env::var_os("LPF_CLI") {
        lpf_invocations(std::path::Path::new(&cli), template, &input);
    } else {
        println!("lpf: skipped (set LPF_CLI to an installed liveperson-functions-cli directory)");
    }
}

fn node_throughput(template: &str, input: &[u8], runs: usize) {
    let options = LocalOptions {
        engine: LocalEngine::Node,
        ..LocalOptions::default()
    };
    // Warm the workers first.
    for _ in 0..4 {
        let _ = run_function(template, input, &options, no_cancel());
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let next = Arc::clone(&next);
            let options = options.clone();
            let code = template.to_owned();
            let input = input.to_vec();
            std::thread::Builder::new()
                .name("bench-node".into())
                .spawn(move || {
                    let mut times = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < runs {
                        let t = Instant::now();
                        let run = run_function(&code, &input, &options, no_cancel());
                        times.push(t.elapsed());
                        if let Err(err) = run.result {
                            eprintln!("node run failed: {err}");
                            break;
                        }
                    }
                    times
                })
        })
        .collect();
    let times: Vec<Duration> = threads
        .into_iter()
        .flatten()
        .flat_map(|t| t.join().unwrap_or_default())
        .collect();
    let elapsed = started.elapsed();
    let done = times.len();
    report("Node.js warm worker, fresh context", times);
    println!(
        "Node.js engine at concurrency 2: {:.0} runs/s ({done} runs in {:.2} s)",
        done as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
}

/// LivePerson's emulator as `lpf invoke NAME --local` runs it, in a throw-away project.
fn lpf_invocations(cli: &std::path::Path, template: &str, input: &[u8]) {
    let Ok(project_dir) = tempfile::tempdir() else {
        println!("lpf: no temporary folder for its project");
        return;
    };
    let project = project_dir.path().to_path_buf();
    let function = project.join("functions").join("bench");
    let _ = std::fs::create_dir_all(project.join("bin"));
    let _ = std::fs::create_dir_all(&function);
    let copied = std::process::Command::new("cp")
        .args(["-r"])
        .arg(cli.join("bin/example/bin/."))
        .arg(project.join("bin"))
        .status();
    if !copied.is_ok_and(|s| s.success()) {
        println!("lpf: cannot copy its runtime from {}", cli.display());
        return;
    }
    let envelope: Value = serde_json::from_slice(input).unwrap_or_default();
    let config = json!({"name": "bench", "event": null, "description": "", "input": envelope, "environmentVariables": [{"key": "", "value": ""}]});
    let _ = std::fs::write(function.join("config.json"), config.to_string());
    let _ = std::fs::write(
        project.join("functions/settings.json"),
        r#"{"secrets":[],"whitelist":[]}"#,
    );
    let script = format!(
        "const {{FaasDebugger}} = require({:?}); new FaasDebugger({{indexPath: 'functions/bench/index.js', configPath: 'functions/bench/config.json', lambdaToInvoke: 'bench'}}).runLocalInvocation();",
        cli.join("lib/shared/faas-debugger").display().to_string()
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let _ = std::fs::write(function.join("index.js"), template);
        let started = Instant::now();
        let out = std::process::Command::new("node")
            .args(["-e", &script])
            .env("DEBUG_FUNCTION", "bench")
            .current_dir(&project)
            .output();
        times.push(started.elapsed());
        if !out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("\"result\"")) {
            println!("lpf: the invocation gave no result");
            return;
        }
    }
    report("lpf invoke --local (FaasDebugger)", times);
}
