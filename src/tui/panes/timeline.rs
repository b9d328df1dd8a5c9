//! Pane 4: the selected campaign's call events, newest at the bottom. Follows new
//! events until the operator scrolls back; `G` follows again.

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
    let focused = view.focus == Pane::Timeline;
    let timeline = &view.timeline;
    let mode = if timeline.follow {
        strings::FOLLOWING
    } else {
        strings::SCROLLED_BACK
    };
    let block = pane_block(
        Pane::Timeline.number(),
        strings::PANE_TIMELINE,
        Some(mode.to_owned()),
        focused,
        theme,
    );
    if timeline.is_empty() {
        let text = if timeline.loading_newest {
            strings::QUEUE_LOADING
        } else {
            strings::TIMELINE_EMPTY
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.dim())).block(block),
            area,
        );
        return;
    }
    let height = (area.height.saturating_sub(3) as usize).max(1);
    let filter = view.filter.text().filter(|_| focused);
    let mut lines: Vec<Row> = Vec::with_capacity(height);
    // At the oldest row, a marker line says whether more is coming or this is all.
    let at_top =
        timeline.window(height).0 == 0 && (timeline.reached_start || timeline.loading_older);
    let (first, entries) = if at_top && height > 1 {
        let marker = if timeline.loading_older {
            strings::TIMELINE_LOADING_OLDER
        } else {
            strings::TIMELINE_START
        };
        lines.push(Row::new(vec![
            Cell::from(""),
            Cell::from(Line::styled(marker, theme.dim())),
        ]));
        timeline.window(height - 1)
    } else {
        timeline.window(height)
    };
    let selected = timeline.selected_index();
    let mut highlight = None;
    for (i, entry) in entries.enumerate() {
        if filter.is_some_and(|f| !entry.matches(f)) {
            continue;
        }
        if first + i == selected {
            highlight = Some(lines.len());
        }
        lines.push(Row::new(vec![
            Cell::from(format::clock(entry.at)),
            Cell::from(entry.lead_label.as_str()),
            Cell::from(Line::styled(
                entry.kind.as_str(),
                theme.event_kind(&entry.kind),
            )),
            Cell::from(entry.detail.as_str()),
        ]));
    }
    let table = Table::new(
        lines,
        [
            Constraint::Length(8),
            // Narrow panes give the lead less room so event names stay whole.
            Constraint::Length(if area.width < 90 { 13 } else { 18 }),
            Constraint::Length(16),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(vec![
            strings::COL_TIME,
            strings::COL_LEAD,
            strings::COL_EVENT,
            strings::COL_DETAIL,
        ])
        .style(theme.dim()),
    )
    .row_highlight_style(if focused && !timeline.follow {
        theme.selected()
    } else {
        ratatui::style::Style::new()
    })
    .block(block);
    let mut state = TableState::default().with_selected(highlight);
    frame.render_stateful_widget(table, area, &mut state);
}
