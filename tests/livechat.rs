//! Livechat surveys and test conversations through the core, against the loopback Rocket.Chat
//! stand-in of every server generation (the CLI is in `cli_livechat.rs`).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use support::broken::{Act, BrokenServer};
use support::rocketchat::{Config, Generation, Mail, RocketChat};
use survey_console::livechat::{
    Cancel, ConversationRequest, DropReason, ErrorCode, RateLimits, Route, RulesSource, Server,
    SurveyItem, SurveyOutcome, SurveyRequest, SurveyRules, close_room, request_transcript,
    routes::send, server_info, start_conversation, submit_survey,
};
use survey_console::net::NetErrorKind;

const TOKEN: &str = "d4a8338e5a7d98b6750b4f839431b34a";
const GENERATIONS: [Generation; 3] = [Generation::Old, Generation::V7, Generation::Newest];

fn item(name: &str, value: &str) -> SurveyItem {
    SurveyItem::new(name, value)
}

fn server(rc: &RocketChat) -> Server {
    let mut server = Server::new(format!("{}/", rc.url));
    server.timeout = Duration::from_secs(10);
    server
}

fn survey(rc: &RocketChat, rid: &str, token: &str, items: &[SurveyItem]) -> SurveyOutcome {
    let request = SurveyRequest {
        rid: rid.into(),
        token: token.into(),
        items: items.to_vec(),
        rules: SurveyRules::builtin(),
    };
    submit_survey(&server(rc), &RateLimits::in_memory(), &request).expect("a token")
}

fn closing() -> ConversationRequest {
    ConversationRequest {
        close: true,
        ..ConversationRequest::default()
    }
}

#[test]
fn a_survey_is_stored_and_its_accepted_items_listed() {
    let rc = RocketChat::start(Config::default());
    let rid = rc.seed_room(TOKEN);
    let items = [
        item("satisfaction", "5"),
        item("agentResposiveness", "4"),
        item("additionalFeedback", "Thanks"),
    ];
    let out = survey(&rc, &rid, TOKEN, &items);
    assert!(out.success(), "{:?}", out.error);
    assert_eq!(out.http_status, Some(200));
    assert_eq!(out.rid, rid);
    assert_eq!(out.accepted, items);
    assert!(out.dropped.is_empty());
    assert_eq!(out.token_masked, "d4a8…");
    assert!(!out.answer.contains(TOKEN));
    let stored = rc.room(&rid).unwrap().survey.unwrap();
    assert_eq!(stored["satisfaction"], "5");
    assert_eq!(rc.log(), ["POST /api/v1/livechat/room.survey"]);
}

#[test]
fn dropped_items_are_reported_with_their_reason() {
    let rc = RocketChat::start(Config::default());
    let rid = rc.seed_room(TOKEN);
    let items = [
        item("satisfaction", "2"),
        item("agentKnowledge", "7"),
        item("nps", "9"),
    ];
    let out = survey(&rc, &rid, TOKEN, &items);
    assert!(out.success());
    assert_eq!(out.accepted, [item("satisfaction", "2")]);
    let dropped: Vec<_> = out
        .dropped
        .iter()
        .map(|d| (d.name.as_str(), d.reason))
        .collect();
    assert_eq!(
        dropped,
        [
            ("agentKnowledge", DropReason::OutOfRange),
            ("nps", DropReason::UnknownName)
        ]
    );
}

#[test]
fn unknown_tokens_and_foreign_rooms_in_every_generation() {
    for generation in GENERATIONS {
        let rc = RocketChat::start(Config::of(generation));
        let rid = rc.seed_room(TOKEN);
        let other_rid = rc.seed_room("another-visitor-token");
        let items = [item("satisfaction", "3")];

        let err = survey(&rc, &rid, "unknown-token", &items).error.unwrap();
        assert_eq!(err.code, ErrorCode::InvalidToken, "{generation:?}");
        assert_eq!(err.message, "This server does not know that visitor token");
        assert_eq!(err.http_status, Some(400));
        assert!(err.to_string().ends_with("/api/v1/livechat/room.survey"));

        let err = survey(&rc, &other_rid, TOKEN, &items).error.unwrap();
        assert_eq!(err.code, ErrorCode::InvalidRoom, "{generation:?}");
        assert!(
            err.message
                .starts_with("This room does not belong to that visitor"),
            "{err}"
        );
    }
}

#[test]
fn nothing_valid_is_invalid_data_and_no_items_invalid_params() {
    for generation in GENERATIONS {
        let rc = RocketChat::start(Config::of(generation));
        let rid = rc.seed_room(TOKEN);
        let out = survey(&rc, &rid, TOKEN, &[item("nps", "10")]);
        let err = out.error.as_ref().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidData, "{generation:?}");
        assert_eq!(out.dropped[0].reason, DropReason::UnknownName);
        assert_eq!(out.to_json()["error"]["code"], "invalid-data");

        // 6.x's check() lets an empty list through to the rules; newer servers validate it.
        let err = survey(&rc, &rid, TOKEN, &[]).error.unwrap();
        if generation == Generation::Old {
            assert_eq!(err.code, ErrorCode::InvalidData);
        } else {
            assert_eq!(err.code, ErrorCode::InvalidParams, "{generation:?}");
            assert_eq!(
                err.message,
                "The server refused the request's shape (invalid-params): must NOT have fewer \
                 than 1 items"
            );
        }
    }
}

#[test]
fn malformed_bodies_of_every_validator_are_invalid_params() {
    let rc = RocketChat::start(Config::of(Generation::V7));
    let (server, limits) = (server(&rc), RateLimits::in_memory());
    let shape = |route, query: &[(&str, &str)], body: Option<serde_json::Value>| {
        send(&server, &limits, route, query, body.as_ref(), "")
            .result
            .unwrap_err()
    };
    // Legacy validateParams: "must have required property 'token' [invalid-params]".
    let err = shape(Route::RoomClose, &[], Some(json!({"rid": "r1"})));
    assert_eq!(err.code, ErrorCode::InvalidParams);
    assert!(
        err.message
            .ends_with("(invalid-params): must have required property 'token'"),
        "{err}"
    );
    // Meteor's check: "Match error: Missing key 'token' in field visitor".
    let err = shape(Route::Visitor, &[], Some(json!({"visitor": {"name": "x"}})));
    assert_eq!(err.code, ErrorCode::InvalidParams);
    assert!(
        err.message
            .ends_with(": Missing key 'token' in field visitor"),
        "{err}"
    );
    // A typed route: errorType error-invalid-params with the bare ajv message.
    let err = shape(Route::Config, &[("nosuch", "1")], None);
    assert_eq!(err.code, ErrorCode::InvalidParams);
    assert!(
        err.message
            .ends_with(": must NOT have additional properties"),
        "{err}"
    );
    // An empty token for a new visitor: error-invalid-token with its reason.
    let err = shape(
        Route::Visitor,
        &[],
        Some(json!({"visitor": {"token": " "}})),
    );
    assert_eq!(err.code, ErrorCode::InvalidToken);
    assert_eq!(
        err.message,
        "This server does not know that visitor token: Token cannot be empty"
    );
}

#[test]
fn the_servers_own_survey_rules_are_read_from_its_config() {
    let rc = RocketChat::start(Config {
        survey: Some((
            vec!["satisfaction".into(), "nps".into()],
            (1..=10).map(|v| v.to_string()).collect(),
        )),
        ..Config::of(Generation::Newest)
    });
    let rid = rc.seed_room(TOKEN);
    let limits = RateLimits::in_memory();
    let info = server_info(&server(&rc), &limits);
    assert_eq!(info.version.as_deref(), Ok("7.10"));
    let rules = info.rules();
    assert_eq!(rules.source, RulesSource::Server);
    assert_eq!(rules.items, ["satisfaction", "nps"]);
    let items = vec![
        item("nps", "9"),
        item("satisfaction", "7"),
        item("agentKnowledge", "3"),
    ];
    let request = SurveyRequest {
        rid: rid.clone(),
        token: TOKEN.into(),
        items,
        rules,
    };
    let out = submit_survey(&server(&rc), &limits, &request).unwrap();
    assert!(out.success(), "{:?}", out.error);
    assert_eq!(out.accepted, [item("nps", "9"), item("satisfaction", "7")]);
    assert_eq!(out.dropped.len(), 1);
    assert_eq!(out.dropped[0].reason, DropReason::UnknownName);
    assert_eq!(out.to_json()["rules"], "server");
    assert_eq!(
        rc.log(),
        [
            "GET /api/info",
            "GET /api/v1/livechat/config",
            "POST /api/v1/livechat/room.survey"
        ]
    );
}

#[test]
fn a_server_without_published_rules_falls_back_and_refuses_with_livechat_disabled() {
    let rc = RocketChat::start(Config {
        survey: None,
        ..Config::of(Generation::V7)
    });
    let rid = rc.seed_room(TOKEN);
    let info = server_info(&server(&rc), &RateLimits::in_memory());
    assert_eq!(info.version.as_deref(), Ok("7.4"));
    assert_eq!(info.rules(), SurveyRules::builtin());
    assert!(
        info.rules_note().contains("built-in list"),
        "{}",
        info.rules_note()
    );
    let err = survey(&rc, &rid, TOKEN, &[item("satisfaction", "4")])
        .error
        .unwrap();
    assert_eq!(err.code, ErrorCode::LivechatDisabled);

    let old = RocketChat::start(Config::of(Generation::Old));
    let info = server_info(&server(&old), &RateLimits::in_memory());
    assert_eq!(info.version.as_deref(), Ok("6.13.1"));
    assert_eq!(info.version_text(), "Rocket.Chat 6.13.1");
}

#[test]
fn an_empty_rid_is_sent_and_the_server_uses_the_visitors_room() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let rid = rc.seed_room(TOKEN);
    let out = survey(&rc, "", TOKEN, &[item("satisfaction", "4")]);
    assert!(out.success(), "{:?}", out.error);
    assert_eq!(rc.room(&rid).unwrap().survey.unwrap()["satisfaction"], "4");
    assert_eq!(out.rid, "");
}

#[test]
fn rate_limits_are_forecast_per_route_before_sending() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let (server, limits) = (server(&rc), RateLimits::in_memory());
    // Five conversations: five visitors, five rooms.
    for _ in 0..5 {
        start_conversation(&server, &limits, &ConversationRequest::default()).unwrap();
    }
    let refused = limits.refusals(
        &server.url,
        &[Route::Visitor, Route::Room, Route::RoomSurvey],
    );
    let routes: Vec<_> = refused.iter().map(|r| r.route).collect();
    assert_eq!(routes, [Route::Visitor, Route::Room]);
    assert_eq!(refused[0].limit, Some(5));
    assert!(
        (55..=60).contains(&refused[0].wait_s),
        "{}",
        refused[0].wait_s
    );
    assert!(
        refused[0].to_string().starts_with(
            "the server will refuse the next call to POST livechat/visitor for another"
        ),
        "{}",
        refused[0]
    );
    // And it does: the sixth visitor is refused with how long to wait.
    let failure =
        start_conversation(&server, &limits, &ConversationRequest::default()).unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::RateLimited);
    assert!((55..=60).contains(&failure.error.retry_after_s.unwrap()));
    assert_eq!(failure.steps.len(), 1);
    // room.survey has its own window of 10.
    let window = {
        let rid = rc.seed_room(TOKEN);
        let request = SurveyRequest {
            rid,
            token: TOKEN.into(),
            items: vec![item("satisfaction", "5")],
            rules: SurveyRules::builtin(),
        };
        submit_survey(&server, &limits, &request).unwrap();
        limits
            .window(
                &server.url,
                Route::RoomSurvey,
                survey_console::livechat::errors::now_ms(),
            )
            .unwrap()
    };
    assert_eq!((window.limit, window.remaining), (Some(10), 9));
}

#[test]
fn a_server_with_its_limiter_off_is_never_forecast() {
    let rc = RocketChat::start(Config {
        rate_limiter: false,
        ..Config::of(Generation::Newest)
    });
    let limits = RateLimits::in_memory();
    for _ in 0..6 {
        start_conversation(&server(&rc), &limits, &ConversationRequest::default()).unwrap();
    }
    assert!(limits.refusals(&rc.url, &Route::ALL).is_empty());
}

#[test]
fn the_rate_limit_says_how_long_to_wait() {
    let rc = RocketChat::start(Config {
        rate_limit: Some(2),
        ..Config::default()
    });
    let rid = rc.seed_room(TOKEN);
    let items = [item("satisfaction", "4")];
    for _ in 0..2 {
        assert!(survey(&rc, &rid, TOKEN, &items).success());
    }
    let out = survey(&rc, &rid, TOKEN, &items);
    assert_eq!(out.http_status, Some(429));
    let err = out.error.unwrap();
    assert_eq!(err.code, ErrorCode::RateLimited);
    let wait = err.retry_after_s.unwrap();
    assert!((55..=60).contains(&wait), "{wait}");
    assert_eq!(err.message, format!("Rate limited: try again in {wait} s"));
}

#[test]
fn a_proxys_html_page_is_named_as_such() {
    let rc = RocketChat::start(Config {
        html_errors: true,
        ..Config::default()
    });
    let err = survey(&rc, "r", TOKEN, &[item("satisfaction", "4")])
        .error
        .unwrap();
    assert_eq!(err.code, ErrorCode::NotJson);
    assert_eq!(err.http_status, Some(502));
    assert!(err.message.contains("HTTP 502 with an HTML page"), "{err}");
    assert!(err.message.contains("502 Bad Gateway"), "{err}");
}

#[test]
fn a_refused_connection_is_a_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server::new(format!("http://127.0.0.1:{port}"));
    let request = SurveyRequest {
        rid: "r".into(),
        token: TOKEN.into(),
        items: vec![item("satisfaction", "4")],
        rules: SurveyRules::builtin(),
    };
    let out = submit_survey(&server, &RateLimits::in_memory(), &request).unwrap();
    let err = out.error.unwrap();
    assert_eq!(err.code, ErrorCode::Network);
    assert_eq!(err.net_kind, Some(NetErrorKind::Refused));
    assert_eq!(out.http_status, None);
}

#[test]
fn a_visitor_token_is_never_taken_to_another_origin() {
    let elsewhere = BrokenServer::start(|_, _, _| Act::Answer(200, r#"{"success":true}"#.into()));
    let to = elsewhere.url("/api/v1/livechat/room.survey");
    let redirecting = BrokenServer::start(move |_, _, _| Act::Redirect(307, to.clone()));
    let request = SurveyRequest {
        rid: "r".into(),
        token: TOKEN.into(),
        items: vec![item("satisfaction", "4")],
        rules: SurveyRules::builtin(),
    };
    let server = Server::new(redirecting.url("/"));
    let out = submit_survey(&server, &RateLimits::in_memory(), &request).unwrap();
    let err = out.error.expect("the redirect is refused");
    assert_eq!(err.code, ErrorCode::Network);
    assert_eq!(err.net_kind, Some(NetErrorKind::Redirect), "{err}");
    assert!(err.message.contains("another origin"), "{err}");
    assert!(!err.message.contains(TOKEN), "{err}");
    assert_eq!(elsewhere.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn cancel_ends_a_survey_call_in_flight() {
    let silent = BrokenServer::start(|_, _, _| Act::DripStatus {
        every: Duration::from_secs(30),
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let mut server = Server::new(silent.url("/"));
    server.timeout = Duration::from_secs(20);
    server.cancel = Some(Cancel(Arc::clone(&cancel)));
    let request = SurveyRequest {
        rid: "r".into(),
        token: TOKEN.into(),
        items: vec![item("satisfaction", "4")],
        rules: SurveyRules::builtin(),
    };
    let flag = Arc::clone(&cancel);
    let requests = Arc::clone(&silent.requests);
    std::thread::Builder::new()
        .name("cancel-survey".into())
        .spawn(move || {
            while requests.load(Ordering::SeqCst) == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
            flag.store(true, Ordering::SeqCst);
        })
        .unwrap();
    let started = Instant::now();
    let out = submit_survey(&server, &RateLimits::in_memory(), &request).unwrap();
    let err = out.error.expect("the call was ended");
    assert_eq!(err.code, ErrorCode::Network, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "ended at once, not at the 20 s timeout: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_test_conversation_opens_and_closes_a_room() {
    let rc = RocketChat::start(Config::default());
    let limits = RateLimits::in_memory();
    let open = start_conversation(&server(&rc), &limits, &ConversationRequest::default()).unwrap();
    assert_eq!(open.token.len(), 32);
    assert!(!open.closed);
    assert_eq!(open.steps.len(), 2);
    assert!(open.steps.iter().all(|s| s.ok));
    assert!(open.steps.iter().all(|s| !s.answer.contains(&open.token)));
    assert!(open.steps.iter().all(|s| !s.url.contains(&open.token)));
    assert!(rc.room(&open.rid).unwrap().open);

    let closed = start_conversation(&server(&rc), &limits, &closing()).unwrap();
    assert!(closed.closed);
    assert_eq!(closed.steps.len(), 3);
    assert_eq!(closed.steps[2].call, "POST livechat/room.close");
    assert!(!rc.room(&closed.rid).unwrap().open);
    assert_ne!(closed.token, open.token);
    // A closed room still takes its survey, and cannot be closed twice.
    let out = survey(
        &rc,
        &closed.rid,
        &closed.token,
        &[item("agentFriendliness", "5")],
    );
    assert!(out.success(), "{:?}", out.error);
    for generation in GENERATIONS {
        let rc = RocketChat::start(Config::of(generation));
        let rid = rc.seed_room(TOKEN);
        close_room(&server(&rc), &limits, &rid, TOKEN).unwrap();
        let err = close_room(&server(&rc), &limits, &rid, TOKEN).unwrap_err();
        assert_eq!(err.code, ErrorCode::RoomClosed, "{generation:?}");
        assert_eq!(err.message, "The room is already closed");
    }
}

#[test]
fn a_server_that_keeps_visitors_from_closing_says_which_setting() {
    let rc = RocketChat::start(Config {
        visitors_may_close: false,
        ..Config::of(Generation::V7)
    });
    let request = ConversationRequest {
        close: true,
        transcript: Some("ops@example.com".into()),
        ..ConversationRequest::default()
    };
    let failure = start_conversation(&server(&rc), &RateLimits::in_memory(), &request).unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::CloseNotAllowed);
    assert!(
        failure
            .error
            .message
            .contains("Omnichannel_allow_visitors_to_close_conversation"),
        "{}",
        failure.error
    );
    // The room was made and stays open: it still takes a survey; no transcript was asked.
    let rid = failure.rid.clone().unwrap();
    assert!(rc.room(&rid).unwrap().open);
    assert!(survey(&rc, &rid, &failure.token, &[item("satisfaction", "3")]).success());
    assert!(rc.mails().is_empty());
}

#[test]
fn a_closed_conversations_transcript_is_mailed_and_refusals_explained() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let limits = RateLimits::in_memory();
    let request = ConversationRequest {
        close: true,
        transcript: Some(" ops@example.com ".into()),
        ..ConversationRequest::default()
    };
    let conv = start_conversation(&server(&rc), &limits, &request).unwrap();
    let transcript = conv.transcript.clone().unwrap();
    assert!(transcript.sent(), "{:?}", transcript.error);
    assert_eq!(
        transcript.message.as_deref(),
        Some("Livechat transcript sent")
    );
    assert_eq!(conv.steps.len(), 4);
    assert_eq!(conv.steps[3].call, "POST livechat/transcript");
    assert!(!conv.steps[3].answer.contains(&conv.token));
    assert_eq!(
        rc.mails(),
        [Mail {
            rid: conv.rid.clone(),
            email: "ops@example.com".into()
        }]
    );
    // Another visitor's room: error-invalid-visitor (newest), error-invalid-token (6.x).
    let err = request_transcript(&server(&rc), &limits, &conv.rid, "someone-else", "a@b.cd")
        .error
        .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidRoom);
    let old = RocketChat::start(Config::of(Generation::Old));
    let err = request_transcript(&server(&old), &limits, "r", "someone-else", "a@b.cd")
        .error
        .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidToken);
    // A mail the server could not send.
    rc.configure(|c| c.mail_fails = true);
    let out = request_transcript(&server(&rc), &limits, &conv.rid, &conv.token, "a@b.cd");
    let err = out.error.unwrap();
    assert_eq!(err.code, ErrorCode::HttpError);
    assert_eq!(
        err.message,
        "The server answered HTTP 400: Error sending livechat transcript"
    );
}

#[test]
fn no_agent_online_and_a_disabled_livechat_are_explained() {
    let rc = RocketChat::start(Config {
        agents_online: false,
        ..Config::default()
    });
    let limits = RateLimits::in_memory();
    let failure =
        start_conversation(&server(&rc), &limits, &ConversationRequest::default()).unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::NoAgentOnline);
    assert!(
        failure
            .error
            .message
            .contains("accept chats with no online agents"),
        "{}",
        failure.error
    );
    assert!(failure.visitor_id.is_some());
    assert_eq!(failure.steps.len(), 2);
    assert!(failure.steps[0].ok && !failure.steps[1].ok);
    let notes = server_info(&server(&rc), &limits).livechat_notes();
    assert!(notes[0].contains("No agent is online"), "{notes:?}");

    let off = RocketChat::start(Config {
        livechat_enabled: false,
        ..Config::of(Generation::Newest)
    });
    let failure =
        start_conversation(&server(&off), &limits, &ConversationRequest::default()).unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::LivechatDisabled);
    let info = server_info(&server(&off), &limits);
    assert!(!info.livechat.as_ref().unwrap().enabled);
    assert!(info.livechat_notes()[0].contains("Livechat_enabled"));
}
