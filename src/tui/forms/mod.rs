//! The console's forms. Each keeps its fields as `tui_input::Input`s; keys that are not
//! form actions (next/previous field, submit, cancel) edit the focused field.

pub mod campaign;
pub mod dnc;
pub mod field;
pub mod import;

use super::strings;
use super::theme::Theme;
use super::view::View;
use super::widgets;
use crossterm::event::{Event as TermEvent, KeyEvent};
use field::Field;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug)]
pub enum Form {
    Campaign(campaign::CampaignForm),
    Import(import::ImportForm),
    Dnc(dnc::DncForm),
}

impl Form {
    fn fields_mut(&mut self) -> (&mut Vec<Field>, &mut usize) {
        match self {
            Form::Campaign(f) => (&mut f.fields, &mut f.focused),
            Form::Import(f) => (&mut f.fields, &mut f.focused),
            Form::Dnc(f) => (&mut f.fields, &mut f.focused),
        }
    }

    pub fn focus_by(&mut self, delta: isize) {
        let (fields, focused) = self.fields_mut();
        let n = fields.len() as isize;
        *focused = ((*focused as isize + delta).rem_euclid(n)) as usize;
    }

    /// Types into the focused field.
    pub fn edit(&mut self, key: KeyEvent) {
        let (fields, focused) = self.fields_mut();
        if let Some(field) = fields.get_mut(*focused) {
            if let Some(why) = field.locked {
                field.error = Some(why.into());
                return;
            }
            field.input.handle_event(&TermEvent::Key(key));
            field.error = None;
        }
    }

    pub fn paste(&mut self, text: &str) {
        let (fields, focused) = self.fields_mut();
        if let Some(field) = fields.get_mut(*focused) {
            if let Some(why) = field.locked {
                field.error = Some(why.into());
                return;
            }
            let value = format!("{}{}", field.input.value(), text.replace(['\n', '\r'], ""));
            field.input = tui_input::Input::new(value);
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Form::Campaign(f) if f.editing.is_some() => strings::FORM_EDIT_CAMPAIGN,
            Form::Campaign(_) => strings::FORM_NEW_CAMPAIGN,
            Form::Import(_) => strings::FORM_IMPORT,
            Form::Dnc(_) => strings::FORM_DNC,
        }
    }
}

pub fn draw(frame: &mut Frame, form: &Form, view: &View) {
    let theme = &view.theme;
    let (width, height) = match form {
        Form::Campaign(_) => (90, 24),
        Form::Import(_) => (100, 22),
        Form::Dnc(_) => (80, 8),
    };
    let area = widgets::popup_area(frame.area(), width, height);
    let inner = widgets::popup_frame(frame, area, form.title(), theme);
    let hints = widgets::hint_line(view, &super::available::hinted(view), theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(hints), footer);
    match form {
        Form::Campaign(f) => field::draw_fields(frame, body, &f.fields, f.focused, theme),
        Form::Dnc(f) => field::draw_fields(frame, body, &f.fields, f.focused, theme),
        Form::Import(f) => draw_import(frame, body, f, theme),
    }
}

fn draw_import(frame: &mut Frame, area: Rect, form: &import::ImportForm, theme: &Theme) {
    let [fields_area, rest] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let heading = Line::from(Span::styled(
        strings::import_into(&form.campaign_name),
        theme.dim(),
    ));
    frame.render_widget(
        heading,
        Rect {
            height: 1,
            ..fields_area
        },
    );
    let fields_rect = Rect {
        y: fields_area.y + 1,
        height: 2,
        ..fields_area
    };
    if matches!(form.stage, import::ImportStage::Editing) {
        field::draw_fields(frame, fields_rect, &form.fields, form.focused, theme);
    } else {
        let lines: Vec<Line> = form
            .fields
            .iter()
            .map(|f| Line::from(format!("{}: {}", f.label, f.value())))
            .collect();
        frame.render_widget(Paragraph::new(lines), fields_rect);
    }
    let mut lines: Vec<Line> = Vec::new();
    match &form.stage {
        import::ImportStage::Editing => match &form.preview {
            None => lines.push(Line::styled(strings::FORM_NO_PREVIEW, theme.dim())),
            Some((_, Err(e))) => lines.push(Line::styled(e.clone(), theme.error())),
            Some((_, Ok(preview))) => {
                lines.push(Line::styled(strings::FORM_PREVIEW, theme.title()));
                match &preview.mapping {
                    Ok(mapping) => lines.push(Line::styled(mapping.clone(), theme.ok())),
                    Err(e) => lines.push(Line::styled(e.clone(), theme.error())),
                }
                lines.push(Line::styled(preview.headers.join(" │ "), theme.key()));
                for row in &preview.rows {
                    lines.push(Line::from(row.join(" │ ")));
                }
            }
        },
        import::ImportStage::Running => lines.push(Line::from(strings::FORM_IMPORTING)),
        import::ImportStage::Done(Err(e)) => lines.push(Line::styled(e.clone(), theme.error())),
        import::ImportStage::Done(Ok(report)) => {
            lines.push(Line::styled(strings::FORM_REPORT, theme.title()));
            lines.push(Line::styled(report.summary(), theme.ok()));
            for note in report.notes() {
                lines.push(Line::from(note));
            }
            for rejected in report.rejected_rows.iter().take(20) {
                lines.push(Line::styled(
                    strings::rejected_line(rejected.line, &rejected.reason),
                    theme.warn(),
                ));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect {
            y: rest.y + 1,
            height: rest.height.saturating_sub(1),
            ..rest
        },
    );
}
