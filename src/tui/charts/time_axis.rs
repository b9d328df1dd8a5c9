//! The x axis every time chart shares: bucket `i` at x = i, labelled with the times at
//! the start, the middle and the end (UTC, like the timeline), as dates once the
//! campaign spans more than a day.

use crate::store::chart_series::ChartSeries;
use crate::tui::theme::Theme;
use chrono::Duration;
use ratatui::widgets::Axis;

pub fn bounds(series: &ChartSeries) -> [f64; 2] {
    [0.0, (series.buckets.len().saturating_sub(1)).max(1) as f64]
}

pub fn axis(series: &ChartSeries, theme: &Theme) -> Axis<'static> {
    let [_, end] = bounds(series);
    let span = Duration::seconds(i64::from(series.bucket_secs) * end as i64);
    let label = |x: f64| match series.start {
        Some(start) => {
            let at = start + Duration::seconds((x * f64::from(series.bucket_secs)) as i64);
            let pattern = if span > Duration::days(1) {
                "%d %b %H:%M"
            } else {
                "%H:%M"
            };
            at.format(pattern).to_string()
        }
        None => String::new(),
    };
    Axis::default()
        .bounds([0.0, end])
        .labels([label(0.0), label(end / 2.0), label(end)])
        .style(theme.dim())
}

/// A y axis from 0 to `top` (at least 1) labelled at both ends and the middle.
pub fn count_axis(top: f64, unit: &str, theme: &Theme) -> Axis<'static> {
    let top = top.max(1.0);
    let label = |v: f64| {
        if top < 10.0 {
            format!("{v:.1}{unit}")
        } else {
            format!("{v:.0}{unit}")
        }
    };
    Axis::default()
        .bounds([0.0, top])
        .labels([label(0.0), label(top / 2.0), label(top)])
        .style(theme.dim())
}
