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
    let shown: Vec<&CallerIdHealth> = numbers.iter().take(MAX_ROWS).collect();
    let columns = fitting_columns(&shown, area.width.saturating_sub(2));
    let rows = shown.iter().map(|number| {
        let (state, style) = state_of(number, view);
        let mut cells = vec![Cell::from(number.number.clone())];
        if columns.today.is_some() {
            cells.push(Cell::from(today(number)));
        }
        if columns.answered.is_some() {
            cells.push(Cell::from(number.health().to_string()));
        }
        cells.push(Cell::from(Line::styled(state, style)));
        Row::new(cells)
    });
    let mut widths = vec![Constraint::Length(columns.number)];
    let mut header = vec![strings::COL_CALLER_ID];
    if let Some(width) = columns.today {
        widths.push(Constraint::Length(width));
        header.push(strings::COL_TODAY);
    }
    if let Some(width) = columns.answered {
        widths.push(Constraint::Length(width));
        header.push(strings::COL_ANSWERED_50);
    }
    widths.push(Constraint::Min(STATE_WIDTH));
    header.push(strings::COL_STATE);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border(false))
                .title(Line::styled(title, theme.title())),
        );
    frame.render_widget(table, area);
}

/// The widest state label ("resting").
const STATE_WIDTH: u16 = 7;

/// The columns' widths, `None` for a column left out. The number is always whole:
/// on a narrow pane the answer rate goes first, then today's count.
struct Columns {
    number: u16,
    today: Option<u16>,
    answered: Option<u16>,
}

fn fitting_columns(numbers: &[&CallerIdHealth], width: u16) -> Columns {
    let widest = |header: &str, cell: &dyn Fn(&CallerIdHealth) -> String| {
        numbers
            .iter()
            .map(|n| cell(n).chars().count())
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0) as u16
    };
    let number = widest(strings::COL_CALLER_ID, &|n| n.number.clone());
    let today_width = widest(strings::COL_TODAY, &today);
    let answered_width = widest(strings::COL_ANSWERED_50, &|n| n.health().to_string());
    // Each column after the first takes a space before it.
    let fits = |middle: &[u16]| {
        number + middle.iter().map(|w| w + 1).sum::<u16>() + 1 + STATE_WIDTH <= width
    };
    if fits(&[today_width, answered_width]) {
        Columns {
            number,
            today: Some(today_width),
            answered: Some(answered_width),
        }
    } else if fits(&[today_width]) {
        Columns {
            number,
            today: Some(today_width),
            answered: None,
        }
    } else {
        Columns {
            number,
            today: None,
            answered: None,
        }
    }
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
