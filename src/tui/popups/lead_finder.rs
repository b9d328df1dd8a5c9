//! The lead finder (`/` on the queue and the timeline, or `find_lead`): what is typed
//! searches the whole campaign through the engine (`Query::LeadSearch`), not the rows
//! on screen; the results come a page at a time, and enter opens the chosen lead's
//! history. This file holds its state and draws it; `app/lead_finder.rs` changes it.

use crate::domain::{CampaignId, LeadId};
use crate::store::lead_search::LeadRow;
use crate::tui::action::Action;
use crate::tui::available;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tui_input::Input;

/// Leads asked for at once: a screenful or two; going down past them asks the next page.
pub const PAGE: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct LeadFinder {
    /// Where it searches; `None`: every campaign.
    pub campaign: Option<CampaignId>,
    pub campaign_name: Option<String>,
    pub input: Input,
    /// Every page that came back for the text, in lead id order.
    pub rows: Vec<LeadRow>,
    /// Where the next page starts; `None` when the last has come.
    pub next: Option<LeadId>,
    pub selected: usize,
    /// The latest search asked: answers to older ones are dropped.
    pub request: u64,
    /// A search is on its way.
    pub searching: bool,
    /// The search on its way is the next page of the rows shown, not a new text.
    pub appending: bool,
    pub error: Option<String>,
}

impl LeadFinder {
    pub fn new(campaign: Option<CampaignId>, campaign_name: Option<String>, text: &str) -> Self {
        LeadFinder {
            campaign,
            campaign_name,
            input: Input::new(text.to_owned()),
            ..Default::default()
        }
    }

    /// The text to search for (`None`: list the leads).
    pub fn text(&self) -> Option<String> {
        Some(self.input.value().trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    pub fn selected_row(&self) -> Option<&LeadRow> {
        self.rows.get(self.selected)
    }
}

pub fn draw(frame: &mut Frame, view: &View, finder: &LeadFinder) {
    let area = popup_area(frame.area(), 100, 30);
    let title = strings::finder_title(finder.campaign_name.as_deref());
    let inner = popup_frame(frame, area, &title, &view.theme);
    let [input, status, header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    draw_input(frame, input, view, finder);
    frame.render_widget(status_line(view, finder), status);
    let theme = &view.theme;
    frame.render_widget(
        Line::styled(row_text(&header_cells(), header.width), theme.dim()),
        header,
    );
    frame.render_widget(Paragraph::new(rows(view, finder, body)), body);
    let hints: Vec<Action> = available::hinted(view);
    frame.render_widget(hint_line(view, &hints, theme), footer);
}

fn draw_input(frame: &mut Frame, area: Rect, view: &View, finder: &LeadFinder) {
    let line = Line::from(vec![
        Span::styled(strings::FINDER_PROMPT, view.theme.key()),
        Span::raw(finder.input.value().to_owned()),
    ]);
    frame.render_widget(line, area);
    let x = area.x + strings::FINDER_PROMPT.len() as u16 + finder.input.visual_cursor() as u16;
    if x < area.right() {
        frame.set_cursor_position((x, area.y));
    }
}

fn status_line(view: &View, finder: &LeadFinder) -> Line<'static> {
    let theme = &view.theme;
    if let Some(error) = &finder.error {
        return Line::styled(error.clone(), theme.error());
    }
    if finder.searching && finder.rows.is_empty() {
        return Line::styled(strings::FINDER_SEARCHING, theme.dim());
    }
    if finder.rows.is_empty() {
        return Line::styled(
            if finder.text().is_some() {
                strings::FINDER_NOTHING
            } else {
                strings::FINDER_HELP
            },
            theme.dim(),
        );
    }
    let mut text = strings::finder_count(finder.rows.len(), finder.next.is_some());
    if finder.searching {
        text.push_str(&format!(" · {}", strings::FINDER_SEARCHING));
    } else if finder.next.is_some() {
        text.push_str(&format!(" · {}", strings::FINDER_MORE));
    }
    Line::styled(text, theme.dim())
}

/// The rows that fit, scrolled so the selected one shows.
fn rows(view: &View, finder: &LeadFinder, area: Rect) -> Vec<Line<'static>> {
    let height = area.height.max(1) as usize;
    let first = finder.selected.saturating_sub(height - 1);
    finder
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, row)| {
            let text = row_text(&cells(row, view), area.width);
            if i == finder.selected {
                Line::styled(text, view.theme.selected())
            } else {
                Line::raw(text)
            }
        })
        .collect()
}

/// Column widths: id, phone, name, state, calls, last outcome, last call. The name
/// takes what the others leave.
const WIDTHS: [usize; 7] = [7, 15, 0, 10, 2, 14, 6];

/// Named as the panes name them: a lead's number is `Number` everywhere.
fn header_cells() -> [String; 7] {
    [
        strings::COL_LEAD,
        strings::COL_NUMBER,
        strings::COL_NAME,
        strings::COL_STATE,
        strings::COL_CALLS,
        strings::COL_LAST_OUTCOME,
        strings::COL_LAST_CALL,
    ]
    .map(str::to_owned)
}

fn cells(row: &LeadRow, view: &View) -> [String; 7] {
    let called = row.last_attempt_at.map_or("-".into(), |at| {
        if at.date_naive() == view.now.date_naive() {
            at.format("%H:%M").to_string()
        } else {
            at.format("%b %d").to_string()
        }
    });
    [
        row.lead.label(),
        row.phone.clone(),
        row.name.clone().unwrap_or_else(|| "-".into()),
        row.state.as_str().to_owned(),
        row.attempts.to_string(),
        row.last_outcome.map_or("-", |o| o.as_str()).to_owned(),
        called,
    ]
}

/// One line of `width` columns, the name cut to fit.
fn row_text(cells: &[String; 7], width: u16) -> String {
    let fixed: usize = WIDTHS.iter().sum::<usize>() + WIDTHS.len();
    let name_width = (width as usize).saturating_sub(fixed).max(8);
    let mut out = String::new();
    for (cell, width) in cells.iter().zip(WIDTHS) {
        let width = if width == 0 { name_width } else { width };
        let cut: String = cell.chars().take(width).collect();
        out.push_str(&format!("{cut:<width$} "));
    }
    out.trim_end().to_owned()
}
