//! The Function tab's local-run parts driven headless with egui_kittest: the platform version,
//! the environment editor, the engine of a local endpoint, the save-time findings beside the
//! code, and the platform's modules installed with progress (by a stand-in npm).
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::gui::{harness_in, wait_idle, wait_until};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionStore, LocalEngine, Runtime};
use survey_console::ui::{Command, Files, State, SurveyConsoleApp, Tab};

const EVENT: EventId = EventId::ChatPostSurveyEmailTranscript;

fn harness(dir: &Path) -> Harness<'static, SurveyConsoleApp> {
    let state = State {
        selected: EVENT,
        tab: Tab::Function,
        ..State::default()
    };
    harness_in(dir, state, egui::vec2(1400.0, 1600.0))
}

fn draft(
    harness: &Harness<'static, SurveyConsoleApp>,
) -> survey_console::functions::FunctionConfig {
    harness
        .state()
        .session()
        .function_edit(EVENT)
        .unwrap()
        .clone()
}

#[test]
fn the_platform_version_switches_the_template_and_is_saved_with_the_environment() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness.get_by_label("The platform's editor would take this code: no findings.");

    harness
        .get_by_label("V2: async lambda(input) returns")
        .click();
    wait_idle(&mut harness);
    let edit = draft(&harness);
    assert_eq!(edit.runtime, Runtime::V2);
    assert!(
        edit.code.contains("async function lambda(input)"),
        "{}",
        edit.code
    );
    // The V2 template is checked as V2 code: no findings either.
    harness.get_by_label("The platform's editor would take this code: no findings.");

    harness.get_by_label("Add variable").click();
    harness.run_ok();
    assert!(draft(&harness).environment.contains_key("VARIABLE"));
    let value = harness
        .get_all_by_role(Role::TextInput)
        .find(|n| n.value().as_deref() == Some(""))
        .unwrap();
    value.focus();
    harness.run_ok();
    harness
        .get_all_by_role(Role::TextInput)
        .find(|n| n.is_focused())
        .unwrap()
        .type_text("emea");
    harness.run_ok();
    assert_eq!(draft(&harness).environment["VARIABLE"], "emea");

    harness.get_by_label("Save").click();
    wait_idle(&mut harness);
    let saved = FunctionStore::load(&dir.join("functions.json")).unwrap();
    let config = saved.get(EVENT).unwrap();
    assert_eq!(config.runtime, Runtime::V2);
    assert_eq!(config.environment["VARIABLE"], "emea");
}

#[test]
fn findings_show_beside_the_code_and_the_save_says_it_keeps_errors() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    let mut edit = draft(&harness);
    edit.code = "module.exports = (data, cb) => {\n  cb(null, eval('[]'));\n};".to_owned();
    let ctx = harness.ctx.clone();
    harness.state_mut().run_cmd(
        &ctx,
        Command::EditDraft {
            event: EVENT,
            config: Box::new(edit),
        },
    );
    wait_idle(&mut harness);
    harness.get_by_label_contains("the code defines no top-level lambda");
    harness.get_by_label_contains("replace `module.exports =` with `const lambda =`");
    harness.get_by_label_contains("line 2:12: `eval` generates code from strings");
    harness.get_by_label("Save with code errors");
}

#[test]
fn the_engine_of_a_local_endpoint_is_chosen_and_run_locally_uses_the_edit_s_settings() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness.get_by_label("Run in-process").click();
    harness.run_ok();
    harness.get_by_label("QuickJS (embedded)");
    harness.get_by_label("Node.js").click();
    harness.run_ok();
    assert_eq!(
        draft(&harness).endpoint,
        Endpoint::Local(survey_console::functions::LocalEndpoint {
            engine: LocalEngine::Node
        })
    );
    harness.get_by_label("QuickJS (embedded)").click();
    harness.run_ok();

    // V2 code reading its environment, run as edited.
    let mut edit = draft(&harness);
    edit.runtime = Runtime::V2;
    edit.environment.insert("SENDER".into(), "Care Team".into());
    edit.code = "async function lambda(input) {\n  console.log('sender', process.env.SENDER);\n  return [{targetEmail: 'a@b.example', senderName: process.env.SENDER, senderEmail: 'c@d.example', subject: 'Survey'}];\n}".to_owned();
    let ctx = harness.ctx.clone();
    harness.state_mut().run_cmd(
        &ctx,
        Command::EditDraft {
            event: EVENT,
            config: Box::new(edit),
        },
    );
    wait_idle(&mut harness);
    harness.get_by_label("Run locally").click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    harness.get_by_label_contains("Ran locally on QuickJS as V2");
    harness.get_by_label("sender Care Team");
    harness.get_by_label("Result (returned)");
    let latest = harness.state().session().latest.clone().unwrap();
    assert_eq!(latest.emails[0].sender_name, "Care Team");
}

/// An npm that installs nothing real: it prints a progress line, waits, and writes each
/// module's package.json at its pinned version.
fn stand_in_npm(dir: &Path) -> std::path::PathBuf {
    let script = dir.join("npm");
    let mut body = String::from(
        "#!/bin/sh\necho 'npm http fetch GET 200 https://registry.npmjs.org/lodash 12ms'\nsleep 1\n",
    );
    for m in survey_console::invoke::local::modules::V1_MODULES {
        body.push_str(&format!(
            "mkdir -p node_modules/{0} && echo '{{\"name\":\"{0}\",\"version\":\"{1}\"}}' > node_modules/{0}/package.json\n",
            m.name, m.version
        ));
    }
    std::fs::write(&script, body).unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    script
}

#[test]
fn the_platform_s_modules_install_with_progress() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let files = Files {
        npm: stand_in_npm(dir),
        ..Files::in_dir(dir)
    };
    let state = State {
        selected: EVENT,
        tab: Tab::Function,
        ..State::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 1600.0))
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
    wait_idle(&mut harness);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness
        .get_by_label("Install the platform's modules")
        .click();
    wait_until(&mut harness, "npm's progress", |h| {
        h.query_by_label_contains("npm http fetch GET 200")
            .is_some()
    });
    wait_idle(&mut harness);
    harness.get_by_label_contains("The V1 modules are installed in");
    let root = dir.join("modules");
    assert_eq!(
        survey_console::invoke::local::modules::installed_version(&root, Runtime::V1, "lodash")
            .as_deref(),
        Some("4.17.21")
    );
}

#[test]
fn named_entries_get_free_names_and_a_rename_onto_another_keeps_both() {
    let temp = tempfile::tempdir().unwrap();
    let mut harness = harness(temp.path());
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);

    for _ in 0..2 {
        harness.get_by_label("Add header").click();
        harness.run_ok();
        harness.get_by_label("Add secret").click();
        harness.run_ok();
    }
    let edit = draft(&harness);
    let headers: Vec<_> = edit.headers.keys().cloned().collect();
    assert_eq!(headers, ["X-Header", "X-Header2"]);
    let secrets: Vec<_> = edit.secrets.keys().cloned().collect();
    assert_eq!(secrets, ["secret", "secret2"]);

    // Renaming the second header onto the first is not applied: no entry is lost. The same
    // keys with a free name do rename it.
    for (typed, expected) in [
        ("X-Header", ["X-Header", "X-Header2"]),
        ("X-Trace", ["X-Header", "X-Trace"]),
    ] {
        let field = harness
            .get_all_by_role(Role::TextInput)
            .find(|n| n.value().as_deref() == Some("X-Header2"))
            .unwrap();
        field.focus();
        harness.run_ok();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness
            .get_all_by_role(Role::TextInput)
            .find(|n| n.is_focused())
            .unwrap()
            .type_text(typed);
        harness.run_ok();
        let headers: Vec<_> = draft(&harness).headers.keys().cloned().collect();
        assert_eq!(headers, expected, "after typing {typed}");
    }

    // Each entry's remove button takes only its own entry.
    harness.get_all_by_label("x").next().unwrap().click();
    harness.run_ok();
    let edit = draft(&harness);
    assert_eq!(edit.headers.keys().collect::<Vec<_>>(), ["X-Trace"]);
    assert_eq!(edit.secrets.len(), 2);
}
