//! The one match that applies commands. Small changes happen here; the work of each area
//! (payloads and dialogs, functions, invocations, batches, Livechat) is in its `apply_*.rs`.

use std::time::Instant;

use super::SurveyConsoleApp;
use super::commands::{Command, Copied, FunctionsMessage};
use super::jobs::JobKind;
use super::session::{InvokeStatus, Notice, StoreState};

impl SurveyConsoleApp {
    /// Applies one command.
    pub fn run_cmd(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SelectEvent(event) => self.select_event(ctx, event),
            Command::ShowTab(tab) => self.state.tab = tab,
            Command::ShowView(view) => self.state.view = view,
            Command::Action(action) => self.run_action(ctx, action),

            Command::ChooseFile(purpose) => self.choose_file(ctx, purpose),
            Command::BrowseForPath => self.browse(ctx),
            Command::EditPromptText(text) => {
                if let Some(prompt) = self.session.prompt.as_mut() {
                    prompt.text = text;
                    prompt.error = None;
                    prompt.confirm_overwrite = None;
                }
            }
            Command::SubmitPrompt { overwrite } => self.submit_prompt(ctx, overwrite),
            Command::ClosePrompt => {
                self.session.prompt = None;
                self.jobs.cancel(JobKind::FileDialog);
            }
            Command::PromptChecked {
                purpose,
                paths,
                check,
                overwrite,
            } => self.prompt_checked(ctx, purpose, paths, check, overwrite),
            Command::PathsChosen { purpose, paths } => self.paths_chosen(ctx, purpose, paths),

            Command::LoadFile(path) => self.load_file(ctx, path),
            Command::LoadSample(sample) => self.load_sample(ctx, sample),
            Command::CheckPayloadAs(event) => self.check_payload_as(ctx, event),
            Command::PayloadLoaded(outcome) => self.payload_loaded(*outcome),
            Command::ClearRecent => self.state.recent.clear(),
            Command::FilterRows { generation, filter } => {
                self.filter_rows(ctx, generation, filter);
            }
            Command::RowsFiltered(rows) => {
                if self.session.rows_requested == Some((rows.generation, rows.filter.clone())) {
                    self.session.rows = rows;
                }
            }

            Command::ReloadFunctions => {
                let path = self.session.functions_path().to_path_buf();
                self.open_functions(ctx, path);
            }
            Command::LoadFunctionsFile(path) => {
                self.state.functions_path = Some(path.clone());
                self.open_functions(ctx, path);
            }
            Command::FunctionsRead {
                path,
                result,
                announce,
            } => self.functions_read(path, result, announce),
            Command::CreateFunction { event, name } => self.create_function(ctx, event, name),
            Command::EditDraft { event, config } => self.edit_draft(event, *config),
            Command::RevertDraft(event) => {
                self.session.drafts.remove(&event);
            }
            Command::SaveFunction {
                event,
                config,
                overwrite,
            } => self.save_function(ctx, event, *config, overwrite),
            Command::RemoveFunction(event) => self.remove_function(ctx, event),
            Command::ImportFunctions { path, replace } => {
                self.import_functions(ctx, path, replace);
            }
            Command::ExportFunctions { path, event } => self.export_functions(ctx, path, event),
            Command::FunctionsWritten(write) => self.functions_written(ctx, *write),
            Command::SetSecret {
                event,
                field,
                value,
            } => self.session.secrets.set(event, &field, value.0),
            Command::UseVersion(version) => self.session.version = version,

            Command::ChooseInvokePayload { event, choice } => {
                self.session.invoke_payload.insert(event, choice);
            }
            Command::SetInvokeUrl(url) => self.session.invoke_url = url,
            Command::Invoke { event, source, url } => self.invoke(ctx, event, source, url),
            Command::RunLocally(event) => self.run_locally(ctx, event),
            Command::CancelInvoke => self.cancel_invoke(),
            Command::Invoked(record) => self.invoked(record),
            Command::EditRequest(event) => self.edit_request(event),
            Command::EditRequestText { event, text } => self.edit_request_text(ctx, event, text),
            Command::EditRequestHeaders { event, headers } => {
                if let Some(edit) = self.session.requests.get_mut(&event) {
                    edit.headers = headers;
                }
            }
            Command::DiscardRequest(event) => {
                self.session.requests.remove(&event);
            }
            Command::RequestChecked {
                event,
                generation,
                check,
            } => {
                if let Some(edit) = self
                    .session
                    .requests
                    .get_mut(&event)
                    .filter(|e| e.generation == generation)
                {
                    edit.check = Some(check);
                }
            }
            Command::FileWritten(result) => match result {
                Ok(message) => self.say(message),
                Err(message) => self.say_error(message),
            },
            Command::CopyText { what, text } => {
                ctx.copy_text(text);
                self.session.copied = Some((what, Instant::now()));
            }
            Command::CopyCurl { event, source, url } => self.copy_curl(ctx, event, source, url),
            Command::CurlCopied => {
                self.session.copied = Some((Copied::Curl, Instant::now()));
                self.say("Copied the request to the clipboard as a curl command.".to_owned());
            }
            Command::HistoryRead(read) => self.history_read(read),
            Command::AskDeployed(event) => self.ask_deployed(ctx, event),
            Command::DeployedAnswered { event, answer } => {
                self.session.deployed.insert(event, answer);
            }

            Command::CheckCode {
                event,
                code,
                runtime,
                key,
            } => self.check_code(ctx, event, code, runtime, key),
            Command::CodeChecked {
                event,
                key,
                findings,
            } => self.code_checked(event, key, findings),
            Command::InstallModules(runtime) => self.install_modules(ctx, runtime),
            Command::ModulesProgress(line) => self.session.local.modules_progress = Some(line),
            Command::ModulesInstalled(outcome) => self.modules_installed(outcome),

            Command::SetBatchPayloads(payloads) => self.session.batch.payloads = payloads,
            Command::SetBatchForm(form) => self.session.batch.form = form,
            Command::StartBatch(request) => self.start_batch(ctx, *request),
            Command::CancelBatch => {
                self.jobs.request_stop(JobKind::Batch);
            }
            Command::BatchStarted {
                event,
                items,
                target,
            } => {
                if let Some(view) = self.session.batch.views.get_mut(&event) {
                    view.items = items;
                    view.target = target;
                }
            }
            Command::BatchResults { event, results } => self.batch_results(event, results),
            Command::BatchEnded { event, outcome } => self.batch_ended(event, outcome),
            Command::WriteBatchReport {
                event,
                format,
                path,
            } => self.write_batch_report(ctx, event, format, path),
            Command::ReportWritten(message) => self.session.batch.export_message = Some(message),

            Command::SetLivechatServer(url) => self.state.livechat_server = url,
            Command::Livechat(command) => self.run_livechat(ctx, command),

            Command::CloseOverlay => self.session.overlay = None,
            Command::Quit { save } => self.quit(ctx, save),
            Command::DismissNotice => self.session.notice = None,

            Command::JobFailed(kind) => self.job_failed(kind),
        }
    }

    /// Says something in the status bar for a while.
    pub(super) fn say(&mut self, text: String) {
        self.session.notice = Some(Notice {
            text,
            error: false,
            at: Instant::now(),
        });
    }

    /// Says in the status bar that something failed or was refused.
    pub(super) fn say_error(&mut self, text: String) {
        self.session.notice = Some(Notice {
            text,
            error: true,
            at: Instant::now(),
        });
    }

    /// A job whose worker stopped without an answer: say so where its answer would have shown.
    fn job_failed(&mut self, kind: JobKind) {
        let message = format!("{} failed unexpectedly.", capitalized(kind.what()));
        let session = &mut self.session;
        match kind {
            JobKind::Invoke => {
                session.invocation = InvokeStatus::Idle;
                session.invoke_notice = Some(format!("{message} Nothing was recorded."));
            }
            JobKind::LoadPayload => {
                session.load_error = Some(format!("{message} The payload was not loaded."));
            }
            JobKind::FunctionsFile => {
                if let StoreState::Reading(path) = &session.functions {
                    let path = path.clone();
                    session.functions = StoreState::Unreadable {
                        path,
                        error: message.clone(),
                    };
                }
                session.functions_message = Some(FunctionsMessage::Failed(message));
            }
            JobKind::Batch => {
                if let Some(event) = session.batch.running.take()
                    && let Some(view) = session.batch.views.get_mut(&event)
                {
                    view.error = Some(message);
                }
            }
            JobKind::WriteReport => session.batch.export_message = Some(Err(message)),
            JobKind::LivechatSubmit => session.livechat.outcome = Some(Err(message)),
            JobKind::LivechatHistory => session.livechat.history_error = Some(message),
            JobKind::PathCheck => {
                if let Some(prompt) = session.prompt.as_mut() {
                    prompt.error = Some(message);
                }
            }
            JobKind::Modules => {
                session.local.modules_progress = None;
                session.local.modules_message = Some(Err(message));
            }
            JobKind::FileDialog
            | JobKind::CheckCode
            | JobKind::FilterRows
            | JobKind::History
            | JobKind::Curl
            | JobKind::Deployed
            | JobKind::LivechatConversation
            | JobKind::LivechatServer
            | JobKind::CheckRequest
            | JobKind::WriteFile => {
                session.notice = Some(Notice {
                    text: message,
                    error: true,
                    at: Instant::now(),
                });
            }
        }
    }
}

/// "the batch" → "The batch".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
