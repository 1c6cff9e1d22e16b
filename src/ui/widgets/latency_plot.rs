//! A batch's latency plots, drawn with egui_plot: a histogram of the response times and the
//! response times over the run, each with its p50, p95, p99 (and, on the histogram, max) lines
//! named in the legend. The plots are static against the page's scrolling; a box drawn with the
//! right button zooms in, a double click zooms back out.

use egui::{Color32, Ui, Vec2};
use egui_plot::{Bar, BarChart, Corner, HLine, Legend, Plot, PlotPoints, Points, VLine};

use crate::batch::{BatchResult, Bucket, LatencyStats};

/// Points drawn at most in the time series; beyond it every n-th result is drawn (and every
/// failure).
const SERIES_POINTS_MAX: usize = 4_000;

/// The markers: label, value in ms, colour.
fn markers(ui: &Ui, stats: &LatencyStats) -> [(&'static str, f64, Color32); 4] {
    let visuals = ui.visuals();
    [
        ("p50", stats.p50, visuals.hyperlink_color),
        ("p95", stats.p95, visuals.warn_fg_color),
        ("p99", stats.p99, Color32::from_rgb(230, 120, 40)),
        ("max", stats.max, visuals.error_fg_color),
    ]
}

/// The unit of the time axis for a run of `span_s` seconds: the factor from seconds, and the
/// axis label.
pub fn x_scale(span_s: f64) -> (f64, &'static str) {
    if span_s < 2.0 {
        (1000.0, "ms since the start")
    } else {
        (1.0, "s since the start")
    }
}

/// A plot of `size` that leaves the page's scrolling alone.
fn plot(id: &str, size: Vec2) -> Plot<'static> {
    Plot::new(id)
        .width(size.x)
        .height(size.y)
        .legend(
            Legend::default()
                .position(Corner::RightTop)
                .text_style(egui::TextStyle::Small)
                .follow_insertion_order(true),
        )
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .include_x(0.0)
        .include_y(0.0)
}

/// A latency histogram: a bar per bucket, the p50/p95/p99/max lines.
pub fn histogram_ui(ui: &mut Ui, size: Vec2, buckets: &[Bucket], stats: &LatencyStats) {
    ui.vertical(|ui| {
        ui.label("Latency histogram (ms)");
        if buckets.iter().all(|b| b.count == 0) {
            ui.weak("no results yet");
            return;
        }
        let color = ui.visuals().selection.bg_fill;
        let bars: Vec<Bar> = buckets
            .iter()
            .map(|b| {
                Bar::new((b.start_ms + b.end_ms) / 2.0, b.count as f64)
                    .width((b.end_ms - b.start_ms).max(1e-6))
                    .name(format!("{:.1}–{:.1} ms", b.start_ms, b.end_ms))
            })
            .collect();
        let markers = markers(ui, stats);
        plot("latency-histogram", size)
            .x_axis_label("ms")
            .y_axis_label("requests")
            .show(ui, |plot| {
                plot.bar_chart(
                    BarChart::new("requests", bars)
                        .color(color)
                        .element_formatter(Box::new(|bar, _| {
                            format!("{}: {} requests", bar.name, bar.value)
                        })),
                );
                for (label, value, color) in markers {
                    plot.vline(VLine::new(format!("{label} {value:.1} ms"), value).color(color));
                }
            });
    });
}

/// Latency over the run: one point per result (failures in the error colour), the
/// p50/p95/p99 lines.
pub fn series_ui(ui: &mut Ui, size: Vec2, results: &[BatchResult], stats: &LatencyStats) {
    ui.vertical(|ui| {
        ui.label("Latency over time (ms)");
        let sent: Vec<&BatchResult> = results.iter().filter(|r| r.sent).collect();
        if sent.is_empty() {
            ui.weak("no results yet");
            return;
        }
        let stride = sent.len().div_ceil(SERIES_POINTS_MAX).max(1);
        // A short run is told in milliseconds, so its axis does not read "0 s … 0.0 s".
        let span = sent.iter().map(|r| r.at_s).fold(0.0, f64::max);
        let (scale, x_label) = x_scale(span);
        let point = |r: &&BatchResult| [r.at_s * scale, r.time_ms];
        let passed: Vec<[f64; 2]> = sent
            .iter()
            .step_by(stride)
            .filter(|r| r.ok)
            .map(point)
            .collect();
        // Failures are few and matter: every one is drawn.
        let failed: Vec<[f64; 2]> = sent.iter().filter(|r| !r.ok).map(point).collect();
        // Passed points in the bars' colour, so the p50 line's colour stays its own.
        let (ok_color, bad_color) = (ui.visuals().selection.bg_fill, ui.visuals().error_fg_color);
        let markers = markers(ui, stats);
        plot("latency-series", size)
            .x_axis_label(x_label)
            .y_axis_label("ms")
            .show(ui, |plot| {
                if !passed.is_empty() {
                    let points = PlotPoints::from(passed);
                    plot.points(Points::new("passed", points).color(ok_color).radius(1.6));
                }
                if !failed.is_empty() {
                    let points = PlotPoints::from(failed);
                    plot.points(Points::new("failed", points).color(bad_color).radius(1.6));
                }
                for (label, value, color) in markers.into_iter().take(3) {
                    plot.hline(HLine::new(format!("{label} {value:.1} ms"), value).color(color));
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::x_scale;

    #[test]
    fn a_short_run_is_plotted_in_milliseconds() {
        assert_eq!(x_scale(0.004), (1000.0, "ms since the start"));
        assert_eq!(x_scale(30.0), (1.0, "s since the start"));
    }
}
