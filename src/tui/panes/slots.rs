//! Pane 2: calls in flight, one per slot, coloured by state (dialing, ringing,
//! active), with the time spent in the call so far.

use crate::domain::AttemptState;
use crate::engine::SlotView;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::{Pane, View};
use crate::tui::widgets::pane_block;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;
use std::borrow::Cow;

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
    let slots = Visible::of(view);
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
    if slots.len() == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled(strings::NO_CALLS, theme.dim())).block(block),
            area,
        );
        return;
    }
    // Only the rows that fit are built: a thousand calls cost what a screenful does.
    let height = area.height.saturating_sub(3) as usize;
    let selected = view.slot_selected.min(slots.len() - 1);
    let ring_timeout = view
        .campaign()
        .map_or(chrono::Duration::MAX, |c| c.ring_timeout());
    let first = (selected + 1).saturating_sub(height.max(1));
    let shown = slots.range(first, height.max(1));
    let leads: Vec<Cow<str>> = shown.iter().map(|slot| lead_label(slot)).collect();
    let columns = Columns::fitting(&shown, &leads, area.width.saturating_sub(2));
    let rows = shown
        .iter()
        .zip(leads)
        .enumerate()
        .map(|(i, (slot, lead))| {
            let style = theme.call_state(slot.state);
            // Ringing never shows past the ring timeout; an answered call shows its talk.
            let elapsed = slot
                .clock(view.now, ring_timeout)
                .map(|c| format::duration(c.elapsed()))
                .unwrap_or_default();
            let mut cells = vec![
                Cell::from((first + i + 1).to_string()),
                Cell::from(lead),
                Cell::from(slot.phone.as_str()),
            ];
            if columns.caller_id {
                cells.push(Cell::from(caller_id_label(slot)));
            }
            if columns.variant.is_some() {
                cells.push(Cell::from(slot.variant.clone().unwrap_or_default()));
            }
            cells.push(Cell::from(Line::styled(state_label(slot.state), style)));
            cells.push(Cell::from(elapsed));
            Row::new(cells)
        });
    let mut widths = vec![Constraint::Length(4), columns.lead, Constraint::Length(16)];
    let mut header = vec![strings::COL_SLOT, strings::COL_LEAD, strings::COL_NUMBER];
    if columns.caller_id {
        widths.push(Constraint::Length(16));
        header.push(strings::COL_CALLER_ID);
    }
    if let Some(width) = columns.variant {
        widths.push(Constraint::Length(width));
        header.push(strings::COL_VARIANT);
    }
    widths.extend([Constraint::Length(8), Constraint::Length(7)]);
    header.extend([strings::COL_STATE, strings::COL_ELAPSED]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .row_highlight_style(if focused {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        })
        .block(block);
    let mut state = TableState::default().with_selected(Some(selected - first));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The lead as the pane names it, with the attempt's number from the second on.
fn lead_label(slot: &SlotView) -> Cow<'_, str> {
    match (&slot.lead_name, slot.attempt_number) {
        (Some(name), 0 | 1) => Cow::Borrowed(name),
        (Some(name), n) => Cow::Owned(format!("{name} #{n}")),
        (None, 0 | 1) => Cow::Owned(slot.lead.label()),
        (None, n) => Cow::Owned(format!("{} #{n}", slot.lead.label())),
    }
}

/// The number presented: none yet while the call waits for its row, the trunk's own
/// when the campaign has no pool.
fn caller_id_label(slot: &SlotView) -> &str {
    match (&slot.caller_id, slot.state) {
        (Some(number), _) => number,
        (None, AttemptState::Queued) => "",
        (None, _) => crate::domain::TRUNK_NUMBER,
    }
}

/// The lead column is as wide as its longest name (up to `LEAD_MAX`), and what a
/// wide pane has left shows the caller ID (when a call presents one of its own) and,
/// for an A/B campaign, the variant.
struct Columns {
    lead: Constraint,
    caller_id: bool,
    variant: Option<u16>,
}

const LEAD_MIN: u16 = 10;
const LEAD_MAX: u16 = 30;
/// Slot, number, state and elapsed with the spaces between all five columns.
const FIXED: u16 = 4 + 16 + 8 + 7 + 4;

impl Columns {
    fn fitting(slots: &[&SlotView], leads: &[Cow<str>], width: u16) -> Columns {
        let lead = leads
            .iter()
            .map(|l| l.chars().count() as u16)
            .chain([strings::COL_LEAD.len() as u16])
            .max()
            .unwrap_or(0)
            .clamp(LEAD_MIN, LEAD_MAX);
        let variant = slots
            .iter()
            .filter_map(|s| s.variant.as_deref())
            .map(|v| v.chars().count() as u16)
            .max()
            .map(|widest| widest.max(strings::COL_VARIANT.len() as u16));
        let fits = |extra: u16| width >= FIXED + lead + extra;
        // A campaign without a pool or caller ID presents the trunk's number on every
        // call: a column saying so on each row tells nothing.
        let caller_id = fits(17) && slots.iter().any(|s| s.caller_id.is_some());
        let caller_id_room = if caller_id { 17 } else { 0 };
        let variant = variant.filter(|w| fits(caller_id_room + 1 + w));
        Columns {
            lead: if fits(caller_id_room) {
                Constraint::Length(lead)
            } else {
                Constraint::Min(LEAD_MIN)
            },
            caller_id,
            variant,
        }
    }
}

/// The calls the pane lists. Unfiltered, that is the campaign's slots as they are, so a
/// frame touches only the rows it shows; a filter has to look at every call.
enum Visible<'a> {
    All(&'a [SlotView]),
    Filtered(Vec<&'a SlotView>),
}

impl<'a> Visible<'a> {
    fn of(view: &'a View) -> Visible<'a> {
        match (view.filter.text(), view.campaign()) {
            (None, Some(campaign)) => Visible::All(&campaign.slots),
            (None, None) => Visible::All(&[]),
            (Some(_), _) => Visible::Filtered(view.visible_slots()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Visible::All(slots) => slots.len(),
            Visible::Filtered(slots) => slots.len(),
        }
    }

    /// Up to `count` calls from position `first`.
    fn range(&self, first: usize, count: usize) -> Vec<&'a SlotView> {
        match self {
            Visible::All(slots) => slots.iter().skip(first).take(count).collect(),
            Visible::Filtered(slots) => slots.iter().skip(first).take(count).copied().collect(),
        }
    }
}
