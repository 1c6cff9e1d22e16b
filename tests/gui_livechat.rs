//! The Livechat survey view driven headless with egui_kittest against a loopback Rocket.Chat
//! stand-in: fill the form, submit, see the answer; a test conversation fills rid and token.

mod support;

use support::gui::{harness_in, wait_idle};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::rocketchat::{Config, Generation, RocketChat};
use survey_console::livechat::{
    Conversation, ConversationFailure, ErrorCode, History, SurveyOutcome,
};
use survey_console::ui::{Files, State, SurveyConsoleApp, View};
use tempfile::TempDir;

const TOKEN: &str = "f00dfeed5a7d98b6750b4f839431b34a";

/// A console whose files (the Livechat history among them) live in a new temporary folder.
fn harness() -> (Harness<'static, SurveyConsoleApp>, TempDir) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let harness = harness_in(dir.path(), State::default(), egui::vec2(1280.0, 1600.0));
    (harness, dir)
}

/// The last submission's outcome, as the session holds it.
fn outcome(harness: &Harness<'static, SurveyConsoleApp>) -> SurveyOutcome {
    let livechat = &harness.state().session().livechat;
    livechat.outcome.clone().expect("an outcome").expect("sent")
}

/// The last test conversation, as the session holds it.
fn conversation(
    harness: &Harness<'static, SurveyConsoleApp>,
) -> Result<Conversation, ConversationFailure> {
    let livechat = &harness.state().session().livechat;
    livechat.conversation.clone().expect("a conversation")
}

fn type_into(harness: &mut Harness<'static, SurveyConsoleApp>, label: &str, text: &str) {
    let field = harness.get_by_label(label);
    field.focus();
    field.type_text(text);
    harness.run_ok();
}

fn open_livechat(harness: &mut Harness<'static, SurveyConsoleApp>, url: &str) {
    harness.run_ok();
    harness.get_by_label("Livechat survey").click();
    wait_idle(harness);
    assert_eq!(harness.state().state.view, View::Livechat);
    type_into(harness, "Server URL", url);
    assert_eq!(harness.state().state.livechat_server, url);
}

#[test]
fn a_filled_form_is_submitted_and_its_accepted_items_shown() {
    let rc = RocketChat::start(Config::default());
    let rid = rc.seed_room(TOKEN);
    let (mut harness, dir) = harness();
    let history = Files::in_dir(dir.path()).livechat_history;
    open_livechat(&mut harness, &rc.url);
    type_into(&mut harness, "Room id (rid)", &rid);
    type_into(&mut harness, "Visitor token", TOKEN);
    harness.get_by_label("How satisfied were you with this chat?");
    harness.get_by_label("How friendly was the chat agent?");
    // The first row's "5" (satisfaction), the third row's "4" (responsiveness).
    harness.query_all_by_label("5").next().unwrap().click();
    harness.query_all_by_label("4").nth(2).unwrap().click();
    harness.run_ok();
    type_into(&mut harness, "Additional feedback", "Thanks!");
    // An extra item the server does not know: warned about before sending.
    harness.get_by_label("Add item").click();
    harness.run_ok();
    type_into(&mut harness, "Name", "nps");
    type_into(&mut harness, "Value", "9");
    harness.get_by_label_contains("nps = \"9\" will be dropped silently");

    harness.get_by_label("Submit").click();
    wait_idle(&mut harness);

    let outcome = outcome(&harness);
    assert!(outcome.success(), "{:?}", outcome.error);
    harness.get_by_label("The server stored the survey (HTTP 200)");
    harness.get_by_label("Accepted (3)");
    harness.get_by_label("agentResposiveness");
    harness.get_by_label("Thanks!");
    harness.get_by_label("Dropped by the server (1)");
    let stored = rc.room(&rid).unwrap().survey.unwrap();
    assert_eq!(stored["satisfaction"], "5");
    assert_eq!(stored["agentResposiveness"], "4");

    // The history shows the submission with the token masked, on screen and on disk.
    harness.get_by_label("History (1)");
    // In the result's detail line and in the history.
    assert_eq!(
        harness.query_all_by_label_contains("token f00d…").count(),
        2
    );
    assert!(harness.query_by_label_contains(TOKEN).is_none());
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(History::at(&history).load().unwrap().len(), 1);
}

#[test]
fn an_unknown_token_shows_its_message() {
    let rc = RocketChat::start(Config {
        generation: Generation::V7,
        ..Config::default()
    });
    let rid = rc.seed_room(TOKEN);
    let (mut harness, _dir) = harness();
    open_livechat(&mut harness, &rc.url);
    type_into(&mut harness, "Room id (rid)", &rid);
    type_into(&mut harness, "Visitor token", "nobody-has-this-token");
    harness.query_all_by_label("3").next().unwrap().click();
    harness.run_ok();
    harness.get_by_label("Submit").click();
    wait_idle(&mut harness);
    harness.get_by_label("This server does not know that visitor token");
    assert_eq!(
        outcome(&harness).error.unwrap().code,
        ErrorCode::InvalidToken
    );
    // In the result's detail line and in the history.
    assert_eq!(
        harness.query_all_by_label_contains("invalid-token").count(),
        2
    );
}

#[test]
fn a_test_conversation_fills_rid_and_token() {
    let rc = RocketChat::start(Config::default());
    let (mut harness, _dir) = harness();
    open_livechat(&mut harness, &rc.url);
    // Without a token Submit is refused before sending; an empty rid is only a note.
    harness.get_by_label("The visitor token is empty.");
    harness.get_by_label_contains("Note: The room id is empty: it is sent empty");
    harness.get_by_label("Start test conversation").click();
    wait_idle(&mut harness);
    let conv = conversation(&harness).expect("a conversation");
    assert!(conv.closed);
    harness.get_by_label_contains("1. Create the visitor: POST livechat/visitor (HTTP 200, ok)");
    harness.get_by_label_contains("3. Close the room: POST livechat/room.close (HTTP 200, ok)");
    harness.get_by_label_contains(&format!("Room {} is closed", conv.rid));
    assert!(
        harness
            .query_by_label("The visitor token is empty.")
            .is_none()
    );
    assert!(harness.query_by_label_contains(&conv.token).is_none());

    harness.query_all_by_label("2").next().unwrap().click();
    harness.run_ok();
    harness.get_by_label("Submit").click();
    wait_idle(&mut harness);
    harness.get_by_label("The server stored the survey (HTTP 200)");
    assert_eq!(
        rc.room(&conv.rid).unwrap().survey.unwrap()["satisfaction"],
        "2"
    );
}
