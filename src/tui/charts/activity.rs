//! Calls per minute and the answer rate over the campaign's life: two charts on one
//! time axis, calls above, the rate (`AnswerRate`) below. A bucket wider than a minute
//! shows its dials per minute, so the figure reads the same at every width; the bucket
//! under way shows the minutes gone by (`ChartSeries::dials_per_minute`).

use super::time_axis;
use crate::store::chart_series::ChartSeries;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::widgets::{Chart, Dataset, GraphType};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, series: &ChartSeries) {
    let theme = &view.theme;
    let calls: Vec<(f64, f64)> = (0..series.buckets.len())
        .filter_map(|i| {
            let rate = series.dials_per_minute(i, view.snapshot.at)?;
            Some((i as f64, rate))
        })
        .collect();
    // Buckets with no decided call have no rate: no point, rather than a fall to 0%.
    let rates: Vec<(f64, f64)> = series
        .buckets
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.rate.ratio().map(|r| (i as f64, r * 100.0)))
        .collect();
    let top = calls.iter().map(|(_, y)| *y).fold(0.0, f64::max) * 1.1;
    let [upper, lower] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    // Each chart's name is its y axis title: one line, where a legend would hide data.
    let calls_chart = Chart::new(vec![Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme.series(0))
        .data(&calls)])
    .x_axis(time_axis::axis(series, theme))
    .y_axis(time_axis::count_axis(top, "", theme).title(strings::CHART_CALLS_PER_MINUTE));
    frame.render_widget(calls_chart, upper);
    let rate_chart = Chart::new(vec![Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(theme.series(3))
        .data(&rates)])
    .x_axis(time_axis::axis(series, theme))
    .y_axis(time_axis::count_axis(100.0, "%", theme).title(strings::CHART_ANSWER_RATE));
    frame.render_widget(rate_chart, lower);
}
