//! Livechat surveys and test conversations against a loopback Rocket.Chat stand-in: the core
//! client, then the built binary's `survey` and `conversation` subcommands.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use support::rocketchat::{Config, Generation, RocketChat};
use survey_console::livechat::{
    ConversationRequest, DropReason, ErrorCode, History, Server, SurveyItem, start_conversation,
    submit_survey,
};
use survey_console::net::NetErrorKind;

const TOKEN: &str = "d4a8338e5a7d98b6750b4f839431b34a";

fn item(name: &str, value: &str) -> SurveyItem {
    SurveyItem::new(name, value)
}

fn server(rc: &RocketChat) -> Server {
    let mut server = Server::new(format!("{}/", rc.url));
    server.timeout = Duration::from_secs(10);
    server
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
    let out = submit_survey(&server(&rc), &rid, TOKEN, &items).unwrap();
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
    let out = submit_survey(&server(&rc), &rid, TOKEN, &items).unwrap();
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
fn unknown_tokens_and_foreign_rooms_in_both_generations() {
    for generation in [Generation::Old, Generation::New] {
        let rc = RocketChat::start(Config {
            generation,
            ..Config::default()
        });
        let rid = rc.seed_room(TOKEN);
        let other_rid = rc.seed_room("another-visitor-token");
        let items = [item("satisfaction", "3")];

        let out = submit_survey(&server(&rc), &rid, "unknown-token", &items).unwrap();
        let err = out.error.unwrap();
        assert_eq!(err.code, ErrorCode::InvalidToken, "{generation:?}");
        assert_eq!(err.message, "This server does not know that visitor token");
        assert_eq!(err.http_status, Some(400));
        assert!(err.to_string().ends_with("/api/v1/livechat/room.survey"));

        let out = submit_survey(&server(&rc), &other_rid, TOKEN, &items).unwrap();
        let err = out.error.unwrap();
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
    for generation in [Generation::Old, Generation::New] {
        let rc = RocketChat::start(Config {
            generation,
            ..Config::default()
        });
        let rid = rc.seed_room(TOKEN);
        let out = submit_survey(&server(&rc), &rid, TOKEN, &[item("nps", "10")]).unwrap();
        let err = out.error.as_ref().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidData, "{generation:?}");
        assert_eq!(out.dropped[0].reason, DropReason::UnknownName);
        assert_eq!(out.to_json()["error"]["code"], "invalid-data");

        let out = submit_survey(&server(&rc), &rid, TOKEN, &[]).unwrap();
        let err = out.error.unwrap();
        assert_eq!(err.code, ErrorCode::InvalidParams, "{generation:?}");
        assert!(
            err.message
                .ends_with(": /data must NOT have fewer than 1 items"),
            "{err}"
        );
    }
}

#[test]
fn the_rate_limit_says_how_long_to_wait() {
    let rc = RocketChat::start(Config {
        rate_limit: 2,
        window: Duration::from_secs(60),
        ..Config::default()
    });
    let rid = rc.seed_room(TOKEN);
    let items = [item("satisfaction", "4")];
    for _ in 0..2 {
        assert!(
            submit_survey(&server(&rc), &rid, TOKEN, &items)
                .unwrap()
                .success()
        );
    }
    let out = submit_survey(&server(&rc), &rid, TOKEN, &items).unwrap();
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
    let out = submit_survey(&server(&rc), "r", TOKEN, &[item("satisfaction", "4")]).unwrap();
    let err = out.error.unwrap();
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
    let out = submit_survey(&server, "r", TOKEN, &[item("satisfaction", "4")]).unwrap();
    let err = out.error.unwrap();
    assert_eq!(err.code, ErrorCode::Network);
    assert_eq!(err.net_kind, Some(NetErrorKind::Refused));
    assert_eq!(out.http_status, None);
}

#[test]
fn a_test_conversation_opens_and_closes_a_room() {
    let rc = RocketChat::start(Config::default());
    let open = start_conversation(&server(&rc), &ConversationRequest::default()).unwrap();
    assert_eq!(open.token.len(), 32);
    assert!(!open.closed);
    assert_eq!(open.steps.len(), 2);
    assert!(open.steps.iter().all(|s| s.ok));
    assert!(open.steps.iter().all(|s| !s.answer.contains(&open.token)));
    assert!(open.steps.iter().all(|s| !s.url.contains(&open.token)));
    assert!(rc.room(&open.rid).unwrap().open);

    let request = ConversationRequest {
        close: true,
        ..ConversationRequest::default()
    };
    let closed = start_conversation(&server(&rc), &request).unwrap();
    assert!(closed.closed);
    assert_eq!(closed.steps.len(), 3);
    assert_eq!(closed.steps[2].call, "POST livechat/room.close");
    assert!(!rc.room(&closed.rid).unwrap().open);
    assert_ne!(closed.token, open.token);
    // A closed room still takes its survey.
    let out = submit_survey(
        &server(&rc),
        &closed.rid,
        &closed.token,
        &[item("agentFriendliness", "5")],
    )
    .unwrap();
    assert!(out.success(), "{:?}", out.error);
}

#[test]
fn no_agent_online_is_explained() {
    let rc = RocketChat::start(Config {
        agents_online: false,
        ..Config::default()
    });
    let failure = start_conversation(&server(&rc), &ConversationRequest::default()).unwrap_err();
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
}

// The built binary.

fn history_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sc-livechat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(format!("{name}.jsonl"));
    let _ = std::fs::remove_file(&path);
    path
}

fn run(args: &[&str], history: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_survey-console"))
        .args(args)
        .env("SURVEY_CONSOLE_LIVECHAT_HISTORY", history)
        .output()
        .expect("run survey-console")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn cli_survey_json_and_exit_codes() {
    let rc = RocketChat::start(Config::default());
    let rid = rc.seed_room(TOKEN);
    let history = history_file("survey");
    let base = ["survey", "--server", &rc.url, "--rid", &rid];

    let ok = run(
        &[
            &base[..],
            &[
                "--token",
                TOKEN,
                "--rating",
                "satisfaction=5",
                "--rating",
                "agentResponsiveness=3",
                "--feedback",
                "Quick and kind",
                "--field",
                "nps=9",
                "--header",
                "X-Proxy-Key: abc",
                "--json",
            ],
        ]
        .concat(),
        &history,
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let json = json_of(&ok);
    assert_eq!(
        keys(&json),
        [
            "success",
            "http_status",
            "rid",
            "accepted",
            "dropped",
            "error"
        ]
    );
    assert_eq!(json["success"], true);
    assert_eq!(json["http_status"], 200);
    assert_eq!(json["rid"], rid.as_str());
    assert_eq!(
        json["accepted"],
        serde_json::json!({"satisfaction": "5", "agentResposiveness": "3", "additionalFeedback": "Quick and kind"})
    );
    assert_eq!(
        json["dropped"],
        serde_json::json!([{"name": "nps", "value": "9", "reason": "unknown-name"}])
    );
    assert_eq!(json["error"], Value::Null);

    let refused = run(
        &[
            &base[..],
            &["--token", "nobody", "--rating", "satisfaction=5", "--json"],
        ]
        .concat(),
        &history,
    );
    assert_eq!(refused.status.code(), Some(1));
    let json = json_of(&refused);
    assert_eq!(json["success"], false);
    assert_eq!(json["http_status"], 400);
    assert_eq!(keys(&json["error"]), ["code", "message", "retry_after_s"]);
    assert_eq!(json["error"]["code"], "invalid-token");
    assert_eq!(json["error"]["retry_after_s"], Value::Null);

    // Bad arguments: nothing is sent.
    let sent_before = rc.log().len();
    for bad in [
        &["--token", TOKEN, "--rating", "satisfaction=9"][..],
        &["--token", TOKEN, "--rating", "x=3"],
        &["--token", TOKEN, "--header", "no colon here"],
        &["--token", "", "--rating", "satisfaction=3"],
    ] {
        let out = run(&[&base[..], bad, &["--json"]].concat(), &history);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    let empty_rid = run(
        &[
            "survey", "--server", &rc.url, "--rid", "", "--token", TOKEN, "--json",
        ],
        &history,
    );
    assert_eq!(empty_rid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty_rid.stderr).contains("rid"));
    assert_eq!(rc.log().len(), sent_before);

    // The history has both submissions, the tokens masked.
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(!text.contains(TOKEN), "{text}");
    let entries = History::at(&history).load().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].token, "d4a8…");
    assert!(entries[0].success);
    assert_eq!(entries[1].error_code, Some(ErrorCode::InvalidToken));
}

#[test]
fn cli_survey_unreachable_server_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let history = history_file("unreachable");
    let out = run(
        &[
            "survey",
            "--server",
            &url,
            "--rid",
            "r1",
            "--token",
            TOKEN,
            "--rating",
            "satisfaction=4",
            "--json",
        ],
        &history,
    );
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["error"]["code"], "network");
    assert_eq!(json["http_status"], Value::Null);
    // Human output names the code on stderr.
    let out = run(
        &[
            "survey",
            "--server",
            &url,
            "--rid",
            "r1",
            "--token",
            TOKEN,
            "--rating",
            "satisfaction=4",
        ],
        &history,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("network"));
}

#[test]
fn cli_conversation_json() {
    let rc = RocketChat::start(Config::default());
    let history = history_file("conversation");
    let out = run(
        &["conversation", "--server", &rc.url, "--close", "--json"],
        &history,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(keys(&json), ["rid", "token", "visitor_id", "closed"]);
    assert_eq!(json["closed"], true);
    let rid = json["rid"].as_str().unwrap();
    assert!(!rc.room(rid).unwrap().open);

    // The made conversation takes a survey.
    let token = json["token"].as_str().unwrap();
    let survey = run(
        &[
            "survey",
            "--server",
            &rc.url,
            "--rid",
            rid,
            "--token",
            token,
            "--rating",
            "satisfaction=5",
        ],
        &history,
    );
    assert_eq!(survey.status.code(), Some(0), "{survey:?}");
    let text = String::from_utf8_lossy(&survey.stdout);
    assert!(text.contains("satisfaction"), "{text}");
    assert!(!text.contains(token), "{text}");

    let open = run(
        &["conversation", "--server", &rc.url, "--name", "Ada"],
        &history,
    );
    assert_eq!(open.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&open.stdout).contains("room:       open"));

    let html = RocketChat::start(Config {
        html_errors: true,
        ..Config::default()
    });
    let out = run(&["conversation", "--server", &html.url, "--json"], &history);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"]["code"], "not-json");
}
