//! Slow and broken servers, each tried on the single-invocation path and on the batch path:
//! both must give the same verdict. Deadline tests allow a margin, but a server that drips its
//! answer can no longer stretch an exchange past its deadline.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::broken::{Act, BrokenServer};
use support::sample;
use survey_console::batch::{self, Batch, BatchResult, BatchSettings, PayloadSource, Progress};
use survey_console::catalog::EventId;
use survey_console::functions::{Auth, Endpoint, SecretRef};
use survey_console::invoke::{Invocation, SessionSecrets, Target, envelope, invoke};
use survey_console::payload::{DEFAULT_SIZE_LIMIT, load_file};

const EVENT: EventId = EventId::MessagingSurveyEnded;

fn single(target: &Target, secrets: &SessionSecrets) -> Invocation {
    let payload = load_file(
        &sample("messaging-survey-ended.envelope.json"),
        DEFAULT_SIZE_LIMIT,
    )
    .unwrap();
    invoke(
        target,
        &envelope(&payload, 1),
        secrets,
        &Arc::new(AtomicBool::new(false)),
    )
}

fn batched(target: &Target, secrets: &SessionSecrets, iterations: u32) -> Vec<BatchResult> {
    let items = batch::collect(
        &PayloadSource::Paths(vec![sample("messaging-survey-ended.envelope.json")]),
        EVENT,
    )
    .unwrap();
    let batch = Batch {
        event: EVENT,
        target: target.clone(),
        items: Arc::new(items),
        settings: BatchSettings {
            iterations,
            ..BatchSettings::default()
        },
    };
    let mut results = Vec::new();
    batch::run(
        &batch,
        secrets,
        &Arc::new(AtomicBool::new(false)),
        &Arc::new(Progress::default()),
        |r| results.push(r),
    );
    results
}

/// The error code of a single invocation and of a batch of one, which must agree.
fn both(target: &Target) -> (Invocation, BatchResult) {
    let secrets = SessionSecrets::default();
    let one = single(target, &secrets);
    let mut results = batched(target, &secrets, 1);
    assert_eq!(results.len(), 1);
    let result = results.remove(0);
    let batch_code = result
        .record
        .as_ref()
        .and_then(|r| r.error.as_ref())
        .map(|e| e.code.clone());
    let single_code = one.error.as_ref().map(|e| e.code.clone());
    assert_eq!(single_code, batch_code, "single {one:#?}");
    assert_eq!(one.ok, result.ok);
    (one, result)
}

fn code(record: &Invocation) -> (&str, &str) {
    let error = record.error.as_ref().unwrap();
    (error.kind.as_str(), error.code.as_str())
}

#[test]
fn dripping_servers_cannot_stretch_the_deadline() {
    for act in [
        Act::DripBody {
            every: Duration::from_millis(50),
        },
        Act::DripStatus {
            every: Duration::from_millis(150),
        },
    ] {
        let server = BrokenServer::start(move |_, _, _| act.clone());
        let target = Target::url(EVENT, &server.url("/fn"), Duration::from_millis(800));
        let started = Instant::now();
        let (one, result) = both(&target);
        // The drips last 6 to 10 s; two exchanges of 0.8 s each end well before.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(code(&one), ("network", "timeout"));
        assert!(one.timings.total_ms < 2500.0, "{}", one.timings.total_ms);
        assert!(result.time_ms < 2500.0, "{}", result.time_ms);
    }
}

#[test]
fn resets_closes_and_bad_chunking_are_told_apart() {
    for (act, expected) in [
        (Act::Reset, "reset"),
        (Act::CloseAfterRead, "reset"),
        (Act::BadChunking, "protocol"),
    ] {
        let server = BrokenServer::start(move |_, _, _| act.clone());
        let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(5));
        let (one, _) = both(&target);
        assert_eq!(code(&one), ("network", expected), "{one:#?}");
        assert!(one.error.unwrap().message.ends_with(&server.url("/fn")));
    }
}

#[test]
fn a_post_answered_by_a_close_is_never_sent_again() {
    // The first request on a connection is answered; the second is read, then the connection
    // closes without an answer. The function may have run: the request must not be repeated.
    let server = BrokenServer::start(|_, n, _| {
        if n == 0 {
            Act::Answer(200, "\"ok\"".into())
        } else {
            Act::CloseAfterRead
        }
    });
    let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(5));
    let results = batched(&target, &SessionSecrets::default(), 2);
    assert_eq!(server.requests.load(Ordering::SeqCst), 2, "sent once each");
    let failed: Vec<_> = results.iter().filter(|r| !r.ok).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].iteration, 2);
    assert!(
        failed[0].failures[0].contains("network (reset)"),
        "{:?}",
        failed[0].failures
    );

    // The single path over the shared pool: the same.
    let server = BrokenServer::start(|_, n, _| {
        if n == 0 {
            Act::Answer(200, "\"ok\"".into())
        } else {
            Act::CloseAfterRead
        }
    });
    let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(5));
    let first = single(&target, &SessionSecrets::default());
    assert!(first.ok, "{first:#?}");
    let second = single(&target, &SessionSecrets::default());
    assert_eq!(code(&second), ("network", "reset"));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_two_gigabyte_answer_is_cut_at_the_cap() {
    let server = BrokenServer::start(|_, _, _| Act::Huge);
    let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(20));
    let (one, result) = both(&target);
    let response = one.response.as_ref().unwrap();
    assert!(response.truncated);
    assert_eq!(response.size, survey_console::net::DEFAULT_BODY_CAP);
    assert!(!one.ok && !result.ok);
    assert_eq!(result.status, Some(200));
    assert!(
        one.notes.iter().any(|n| n.contains("was cut there")),
        "{:?}",
        one.notes
    );
}

#[test]
fn redirect_loops_and_credentials_for_another_origin_stop() {
    let looping = BrokenServer::start(|_, _, path| {
        let to = if path == "/a" { "/b" } else { "/a" };
        Act::Redirect(307, to.into())
    });
    let target = Target::url(EVENT, &looping.url("/a"), Duration::from_secs(5));
    let (one, _) = both(&target);
    assert_eq!(code(&one), ("network", "redirect"));
    assert!(one.error.unwrap().message.contains("redirect loop"));

    let elsewhere = BrokenServer::start(|_, _, _| Act::Answer(200, "\"ok\"".into()));
    let to = elsewhere.url("/fn");
    let redirecting = BrokenServer::start(move |_, _, _| Act::Redirect(307, to.clone()));
    let mut target = Target::url(EVENT, &redirecting.url("/fn"), Duration::from_secs(5));
    target.endpoint = Endpoint::Http {
        url: redirecting.url("/fn"),
        auth: Auth::Bearer {
            token: SecretRef::default(),
        },
    };
    let mut secrets = SessionSecrets::default();
    secrets.set(EVENT, "endpoint.auth.token", "t0ken".into());
    let one = single(&target, &secrets);
    let batch = batched(&target, &secrets, 1);
    assert_eq!(code(&one), ("network", "redirect"));
    assert!(
        one.error
            .as_ref()
            .unwrap()
            .message
            .contains("another origin")
    );
    assert!(!batch[0].ok);
    assert!(
        batch[0].failures[0].contains("network (redirect)"),
        "{:?}",
        batch[0].failures
    );
    assert_eq!(
        elsewhere.requests.load(Ordering::SeqCst),
        0,
        "the token went nowhere"
    );

    // Without credentials the redirect is followed, and the record says so.
    let target = Target::url(EVENT, &redirecting.url("/fn"), Duration::from_secs(5));
    let (one, result) = both(&target);
    assert!(one.ok && result.ok, "{one:#?}");
    assert!(
        one.notes
            .iter()
            .any(|n| n.starts_with("Redirected (HTTP 307)"))
    );
}

#[test]
fn secret_headers_are_never_taken_to_another_origin() {
    let elsewhere = BrokenServer::start(|_, _, _| Act::Answer(200, "\"ok\"".into()));
    let to = elsewhere.url("/fn");
    let redirecting = BrokenServer::start(move |_, _, _| Act::Redirect(307, to.clone()));
    let with_header = |name: &str, value: &str| {
        let mut target = Target::url(EVENT, &redirecting.url("/fn"), Duration::from_secs(5));
        target.headers = vec![(name.to_owned(), value.to_owned())];
        target
    };
    // A header named as a credential, and one whose value is read from the environment.
    for (name, value) in [
        ("X-Api-Key", "k3y-value"),
        ("X-Custom-Token", "t0ken-value"),
        ("X-Tenant", "env:PATH"),
    ] {
        let (one, result) = both(&with_header(name, value));
        assert_eq!(code(&one), ("network", "redirect"), "{name}: {one:#?}");
        assert!(!result.ok, "{name}");
        assert!(
            one.error
                .as_ref()
                .is_some_and(|e| e.message.contains("another origin")),
            "{name}: {one:#?}"
        );
    }
    assert_eq!(
        elsewhere.requests.load(Ordering::SeqCst),
        0,
        "no secret header reached the other origin"
    );
    // A header that carries nothing secret follows the redirect on both paths.
    let (one, result) = both(&with_header("X-Trace", "1"));
    assert!(one.ok && result.ok, "{one:#?}");
    assert_eq!(elsewhere.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn https_to_a_plain_port_is_a_tls_error_on_every_path() {
    let server = BrokenServer::start(|_, _, _| Act::Answer(400, "{}".into()));
    let target = Target::url(
        EVENT,
        &format!("https://127.0.0.1:{}/fn", server.port),
        Duration::from_secs(5),
    );
    let (one, _) = both(&target);
    assert_eq!(code(&one), ("network", "tls"), "{one:#?}");
}

#[test]
fn cancel_ends_a_request_in_flight_at_once() {
    let server = BrokenServer::start(|_, _, _| Act::DripStatus {
        every: Duration::from_secs(2),
    });
    let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(60));
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    std::thread::Builder::new()
        .name("canceller".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            flag.store(true, Ordering::Relaxed);
        })
        .unwrap();
    let payload = load_file(
        &sample("messaging-survey-ended.envelope.json"),
        DEFAULT_SIZE_LIMIT,
    )
    .unwrap();
    let started = Instant::now();
    let record = invoke(
        &target,
        &envelope(&payload, 1),
        &SessionSecrets::default(),
        &cancel,
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code(&record), ("cancelled", "cancelled"));
}

#[test]
fn a_dripping_rocket_chat_server_cannot_stretch_a_survey_past_its_timeout() {
    use survey_console::livechat::{
        ErrorCode, RateLimits, Server, SurveyItem, SurveyRequest, SurveyRules, submit_survey,
    };
    use survey_console::net::NetErrorKind;
    let server = BrokenServer::start(|_, _, _| Act::DripBody {
        every: Duration::from_millis(50),
    });
    let mut chat = Server::new(server.base.clone());
    chat.timeout = Duration::from_millis(800);
    let started = Instant::now();
    let request = SurveyRequest {
        rid: "room-1".into(),
        token: "visitor-token".into(),
        items: vec![SurveyItem::new("satisfaction", "5")],
        rules: SurveyRules::builtin(),
    };
    let outcome = submit_survey(&chat, &RateLimits::in_memory(), &request).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let error = outcome.error.unwrap();
    assert_eq!(
        (error.code, error.net_kind),
        (ErrorCode::Network, Some(NetErrorKind::Timeout))
    );
}

#[test]
fn a_batch_keeps_its_connections_alive() {
    let server = BrokenServer::start(|_, _, _| Act::Answer(200, "\"ok\"".into()));
    let target = Target::url(EVENT, &server.url("/fn"), Duration::from_secs(5));
    let results = batched(&target, &SessionSecrets::default(), 50);
    assert!(results.iter().all(|r| r.ok));
    assert_eq!(server.requests.load(Ordering::SeqCst), 50);
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn a_rocket_chat_redirect_on_the_same_server_shows_where_the_survey_went() {
    use survey_console::livechat::{
        RateLimits, Server, SurveyItem, SurveyRequest, SurveyRules, submit_survey,
    };
    let server = BrokenServer::start(|_, _, path| {
        if path.starts_with("/api/") {
            Act::Redirect(307, format!("/chat{path}"))
        } else {
            Act::Answer(
                200,
                r#"{"success":true,"data":{"rid":"room-1","data":[]}}"#.into(),
            )
        }
    });
    let request = SurveyRequest {
        rid: "room-1".into(),
        token: "visitor-token".into(),
        items: vec![SurveyItem::new("satisfaction", "5")],
        rules: SurveyRules::builtin(),
    };
    let chat = Server::new(server.base.clone());
    let outcome = submit_survey(&chat, &RateLimits::in_memory(), &request).unwrap();
    assert_eq!(
        outcome.url,
        server.url("/chat/api/v1/livechat/room.survey"),
        "{outcome:#?}"
    );
    assert!(!outcome.url.contains("visitor-token"));
}
