//! The A/B variants' answer rates, each with its 95% Wilson interval (`wilson`, the A/B
//! table's own): a horizontal line from the interval's low to its high with a block at
//! the rate, one row per variant, and the figures written out beneath. Intervals that
//! do not overlap are a real difference.

use crate::store::chart_series::ChartSeries;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, series: &ChartSeries) {
    let theme = &view.theme;
    let rows: Vec<_> = series
        .variants
        .iter()
        .filter_map(|v| v.interval.map(|i| (v, i)))
        .collect();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(strings::CHART_NO_VARIANTS).style(theme.dim()),
            area,
        );
        return;
    }
    let text_rows = (rows.len() as u16).min(area.height / 2);
    let [chart_area, text_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(text_rows)]).areas(area);
    // Variant k sits at y = k; the axis runs one row past each end so none is on an edge.
    let intervals: Vec<[(f64, f64); 2]> = rows
        .iter()
        .enumerate()
        .map(|(k, (_, i))| [(i.low * 100.0, k as f64), (i.high * 100.0, k as f64)])
        .collect();
    let rates: Vec<(f64, f64)> = rows
        .iter()
        .enumerate()
        .map(|(k, (_, i))| (i.rate * 100.0, k as f64))
        .collect();
    let low = rows.iter().map(|(_, i)| i.low).fold(1.0, f64::min) * 100.0;
    let high = rows.iter().map(|(_, i)| i.high).fold(0.0, f64::max) * 100.0;
    let (low, high) = ((low - 5.0).max(0.0).floor(), (high + 5.0).min(100.0).ceil());
    let mut datasets: Vec<Dataset> = intervals
        .iter()
        .enumerate()
        .map(|(k, points)| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.series(k))
                .data(points)
        })
        .collect();
    datasets.push(
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .data(&rates),
    );
    let names = std::iter::once(String::new())
        .chain(rows.iter().map(|(v, _)| v.variant.clone()))
        .chain(std::iter::once(String::new()));
    let pct = |v: f64| format!("{v:.0}%");
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([low, high])
                .labels([pct(low), pct((low + high) / 2.0), pct(high)])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([-1.0, rows.len() as f64])
                .labels(names)
                .style(theme.dim()),
        );
    frame.render_widget(chart, chart_area);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(k, (v, i))| {
            Line::styled(
                strings::variant_interval(
                    &v.variant,
                    i.rate,
                    i.low,
                    i.high,
                    &format::count(v.rate.decided),
                ),
                theme.series(k),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), text_area);
}
