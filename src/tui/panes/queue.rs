//! Pane 3: the next leads in dialling order, with the attempt each will be and when a
//! retry is due. Paged from the store; see `tui/queue.rs`.

use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::{Pane, View};
use crate::tui::widgets::pane_block;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::borrow::Cow;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let focused = view.focus == Pane::Queue;
    let queue = &view.queue;
    let total = view.queue_total();
    let position = (!queue.rows.is_empty())
        .then(|| strings::queue_position(queue.selected_position() + 1, total));
    let block = pane_block(
        Pane::Queue.number(),
        strings::PANE_QUEUE,
        Some(format!(
            "{}{}",
            position.unwrap_or_else(|| format::count(total)),
            queue
                .filter
                .as_deref()
                .map(|f| format!(" · /{f}"))
                .unwrap_or_default()
        )),
        focused,
        theme,
    );
    if queue.rows.is_empty() {
        let text = if queue.loaded || view.campaign().is_none() {
            strings::QUEUE_EMPTY
        } else {
            strings::QUEUE_LOADING
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim())).block(block),
            area,
        );
        return;
    }
    let height = area.height.saturating_sub(3) as usize;
    let (first, rows) = queue.window(height.max(1));
    // Narrow panes drop the number column; the position column is as wide as its numbers.
    let with_number = area.width >= 56;
    let last_position = queue.position + (first + rows.len()) as u64;
    let position_width = format::count(last_position).len() as u16 + 1;
    let table_rows = rows.iter().enumerate().map(|(i, row)| {
        // Rows come in the engine's dialling order; a lead outside its calling window
        // is listed after those it will dial, and says why.
        let due = match row.due_at {
            _ if row.window_closed() => strings::WINDOW_CLOSED.to_owned(),
            Some(due) if due > view.now => format!("in {}", format::duration(due - view.now)),
            Some(_) => strings::DUE_NOW.to_owned(),
            None => strings::NEW_LEAD.to_owned(),
        };
        let mut cells = vec![
            Cell::from(format::count(queue.position + (first + i) as u64 + 1)),
            Cell::from(match &row.name {
                Some(name) => Cow::Borrowed(name.as_str()),
                None => Cow::Owned(row.lead.label()),
            }),
        ];
        if with_number {
            cells.push(Cell::from(row.phone.as_str()));
        }
        cells.push(Cell::from(row.next_attempt.to_string()));
        cells.push(Cell::from(Line::styled(
            due,
            if row.due_at.is_some() || row.window_closed() {
                theme.warn()
            } else {
                theme.dim()
            },
        )));
        Row::new(cells)
    });
    // The lead column is as wide as its longest name (up to 30) where the pane has
    // room, so a wide pane does not put a hundred blanks between name and number.
    let widest_lead = rows
        .iter()
        .map(|row| match &row.name {
            Some(name) => name.chars().count(),
            None => row.lead.label().chars().count(),
        })
        .chain([strings::COL_LEAD.len()])
        .max()
        .unwrap_or(0)
        .clamp(8, 30) as u16;
    let others = position_width + if with_number { 16 } else { 0 } + 4 + 10 + 2;
    let lead = if area.width.saturating_sub(2) >= others + widest_lead {
        Constraint::Length(widest_lead)
    } else {
        Constraint::Min(8)
    };
    let mut widths = vec![Constraint::Length(position_width), lead];
    let mut header = vec![strings::COL_SLOT, strings::COL_LEAD];
    if with_number {
        widths.push(Constraint::Length(15));
        header.push(strings::COL_NUMBER);
    }
    widths.extend([Constraint::Length(3), Constraint::Length(9)]);
    header.extend([strings::COL_ATTEMPT, strings::COL_DUE]);
    let table = Table::new(table_rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .row_highlight_style(if focused {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        })
        .block(block);
    let mut state = TableState::default().with_selected(Some(queue.selected - first));
    frame.render_stateful_widget(table, area, &mut state);
}
