//! `a`: the selected campaign's A/B table (calls, answer rate, talk time, the leading
//! disposition's rate with its 95% interval, the verdict) and the project's outbound
//! trunks with the campaigns that dial through each. Both come through the engine.

use crate::tui::action::Action;
use crate::tui::strings;
use crate::tui::view::{AgentsState, View};
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, view: &View, state: &AgentsState) {
    let area = popup_area(frame.area(), 100, 24);
    let inner = popup_frame(frame, area, strings::AGENTS_TITLE, &view.theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(lines(view, state)).wrap(Wrap { trim: false }),
        body,
    );
    frame.render_widget(hint_line(view, &[Action::Close], &view.theme), footer);
}

pub fn lines(view: &View, state: &AgentsState) -> Vec<Line<'static>> {
    let theme = &view.theme;
    let mut lines = vec![Line::styled(strings::AGENTS_VARIANTS, theme.title())];
    match &state.variants {
        _ if state.campaign.is_none() => lines.push(Line::from(strings::AGENTS_NO_CAMPAIGN)),
        None => lines.push(Line::styled(strings::QUEUE_LOADING, theme.dim())),
        Some(Err(e)) => lines.push(Line::from(e.clone())),
        Some(Ok(None)) => lines.push(Line::from(strings::AGENTS_NO_VARIANTS)),
        Some(Ok(Some(report))) => {
            let leading = report
                .leading_disposition
                .clone()
                .unwrap_or_else(|| "-".into());
            lines.push(Line::styled(
                format!(
                    "{:<12} {:>6} {:>7} {:>9}  {leading} (95% interval)",
                    "variant", "calls", "answer", "avg talk"
                ),
                theme.dim(),
            ));
            for row in &report.rows {
                let percent = |r: Option<f64>| {
                    r.map(|r| format!("{:.0}%", r * 100.0))
                        .unwrap_or_else(|| "-".into())
                };
                let talk = row
                    .avg_talk_secs
                    .map(|s| format!("{s:.0} s"))
                    .unwrap_or_else(|| "-".into());
                let interval = row
                    .leading
                    .map(|i| {
                        format!(
                            "{:.0}% ({:.0}-{:.0}%)",
                            i.rate * 100.0,
                            i.low * 100.0,
                            i.high * 100.0
                        )
                    })
                    .unwrap_or_else(|| "-".into());
                lines.push(Line::from(format!(
                    "{:<12} {:>6} {:>7} {:>9}  {interval}",
                    row.variant,
                    row.calls,
                    percent(row.answer_rate),
                    talk
                )));
                let shares: Vec<String> = row
                    .disposition_shares
                    .iter()
                    .map(|(d, s)| format!("{d} {:.0}%", s * 100.0))
                    .collect();
                if !shares.is_empty() {
                    lines.push(Line::styled(
                        format!("  {}", shares.join(", ")),
                        theme.dim(),
                    ));
                }
            }
            lines.push(Line::from(report.verdict.clone()));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(strings::AGENTS_TRUNKS, theme.title()));
    match &state.trunks {
        None => lines.push(Line::styled(strings::QUEUE_LOADING, theme.dim())),
        Some(Err(e)) => lines.push(Line::from(e.clone())),
        Some(Ok(trunks)) if trunks.is_empty() => lines.push(Line::from(strings::AGENTS_NO_TRUNKS)),
        Some(Ok(trunks)) => {
            for trunk in trunks {
                let users: Vec<String> = trunk
                    .campaigns
                    .iter()
                    .map(|(id, name)| format!("{} {name}", id.label()))
                    .collect();
                let used = if users.is_empty() {
                    strings::AGENTS_TRUNK_UNUSED.to_string()
                } else {
                    users.join(", ")
                };
                lines.push(Line::from(format!(
                    "{}  {}  {}  {}",
                    trunk.id,
                    trunk.name,
                    trunk.address,
                    trunk.numbers.join(", ")
                )));
                lines.push(Line::styled(format!("  used by: {used}"), theme.dim()));
            }
        }
    }
    lines
}
