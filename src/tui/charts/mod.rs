//! The charts view (`c`, `:charts`): the selected campaign's life drawn from one
//! `ChartSeries` the engine aggregates (`Query::Charts`), asked for when the view opens
//! and again every `REFRESH` while it stays open. Frames draw from that bounded series
//! alone, so a frame costs the same at a hundred attempts or a million.
//!
//! One chart per page with tabs (←/→) on a small screen; all six in a grid on a large
//! one, the selected framed. One file per chart; `time_axis.rs` is their shared x axis.

mod activity;
mod caller_ids;
mod histogram;
mod outcomes;
mod time_axis;
mod variants;

use super::format;
use super::strings;
use super::view::View;
use crate::domain::CampaignId;
use crate::store::chart_series::ChartSeries;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Tabs};
use ratatui::Frame;
use std::time::{Duration, Instant};

/// How often an open view asks for a fresh series, at most.
pub const REFRESH: Duration = Duration::from_secs(5);

/// A series that took long to read (a campaign of millions of calls) is asked for
/// less often: no sooner than this many times its last round trip, so an open view
/// keeps the engine's reader busy a small share of the time at any size.
const ROUND_TRIPS_BETWEEN_READS: u32 = 20;

/// From this size up every chart is shown at once.
const GRID_MIN_WIDTH: u16 = 150;
const GRID_MIN_HEIGHT: u16 = 40;

/// The charts, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Activity,
    Outcomes,
    CallerIds,
    Variants,
    RingTime,
    AgentJoin,
}

impl ChartKind {
    pub const ALL: [ChartKind; 6] = [
        ChartKind::Activity,
        ChartKind::Outcomes,
        ChartKind::CallerIds,
        ChartKind::Variants,
        ChartKind::RingTime,
        ChartKind::AgentJoin,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Activity => strings::CHART_ACTIVITY,
            ChartKind::Outcomes => strings::CHART_OUTCOMES,
            ChartKind::CallerIds => strings::CHART_CALLER_IDS,
            ChartKind::Variants => strings::CHART_VARIANTS,
            ChartKind::RingTime => strings::CHART_RING,
            ChartKind::AgentJoin => strings::CHART_AGENT_JOIN,
        }
    }
}

#[derive(Debug)]
pub struct ChartsState {
    pub campaign: CampaignId,
    pub campaign_name: String,
    /// Index into `ChartKind::ALL`.
    pub selected: usize,
    /// The latest series; kept while a fresh one loads, so the view never blanks.
    pub series: Option<Result<Box<ChartSeries>, String>>,
    /// A read is on its way.
    pub loading: bool,
    pub asked_at: Option<Instant>,
    /// How long the last series took to arrive.
    pub round_trip: Duration,
}

impl ChartsState {
    pub fn new(campaign: CampaignId, campaign_name: String) -> ChartsState {
        ChartsState {
            campaign,
            campaign_name,
            selected: 0,
            series: None,
            loading: false,
            asked_at: None,
            round_trip: Duration::ZERO,
        }
    }

    pub fn kind(&self) -> ChartKind {
        ChartKind::ALL[self.selected % ChartKind::ALL.len()]
    }

    pub fn next(&mut self) {
        self.selected = (self.selected + 1) % ChartKind::ALL.len();
    }

    pub fn prev(&mut self) {
        self.selected = (self.selected + ChartKind::ALL.len() - 1) % ChartKind::ALL.len();
    }

    /// Whether to ask for a fresh series at `now`: none on its way, and none asked
    /// within `REFRESH` (or `ROUND_TRIPS_BETWEEN_READS` round trips, if longer).
    pub fn refresh_due(&self, now: Instant) -> bool {
        let interval = REFRESH.max(self.round_trip * ROUND_TRIPS_BETWEEN_READS);
        !self.loading
            && self
                .asked_at
                .is_none_or(|at| now.saturating_duration_since(at) >= interval)
    }

    pub fn asking(&mut self, now: Instant) {
        self.loading = true;
        self.asked_at = Some(now);
    }

    /// A series arrived at `now`. A failed refresh keeps the charts already shown.
    pub fn apply(&mut self, result: Result<Box<ChartSeries>, String>, now: Instant) {
        self.loading = false;
        if let Some(at) = self.asked_at {
            self.round_trip = now.saturating_duration_since(at);
        }
        match (&self.series, result) {
            (Some(Ok(_)), Err(_)) => {}
            (_, result) => self.series = Some(result),
        }
    }
}

/// Draws the view over `area` (the panes' place).
pub fn draw(frame: &mut Frame, area: Rect, view: &View, state: &ChartsState) {
    frame.render_widget(Clear, area);
    let title = format!(" {} · {} ", strings::CHARTS_TITLE, state.campaign_name);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(view.theme.border(true))
        .title(Line::styled(title, view.theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let series = match &state.series {
        Some(Ok(series)) if !series.buckets.is_empty() => series,
        other => {
            let text = match other {
                Some(Err(e)) => e.as_str(),
                Some(Ok(_)) => strings::CHART_NO_CALLS,
                None => strings::QUEUE_LOADING,
            };
            frame.render_widget(Paragraph::new(text).style(view.theme.dim()), inner);
            return;
        }
    };
    let [body, basis] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Line::styled(
            strings::chart_basis(&format::count(series.attempts), series.bucket_secs),
            view.theme.dim(),
        )
        .right_aligned(),
        basis,
    );
    if area.width >= GRID_MIN_WIDTH && area.height >= GRID_MIN_HEIGHT {
        draw_grid(frame, body, view, state, series);
    } else {
        draw_tabs(frame, body, view, state, series);
    }
}

fn draw_tabs(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    state: &ChartsState,
    series: &ChartSeries,
) {
    let [tabs, chart] = Layout::vertical([Constraint::Length(1), Constraint::Min(2)]).areas(area);
    let titles = ChartKind::ALL.iter().map(|k| k.title());
    frame.render_widget(
        Tabs::new(titles)
            .select(state.selected)
            .style(view.theme.dim())
            .highlight_style(view.theme.selected())
            .divider("|")
            .padding("", ""),
        tabs,
    );
    draw_chart(frame, chart, view, state.kind(), series);
}

/// Three columns by two rows, in tab order.
fn draw_grid(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    state: &ChartsState,
    series: &ChartSeries,
) {
    let rows = Layout::vertical([Constraint::Ratio(1, 2); 2]).split(area);
    for (row_index, row) in rows.iter().enumerate() {
        let cells = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(*row);
        for (column, cell) in cells.iter().enumerate() {
            let index = row_index * 3 + column;
            let kind = ChartKind::ALL[index];
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(view.theme.border(index == state.selected))
                .title(Line::styled(
                    format!(" {} ", kind.title()),
                    view.theme.title(),
                ));
            let inner = block.inner(*cell);
            frame.render_widget(block, *cell);
            draw_chart(frame, inner, view, kind, series);
        }
    }
}

fn draw_chart(frame: &mut Frame, area: Rect, view: &View, kind: ChartKind, series: &ChartSeries) {
    match kind {
        ChartKind::Activity => activity::draw(frame, area, view, series),
        ChartKind::Outcomes => outcomes::draw(frame, area, view, series),
        ChartKind::CallerIds => caller_ids::draw(frame, area, view, series),
        ChartKind::Variants => variants::draw(frame, area, view, series),
        ChartKind::RingTime => histogram::draw(frame, area, view, &series.ring),
        ChartKind::AgentJoin => histogram::draw(frame, area, view, &series.agent_join),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_wait_for_the_last_answer_and_the_interval() {
        let mut state = ChartsState::new(CampaignId(1), "c".into());
        let start = Instant::now();
        assert!(state.refresh_due(start), "never asked");
        state.asking(start);
        assert!(!state.refresh_due(start + REFRESH * 2), "one on its way");
        state.apply(Err("gone".into()), start);
        assert!(matches!(state.series, Some(Err(_))));
        assert!(!state.refresh_due(start + REFRESH / 2));
        assert!(state.refresh_due(start + REFRESH));
        // A read that took a second is asked for every 20 s.
        let asked = start + REFRESH;
        state.asking(asked);
        state.apply(Err("slow".into()), asked + Duration::from_secs(1));
        assert!(!state.refresh_due(asked + REFRESH * 2));
        assert!(state.refresh_due(asked + Duration::from_secs(20)));
        let (mut moved, n) = (
            ChartsState::new(CampaignId(1), "c".into()),
            ChartKind::ALL.len(),
        );
        moved.prev();
        assert_eq!(moved.selected, n - 1);
        moved.next();
        assert_eq!(moved.kind(), ChartKind::Activity);
    }
}
