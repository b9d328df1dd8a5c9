//! Outcomes stacked over time: per bucket, the ended calls in five groups, answered at
//! the bottom. The groups follow the answer rate's own definition (`AnswerRate`):
//! what it counts as answered, what it leaves out (never placed, cut off, cancelled),
//! and the unanswered rest split by why.

use super::time_axis;
use crate::domain::figures::AnswerRate;
use crate::domain::Outcome;
use crate::store::chart_series::ChartSeries;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Rect};
use ratatui::symbols::Marker;
use ratatui::widgets::{Chart, Dataset, GraphType};
use ratatui::Frame;

/// The stack, bottom first.
const GROUPS: [&str; 5] = [
    strings::OUTCOME_ANSWERED,
    strings::OUTCOME_NO_ANSWER,
    strings::OUTCOME_BUSY,
    strings::OUTCOME_FAILED,
    strings::OUTCOME_NOT_COUNTED,
];

/// Which layer of the stack a call that ended this way is in.
pub fn group(outcome: Outcome) -> usize {
    if !AnswerRate::decides(outcome) {
        4
    } else if AnswerRate::counts_answered(outcome) {
        0
    } else {
        match outcome {
            Outcome::NoAnswer => 1,
            Outcome::Busy | Outcome::Rejected => 2,
            _ => 3,
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View, series: &ChartSeries) {
    let theme = &view.theme;
    // layers[g][i]: calls of groups 0..=g in bucket i, so each layer's top is the
    // stack's height so far; the tallest is drawn first and each lower one over it.
    let mut layers: Vec<Vec<(f64, f64)>> = (0..5)
        .map(|_| Vec::with_capacity(series.buckets.len()))
        .collect();
    for (i, bucket) in series.buckets.iter().enumerate() {
        let mut counts = [0u64; 5];
        for (outcome, n) in &bucket.outcomes {
            counts[group(*outcome)] += n;
        }
        let mut sum = 0;
        for (g, layer) in layers.iter_mut().enumerate() {
            sum += counts[g];
            layer.push((i as f64, sum as f64));
        }
    }
    let top = layers[4].iter().map(|(_, y)| *y).fold(0.0, f64::max) * 1.1;
    let datasets = layers
        .iter()
        .enumerate()
        .rev()
        .map(|(g, layer)| {
            Dataset::default()
                .name(GROUPS[g])
                .marker(Marker::HalfBlock)
                .graph_type(GraphType::Area)
                .style(theme.series(g + 1))
                .data(layer)
        })
        .collect();
    let chart = Chart::new(datasets)
        .x_axis(time_axis::axis(series, theme))
        .y_axis(time_axis::count_axis(top, "", theme))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 1)));
    frame.render_widget(chart, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_layer_as_the_answer_rate_counts_it() {
        for outcome in Outcome::ALL.iter().copied() {
            let g = group(outcome);
            assert_eq!(g == 0, AnswerRate::counts_answered(outcome), "{outcome}");
            assert_eq!(g == 4, !AnswerRate::decides(outcome), "{outcome}");
        }
        assert_eq!(group(Outcome::Busy), 2);
        assert_eq!(group(Outcome::TrunkFailure), 3);
    }
}
