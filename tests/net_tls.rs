//! HTTPS on both paths, through the built binary (whose roots come from `SSL_CERT_FILE`, as a
//! user with a corporate CA or a stand-in's certificate gives them): the same verifier for
//! single invocations and batches, HTTP/2 where the server offers it, HTTP/1.1 where not.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::process::Command;

use serde_json::Value;
use support::sample;
use support::tls::{TlsServer, ca_file};

fn cli(trust: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    // A home of its own, removed when the process ends (the CLI keeps its history there).
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| tempfile::tempdir().unwrap()).path();
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    if trust {
        cmd.env("SSL_CERT_FILE", ca_file())
            .env_remove("SSL_CERT_DIR");
    } else {
        // Roots that do not include the test CA.
        cmd.env("SSL_CERT_FILE", sample("README.md"));
    }
    cmd
}

fn invoke(url: &str, trust: bool) -> Value {
    let out = cli(trust)
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--no-history",
            "--json",
        ])
        .args(["--url", url, "--payload"])
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn batch(url: &str, trust: bool) -> Value {
    let out = cli(trust)
        .args([
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--json",
        ])
        .args([
            "--url",
            url,
            "--iterations",
            "10",
            "--concurrency",
            "4",
            "--payloads",
        ])
        .arg(sample("transcript-csat-5.json"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn https_batches_use_http2_where_offered_and_the_same_roots_as_single_calls() {
    for offer_h2 in [true, false] {
        let server = TlsServer::start(offer_h2);
        let url = format!("{}/fn", server.base);
        let one = invoke(&url, true);
        assert_eq!(one["ok"], true, "{one}");
        let many = batch(&url, true);
        assert_eq!(
            (many["passed"].as_u64(), many["failed"].as_u64()),
            (Some(10), Some(0)),
            "{many}"
        );
        let versions = server.versions.lock().unwrap().clone();
        assert_eq!(versions.len(), 11);
        let expected = if offer_h2 { "HTTP/2.0" } else { "HTTP/1.1" };
        assert!(versions.iter().all(|v| v == expected), "{versions:?}");
    }
}

#[test]
fn an_untrusted_certificate_is_refused_alike_on_both_paths() {
    let server = TlsServer::start(true);
    let url = format!("{}/fn", server.base);
    let one = invoke(&url, false);
    assert_eq!(one["error"]["kind"], "network");
    assert_eq!(one["error"]["code"], "tls");
    let many = batch(&url, false);
    assert_eq!(many["failed"], 10);
    let failures = &many["results"][0]["failures"];
    assert!(
        failures
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("network (tls)")),
        "{failures}"
    );
    assert!(server.versions.lock().unwrap().is_empty());
}
