//! LivePerson Functions as its own client talks to it, against the loopback stand-in: hosts
//! through CSDS, V1 and V2 requests and errors, invocation by event, isImplemented, retries
//! with one X-Request-ID, token refresh, and the deadline of the function's timeout + 5 s.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::broken::{Act, BrokenServer};
use support::liveperson::{ACCOUNT, CLIENT_ID, LAMBDA, SECRET, StandIn};
use support::sample;
use survey_console::catalog::EventId;
use survey_console::functions::{
    Endpoint, FunctionConfig, InvokeBy, LivepersonEndpoint, Platform, SecretRef,
};
use survey_console::invoke::{
    ErrorKind, Invocation, SessionSecrets, Target, envelope, invoke, is_implemented,
};
use survey_console::payload::{DEFAULT_SIZE_LIMIT, load_file};

const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

fn endpoint(stand_in: &StandIn) -> LivepersonEndpoint {
    LivepersonEndpoint {
        account_id: ACCOUNT.into(),
        lambda_uuid: LAMBDA.into(),
        csds_url: Some(stand_in.server.base.clone()),
        client_id: CLIENT_ID.into(),
        client_secret: SecretRef::default(),
        ..LivepersonEndpoint::default()
    }
}

fn target_of(event: EventId, lp: LivepersonEndpoint) -> (Target, SessionSecrets) {
    let config = FunctionConfig {
        name: "emails".into(),
        endpoint: Endpoint::Liveperson(lp),
        ..FunctionConfig::default()
    };
    let mut secrets = SessionSecrets::default();
    secrets.set(event, "endpoint.client_secret", SECRET.into());
    (Target::from_config(event, &config), secrets)
}

fn go(target: &Target, secrets: &SessionSecrets) -> Invocation {
    let payload = load_file(&sample("transcript-csat-1.json"), DEFAULT_SIZE_LIMIT).unwrap();
    invoke(
        target,
        &envelope(&payload, 1),
        secrets,
        &Arc::new(AtomicBool::new(false)),
    )
}

#[test]
fn csds_finds_the_hosts_and_v1_is_spoken_as_the_official_client_does() {
    let stand_in = StandIn::start();
    let (target, secrets) = target_of(TRANSCRIPT, endpoint(&stand_in));
    let first = go(&target, &secrets);
    assert!(first.ok, "{first:#?}");
    assert_eq!(first.emails.len(), 1);
    assert_eq!(
        first.request.url,
        format!(
            "{}/api/account/{ACCOUNT}/lambdas/{LAMBDA}/invoke?v=1&skillId=&externalSystem=survey-console",
            stand_in.server.base
        )
    );
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.starts_with("Hosts found through CSDS"))
    );
    let second = go(&target, &secrets);
    assert!(second.ok);
    // CSDS answers are kept (10 minutes); the token too.
    assert_eq!(stand_in.state.csds.load(Ordering::SeqCst), 1);
    assert_eq!(stand_in.state.tokens.load(Ordering::SeqCst), 1);
    let sent = stand_in.invocations();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("User-Agent"),
        Some(concat!("survey-console/", env!("CARGO_PKG_VERSION")))
    );
    assert!(sent[0].header("LP-EventSource").is_none());
    // One X-Request-ID per invocation, sent and recorded.
    assert_eq!(sent[0].header("X-Request-ID"), first.request_id.as_deref());
    assert_ne!(first.request_id, second.request_id);
    let json = first.to_cli_json();
    assert_eq!(json["request_id"].as_str(), first.request_id.as_deref());
}

#[test]
fn v2_by_event_sends_the_event_source_and_reads_v2_errors() {
    let stand_in = StandIn::start();
    stand_in.state.v2.store(true, Ordering::SeqCst);
    stand_in
        .state
        .deployed
        .lock()
        .unwrap()
        .insert("denver_post_survey_email_transcript".into());
    let mut lp = endpoint(&stand_in);
    lp.platform = Platform::V2;
    lp.invoke = InvokeBy::Event;
    lp.skill_id = Some("42".into());
    lp.external_system = Some("qa-desk".into());
    let (target, secrets) = target_of(TRANSCRIPT, lp.clone());
    let hit = go(&target, &secrets);
    assert!(hit.ok, "{hit:#?}");
    assert_eq!(
        hit.request.url,
        format!(
            "{}/api/account/{ACCOUNT}/events/denver_post_survey_email_transcript/invoke?skillId=42",
            stand_in.server.base
        )
    );
    let sent = stand_in.invocations();
    assert_eq!(sent[0].header("LP-EventSource"), Some("qa-desk"));

    // An event without a deployed function: V2's not-found, the platform's fault.
    let (target, secrets) = target_of(EventId::MessagingSurveyEnded, lp);
    let miss = go(&target, &secrets);
    let error = miss.error.unwrap();
    assert_eq!(
        (error.kind, error.code.as_str()),
        (
            ErrorKind::Platform,
            "com.liveperson.faas.function.not-found"
        )
    );
    assert!(
        error
            .message
            .contains("V1: com.liveperson.faas.es.missinglambda"),
        "{}",
        error.message
    );
}

#[test]
fn is_implemented_says_per_event_whether_a_function_is_deployed() {
    let stand_in = StandIn::start();
    stand_in
        .state
        .deployed
        .lock()
        .unwrap()
        .insert("surveybot_messaging_survey_ended".into());
    let mut lp = endpoint(&stand_in);
    lp.invoke = InvokeBy::Event;
    let (ended, secrets) = target_of(EventId::MessagingSurveyEnded, lp.clone());
    assert_eq!(is_implemented(&ended, &secrets), Ok(true));
    let (started, secrets) = target_of(EventId::MessagingSurveyStarted, lp);
    assert_eq!(is_implemented(&started, &secrets), Ok(false));
    let asked: Vec<_> = stand_in
        .invocations()
        .iter()
        .map(|r| r.url.clone())
        .collect();
    assert_eq!(
        asked,
        [
            format!(
                "/api/account/{ACCOUNT}/events/surveybot_messaging_survey_ended/isImplemented?v=1&skillId=&externalSystem=survey-console"
            ),
            format!(
                "/api/account/{ACCOUNT}/events/surveybot_messaging_survey_started/isImplemented?v=1&skillId=&externalSystem=survey-console"
            ),
        ]
    );
}

#[test]
fn v2_is_implemented_asks_as_the_official_client_does() {
    let stand_in = StandIn::start();
    stand_in.state.v2.store(true, Ordering::SeqCst);
    stand_in
        .state
        .deployed
        .lock()
        .unwrap()
        .insert("surveybot_messaging_survey_ended".into());
    let mut lp = endpoint(&stand_in);
    lp.platform = Platform::V2;
    lp.invoke = InvokeBy::Event;
    lp.external_system = Some("qa-desk".into());
    let (ended, secrets) = target_of(EventId::MessagingSurveyEnded, lp.clone());
    assert_eq!(is_implemented(&ended, &secrets), Ok(true));
    lp.skill_id = Some("42".into());
    let (started, secrets) = target_of(EventId::MessagingSurveyStarted, lp);
    assert_eq!(is_implemented(&started, &secrets), Ok(false));
    let asked = stand_in.invocations();
    let urls: Vec<_> = asked.iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        [
            format!("/api/account/{ACCOUNT}/events/surveybot_messaging_survey_ended/isImplemented"),
            format!(
                "/api/account/{ACCOUNT}/events/surveybot_messaging_survey_started/isImplemented?skillId=42"
            ),
        ]
    );
    // The official client sends LP-EventSource with V2 invocations only, not with this GET.
    for r in &asked {
        assert_eq!(r.header("LP-EventSource"), None, "{}", r.url);
        assert!(r.header("X-Request-ID").is_some(), "{}", r.url);
    }
}

#[test]
fn server_errors_are_retried_with_one_request_id_and_each_attempt_recorded() {
    let stand_in = StandIn::start();
    stand_in.state.fail_first.store(2, Ordering::SeqCst);
    let (target, secrets) = target_of(TRANSCRIPT, endpoint(&stand_in));
    let record = go(&target, &secrets);
    assert!(record.ok, "{record:#?}");
    let reasons: Vec<_> = record.attempts.iter().map(|a| a.reason.as_ref()).collect();
    assert_eq!(
        reasons,
        [
            "first attempt",
            "retry 1 of 3 after HTTP 503, 350 ms later",
            "retry 2 of 3 after HTTP 503, 700 ms later"
        ]
    );
    assert_eq!(record.attempts[0].outcome, "HTTP 503");
    let ids: Vec<_> = stand_in
        .invocations()
        .iter()
        .map(|r| r.header("X-Request-ID").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter()
            .all(|id| Some(id.as_str()) == record.request_id.as_deref())
    );

    // retries: 0 turns them off: the 503 is the platform's failure.
    stand_in.state.fail_first.store(1, Ordering::SeqCst);
    let mut lp = endpoint(&stand_in);
    lp.retries = 0;
    let (target, secrets) = target_with(lp);
    let record = go(&target, &secrets);
    assert_eq!(record.attempts.len(), 1);
    let error = record.error.unwrap();
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::Platform, "http-503")
    );
    assert!(
        error
            .message
            .contains("HTML page (\"503 Service Unavailable\")"),
        "{}",
        error.message
    );
}

fn target_with(lp: LivepersonEndpoint) -> (Target, SessionSecrets) {
    target_of(TRANSCRIPT, lp)
}

#[test]
fn a_reset_is_retried_on_a_new_connection() {
    let stand_in = StandIn::start();
    let gateway = BrokenServer::start(|connection, _, _| {
        if connection == 0 {
            Act::Reset
        } else {
            Act::Answer(200, "[]".into())
        }
    });
    let mut lp = endpoint(&stand_in);
    lp.gateway_url = Some(gateway.base.clone());
    let (target, secrets) = target_with(lp);
    let record = go(&target, &secrets);
    assert!(record.ok, "{record:#?}");
    assert_eq!(record.attempts.len(), 2);
    assert!(
        record.attempts[0].outcome.starts_with("reset"),
        "{:?}",
        record.attempts
    );
    assert_eq!(
        record.attempts[1].reason,
        "retry 1 of 3 after reset, 350 ms later"
    );
}

#[test]
fn refused_credentials_are_an_auth_error_after_one_new_token() {
    let stand_in = StandIn::start();
    stand_in.state.refuse_tokens.store(true, Ordering::SeqCst);
    let (target, secrets) = target_with(endpoint(&stand_in));
    let record = go(&target, &secrets);
    let error = record.error.unwrap();
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::Auth, "com.liveperson.faas.es.general")
    );
    assert!(
        error.message.contains("credentials were refused"),
        "{}",
        error.message
    );
    assert_eq!(
        stand_in.state.tokens.load(Ordering::SeqCst),
        2,
        "one new token on the 401"
    );
    assert_eq!(record.attempts[1].reason, "a new token after HTTP 401");

    let mut wrong = SessionSecrets::default();
    wrong.set(TRANSCRIPT, "endpoint.client_secret", "bad".into());
    let record = go(&target, &wrong);
    let error = record.error.unwrap();
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::Auth, "http-401")
    );
}

#[test]
fn jwts_are_renewed_before_they_expire() {
    // The official client renews a JWT 30 minutes before its exp: a 20-minute token is
    // renewed for every call, a 2-hour one kept.
    let stand_in = StandIn::start();
    stand_in
        .state
        .jwt_lifetime_s
        .store(20 * 60, Ordering::SeqCst);
    let (target, secrets) = target_with(endpoint(&stand_in));
    assert!(go(&target, &secrets).ok);
    assert!(go(&target, &secrets).ok);
    assert_eq!(stand_in.state.tokens.load(Ordering::SeqCst), 2);

    let stand_in = StandIn::start();
    stand_in
        .state
        .jwt_lifetime_s
        .store(2 * 3600, Ordering::SeqCst);
    let (target, secrets) = target_with(endpoint(&stand_in));
    assert!(go(&target, &secrets).ok);
    let second = go(&target, &secrets);
    assert!(second.ok);
    assert!(second.timings.token_ms.is_none());
    assert_eq!(stand_in.state.tokens.load(Ordering::SeqCst), 1);
}

#[test]
fn the_deadline_leaves_room_for_the_platforms_own_timeout_answer() {
    // The function's timeout is 300 ms; the platform answers its execution-time error after
    // 800 ms. The HTTP deadline (timeout + 5 s) lets that answer arrive.
    let stand_in = StandIn::start();
    stand_in.state.delay_ms.store(800, Ordering::SeqCst);
    stand_in.state.exceed.store(true, Ordering::SeqCst);
    let mut lp = endpoint(&stand_in);
    lp.retries = 0;
    let (mut target, secrets) = target_with(lp);
    target.timeout = Duration::from_millis(300);
    let record = go(&target, &secrets);
    let error = record.error.unwrap();
    assert_eq!(
        (error.kind, error.code.as_str()),
        (
            ErrorKind::Function,
            "com.liveperson.faas.handler.executiontime-exceeded"
        )
    );
}

/// A new folder of its own for one test (removed by the test when it passes).
fn cli_home(name: &str) -> std::path::PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("sc-lp-{name}-"))
        .tempdir()
        .unwrap()
        .keep()
}

fn cli(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("LP_SECRET", SECRET);
    cmd
}

#[test]
fn the_cli_sets_invokes_and_asks_what_is_deployed() {
    let stand_in = StandIn::start();
    stand_in
        .state
        .deployed
        .lock()
        .unwrap()
        .insert("surveybot_messaging_survey_ended".into());
    let home = cli_home("cli");
    let config = home.join("functions.json");
    for event in ["messaging-survey-ended", "messaging-survey-started"] {
        let out = cli(&home)
            .args(["functions", "set", event, "--config"])
            .arg(&config)
            .args(["--account-id", ACCOUNT, "--csds-url", &stand_in.server.base])
            .args(["--invoke", "event", "--platform", "v1", "--retries", "0"])
            .args(["--client-id", CLIENT_ID, "--client-secret", "env:LP_SECRET"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let endpoint = &saved["functions"]["messaging-survey-ended"]["endpoint"];
    assert_eq!(endpoint["invoke"], "event");
    assert_eq!(endpoint["platform"], "v1");
    assert_eq!(endpoint["retries"], 0);

    let out = cli(&home)
        .args(["functions", "deployed", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deployed: Vec<_> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_owned(),
                e["implemented"].clone(),
            )
        })
        .collect();
    assert_eq!(
        deployed,
        [
            (
                "messaging-survey-started".to_owned(),
                serde_json::json!(false)
            ),
            ("messaging-survey-ended".to_owned(), serde_json::json!(true)),
        ]
    );

    // Invoking the event without a deployed function: the platform's fault, said in --json.
    let out = cli(&home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-started",
            "--no-history",
            "--json",
            "--payload",
        ])
        .arg(sample("messaging-survey-started.envelope.json"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "platform");
    assert_eq!(
        json["error"]["code"],
        "com.liveperson.faas.es.missinglambda"
    );
    assert_eq!(json["attempts"].as_array().unwrap().len(), 1);
    assert!(json["request_id"].as_str().is_some());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(SECRET), "{text}");

    // The text form names the request id to quote to LivePerson support.
    let out = cli(&home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--no-history",
            "--payload",
        ])
        .arg(sample("messaging-survey-ended.envelope.json"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("(quote it to LivePerson support)"), "{text}");
}
