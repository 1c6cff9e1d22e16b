//! Secrets never leave the console, with the built binary against real loopback servers: a
//! password in a URL, headers read from `env:NAME`, a token or client secret a server echoes
//! back are all `<redacted>` in the text and `--json` output, errors, the history, batch JSON
//! and JUnit, while the servers receive the real values.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use support::{Resp, TestServer, sample};

fn bin(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

/// Everything a run left where a secret could leak: its output and the history.
fn everything(out: &Output, home: &Path) -> String {
    let history =
        std::fs::read_to_string(home.join("data/survey-console/history.jsonl")).unwrap_or_default();
    format!(
        "{}\n{}\n{history}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A function server that answers with what it received: the headers that carry credentials
/// and the body.
fn echo_server() -> TestServer {
    TestServer::start(|req| {
        Resp::json(
            200,
            json!({
                "authorization": req.header("Authorization"),
                "api_key": req.header("X-Api-Key"),
                "note": format!("seen {}", req.header("Authorization").unwrap_or("")),
            }),
        )
    })
}

#[test]
fn header_values_from_the_environment_are_sent_and_never_shown() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let server = echo_server();
    let config = home.join("functions.json");
    let set = bin(home)
        .args(["functions", "set", "messaging-survey-ended", "--config"])
        .arg(&config)
        .args(["--url", &server.url("/fn"), "--token", "env:FN_TOKEN"])
        .args(["--header", "X-Api-Key: env:API_KEY"])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    // A plain value for a header that carries a credential is refused, as a plain token is.
    let plain = bin(home)
        .args(["functions", "set", "messaging-survey-ended", "--config"])
        .arg(&config)
        .args(["--header", "X-Api-Key: key-67890"])
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&plain.stderr).contains("headers.X-Api-Key"));
    assert!(
        !std::fs::read_to_string(&config)
            .unwrap()
            .contains("key-67890")
    );

    for json in [true, false] {
        let mut cmd = bin(home);
        cmd.args(["invoke", "--event", "messaging-survey-ended", "--config"])
            .arg(&config)
            .arg("--payload")
            .arg(sample("messaging-survey-ended.envelope.json"))
            .env("FN_TOKEN", "tok-12345-secret")
            .env("API_KEY", "key-67890-secret");
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen = everything(&out, home);
        for secret in ["tok-12345-secret", "key-67890-secret"] {
            assert!(!seen.contains(secret), "{secret} leaked:\n{seen}");
        }
        assert!(seen.contains("<redacted>"), "{seen}");
    }
    let received = server.requests.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| {
        r.header("Authorization") == Some("Bearer tok-12345-secret")
            && r.header("X-Api-Key") == Some("key-67890-secret")
    }));
    // The file and its exports keep the reference.
    let show = bin(home)
        .args(["functions", "export", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&show.stdout).contains("\"X-Api-Key\": \"env:API_KEY\""));
    // An unset variable stops the call before anything is sent, and says which one.
    let out = bin(home)
        .args(["invoke", "--event", "messaging-survey-ended", "--config"])
        .arg(&config)
        .arg("--payload")
        .arg(sample("messaging-survey-ended.envelope.json"))
        .env("FN_TOKEN", "tok-12345-secret")
        .env_remove("API_KEY")
        .args(["--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["error"]["code"], "missing-secret");
    assert!(
        record["error"]["message"]
            .as_str()
            .unwrap()
            .contains("headers.X-Api-Key reads env:API_KEY")
    );
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}

#[test]
fn a_password_in_a_url_is_redacted_everywhere() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let server = echo_server();
    let url = server
        .url("/fn")
        .replace("http://", "http://ops:pa55-w0rd@");
    for args in [vec!["--json"], vec![], vec!["--header", "X-Trace: t1"]] {
        let out = bin(home)
            .args([
                "invoke",
                "--event",
                "messaging-survey-ended",
                "--url",
                &url,
                "--payload",
            ])
            .arg(sample("messaging-survey-ended.envelope.json"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seen = everything(&out, home);
        assert!(!seen.contains("pa55-w0rd"), "{seen}");
        // Nor the Authorization header it made, echoed by the server.
        assert!(!seen.contains("b3BzOnBhNTUtdzByZA"), "{seen}");
    }
    // The server got the credentials as basic auth.
    let received = server.requests.lock().unwrap().clone();
    assert_eq!(
        received[0].header("Authorization"),
        Some("Basic b3BzOnBhNTUtdzByZA==")
    );

    // An error names the URL, without its password.
    let refused = "http://ops:pa55-w0rd@127.0.0.1:9/fn";
    let out = bin(home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--url",
            refused,
            "--payload",
        ])
        .arg(sample("messaging-survey-ended.envelope.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let seen = everything(&out, home);
    assert!(!seen.contains("pa55-w0rd"), "{seen}");
    assert!(seen.contains("ops:<redacted>@127.0.0.1:9"), "{seen}");
    let out = bin(home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--url",
            "http://ops:pa55-w0rd@",
            "--payload",
        ])
        .arg(sample("messaging-survey-ended.envelope.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!everything(&out, home).contains("pa55-w0rd"));

    // Batches: the JSON report and the JUnit file.
    let junit = home.join("report.xml");
    let out = bin(home)
        .args([
            "batch",
            "--event",
            "messaging-survey-ended",
            "--samples",
            "--url",
            &url,
            "--json",
            "--junit",
        ])
        .arg(&junit)
        .output()
        .unwrap();
    let seen = everything(&out, home) + &std::fs::read_to_string(&junit).unwrap();
    assert!(!seen.contains("pa55-w0rd"), "{seen}");
    assert!(seen.contains("ops:<redacted>@"), "{seen}");
}

#[test]
fn a_client_secret_quoted_by_the_token_endpoint_is_redacted() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    // A sentinel that quotes the client secret it was sent in its error description.
    let sentinel = TestServer::start(|req| {
        let secret = req
            .body
            .split('&')
            .find_map(|kv| kv.strip_prefix("client_secret="))
            .unwrap_or("")
            .to_owned();
        Resp::json(
            401,
            json!({"error": "invalid_client", "error_description": format!("client secret {secret} is not valid")}),
        )
    });
    let config = home.join("functions.json");
    let set = bin(home)
        .args(["functions", "set", "messaging-survey-ended", "--config"])
        .arg(&config)
        .args([
            "--account-id",
            "12345678",
            "--lambda-uuid",
            "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11",
            "--gateway-url",
            &sentinel.base,
            "--sentinel-url",
            &sentinel.base,
            "--client-id",
            "cid",
            "--client-secret",
            "env:LP_SECRET",
        ])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let out = bin(home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--json",
            "--config",
        ])
        .arg(&config)
        .arg("--payload")
        .arg(sample("messaging-survey-ended.envelope.json"))
        .env("LP_SECRET", "cs-SECRET-1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let seen = everything(&out, home);
    assert!(
        sentinel
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.body.contains("cs-SECRET-1"))
    );
    assert!(!seen.contains("cs-SECRET-1"), "{seen}");
    assert!(
        seen.contains("client secret <redacted> is not valid"),
        "{seen}"
    );
}

#[test]
fn an_access_token_echoed_by_the_function_is_redacted() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    // A sentinel that issues a token, and a function that answers with what it was sent.
    let platform = TestServer::start(|req| {
        if req.url.contains("/sentinel/") {
            Resp::json(
                200,
                json!({"access_token": "at-TOKEN-4242-secret", "expires_in": 3600}),
            )
        } else {
            Resp::json(200, json!({"you_sent": req.header("Authorization")}))
        }
    });
    let config = home.join("functions.json");
    let set = bin(home)
        .args(["functions", "set", "messaging-survey-ended", "--config"])
        .arg(&config)
        .args([
            "--account-id",
            "12345678",
            "--lambda-uuid",
            "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11",
            "--gateway-url",
            &platform.base,
            "--sentinel-url",
            &platform.base,
            "--client-id",
            "cid",
            "--client-secret",
            "env:LP_SECRET",
        ])
        .output()
        .unwrap();
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let out = bin(home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--json",
            "--config",
        ])
        .arg(&config)
        .arg("--payload")
        .arg(sample("messaging-survey-ended.envelope.json"))
        .env("LP_SECRET", "cs-SECRET-2")
        .output()
        .unwrap();
    let seen = everything(&out, home);
    assert!(
        platform
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.header("Authorization") == Some("Bearer at-TOKEN-4242-secret")),
        "{seen}"
    );
    assert!(!seen.contains("at-TOKEN-4242-secret"), "{seen}");
    assert!(seen.contains("Bearer <redacted>"), "{seen}");
}
