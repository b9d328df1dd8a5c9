//! The charts view rendered into a `TestBackend` and compared with its insta snapshots:
//! each chart on its own page at 80x24, all six in the grid at 200x60, and the loading,
//! empty and failed views. The series is built by hand, so every run draws the same.

use chrono::{TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::collections::BTreeMap;
use switchboard::domain::figures::{AnswerRate, Histogram};
use switchboard::domain::{wilson, CampaignId, Outcome};
use switchboard::store::chart_series::{CallerIdSeries, ChartBucket, ChartSeries, VariantRate};
use switchboard::tui::charts::ChartsState;
use switchboard::tui::view::Overlay;
use switchboard::tui::{buffer_text, ui, Keymap, Theme, View};

const ID: CampaignId = CampaignId(1);

/// Two hours of a campaign in 60 buckets of two minutes: calls ramp up, the answer
/// rate sags in the second hour, one caller ID falls away from the other.
pub fn series() -> ChartSeries {
    let buckets: Vec<ChartBucket> = (0..60u64)
        .map(|i| {
            let dials = 10 + (i * 7) % 13 + i / 3;
            let answered = dials * (60 - i / 3) / 100;
            let no_answer = (dials - answered) * 2 / 3;
            let busy = (dials - answered - no_answer) / 2;
            let failed = dials - answered - no_answer - busy;
            ChartBucket {
                dials,
                rate: AnswerRate {
                    answered,
                    decided: dials,
                },
                outcomes: BTreeMap::from([
                    (Outcome::Completed, answered),
                    (Outcome::NoAnswer, no_answer),
                    (Outcome::Busy, busy),
                    (Outcome::TrunkFailure, failed),
                    (Outcome::NotPlaced, i % 5),
                ]),
            }
        })
        .collect();
    let caller_id = |number: &str, fall: u64| CallerIdSeries {
        caller_id: number.into(),
        attempts: buckets.iter().map(|b| b.dials / 2).sum(),
        rates: buckets
            .iter()
            .enumerate()
            .map(|(i, b)| AnswerRate {
                answered: (b.dials / 2) * (60 - (i as u64 * fall) / 3).min(100) / 100,
                decided: b.dials / 2,
            })
            .collect(),
    };
    let variant = |name: &str, answered: u64, decided: u64| VariantRate {
        variant: name.into(),
        rate: AnswerRate { answered, decided },
        interval: wilson(answered, decided),
    };
    let mut ring = Histogram::for_ring(30);
    for (i, n) in [3u64, 40, 95, 120, 88, 61, 40, 22, 15, 9, 6, 4, 3, 2, 1, 30]
        .iter()
        .enumerate()
    {
        for _ in 0..*n {
            ring.add(i as u64 * 2_000 + 500);
        }
    }
    let mut agent_join = Histogram::for_agent_join(5);
    for (ms, n) in [
        (300u64, 80),
        (700, 140),
        (1_200, 60),
        (1_800, 20),
        (6_000, 3),
    ] {
        for _ in 0..n {
            agent_join.add(ms);
        }
    }
    ChartSeries {
        campaign: ID,
        start: Some(Utc.with_ymd_and_hms(2026, 3, 14, 13, 0, 0).unwrap()),
        bucket_secs: 120,
        caller_ids: vec![caller_id("+12125550100", 1), caller_id("+13125550100", 3)],
        attempts: buckets.iter().map(|b| b.dials).sum(),
        buckets,
        variants: vec![variant("A", 312, 600), variant("B", 351, 590)],
        ring,
        agent_join,
    }
}

fn view(charts: ChartsState) -> View {
    let mut view = View::new(Keymap::defaults(), Theme::new(true));
    view.now = Utc.with_ymd_and_hms(2026, 3, 14, 15, 0, 0).unwrap();
    view.overlay = Some(Overlay::Charts(Box::new(charts)));
    view
}

fn charts(selected: usize, series: Option<Result<ChartSeries, String>>) -> ChartsState {
    let mut state = ChartsState::new(ID, "Spring renewals".into());
    state.selected = selected;
    state.series = series.map(|s| s.map(Box::new));
    state
}

fn render(width: u16, height: u16, view: &View) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, view)).unwrap();
    terminal.backend().buffer().clone()
}

#[test]
fn each_chart_has_its_page_at_80x24() {
    let names = [
        "activity",
        "outcomes",
        "caller_ids",
        "variants",
        "ring",
        "agent_join",
    ];
    for (selected, name) in names.iter().enumerate() {
        let buffer = render(80, 24, &view(charts(selected, Some(Ok(series())))));
        insta::assert_snapshot!(format!("charts_{name}_80x24"), buffer_text(&buffer));
    }
}

#[test]
fn every_chart_shows_at_once_at_200x60() {
    let buffer = render(200, 60, &view(charts(3, Some(Ok(series())))));
    insta::assert_snapshot!("charts_grid_200x60", buffer_text(&buffer));
}

#[test]
fn loading_empty_and_failed_views_say_so() {
    let empty = ChartSeries {
        start: None,
        buckets: Vec::new(),
        caller_ids: Vec::new(),
        variants: Vec::new(),
        attempts: 0,
        ..series()
    };
    for (state, expected) in [
        (charts(0, None), "Loading"),
        (charts(0, Some(Ok(empty))), "No calls yet"),
        (
            charts(0, Some(Err("the engine stopped".into()))),
            "the engine stopped",
        ),
    ] {
        let text = buffer_text(&render(80, 24, &view(state)));
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}

#[test]
fn a_campaign_without_variants_says_so_on_their_page() {
    let series = ChartSeries {
        variants: Vec::new(),
        ..series()
    };
    let text = buffer_text(&render(80, 24, &view(charts(3, Some(Ok(series))))));
    assert!(text.contains("no A/B variants"), "{text}");
}

#[test]
fn outcome_layers_are_coloured_and_named_without_colour_too() {
    let buffer = render(80, 24, &view(charts(1, Some(Ok(series())))));
    let text = buffer_text(&buffer);
    // The bottom of the stack is the answered calls, in the first layer's colour.
    let row = text
        .lines()
        .position(|l| l.starts_with("│0   │"))
        .expect("the chart's zero row") as u16;
    assert_eq!(buffer[(10, row)].fg, ratatui::style::Color::Yellow);
    let mut plain = view(charts(1, Some(Ok(series()))));
    plain.theme = Theme::new(false);
    let text = buffer_text(&render(80, 24, &plain));
    for layer in [
        "answered",
        "no answer",
        "busy/rejected",
        "failed",
        "not counted",
    ] {
        assert!(text.contains(layer), "{layer}:\n{text}");
    }
}
