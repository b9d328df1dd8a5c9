//! Pane 1: every campaign with its status and progress.

use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::{Pane, View};
use crate::tui::widgets::pane_block;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let focused = view.focus == Pane::Campaigns;
    let campaigns = view.visible_campaigns();
    let block = pane_block(
        Pane::Campaigns.number(),
        strings::PANE_CAMPAIGNS,
        Some(campaigns.len().to_string()),
        focused,
        theme,
    );
    if campaigns.is_empty() {
        let key = view.keymap.hint(Action::NewCampaign).unwrap_or_default();
        let text = Line::styled(strings::NO_CAMPAIGNS.replace("{new}", &key), theme.dim());
        frame.render_widget(
            Paragraph::new(text)
                .block(block)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let rows = campaigns.iter().map(|c| {
        let pct = c.progress().ratio().unwrap_or(0.0);
        let live = if c.slots.is_empty() {
            String::new()
        } else {
            format!(" ☎{}", c.slots.len())
        };
        Row::new(vec![
            Cell::from(c.name.clone()),
            Cell::from(Line::styled(
                c.status.as_str(),
                theme.campaign_status(c.status),
            )),
            Cell::from(format!("{}{live}", format::percent(pct))),
        ])
    });
    let selected = view
        .selected_campaign
        .and_then(|id| campaigns.iter().position(|c| c.id == id));
    let table = Table::new(
        rows,
        [
            Constraint::Min(8),
            Constraint::Length(9),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new(vec![
            strings::COL_NAME,
            strings::COL_STATUS,
            strings::COL_PROGRESS,
        ])
        .style(theme.dim()),
    )
    .row_highlight_style(if focused {
        theme.selected()
    } else {
        theme.title()
    })
    .block(block);
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}
