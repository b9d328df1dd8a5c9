//! Under the campaigns pane, for a campaign with a caller-ID pool: each number with its
//! calls today (against its cap), its answer rate over its last 50 calls, and whether it
//! is resting or at its cap. Not focusable: it only shows.

use crate::store::caller_ids::CallerIdHealth;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

/// Rows shown at most; a bigger pool shows its first numbers and says how many more.
pub const MAX_ROWS: usize = 6;

/// Lines the section takes for `rows` numbers (borders and header included); 0 hides it.
pub fn height(rows: usize) -> u16 {
    if rows == 0 {
        0
    } else {
        rows.min(MAX_ROWS) as u16 + 3
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let numbers = &view.caller_ids.rows;
    let more = numbers.len().saturating_sub(MAX_ROWS);
    let title = if more > 0 {
        format!(" {} (+{more}) ", strings::PANE_CALLER_IDS)
    } else {
        format!(" {} ", strings::PANE_CALLER_IDS)
    };
    let rows = numbers.iter().take(MAX_ROWS).map(|number| {
        let (state, style) = state_of(number, view);
        Row::new(vec![
            Cell::from(number.number.clone()),
            Cell::from(today(number)),
            Cell::from(number.health().to_string()),
            Cell::from(Line::styled(state, style)),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(15),
            Constraint::Length(7),
            Constraint::Length(11),
            Constraint::Min(6),
        ],
    )
    .header(
        Row::new(vec![
            strings::COL_CALLER_ID,
            strings::COL_TODAY,
            strings::COL_ANSWERED_50,
            strings::COL_STATE,
        ])
        .style(theme.dim()),
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(false))
            .title(Line::styled(title, theme.title())),
    );
    frame.render_widget(table, area);
}

/// `41/200`, or `41` without a cap.
fn today(number: &CallerIdHealth) -> String {
    match number.cap {
        Some(cap) => format!("{}/{cap}", number.calls_today),
        None => number.calls_today.to_string(),
    }
}

fn state_of(number: &CallerIdHealth, view: &View) -> (String, ratatui::style::Style) {
    let theme = &view.theme;
    // The column is narrow: when the rest ends, and why, are in `status` and on the
    // timeline.
    if number.resting_until.is_some() {
        return (strings::RESTING.into(), theme.warn());
    }
    if number
        .cap
        .is_some_and(|cap| number.calls_today >= u64::from(cap))
    {
        return (strings::AT_CAP.into(), theme.warn());
    }
    (strings::IN_USE.into(), theme.ok())
}
