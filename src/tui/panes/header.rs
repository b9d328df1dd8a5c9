//! The selected campaign at a glance: status and why, progress, outcomes, answer rate,
//! ring and talk times, the dial rate over the last half hour, and an ETA.

use crate::domain::figures::Progress;
use crate::domain::CampaignStatus;
use crate::engine::CampaignView;
use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::strings;
use crate::tui::view::View;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Sparkline};
use ratatui::Frame;

pub const HEIGHT: u16 = 5;

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let block = Block::default()
        .borders(Borders::BOTTOM)
        .border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let wide = inner.width >= 110;
    let spark_width = if wide { 34 } else { 0 };
    // The title (status and its reason) gets the full width; the sparkline sits
    // beside the three lines below it.
    let [title_row, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(spark_width)]).areas(rest);
    let [gauge_row, counts_row, stats_row] =
        Layout::vertical([Constraint::Length(1); 3]).areas(left);

    let mut title = vec![Span::styled(strings::APP_TITLE, theme.title())];
    if view.demo {
        title.push(Span::raw("  "));
        title.push(Span::styled(strings::DEMO_BADGE, theme.warn()));
    } else if let Some(backend) = &view.backend {
        title.push(Span::styled(format!("  {backend}"), theme.dim()));
    }
    let Some(campaign) = view.campaign() else {
        title.push(Span::styled(
            format!("  {}", strings::NO_CAMPAIGN_SELECTED),
            theme.dim(),
        ));
        frame.render_widget(Line::from(title), title_row);
        if let Some(notice) = &view.snapshot.notice {
            frame.render_widget(Line::styled(notice.clone(), theme.error()), gauge_row);
        }
        return;
    };
    title.push(Span::raw("  "));
    title.push(Span::styled(campaign.name.clone(), theme.title()));
    title.push(Span::raw("  "));
    title.push(Span::styled(
        campaign.status.as_str().to_uppercase(),
        theme.campaign_status(campaign.status),
    ));
    let waiting = campaign
        .next_due()
        .zip(view.snapshot.at)
        .filter(|_| campaign.status == CampaignStatus::Running && campaign.slots.is_empty());
    if let Some(reason) = &campaign.pause_reason {
        title.push(Span::styled(format!(": {reason}"), theme.warn()));
    } else if let Some((next, now)) = waiting {
        // Running with nothing to dial: what it waits for, and when.
        title.push(Span::styled(
            format!(" · {}", next.describe(now)),
            theme.warn(),
        ));
    } else if campaign.status == CampaignStatus::Draft {
        let key = view.keymap.hint(Action::Start).unwrap_or_default();
        title.push(Span::styled(
            format!(" · {}", strings::HEADER_DRAFT_HINT.replace("{start}", &key)),
            theme.key(),
        ));
    }
    frame.render_widget(Line::from(title), title_row);

    let progress = campaign.progress();
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge())
            .ratio(progress.ratio().unwrap_or(0.0).clamp(0.0, 1.0))
            .label(progress_label(&progress)),
        gauge_row,
    );

    let mut counts: Vec<Span> = Vec::new();
    for (outcome, n) in &campaign.outcomes {
        if !counts.is_empty() {
            counts.push(Span::raw(" · "));
        }
        counts.push(Span::styled(
            format!("{outcome} {}", format::count(*n)),
            theme.outcome(*outcome),
        ));
    }
    if counts.is_empty() {
        counts.push(Span::styled(strings::HEADER_NO_OUTCOMES, theme.dim()));
    }
    frame.render_widget(Line::from(counts), counts_row);

    let answer_rate = campaign
        .answer_rate()
        .map(format::percent)
        .unwrap_or_else(|| "—".into());
    let ring = campaign
        .avg_ring_ms
        .map(format::millis)
        .unwrap_or_else(|| "—".into());
    let talk = campaign
        .avg_talk_ms
        .map(format::millis)
        .unwrap_or_else(|| "—".into());
    let rate = campaign.calls_per_minute();
    // Shown once an agent has joined a call: how long callees waited for it.
    let agent = match (campaign.agent_join_p50_ms, campaign.agent_join_p95_ms) {
        (Some(p50), Some(p95)) => format!(
            " · {} {}/{}",
            strings::HEADER_AGENT_JOIN,
            format::millis(p50),
            format::millis(p95)
        ),
        _ => String::new(),
    };
    let stats = if wide {
        format!(
            "{} {answer_rate} · {} {ring} · {} {talk} · {} {} · {} {}",
            strings::HEADER_ANSWER_RATE,
            strings::HEADER_AVG_RING,
            strings::HEADER_AVG_TALK,
            strings::HEADER_TODAY,
            today(campaign),
            strings::HEADER_ETA,
            eta(campaign),
        ) + &agent
    } else {
        // No room for the sparkline: the current rate goes in the line instead.
        format!(
            "{} {answer_rate} · {} {ring} · {} {talk} · {rate} {} · {} {}",
            strings::HEADER_ANSWER_SHORT,
            strings::HEADER_RING_SHORT,
            strings::HEADER_TALK_SHORT,
            strings::HEADER_RATE,
            strings::HEADER_ETA,
            eta(campaign),
        ) + &agent
    };
    frame.render_widget(Paragraph::new(stats), stats_row);

    if wide {
        let [spark_row, label_row] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(right);
        frame.render_widget(
            Line::styled(format!("{} {rate}", strings::HEADER_RATE), theme.dim()),
            label_row,
        );
        let data: Vec<u64> = campaign
            .dials_per_minute
            .iter()
            .rev()
            .take(right.width as usize)
            .rev()
            .copied()
            .collect();
        frame.render_widget(
            Sparkline::default().data(&data).style(theme.sparkline()),
            spark_row,
        );
    }
}

fn today(campaign: &CampaignView) -> String {
    match campaign.daily_cap {
        Some(cap) => format!("{}/{}", campaign.attempts_today, cap),
        None => campaign.attempts_today.to_string(),
    }
}

/// "48 / 200 leads (24%) · 3 DNC · 1 invalid": DNC and invalid leads apart, never
/// counted as progress (`domain::figures::Progress`).
fn progress_label(progress: &Progress) -> String {
    let mut label = format!(
        "{} / {} {} ({})",
        format::count(progress.finished),
        format::count(progress.callable),
        strings::HEADER_LEADS,
        progress
            .ratio()
            .map(format::percent)
            .unwrap_or_else(|| "—".into())
    );
    for (n, what) in [
        (progress.dnc, strings::HEADER_DNC),
        (progress.invalid, strings::HEADER_INVALID),
    ] {
        if n > 0 {
            label.push_str(&format!(" · {} {what}", format::count(n)));
        }
    }
    label
}

/// The engine's ETA (`domain::figures::eta`): none unless running at a measured rate.
pub fn eta(campaign: &CampaignView) -> String {
    campaign
        .eta_ms
        .map(|ms| format::duration(chrono::Duration::milliseconds(ms as i64)))
        .unwrap_or_else(|| "—".into())
}
