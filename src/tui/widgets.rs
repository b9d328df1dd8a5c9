//! Pieces every pane and popup draws with: bordered blocks, centred popups and the
//! key-hint line built from the active keymap.

use super::action::Action;
use super::strings;
use super::theme::Theme;
use super::view::View;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use ratatui::Frame;

/// A pane's block: `1 Campaigns`, highlighted when focused.
pub fn pane_block<'a>(
    number: usize,
    title: &'a str,
    extra: Option<String>,
    focused: bool,
    theme: &Theme,
) -> Block<'a> {
    let mut spans = vec![
        Span::styled(
            format!(" {number} "),
            if focused { theme.key() } else { theme.dim() },
        ),
        Span::styled(title, theme.title()),
    ];
    if let Some(extra) = extra {
        spans.push(Span::styled(format!(" {extra}"), theme.dim()));
    }
    spans.push(Span::raw(" "));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(Line::from(spans))
}

/// A `width` x `height` rectangle centred in `area`, shrunk to fit.
pub fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let width = width
        .min(area.width.saturating_sub(2))
        .max(1.min(area.width));
    let height = height
        .min(area.height.saturating_sub(2))
        .max(1.min(area.height));
    Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    }
}

/// Clears `area`, draws a titled border and returns the inside.
pub fn popup_frame(frame: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            theme.title(),
        )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// [`hint_line`] in `width` columns: when the actions do not all fit, the last ones
/// not `pinned` are left out (whole, never cut), so `pinned` (help, quit) always show.
pub fn hint_line_fitting<'a>(
    view: &View,
    actions: &[Action],
    pinned: &[Action],
    width: u16,
    theme: &Theme,
) -> Line<'a> {
    let mut shown: Vec<Action> = actions
        .iter()
        .copied()
        .filter(|a| view.keymap.hint(*a).is_some())
        .collect();
    let cost = |actions: &[Action]| -> usize {
        actions
            .iter()
            .map(|a| {
                let key = view.keymap.hint(*a).unwrap_or_default();
                let label = strings::hint_label(view, *a);
                key.chars().count() + 1 + label.chars().count()
            })
            .sum::<usize>()
            + 2 * actions.len().saturating_sub(1)
    };
    while cost(&shown) > usize::from(width) {
        match shown.iter().rposition(|a| !pinned.contains(a)) {
            Some(i) => {
                shown.remove(i);
            }
            None => break,
        }
    }
    hint_line(view, &shown, theme)
}

/// `s start  p pause  ? help` for `actions` that have a key in the active keymap.
pub fn hint_line<'a>(view: &View, actions: &[Action], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for action in actions {
        if let Some(key) = view.keymap.hint(*action) {
            if !spans.is_empty() {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(key, theme.key()));
            spans.push(Span::raw(format!(
                " {}",
                strings::hint_label(view, *action)
            )));
        }
    }
    Line::from(spans)
}
