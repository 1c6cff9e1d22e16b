//! Every action an operator can trigger by name, in one enum (after rerun's
//! `re_ui/src/command/ui_command.rs`): its label, its menu, its shortcuts and its tooltip. The
//! menu bar, the command palette, the keyboard handling and the README's shortcut list all read
//! this one list, so they cannot disagree.
//!
//! Whether an action can run right now depends on the console's state; that is decided by the
//! view context (`context.rs`), which says why not when it cannot.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::state::Tab;

/// The menus of the menu bar, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Menu {
    File,
    Edit,
    View,
    Run,
    Help,
}

impl Menu {
    /// Every menu, left to right.
    pub const ALL: [Menu; 5] = [Menu::File, Menu::Edit, Menu::View, Menu::Run, Menu::Help];

    /// The menu's title.
    pub fn title(self) -> &'static str {
        match self {
            Menu::File => "File",
            Menu::Edit => "Edit",
            Menu::View => "View",
            Menu::Run => "Run",
            Menu::Help => "Help",
        }
    }
}

/// An action with a name: in a menu, in the command palette, and often on a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UiAction {
    // File.
    /// Open a payload file (the system dialog, or a typed path).
    OpenPayload,
    /// Save the payload of the request being edited as a file.
    SaveRequestAs,
    /// Use another functions file.
    OpenFunctionsFile,
    /// Export the selected event's last batch as JSON.
    ExportBatchJson,
    /// Export the selected event's last batch as JUnit XML.
    ExportBatchJunit,
    /// Close the console (asks first when a function has unsaved edits).
    Quit,

    // Edit.
    /// Save the selected event's function.
    SaveFunction,
    /// Drop the selected event's unsaved function edit.
    RevertFunction,
    /// Put the request as a curl command on the clipboard.
    CopyCurl,
    /// Put the latest response body on the clipboard.
    CopyResponse,
    /// Put the keyboard focus in the current tab's filter.
    Find,

    // View.
    /// The Fields tab.
    ShowFields,
    /// The Payload tab.
    ShowPayload,
    /// The Function tab.
    ShowFunction,
    /// The Invocations tab.
    ShowInvocations,
    /// The Batch tab.
    ShowBatch,
    /// The Livechat survey view.
    ShowLivechat,
    /// Select the next event in the list.
    NextEvent,
    /// Select the previous event in the list.
    PreviousEvent,
    /// Make everything larger.
    ZoomIn,
    /// Make everything smaller.
    ZoomOut,
    /// Back to the normal size.
    ZoomReset,
    /// Dark colours.
    ThemeDark,
    /// Light colours.
    ThemeLight,
    /// The desktop's colour preference.
    ThemeSystem,
    /// Find any action by name.
    CommandPalette,

    // Run.
    /// Send the chosen payload to the function (or the URL given).
    Invoke,
    /// Run the function's code as edited, in-process.
    RunLocally,
    /// Run a batch with the Batch tab's settings.
    RunBatch,
    /// Stop waiting for the running invocation or livechat call, or stop the running batch.
    Cancel,

    // Help.
    /// Every shortcut, in a window.
    KeyboardShortcuts,
    /// What the console is.
    About,
}

impl UiAction {
    /// Every action, in the order menus and the palette list them.
    pub const ALL: [UiAction; 32] = [
        UiAction::OpenPayload,
        UiAction::SaveRequestAs,
        UiAction::OpenFunctionsFile,
        UiAction::ExportBatchJson,
        UiAction::ExportBatchJunit,
        UiAction::Quit,
        UiAction::SaveFunction,
        UiAction::RevertFunction,
        UiAction::CopyCurl,
        UiAction::CopyResponse,
        UiAction::Find,
        UiAction::ShowFields,
        UiAction::ShowPayload,
        UiAction::ShowFunction,
        UiAction::ShowInvocations,
        UiAction::ShowBatch,
        UiAction::ShowLivechat,
        UiAction::NextEvent,
        UiAction::PreviousEvent,
        UiAction::ZoomIn,
        UiAction::ZoomOut,
        UiAction::ZoomReset,
        UiAction::ThemeDark,
        UiAction::ThemeLight,
        UiAction::ThemeSystem,
        UiAction::CommandPalette,
        UiAction::Invoke,
        UiAction::RunLocally,
        UiAction::RunBatch,
        UiAction::Cancel,
        UiAction::KeyboardShortcuts,
        UiAction::About,
    ];

    /// The action's name, as menus and the palette show it.
    pub fn label(self) -> &'static str {
        self.label_and_tooltip().0
    }

    /// What the action does, in a sentence.
    pub fn tooltip(self) -> &'static str {
        self.label_and_tooltip().1
    }

    fn label_and_tooltip(self) -> (&'static str, &'static str) {
        match self {
            UiAction::OpenPayload => (
                "Open payload…",
                "Open a payload file: pick it in the system dialog or type its path (or drop it on the window)",
            ),
            UiAction::SaveRequestAs => (
                "Save request payload as…",
                "Write the payload of the request being edited to a file",
            ),
            UiAction::OpenFunctionsFile => (
                "Open functions file…",
                "Use another functions file (the console reads and saves functions there)",
            ),
            UiAction::ExportBatchJson => (
                "Export batch as JSON…",
                "Write every result of the selected event's last batch as JSON",
            ),
            UiAction::ExportBatchJunit => (
                "Export batch as JUnit…",
                "Write the selected event's last batch as JUnit XML for CI",
            ),
            UiAction::Quit => (
                "Quit",
                "Close the console (it asks first when a function has unsaved edits)",
            ),
            UiAction::SaveFunction => (
                "Save function",
                "Save the selected event's function to the functions file",
            ),
            UiAction::RevertFunction => (
                "Revert function",
                "Drop the unsaved edit of the selected event's function",
            ),
            UiAction::CopyCurl => (
                "Copy as curl",
                "Put the request as a curl command on the clipboard (secrets as $NAME)",
            ),
            UiAction::CopyResponse => (
                "Copy response body",
                "Put the body of the result shown on the clipboard",
            ),
            UiAction::Find => ("Find", "Put the cursor in this tab's filter"),
            UiAction::ShowFields => ("Fields", "The documented fields of the selected event"),
            UiAction::ShowPayload => (
                "Payload",
                "The loaded payload: every field and its findings",
            ),
            UiAction::ShowFunction => ("Function", "The selected event's function: code, endpoint"),
            UiAction::ShowInvocations => (
                "Invocations",
                "Test invocations of the selected event's function, the request editor, the history",
            ),
            UiAction::ShowBatch => (
                "Batch",
                "Many payloads at once: pass/fail, latency, reports",
            ),
            UiAction::ShowLivechat => (
                "Livechat survey",
                "Send a Rocket.Chat room survey, as the livechat widget does",
            ),
            UiAction::NextEvent => ("Next event", "Select the next event in the list"),
            UiAction::PreviousEvent => ("Previous event", "Select the previous event in the list"),
            UiAction::ZoomIn => ("Zoom in", "Make text and widgets larger"),
            UiAction::ZoomOut => ("Zoom out", "Make text and widgets smaller"),
            UiAction::ZoomReset => ("Reset zoom", "Back to the normal size"),
            UiAction::ThemeDark => ("Dark theme", "Light text on a dark background"),
            UiAction::ThemeLight => ("Light theme", "Dark text on a light background"),
            UiAction::ThemeSystem => (
                "Follow the system theme",
                "Dark or light as the desktop says",
            ),
            UiAction::CommandPalette => ("Command palette…", "Find any action by name and run it"),
            UiAction::Invoke => (
                "Invoke",
                "Send the payload to the function (or the URL given) and check the answer",
            ),
            UiAction::RunLocally => (
                "Run locally",
                "Run the function's code as edited, in-process, with the platform's limits",
            ),
            UiAction::RunBatch => (
                "Run batch",
                "Run the Batch tab's payloads against the function",
            ),
            UiAction::Cancel => (
                "Cancel",
                "Stop waiting for the running invocation or livechat call, or stop the running batch",
            ),
            UiAction::KeyboardShortcuts => ("Keyboard shortcuts", "Every shortcut, in a window"),
            UiAction::About => (
                "About survey-console",
                "What the console is and where it keeps files",
            ),
        }
    }

    /// The menu the action is listed in.
    pub fn menu(self) -> Menu {
        use UiAction as A;
        match self {
            A::OpenPayload
            | A::SaveRequestAs
            | A::OpenFunctionsFile
            | A::ExportBatchJson
            | A::ExportBatchJunit
            | A::Quit => Menu::File,
            A::SaveFunction | A::RevertFunction | A::CopyCurl | A::CopyResponse | A::Find => {
                Menu::Edit
            }
            A::ShowFields
            | A::ShowPayload
            | A::ShowFunction
            | A::ShowInvocations
            | A::ShowBatch
            | A::ShowLivechat
            | A::NextEvent
            | A::PreviousEvent
            | A::ZoomIn
            | A::ZoomOut
            | A::ZoomReset
            | A::ThemeDark
            | A::ThemeLight
            | A::ThemeSystem
            | A::CommandPalette => Menu::View,
            A::Invoke | A::RunLocally | A::RunBatch | A::Cancel => Menu::Run,
            A::KeyboardShortcuts | A::About => Menu::Help,
        }
    }

    /// Every shortcut of the action, the one shown first.
    pub fn shortcuts(self) -> &'static [KeyboardShortcut] {
        const fn cmd(key: Key) -> KeyboardShortcut {
            KeyboardShortcut::new(Modifiers::COMMAND, key)
        }
        const fn cmd_shift(key: Key) -> KeyboardShortcut {
            KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), key)
        }
        const fn alt(key: Key) -> KeyboardShortcut {
            KeyboardShortcut::new(Modifiers::ALT, key)
        }
        const fn key(key: Key) -> KeyboardShortcut {
            KeyboardShortcut::new(Modifiers::NONE, key)
        }
        match self {
            UiAction::OpenPayload => const { &[cmd(Key::O)] },
            UiAction::SaveRequestAs => const { &[cmd_shift(Key::S)] },
            UiAction::Quit => const { &[cmd(Key::Q)] },
            UiAction::SaveFunction => const { &[cmd(Key::S)] },
            UiAction::CopyCurl => const { &[cmd_shift(Key::C)] },
            UiAction::Find => const { &[cmd(Key::F)] },
            UiAction::ShowFields => const { &[cmd(Key::Num1)] },
            UiAction::ShowPayload => const { &[cmd(Key::Num2)] },
            UiAction::ShowFunction => const { &[cmd(Key::Num3)] },
            UiAction::ShowInvocations => const { &[cmd(Key::Num4)] },
            UiAction::ShowBatch => const { &[cmd(Key::Num5)] },
            UiAction::ShowLivechat => const { &[cmd(Key::Num6)] },
            UiAction::NextEvent => const { &[alt(Key::ArrowDown)] },
            UiAction::PreviousEvent => const { &[alt(Key::ArrowUp)] },
            UiAction::ZoomIn => const { &[cmd(Key::Plus), cmd(Key::Equals)] },
            UiAction::ZoomOut => const { &[cmd(Key::Minus)] },
            UiAction::ZoomReset => const { &[cmd(Key::Num0)] },
            UiAction::CommandPalette => const { &[cmd(Key::P), cmd_shift(Key::P)] },
            UiAction::Invoke => const { &[cmd(Key::Enter)] },
            UiAction::RunLocally => const { &[cmd(Key::R)] },
            UiAction::RunBatch => const { &[cmd(Key::B)] },
            UiAction::Cancel => const { &[key(Key::Escape)] },
            UiAction::KeyboardShortcuts => const { &[key(Key::F1)] },
            UiAction::OpenFunctionsFile
            | UiAction::ExportBatchJson
            | UiAction::ExportBatchJunit
            | UiAction::RevertFunction
            | UiAction::CopyResponse
            | UiAction::ThemeDark
            | UiAction::ThemeLight
            | UiAction::ThemeSystem
            | UiAction::About => &[],
        }
    }

    /// The shortcut shown in menus and tooltips.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        self.shortcuts().first().copied()
    }

    /// The shortcut as text for this platform ("Ctrl+O"), if the action has one.
    pub fn shortcut_text(self, ctx: &egui::Context) -> Option<String> {
        self.shortcut().map(|s| ctx.format_shortcut(&s))
    }

    /// The shortcut as the README writes it (Linux names: "Ctrl+Shift+S").
    pub fn shortcut_names(self) -> Vec<String> {
        self.shortcuts()
            .iter()
            .map(|s| s.format(&egui::ModifierNames::NAMES, false))
            .collect()
    }

    /// What the action does, with its shortcut, for a button's tooltip.
    pub fn hover_text(self, ctx: &egui::Context) -> String {
        match self.shortcut_text(ctx) {
            Some(keys) => format!("{} ({keys})", self.tooltip()),
            None => self.tooltip().to_owned(),
        }
    }

    /// The tab an action shows, if it is one of the tab actions.
    pub fn tab(self) -> Option<Tab> {
        match self {
            UiAction::ShowFields => Some(Tab::Fields),
            UiAction::ShowPayload => Some(Tab::Payload),
            UiAction::ShowFunction => Some(Tab::Function),
            UiAction::ShowInvocations => Some(Tab::Invoke),
            UiAction::ShowBatch => Some(Tab::Batch),
            _ => None,
        }
    }

    /// The action whose shortcut was pressed this frame, consumed so no widget sees it too.
    /// Shortcuts with more modifiers are matched first (Ctrl+Shift+S before Ctrl+S).
    /// Only actions `usable` allows are matched (the others' keys are left to the widgets).
    pub fn pressed(
        input: &mut egui::InputState,
        usable: impl Fn(UiAction) -> bool,
    ) -> Option<UiAction> {
        let mut keyed: Vec<(KeyboardShortcut, UiAction)> = UiAction::ALL
            .iter()
            .filter(|a| usable(**a))
            .flat_map(|a| a.shortcuts().iter().map(move |s| (*s, *a)))
            .collect();
        let weight = |m: Modifiers| {
            usize::from(m.shift) + usize::from(m.alt) + usize::from(m.command || m.ctrl)
        };
        keyed.sort_by_key(|(s, _)| std::cmp::Reverse(weight(s.modifiers)));
        keyed
            .into_iter()
            .find(|(shortcut, _)| input.consume_shortcut(shortcut))
            .map(|(_, action)| action)
    }

    /// True for the actions whose shortcut only counts while something runs (Escape is also
    /// how a text field lets go of the keyboard).
    pub fn only_while_running(self) -> bool {
        self == UiAction::Cancel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_and_no_two_share_a_shortcut() {
        let mut seen = Vec::new();
        for action in UiAction::ALL {
            assert!(!seen.contains(&action), "{action:?} is listed twice");
            seen.push(action);
        }
        let mut keys = Vec::new();
        for action in UiAction::ALL {
            for shortcut in action.shortcuts() {
                assert!(
                    !keys.contains(shortcut),
                    "{action:?} shares {shortcut:?} with another action"
                );
                keys.push(*shortcut);
            }
        }
    }

    #[test]
    fn the_shortcut_with_more_modifiers_wins() {
        let ctx = egui::Context::default();
        let mut pressed = None;
        let mut input = egui::RawInput::default();
        input.events.push(egui::Event::Key {
            key: Key::S,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: Modifiers::COMMAND.plus(Modifiers::SHIFT),
        });
        let mut output = ctx.run_ui(input, |ui| {
            pressed = ui.input_mut(|i| UiAction::pressed(i, |_| true));
        });
        output.textures_delta.clear();
        assert_eq!(pressed, Some(UiAction::SaveRequestAs));
    }

    #[test]
    fn the_readme_lists_every_shortcut() {
        let readme = include_str!("../../../README.md");
        for action in UiAction::ALL {
            let keys = action.shortcut_names();
            if keys.is_empty() {
                continue;
            }
            let row = format!(
                "| {} | {} | {} |",
                action.menu().title(),
                action.label(),
                keys.join(" or ")
            );
            assert!(readme.contains(&row), "the README lacks the row {row}");
        }
        let rows = readme
            .lines()
            .filter(|l| {
                Menu::ALL
                    .iter()
                    .any(|m| l.starts_with(&format!("| {} | ", m.title())))
            })
            .count();
        let keyed = UiAction::ALL
            .iter()
            .filter(|a| !a.shortcuts().is_empty())
            .count();
        assert_eq!(rows, keyed, "the README lists a shortcut no action has");
    }
}
