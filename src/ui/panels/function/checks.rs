//! What is said of the function's code beside it: the platform editor's save-time findings
//! (checked on a worker once per edit), the error marker in the editor, and the platform's
//! modules with npm's progress while they install.

use super::local_run::latest_local;
use crate::catalog::EventId;
use crate::functions::{FunctionConfig, Runtime};
use crate::invoke::local::check::{Finding, Severity};
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::code_key;
use crate::ui::widgets::busy;
use crate::ui::widgets::code_editor::Marker;
use crate::ui::widgets::theme;

/// The save-time findings of the draft's code, checked on a worker once per edit; `None` until
/// the check of this version of the code is back.
pub(super) fn findings_of<'a>(
    ctx: &ViewContext<'a>,
    event: EventId,
    draft: &FunctionConfig,
    commands: &mut Vec<Command>,
) -> Option<&'a [Finding]> {
    let key = code_key(&draft.code, draft.runtime);
    match ctx.session.local.findings.get(&event) {
        Some(checked) if checked.key == key => Some(&checked.findings),
        _ => {
            if !ctx.is_running(JobKind::CheckCode) {
                commands.push(Command::CheckCode {
                    event,
                    code: draft.code.clone(),
                    runtime: draft.runtime,
                    key,
                });
            }
            None
        }
    }
}

/// What the platform's editor would say of the code on save, beside the code.
pub(super) fn findings_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, findings: Option<&[Finding]>) {
    match findings {
        None => {
            ui.horizontal(|ui| {
                busy::spinner(ui);
                ui.weak("Checking the code as the platform's editor does…");
            });
        }
        Some([]) if !ctx.is_running(JobKind::CheckCode) => {
            ui.weak("The platform's editor would take this code: no findings.");
        }
        Some(findings) => {
            for finding in findings {
                let text = finding.display();
                match finding.severity {
                    Severity::Error => theme::error_label(ui, &text),
                    Severity::Warning => {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    }
                }
            }
        }
    }
}

/// Where the editor marks an error, and whether it is the latest run's (true) rather than a
/// save-time finding. A finding with a position is of the code as it is now, so it goes first;
/// otherwise the latest local run's error, while the code still has the line it names.
pub(super) fn code_marker(
    ctx: &ViewContext<'_>,
    event: EventId,
    code: &str,
    findings: Option<&[Finding]>,
) -> (Option<Marker>, bool) {
    let found = findings.and_then(finding_marker);
    if found.is_some() {
        return (found, false);
    }
    let ran = run_marker(ctx, event, code);
    let from_run = ran.is_some();
    (ran, from_run)
}

/// The first save-time error that says where it is.
fn finding_marker(findings: &[Finding]) -> Option<Marker> {
    findings.iter().find_map(|f| {
        let (Severity::Error, Some(line), Some(column)) = (f.severity, f.line, f.column) else {
            return None;
        };
        Some(Marker {
            line,
            column,
            message: f.message.clone(),
        })
    })
}

/// Where the latest local run's error is (when the code still has the line it names).
fn run_marker(ctx: &ViewContext<'_>, event: EventId, code: &str) -> Option<Marker> {
    let record = latest_local(ctx, event)?;
    let error = record.error.as_ref()?;
    let (line, column) = error_location(&error.message)?;
    // An error from other code would point at the wrong place.
    (code.lines().count() >= line as usize).then(|| Marker {
        line,
        column,
        message: error.message.lines().next().unwrap_or_default().to_owned(),
    })
}

/// "(line 4, column 9)" in a local run's error message.
pub fn error_location(message: &str) -> Option<(u32, u32)> {
    let at = message.find("(line ")?;
    let rest = &message[at + 6..];
    let (line, rest) = rest.split_once(", column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// npm's progress while the platform's modules install, how the last install ended, and the
/// button that installs them ahead of the first run.
pub(super) fn modules_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    runtime: Runtime,
    commands: &mut Vec<Command>,
) {
    let local = &ctx.session.local;
    let installing = ctx.is_running(JobKind::Modules) || local.modules_progress.is_some();
    ui.horizontal_wrapped(|ui| {
        if installing {
            busy::spinner(ui);
            ui.label(format!(
                "Installing the platform's modules with npm: {}",
                local.modules_progress.as_deref().unwrap_or("starting…")
            ));
        } else {
            let button = ui
                .add_enabled(
                    !ctx.is_running(JobKind::Modules),
                    egui::Button::new("Install the platform's modules").small(),
                )
                .on_hover_text(
                    "Installs the modules this platform version offers (lodash, luxon, jsonwebtoken, …) with npm into the console's data dir; a run that needs them installs them on first use",
                );
            if button.clicked() {
                commands.push(Command::InstallModules(runtime));
            }
            match &local.modules_message {
                Some(Ok(text)) => {
                    ui.weak(text);
                }
                Some(Err(text)) => theme::error_label(ui, text),
                None => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{error_location, finding_marker};
    use crate::functions::Runtime;
    use crate::invoke::local::check::check_code;

    #[test]
    fn the_editor_marks_the_first_save_time_error_where_it_is() {
        let code = "function lambda(input, callback) {\n  callback(null, {);\n}\n";
        let findings = check_code(code, Runtime::V1);
        let marker = finding_marker(&findings).expect("the syntax error is marked");
        assert_eq!(marker.line, 2, "{findings:?}");
        assert!(!marker.message.is_empty());
        // Good code has nothing to mark.
        let good = check_code(
            "function lambda(input, callback) {\n  callback(null, 1);\n}\n",
            Runtime::V1,
        );
        assert_eq!(finding_marker(&good), None, "{good:?}");
    }

    #[test]
    fn the_error_position_is_read_from_the_message() {
        assert_eq!(
            error_location("SyntaxError: unexpected token (line 4, column 9)\nat function.js"),
            Some((4, 9))
        );
        assert_eq!(error_location("no position here"), None);
    }
}
