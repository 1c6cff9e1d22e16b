//! The Function tab's local runs: the button that runs the code as edited, and the latest
//! run's result in a pane beside the code.

use crate::catalog::EventId;
use crate::functions::EndpointKind;
use crate::ui::app::commands::{Command, UiAction};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::InvokeStatus;
use crate::ui::widgets::busy;
use crate::ui::widgets::result_view::{ResultAction, ResultOptions, invocation_ui};

/// Run locally, with the payload chosen in the Invocations tab.
pub(super) fn local_run_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    let running = ctx.is_running(JobKind::Invoke);
    let button = ui
        .add_enabled(!running, egui::Button::new("Run locally"))
        .on_hover_text(format!(
            "{} (payload: chosen in the Invocations tab)",
            UiAction::RunLocally.hover_text(ui.ctx())
        ));
    if button.clicked() {
        commands.push(Command::RunLocally(event));
    }
    ui.weak(format!("with {}", ctx.session.invoke_payload_name(event)));
    if let InvokeStatus::Running { started, .. } = ctx.session.invocation {
        if ui.button("Cancel").clicked() {
            commands.push(Command::CancelInvoke);
        }
        busy::spinner(ui);
        ui.label(format!("Running… {:.1} s", started.elapsed().as_secs_f32()));
    }
}

/// True when the Function tab shows a local run of this event: one runs, was cancelled, or
/// finished.
pub(super) fn local_run_shown(ctx: &ViewContext<'_>, event: EventId) -> bool {
    match ctx.session.invocation {
        InvokeStatus::Running { event: e, .. } | InvokeStatus::Cancelled { event: e }
            if e == event =>
        {
            ctx.session
                .latest
                .as_ref()
                .is_some_and(|r| r.endpoint_kind == EndpointKind::Local)
                || ctx.is_running(JobKind::Invoke)
        }
        _ => latest_local(ctx, event).is_some(),
    }
}

/// The latest in-process run of `event`.
pub(super) fn latest_local<'a>(
    ctx: &ViewContext<'a>,
    event: EventId,
) -> Option<&'a crate::invoke::Invocation> {
    ctx.session
        .latest
        .as_ref()
        .filter(|r| r.event == event && r.endpoint_kind == EndpointKind::Local)
}

/// The last local run of this event; nothing while a run is waiting or after a cancel.
pub(super) fn local_result_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    ui.strong("Local run");
    match ctx.session.invocation {
        InvokeStatus::Running { event: e, .. } if e == event => {
            ui.horizontal(|ui| {
                busy::spinner(ui);
                ui.weak("Running…");
            });
            return;
        }
        InvokeStatus::Cancelled { event: e } if e == event => {
            ui.weak("The last run was cancelled: no result.");
            return;
        }
        _ => {}
    }
    if let Some(record) = latest_local(ctx, event) {
        let options = ResultOptions {
            verdict: None,
            copied: None,
        };
        if let Some(ResultAction::Copy(what, text)) = invocation_ui(ui, record, &options) {
            commands.push(Command::CopyText { what, text });
        }
    }
}
