//! What the console keeps between runs (through eframe's storage): the selected event and tab,
//! the view, recent files, the functions file and the Rocket.Chat server. Runtime data lives in
//! the session instead, so `save()` writes only this.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::catalog::EventId;

/// How many recent files the console remembers.
pub const RECENT_MAX: usize = 10;

/// The tabs shown for the selected event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tab {
    /// The documented fields of the event.
    #[default]
    Fields,
    /// The loaded payload, flattened and checked.
    Payload,
    /// The event's one function: code, endpoint, auth.
    Function,
    /// Test invocations and their history.
    Invoke,
    /// Many payloads at once: pass/fail, latency, reports.
    Batch,
}

impl Tab {
    /// Every tab, in the order they are shown.
    pub const ALL: [Tab; 5] = [
        Tab::Fields,
        Tab::Payload,
        Tab::Function,
        Tab::Invoke,
        Tab::Batch,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Fields => "Fields",
            Tab::Payload => "Payload",
            Tab::Function => "Function",
            Tab::Invoke => "Invocations",
            Tab::Batch => "Batch",
        }
    }
}

/// What the central panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum View {
    /// The selected event's tabs.
    #[default]
    Events,
    /// The Livechat survey view.
    Livechat,
}

/// The colours the operator chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    /// Dark or light as the desktop says.
    #[default]
    System,
    /// Light text on a dark background.
    Dark,
    /// Dark text on a light background.
    Light,
}

impl ThemeChoice {
    /// egui's name for the same preference.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
            ThemeChoice::Light => egui::ThemePreference::Light,
        }
    }
}

/// Zoom factors the console allows (egui's own limits are wider than is readable).
pub const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.5..=2.5;

/// The state that we persist between runs (through eframe's storage).
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The event selected in the left panel.
    pub selected: EventId,
    /// The tab shown for it.
    pub tab: Tab,
    /// Recently opened payload files, newest first.
    pub recent: Vec<PathBuf>,
    /// The functions file opened in the console (default: functions.json in the config dir).
    pub functions_path: Option<PathBuf>,
    /// What the central panel shows.
    pub view: View,
    /// The Rocket.Chat server of the Livechat survey view.
    pub livechat_server: String,
    /// Dark, light, or as the desktop says.
    pub theme: ThemeChoice,
    /// The zoom factor (1.0: normal size).
    pub zoom: f32,
    /// The folder reports and exports were last written to.
    pub export_dir: Option<PathBuf>,
}

impl Default for State {
    fn default() -> Self {
        State {
            selected: EventId::ALL[0],
            tab: Tab::Fields,
            recent: Vec::new(),
            functions_path: None,
            view: View::Events,
            livechat_server: String::new(),
            theme: ThemeChoice::System,
            zoom: 1.0,
            export_dir: None,
        }
    }
}

impl State {
    /// The zoom factor to use: the saved one, within [`ZOOM_RANGE`].
    pub fn zoom_factor(&self) -> f32 {
        if self.zoom.is_finite() {
            self.zoom.clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end())
        } else {
            1.0
        }
    }

    /// Drops a file from the recent files (it no longer loads).
    pub fn forget(&mut self, path: &std::path::Path) {
        self.recent.retain(|p| p != path);
    }

    /// Puts a file first in the recent files (once), keeping at most [`RECENT_MAX`].
    pub fn remember(&mut self, path: &std::path::Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_MAX);
    }
}
