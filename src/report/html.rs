//! The report as one HTML page: inline CSS, inline SVG charts, no script, nothing
//! fetched, so it opens the same from a mail attachment as from a server. Every text
//! that came from a user (names, prompts, dispositions, numbers) is escaped.
//!
//! The headline figures carry `data-figure` and `data-value` attributes with the exact
//! number behind the rounded text, so a script (and `tests/campaign_report.rs`) can
//! check them against `switchboard status --json`.

use super::svg::{self, esc, percent, Column, CountRow, RatePoint};
use super::{Breakdown, CampaignReport, GroupTally, Histogram, HourTally};
use crate::domain::figures::AnswerRate;
use crate::domain::{compare_variants, wilson, VariantCounts, VariantReport};
use crate::store::reports::CampaignStats;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::fmt::Write;

/// Area codes and caller IDs shown in charts and tables; the rest are summed in one row.
const TOP_GROUPS: usize = 25;
/// Up to this span the time charts have a column per hour; beyond it, per day.
const HOURLY_UP_TO_HOURS: i64 = 14 * 24;

pub fn render(report: &CampaignReport) -> String {
    let record = &report.status.record;
    let settings = &record.settings;
    let stats = &report.status.stats;
    let b = &report.breakdown;
    let zone = settings.tz();
    let mut page = String::with_capacity(64 * 1024);
    let title = format!("{} — campaign report", settings.name);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"switchboard {}\">\
         <title>{}</title><style>{CSS}</style></head><body>",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    let period = match (b.hours.first(), b.hours.last()) {
        (Some(first), Some(last)) => format!(
            "calls from {} to {}",
            local(first.start, zone, "%Y-%m-%d %H:%M"),
            local(last.start + Duration::hours(1), zone, "%Y-%m-%d %H:%M %Z")
        ),
        _ => "no calls yet".into(),
    };
    let _ = write!(
        page,
        "<header><h1>{}</h1><p class=\"sub\">Campaign {} · <span data-figure=\"status\">{}</span> · {} · \
         generated {} UTC</p></header>",
        esc(&settings.name),
        record.id,
        esc(&record.status.to_string()),
        esc(&period),
        report.generated_at.format("%Y-%m-%d %H:%M")
    );
    if let Some(reason) = &record.pause_reason {
        let _ = write!(
            page,
            "<p class=\"note\">Paused: {}</p>",
            esc(&reason.to_string())
        );
    }
    page.push_str(&summary(stats, b));
    page.push_str(&outcomes(stats));
    page.push_str(&over_time(&b.hours, zone));
    page.push_str(&callee_hours(&b.callee_hours));
    page.push_str(&groups(
        "areas",
        "By area code",
        "The area code of the number dialled (the NANP area code; elsewhere the national \
         destination code).",
        ("Area code", "area codes"),
        &b.areas,
    ));
    page.push_str(&caller_ids(report));
    if let Some(variants) = &stats.variants {
        page.push_str(&ab_variants(variants));
    }
    page.push_str(&durations(report));
    page.push_str(&dispositions(stats, b));
    page.push_str(&do_not_call(report));
    page.push_str(&settings_table(report));
    page.push_str(DEFINITIONS);
    page.push_str("</body></html>\n");
    page
}

fn local(at: DateTime<Utc>, zone: Tz, format: &str) -> String {
    at.with_timezone(&zone).format(format).to_string()
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rate_text(rate: &AnswerRate) -> String {
    match rate.ratio() {
        Some(r) => format!(
            "{} ({} of {})",
            percent(r),
            thousands(rate.answered),
            thousands(rate.decided)
        ),
        None => "–".into(),
    }
}

fn secs_text(secs: Option<f64>) -> String {
    secs.map(|s| format!("{s:.1} s"))
        .unwrap_or_else(|| "–".into())
}

fn ms_text(ms: Option<u64>) -> String {
    ms.map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
        .unwrap_or_else(|| "–".into())
}

/// A figure with its exact value for scripts: `<td data-figure=.. data-value=..>`.
fn figure(name: &str, value: impl std::fmt::Display, shown: &str) -> String {
    format!(
        "<td data-figure=\"{name}\" data-value=\"{}\">{}</td>",
        esc(&value.to_string()),
        esc(shown)
    )
}

fn section(id: &str, title: &str, intro: &str, body: &str) -> String {
    let intro = match intro {
        "" => String::new(),
        text => format!("<p class=\"intro\">{text}</p>"),
    };
    format!(
        "<section id=\"{id}\"><h2>{}</h2>{intro}{body}</section>",
        esc(title)
    )
}

fn summary(s: &CampaignStats, b: &Breakdown) -> String {
    let mut t = String::from("<table class=\"figures\"><tbody>");
    let p = &s.progress;
    let progress = match p.ratio() {
        Some(r) => format!(
            "{} of {} leads ({})",
            thousands(p.finished),
            thousands(p.callable),
            percent(r)
        ),
        None => "no lead to call".into(),
    };
    let rows: Vec<(&str, String)> = vec![
        (
            "Leads",
            figure("leads", s.leads, &thousands(s.leads as u64)),
        ),
        ("Progress", figure("progress", p.finished, &progress)),
        (
            "Attempts",
            figure(
                "attempts",
                s.attempts,
                &match s.attempts_in_flight {
                    0 => thousands(s.attempts as u64),
                    n => format!(
                        "{} ({} in flight)",
                        thousands(s.attempts as u64),
                        thousands(n as u64)
                    ),
                },
            ),
        ),
        (
            "Calls answered",
            figure(
                "calls-answered",
                s.calls_answered,
                &thousands(s.calls_answered as u64),
            ),
        ),
        (
            "Calls that count in the rate",
            figure(
                "calls-decided",
                s.calls_decided,
                &thousands(s.calls_decided as u64),
            ),
        ),
        (
            "Answer rate",
            figure(
                "answer-rate",
                s.answer_rate.map(|r| r.to_string()).unwrap_or_default(),
                &s.answer_rate.map(percent).unwrap_or_else(|| "–".into()),
            ),
        ),
        (
            "Average ring",
            figure(
                "avg-ring-secs",
                s.avg_ring_secs.map(|v| v.to_string()).unwrap_or_default(),
                &secs_text(s.avg_ring_secs),
            ),
        ),
        (
            "Average talk",
            figure(
                "avg-talk-secs",
                s.avg_talk_secs.map(|v| v.to_string()).unwrap_or_default(),
                &secs_text(s.avg_talk_secs),
            ),
        ),
        (
            "Agent joins (p50 / p95)",
            format!(
                "<td>{} / {} after the answer</td>",
                ms_text(s.agent_join_p50_ms),
                ms_text(s.agent_join_p95_ms)
            ),
        ),
        (
            "Attempts today",
            figure(
                "attempts-today",
                s.attempts_today,
                &thousands(s.attempts_today as u64),
            ),
        ),
    ];
    for (name, cell) in rows {
        let _ = write!(t, "<tr><th>{}</th>{cell}</tr>", esc(name));
    }
    t.push_str("</tbody></table>");
    if b.in_flight > 0 {
        let _ = write!(
            t,
            "<p class=\"note\">{} calls were still in flight when this was read: they count as \
             attempts, in no rate yet.</p>",
            thousands(b.in_flight)
        );
    }
    section(
        "summary",
        "Totals",
        "The figures <code>switchboard status</code> shows for this campaign, read at the same moment as every chart below.",
        &t,
    )
}

fn outcomes(s: &CampaignStats) -> String {
    let mut rows: Vec<(&String, &i64)> = s.attempts_by_outcome.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut t = String::from(
        "<table><thead><tr><th>Outcome</th><th class=\"n\">Attempts</th></tr></thead><tbody>",
    );
    for (outcome, n) in rows {
        let _ = write!(
            t,
            "<tr><td>{}</td><td class=\"n\" data-outcome=\"{}\">{}</td></tr>",
            esc(outcome),
            esc(outcome),
            thousands(*n as u64)
        );
    }
    if s.attempts_in_flight > 0 {
        let _ = write!(
            t,
            "<tr><td>in flight</td><td class=\"n\">{}</td></tr>",
            thousands(s.attempts_in_flight as u64)
        );
    }
    t.push_str("</tbody></table>");
    section("outcomes", "Outcomes", "Every attempt by how it ended.", &t)
}

/// The time charts' columns: each hour from the first to the last (a column per day
/// when that is more than two weeks), empty ones included so gaps show.
fn time_columns(hours: &[HourTally], zone: Tz) -> (Vec<(String, u64, AnswerRate)>, &'static str) {
    let (Some(first), Some(last)) = (hours.first(), hours.last()) else {
        return (vec![], "hour");
    };
    let span = (last.start - first.start).num_hours();
    let mut columns: Vec<(String, u64, AnswerRate)> = vec![];
    if span <= HOURLY_UP_TO_HOURS {
        let mut next = hours.iter().peekable();
        for h in 0..=span {
            let start = first.start + Duration::hours(h);
            let label = local(start, zone, "%m-%d %H:%M");
            match next.next_if(|t| t.start == start) {
                Some(t) => columns.push((label, t.attempts, t.rate)),
                None => columns.push((label, 0, AnswerRate::default())),
            }
        }
        return (columns, "hour");
    }
    let day = |at: DateTime<Utc>| at.with_timezone(&zone).date_naive();
    let (first_day, last_day) = (day(first.start), day(last.start));
    let mut next = hours.iter().peekable();
    let mut date = first_day;
    while date <= last_day {
        let (mut attempts, mut rate) = (0, AnswerRate::default());
        while let Some(t) = next.next_if(|t| day(t.start) == date) {
            attempts += t.attempts;
            rate = rate.merged(t.rate);
        }
        columns.push((date.format("%m-%d").to_string(), attempts, rate));
        date = date.succ_opt().unwrap_or(last_day + chrono::Days::new(1));
    }
    (columns, "day")
}

fn over_time(hours: &[HourTally], zone: Tz) -> String {
    let (columns, unit) = time_columns(hours, zone);
    if columns.is_empty() {
        return section("over-time", "Calls over time", "No calls yet.", "");
    }
    let bars: Vec<Column> = columns
        .iter()
        .map(|(label, attempts, rate)| {
            let unanswered = rate.decided - rate.answered;
            let other = attempts - rate.decided;
            Column {
                label: label.clone(),
                segments: vec![
                    (rate.answered, "s-answered"),
                    (unanswered, "s-unanswered"),
                    (other, "s-other"),
                ],
                tip: format!(
                    "{label}: {} attempts, {} answered, {} not answered, {} not counted",
                    thousands(*attempts),
                    thousands(rate.answered),
                    thousands(unanswered),
                    thousands(other)
                ),
            }
        })
        .collect();
    let points: Vec<RatePoint> = columns
        .iter()
        .map(|(label, attempts, rate)| RatePoint {
            label: label.clone(),
            rate: rate.ratio(),
            interval: wilson(rate.answered, rate.decided),
            tip: format!(
                "{label}: answered {} · {} attempts",
                rate_text(rate),
                thousands(*attempts)
            ),
        })
        .collect();
    let zone_name = zone.name();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h3>Calls per {unit}</h3>{}{}<h3>Answer rate per {unit}</h3>{}",
        LEGEND,
        svg::columns(&format!("Calls per {unit}"), 260.0, &bars),
        svg::rate_line(&format!("Answer rate per {unit}"), 240.0, &points),
    );
    section(
        "over-time",
        "Calls over time",
        &format!(
            "By when each call was dialled, in {} (the campaign's time zone). The band around \
             the answer rate is its 95% interval.",
            esc(zone_name)
        ),
        &body,
    )
}

const LEGEND: &str = "<p class=\"legend\"><span class=\"key s-answered\"></span>answered \
    <span class=\"key s-unanswered\"></span>not answered \
    <span class=\"key s-other\"></span>not counted (never placed, canceled, cut off, in flight)</p>";

fn callee_hours(hours: &[GroupTally]) -> String {
    let points: Vec<RatePoint> = hours
        .iter()
        .map(|h| RatePoint {
            label: h.label.clone(),
            rate: h.rate.ratio(),
            interval: h.interval(),
            tip: format!(
                "{}:00-{}:59: answered {} · {} attempts",
                h.label,
                h.label,
                rate_text(&h.rate),
                thousands(h.attempts)
            ),
        })
        .collect();
    let mut body = svg::rate_columns("Answer rate by hour of the callee's day", 240.0, &points);
    let called: Vec<GroupTally> = hours.iter().filter(|h| h.attempts > 0).cloned().collect();
    body.push_str(&group_table("Hour", &called, called.len()));
    section(
        "callee-hours",
        "Answer rate by hour of the callee's day",
        "In each callee's own time zone (the lead's, else the campaign's), with its 95% interval.",
        &body,
    )
}

fn group_table(what: &str, groups: &[GroupTally], shown: usize) -> String {
    let mut t = format!(
        "<table><thead><tr><th>{}</th><th class=\"n\">Attempts</th><th class=\"n\">Answer rate</th>\
         <th class=\"n\">95% interval</th></tr></thead><tbody>",
        esc(what)
    );
    for g in groups.iter().take(shown) {
        group_row(&mut t, &g.label, g.attempts, &g.rate);
    }
    if groups.len() > shown {
        let rest = &groups[shown..];
        let rate = rest
            .iter()
            .fold(AnswerRate::default(), |r, g| r.merged(g.rate));
        let attempts = rest.iter().map(|g| g.attempts).sum();
        group_row(&mut t, &format!("{} more", rest.len()), attempts, &rate);
    }
    t.push_str("</tbody></table>");
    t
}

fn group_row(t: &mut String, label: &str, attempts: u64, rate: &AnswerRate) {
    let interval = wilson(rate.answered, rate.decided)
        .map(|i| format!("{}-{}", percent(i.low), percent(i.high)))
        .unwrap_or_else(|| "–".into());
    let _ = write!(
        t,
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        esc(label),
        thousands(attempts),
        rate_text(rate),
        interval
    );
}

fn rate_rows(groups: &[GroupTally]) -> Vec<(RatePoint, String)> {
    groups
        .iter()
        .map(|g| {
            let note = match g.rate.ratio() {
                Some(r) => format!("{} of {}", percent(r), thousands(g.rate.decided)),
                None => format!("{} attempts", thousands(g.attempts)),
            };
            let point = RatePoint {
                label: g.label.clone(),
                rate: g.rate.ratio(),
                interval: g.interval(),
                tip: format!(
                    "{}: answered {} · {} attempts",
                    g.label,
                    rate_text(&g.rate),
                    thousands(g.attempts)
                ),
            };
            (point, note)
        })
        .collect()
}

fn groups(
    id: &str,
    title: &str,
    intro: &str,
    (singular, plural): (&str, &str),
    groups: &[GroupTally],
) -> String {
    if groups.is_empty() {
        return section(id, title, "No calls yet.", "");
    }
    let shown = &groups[..groups.len().min(TOP_GROUPS)];
    let mut body = String::new();
    if groups.len() > TOP_GROUPS {
        let _ = write!(
            body,
            "<p class=\"note\">The {TOP_GROUPS} {plural} with the most attempts of {}.</p>",
            thousands(groups.len() as u64)
        );
    }
    body.push_str(&svg::rate_rows(title, &rate_rows(shown)));
    body.push_str(&group_table(singular, groups, TOP_GROUPS));
    section(
        id,
        title,
        &format!("{intro} Answer rate with its 95% interval."),
        &body,
    )
}

fn caller_ids(report: &CampaignReport) -> String {
    let mut out = groups(
        "caller-ids",
        "By caller ID",
        "The number each call presented.",
        ("Caller ID", "caller IDs"),
        &report.breakdown.caller_ids,
    );
    let pool = &report.status.caller_ids;
    if pool.is_empty() {
        return out;
    }
    let mut t = String::from(
        "<h3>The pool today</h3><table><thead><tr><th>Caller ID</th><th class=\"n\">Calls today</th>\
         <th class=\"n\">Daily cap</th><th class=\"n\">Answered of its last 50</th><th>Resting</th></tr></thead><tbody>",
    );
    for n in pool {
        let resting = match (&n.resting_until, &n.rest_reason) {
            (Some(until), Some(why)) => {
                format!("until {} UTC: {}", until.format("%Y-%m-%d %H:%M"), why)
            }
            (Some(until), None) => format!("until {} UTC", until.format("%Y-%m-%d %H:%M")),
            _ => "no".into(),
        };
        let _ = write!(
            t,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&n.number),
            thousands(n.calls_today),
            n.cap.map(|c| c.to_string()).unwrap_or_else(|| "none".into()),
            esc(&n.health().to_string()),
            esc(&resting)
        );
    }
    t.push_str("</tbody></table>");
    // Inside the section, before it closes.
    out.truncate(out.len() - "</section>".len());
    out.push_str(&t);
    out.push_str("</section>");
    out
}

fn ab_variants(v: &VariantReport) -> String {
    let leading = v.leading_disposition.as_deref().unwrap_or("–");
    let mut t = format!(
        "<table><thead><tr><th>Variant</th><th class=\"n\">Calls</th><th class=\"n\">Answer rate</th>\
         <th class=\"n\">95% interval</th><th class=\"n\">Avg talk</th><th class=\"n\">{} (95% interval)</th>\
         <th>Dispositions</th></tr></thead><tbody>",
        esc(leading)
    );
    let mut answer_rows = vec![];
    let mut leading_rows = vec![];
    for row in &v.rows {
        let answer_interval = wilson(row.answered, row.calls);
        let interval = |i: Option<crate::domain::Interval>| {
            i.map(|i| format!("{}-{}", percent(i.low), percent(i.high)))
                .unwrap_or_else(|| "–".into())
        };
        let lead = row
            .leading
            .map(|i| {
                format!(
                    "{} ({}-{})",
                    percent(i.rate),
                    percent(i.low),
                    percent(i.high)
                )
            })
            .unwrap_or_else(|| "–".into());
        let shares = row
            .disposition_shares
            .iter()
            .map(|(d, s)| format!("{} {}", esc(d), percent(*s)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            t,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{lead}</td><td>{shares}</td></tr>",
            esc(&row.variant),
            thousands(row.calls),
            row.answer_rate.map(percent).unwrap_or_else(|| "–".into()),
            interval(answer_interval),
            secs_text(row.avg_talk_secs),
        );
        answer_rows.push((
            RatePoint {
                label: row.variant.clone(),
                rate: row.answer_rate,
                interval: answer_interval,
                tip: format!("{}: answer rate over {} calls", row.variant, row.calls),
            },
            row.answer_rate
                .map(|r| format!("{} of {}", percent(r), thousands(row.calls)))
                .unwrap_or_default(),
        ));
        leading_rows.push((
            RatePoint {
                label: row.variant.clone(),
                rate: row.leading.map(|i| i.rate),
                interval: row.leading,
                tip: format!(
                    "{}: {leading} among {} answered calls",
                    row.variant, row.answered
                ),
            },
            row.leading
                .map(|i| format!("{} of {}", percent(i.rate), thousands(row.answered)))
                .unwrap_or_default(),
        ));
    }
    t.push_str("</tbody></table>");
    let body = format!(
        "<p class=\"verdict\" data-figure=\"verdict\">{}</p>{t}<h3>Answer rate</h3>{}<h3>{} among answered calls</h3>{}",
        esc(&v.verdict),
        svg::rate_rows("Answer rate by variant", &answer_rows),
        esc(leading),
        svg::rate_rows(&format!("{leading} by variant"), &leading_rows),
    );
    section(
        "variants",
        "A/B variants",
        "Each lead is called with one variant. Rates with their 95% Wilson intervals; the \
         verdict is a two-proportion test at 95% on the leading disposition, as \
         <code>switchboard status</code> gives it.",
        &body,
    )
}

fn histogram_chart(title: &str, h: &Histogram, class: &'static str) -> String {
    let labels = h.labels();
    let columns: Vec<Column> = labels
        .into_iter()
        .zip(&h.counts)
        .map(|(label, n)| Column {
            tip: format!("{label}: {} calls", thousands(*n)),
            label,
            segments: vec![(*n, class)],
        })
        .collect();
    svg::columns(title, 220.0, &columns)
}

fn durations(report: &CampaignReport) -> String {
    let s = &report.status.stats;
    let b = &report.breakdown;
    let settings = &report.status.record.settings;
    let body = format!(
        "<h3>Ring time</h3><p class=\"note\">{} calls, average {} (dial to answer, or to the end \
         for calls not answered; at most the ring timeout, {} s).</p>{}\
         <h3>Talk time</h3><p class=\"note\">{} answered calls, average {}.</p>{}\
         <h3>Agent joins</h3><p class=\"note\">{} calls with an agent; p50 {}, p95 {} over the latest \
         10,000 (join timeout {} s).</p>{}",
        thousands(b.ring.total),
        secs_text(s.avg_ring_secs),
        settings.ringing_timeout_secs,
        histogram_chart("Ring time", &b.ring, "s-unanswered"),
        thousands(b.talk.total),
        secs_text(s.avg_talk_secs),
        histogram_chart("Talk time", &b.talk, "s-answered"),
        thousands(b.agent_join.total),
        ms_text(s.agent_join_p50_ms),
        ms_text(s.agent_join_p95_ms),
        settings.agent_join_timeout_secs,
        histogram_chart("Answer to agent join", &b.agent_join, "s-rate"),
    );
    section("durations", "Ring, talk and agent-join times", "", &body)
}

fn dispositions(s: &CampaignStats, b: &Breakdown) -> String {
    if b.dispositions.is_empty() {
        return section(
            "dispositions",
            "Dispositions",
            "No agent reported a disposition yet.",
            "",
        );
    }
    // Shares of answered calls as the A/B table defines them, over the whole campaign.
    let whole = compare_variants(&[VariantCounts {
        variant: "all".into(),
        calls: s.calls_decided as u64,
        answered: s.calls_answered as u64,
        talk_secs: 0,
        dispositions: b
            .dispositions
            .iter()
            .map(|d| (d.disposition.clone(), d.answered))
            .collect(),
    }]);
    let shares = whole.rows.first().map(|r| &r.disposition_shares);
    let share = |d: &str| {
        shares
            .and_then(|s| s.get(d))
            .map(|s| percent(*s))
            .unwrap_or_else(|| "–".into())
    };
    let rows: Vec<CountRow> = b
        .dispositions
        .iter()
        .take(TOP_GROUPS)
        .map(|d| CountRow {
            label: d.disposition.clone(),
            count: d.answered,
            note: format!(
                "{} · {} of answered",
                thousands(d.answered),
                share(&d.disposition)
            ),
            class: if d.do_not_call { "s-dnc" } else { "s-answered" },
        })
        .collect();
    let mut t = String::from(
        "<table><thead><tr><th>Disposition</th><th class=\"n\">Answered calls</th>\
         <th class=\"n\">Share of answered</th><th class=\"n\">All attempts</th></tr></thead><tbody>",
    );
    for d in &b.dispositions {
        let _ = write!(
            t,
            "<tr><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&d.disposition),
            if d.do_not_call { " <span class=\"tag\">do not call</span>" } else { "" },
            thousands(d.answered),
            share(&d.disposition),
            thousands(d.attempts)
        );
    }
    t.push_str("</tbody></table>");
    let body = format!(
        "{}{t}",
        svg::count_rows("Dispositions of answered calls", &rows)
    );
    section(
        "dispositions",
        "Dispositions",
        "What the agent reported (<code>switchboard.disposition</code>), on answered calls.",
        &body,
    )
}

fn do_not_call(report: &CampaignReport) -> String {
    let s = &report.status.stats;
    let b = &report.breakdown;
    let on_list = s.leads_by_state.get("dnc").copied().unwrap_or(0) as u64;
    let never_called = s.progress.dnc;
    let words: Vec<String> = b
        .dispositions
        .iter()
        .filter(|d| d.do_not_call)
        .map(|d| format!("{} {}", esc(&d.disposition), thousands(d.attempts)))
        .collect();
    let t = format!(
        "<table class=\"figures\"><tbody>\
         <tr><th>Asked not to be called again</th>{}</tr>\
         <tr><th>Leads on a do-not-call list</th>{}</tr>\
         <tr><th>… of which never called</th><td>{}</td></tr>\
         <tr><th>Numbers on this campaign's own list</th><td>{}</td></tr></tbody></table>",
        figure(
            "dnc-requests",
            b.do_not_call_requests(),
            &match words.is_empty() {
                true => "0".to_string(),
                false => format!(
                    "{} ({})",
                    thousands(b.do_not_call_requests()),
                    words.join(", ")
                ),
            }
        ),
        figure("dnc-leads", on_list, &thousands(on_list)),
        thousands(never_called),
        thousands(report.campaign_dnc_entries),
    );
    section(
        "dnc",
        "Do-not-call requests",
        "Calls whose disposition asked not to be called again put the number on the global \
         do-not-call list at once.",
        &t,
    )
}

fn settings_table(report: &CampaignReport) -> String {
    let record = &report.status.record;
    let s = &record.settings;
    let list = |items: Vec<String>| match items.is_empty() {
        true => "none".to_string(),
        false => items.join(", "),
    };
    let rows: Vec<(&str, String)> = vec![
        ("Name", s.name.clone()),
        ("Agent", s.agent_name.clone()),
        ("Dispatch", s.dispatch.to_string()),
        ("Trunk", s.trunk_id.clone()),
        (
            "Caller IDs",
            match s.caller_ids.is_empty() {
                true => "the trunk's number".into(),
                false => s.caller_ids.numbers().join(", "),
            },
        ),
        (
            "Local presence",
            if s.local_presence_on() { "on" } else { "off" }.into(),
        ),
        (
            "Caller ID daily cap",
            s.caller_id_daily_cap
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        ("Concurrent calls", s.max_concurrent.to_string()),
        ("Delay between dials", format!("{} ms", s.call_delay_ms)),
        (
            "Attempts per lead",
            format!(
                "up to {}, retry after {} s on {}",
                s.max_attempts,
                s.retry_delay_secs,
                list(s.retry_on.iter().map(|o| o.to_string()).collect())
            ),
        ),
        (
            "Retry by disposition",
            list(
                s.disposition_retries
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
            ),
        ),
        ("Calling hours", format!("{} local time", s.window)),
        ("Time zone", s.timezone.clone()),
        (
            "Daily cap",
            s.daily_cap
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none".into()),
        ),
        ("Ring timeout", format!("{} s", s.ringing_timeout_secs)),
        ("Longest call", format!("{} s", s.max_call_duration_secs)),
        (
            "Agent join timeout",
            format!("{} s", s.agent_join_timeout_secs),
        ),
        ("Recording", if s.record { "on" } else { "off" }.into()),
        (
            "Variants",
            list(
                s.variants
                    .iter()
                    .map(|v| {
                        let agent = if v.agent_name.is_empty() {
                            &s.agent_name
                        } else {
                            &v.agent_name
                        };
                        format!("{} (agent {agent}, weight {})", v.name, v.weight)
                    })
                    .collect(),
            ),
        ),
        (
            "Created",
            record.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (
            "Started",
            record
                .started_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "not yet".into()),
        ),
        (
            "Completed",
            record
                .completed_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "not yet".into()),
        ),
    ];
    let mut t = String::from("<table class=\"figures\"><tbody>");
    for (name, value) in rows {
        let _ = write!(t, "<tr><th>{}</th><td>{}</td></tr>", esc(name), esc(&value));
    }
    t.push_str("</tbody></table>");
    if !s.prompt.is_empty() {
        let _ = write!(t, "<h3>Prompt</h3><pre>{}</pre>", esc(&s.prompt));
    }
    section("settings", "Settings", "", &t)
}

const DEFINITIONS: &str = "<section id=\"definitions\"><h2>How the figures are counted</h2><ul>\
<li><b>Answer rate</b>: answered calls (a person picked up: completed, dropped, or no agent joined) \
over ended calls, leaving out calls LiveKit never placed, calls cut off by a crash and calls the \
operator canceled before an answer. Calls in flight count in neither.</li>\
<li><b>95% interval</b>: the Wilson score interval of a rate; two groups whose intervals barely \
overlap may still differ by chance.</li>\
<li><b>Ring time</b>: dial to answer, or dial to end for a call never answered, at most the ring \
timeout. <b>Talk time</b>: answer to the callee leaving, for answered calls.</li>\
<li>Every figure is the one <code>switchboard status</code>, the console and the API show.</li>\
</ul></section>";

const CSS: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2430;\
background:#fff;max-width:1000px;margin:0 auto;padding:24px}\
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:0 0 6px;border-bottom:2px solid #e3e7ee;\
padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}\
.sub{color:#5b6473;margin:0}.intro{color:#3c4553;margin:4px 0 10px}.note{color:#5b6473;font-size:13px}\
section{margin:28px 0;page-break-inside:avoid}\
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #e3e7ee;\
text-align:left;vertical-align:top}thead th{background:#f4f6f9;font-weight:600}td.n,th.n{text-align:right;\
font-variant-numeric:tabular-nums}table.figures th{width:34%;font-weight:600;color:#3c4553}\
pre{white-space:pre-wrap;background:#f4f6f9;padding:10px;border-radius:4px}\
code{background:#f4f6f9;padding:0 3px;border-radius:3px}\
.verdict{font-weight:600;background:#fff7e0;padding:8px 10px;border-left:4px solid #e0a800}\
.tag{font-size:11px;background:#fde2e1;color:#9b1c1c;padding:1px 5px;border-radius:3px}\
.legend{font-size:13px;color:#3c4553}.key{display:inline-block;width:11px;height:11px;margin:0 4px 0 12px;\
vertical-align:-1px}.legend .key:first-child{margin-left:0}\
svg.chart{width:100%;height:auto;display:block;margin:4px 0 8px}\
svg .grid{stroke:#e3e7ee;stroke-width:1}svg .axis{stroke:#8a93a3;stroke-width:1}\
svg text{font:11px system-ui,sans-serif;fill:#4a5260}svg .rowlabel{font-size:12px;fill:#1d2430}\
.s-answered{fill:#2f9e66;background:#2f9e66}.s-unanswered{fill:#8fa3bf;background:#8fa3bf}\
.s-other{fill:#d5dbe4;background:#d5dbe4}.s-rate{fill:#4c7bd9;background:#4c7bd9}\
.s-dnc{fill:#d64545;background:#d64545}\
svg .whisker{stroke:#1d2430;stroke-width:1.4;fill:none}svg .band{fill:#4c7bd9;fill-opacity:.16}\
svg .line{stroke:#4c7bd9;stroke-width:2;fill:none}svg .dot{fill:#4c7bd9}\
@media print{body{padding:0}section{margin:16px 0}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
