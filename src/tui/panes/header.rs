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
    let name_at = title.len();
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
    fit_title(&mut title, name_at, title_row.width as usize);
    frame.render_widget(Line::from(title), title_row);

    // The label beside the bar, not over it: at 80 columns a centred label ran into
    // the filled part.
    let progress = campaign.progress();
    let label = progress_label(&progress);
    let label_width = (label.chars().count() as u16 + 1).min(gauge_row.width / 2 + 10);
    let [bar_area, label_area] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(label_width)]).areas(gauge_row);
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge())
            .ratio(progress.ratio().unwrap_or(0.0).clamp(0.0, 1.0))
            .label(""),
        bar_area,
    );
    frame.render_widget(Line::raw(format!(" {label}")), label_area);

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
        (Some(p50), Some(p95)) => Some(format!(
            "{} {}/{}",
            strings::HEADER_AGENT_JOIN,
            format::millis(p50),
            format::millis(p95)
        )),
        _ => None,
    };
    let mut pieces = if wide {
        vec![
            format!("{} {answer_rate}", strings::HEADER_ANSWER_RATE),
            format!("{} {ring}", strings::HEADER_AVG_RING),
            format!("{} {talk}", strings::HEADER_AVG_TALK),
            format!("{} {}", strings::HEADER_TODAY, today(campaign)),
            format!("{} {}", strings::HEADER_ETA, eta(campaign)),
        ]
    } else {
        // No room for the sparkline: the current rate goes in the line instead.
        vec![
            format!("{} {answer_rate}", strings::HEADER_ANSWER_SHORT),
            format!("{} {ring}", strings::HEADER_RING_SHORT),
            format!("{} {talk}", strings::HEADER_TALK_SHORT),
            format!("{rate} {}", strings::HEADER_RATE),
            format!("{} {}", strings::HEADER_ETA, eta(campaign)),
        ]
    };
    pieces.extend(agent);
    let stats = fit_pieces(&pieces, " · ", stats_row.width as usize);
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

/// `pieces` joined by `separator`, each whole or left out: a figure never loses its
/// value to the edge ("agent p50/p95" once ended a line at 80 columns).
pub fn fit_pieces(pieces: &[String], separator: &str, width: usize) -> String {
    let mut line = String::new();
    for piece in pieces {
        let added = match line.is_empty() {
            true => piece.chars().count(),
            false => separator.chars().count() + piece.chars().count(),
        };
        if line.chars().count() + added > width {
            continue;
        }
        if !line.is_empty() {
            line.push_str(separator);
        }
        line.push_str(piece);
    }
    line
}

/// Shortens the title to `width`: the demo badge to its first word, then the campaign
/// name (at `name_at`) with an ellipsis, so the status and the draft's "press s" hint
/// at the end stay whole.
fn fit_title(title: &mut [Span<'static>], name_at: usize, width: usize) {
    let total = |title: &[Span]| {
        title
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
    };
    if total(title) <= width {
        return;
    }
    if let Some(badge) = title.iter_mut().find(|s| s.content == strings::DEMO_BADGE) {
        let short = strings::DEMO_BADGE.split(' ').next().unwrap_or_default();
        badge.content = short.to_owned().into();
    }
    let over = total(title).saturating_sub(width);
    if let Some(name) = title.get_mut(name_at).filter(|_| over > 0) {
        let chars: Vec<char> = name.content.chars().collect();
        let keep = chars.len().saturating_sub(over + 1).max(1);
        if keep < chars.len() {
            let short: String = chars[..keep].iter().collect::<String>() + "…";
            name.content = short.into();
        }
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
