//! Latency plots of a batch drawn with the painter (egui_plot has no release for this egui): a
//! histogram and a time series, each with p50, p95, p99 and max marked.

use egui::accesskit::Role;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Ui, Vec2, WidgetInfo, pos2, vec2};

use crate::batch::{BatchResult, Bucket, LatencyStats};

/// Points drawn at most in the time series; beyond it every n-th result is drawn.
const SERIES_POINTS_MAX: usize = 4_000;

/// Room around the plotting area for the axis labels.
const MARGIN_LEFT: f32 = 44.0;
const MARGIN_BOTTOM: f32 = 18.0;
const MARGIN_TOP: f32 = 16.0;

/// The markers: label, value in ms, colour.
fn markers(ui: &Ui, stats: &LatencyStats) -> [(&'static str, f64, Color32); 4] {
    let warn = ui.visuals().warn_fg_color;
    let error = ui.visuals().error_fg_color;
    [
        ("p50", stats.p50, ui.visuals().hyperlink_color),
        ("p95", stats.p95, warn),
        ("p99", stats.p99, Color32::from_rgb(230, 120, 40)),
        ("max", stats.max, error),
    ]
}

/// Allocates a plot of `size`, returning its painter, the plotting rect and the hover position.
fn frame(ui: &mut Ui, size: Vec2, name: &str) -> (egui::Painter, Rect, Option<Pos2>) {
    let (response, painter) = ui.allocate_painter(size, Sense::hover());
    response.widget_info(|| WidgetInfo::labeled(Role::Image, true, name));
    let outer = response.rect;
    let visuals = ui.visuals();
    painter.rect_filled(outer, 2.0, visuals.extreme_bg_color);
    let plot = Rect::from_min_max(
        pos2(outer.left() + MARGIN_LEFT, outer.top() + MARGIN_TOP),
        pos2(outer.right() - 8.0, outer.bottom() - MARGIN_BOTTOM),
    );
    let axis = Stroke::new(1.0, visuals.weak_text_color());
    painter.line_segment([plot.left_bottom(), plot.right_bottom()], axis);
    painter.line_segment([plot.left_bottom(), plot.left_top()], axis);
    painter.text(
        pos2(outer.left() + 4.0, outer.top() + 2.0),
        Align2::LEFT_TOP,
        name,
        FontId::proportional(11.0),
        visuals.text_color(),
    );
    (painter, plot, response.hover_pos())
}

fn small_text(painter: &egui::Painter, pos: Pos2, align: Align2, text: String, color: Color32) {
    painter.text(pos, align, text, FontId::proportional(10.0), color);
}

/// Draws a vertical (`vertical`) or horizontal marker line at `at` with its label.
fn marker_line(
    painter: &egui::Painter,
    plot: Rect,
    at: f32,
    vertical: bool,
    label: String,
    color: Color32,
    slot: usize,
) {
    let stroke = Stroke::new(1.0, color);
    if vertical {
        painter.line_segment([pos2(at, plot.top()), pos2(at, plot.bottom())], stroke);
        let y = plot.top() + 2.0 + slot as f32 * 11.0;
        small_text(painter, pos2(at + 2.0, y), Align2::LEFT_TOP, label, color);
    } else {
        painter.line_segment([pos2(plot.left(), at), pos2(plot.right(), at)], stroke);
        let x = plot.right() - 2.0 - slot as f32 * 70.0;
        small_text(
            painter,
            pos2(x, at - 1.0),
            Align2::RIGHT_BOTTOM,
            label,
            color,
        );
    }
}

/// A latency histogram: bars of the buckets, the p50/p95/p99/max lines.
pub fn histogram_ui(ui: &mut Ui, size: Vec2, buckets: &[Bucket], stats: &LatencyStats) {
    let (painter, plot, hover) = frame(ui, size, "Latency histogram (ms)");
    let weak = ui.visuals().weak_text_color();
    let top = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let max_ms = buckets.last().map_or(1.0, |b| b.end_ms).max(1e-6);
    if top == 0 || buckets.is_empty() {
        small_text(
            &painter,
            plot.center(),
            Align2::CENTER_CENTER,
            "no results yet".into(),
            weak,
        );
        return;
    }
    let x_of = |ms: f64| plot.left() + (ms / max_ms) as f32 * plot.width();
    let bar_color = ui.visuals().selection.bg_fill;
    let mut hovered = None;
    for bucket in buckets {
        let height = bucket.count as f32 / top as f32 * plot.height();
        let rect = Rect::from_min_max(
            pos2(x_of(bucket.start_ms) + 0.5, plot.bottom() - height),
            pos2(x_of(bucket.end_ms) - 0.5, plot.bottom()),
        );
        painter.rect_filled(rect, 0.0, bar_color);
        if hover.is_some_and(|p| p.x >= rect.left() && p.x < rect.right() && plot.contains(p)) {
            hovered = Some(bucket);
        }
    }
    for (slot, (label, value, color)) in markers(ui, stats).into_iter().enumerate() {
        let text = format!("{label} {value:.1}");
        marker_line(&painter, plot, x_of(value), true, text, color, slot);
    }
    small_text(
        &painter,
        plot.left_bottom() + vec2(0.0, 2.0),
        Align2::LEFT_TOP,
        "0".into(),
        weak,
    );
    let end = format!("{max_ms:.1} ms");
    small_text(
        &painter,
        plot.right_bottom() + vec2(0.0, 2.0),
        Align2::RIGHT_TOP,
        end,
        weak,
    );
    small_text(
        &painter,
        plot.left_top() - vec2(4.0, 0.0),
        Align2::RIGHT_TOP,
        top.to_string(),
        weak,
    );
    if let Some(bucket) = hovered {
        let text = format!(
            "{:.1}-{:.1} ms: {}",
            bucket.start_ms, bucket.end_ms, bucket.count
        );
        let color = ui.visuals().text_color();
        small_text(&painter, plot.center_top(), Align2::CENTER_TOP, text, color);
    }
}

/// Latency over time: one point per result (failures in the error colour), p50/p95/p99 lines.
pub fn series_ui(ui: &mut Ui, size: Vec2, results: &[BatchResult], stats: &LatencyStats) {
    let (painter, plot, hover) = frame(ui, size, "Latency over time (ms)");
    let weak = ui.visuals().weak_text_color();
    let sent: Vec<&BatchResult> = results.iter().filter(|r| r.sent).collect();
    if sent.is_empty() {
        small_text(
            &painter,
            plot.center(),
            Align2::CENTER_CENTER,
            "no results yet".into(),
            weak,
        );
        return;
    }
    let max_ms = stats.max.max(1e-6) * 1.05;
    let end_s = sent
        .iter()
        .map(|r| r.at_s)
        .fold(0.0_f64, f64::max)
        .max(1e-3);
    let x_of = |s: f64| plot.left() + (s / end_s) as f32 * plot.width();
    let y_of = |ms: f64| plot.bottom() - (ms / max_ms) as f32 * plot.height();
    let (ok_color, bad_color) = (ui.visuals().hyperlink_color, ui.visuals().error_fg_color);
    let stride = sent.len().div_ceil(SERIES_POINTS_MAX).max(1);
    for r in sent.iter().step_by(stride) {
        let color = if r.ok { ok_color } else { bad_color };
        painter.circle_filled(pos2(x_of(r.at_s), y_of(r.time_ms)), 1.6, color);
    }
    // Failures are few and matter: draw them all, also between the strided points.
    if stride > 1 {
        for r in sent.iter().filter(|r| !r.ok) {
            painter.circle_filled(pos2(x_of(r.at_s), y_of(r.time_ms)), 1.6, bad_color);
        }
    }
    for (slot, (label, value, color)) in markers(ui, stats).into_iter().take(3).enumerate() {
        let text = format!("{label} {value:.1}");
        marker_line(&painter, plot, y_of(value), false, text, color, slot);
    }
    let top = format!("{:.1}", stats.max);
    small_text(
        &painter,
        pos2(plot.left() - 4.0, y_of(stats.max)),
        Align2::RIGHT_CENTER,
        top,
        weak,
    );
    small_text(
        &painter,
        plot.left_bottom() + vec2(0.0, 2.0),
        Align2::LEFT_TOP,
        "0 s".into(),
        weak,
    );
    let end = format!("{end_s:.1} s");
    small_text(
        &painter,
        plot.right_bottom() + vec2(0.0, 2.0),
        Align2::RIGHT_TOP,
        end,
        weak,
    );
    if let Some(p) = hover.filter(|p| plot.contains(*p)) {
        let s = f64::from((p.x - plot.left()) / plot.width()) * end_s;
        let ms = f64::from((plot.bottom() - p.y) / plot.height()) * max_ms;
        let text = format!("{s:.2} s · {ms:.1} ms");
        let color = ui.visuals().text_color();
        small_text(&painter, plot.center_top(), Align2::CENTER_TOP, text, color);
    }
}
