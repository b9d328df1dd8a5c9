//! A lead with every call made to it: each attempt's outcome, SIP status, ring and talk
//! time and its full event timeline, plus the lead's variables. From here the operator
//! can end the live call, retry now, or put the number on the DNC list.

use crate::store::views::{AttemptHistory, LeadHistory};
use crate::tui::available;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::view::{DetailState, View};
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn lines(history: &LeadHistory, theme: &Theme) -> Vec<Line<'static>> {
    let lead = &history.lead;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                lead.name.clone().unwrap_or_else(|| lead.id.label()),
                theme.title(),
            ),
            Span::raw(format!("  {}  ", lead.phone)),
            Span::styled(lead.state.as_str(), theme.key()),
        ]),
        Line::from(strings::lead_facts(
            &lead.id.label(),
            history.attempts.len(),
            lead.attempts,
            lead.priority,
            lead.timezone.as_deref(),
            lead.import_line,
        )),
    ];
    if let Some(due) = lead.next_attempt_at {
        lines.push(Line::styled(
            strings::retry_due(&due.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            theme.warn(),
        ));
    }
    // A lead with several numbers lists each with what its calls came to.
    if history.numbers.len() > 1 {
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::DETAIL_NUMBERS, theme.title()));
        for (i, number) in history.numbers.iter().enumerate() {
            let calls =
                strings::number_calls(number.attempts, number.last_outcome.map(|o| o.as_str()));
            let mut spans = vec![
                Span::styled(format!("  {}. ", i + 1), theme.dim()),
                Span::raw(format!("{:<16} ", number.phone)),
                Span::raw(calls),
            ];
            if number.retired {
                spans.push(Span::styled(
                    format!("  {}", strings::DETAIL_RETIRED),
                    theme.warn(),
                ));
            }
            lines.push(Line::from(spans));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(strings::DETAIL_VARIABLES, theme.title()));
    if lead.variables.is_empty() {
        lines.push(Line::styled(
            format!("  {}", strings::DETAIL_NO_VARIABLES),
            theme.dim(),
        ));
    }
    for (key, value) in &lead.variables {
        let value = value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        lines.push(Line::from(vec![
            Span::styled(format!("  {key}: "), theme.dim()),
            Span::raw(value),
        ]));
    }
    if history.attempts.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::DETAIL_NO_ATTEMPTS, theme.dim()));
    }
    let several_numbers = history.numbers.len() > 1;
    // Numbered as stored, 1..n, so the blocks agree with the count above; the stored
    // `number` repeats after a call that did not count (not placed, no agent).
    for (i, attempt) in history.attempts.iter().enumerate() {
        lines.push(Line::from(""));
        lines.extend(attempt_lines(i + 1, attempt, several_numbers, theme));
    }
    lines
}

/// `several_numbers`: the lead has more than one, so each attempt says which it dialled.
fn attempt_lines(
    ordinal: usize,
    attempt: &AttemptHistory,
    several_numbers: bool,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut facts = vec![attempt.id.label()];
    if attempt
        .state
        .outcome()
        .is_some_and(|o| !o.counts_as_attempt())
    {
        facts.push(strings::DETAIL_NOT_COUNTED.to_owned());
    }
    if several_numbers {
        facts.push(attempt.phone.clone());
    }
    if let Some(caller_id) = &attempt.caller_id {
        facts.push(format!("{} {caller_id}", strings::DETAIL_FROM));
    }
    if let Some(code) = attempt.sip_status_code {
        facts.push(
            format!(
                "SIP {code} {}",
                attempt.sip_status.clone().unwrap_or_default()
            )
            .trim()
            .to_owned(),
        );
    }
    if let Some(ring) = attempt.ring_time() {
        facts.push(format!(
            "{} {}",
            strings::DETAIL_RING,
            format::duration(ring)
        ));
    }
    if let Some(talk) = attempt.talk_time() {
        facts.push(format!(
            "{} {}",
            strings::DETAIL_TALK,
            format::duration(talk)
        ));
    }
    if let Some(d) = &attempt.disposition {
        facts.push(d.clone());
    }
    if let Some(reason) = &attempt.disconnect_reason {
        facts.push(match attempt.state.outcome() {
            Some(outcome) => crate::domain::end_cause::describe(reason, outcome),
            None => reason.clone(),
        });
    }
    if let Some(error) = &attempt.error {
        facts.push(error.clone());
    }
    if let Some(variant) = &attempt.variant {
        facts.push(format!("{} {variant}", strings::DETAIL_VARIANT));
    }
    match (&attempt.recording, &attempt.recording_error) {
        (Some(location), _) => facts.push(format!("{} {location}", strings::DETAIL_RECORDING)),
        (None, Some(error)) => facts.push(format!("{} {error}", strings::DETAIL_RECORDING_FAILED)),
        (None, None) => {}
    }
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} {ordinal} ", strings::DETAIL_ATTEMPT),
            theme.title(),
        ),
        Span::styled(attempt.state.as_str(), theme.call_state(attempt.state)),
        Span::raw(format!("  {}", facts.join(" · "))),
    ])];
    for step in &attempt.steps {
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", format::clock(step.at)), theme.dim()),
            Span::styled(format!("{:<18}", step.kind), theme.event_kind(&step.kind)),
            Span::raw(step.detail.clone()),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame, view: &View, detail: &DetailState) {
    let area = popup_area(frame.area(), 96, 40);
    let inner = popup_frame(frame, area, strings::DETAIL_TITLE, &view.theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let content = match &detail.history {
        None => vec![Line::styled(strings::DETAIL_LOADING, view.theme.dim())],
        Some(Err(e)) => vec![Line::styled(e.clone(), view.theme.error())],
        Some(Ok(history)) => lines(history, &view.theme),
    };
    frame.render_widget(
        Paragraph::new(content)
            .wrap(Wrap { trim: false })
            .scroll((detail.scroll, 0)),
        body,
    );
    frame.render_widget(
        hint_line(view, &available::hinted(view), &view.theme),
        footer,
    );
}
