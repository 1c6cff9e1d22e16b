//! Text that does not fit loses its beginning, not its end: for a field path or a file path the
//! end is what tells rows apart (`…[0].answer` and `…[1].answer`, `…Metadata.role`). The whole
//! text is the label screen readers get and the one tooltip shown on hover.

use std::borrow::Cow;

use egui::{FontId, Label, Response, RichText, Role, TextStyle, Ui, WidgetInfo};

/// The mark put where text was cut.
const ELLIPSIS: char = '…';

/// `text` cut at the start to fit `max_width`, as measured by `width_of` (per character).
pub fn elide_start(
    text: &str,
    max_width: f32,
    mut width_of: impl FnMut(char) -> f32,
) -> Cow<'_, str> {
    let total: f32 = text.chars().map(&mut width_of).sum();
    if total <= max_width {
        return Cow::Borrowed(text);
    }
    let budget = max_width - width_of(ELLIPSIS);
    let mut used = 0.0;
    let mut start = text.len();
    for (at, c) in text.char_indices().rev() {
        used += width_of(c);
        if used > budget {
            break;
        }
        start = at;
    }
    // Prefer to start at a segment (after a `.`, `/` or before `[`) when one is near.
    let tail = &text[start..];
    let cut = tail
        .char_indices()
        .take(12)
        .find(|&(i, c)| i > 0 && (c == '[' || tail[..i].ends_with(['.', '/', '\\'])))
        .map_or(0, |(i, _)| i);
    let mut out = String::with_capacity(tail.len() + 3);
    out.push(ELLIPSIS);
    out.push_str(&tail[cut..]);
    Cow::Owned(out)
}

/// A label of `text` in `style`, cut at the start to the width left in `ui`. Hovering shows one
/// tooltip: the whole text when it was cut, and `about` when given.
pub fn start_elided_label(
    ui: &mut Ui,
    text: &str,
    style: TextStyle,
    weak: bool,
    about: Option<&str>,
) -> Response {
    let font: FontId = style.resolve(ui.style());
    let width = ui.available_width().max(8.0);
    let shown = ui.fonts_mut(|f| elide_start(text, width, |c| f.glyph_width(&font, c)));
    let cut = matches!(shown, Cow::Owned(_));
    let mut rich = RichText::new(shown.as_ref()).font(font);
    if weak {
        rich = rich.color(ui.visuals().weak_text_color());
    }
    let response = ui.add(Label::new(rich).extend().show_tooltip_when_elided(false));
    response.widget_info(|| WidgetInfo::labeled(Role::Label, true, text));
    match (cut, about) {
        (true, Some(about)) => response.on_hover_text(format!("{text}\n\n{about}")),
        (true, None) => response.on_hover_text(text),
        (false, Some(about)) => response.on_hover_text(about),
        (false, None) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character 1 wide.
    fn one(_: char) -> f32 {
        1.0
    }

    #[test]
    fn text_that_fits_is_left_alone() {
        assert!(matches!(elide_start("abc", 3.0, one), Cow::Borrowed("abc")));
    }

    #[test]
    fn the_end_of_a_path_is_kept_and_rows_stay_apart() {
        let a = elide_start("questionWithAnswers[0].answer", 16.0, one);
        let b = elide_start("questionWithAnswers[1].answer", 16.0, one);
        assert_ne!(a, b);
        assert!(a.ends_with("[0].answer"), "{a}");
        assert!(a.starts_with('…'));
        assert!(a.chars().count() <= 16);
        let role = elide_start(
            "lastContentEventNotification.originatorMetadata.role",
            24.0,
            one,
        );
        assert_eq!(role, "…originatorMetadata.role");
    }

    #[test]
    fn a_very_narrow_place_keeps_the_last_characters() {
        assert_eq!(elide_start("abcdef", 3.0, one), "…ef");
        assert_eq!(elide_start("abcdef", 0.5, one), "…");
    }
}
