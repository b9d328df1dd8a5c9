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

/// `text` in lines of at most `width` columns, broken between words (a word longer
/// than a line is broken inside).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line = word.into_iter().collect();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draws `fields` one per line into `area` (an error wraps onto the lines below its
/// field, under itself, rather than being cut), scrolled so the focused one is
/// visible, and puts the cursor in the focused field.
pub fn draw_fields(frame: &mut Frame, area: Rect, fields: &[Field], focused: usize, theme: &Theme) {
    if fields.is_empty() {
        return;
    }
    let label_width = fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0) as u16
        + 2;
    let input_width = (area.width.saturating_sub(label_width) / 2).clamp(8, 36);
    let note_x = label_width + input_width + 1;
    let note_width = area.width.saturating_sub(note_x) as usize;
    let notes: Vec<Vec<String>> = fields
        .iter()
        .map(|field| match &field.error {
            Some(error) => wrap_words(&format!("✗ {error}"), note_width),
            None => vec![field.locked.unwrap_or(field.hint).to_owned()],
        })
        .collect();
    // The first field shown: the earliest that leaves the focused one whole on screen.
    let height = area.height as usize;
    let focused_end = focused.min(fields.len().saturating_sub(1));
    let rows = |from: usize| {
        notes[from..=focused_end]
            .iter()
            .map(Vec::len)
            .sum::<usize>()
    };
    let first = (0..focused_end)
        .find(|&from| rows(from) <= height)
        .unwrap_or(focused_end);
    let mut y = area.y;
    for (index, field) in fields.iter().enumerate().skip(first) {
        if y >= area.bottom() {
            break;
        }
        let is_focused = index == focused;
        let label_style = if is_focused {
            theme.key()
        } else {
            theme.title()
        };
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
        let note_style = match field.error {
            Some(_) => theme.error(),
            None => theme.dim(),
        };
        let mut note_lines = notes[index].iter();
        let spans = vec![
            Span::styled(
                format!("{:>w$} ", field.label, w = label_width as usize - 1),
                label_style,
            ),
            Span::styled(format!("{shown}{pad}"), input_style),
            Span::raw(" "),
            Span::styled(note_lines.next().cloned().unwrap_or_default(), note_style),
        ];
        let row = |y: u16| Rect {
            x: area.x,
            y,
            width: area.width,
            height: 1,
        };
        frame.render_widget(Line::from(spans), row(y));
        if is_focused {
            let cursor = (field.input.visual_cursor().saturating_sub(scroll)) as u16;
            frame.set_cursor_position(Position {
                x: area.x + label_width + cursor,
                y,
            });
        }
        y += 1;
        for more in note_lines {
            if y >= area.bottom() {
                break;
            }
            let indent = " ".repeat(note_x as usize);
            frame.render_widget(
                Line::from(vec![
                    Span::raw(indent),
                    Span::styled(more.clone(), note_style),
                ]),
                row(y),
            );
            y += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn words_wrap_whole_and_long_ones_break() {
        assert_eq!(
            wrap_words("explicit dispatch needs the agent", 12),
            ["explicit", "dispatch", "needs the", "agent"]
        );
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
    }
}
