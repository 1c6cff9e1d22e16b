//! Colours and small shared widgets. Both themes are adjusted so every text colour the console
//! uses (normal, secondary, error, warning, links, notes, success) reads at 4.5:1 or more on
//! every background it is drawn on (WCAG AA); egui's own secondary text is about 2.6:1.

use egui::{Color32, RichText, Theme, Ui, Visuals};

use crate::payload::Severity;

/// The text colours of each theme: (normal, secondary, error, warning, link).
fn palette(theme: Theme) -> [Color32; 5] {
    match theme {
        Theme::Dark => [
            Color32::from_gray(200),
            Color32::from_gray(150),
            Color32::from_rgb(255, 110, 110),
            Color32::from_rgb(255, 143, 0),
            Color32::from_rgb(90, 170, 255),
        ],
        Theme::Light => [
            Color32::from_gray(40),
            Color32::from_gray(95),
            Color32::from_rgb(190, 20, 20),
            Color32::from_rgb(165, 80, 0),
            Color32::from_rgb(0, 100, 190),
        ],
    }
}

/// The visuals of `theme` with the console's text colours.
pub fn visuals(theme: Theme) -> Visuals {
    let mut visuals = theme.default_visuals();
    let [text, weak, error, warn, link] = palette(theme);
    visuals.widgets.noninteractive.fg_stroke.color = text;
    visuals.weak_text_color = Some(weak);
    visuals.error_fg_color = error;
    visuals.warn_fg_color = warn;
    visuals.hyperlink_color = link;
    visuals
}

/// Gives both themes the console's text colours.
pub fn apply_contrast(ctx: &egui::Context) {
    for theme in [Theme::Dark, Theme::Light] {
        ctx.set_visuals_of(theme, visuals(theme));
    }
}

/// The colour of a finding of this severity in the current theme.
pub fn severity_color(ui: &Ui, severity: Severity) -> Color32 {
    match severity {
        Severity::Error => ui.visuals().error_fg_color,
        Severity::Warning => ui.visuals().warn_fg_color,
        Severity::Info => info_color(ui.visuals()),
    }
}

/// Notes (info findings) in the current theme.
pub fn info_color(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(120, 170, 230)
    } else {
        Color32::from_rgb(30, 90, 170)
    }
}

/// Success in the current theme.
pub fn ok_color(visuals: &Visuals) -> Color32 {
    if visuals.dark_mode {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(20, 120, 40)
    }
}

/// Shows an error in the error colour, wrapped.
pub fn error_label(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
}

/// Shows a warning in the warning colour, wrapped.
pub fn warn_label(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
}

/// What a history read skipped, in the operator's words (`None` when it skipped nothing).
pub fn skipped_lines(skipped: usize) -> Option<String> {
    (skipped > 0).then(|| {
        format!(
            "{skipped} line{} of the history file could not be read and {} skipped.",
            if skipped == 1 { "" } else { "s" },
            if skipped == 1 { "was" } else { "were" }
        )
    })
}

/// A severity as a short coloured word.
pub fn severity_text(ui: &Ui, severity: Severity) -> RichText {
    RichText::new(severity.as_str()).color(severity_color(ui, severity))
}

/// "pass" in the success colour, or "FAIL" in the error colour.
pub fn verdict_ui(ui: &mut Ui, ok: bool) {
    if ok {
        ui.colored_label(ok_color(ui.visuals()), "pass");
    } else {
        ui.colored_label(ui.visuals().error_fg_color, "FAIL");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG relative luminance.
    fn luminance(c: Color32) -> f64 {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    }

    fn contrast(a: Color32, b: Color32) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_text_colour_reads_at_4_5_to_1_on_every_background() {
        for theme in [Theme::Dark, Theme::Light] {
            let v = visuals(theme);
            // Panels, windows, text fields and the stripes of striped tables.
            let stripe = if v.dark_mode {
                Color32::from_gray(v.panel_fill.r().saturating_add(8))
            } else {
                Color32::from_gray(v.panel_fill.r().saturating_sub(8))
            };
            let backgrounds = [v.panel_fill, v.window_fill, v.extreme_bg_color, stripe];
            let texts = [
                ("text", v.text_color()),
                ("secondary", v.weak_text_color()),
                ("error", v.error_fg_color),
                ("warning", v.warn_fg_color),
                ("link", v.hyperlink_color),
                ("note", info_color(&v)),
                ("success", ok_color(&v)),
            ];
            for (name, color) in texts {
                for bg in backgrounds {
                    let ratio = contrast(color, bg);
                    assert!(
                        ratio >= 4.5,
                        "{theme:?}: {name} {color:?} on {bg:?} is {ratio:.2}:1"
                    );
                }
            }
            // Secondary text stays apart from normal text.
            assert!(contrast(v.text_color(), v.weak_text_color()) > 1.4);
        }
    }

    #[test]
    fn egui_s_own_secondary_text_is_what_this_fixes() {
        let v = Theme::Dark.default_visuals();
        assert!(contrast(v.weak_text_color(), v.panel_fill) < 4.5);
    }

    /// Every character beyond ASCII the console's own code uses (read from its source).
    fn characters_used() -> std::collections::BTreeSet<char> {
        fn visit(dir: &std::path::Path, found: &mut std::collections::BTreeSet<char>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    visit(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    // Comments are not drawn.
                    let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
                    found.extend(code.flat_map(str::chars).filter(|c| !c.is_ascii()));
                }
            }
        }
        let mut found = std::collections::BTreeSet::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
            &mut found,
        );
        found
    }

    #[test]
    fn the_bundled_fonts_draw_every_character_the_console_writes() {
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        let used = characters_used();
        assert!(used.contains(&'…'), "the source was read");
        for font in [
            egui::FontId::proportional(14.0),
            egui::FontId::monospace(14.0),
        ] {
            let missing: String = used
                .iter()
                .filter(|c| !ctx.fonts_mut(|f| f.has_glyph(&font, **c)))
                .collect();
            assert!(missing.is_empty(), "no glyph in {font:?} for {missing:?}");
        }
    }
}
