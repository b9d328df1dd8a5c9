//! Pane 2: calls in flight, one per slot, coloured by state (dialing, ringing,
//! active), with the time spent in the call so far.

use crate::domain::AttemptState;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::{Pane, View};
use crate::tui::widgets::pane_block;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

/// What the operator calls the state: an answered call is "active".
pub fn state_label(state: AttemptState) -> &'static str {
    match state {
        AttemptState::Answered => "active",
        other => other.as_str(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let focused = view.focus == Pane::Slots;
    let slots = view.visible_slots();
    // An active filter is named in the title, so an empty pane is never a mystery.
    let filter = view
        .filter
        .text()
        .map(|f| format!(" · /{f}"))
        .unwrap_or_default();
    let capacity = view
        .campaign()
        .map(|c| format!("{}/{}{filter}", c.slots.len(), c.max_concurrent));
    let block = pane_block(
        Pane::Slots.number(),
        strings::PANE_SLOTS,
        capacity,
        focused,
        theme,
    );
    if slots.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(strings::NO_CALLS, theme.dim())).block(block),
            area,
        );
        return;
    }
    // Only the rows that fit are built: a thousand calls cost what a screenful does.
    let height = area.height.saturating_sub(3) as usize;
    let selected = view.slot_selected.min(slots.len() - 1);
    let first = (selected + 1).saturating_sub(height.max(1));
    let rows = slots
        .iter()
        .enumerate()
        .skip(first)
        .take(height.max(1))
        .map(|(i, slot)| {
            let style = theme.call_state(slot.state);
            let elapsed = format::duration(view.now - slot.dialed_at);
            let name = slot.lead_name.clone().unwrap_or_else(|| slot.lead.label());
            let attempt = if slot.attempt_number > 1 {
                format!(" #{}", slot.attempt_number)
            } else {
                String::new()
            };
            Row::new(vec![
                Cell::from((i + 1).to_string()),
                Cell::from(format!("{name}{attempt}")),
                Cell::from(slot.phone.clone()),
                Cell::from(Line::styled(state_label(slot.state), style)),
                Cell::from(elapsed),
            ])
        });
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Min(10),
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(7),
        ],
    )
    .header(
        Row::new(vec![
            strings::COL_SLOT,
            strings::COL_LEAD,
            strings::COL_NUMBER,
            strings::COL_STATE,
            strings::COL_ELAPSED,
        ])
        .style(theme.dim()),
    )
    .row_highlight_style(if focused {
        theme.selected()
    } else {
        ratatui::style::Style::new()
    })
    .block(block);
    let mut state = TableState::default().with_selected(Some(selected - first));
    frame.render_stateful_widget(table, area, &mut state);
}
