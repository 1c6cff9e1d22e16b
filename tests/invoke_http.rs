//! Invocations against real HTTP servers on 127.0.0.1: a plain function endpoint, a
//! LivePerson-like token + invoke pair, a slow endpoint, an HTML error page, bad e-mail entries.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Resp, TestServer, sample, transcript_function};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionConfig, LivepersonEndpoint, SecretRef};
use survey_console::invoke::{ErrorKind, SessionSecrets, Target, envelope, invoke};
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
        match rest.split('?').next().unwrap_or_default() {
            r if r == format!("{LAMBDA}/invoke") => transcript_function(req),
            "00000000-0000-0000-0000-000000000901/invoke" => Resp::json(
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
        endpoint: Endpoint::Liveperson(LivepersonEndpoint {
            account_id: "123".into(),
            lambda_uuid: lambda.into(),
            gateway_url: Some(server.base.clone()),
            sentinel_url: Some(server.base.clone()),
            client_id: "cid".into(),
            client_secret: SecretRef::default(),
            ..LivepersonEndpoint::default()
        }),
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
        error.message.contains("no such function in this account"),
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
    assert_eq!(error.kind, ErrorKind::Function);
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
