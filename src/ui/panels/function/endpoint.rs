//! The endpoint part of the function form: kind, URL, auth, LivePerson ids and secrets. Each
//! field shows its own error next to it; secrets are `env:NAME` or typed in for the session.

use crate::catalog::EventId;
use crate::functions::{
    Auth, DEFAULT_EXTERNAL_SYSTEM, Endpoint, EndpointKind, FieldError, InvokeBy,
    LivepersonEndpoint, LocalEndpoint, LocalEngine, MAX_RETRIES, Platform, Region, SecretRef,
};
use crate::invoke::SessionSecrets;
use crate::ui::app::commands::{Command, SecretText};
use crate::ui::widgets::theme;

/// The kinds of HTTP auth, as the form offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AuthKind {
    None,
    Bearer,
    Basic,
}

impl AuthKind {
    fn of(auth: &Auth) -> AuthKind {
        match auth {
            Auth::None => AuthKind::None,
            Auth::Bearer { .. } => AuthKind::Bearer,
            Auth::Basic { .. } => AuthKind::Basic,
        }
    }

    /// A new, empty auth of this kind.
    fn empty(self) -> Auth {
        match self {
            AuthKind::None => Auth::None,
            AuthKind::Bearer => Auth::Bearer {
                token: SecretRef::default(),
            },
            AuthKind::Basic => Auth::Basic {
                user: String::new(),
                password: SecretRef::default(),
            },
        }
    }
}

/// Where the form reports what it cannot change in place: session secrets.
pub(super) struct Secrets<'a> {
    pub event: EventId,
    pub typed: &'a SessionSecrets,
    pub commands: &'a mut Vec<Command>,
}

/// Shows the error of `field`, if any, under the widget just drawn.
pub fn field_error_ui(ui: &mut egui::Ui, errors: &[FieldError], field: &str) {
    for e in errors.iter().filter(|e| e.field == field) {
        theme::error_label(ui, &e.message);
    }
}

/// A labelled single-line text field with its error.
pub fn text_row(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    errors: &[FieldError],
    field: &str,
    hint: &str,
) {
    let label = ui.label(label);
    ui.vertical(|ui| {
        ui.add(
            egui::TextEdit::singleline(value)
                .hint_text(hint)
                .desired_width(360.0),
        )
        .labelled_by(label.id);
        field_error_ui(ui, errors, field);
    });
    ui.end_row();
}

/// Draws the endpoint form; edits `endpoint` in place and queues the session secrets typed in.
pub fn endpoint_ui(
    ui: &mut egui::Ui,
    event: EventId,
    endpoint: &mut Endpoint,
    typed: &SessionSecrets,
    errors: &[FieldError],
    commands: &mut Vec<Command>,
) {
    let mut secrets = Secrets {
        event,
        typed,
        commands,
    };
    egui::Grid::new("endpoint-form")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("Endpoint");
            let mut kind = endpoint.kind();
            ui.horizontal(|ui| {
                for (k, label) in [
                    (EndpointKind::Http, "HTTP URL"),
                    (EndpointKind::Liveperson, "LivePerson function"),
                    (EndpointKind::Local, "Run in-process"),
                ] {
                    ui.radio_value(&mut kind, k, label);
                }
            });
            ui.end_row();
            if kind != endpoint.kind() {
                *endpoint = match kind {
                    EndpointKind::Liveperson => Endpoint::Liveperson(LivepersonEndpoint {
                        region: Some(Region::Va),
                        ..LivepersonEndpoint::default()
                    }),
                    EndpointKind::Local => Endpoint::Local(LocalEndpoint::default()),
                    EndpointKind::Http | EndpointKind::Url => Endpoint::default(),
                };
            }
            match endpoint {
                Endpoint::Http { url, auth } => http_ui(ui, url, auth, &mut secrets, errors),
                Endpoint::Liveperson(lp) => liveperson_ui(ui, lp, &mut secrets, errors),
                Endpoint::Local(local) => local_ui(ui, local),
            }
        });
}

/// The engine of a local endpoint, and whether Node.js is there for it.
fn local_ui(ui: &mut egui::Ui, local: &mut LocalEndpoint) {
    ui.label("Engine");
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            ui.radio_value(&mut local.engine, LocalEngine::QuickJs, "QuickJS (embedded)");
            ui.radio_value(&mut local.engine, LocalEngine::Node, "Node.js");
        });
        match local.engine {
            LocalEngine::QuickJs => {
                ui.weak(
                    "Runs inside the console with the platform's limits; no Intl, and modules that need Node's built-ins name the Node.js engine.",
                );
            }
            LocalEngine::Node => match crate::invoke::local::node::node_path(None) {
                Ok(path) => {
                    ui.weak(format!(
                        "Runs on {} (the platform's runtime), in a fresh context per run.",
                        path.display()
                    ));
                }
                Err(error) => theme::error_label(ui, &error.message),
            },
        }
    });
    ui.end_row();
}

fn http_ui(
    ui: &mut egui::Ui,
    url: &mut String,
    auth: &mut Auth,
    secrets: &mut Secrets<'_>,
    errors: &[FieldError],
) {
    text_row(
        ui,
        "URL",
        url,
        errors,
        "endpoint.url",
        "http://127.0.0.1:8080/",
    );
    ui.label("Auth");
    let mut kind = AuthKind::of(auth);
    ui.horizontal(|ui| {
        ui.radio_value(&mut kind, AuthKind::None, "None");
        ui.radio_value(&mut kind, AuthKind::Bearer, "Bearer token");
        ui.radio_value(&mut kind, AuthKind::Basic, "Basic");
    });
    ui.end_row();
    if kind != AuthKind::of(auth) {
        *auth = kind.empty();
    }
    match auth {
        Auth::None => {}
        Auth::Bearer { token } => {
            secret_row(ui, "Token", token, "endpoint.auth.token", secrets, errors);
        }
        Auth::Basic { user, password } => {
            text_row(ui, "User", user, errors, "endpoint.auth.user", "");
            secret_row(
                ui,
                "Password",
                password,
                "endpoint.auth.password",
                secrets,
                errors,
            );
        }
    }
}

/// Where a LivePerson endpoint's hosts come from, as the form offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hosts {
    Csds,
    Region(Region),
    Explicit,
}

/// A text row for an optional field: empty means unset.
fn optional_row(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut Option<String>,
    errors: &[FieldError],
    field: &str,
    hint: &str,
) {
    let mut text = value.clone().unwrap_or_default();
    text_row(ui, label, &mut text, errors, field, hint);
    *value = Some(text).filter(|t| !t.trim().is_empty());
}

fn liveperson_ui(
    ui: &mut egui::Ui,
    endpoint: &mut LivepersonEndpoint,
    secrets: &mut Secrets<'_>,
    errors: &[FieldError],
) {
    let LivepersonEndpoint {
        account_id,
        lambda_uuid,
        region,
        gateway_url,
        sentinel_url,
        csds_url,
        platform,
        invoke,
        retries,
        skill_id,
        external_system,
        client_id,
        client_secret,
    } = endpoint;
    text_row(
        ui,
        "Account id",
        account_id,
        errors,
        "endpoint.account_id",
        "12345678",
    );
    ui.label("Invoke");
    ui.horizontal(|ui| {
        ui.radio_value(invoke, InvokeBy::Lambda, "By lambda UUID");
        ui.radio_value(
            invoke,
            InvokeBy::Event,
            "By event, as the event source does",
        );
    });
    ui.end_row();
    match invoke {
        InvokeBy::Lambda => text_row(
            ui,
            "Lambda UUID",
            lambda_uuid,
            errors,
            "endpoint.lambda_uuid",
            "5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11",
        ),
        InvokeBy::Event => {
            ui.label("Event id");
            ui.monospace(secrets.event.spec().platform_id);
            ui.end_row();
        }
    }
    let mut hosts = match (*region, gateway_url.is_some() || sentinel_url.is_some()) {
        (Some(r), _) => Hosts::Region(r),
        (None, true) => Hosts::Explicit,
        (None, false) => Hosts::Csds,
    };
    let before = hosts;
    ui.label("Hosts");
    ui.horizontal(|ui| {
        ui.radio_value(&mut hosts, Hosts::Csds, "From CSDS")
            .on_hover_text("Found per account, as LivePerson's own client finds them");
        for r in Region::ALL {
            ui.radio_value(&mut hosts, Hosts::Region(r), r.as_str());
        }
        ui.radio_value(&mut hosts, Hosts::Explicit, "Explicit URLs");
    });
    ui.end_row();
    if hosts != before {
        *region = match hosts {
            Hosts::Region(r) => Some(r),
            Hosts::Csds | Hosts::Explicit => None,
        };
        if hosts == Hosts::Explicit {
            gateway_url.get_or_insert_with(String::new);
            sentinel_url.get_or_insert_with(String::new);
        } else {
            *gateway_url = None;
            *sentinel_url = None;
        }
    }
    match hosts {
        Hosts::Csds => optional_row(
            ui,
            "CSDS URL",
            csds_url,
            errors,
            "endpoint.csds_url",
            "LivePerson's, by the account's prefix",
        ),
        Hosts::Explicit => {
            let gateway = gateway_url.get_or_insert_with(String::new);
            text_row(
                ui,
                "Gateway URL",
                gateway,
                errors,
                "endpoint.gateway_url",
                "http://127.0.0.1:9000",
            );
            let sentinel = sentinel_url.get_or_insert_with(String::new);
            text_row(
                ui,
                "Sentinel URL",
                sentinel,
                errors,
                "endpoint.sentinel_url",
                "http://127.0.0.1:9000",
            );
        }
        Hosts::Region(_) => {}
    }
    ui.label("Platform");
    ui.horizontal(|ui| {
        ui.radio_value(platform, Platform::Auto, "Auto")
            .on_hover_text("V2 when the gateway's domain contains fninvocations or functions");
        ui.radio_value(platform, Platform::V1, "V1");
        ui.radio_value(platform, Platform::V2, "V2");
    });
    ui.end_row();
    let label = ui.label("Retries");
    ui.horizontal(|ui| {
        ui.add(egui::DragValue::new(retries).range(0..=MAX_RETRIES))
            .labelled_by(label.id);
        ui.weak("on resets, timeouts and 5xx, 350 ms × the attempt apart (0: none)");
    });
    ui.end_row();
    optional_row(ui, "Skill id", skill_id, errors, "endpoint.skill_id", "");
    optional_row(
        ui,
        "External system",
        external_system,
        errors,
        "endpoint.external_system",
        DEFAULT_EXTERNAL_SYSTEM,
    );
    text_row(ui, "Client id", client_id, errors, "endpoint.client_id", "");
    secret_row(
        ui,
        "Client secret",
        client_secret,
        "endpoint.client_secret",
        secrets,
        errors,
    );
}

/// A secret: either `env:NAME` (saved) or typed in for the session (masked, never saved).
fn secret_row(
    ui: &mut egui::Ui,
    label: &str,
    secret: &mut SecretRef,
    field: &str,
    secrets: &mut Secrets<'_>,
    errors: &[FieldError],
) {
    let label = ui.label(label);
    ui.vertical(|ui| secret_controls_ui(ui, label.id, secret, field, secrets, errors));
    ui.end_row();
}

/// The controls of a secret: from the environment (`env:NAME`, saved) or typed in for the
/// session (masked, never saved), with the field's error.
pub(super) fn secret_controls_ui(
    ui: &mut egui::Ui,
    label: egui::Id,
    secret: &mut SecretRef,
    field: &str,
    secrets: &mut Secrets<'_>,
    errors: &[FieldError],
) {
    let mut from_env = secret.env_name().is_some() || secret.is_plain();
    ui.horizontal(|ui| {
        if ui
            .radio_value(&mut from_env, true, "From environment")
            .clicked()
            && secret.is_session()
        {
            *secret = SecretRef("env:".to_owned());
        }
        if ui
            .radio_value(&mut from_env, false, "Type in for this session")
            .clicked()
        {
            *secret = SecretRef::default();
        }
    });
    if from_env {
        let mut name = secret
            .0
            .strip_prefix("env:")
            .unwrap_or(&secret.0)
            .to_owned();
        ui.horizontal(|ui| {
            ui.label("env:");
            if ui
                .add(
                    egui::TextEdit::singleline(&mut name)
                        .hint_text("VARIABLE_NAME")
                        .desired_width(220.0),
                )
                .labelled_by(label)
                .changed()
            {
                *secret = SecretRef(format!("env:{}", name.trim()));
            }
            match secret.env_name() {
                Some(var) if std::env::var_os(var).is_some() => {
                    ui.weak("set");
                }
                Some(var) => {
                    ui.colored_label(ui.visuals().warn_fg_color, format!("{var} is not set"));
                }
                None => {}
            }
        });
    } else {
        let typed = secrets.typed.get(secrets.event, field);
        let mut value = typed.unwrap_or_default().to_owned();
        ui.horizontal(|ui| {
            if ui
                .add(
                    egui::TextEdit::singleline(&mut value)
                        .password(true)
                        .hint_text("kept in memory for this session only")
                        .desired_width(260.0),
                )
                .labelled_by(label)
                .changed()
            {
                secrets.commands.push(Command::SetSecret {
                    event: secrets.event,
                    field: field.to_owned(),
                    value: SecretText(value.clone()),
                });
            }
            if value.is_empty() {
                ui.colored_label(ui.visuals().warn_fg_color, "not entered");
            }
        });
    }
    field_error_ui(ui, errors, field);
}
