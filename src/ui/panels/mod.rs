//! The console's panels. Each holds only its own widget state (filters, what is open, text
//! being typed), draws from a read-only [`ViewContext`](super::app::context::ViewContext) and
//! pushes [`Command`](super::app::commands::Command)s for everything else.

mod batch;
mod batch_table;
mod events;
mod fields;
mod function;
mod function_line;
mod invoke;
mod invoke_history;
mod livechat;
pub mod menu_bar;
mod overlays;
mod path_prompt;
mod payload;
mod request_editor;

/// Every panel's widget state.
#[derive(Default)]
pub struct Panels {
    /// The event list on the left.
    pub events: events::EventsPanel,
    /// The Fields tab.
    pub fields: fields::FieldsPanel,
    /// The Payload tab.
    pub payload: payload::PayloadPanel,
    /// The Function tab.
    pub function: function::FunctionPanel,
    /// The Invocations tab.
    pub invoke: invoke::InvokePanel,
    /// The Batch tab.
    pub batch: batch::BatchPanel,
    /// The Livechat survey view.
    pub livechat: livechat::LivechatPanel,
    /// The path prompt.
    pub prompt: path_prompt::PathPromptPanel,
    /// The palette, help windows and the quit question.
    pub overlays: overlays::OverlaysPanel,
}
