//! The Livechat survey view's server parts, driven headless with egui_kittest against the
//! loopback Rocket.Chat stand-in: the server check (version and the server's own survey), the
//! rate-limit warnings before sending, the transcript request, an empty rid, a room the
//! visitor may not close, and a call cancelled in flight.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use support::broken::{Act, BrokenServer};
use support::gui::{harness_in, wait_idle, wait_until};
use support::rocketchat::{Config, Generation, RocketChat};
use survey_console::livechat::{ErrorCode, RulesSource};
use survey_console::ui::{State, SurveyConsoleApp};
use tempfile::TempDir;

const TOKEN: &str = "f00dfeed5a7d98b6750b4f839431b34a";

fn open(url: &str) -> (Harness<'static, SurveyConsoleApp>, TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut harness = harness_in(dir.path(), State::default(), egui::vec2(1280.0, 1800.0));
    harness.get_by_label("Livechat survey").click();
    wait_idle(&mut harness);
    type_into(&mut harness, "Server URL", url);
    (harness, dir)
}

fn type_into(harness: &mut Harness<'static, SurveyConsoleApp>, label: &str, text: &str) {
    let field = harness.get_by_label(label);
    field.focus();
    field.type_text(text);
    harness.run_ok();
}

fn click(harness: &mut Harness<'static, SurveyConsoleApp>, label: &str) {
    harness.get_by_label(label).click();
    wait_idle(harness);
}

#[test]
fn the_servers_version_and_own_survey_shape_the_form() {
    let rc = RocketChat::start(Config {
        survey: Some((
            vec!["satisfaction".into(), "nps".into()],
            (1..=10).map(|v| v.to_string()).collect(),
        )),
        ..Config::of(Generation::Newest)
    });
    let rid = rc.seed_room(TOKEN);
    let (mut harness, _dir) = open(&rc.url);
    // Before the check: the built-in questions.
    harness.get_by_label_contains("Survey rules: the built-in list");
    harness.get_by_label("How knowledgeable was the chat agent?");
    assert!(harness.query_by_label("nps").is_none());

    click(&mut harness, "Check server");
    harness.get_by_label("Server: Rocket.Chat 7.10");
    harness.get_by_label(
        "Survey rules from the server: items satisfaction, nps, values 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.",
    );
    assert!(
        harness
            .query_by_label("How knowledgeable was the chat agent?")
            .is_none()
    );
    harness.get_by_label("nps");
    type_into(&mut harness, "Room id (rid)", &rid);
    type_into(&mut harness, "Visitor token", TOKEN);
    // Each row offers the server's ten values: the second "10" is nps's.
    harness.query_all_by_label("10").nth(1).unwrap().click();
    harness.run_ok();
    click(&mut harness, "Submit");
    harness.get_by_label("The server stored the survey (HTTP 200)");
    harness.get_by_label_contains("server rules");
    let outcome = harness
        .state()
        .session()
        .livechat
        .outcome
        .clone()
        .unwrap()
        .unwrap();
    assert_eq!(outcome.rules, RulesSource::Server);
    assert_eq!(rc.room(&rid).unwrap().survey.unwrap()["nps"], "10");
}

#[test]
fn rate_limits_are_named_before_sending() {
    let rc = RocketChat::start(Config {
        rate_limit: Some(1),
        ..Config::of(Generation::Newest)
    });
    let (mut harness, _dir) = open(&rc.url);
    assert!(harness.query_by_label_contains("Rate limit:").is_none());
    click(&mut harness, "Start test conversation");
    // The visitor and room routes have no call left: said before the next conversation.
    harness.get_by_label_contains(
        "Rate limit: the server will refuse the next call to POST livechat/visitor for another",
    );
    harness.get_by_label_contains("GET livechat/room for another");
    assert!(
        harness
            .query_by_label_contains("POST livechat/room.survey for another")
            .is_none()
    );
    // The conversation's room takes one survey; then room.survey has no call left either.
    harness.query_all_by_label("4").next().unwrap().click();
    harness.run_ok();
    click(&mut harness, "Submit");
    harness.get_by_label("The server stored the survey (HTTP 200)");
    harness.get_by_label_contains(
        "the server will refuse the next call to POST livechat/room.survey for another",
    );
    // Visitor, room, room.close (the conversation closed its room) and room.survey.
    assert_eq!(
        harness
            .query_all_by_label_contains("(rate limit: 1 call a minute).")
            .count(),
        4
    );
    // Sent anyway, the server refuses it with how long to wait.
    click(&mut harness, "Submit");
    let outcome = harness
        .state()
        .session()
        .livechat
        .outcome
        .clone()
        .unwrap()
        .unwrap();
    assert_eq!(outcome.error.unwrap().code, ErrorCode::RateLimited);
    // In the result and in the history.
    assert_eq!(
        harness
            .query_all_by_label_contains("Rate limited: try again in")
            .count(),
        2
    );
}

#[test]
fn a_closed_rooms_transcript_is_asked_for_and_its_answer_shown() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let (mut harness, _dir) = open(&rc.url);
    harness.get_by_label("E-mail the transcript").click();
    harness.run_ok();
    type_into(&mut harness, "Transcript e-mail", "not-an-address");
    harness.get_by_label("'not-an-address' is not an e-mail address (no @)");
    let start = harness.get_by_label("Start test conversation");
    assert!(start.accesskit_node().is_disabled());
    // Fix the address: the conversation closes its room and mails the transcript.
    let field = harness.get_by_label("Transcript e-mail");
    field.focus();
    field.type_text("@example.com");
    harness.run_ok();
    click(&mut harness, "Start test conversation");
    harness.get_by_label_contains(
        "4. Ask for the transcript: POST livechat/transcript (HTTP 200, ok)",
    );
    harness
        .get_by_label("Transcript sent to not-an-address@example.com (Livechat transcript sent)");
    assert_eq!(rc.mails()[0].email, "not-an-address@example.com");

    rc.configure(|c| c.mail_fails = true);
    click(&mut harness, "Start test conversation");
    harness.get_by_label("Transcript not sent to not-an-address@example.com:");
    harness.get_by_label("The server answered HTTP 400: Error sending livechat transcript");
}

#[test]
fn a_room_the_visitor_may_not_close_still_takes_the_survey() {
    let rc = RocketChat::start(Config {
        visitors_may_close: false,
        ..Config::of(Generation::V7)
    });
    let (mut harness, _dir) = open(&rc.url);
    click(&mut harness, "Start test conversation");
    harness.get_by_label_contains("Omnichannel_allow_visitors_to_close_conversation");
    harness.get_by_label_contains("was opened and takes a survey: filled in below.");
    let failure = harness
        .state()
        .session()
        .livechat
        .conversation
        .clone()
        .unwrap()
        .unwrap_err();
    assert_eq!(failure.error.code, ErrorCode::CloseNotAllowed);
    let rid = failure.rid.unwrap();
    harness.query_all_by_label("5").next().unwrap().click();
    harness.run_ok();
    click(&mut harness, "Submit");
    harness.get_by_label("The server stored the survey (HTTP 200)");
    assert!(rc.room(&rid).unwrap().open);
    assert_eq!(rc.room(&rid).unwrap().survey.unwrap()["satisfaction"], "5");
}

#[test]
fn an_empty_rid_is_sent_and_the_visitors_room_takes_it() {
    let rc = RocketChat::start(Config::of(Generation::Newest));
    let rid = rc.seed_room(TOKEN);
    let (mut harness, _dir) = open(&rc.url);
    type_into(&mut harness, "Visitor token", TOKEN);
    harness.get_by_label_contains("Note: The room id is empty: it is sent empty");
    harness.query_all_by_label("3").next().unwrap().click();
    harness.run_ok();
    click(&mut harness, "Submit");
    harness.get_by_label("The server stored the survey (HTTP 200)");
    harness.get_by_label_contains("Room the visitor's own (empty rid)");
    assert_eq!(rc.room(&rid).unwrap().survey.unwrap()["satisfaction"], "3");
}

#[test]
fn cancel_ends_a_survey_call_and_says_what_it_means() {
    let silent = BrokenServer::start(|_, _, _| Act::DripStatus {
        every: Duration::from_secs(30),
    });
    let (mut harness, _dir) = open(&silent.url("/"));
    type_into(&mut harness, "Room id (rid)", "r1");
    type_into(&mut harness, "Visitor token", TOKEN);
    harness.query_all_by_label("5").next().unwrap().click();
    harness.run_ok();
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the survey call", |h| {
        silent.requests.load(Ordering::SeqCst) == 1
            && h.query_by_label("Sending the survey…").is_some()
    });
    harness.get_by_label("Cancel").click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("Cancelled: the survey call was ended");
    assert!(harness.query_by_label("Sending the survey…").is_none());
    assert!(
        harness
            .state()
            .session()
            .livechat
            .outcome
            .as_ref()
            .is_some_and(|o| o.is_err())
    );
    // The server may have stored it: the attempt is in the session's history as in the file.
    let kept = &harness.state().session().livechat.history;
    assert_eq!(
        kept.len(),
        1,
        "the cancelled attempt is in the history shown"
    );
    let file = &harness.state().session().files.livechat_history;
    let lines = std::fs::read_to_string(file).unwrap_or_default();
    assert_eq!(lines.lines().count(), 1, "and in the file: {lines}");

    // Escape ends it too.
    harness.get_by_label("Submit").click();
    wait_until(&mut harness, "the second survey call", |h| {
        silent.requests.load(Ordering::SeqCst) == 2
            && h.query_by_label("Sending the survey…").is_some()
    });
    harness.key_press(egui::Key::Escape);
    wait_idle(&mut harness);
    assert!(harness.query_by_label("Sending the survey…").is_none());
    harness.get_by_label_contains("Cancelled: the survey call was ended");
}
