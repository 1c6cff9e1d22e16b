//! The records a batch keeps: the first results and the failures whole, with the headers sent
//! and received; the results past them with the verdict of their answer.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use support::batch::{TRANSCRIPT, batch_of, run_all, temp_dir};
use support::{Resp, TestServer, sample, transcript_function};
use survey_console::batch::{self, BatchResult, BatchSettings, PayloadSource, Progress};
use survey_console::functions::{Auth, Endpoint, SecretRef};
use survey_console::invoke::SessionSecrets;

/// A batch keeps the full record of its first results and of its failures: each kept record
/// shows the headers as sent (its own request id, the token redacted) and as received, also
/// for a failure long after the first records.
#[test]
fn kept_records_show_the_headers_sent_and_received() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let ids = Arc::clone(&seen);
    let server = TestServer::start(move |req| {
        let mut ids = ids.lock().unwrap();
        ids.push(req.header("X-Request-ID").unwrap_or("").to_owned());
        let late = ids.len() > 540;
        drop(ids);
        let answer = if late {
            Resp::json(500, serde_json::json!({"error": "late"}))
        } else {
            transcript_function(req)
        };
        answer.header("X-Trace", "t-1")
    });
    let settings = BatchSettings {
        iterations: 40,
        concurrency: 4,
        ..BatchSettings::default()
    };
    let mut batch = batch_of(&PayloadSource::Samples, &server.url("/fn"), settings);
    batch.target.endpoint = Endpoint::Http {
        url: server.url("/fn"),
        auth: Auth::Bearer {
            token: SecretRef::default(),
        },
    };
    batch.target.headers = vec![("X-Tenant".into(), "acme".into())];
    let mut secrets = SessionSecrets::default();
    secrets.set(TRANSCRIPT, "endpoint.auth.token", "t0ken-s3cret".into());
    let mut results = Vec::new();
    batch::run(
        &batch,
        &secrets,
        &Arc::new(AtomicBool::new(false)),
        &Arc::new(Progress::default()),
        |r| results.push(r),
    );
    assert_eq!(results.len(), 560);
    let seen = seen.lock().unwrap().clone();
    let kept: Vec<_> = results.iter().filter_map(|r| r.record.clone()).collect();
    let failed = results.iter().filter(|r| !r.ok).count();
    assert_eq!(failed, 20, "the last 20 answers are HTTP 500");
    assert_eq!(kept.len(), batch::KEEP_FIRST_RECORDS + failed);
    for record in &kept {
        let sent = |name: &str| {
            record
                .request
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let id = record.request_id.as_deref().unwrap();
        assert_eq!(sent("X-Request-ID"), Some(id));
        assert!(seen.iter().any(|s| s == id), "{id} was not the id sent");
        assert_eq!(sent("Authorization"), Some("Bearer <redacted>"));
        assert_eq!(sent("X-Tenant"), Some("acme"));
        assert_eq!(sent("Content-Type"), Some("application/json"));
        let response = record.response.as_ref().unwrap();
        assert!(
            response
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("x-trace") && v == "t-1"),
            "{:?}",
            response.headers
        );
        assert!(!format!("{record:?}").contains("t0ken-s3cret"));
    }
    let ids: std::collections::HashSet<&str> = kept
        .iter()
        .filter_map(|r| r.request_id.as_deref())
        .collect();
    assert_eq!(ids.len(), kept.len(), "every request has its own id");
    assert!(seen.iter().all(|id| id.len() == 36), "{:?}", &seen[..3]);
}

/// Past its first records a batch judges a passing answer without making its record: each
/// such result carries the same verdict (rules held and checked) as a kept record of the
/// same answer, and a failing answer is still kept whole, wherever it falls in the batch.
#[test]
fn results_past_the_first_records_keep_the_verdict_of_their_answer() {
    let dir = temp_dir("lean-verdict");
    // No expectation file: the event's contract decides.
    std::fs::copy(
        sample("transcript-csat-1.json"),
        dir.join("transcript-csat-1.json"),
    )
    .unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let server = TestServer::start(move |_| {
        let answer = match counter.fetch_add(1, Ordering::Relaxed) % 3 {
            0 => serde_json::json!([]),
            1 => serde_json::json!([{
                "targetEmail": "agent@example.com",
                "senderName": "Survey",
                "senderEmail": "survey@example.com",
                "subject": "CSAT 1"
            }]),
            _ => serde_json::json!([{"targetEmail": "not an address"}]),
        };
        Resp::json(200, answer)
    });
    let settings = BatchSettings {
        iterations: 900,
        concurrency: 4,
        ..BatchSettings::default()
    };
    let batch = batch_of(
        &PayloadSource::Paths(vec![dir.clone()]),
        &server.url("/fn"),
        settings,
    );
    let (results, _) = run_all(&batch);
    assert_eq!(results.len(), 900);
    let tuple = |r: &BatchResult| (r.ok, r.rules_held, r.rules_total, r.failures.clone());
    // Every kept record's result is its record's verdict.
    let mut judged = Vec::new();
    for result in results.iter().filter(|r| r.record.is_some()) {
        let record = result.record.as_deref().unwrap();
        let verdict = batch::judge(record, None);
        let held = verdict.checks.iter().filter(|c| c.ok).count();
        let from_record = (verdict.ok, held, verdict.checks.len(), verdict.failures);
        assert_eq!(tuple(result), from_record);
        if !judged.contains(&from_record) {
            judged.push(from_record);
        }
    }
    // The three answers: no e-mail (2 rules), one e-mail (4 rules), a bad entry (failed).
    assert_eq!(judged.len(), 3, "{judged:?}");
    assert!(judged.contains(&(true, 2, 2, Vec::new())), "{judged:?}");
    assert!(judged.contains(&(true, 4, 4, Vec::new())), "{judged:?}");
    let lean: Vec<_> = results.iter().filter(|r| r.record.is_none()).collect();
    assert!(lean.len() >= 150, "{} results without a record", lean.len());
    for result in &lean {
        assert!(
            result.ok,
            "a failure keeps its record: {:?}",
            result.failures
        );
        assert_eq!(result.status, Some(200));
        assert!(judged.contains(&tuple(result)), "{:?}", tuple(result));
    }
    for rules in [2, 4] {
        assert!(
            lean.iter().any(|r| r.rules_total == rules),
            "no result without a record had {rules} rules"
        );
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    assert_eq!(failed, 300);
    assert!(results.iter().filter(|r| !r.ok).all(|r| r.record.is_some()));
    std::fs::remove_dir_all(&dir).unwrap();
}
