//! Drawing functions over core data, shared by the panels; they hold no state and push no
//! command.

pub mod busy;
pub mod code_editor;
pub mod elide;
pub mod latency_plot;
pub mod named_map;
pub mod result_view;
pub mod theme;
