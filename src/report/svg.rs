//! The report's charts, written as SVG text by hand: columns (stacked or not), rates
//! with their 95% intervals as columns, a line or rows, and counts as rows. Each chart
//! is a `viewBox` the page scales, coloured by CSS classes the page defines (so the
//! page's legend and the charts agree), with a `<title>` on every mark giving its exact
//! figures on hover. No plotting crate: these five shapes are a few hundred lines, the
//! output is small and the same on every run (the tests compare it), and nothing
//! needs a font file or a browser to draw.

use crate::domain::Interval;
use std::fmt::Write;

pub const WIDTH: f64 = 960.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
/// Room under the plot for the x labels.
const BOTTOM: f64 = 44.0;
/// Pixels a label character takes at the charts' font size, to thin crowded labels.
const CHAR_PX: f64 = 6.6;

/// Text made safe inside SVG or HTML (elements and quoted attributes).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// One column of a column chart: its segments bottom up, each with the CSS class of
/// its series.
pub struct Column {
    pub label: String,
    pub segments: Vec<(u64, &'static str)>,
    pub tip: String,
}

/// A rate at one place of a chart, with its interval.
pub struct RatePoint {
    pub label: String,
    pub rate: Option<f64>,
    pub interval: Option<Interval>,
    pub tip: String,
}

/// A labelled count drawn as a row.
pub struct CountRow {
    pub label: String,
    pub count: u64,
    pub note: String,
    pub class: &'static str,
}

fn open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = esc(title)
    );
}

/// A round step for an axis from 0 to `max` in about `ticks` steps.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    step.max(1.0)
}

fn count_text(n: f64) -> String {
    if n >= 10_000.0 && n % 1000.0 == 0.0 {
        format!("{}k", n / 1000.0)
    } else {
        format!("{n}")
    }
}

/// Grid lines and their labels across the plot, for values 0..=`max` in `step`s.
fn y_axis(out: &mut String, plot_h: f64, max: f64, step: f64, label: impl Fn(f64) -> String) {
    let mut v = 0.0;
    while v <= max + step * 1e-9 {
        let y = TOP + plot_h - v / max * plot_h;
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{l}</text>"#,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            l = esc(&label(v)),
        );
        v += step;
    }
}

/// Labels under `n` slots of width `slot`, every k-th one when they would overlap.
fn x_labels(out: &mut String, plot_h: f64, slot: f64, labels: &[&str]) {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
    let every = ((widest * CHAR_PX + 6.0) / slot).ceil().max(1.0) as usize;
    for (i, label) in labels.iter().enumerate().step_by(every) {
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{l}</text>"#,
            y = TOP + plot_h + 16.0,
            l = esc(label),
        );
    }
}

/// Columns, each a stack of segments, on a count axis.
pub fn columns(title: &str, height: f64, columns: &[Column]) -> String {
    let plot_h = height - TOP - BOTTOM;
    let plot_w = WIDTH - LEFT - RIGHT;
    let top = columns
        .iter()
        .map(|c| c.segments.iter().map(|s| s.0).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = nice_step(top, 4.0);
    let max = (top / step).ceil() * step;
    let mut out = String::new();
    open(&mut out, height, title);
    y_axis(&mut out, plot_h, max, step, count_text);
    let slot = plot_w / columns.len().max(1) as f64;
    let gap = if slot > 4.0 {
        (slot * 0.15).min(6.0)
    } else {
        0.0
    };
    for (i, column) in columns.iter().enumerate() {
        let x = LEFT + slot * i as f64 + gap / 2.0;
        let mut base = 0u64;
        let _ = write!(out, "<g><title>{}</title>", esc(&column.tip));
        for (n, class) in &column.segments {
            if *n == 0 {
                continue;
            }
            let y0 = TOP + plot_h - base as f64 / max * plot_h;
            let y1 = TOP + plot_h - (base + n) as f64 / max * plot_h;
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x:.2}" y="{y1:.2}" width="{w:.2}" height="{h:.2}"/>"#,
                w = (slot - gap).max(0.5),
                h = (y0 - y1).max(0.5),
            );
            base += n;
        }
        out.push_str("</g>");
    }
    let labels: Vec<&str> = columns.iter().map(|c| c.label.as_str()).collect();
    x_labels(&mut out, plot_h, slot, &labels);
    axis_line(&mut out, plot_h);
    out.push_str("</svg>");
    out
}

fn axis_line(out: &mut String, plot_h: f64) {
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/>"#,
        x2 = WIDTH - RIGHT,
        y = TOP + plot_h,
    );
}

fn y_of(rate: f64, plot_h: f64) -> f64 {
    TOP + plot_h - rate.clamp(0.0, 1.0) * plot_h
}

fn rate_axis(out: &mut String, plot_h: f64) {
    y_axis(out, plot_h, 1.0, 0.25, |v| format!("{:.0}%", v * 100.0));
}

/// A rate per column, with its interval as a whisker.
pub fn rate_columns(title: &str, height: f64, points: &[RatePoint]) -> String {
    let plot_h = height - TOP - BOTTOM;
    let slot = (WIDTH - LEFT - RIGHT) / points.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, height, title);
    rate_axis(&mut out, plot_h);
    for (i, p) in points.iter().enumerate() {
        let _ = write!(out, "<g><title>{}</title>", esc(&p.tip));
        let centre = LEFT + slot * (i as f64 + 0.5);
        if let Some(rate) = p.rate {
            let w = slot * 0.7;
            let y = y_of(rate, plot_h);
            let _ = write!(
                out,
                r#"<rect class="s-rate" x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}"/>"#,
                x = centre - w / 2.0,
                h = (TOP + plot_h - y).max(0.5),
            );
        }
        if let Some(interval) = p.interval {
            whisker_v(&mut out, centre, slot * 0.25, interval, plot_h);
        }
        out.push_str("</g>");
    }
    let labels: Vec<&str> = points.iter().map(|p| p.label.as_str()).collect();
    x_labels(&mut out, plot_h, slot, &labels);
    axis_line(&mut out, plot_h);
    out.push_str("</svg>");
    out
}

fn whisker_v(out: &mut String, x: f64, half: f64, interval: Interval, plot_h: f64) {
    let (lo, hi) = (y_of(interval.low, plot_h), y_of(interval.high, plot_h));
    let _ = write!(
        out,
        r#"<path class="whisker" d="M{x:.2} {lo:.2}V{hi:.2}M{a:.2} {lo:.2}H{b:.2}M{a:.2} {hi:.2}H{b:.2}"/>"#,
        a = x - half,
        b = x + half,
    );
}

/// A rate over time: a line through the points that have one, over the band of their
/// intervals, with a dot per point.
pub fn rate_line(title: &str, height: f64, points: &[RatePoint]) -> String {
    let plot_h = height - TOP - BOTTOM;
    let slot = (WIDTH - LEFT - RIGHT) / points.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, height, title);
    rate_axis(&mut out, plot_h);
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
    // Runs of consecutive points with a rate: a gap (no decided call) breaks the line.
    let mut runs: Vec<Vec<usize>> = vec![];
    for (i, p) in points.iter().enumerate() {
        match (p.rate, runs.last_mut()) {
            (Some(_), Some(run)) if run.last() == Some(&(i.wrapping_sub(1))) => run.push(i),
            (Some(_), _) => runs.push(vec![i]),
            (None, _) => {}
        }
    }
    for run in &runs {
        let band: Vec<(usize, Interval)> = run
            .iter()
            .filter_map(|i| points[*i].interval.map(|v| (*i, v)))
            .collect();
        if band.len() > 1 {
            let mut d = String::new();
            for (k, (i, v)) in band.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.2} {:.2}",
                    if k == 0 { "M" } else { "L" },
                    x(*i),
                    y_of(v.high, plot_h)
                );
            }
            for (i, v) in band.iter().rev() {
                let _ = write!(d, "L{:.2} {:.2}", x(*i), y_of(v.low, plot_h));
            }
            let _ = write!(out, r#"<path class="band" d="{d}Z"/>"#);
        }
        let mut d = String::new();
        for (k, i) in run.iter().enumerate() {
            let rate = points[*i].rate.unwrap_or(0.0);
            let _ = write!(
                d,
                "{}{:.2} {:.2}",
                if k == 0 { "M" } else { "L" },
                x(*i),
                y_of(rate, plot_h)
            );
        }
        let _ = write!(out, r#"<path class="line" d="{d}"/>"#);
    }
    let radius = (slot * 0.3).clamp(1.0, 3.5);
    for (i, p) in points.iter().enumerate() {
        if let Some(rate) = p.rate {
            let _ = write!(
                out,
                r#"<circle class="dot" cx="{:.2}" cy="{:.2}" r="{radius:.1}"><title>{}</title></circle>"#,
                x(i),
                y_of(rate, plot_h),
                esc(&p.tip)
            );
        }
    }
    let labels: Vec<&str> = points.iter().map(|p| p.label.as_str()).collect();
    x_labels(&mut out, plot_h, slot, &labels);
    axis_line(&mut out, plot_h);
    out.push_str("</svg>");
    out
}

const ROW_H: f64 = 24.0;
const ROW_LABEL_W: f64 = 170.0;
const ROW_NOTE_W: f64 = 190.0;

fn row_label(out: &mut String, y: f64, label: &str) {
    let shown: String = match label.chars().count() {
        n if n > 24 => label.chars().take(23).chain(['…']).collect(),
        _ => label.to_string(),
    };
    let _ = write!(
        out,
        r#"<text class="rowlabel" x="{x}" y="{y:.1}" text-anchor="end">{l}</text>"#,
        x = ROW_LABEL_W - 8.0,
        y = y + ROW_H / 2.0 + 4.0,
        l = esc(&shown)
    );
}

fn row_note(out: &mut String, y: f64, note: &str) {
    let _ = write!(
        out,
        r#"<text class="tick" x="{x}" y="{y:.1}">{n}</text>"#,
        x = WIDTH - ROW_NOTE_W + 8.0,
        y = y + ROW_H / 2.0 + 4.0,
        n = esc(note)
    );
}

/// A rate per row (an area code, a caller ID, a variant) with its interval, and a note
/// at the end of the row (`62.0% of 340`).
pub fn rate_rows(title: &str, rows: &[(RatePoint, String)]) -> String {
    let height = TOP * 2.0 + ROW_H * rows.len().max(1) as f64 + 16.0;
    let plot_w = WIDTH - ROW_LABEL_W - ROW_NOTE_W;
    let x_of = |rate: f64| ROW_LABEL_W + rate.clamp(0.0, 1.0) * plot_w;
    let mut out = String::new();
    open(&mut out, height, title);
    let bottom = TOP + ROW_H * rows.len().max(1) as f64;
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = x_of(tick);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{bottom:.1}"/><text class="tick" x="{x:.1}" y="{ty:.1}" text-anchor="middle">{l:.0}%</text>"#,
            ty = bottom + 14.0,
            l = tick * 100.0,
        );
    }
    for (i, (p, note)) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let _ = write!(out, "<g><title>{}</title>", esc(&p.tip));
        row_label(&mut out, y, &p.label);
        if let Some(rate) = p.rate {
            let _ = write!(
                out,
                r#"<rect class="s-rate" x="{ROW_LABEL_W}" y="{y:.1}" width="{w:.2}" height="{h:.1}"/>"#,
                y = y + 5.0,
                w = (x_of(rate) - ROW_LABEL_W).max(0.5),
                h = ROW_H - 10.0,
            );
        }
        if let Some(v) = p.interval {
            let (lo, hi, mid) = (x_of(v.low), x_of(v.high), y + ROW_H / 2.0);
            let _ = write!(
                out,
                r#"<path class="whisker" d="M{lo:.2} {mid:.1}H{hi:.2}M{lo:.2} {a:.1}V{b:.1}M{hi:.2} {a:.1}V{b:.1}"/>"#,
                a = mid - 5.0,
                b = mid + 5.0,
            );
        }
        row_note(&mut out, y, note);
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// A count per row, bars scaled to the largest.
pub fn count_rows(title: &str, rows: &[CountRow]) -> String {
    let height = TOP * 2.0 + ROW_H * rows.len().max(1) as f64;
    let plot_w = WIDTH - ROW_LABEL_W - ROW_NOTE_W;
    let top = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1) as f64;
    let mut out = String::new();
    open(&mut out, height, title);
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let _ = write!(
            out,
            "<g><title>{}: {}</title>",
            esc(&row.label),
            esc(&row.note)
        );
        row_label(&mut out, y, &row.label);
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{ROW_LABEL_W}" y="{y:.1}" width="{w:.2}" height="{h:.1}"/>"#,
            class = row.class,
            y = y + 5.0,
            w = (row.count as f64 / top * plot_w).max(0.5),
            h = ROW_H - 10.0,
        );
        row_note(&mut out, y, &row.note);
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere_it_goes() {
        assert_eq!(esc(r#"<b a="1">&'"#), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
        let svg = count_rows(
            "<script>",
            &[CountRow {
                label: "</svg><script>alert(1)</script>".into(),
                count: 3,
                note: "3".into(),
                class: "s-answered",
            }],
        );
        assert!(!svg.contains("<script>"), "{svg}");
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(100.0, 4.0), 25.0);
        assert_eq!(nice_step(7.0, 4.0), 2.0);
        assert_eq!(nice_step(1.0, 4.0), 1.0);
        assert_eq!(nice_step(1_000_000.0, 4.0), 250_000.0);
    }

    #[test]
    fn stacked_columns_scale_to_the_tallest_stack() {
        let col = |label: &str, a, b| Column {
            label: label.into(),
            segments: vec![(a, "s-answered"), (b, "s-unanswered")],
            tip: label.into(),
        };
        let svg = columns("calls", 200.0, &[col("10:00", 30, 10), col("11:00", 0, 0)]);
        // 40 is the tallest stack: the axis runs to 40 in steps of 10.
        assert!(svg.contains(">40</text>"), "{svg}");
        assert_eq!(
            svg.matches("<rect").count(),
            2,
            "empty segments draw nothing"
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn a_line_breaks_where_there_is_no_rate() {
        let point = |rate: Option<f64>| RatePoint {
            label: "h".into(),
            rate,
            interval: rate.map(|r| Interval {
                rate: r,
                low: r / 2.0,
                high: r,
            }),
            tip: String::new(),
        };
        let svg = rate_line(
            "rate",
            200.0,
            &[
                point(Some(0.5)),
                point(Some(0.6)),
                point(None),
                point(Some(0.4)),
            ],
        );
        assert_eq!(svg.matches(r#"class="line""#).count(), 2, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(
            svg.matches(r#"class="band""#).count(),
            1,
            "one point makes no band"
        );
    }
}
