//! The Function tab's platform settings: the platform version the code is written for (V1 or
//! V2), the function's environment variables (`process.env`), its allowlist (the domains
//! HTTPClient and fetch may call) and the secrets the toolbelt's SecretClient reads in local
//! runs. Each entry shows its error next to it; the rules are the core's.

use super::endpoint::{Secrets, field_error_ui, secret_controls_ui};
use crate::catalog::EventId;
use crate::functions::{FieldError, FunctionConfig, Runtime};
use crate::invoke::SessionSecrets;
use crate::ui::app::commands::Command;
use crate::ui::widgets::named_map::{NamedMap, Part, named_map_ui};

/// Draws the settings; edits `draft` in place and queues the session secrets typed in.
pub fn platform_ui(
    ui: &mut egui::Ui,
    event: EventId,
    draft: &mut FunctionConfig,
    typed: &SessionSecrets,
    errors: &[FieldError],
    commands: &mut Vec<Command>,
) {
    let mut secrets = Secrets {
        event,
        typed,
        commands,
    };
    egui::Grid::new("function-platform-grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("Platform version");
            ui.vertical(|ui| {
                let before = draft.runtime;
                ui.horizontal(|ui| {
                    ui.radio_value(
                        &mut draft.runtime,
                        Runtime::V1,
                        "V1: lambda(input, callback)",
                    );
                    ui.radio_value(
                        &mut draft.runtime,
                        Runtime::V2,
                        "V2: async lambda(input) returns",
                    );
                });
                // The other version's untouched template becomes this version's.
                if draft.runtime != before && draft.code == FunctionConfig::template(event, before)
                {
                    draft.code = FunctionConfig::template(event, draft.runtime).to_owned();
                }
            });
            ui.end_row();
            let label = ui.label("Environment");
            environment_ui(ui, draft, errors, label.id);
            ui.end_row();
            let label = ui.label("Allowlist");
            allowlist_ui(ui, draft, errors, label.id);
            ui.end_row();
            let label = ui.label("Secrets");
            secrets_ui(ui, draft, &mut secrets, errors, label.id);
            ui.end_row();
        });
}

fn environment_ui(
    ui: &mut egui::Ui,
    draft: &mut FunctionConfig,
    errors: &[FieldError],
    label: egui::Id,
) {
    let spec = NamedMap {
        label,
        remove_hint: "Remove this variable",
        add: "Add variable",
        add_hint: Some("The function reads it as process.env.NAME"),
        new_name: "VARIABLE",
        name_width: 140.0,
    };
    ui.vertical(|ui| {
        named_map_ui(
            ui,
            &mut draft.environment,
            &spec,
            |ui, part, name, value| match part {
                Part::Beside { name_field } => {
                    ui.label("=");
                    ui.add(egui::TextEdit::singleline(value).desired_width(220.0))
                        .labelled_by(name_field);
                }
                Part::Below => field_error_ui(ui, errors, &format!("environment.{name}")),
            },
        );
        field_error_ui(ui, errors, "environment");
    });
}

fn allowlist_ui(
    ui: &mut egui::Ui,
    draft: &mut FunctionConfig,
    errors: &[FieldError],
    label: egui::Id,
) {
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, domain) in draft.allowlist.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(domain)
                        .hint_text("api.example.com or *.example.com")
                        .desired_width(260.0),
                )
                .labelled_by(label);
                if ui
                    .small_button("x")
                    .on_hover_text("Remove this domain")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
            field_error_ui(ui, errors, &format!("allowlist.{i}"));
        }
        if let Some(i) = remove {
            draft.allowlist.remove(i);
        }
        if ui
            .small_button("Add domain")
            .on_hover_text(
                "HTTPClient and fetch may call it; other domains get the platform proxy's 403",
            )
            .clicked()
        {
            draft.allowlist.push(String::new());
        }
    });
}

fn secrets_ui(
    ui: &mut egui::Ui,
    draft: &mut FunctionConfig,
    secrets: &mut Secrets<'_>,
    errors: &[FieldError],
    label: egui::Id,
) {
    let spec = NamedMap {
        label,
        remove_hint: "Remove this secret",
        add: "Add secret",
        add_hint: Some("Toolbelt.SecretClient().readSecret(name) answers it in local runs"),
        new_name: "secret",
        name_width: 140.0,
    };
    named_map_ui(ui, &mut draft.secrets, &spec, |ui, part, name, secret| {
        if part == Part::Below {
            let field = format!("secrets.{name}");
            ui.indent(("secret", name), |ui| {
                secret_controls_ui(ui, label, secret, &field, secrets, errors);
            });
        }
    });
}
