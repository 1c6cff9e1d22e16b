//! The `invoke` and `functions` subcommands of the built binary: the documented JSON, exit
//! codes, secrets from the environment, the history file, in-process runs.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::{Resp, TestServer, sample, transcript_function};

fn bin(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

/// A new folder of its own for one test (removed by the test when it passes).
fn temp_home(name: &str) -> std::path::PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("sc-invoke-{name}-"))
        .tempdir()
        .unwrap()
        .keep()
}

#[test]
fn cli_invoke_prints_the_documented_json_and_exit_codes() {
    let home = temp_home("cli");
    let server = TestServer::start(|req| {
        if req.header("Authorization") != Some("Bearer cli-token") {
            return Resp::json(401, json!({"message": "bad token"}));
        }
        transcript_function(req)
    });
    let config = home.join("functions.json");
    let set = bin(&home)
        .args([
            "functions",
            "set",
            "chat-post-survey-email-transcript",
            "--config",
        ])
        .arg(&config)
        .args([
            "--name",
            "emails",
            "--url",
            &server.url("/fn"),
            "--token",
            "env:FN_TOKEN",
        ])
        .output()
        .unwrap();
    assert_eq!(
        set.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );

    let out = bin(&home)
        .env("FN_TOKEN", "cli-token")
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--payload",
        ])
        .arg(sample("transcript-csat-3.json"))
        .arg("--config")
        .arg(&config)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "attempts",
            "checks",
            "emails",
            "endpoint",
            "error",
            "event",
            "local",
            "logs",
            "notes",
            "ok",
            "request_id",
            "response",
            "status",
            "time_ms"
        ]
    );
    // One X-Request-ID per invocation: sent, and in the JSON.
    let request_id = json["request_id"].as_str().unwrap();
    assert_eq!(request_id.len(), 36, "{request_id}");
    assert_eq!(json["attempts"].as_array().unwrap().len(), 1);
    let sent = server.requests.lock().unwrap().last().unwrap().clone();
    assert_eq!(sent.header("X-Request-ID"), Some(request_id));
    assert_eq!(
        sent.header("User-Agent"),
        Some(concat!("survey-console/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(json["status"], 200);
    assert_eq!(json["ok"], true);
    assert_eq!(json["error"], Value::Null);
    assert_eq!(json["emails"][0]["targetEmail"], "ReplaceMe@company.com");
    assert!(
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    // Without the variable the call is refused before sending, and says why.
    let out = bin(&home)
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--payload",
        ])
        .arg(sample("transcript-csat-3.json"))
        .arg("--config")
        .arg(&config)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "missing-secret");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("FN_TOKEN")
    );

    // The history holds both calls and no secret.
    let history = std::fs::read_to_string(home.join("data/survey-console/history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 2);
    assert!(!history.contains("cli-token"));

    // Unreadable payloads and unknown events are bad arguments.
    let out = bin(&home)
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--url",
            &server.url("/fn"),
            "--payload",
        ])
        .arg(sample("invalid-malformed.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid-malformed.json"));
    let out = bin(&home)
        .args(["invoke", "--event", "messaging-survey-ended", "--payload"])
        .arg(sample("messaging-survey.bare.json"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Messaging Survey Ended has no function")
    );
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn cli_functions_refuse_a_second_function_and_plain_secrets() {
    let home = temp_home("functions");
    let config = home.join("functions.json");
    let run = |args: &[&str]| {
        bin(&home)
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap()
    };
    let out = run(&[
        "functions",
        "create",
        "messaging-survey-ended",
        "--name",
        "pcs-ended",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["functions", "create", "messaging-survey-ended"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it"
        )
    );

    let out = run(&[
        "functions",
        "set",
        "messaging-survey-ended",
        "--url",
        "http://127.0.0.1:9/",
        "--token",
        "plain-secret",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !std::fs::read_to_string(&config)
            .unwrap()
            .contains("plain-secret")
    );

    let out = run(&["functions", "list", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["functions"][1]["name"], "pcs-ended");
    assert_eq!(json["functions"][0]["name"], Value::Null);

    let export = home.join("export.json");
    let out = bin(&home)
        .args(["functions", "export", "messaging-survey-ended", "--out"])
        .arg(&export)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["functions", "remove", "messaging-survey-ended"]);
    assert_eq!(out.status.code(), Some(0));
    let out = bin(&home)
        .args(["functions", "import"])
        .arg(&export)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["functions", "show", "messaging-survey-ended", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["function"]["name"], "pcs-ended");
    assert!(std::path::Path::new(&format!("{}.bak", config.display())).exists());
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn cli_runs_code_in_process_with_the_platform_limits() {
    let home = temp_home("local");
    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/templates/chat-post-survey-email-transcript.js");
    let invoke_code = |code: &std::path::Path, payload: &str, extra: &[&str]| {
        bin(&home)
            .args([
                "invoke",
                "--event",
                "chat-post-survey-email-transcript",
                "--json",
                "--payload",
            ])
            .arg(sample(payload))
            .arg("--code")
            .arg(code)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = invoke_code(&template, "transcript-multi-select.json", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], Value::Null);
    assert_eq!(json["emails"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["response"][0]["subject"],
        "Email Transcript Notification"
    );

    let out = invoke_code(&template, "transcript-csat-4.json", &[]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["response"], json!([]));

    // The plain outcome of the run: engine, version, result, logs.
    assert_eq!(json["local"]["engine"], "quickjs");
    assert_eq!(json["local"]["runtime"], "v1");
    assert_eq!(json["local"]["result"], json!([]));

    let looping = home.join("loop.js");
    std::fs::write(
        &looping,
        "function lambda(input, callback) { while (true) {} }",
    )
    .unwrap();
    let out = invoke_code(&looping, "transcript-csat-1.json", &["--timeout-ms", "200"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["error"]["code"],
        "com.liveperson.faas.handler.executiontime-exceeded"
    );
    assert_eq!(
        json["local"]["error"]["message"],
        "the function ran longer than its time limit (200 ms)"
    );

    // The platform's error code and message, plainly, with the logs written before.
    let throwing = home.join("throw.js");
    std::fs::write(
        &throwing,
        "function lambda(input, callback) {\n  console.warn('checking', input.payload.csatRank);\n  input.payload.nope.x;\n}",
    )
    .unwrap();
    let out = invoke_code(&throwing, "transcript-csat-1.json", &[]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["error"]["code"],
        "com.liveperson.faas.handler.runtime-exception"
    );
    let error = &json["local"]["error"];
    assert_eq!(
        error["message"],
        "Cannot read properties of undefined (reading 'x')"
    );
    assert_eq!(
        (error["name"].as_str(), error["line"].as_u64()),
        (Some("TypeError"), Some(3))
    );
    assert_eq!(json["logs"][0]["message"], "checking 1");
    assert_eq!(json["local"]["logs"][0]["extras"], json!([1]));
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains("(line 3, column"), "{json}");

    // V2 code, an environment variable, and console.log (V2 has it).
    let v2 = home.join("v2.js");
    std::fs::write(
        &v2,
        "async function lambda(input) { console.log('region', process.env.REGION); return [process.env.REGION]; }",
    )
    .unwrap();
    let out = invoke_code(
        &v2,
        "transcript-csat-1.json",
        &["--runtime", "v2", "--env", "REGION=emea"],
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["local"]["runtime"], "v2");
    assert_eq!(json["local"]["result"], json!(["emea"]));
    assert_eq!(json["logs"][0]["message"], "region emea");
    // The record in the history keeps the run's logs and notes.
    let history =
        std::fs::read_to_string(home.join("data/survey-console/history.jsonl")).unwrap_or_default();
    let last: Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    assert_eq!(last["local"]["result"], json!(["emea"]));
    assert_eq!(last["logs"][0]["message"], "region emea");

    // Bad flags are bad arguments.
    let out = invoke_code(&v2, "transcript-csat-1.json", &["--env", "NOEQUALS"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env takes NAME=VALUE"));

    // An event whose configured endpoint is local runs its stored code.
    let config = home.join("functions.json");
    let set = bin(&home)
        .args([
            "functions",
            "set",
            "messaging-survey-ended",
            "--endpoint",
            "local",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        set.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let out = bin(&home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--json",
            "--payload",
        ])
        .arg(sample("messaging-survey-ended.envelope.json"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["response"], "ok");
    assert_eq!(json["endpoint"], "local run (QuickJS)");
    std::fs::remove_dir_all(&home).unwrap();
}
