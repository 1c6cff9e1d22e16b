//! A code editor for function code and request JSON: syntax colours, line numbers in a gutter,
//! and a marker at the line and column of an error (a syntax error, a runtime exception's first
//! frame in the code, a JSON parse error). Its scroll position is kept per editor id, so
//! switching events or tabs and coming back finds the code where it was.

use egui::text::{CCursor, CharIndex};
use egui::{FontId, Id, Rect, Stroke, TextStyle, Ui, pos2, vec2};

/// Where an error is in the text, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// What is wrong there (the marker's tooltip).
    pub message: String,
}

/// What the editor reports back.
pub struct EditorOutput {
    /// True when the text changed this frame.
    pub changed: bool,
}

/// The character index of 1-based `line`/`column` in `text` (clamped to the text).
pub fn char_index(text: &str, line: u32, column: u32) -> usize {
    let mut index = 0;
    let mut current = 1;
    let mut chars = text.chars().peekable();
    while current < line {
        match chars.next() {
            Some('\n') => {
                current += 1;
                index += 1;
            }
            Some(_) => index += 1,
            None => return index,
        }
    }
    let mut col = 1;
    while col < column {
        match chars.peek() {
            Some('\n') | None => break,
            Some(_) => {
                chars.next();
                index += 1;
                col += 1;
            }
        }
    }
    index
}

/// Draws the editor over `text`: `language` is `"js"` or `"json"`, `id` keeps its scroll
/// position, `scroll_to_marker` brings the marker into view (once, when it is new).
#[allow(clippy::too_many_arguments)]
pub fn code_editor_ui(
    ui: &mut Ui,
    id: Id,
    text: &mut String,
    language: &str,
    rows: usize,
    max_height: f32,
    marker: Option<&Marker>,
    scroll_to_marker: bool,
    label: Option<Id>,
) -> EditorOutput {
    let theme = egui_extras::syntax_highlighting::CodeTheme::from_memory(ui.ctx(), ui.style());
    let mut layouter = |ui: &Ui, buffer: &dyn egui::TextBuffer, _wrap_width: f32| {
        let mut job = egui_extras::syntax_highlighting::highlight(
            ui.ctx(),
            ui.style(),
            &theme,
            buffer.as_str(),
            language,
        );
        // Code does not wrap: line numbers stay one per line.
        job.wrap.max_width = f32::INFINITY;
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let font: FontId = TextStyle::Monospace.resolve(ui.style());
    let lines = text.lines().count().max(1) + usize::from(text.ends_with('\n'));
    let digits = lines.to_string().len().max(2);
    let digit_width = ui.fonts_mut(|f| f.glyph_width(&font, '0'));
    let gutter = digit_width * digits as f32 + 12.0;
    let mut changed = false;
    egui::ScrollArea::both()
        .id_salt(id)
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                let (gutter_rect, _) =
                    ui.allocate_exact_size(vec2(gutter, 0.0), egui::Sense::hover());
                let edit = egui::TextEdit::multiline(text)
                    .code_editor()
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .layouter(&mut layouter);
                let output = edit.show(ui);
                if let Some(label) = label {
                    output.response.response.clone().labelled_by(label);
                }
                changed = output.response.changed();
                let painter = ui.painter();
                let visuals = ui.visuals();
                let weak = visuals.weak_text_color();
                let error = visuals.error_fg_color;
                let marker_row = marker.map(|m| m.line as usize);
                let mut number = 1usize;
                let mut line_start = true;
                for placed in &output.galley.rows {
                    let rect = placed.rect().translate(output.galley_pos.to_vec2());
                    if line_start {
                        let at = pos2(gutter_rect.right() - 6.0, rect.center().y);
                        let color = if marker_row == Some(number) {
                            error
                        } else {
                            weak
                        };
                        painter.text(
                            at,
                            egui::Align2::RIGHT_CENTER,
                            number.to_string(),
                            font.clone(),
                            color,
                        );
                    }
                    line_start = placed.ends_with_newline;
                    if placed.ends_with_newline {
                        number += 1;
                    }
                }
                let mut marker_rect = None;
                if let Some(m) = marker {
                    let index = char_index(output.galley.text(), m.line, m.column);
                    let at = output
                        .galley
                        .pos_from_cursor(CCursor::new(CharIndex(index)))
                        .translate(output.galley_pos.to_vec2());
                    let row = Rect::from_min_max(
                        pos2(gutter_rect.left(), at.top()),
                        pos2(output.response.rect.right(), at.bottom()),
                    );
                    painter.rect_filled(row, 0.0, error.gamma_multiply(0.12));
                    let x = at.left();
                    let y = at.bottom() - 1.0;
                    let w = digit_width.max(6.0);
                    // A small zigzag under the character.
                    let points: Vec<egui::Pos2> = (0..=4)
                        .map(|i| {
                            pos2(
                                x + w * i as f32 / 4.0,
                                y - if i % 2 == 0 { 0.0 } else { 2.0 },
                            )
                        })
                        .collect();
                    painter.add(egui::Shape::line(points, Stroke::new(1.5, error)));
                    painter.circle_filled(
                        pos2(gutter_rect.left() + 3.0, at.center().y),
                        2.5,
                        error,
                    );
                    let hover = ui.interact(row, id.with("marker"), egui::Sense::hover());
                    hover.on_hover_text(format!(
                        "Line {}, column {}: {}",
                        m.line, m.column, m.message
                    ));
                    marker_rect = Some(row);
                }
                if scroll_to_marker && let Some(rect) = marker_rect {
                    ui.scroll_to_rect(rect.expand(24.0), Some(egui::Align::Center));
                }
            });
        });
    EditorOutput { changed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_become_a_character_index() {
        let text = "ab\ncdé\n\nxyz";
        assert_eq!(char_index(text, 1, 1), 0);
        assert_eq!(char_index(text, 2, 3), 5);
        assert_eq!(char_index(text, 4, 2), 9);
        // A column past the line's end stops at it; a line past the end at the text's end.
        assert_eq!(char_index(text, 1, 40), 2);
        assert_eq!(char_index(text, 9, 1), text.chars().count());
    }
}
