//! Invocations against real HTTP servers on 127.0.0.1: a plain function endpoint, a
//! LivePerson-like token + invoke pair, a slow endpoint, an HTML error page, bad e-mail entries;
//! and the `invoke` and `functions` subcommands of the built binary.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Resp, TestServer, sample, transcript_function};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionConfig, SecretRef};
use survey_console::invoke::{SessionSecrets, Target, envelope, invoke};
use survey_console::payload::{DEFAULT_SIZE_LIMIT, load_file};

const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;
const LAMBDA: &str = "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11";

fn envelope_of(name: &str) -> Value {
    envelope(&load_file(&sample(name), DEFAULT_SIZE_LIMIT).unwrap(), 1)
}

fn go(target: &Target, name: &str) -> survey_console::invoke::Invocation {
    invoke(
        target,
        &envelope_of(name),
        &SessionSecrets::default(),
        &Arc::new(AtomicBool::new(false)),
    )
}

#[test]
fn a_plain_function_endpoint_gives_the_email_list() {
    let server = TestServer::start(transcript_function);
    let target = Target::url(TRANSCRIPT, &server.url("/fn"), Duration::from_secs(5));

    let hit = go(&target, "transcript-csat-2.json");
    assert!(hit.ok, "{hit:#?}");
    assert_eq!(hit.status(), Some(200));
    assert_eq!(hit.emails.len(), 1);
    assert_eq!(hit.emails[0].subject, "Email Transcript Notification");
    assert!(
        hit.notes
            .iter()
            .any(|n| n.starts_with("1 e-mail would be sent: to ReplaceMe@company.com"))
    );
    assert!(hit.timings.headers_ms.is_some());

    let miss = go(&target, "transcript-csat-5.json");
    assert!(miss.ok);
    assert!(miss.emails.is_empty());
    assert!(
        miss.notes
            .contains(&"Empty list: the chat server sends no e-mail.".to_owned())
    );

    // A bare payload is wrapped in an envelope before it is sent.
    let _ = go(&target, "transcript.bare.json");
    let sent = server.requests.lock().unwrap().last().unwrap().json();
    assert_eq!(sent["payload"]["csatRank"], 3);
    assert_eq!(sent["headers"], json!([]));
    assert_eq!(sent["timestamp"], 1);
}

/// A LivePerson stand-in: the sentinel's token endpoint and the gateway's invoke endpoint.
fn liveperson_server(revoke_first: bool) -> (TestServer, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let revoked = Arc::new(AtomicBool::new(revoke_first));
    let counter = Arc::clone(&issued);
    let server = TestServer::start(move |req| {
        if req.url == "/sentinel/api/account/123/app/token?v=2.0" {
            let form = req.body.clone();
            if !form.contains("grant_type=client_credentials")
                || !form.contains("client_id=cid")
                || !form.contains("client_secret=good-secret")
            {
                return Resp::json(401, json!({"error": "invalid_client"}));
            }
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            return Resp::json(
                200,
                json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": 3600}),
            );
        }
        let Some(rest) = req.url.strip_prefix("/api/account/123/lambdas/") else {
            return Resp::text(404, "text/plain", "no route");
        };
        let current = format!("Bearer tok-{}", counter.load(Ordering::SeqCst));
        if req.header("Authorization") != Some(current.as_str())
            || revoked.swap(false, Ordering::SeqCst)
        {
            return Resp::json(401, json!({"errorCode": "401", "errorMsg": "Unauthorized"}));
        }
        match rest {
            r if r == format!("{LAMBDA}/invoke?v=1") => transcript_function(req),
            "00000000-0000-0000-0000-000000000901/invoke?v=1" => Resp::json(
                901,
                json!({"errorCode": "com.liveperson.faas.handler.runtime-exception", "errorMsg": "TypeError: Cannot read properties of undefined (reading 'match')"}),
            ),
            _ => Resp::json(
                404,
                json!({"errorCode": "com.liveperson.faas.es.missinglambda", "errorMsg": "Lambda not found"}),
            ),
        }
    });
    (server, issued)
}

fn liveperson_target(server: &TestServer, lambda: &str) -> (Target, SessionSecrets) {
    let config = FunctionConfig {
        name: "emails".into(),
        endpoint: Endpoint::Liveperson {
            account_id: "123".into(),
            lambda_uuid: lambda.into(),
            region: None,
            gateway_url: Some(server.base.clone()),
            sentinel_url: Some(server.base.clone()),
            client_id: "cid".into(),
            client_secret: SecretRef::default(),
        },
        ..FunctionConfig::default()
    };
    let mut secrets = SessionSecrets::default();
    secrets.set(TRANSCRIPT, "endpoint.client_secret", "good-secret".into());
    (Target::from_config(TRANSCRIPT, &config), secrets)
}

#[test]
fn liveperson_client_credentials_are_cached_and_sent_as_bearer() {
    let (server, issued) = liveperson_server(false);
    let (target, secrets) = liveperson_target(&server, LAMBDA);
    let env = envelope_of("transcript-csat-1.json");
    let cancel = Arc::new(AtomicBool::new(false));
    let first = invoke(&target, &env, &secrets, &cancel);
    assert!(first.ok, "{first:#?}");
    assert_eq!(first.emails.len(), 1);
    assert!(first.timings.token_ms.is_some());
    let second = invoke(&target, &env, &secrets, &cancel);
    assert!(second.ok);
    assert!(
        second.timings.token_ms.is_none(),
        "the cached token is reused"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    // No record holds the secret or the token.
    let text = serde_json::to_string(&second).unwrap();
    assert!(
        !text.contains("good-secret") && !text.contains("tok-1"),
        "{text}"
    );
    assert!(text.contains("Bearer <redacted>"));
}

#[test]
fn a_401_fetches_a_new_token_once() {
    let (server, issued) = liveperson_server(true);
    let (target, secrets) = liveperson_target(&server, LAMBDA);
    let record = invoke(
        &target,
        &envelope_of("transcript-csat-1.json"),
        &secrets,
        &Arc::new(AtomicBool::new(false)),
    );
    assert!(record.ok, "{record:#?}");
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(server.count("/api/account/123/lambdas/"), 2);
}

#[test]
fn platform_errors_are_explained() {
    let (server, _) = liveperson_server(false);
    let (target, secrets) = liveperson_target(&server, "11111111-2222-3333-4444-555555555555");
    let env = envelope_of("transcript-csat-1.json");
    let missing = invoke(&target, &env, &secrets, &Arc::new(AtomicBool::new(false)));
    let error = missing.error.as_ref().unwrap();
    assert_eq!(missing.status(), Some(404));
    assert_eq!(error.code, "com.liveperson.faas.es.missinglambda");
    assert!(
        error.message.contains("no function with that UUID exists"),
        "{}",
        error.message
    );
    assert!(
        error
            .message
            .contains("sends no e-mail, and nothing is retried")
    );

    let (target, _) = liveperson_target(&server, "00000000-0000-0000-0000-000000000901");
    let failed = invoke(&target, &env, &secrets, &Arc::new(AtomicBool::new(false)));
    let error = failed.error.as_ref().unwrap();
    assert_eq!(failed.status(), Some(901));
    assert_eq!(error.kind, "function");
    assert_eq!(error.code, "com.liveperson.faas.handler.runtime-exception");
    assert!(
        error
            .message
            .contains("HTTP 901: the function itself failed")
    );

    let mut wrong = SessionSecrets::default();
    wrong.set(TRANSCRIPT, "endpoint.client_secret", "bad".into());
    let (target, _) = liveperson_target(&server, LAMBDA);
    let refused = invoke(&target, &env, &wrong, &Arc::new(AtomicBool::new(false)));
    let error = refused.error.as_ref().unwrap();
    assert_eq!(
        (error.kind.as_str(), error.code.as_str()),
        ("auth", "http-401")
    );
    assert!(
        error
            .message
            .contains("client id or client secret was refused")
    );
    let missing_secret = invoke(
        &target,
        &env,
        &SessionSecrets::default(),
        &Arc::new(AtomicBool::new(false)),
    );
    assert_eq!(missing_secret.error.unwrap().code, "missing-secret");
}

#[test]
fn slow_html_and_broken_endpoints_fail_clearly() {
    let server = TestServer::start(|req| match req.url.as_str() {
        "/slow" => Resp::json(200, json!([])).delayed(Duration::from_secs(3)),
        "/html" => Resp::text(
            500,
            "text/html",
            "<!DOCTYPE html><html><head><title>Internal Server Error</title></head><body>oops</body></html>",
        ),
        _ => Resp::json(
            200,
            json!([{"targetEmail": "nobody", "senderName": "S", "senderEmail": "s@x.com", "subject": "x"}, {"targetEmail": "a@b.com"}]),
        ),
    });
    let slow = go(
        &Target::url(TRANSCRIPT, &server.url("/slow"), Duration::from_millis(300)),
        "transcript-csat-1.json",
    );
    let error = slow.error.unwrap();
    assert_eq!(
        (error.kind.as_str(), error.code.as_str()),
        ("network", "timeout")
    );
    assert!(slow.timings.total_ms < 2500.0);

    let html = go(
        &Target::url(TRANSCRIPT, &server.url("/html"), Duration::from_secs(5)),
        "transcript-csat-1.json",
    );
    let error = html.error.unwrap();
    assert_eq!(error.code, "http-500");
    assert!(
        error
            .message
            .contains("HTML page (\"Internal Server Error\")"),
        "{}",
        error.message
    );

    let bad = go(
        &Target::url(TRANSCRIPT, &server.url("/bad"), Duration::from_secs(5)),
        "transcript-csat-1.json",
    );
    assert!(!bad.ok);
    assert!(bad.error.is_none());
    let failed: Vec<_> = bad
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.message.clone())
        .collect();
    assert_eq!(
        failed,
        [
            "targetEmail 'nobody' is not an e-mail address",
            "senderName is missing; senderEmail is missing; subject is missing"
        ]
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = go(
        &Target::url(
            TRANSCRIPT,
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_secs(5),
        ),
        "transcript-csat-1.json",
    );
    assert_eq!(refused.error.unwrap().code, "refused");
}

fn bin(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

fn temp_home(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sc-invoke-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
            "checks", "emails", "endpoint", "error", "event", "ok", "response", "status", "time_ms"
        ]
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

    let looping = home.join("loop.js");
    std::fs::write(
        &looping,
        "module.exports = (data, cb) => { while (true) {} };",
    )
    .unwrap();
    let out = invoke_code(&looping, "transcript-csat-1.json", &["--timeout-ms", "200"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["error"]["code"],
        "com.liveperson.faas.handler.executiontime-exceeded"
    );
    assert!(json["error"]["message"].as_str().unwrap().contains("30 s"));

    let throwing = home.join("throw.js");
    std::fs::write(
        &throwing,
        "module.exports = (data, cb) => { data.payload.nope.x; };",
    )
    .unwrap();
    let out = invoke_code(&throwing, "transcript-csat-1.json", &[]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["error"]["code"],
        "com.liveperson.faas.handler.runtime-exception"
    );
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot read property 'x' of undefined (line 1, column 34)"),
        "{json}"
    );

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
    assert_eq!(json["endpoint"], "in-process (local code)");
    std::fs::remove_dir_all(&home).unwrap();
}
