//! A LivePerson function in the console, driven headless with egui_kittest against the
//! loopback LivePerson stand-in: the endpoint form's platform, invoke and retries fields, the
//! per-event "what is deployed" answer, and the request id with its copy button.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::sync::atomic::Ordering;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use support::gui::{harness_in, wait_idle};
use support::liveperson::{ACCOUNT, CLIENT_ID, LAMBDA, SECRET, StandIn};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionStore, InvokeBy, LivepersonEndpoint};
use survey_console::ui::{Files, State, Tab};

const EVENT: EventId = EventId::MessagingSurveyEnded;

fn configure(dir: &std::path::Path, stand_in: &StandIn) {
    let mut store = FunctionStore::load(&Files::in_dir(dir).functions).unwrap();
    store.create(EVENT, "pcs-ended").unwrap();
    let mut config = store.get(EVENT).unwrap().clone();
    config.endpoint = Endpoint::Liveperson(LivepersonEndpoint {
        account_id: ACCOUNT.into(),
        lambda_uuid: LAMBDA.into(),
        csds_url: Some(stand_in.server.base.clone()),
        client_id: CLIENT_ID.into(),
        ..LivepersonEndpoint::default()
    });
    store.put(EVENT, config).unwrap();
    store.save().unwrap();
}

#[test]
fn the_function_tab_asks_what_is_deployed_and_invocations_show_their_request_id() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let stand_in = StandIn::start();
    stand_in
        .state
        .deployed
        .lock()
        .unwrap()
        .insert("surveybot_messaging_survey_ended".into());
    configure(dir, &stand_in);
    let state = State {
        selected: EVENT,
        tab: Tab::Function,
        ..State::default()
    };
    let mut harness = harness_in(dir, state, egui::vec2(1400.0, 1400.0));
    harness
        .get_by_role_and_label(Role::PasswordInput, "Client secret")
        .focus();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::PasswordInput, "Client secret")
        .type_text(SECRET);
    harness.run_ok();
    assert_eq!(
        harness
            .state()
            .session()
            .secrets
            .get(EVENT, "endpoint.client_secret"),
        Some(SECRET)
    );

    // The form offers what the platform needs: by event, hosts from CSDS, platform, retries.
    harness.get_by_label("From CSDS");
    harness.get_by_label("Auto");
    harness
        .get_by_label("By event, as the event source does")
        .click();
    harness.run_ok();
    harness.get_by_label("surveybot_messaging_survey_ended");
    harness.get_by_label("Save").click();
    wait_idle(&mut harness);
    let saved = FunctionStore::load(&dir.join("functions.json")).unwrap();
    let Endpoint::Liveperson(lp) = &saved.get(EVENT).unwrap().endpoint else {
        panic!("not a LivePerson endpoint");
    };
    assert_eq!(lp.invoke, InvokeBy::Event);
    assert_eq!(lp.retries, 3);

    harness
        .get_by_role_and_label(Role::Button, "Ask LivePerson what is deployed")
        .click();
    wait_idle(&mut harness);
    let answer = harness.state().session().deployed.get(&EVENT).cloned();
    assert_eq!(answer, Some(Ok(true)));
    harness.get_by_label(
        "Deployed: the platform has a function for surveybot_messaging_survey_ended.",
    );

    // An invocation retried once after a 503: its one request id, a copy button, the attempts.
    stand_in.state.fail_first.store(1, Ordering::SeqCst);
    harness.get_by_label("Invocations").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    let record = harness.state().session().latest.clone().unwrap();
    let id = record.request_id.clone().unwrap();
    harness.get_by_label(&id);
    harness.get_by_label("quote this to LivePerson support");
    harness.get_by_label("Attempts (2)");
    harness.get_by_label("retry 1 of 3 after HTTP 503, 350 ms later");
    harness
        .get_by_role_and_label(Role::Button, "Copy request id")
        .click();
    harness.step();
    let copied = harness
        .output()
        .platform_output
        .commands
        .iter()
        .any(|c| matches!(c, egui::OutputCommand::CopyText(text) if *text == id));
    assert!(copied, "{:?}", harness.output().platform_output.commands);
    harness.run_ok();
    let sent: Vec<_> = stand_in
        .invocations()
        .iter()
        .filter(|r| r.url.contains("/invoke"))
        .map(|r| r.header("X-Request-ID").unwrap().to_owned())
        .collect();
    assert_eq!(sent, [id.clone(), id]);
}
