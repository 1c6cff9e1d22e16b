//! Drawing functions over core data, shared by the panels; they hold no state and push no
//! command.

pub mod latency_plot;
pub mod result_view;
pub mod theme;
