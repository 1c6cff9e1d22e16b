//! Batches against real HTTP servers on 127.0.0.1: bundled samples and their expectations,
//! disagreeing expectation files, JUnit XML, cancel, fail-fast, concurrency; the `batch`
//! subcommand of the built binary.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::batch::{TRANSCRIPT, batch_of, run_all, temp_dir};
use support::junit::parse_junit;
use support::{Resp, TestServer, sample, transcript_function};
use survey_console::batch::{
    self, BatchReport, BatchResult, BatchSettings, PayloadSource, Progress,
};
use survey_console::functions::EndpointKind;
use survey_console::invoke::{SessionSecrets, Target};

/// A folder of payloads whose expectation files partly disagree with the documented function.
fn disagreeing_folder(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let copy = |file: &str| std::fs::copy(sample(file), dir.join(file)).unwrap();
    let expect = |file: &str, text: &str| {
        let stem = file.strip_suffix(".json").unwrap();
        std::fs::write(dir.join(format!("{stem}.expect.json")), text).unwrap();
    };
    copy("transcript-csat-1.json");
    expect(
        "transcript-csat-1.json",
        r#"{"status":200,"emails_count":1}"#,
    );
    copy("transcript-csat-2.json");
    expect("transcript-csat-2.json", r#"{"emails_count":0}"#);
    copy("transcript-csat-3.json");
    expect(
        "transcript-csat-3.json",
        r#"{"emails":[{"targetEmail":"ReplaceMe@company.com","senderName":"Sender X",
            "senderEmail":"ReplaceMe@company.com","subject":"Your transcript"}]}"#,
    );
    copy("transcript-csat-4.json");
    expect("transcript-csat-4.json", r#"{"status":500}"#);
    copy("transcript-csat-5.json");
    expect(
        "transcript-csat-5.json",
        r#"{"error_code":"com.liveperson.faas.handler.runtime-exception"}"#,
    );
    copy("transcript-skill-mismatch.json"); // No expectation: the contract decides.
    copy("invalid-malformed.json"); // Cannot be parsed: fails without being sent.
    dir
}

#[test]
fn bundled_samples_pass_against_the_documented_function() {
    let server = TestServer::start(transcript_function);
    let settings = BatchSettings {
        concurrency: 4,
        ..BatchSettings::default()
    };
    let batch = batch_of(&PayloadSource::Samples, &server.url("/fn"), settings);
    let (results, end) = run_all(&batch);
    assert!(!end.cancelled);
    assert_eq!(results.len(), batch.items.len());
    assert_eq!(results.len(), 14);
    for r in &results {
        assert!(r.ok, "{} failed: {:?}", r.file, r.failures);
        assert_eq!(r.status, Some(200));
    }
    let csat1 = results
        .iter()
        .find(|r| &*r.file == "transcript-csat-1.json")
        .unwrap();
    // Status, e-mail count, and the contract's rules.
    assert_eq!((csat1.rules_held, csat1.rules_total), (6, 6));
    let verdict = batch::judge(
        csat1.record.as_deref().unwrap(),
        batch.items[csat1.item].expectation.as_ref(),
    );
    assert!(
        verdict
            .checks
            .iter()
            .any(|c| c.rule == "expected 1 e-mail" && c.ok)
    );
    assert_eq!(server.count("/fn"), 14);
}

#[test]
fn bundled_samples_pass_against_the_template_run_in_process() {
    let mut batch = batch_of(
        &PayloadSource::Samples,
        "http://127.0.0.1:9/",
        BatchSettings::default(),
    );
    batch.target = Target::local(
        TRANSCRIPT,
        "template",
        TRANSCRIPT.spec().template.to_owned(),
    );
    let (results, end) = run_all(&batch);
    assert!(!end.cancelled);
    assert_eq!(results.len(), 14);
    // The documented template calls skillName.match(): a numeric or missing skillName makes it
    // throw, so the real function fails where the lenient HTTP stand-in of the other tests does
    // not.
    for r in &results {
        let thrown = match &*r.file {
            "invalid-transcript-wrong-types.json" => {
                Some("TypeError: skillName.match is not a function (line 14")
            }
            "invalid-transcript-missing-fields.json" => {
                Some("TypeError: Cannot read properties of undefined (reading 'match') (line 14")
            }
            _ => None,
        };
        match thrown {
            Some(thrown) => {
                assert!(!r.ok);
                assert!(
                    r.failures[0].contains("handler.runtime-exception"),
                    "{:?}",
                    r.failures
                );
                assert!(r.failures[0].contains(thrown), "{:?}", r.failures);
            }
            None => assert!(r.ok, "{} failed: {:?}", r.file, r.failures),
        }
    }
    let csat1 = results
        .iter()
        .find(|r| &*r.file == "transcript-csat-1.json")
        .unwrap();
    let record = csat1.record.as_deref().unwrap();
    assert_eq!(record.endpoint_kind, EndpointKind::Local);
    assert_eq!(record.emails.len(), 1);
}

#[test]
fn disagreeing_expectations_are_reported_and_junit_counts_them() {
    let dir = disagreeing_folder("disagree");
    let server = TestServer::start(transcript_function);
    let settings = BatchSettings {
        iterations: 2,
        concurrency: 3,
        ..BatchSettings::default()
    };
    let batch = batch_of(
        &PayloadSource::Paths(vec![dir.clone()]),
        &server.url("/fn"),
        settings,
    );
    let (results, end) = run_all(&batch);
    assert_eq!(results.len(), 14);
    let failures_of = |file: &str| -> Vec<String> {
        let runs: Vec<&BatchResult> = results.iter().filter(|r| &*r.file == file).collect();
        assert_eq!(runs.len(), 2, "{file}");
        assert_eq!(runs[0].ok, runs[1].ok);
        runs[0].failures.clone()
    };
    assert!(failures_of("transcript-csat-1.json").is_empty());
    assert_eq!(
        failures_of("transcript-csat-2.json"),
        ["expected 0 e-mails, got 1"]
    );
    assert_eq!(
        failures_of("transcript-csat-3.json"),
        ["e-mail 1: subject expected \"Your transcript\", got \"Email Transcript Notification\""]
    );
    assert_eq!(
        failures_of("transcript-csat-4.json"),
        ["expected status 500, got 200"]
    );
    assert_eq!(
        failures_of("transcript-csat-5.json"),
        ["expected error com.liveperson.faas.handler.runtime-exception, got none"]
    );
    assert!(failures_of("transcript-skill-mismatch.json").is_empty());
    let malformed = failures_of("invalid-malformed.json");
    assert!(
        malformed[0].contains("invalid JSON at line"),
        "{malformed:?}"
    );
    // Two sends per parsable file; the malformed one is never sent.
    assert_eq!(server.count("/fn"), 12);

    let report = BatchReport::new(TRANSCRIPT, "url".into(), results, end);
    assert_eq!((report.passed, report.failed), (4, 10));
    let junit = dir.join("out/junit.xml");
    report.write_junit(&junit).unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    let parsed = parse_junit(&xml);
    assert_eq!(parsed.suite_tests, 14);
    assert_eq!(parsed.suite_failures, 10);
    assert_eq!(parsed.testcases, 14);
    assert_eq!(parsed.failure_messages.len(), 10);
    assert!(
        parsed
            .failure_messages
            .contains(&"expected status 500, got 200".to_owned())
    );
    assert!(parsed.failure_messages.contains(
        &"e-mail 1: subject expected \"Your transcript\", got \"Email Transcript Notification\""
            .to_owned()
    ));
    let json_path = dir.join("out/report.json");
    report.write_json(&json_path).unwrap();
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(json["total"], 14);
    assert_eq!(json["failed"], 10);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cancel_stops_within_a_second_even_with_requests_in_flight() {
    let server = TestServer::start(|_| {
        Resp::json(200, Value::Array(Vec::new())).delayed(Duration::from_secs(5))
    });
    let settings = BatchSettings {
        iterations: 10,
        concurrency: 4,
        ..BatchSettings::default()
    };
    let batch = batch_of(&PayloadSource::Samples, &server.url("/slow"), settings);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let cancelled_at = Arc::new(Mutex::new(None::<Instant>));
    let at = Arc::clone(&cancelled_at);
    std::thread::Builder::new()
        .name("canceller".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            *at.lock().unwrap() = Some(Instant::now());
            flag.store(true, Ordering::Relaxed);
        })
        .unwrap();
    let progress = Arc::new(Progress::default());
    let mut results = Vec::new();
    let end = batch::run(
        &batch,
        &SessionSecrets::default(),
        &cancel,
        &progress,
        |r| results.push(r),
    );
    let after_cancel = cancelled_at.lock().unwrap().unwrap().elapsed();
    assert!(end.cancelled);
    assert!(
        after_cancel < Duration::from_millis(1200),
        "returned {after_cancel:?} after cancel"
    );
    // The four requests in flight were dropped, nothing else was sent.
    assert!(results.is_empty(), "{} results", results.len());
    let snapshot = progress.snapshot();
    assert!(snapshot.finished);
    assert_eq!(snapshot.total, 140);
    assert_eq!(snapshot.done, 0);
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    // csat-2 answers a server error; everything else passes.
    let server = TestServer::start(|req| {
        if req.json()["payload"]["csatRank"] == 2 {
            Resp::json(500, serde_json::json!({"error": "boom"}))
        } else {
            transcript_function(req)
        }
    });
    let settings = BatchSettings {
        iterations: 3,
        fail_fast: true,
        ..BatchSettings::default()
    };
    let batch = batch_of(&PayloadSource::Samples, &server.url("/fn"), settings);
    let (results, end) = run_all(&batch);
    assert!(end.stopped_at_failure);
    let last = results.last().unwrap();
    assert!(!last.ok);
    assert_eq!(last.status, Some(500));
    assert!(results[..results.len() - 1].iter().all(|r| r.ok));
    assert!(results.len() < batch.planned() / 3, "{}", results.len());
    assert!(
        last.failures
            .iter()
            .any(|f| f.starts_with("expected status 200, got 500")),
        "{:?}",
        last.failures
    );
}

#[test]
fn fail_fast_ends_the_requests_in_flight_at_once() {
    // csat-1 fails at once; every other payload takes 5 s.
    let server = TestServer::start(|req| {
        if req.json()["payload"]["csatRank"] == 1 {
            Resp::json(500, serde_json::json!({"error": "boom"}))
        } else {
            Resp::json(200, Value::Array(Vec::new())).delayed(Duration::from_secs(5))
        }
    });
    let settings = BatchSettings {
        concurrency: 4,
        fail_fast: true,
        ..BatchSettings::default()
    };
    let batch = batch_of(&PayloadSource::Samples, &server.url("/fn"), settings);
    let started = Instant::now();
    let (results, end) = run_all(&batch);
    assert!(end.stopped_at_failure);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        results.iter().filter(|r| !r.ok).count(),
        1,
        "{}",
        results.len()
    );
}

#[test]
fn concurrency_bounds_the_requests_in_flight() {
    let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, p) = (Arc::clone(&now), Arc::clone(&peak));
    let server = TestServer::start(move |req| {
        let inside = n.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(inside, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(60));
        n.fetch_sub(1, Ordering::SeqCst);
        transcript_function(req)
    });
    let settings = BatchSettings {
        iterations: 4,
        concurrency: 5,
        ..BatchSettings::default()
    };
    let batch = batch_of(&PayloadSource::Samples, &server.url("/fn"), settings);
    let (results, _) = run_all(&batch);
    assert_eq!(results.len(), 56);
    assert!(results.iter().all(|r| r.ok));
    let peak = peak.load(Ordering::SeqCst);
    assert!((2..=5).contains(&peak), "peak {peak}");
}

fn bin(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

#[test]
fn cli_batch_prints_the_documented_json_and_exit_codes() {
    let home = temp_dir("cli");
    let server = TestServer::start(transcript_function);
    let url = server.url("/fn");
    let junit = home.join("junit.xml");
    let out = bin(&home)
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--samples",
        ])
        .args([
            "--url",
            &url,
            "--concurrency",
            "8",
            "--iterations",
            "2",
            "--json",
        ])
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "total",
        "passed",
        "failed",
        "requests_per_s",
        "latency_ms",
        "results",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    for key in ["p50", "p95", "p99", "max"] {
        assert!(json["latency_ms"][key].is_number(), "{key}");
    }
    assert_eq!(json["total"], 28);
    assert_eq!(json["failed"], 0);
    let first = &json["results"][0];
    for key in ["file", "iteration", "ok", "status", "time_ms", "failures"] {
        assert!(first.get(key).is_some(), "{key}");
    }
    assert!(parse_junit(&std::fs::read_to_string(&junit).unwrap()).testcases == 28);
    // Progress goes to stderr only on a terminal.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("req/s"));

    // Disagreeing expectations: exit 1, the differences in the human output.
    let dir = disagreeing_folder("cli-disagree");
    let out = bin(&home)
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--payloads",
        ])
        .arg(&dir)
        .args(["--url", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("expected status 500, got 200"), "{text}");
    assert!(text.contains("2 passed, 5 failed of 7"), "{text}");

    // Bad arguments: exit 2 with the reason.
    let usage = |extra: &[&str]| {
        let out = bin(&home)
            .args([
                "batch",
                "--event",
                "chat-post-survey-email-transcript",
                "--url",
                &url,
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(usage(&["--samples", "--concurrency", "65"]).contains("--concurrency must be 1 to 64"));
    assert!(usage(&["--samples", "--concurrency", "0"]).contains("not 0"));
    let missing = home.join("no-such-folder");
    assert!(usage(&["--payloads", missing.to_str().unwrap()]).contains("cannot read it"));
    let empty = home.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(usage(&["--payloads", empty.to_str().unwrap()]).contains("no payload files"));
    std::fs::write(dir.join("transcript-csat-1.expect.json"), "{\"emails\": 3}").unwrap();
    let bad = usage(&["--payloads", dir.to_str().unwrap()]);
    assert!(bad.contains("the expectation file is not valid"), "{bad}");
    assert!(
        bad.trim_end().ends_with("transcript-csat-1.expect.json"),
        "{bad}"
    );
    // Without --url the configured function is used; none is configured here.
    let out = bin(&home)
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--samples",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no function"));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&home).unwrap();
}
