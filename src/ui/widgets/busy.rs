//! A spinner that costs little while the console waits. egui's own spinner asks for a new
//! frame every frame (about 60 a second, most of a core under a software renderer); this one
//! moves in steps and asks for the next frame only when its next step is due, so an operator
//! waiting on a slow function server keeps their CPU.

use std::time::Duration;

use egui::{Response, Role, Sense, Ui, Widget, WidgetInfo};

/// How often a waiting console draws a frame: the spinner's step.
pub const BUSY_REPAINT: Duration = Duration::from_millis(200);

/// Dots around the circle; one step lights the next.
const DOTS: usize = 8;

/// A stepped spinner (use instead of `ui.spinner()`).
#[derive(Default)]
pub struct Busy;

impl Widget for Busy {
    fn ui(self, ui: &mut Ui) -> Response {
        let size = ui.style().spacing.interact_size.y;
        let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), Sense::hover());
        response.widget_info(|| WidgetInfo::new(Role::ProgressIndicator));
        if ui.is_rect_visible(rect) {
            let time = ui.input(|i| i.time);
            let step = (time / BUSY_REPAINT.as_secs_f64()) as usize % DOTS;
            let visuals = ui.visuals();
            let (on, off) = (visuals.strong_text_color(), visuals.weak_text_color());
            let radius = rect.height() * 0.5 - 3.0;
            for i in 0..DOTS {
                let angle = i as f32 / DOTS as f32 * std::f32::consts::TAU;
                let at = rect.center() + radius * egui::vec2(angle.cos(), angle.sin());
                // The lit dot and a fading tail behind it.
                let behind = (step + DOTS - i) % DOTS;
                let (color, r) = match behind {
                    0 => (on, 2.4),
                    1 => (on.gamma_multiply(0.7), 2.0),
                    2 => (on.gamma_multiply(0.45), 1.8),
                    _ => (off.gamma_multiply(0.6), 1.5),
                };
                ui.painter().circle_filled(at, r, color);
            }
            ui.ctx().request_repaint_after(BUSY_REPAINT);
        }
        response
    }
}

/// Draws the stepped spinner.
pub fn spinner(ui: &mut Ui) -> Response {
    ui.add(Busy)
}
