//! The built binary's `survey` and `conversation` subcommands against the loopback Rocket.Chat
//! stand-in: JSON, exit codes, the server's rules, rate-limit forecasts, transcripts.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::broken::{Act, BrokenServer};
use support::rocketchat::{Config, Generation, RocketChat};
use survey_console::livechat::{ErrorCode, History};

const TOKEN: &str = "d4a8338e5a7d98b6750b4f839431b34a";

/// Where one test keeps its history and rate-limit files.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    fn history(&self) -> PathBuf {
        self.dir.path().join("history.jsonl")
    }

    fn rates(&self) -> PathBuf {
        self.dir.path().join("rates.json")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_survey-console"))
            .args(args)
            .env("SURVEY_CONSOLE_LIVECHAT_HISTORY", self.history())
            .env("SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS", self.rates())
            .output()
            .expect("run survey-console")
    }
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

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn history_entries(path: &Path) -> usize {
    History::at(path).load().map(|e| e.len()).unwrap_or(0)
}

#[test]
fn survey_json_and_exit_codes() {
    let rc = RocketChat::start(Config::of(Generation::V7));
    let rid = rc.seed_room(TOKEN);
    let files = Files::new();
    let base = ["survey", "--server", &rc.url, "--rid", &rid];

    let ok = files.run(
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
            "error",
            "rules",
            "server_version"
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
    assert_eq!(json["rules"], "server");
    assert_eq!(json["server_version"], "7.4");
    // The notes and warnings go to stderr with --json.
    let err = stderr(&ok);
    assert!(err.contains("server: Rocket.Chat 7.4"), "{err}");
    assert!(
        err.contains("warning: nps = \"9\" will be dropped silently"),
        "{err}"
    );

    let refused = files.run(
        &[
            &base[..],
            &["--token", "nobody", "--rating", "satisfaction=5", "--json"],
        ]
        .concat(),
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
        &["--token", TOKEN, "--rating", "satisfaction"][..],
        &["--token", TOKEN, "--rating", "=3"],
        &["--token", TOKEN, "--header", "no colon here"],
        &["--token", "", "--rating", "satisfaction=3"],
    ] {
        let out = files.run(&[&base[..], bad, &["--json", "--builtin-rules"]].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    for server in ["not a url", "ftp://chat.example.com"] {
        let out = files.run(&["survey", "--server", server, "--rid", "r", "--token", TOKEN]);
        assert_eq!(out.status.code(), Some(2), "{server}: {out:?}");
        assert!(stderr(&out).contains("--server"), "{}", stderr(&out));
    }
    assert_eq!(rc.log().len(), sent_before);

    // The history has both submissions, the tokens masked.
    let text = std::fs::read_to_string(files.history()).unwrap();
    assert!(!text.contains(TOKEN), "{text}");
    let entries = History::at(files.history()).load().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].token, "d4a8…");
    assert!(entries[0].success);
    assert_eq!(entries[1].error_code, Some(ErrorCode::InvalidToken));
}

#[test]
fn a_rating_the_server_will_drop_is_warned_about_and_sent_as_in_the_console() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let rid = rc.seed_room(TOKEN);
    let files = Files::new();
    let out = files.run(&[
        "survey",
        "--server",
        &rc.url,
        "--rid",
        &rid,
        "--token",
        TOKEN,
        "--rating",
        "satisfaction=9",
    ]);
    // Sent (not refused as an argument), dropped by the server, which then keeps nothing.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("warning: satisfaction = \"9\" will be dropped silently: a rating must be one of 1, 2, 3, 4, 5."),
        "{text}"
    );
    assert!(text.contains("warning: No valid item is left"), "{text}");
    assert!(stderr(&out).contains("invalid-data"), "{}", stderr(&out));
    assert_eq!(
        rc.log().last().unwrap(),
        "POST /api/v1/livechat/room.survey"
    );
}

#[test]
fn the_servers_rules_decide_and_builtin_rules_skip_the_questions() {
    let rc = RocketChat::start(Config {
        survey: Some((
            vec!["nps".into()],
            (0..=10).map(|v| v.to_string()).collect(),
        )),
        ..Config::of(Generation::Newest)
    });
    let rid = rc.seed_room(TOKEN);
    let files = Files::new();
    let args = [
        "survey", "--server", &rc.url, "--rid", &rid, "--token", TOKEN, "--rating", "nps=10",
        "--json",
    ];
    let out = files.run(&args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["accepted"], serde_json::json!({"nps": "10"}));
    assert_eq!(json["rules"], "server");
    assert!(
        stderr(&out).contains("note: Survey rules from the server: items nps"),
        "{}",
        stderr(&out)
    );

    let before = rc.log().len();
    let out = files.run(&[&args[..], &["--builtin-rules"]].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["rules"], "built-in");
    assert_eq!(json["server_version"], Value::Null);
    // By the built-in rules nps is unknown: warned about, and yet the server kept it.
    assert!(stderr(&out).contains("nps = \"10\" will be dropped silently"));
    assert_eq!(json["dropped"], serde_json::json!([]));
    assert_eq!(rc.log()[before..], ["POST /api/v1/livechat/room.survey"]);
}

#[test]
fn an_empty_rid_is_sent_with_a_note() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let rid = rc.seed_room(TOKEN);
    let files = Files::new();
    let out = files.run(&[
        "survey",
        "--server",
        &rc.url,
        "--rid",
        "",
        "--token",
        TOKEN,
        "--rating",
        "satisfaction=4",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("note: The room id is empty: it is sent empty, and the server then uses the visitor's own room"),
        "{text}"
    );
    assert!(
        text.contains("room the visitor's own room (empty rid)"),
        "{text}"
    );
    assert_eq!(rc.room(&rid).unwrap().survey.unwrap()["satisfaction"], "4");
}

#[test]
fn the_next_refused_call_is_named_before_sending_across_runs() {
    let rc = RocketChat::start(Config {
        rate_limit: Some(1),
        ..Config::of(Generation::Newest)
    });
    let rid = rc.seed_room(TOKEN);
    let files = Files::new();
    let args = [
        "survey",
        "--server",
        &rc.url,
        "--rid",
        &rid,
        "--token",
        TOKEN,
        "--rating",
        "satisfaction=4",
    ];
    let first = files.run(&args);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert!(
        !stdout(&first).contains("will refuse"),
        "{}",
        stdout(&first)
    );
    // The first run saw no call left on room.survey: the second says so before sending.
    let second = files.run(&[&args[..], &["--json"]].concat());
    assert_eq!(second.status.code(), Some(1));
    let err = stderr(&second);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: the server will refuse the next call to POST livechat/room.survey for another "))
        .unwrap_or_else(|| panic!("no forecast in: {err}"));
    assert!(
        warning.ends_with("s (rate limit: 1 call a minute)."),
        "{warning}"
    );
    let json = json_of(&second);
    assert_eq!(json["error"]["code"], "rate-limited");
    assert!(json["error"]["retry_after_s"].as_u64().unwrap() <= 60);
    let kept = std::fs::read_to_string(files.rates()).unwrap();
    assert!(kept.contains("POST livechat/room.survey"), "{kept}");
    assert!(!kept.contains(TOKEN), "{kept}");
}

#[test]
fn survey_help_explains_every_code() {
    let files = Files::new();
    let help = stdout(&files.run(&["survey", "--help"]));
    for code in ErrorCode::ALL {
        assert!(help.contains(code.as_str()), "{code:?} missing in:\n{help}");
        assert!(help.contains(code.explanation()), "{code:?} unexplained");
    }
    for word in [
        "error-invalid-params",
        "error-invalid-token",
        "invalid-livechat-config",
        "Omnichannel_allow_visitors_to_close_conversation",
        "GET livechat/config",
        "GET /api/info",
    ] {
        assert!(help.contains(word), "{word} missing in:\n{help}");
    }
}

#[test]
fn survey_unreachable_server_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let files = Files::new();
    let args = [
        "survey",
        "--server",
        &url,
        "--rid",
        "r1",
        "--token",
        TOKEN,
        "--rating",
        "satisfaction=4",
    ];
    let out = files.run(&[&args[..], &["--json"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["error"]["code"], "network");
    assert_eq!(json["http_status"], Value::Null);
    assert_eq!(json["rules"], "built-in");
    assert!(
        stderr(&out).contains("the built-in list is used"),
        "{}",
        stderr(&out)
    );
    // Human output names the code on stderr.
    let out = files.run(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("network"));
    assert_eq!(history_entries(&files.history()), 2);
}

#[test]
fn conversation_json_and_a_survey_on_it() {
    let rc = RocketChat::start(Config::default());
    let files = Files::new();
    let out = files.run(&["conversation", "--server", &rc.url, "--close", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(
        keys(&json),
        [
            "rid",
            "token",
            "visitor_id",
            "closed",
            "transcript",
            "server_version"
        ]
    );
    assert_eq!(json["closed"], true);
    assert_eq!(json["transcript"], Value::Null);
    let rid = json["rid"].as_str().unwrap();
    assert!(!rc.room(rid).unwrap().open);

    // The made conversation takes a survey.
    let token = json["token"].as_str().unwrap();
    let survey = files.run(&[
        "survey",
        "--server",
        &rc.url,
        "--rid",
        rid,
        "--token",
        token,
        "--rating",
        "satisfaction=5",
    ]);
    assert_eq!(survey.status.code(), Some(0), "{survey:?}");
    let text = stdout(&survey);
    assert!(text.contains("satisfaction"), "{text}");
    assert!(!text.contains(token), "{text}");

    let open = files.run(&["conversation", "--server", &rc.url, "--name", "Ada"]);
    assert_eq!(open.status.code(), Some(0));
    assert!(stdout(&open).contains("room:       open"));
    assert!(
        stdout(&open).contains("server: Rocket.Chat 7.4.1"),
        "{}",
        stdout(&open)
    );

    let html = RocketChat::start(Config {
        html_errors: true,
        ..Config::default()
    });
    let out = files.run(&["conversation", "--server", &html.url, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"]["code"], "not-json");
}

#[test]
fn conversation_close_transcript_mails_the_closed_room() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let files = Files::new();
    let out = files.run(&[
        "conversation",
        "--server",
        &rc.url,
        "--close",
        "--transcript",
        "ops@example.com",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(
        json["transcript"],
        serde_json::json!({"email": "ops@example.com", "sent": true, "message": "Livechat transcript sent", "error": null})
    );
    let rid = json["rid"].as_str().unwrap();
    assert_eq!(rc.mails()[0].rid, rid);

    let text = stdout(&files.run(&[
        "conversation",
        "--server",
        &rc.url,
        "--close",
        "--transcript",
        "ops@example.com",
    ]));
    assert!(
        text.contains("4. Ask for the transcript: POST livechat/transcript"),
        "{text}"
    );
    assert!(
        text.contains("transcript: sent to ops@example.com (Livechat transcript sent)"),
        "{text}"
    );

    // A mail the server could not send: the conversation stands, the exit says it failed.
    rc.configure(|c| c.mail_fails = true);
    let out = files.run(&[
        "conversation",
        "--server",
        &rc.url,
        "--close",
        "--transcript",
        "ops@example.com",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["closed"], true);
    assert_eq!(json["transcript"]["sent"], false);
    assert_eq!(json["transcript"]["error"]["code"], "http-error");
    assert!(
        stderr(&out).contains("the transcript was not sent"),
        "{}",
        stderr(&out)
    );

    // Bad arguments: no --close, or not an address; nothing is sent.
    let before = rc.log().len();
    for bad in [
        &["--transcript", "ops@example.com"][..],
        &["--close", "--transcript", "not-an-address"],
    ] {
        let out = files.run(&[&["conversation", "--server", &rc.url][..], bad].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    assert_eq!(rc.log().len(), before);
}

#[test]
fn conversation_close_not_allowed_keeps_the_open_room() {
    let rc = RocketChat::start(Config {
        visitors_may_close: false,
        ..Config::of(Generation::V7)
    });
    let files = Files::new();
    let out = files.run(&["conversation", "--server", &rc.url, "--close", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["error"]["code"], "close-not-allowed");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Omnichannel_allow_visitors_to_close_conversation")
    );
    let rid = json["rid"].as_str().unwrap();
    assert!(rc.room(rid).unwrap().open);
}

#[test]
fn conversation_forecasts_the_visitor_limit_of_the_newest_servers() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let files = Files::new();
    for _ in 0..5 {
        let out = files.run(&["conversation", "--server", &rc.url, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let out = files.run(&["conversation", "--server", &rc.url]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "warning: the server will refuse the next call to POST livechat/visitor for another"
        ),
        "{text}"
    );
    assert!(text.contains("(rate limit: 5 calls a minute)"), "{text}");
    assert!(stderr(&out).contains("rate-limited"), "{}", stderr(&out));
}

#[test]
fn a_surveys_timeout_is_the_whole_commands() {
    // A server that drips its status line: each call would use the whole timeout.
    let silent = BrokenServer::start(|_, _, _| Act::DripStatus {
        every: Duration::from_millis(500),
    });
    let files = Files::new();
    let started = Instant::now();
    let out = files.run(&[
        "survey",
        "--server",
        &silent.base,
        "--rid",
        "r",
        "--token",
        TOKEN,
        "--rating",
        "satisfaction=4",
        "--timeout",
        "2",
        "--json",
    ]);
    let took = started.elapsed();
    // The server's first answer used the two seconds: the other calls were not sent after it.
    assert!(took < Duration::from_secs(4), "took {took:?}: {out:?}");
    assert_eq!(silent.requests.load(Ordering::SeqCst), 1, "{out:?}");
    let json = json_of(&out);
    let text = json.to_string();
    assert!(text.contains("time limit of the whole command"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}
