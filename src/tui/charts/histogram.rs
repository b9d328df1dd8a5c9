//! A histogram (ring time, agent join) as bars over the report's own bins
//! (`domain::figures::Histogram`), labelled by each bin's lower edge; the last bin is
//! open-ended (the calls that rang until the timeout, the agents that came late).

use crate::domain::figures::Histogram;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &View, histogram: &Histogram) {
    let theme = &view.theme;
    let [bars_area, summary] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(area);
    let bins = histogram.counts.len().max(1) as u16;
    // As wide as the area allows, with a one-column gap.
    let bar_width = (bars_area.width / bins).saturating_sub(1).max(1);
    let labels = histogram.lower_edge_labels();
    let bars: Vec<Bar> = histogram
        .counts
        .iter()
        .zip(&labels)
        .map(|(n, label)| {
            Bar::default()
                .value(*n)
                .label(Line::from(label.clone()))
                .text_value(compact(*n))
                .style(theme.series(0))
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_width)
            .bar_gap(1)
            .value_style(theme.selected()),
        bars_area,
    );
    let all_labels = histogram.labels();
    let line = strings::histogram_summary(
        &format::count(histogram.total),
        all_labels.last().map(String::as_str).unwrap_or(""),
        &format::count(histogram.counts.last().copied().unwrap_or(0)),
    );
    frame.render_widget(Line::styled(line, theme.dim()), summary);
}

/// `950`, `12k`, `1.2M`: a count that fits a narrow bar.
fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}
