//! Latency statistics of a batch: percentiles, histogram buckets, requests per second.

use std::time::Duration;

use serde::Serialize;

/// Latencies of a batch's requests, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencyStats {
    /// How many latencies.
    pub count: usize,
    /// The smallest.
    pub min: f64,
    /// The mean.
    pub mean: f64,
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The largest.
    pub max: f64,
}

impl LatencyStats {
    /// The statistics of `times` (any order; NaN values are ignored). All zero when empty.
    pub fn of(times: &[f64]) -> LatencyStats {
        let mut sorted: Vec<f64> = times.iter().copied().filter(|t| !t.is_nan()).collect();
        if sorted.is_empty() {
            return LatencyStats::default();
        }
        sorted.sort_unstable_by(f64::total_cmp);
        let sum: f64 = sorted.iter().sum();
        LatencyStats {
            count: sorted.len(),
            min: sorted[0],
            mean: sum / sorted.len() as f64,
            p50: percentile(&sorted, 50.0),
            p95: percentile(&sorted, 95.0),
            p99: percentile(&sorted, 99.0),
            max: sorted[sorted.len() - 1],
        }
    }
}

/// The `p`th percentile (nearest rank) of sorted values; 0 when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One histogram bar: the latencies in `[start_ms, end_ms)` (the last bar includes its end).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bucket {
    /// Where the bar starts.
    pub start_ms: f64,
    /// Where it ends.
    pub end_ms: f64,
    /// How many latencies fall in it.
    pub count: usize,
}

/// `buckets` bars of equal width from 0 to the largest latency.
pub fn histogram(times: &[f64], buckets: usize) -> Vec<Bucket> {
    let buckets = buckets.max(1);
    let max = times
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(0.0_f64, f64::max);
    let width = if max > 0.0 { max / buckets as f64 } else { 1.0 };
    let mut bars: Vec<Bucket> = (0..buckets)
        .map(|i| Bucket {
            start_ms: i as f64 * width,
            end_ms: (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for &t in times.iter().filter(|t| t.is_finite()) {
        let i = ((t.max(0.0) / width) as usize).min(buckets - 1);
        bars[i].count += 1;
    }
    bars
}

/// Completed requests per second of wall time; 0 when no time passed.
pub fn requests_per_s(count: usize, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let times: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let stats = LatencyStats::of(&times);
        assert_eq!(stats.count, 100);
        assert_eq!(stats.p50, 50.0);
        assert_eq!(stats.p95, 95.0);
        assert_eq!(stats.p99, 99.0);
        assert_eq!(stats.max, 100.0);
        assert_eq!(stats.min, 1.0);
        assert_eq!(stats.mean, 50.5);
        assert_eq!(LatencyStats::of(&[]), LatencyStats::default());
        assert_eq!(LatencyStats::of(&[7.0]).p99, 7.0);
    }

    #[test]
    fn histogram_buckets_cover_every_latency() {
        let bars = histogram(&[0.0, 1.0, 2.5, 5.0, 10.0], 4);
        assert_eq!(bars.len(), 4);
        assert_eq!(bars[0].start_ms, 0.0);
        assert_eq!(bars[3].end_ms, 10.0);
        assert_eq!(bars.iter().map(|b| b.count).sum::<usize>(), 5);
        assert_eq!(bars[0].count, 2);
        assert_eq!(bars[3].count, 1);
        assert_eq!(histogram(&[], 3).len(), 3);
    }

    #[test]
    fn rate_is_per_second() {
        assert_eq!(requests_per_s(500, Duration::from_millis(250)), 2000.0);
        assert_eq!(requests_per_s(5, Duration::ZERO), 0.0);
    }
}
