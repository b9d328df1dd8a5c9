//! One labelled text field of a form, with its validation message beside it.

use super::super::theme::Theme;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::Frame;
use tui_input::Input;

#[derive(Debug, Clone)]
pub struct Field {
    /// The settings field this edits, as `SettingsError::field` names it.
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
    /// Shown dimmed when there is no error: the format expected.
    pub hint: &'static str,
    pub error: Option<String>,
    /// Why this field cannot be changed now (a running campaign's agent, trunk, …):
    /// shown in place of the hint, and typing into it says so.
    pub locked: Option<&'static str>,
}

impl Field {
    pub fn new(
        key: &'static str,
        label: &'static str,
        value: impl Into<String>,
        hint: &'static str,
    ) -> Field {
        Field {
            key,
            label,
            input: Input::new(value.into()),
            hint,
            error: None,
            locked: None,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value().trim()
    }

    /// `None` for an empty field.
    pub fn optional(&self) -> Option<String> {
        Some(self.value().to_owned()).filter(|v| !v.is_empty())
    }
}

/// Draws `fields` one per line into `area`, scrolled so the focused one is visible,
/// and puts the cursor in the focused field.
pub fn draw_fields(frame: &mut Frame, area: Rect, fields: &[Field], focused: usize, theme: &Theme) {
    let label_width = fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0) as u16
        + 2;
    let height = area.height as usize;
    let first = (focused + 1).saturating_sub(height);
    for (row, (index, field)) in fields
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .enumerate()
    {
        let y = area.y + row as u16;
        let is_focused = index == focused;
        let label_style = if is_focused {
            theme.key()
        } else {
            theme.title()
        };
        let input_width = (area.width.saturating_sub(label_width) / 2).clamp(8, 36);
        let scroll = field.input.visual_scroll(input_width as usize - 1);
        let shown: String = field
            .input
            .value()
            .chars()
            .skip(scroll)
            .take(input_width as usize - 1)
            .collect();
        let pad = " ".repeat((input_width as usize).saturating_sub(shown.chars().count()));
        let input_style = if is_focused {
            theme.selected()
        } else {
            theme.dim()
        };
        let mut spans = vec![
            Span::styled(
                format!("{:>w$} ", field.label, w = label_width as usize - 1),
                label_style,
            ),
            Span::styled(format!("{shown}{pad}"), input_style),
            Span::raw(" "),
        ];
        match &field.error {
            Some(error) => spans.push(Span::styled(format!("✗ {error}"), theme.error())),
            None => spans.push(Span::styled(
                field.locked.unwrap_or(field.hint),
                theme.dim(),
            )),
        }
        frame.render_widget(
            Line::from(spans),
            Rect {
                x: area.x,
                y,
                width: area.width,
                height: 1,
            },
        );
        if is_focused {
            let cursor = (field.input.visual_cursor().saturating_sub(scroll)) as u16;
            frame.set_cursor_position(Position {
                x: area.x + label_width + cursor,
                y,
            });
        }
    }
}
