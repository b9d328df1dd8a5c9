//! Each caller ID's answer rate over time, a line per number (the busiest
//! `MAX_CALLER_IDS`), so a number that carriers start to flag shows as its line falls
//! away from the others.

use super::time_axis;
use crate::store::chart_series::ChartSeries;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Rect};
use ratatui::symbols::Marker;
use ratatui::widgets::{Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, series: &ChartSeries) {
    let theme = &view.theme;
    let lines: Vec<Vec<(f64, f64)>> = series
        .caller_ids
        .iter()
        .map(|caller_id| {
            caller_id
                .rates
                .iter()
                .enumerate()
                .filter_map(|(i, rate)| rate.ratio().map(|r| (i as f64, r * 100.0)))
                .collect()
        })
        .collect();
    if lines.iter().all(Vec::is_empty) {
        frame.render_widget(
            Paragraph::new(strings::CHART_NO_CALLER_IDS).style(theme.dim()),
            area,
        );
        return;
    }
    let datasets = series
        .caller_ids
        .iter()
        .zip(&lines)
        .enumerate()
        .map(|(i, (caller_id, points))| {
            Dataset::default()
                .name(caller_id.caller_id.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.series(i))
                .data(points)
        })
        .collect();
    let chart = Chart::new(datasets)
        .x_axis(time_axis::axis(series, theme))
        .y_axis(time_axis::count_axis(100.0, "%", theme))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 1)));
    frame.render_widget(chart, area);
}
