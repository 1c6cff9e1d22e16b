//! The **Livechat survey** view: a Rocket.Chat server, a test conversation, the survey form
//! with the widget's questions, and the submission with its pre-send warnings. The result and
//! the history are drawn by `livechat_result`.
//!
//! The panel keeps all its widget state; the server URL lives in the app's persisted state and
//! is passed in. Network calls and history I/O run on worker threads (`Pending`); what the
//! panel asks for while drawing is applied after it is drawn.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui::{RichText, TextEdit, Ui};

use super::jobs::Pending;
use super::livechat_result;
use super::theme;
use crate::livechat::{
    Conversation, ConversationFailure, ConversationRequest, Header, History, HistoryEntry,
    Precheck, RateLimits, Server, SurveyDraft, SurveyItem, SurveyOutcome, SurveyRequest,
    SurveyRules, precheck, question, start_conversation, submit_survey,
};

/// What a finished submission brings back.
type SubmitDone = (
    Result<SurveyOutcome, String>,
    Option<HistoryEntry>,
    Option<String>,
);

/// Something the panel's widgets asked for; applied after the panel is drawn.
enum Action {
    Submit,
    StartConversation,
    AddItem,
    RemoveItem(usize),
    AddHeader,
    RemoveHeader(usize),
}

/// The survey form as typed.
#[derive(Default)]
struct Form {
    rid: String,
    token: String,
    show_token: bool,
    draft: SurveyDraft,
    headers: Vec<(String, String)>,
    visitor_name: String,
    close_room: bool,
}

/// The Livechat survey view.
pub struct LivechatPanel {
    form: Form,
    submit_job: Option<Pending<SubmitDone>>,
    conversation_job: Option<Pending<Result<Conversation, ConversationFailure>>>,
    history_job: Option<Pending<Result<Vec<HistoryEntry>, String>>>,
    /// The last submission's outcome, or why it was not sent.
    pub outcome: Option<Result<SurveyOutcome, String>>,
    /// The last test conversation.
    pub conversation: Option<Result<Conversation, ConversationFailure>>,
    history: Vec<HistoryEntry>,
    history_error: Option<String>,
    history_requested: bool,
    history_path: PathBuf,
    /// The survey rules the form is checked against.
    rules: SurveyRules,
    /// The rate-limit windows seen this session.
    limits: Arc<RateLimits>,
}

impl Default for LivechatPanel {
    fn default() -> Self {
        LivechatPanel {
            form: Form {
                visitor_name: "survey-console test visitor".to_owned(),
                close_room: true,
                ..Form::default()
            },
            submit_job: None,
            conversation_job: None,
            history_job: None,
            outcome: None,
            conversation: None,
            history: Vec::new(),
            history_error: None,
            history_requested: false,
            history_path: History::default_path(),
            rules: SurveyRules::builtin(),
            limits: Arc::new(RateLimits::in_memory()),
        }
    }
}

impl LivechatPanel {
    /// Keeps the history in `path` instead of the data dir (tests).
    pub fn set_history_path(&mut self, path: PathBuf) {
        self.history_path = path;
        self.history.clear();
        self.history_requested = false;
    }

    /// The submissions shown in the history, oldest first.
    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }

    /// True while a call or the history load runs.
    pub fn is_busy(&self) -> bool {
        self.submit_job.is_some() || self.conversation_job.is_some() || self.history_job.is_some()
    }

    /// Collects finished jobs; call once per frame.
    pub fn poll(&mut self) {
        if let Some(done) = Pending::take_ready(&mut self.submit_job) {
            match done {
                Some((outcome, entry, history_error)) => {
                    self.outcome = Some(outcome);
                    if let Some(entry) = entry {
                        self.history.push(entry);
                    }
                    if history_error.is_some() {
                        self.history_error = history_error;
                    }
                }
                None => {
                    self.outcome = Some(Err("The submission failed unexpectedly.".to_owned()));
                }
            }
        }
        if let Some(done) = Pending::take_ready(&mut self.conversation_job) {
            if let Some(Ok(conv)) = &done {
                self.form.rid = conv.rid.clone();
                self.form.token = conv.token.clone();
            }
            self.conversation = done;
        }
        if let Some(done) = Pending::take_ready(&mut self.history_job) {
            match done {
                Some(Ok(mut loaded)) => {
                    // Submissions made while loading are already in the list.
                    loaded.append(&mut self.history);
                    self.history = loaded;
                }
                Some(Err(message)) => self.history_error = Some(message),
                None => self.history_error = Some("Reading the history failed.".to_owned()),
            }
        }
    }

    /// Draws the view. `server_url` is the persisted server URL.
    pub fn ui(&mut self, ui: &mut Ui, server_url: &mut String) {
        self.poll();
        if !self.history_requested {
            self.history_requested = true;
            let history = History::at(self.history_path.clone());
            self.history_job = Some(Pending::spawn(ui.ctx(), "reading the history", move || {
                history.load().map_err(|e| e.to_string())
            }));
        }
        let mut actions = Vec::new();
        ui.heading("Livechat survey");
        ui.weak("Send a room survey to a Rocket.Chat server, as the livechat widget does.");
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .id_salt("livechat-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                self.server_ui(ui, server_url, &mut actions);
                ui.separator();
                self.conversation_ui(ui, server_url, &mut actions);
                ui.separator();
                let check = self.form_ui(ui, &mut actions);
                self.submit_ui(ui, server_url, &check, &mut actions);
                ui.separator();
                livechat_result::outcome_ui(ui, self.outcome.as_ref());
                ui.separator();
                livechat_result::history_ui(ui, &self.history, self.history_error.as_deref());
            });
        for action in actions {
            self.apply(ui.ctx(), server_url, action);
        }
    }

    fn server_ui(&mut self, ui: &mut Ui, server_url: &mut String, actions: &mut Vec<Action>) {
        egui::Grid::new("livechat-server")
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                let label = ui.label("Server URL");
                ui.add(
                    TextEdit::singleline(server_url)
                        .hint_text("https://chat.example.com")
                        .desired_width(420.0),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
        if !server_url.trim().is_empty()
            && let Err(err) = crate::net::check_url(server_url)
        {
            theme::error_label(ui, &err.to_string());
        }
        egui::CollapsingHeader::new(format!("Extra headers ({})", self.form.headers.len()))
            .id_salt("livechat-headers")
            .show(ui, |ui| {
                ui.weak("Sent with every call, e.g. for a proxy in front of the server.");
                for (i, (name, value)) in self.form.headers.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        let label = ui.label("Header");
                        ui.add(TextEdit::singleline(name).desired_width(160.0))
                            .labelled_by(label.id);
                        let label = ui.label("Value");
                        ui.add(TextEdit::singleline(value).desired_width(240.0))
                            .labelled_by(label.id);
                        if ui.button("Remove header").clicked() {
                            actions.push(Action::RemoveHeader(i));
                        }
                    });
                    if !(name.trim().is_empty() && value.trim().is_empty())
                        && let Err(err) = Header::new(name, value)
                    {
                        theme::error_label(ui, &err);
                    }
                }
                if ui.button("Add header").clicked() {
                    actions.push(Action::AddHeader);
                }
            });
    }

    fn conversation_ui(&mut self, ui: &mut Ui, server_url: &str, actions: &mut Vec<Action>) {
        ui.strong("Test conversation");
        ui.weak(
            "Creates a visitor with a new token and opens its room; rid and token are then \
             filled in below.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Visitor name");
            ui.add(TextEdit::singleline(&mut self.form.visitor_name).desired_width(220.0))
                .labelled_by(label.id);
            ui.checkbox(&mut self.form.close_room, "Close the room afterwards");
        });
        ui.horizontal(|ui| {
            let running = self.conversation_job.is_some();
            let ready = !running && self.server(server_url).is_ok();
            if ui
                .add_enabled(ready, egui::Button::new("Start test conversation"))
                .clicked()
            {
                actions.push(Action::StartConversation);
            }
            if running {
                ui.spinner();
                ui.label("Starting the conversation…");
            }
        });
        livechat_result::conversation_ui(ui, self.conversation.as_ref());
    }

    /// Draws the form and returns what the server will do with it.
    fn form_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) -> Precheck {
        ui.strong("Survey");
        egui::Grid::new("livechat-room")
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                let label = ui.label("Room id (rid)");
                ui.add(TextEdit::singleline(&mut self.form.rid).desired_width(320.0))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Visitor token");
                ui.horizontal(|ui| {
                    ui.add(
                        TextEdit::singleline(&mut self.form.token)
                            .password(!self.form.show_token)
                            .desired_width(320.0),
                    )
                    .labelled_by(label.id);
                    ui.checkbox(&mut self.form.show_token, "Show token");
                });
                ui.end_row();
            });
        ui.add_space(4.0);
        egui::Grid::new("livechat-ratings")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                for name in &self.rules.items {
                    ui.label(question(name))
                        .on_hover_text(format!("Sent as {name}"));
                    let mut value = self.form.draft.ratings.get(name).cloned();
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut value, None, "–")
                            .on_hover_text("Not answered: not sent");
                        for v in &self.rules.values {
                            ui.selectable_value(&mut value, Some(v.clone()), v.as_str());
                        }
                    });
                    match value {
                        Some(v) => self.form.draft.ratings.insert(name.clone(), v),
                        None => self.form.draft.ratings.remove(name),
                    };
                    ui.end_row();
                }
            });
        ui.add_space(4.0);
        let label = ui.label("Additional feedback");
        ui.add(
            TextEdit::multiline(&mut self.form.draft.feedback)
                .desired_rows(2)
                .desired_width(520.0),
        )
        .labelled_by(label.id);
        ui.add_space(4.0);
        ui.label("Extra items (sent as they are: try out the server's rules)");
        for (i, item) in self.form.draft.extra.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label("Name");
                ui.add(TextEdit::singleline(&mut item.name).desired_width(180.0))
                    .labelled_by(label.id);
                let label = ui.label("Value");
                ui.add(TextEdit::singleline(&mut item.value).desired_width(220.0))
                    .labelled_by(label.id);
                if ui.button("Remove item").clicked() {
                    actions.push(Action::RemoveItem(i));
                }
            });
        }
        if ui.button("Add item").clicked() {
            actions.push(Action::AddItem);
        }
        precheck(
            &self.form.rid,
            &self.form.token,
            &self.form.draft.items(&self.rules),
            &self.rules,
        )
    }

    fn submit_ui(
        &mut self,
        ui: &mut Ui,
        server_url: &str,
        check: &Precheck,
        actions: &mut Vec<Action>,
    ) {
        ui.add_space(6.0);
        let url_ok = crate::net::check_url(server_url).is_ok();
        let headers_ok = self.headers().is_ok();
        for error in &check.errors {
            theme::error_label(ui, error);
        }
        if !url_ok && server_url.trim().is_empty() {
            theme::error_label(ui, "Enter the server URL.");
        }
        for warning in &check.warnings {
            ui.label(
                RichText::new(format!("Warning: {warning}")).color(ui.visuals().warn_fg_color),
            );
        }
        ui.horizontal(|ui| {
            let running = self.submit_job.is_some();
            let ready = check.can_send() && url_ok && headers_ok && !running;
            if ui.add_enabled(ready, egui::Button::new("Submit")).clicked() {
                actions.push(Action::Submit);
            }
            if running {
                ui.spinner();
                ui.label("Sending the survey…");
            }
        });
    }

    /// The extra headers that are filled in, checked.
    fn headers(&self) -> Result<Vec<Header>, String> {
        self.form
            .headers
            .iter()
            .filter(|(n, v)| !(n.trim().is_empty() && v.trim().is_empty()))
            .map(|(n, v)| Header::new(n, v))
            .collect()
    }

    /// The server to call, or why it cannot be called.
    fn server(&self, url: &str) -> Result<Server, String> {
        crate::net::check_url(url).map_err(|e| e.to_string())?;
        Ok(Server {
            url: url.trim().to_owned(),
            headers: self.headers()?,
            timeout: Duration::from_secs(30),
        })
    }

    fn apply(&mut self, ctx: &egui::Context, server_url: &str, action: Action) {
        match action {
            Action::Submit => {
                if self.submit_job.is_some() {
                    return;
                }
                let server = match self.server(server_url) {
                    Ok(s) => s,
                    Err(err) => {
                        self.outcome = Some(Err(err));
                        return;
                    }
                };
                let request = SurveyRequest {
                    rid: self.form.rid.trim().to_owned(),
                    token: self.form.token.trim().to_owned(),
                    items: self.form.draft.items(&self.rules),
                    rules: self.rules.clone(),
                };
                let history = History::at(self.history_path.clone());
                let limits = Arc::clone(&self.limits);
                self.submit_job =
                    Some(Pending::spawn(
                        ctx,
                        "sending the survey",
                        move || match submit_survey(&server, &limits, &request) {
                            Ok(outcome) => {
                                let entry = HistoryEntry::from_outcome(&server.url, &outcome);
                                let error = history.append(&entry).err().map(|e| e.to_string());
                                (Ok(outcome), Some(entry), error)
                            }
                            Err(not_sent) => (Err(not_sent.to_string()), None, None),
                        },
                    ));
            }
            Action::StartConversation => {
                if self.conversation_job.is_some() {
                    return;
                }
                let server = match self.server(server_url) {
                    Ok(s) => s,
                    Err(_) => return,
                };
                let request = ConversationRequest {
                    name: self.form.visitor_name.clone(),
                    close: self.form.close_room,
                    token: None,
                    transcript: None,
                };
                self.conversation = None;
                let limits = Arc::clone(&self.limits);
                self.conversation_job = Some(Pending::spawn(
                    ctx,
                    "starting a test conversation",
                    move || start_conversation(&server, &limits, &request),
                ));
            }
            Action::AddItem => self.form.draft.extra.push(SurveyItem::new("", "")),
            Action::RemoveItem(i) => {
                if i < self.form.draft.extra.len() {
                    self.form.draft.extra.remove(i);
                }
            }
            Action::AddHeader => self.form.headers.push((String::new(), String::new())),
            Action::RemoveHeader(i) => {
                if i < self.form.headers.len() {
                    self.form.headers.remove(i);
                }
            }
        }
    }
}
