//! Every pane and popup rendered into a `TestBackend` at 80x24 and 160x48 and compared
//! with its insta snapshot. Data is built by hand with a fixed clock, so times and ids
//! are the same on every run; colours are checked where they carry meaning.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;
use std::collections::BTreeMap;
use std::sync::Arc;
use switchboard::domain::{
    AttemptId, AttemptState, CampaignId, CampaignSettings, CampaignStatus, LeadId, LeadState,
    Outcome, PauseReason,
};
use switchboard::engine::{CampaignView, LeadCounts, SlotView, Snapshot};
use switchboard::store::dialling_order::OrderKey;
use switchboard::store::views::{
    AttemptHistory, AttemptStep, LeadHistory, QueueKey, QueueRow, TimelineRow,
};
use switchboard::store::LeadRecord;
use switchboard::tui::event::PageDirection;
use switchboard::tui::forms::campaign::CampaignForm;
use switchboard::tui::forms::dnc::DncForm;
use switchboard::tui::forms::import::{ImportEvent, ImportForm, Preview};
use switchboard::tui::forms::Form;
use switchboard::tui::panes::{caller_ids, campaigns, footer, header, queue, slots, timeline};
use switchboard::tui::view::{DetailState, Overlay, PendingCommand};
use switchboard::tui::{buffer_text, ui, Keymap, Pane, Theme, View};

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (200, 60)];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 15, 9, 26)
        .single()
        .expect("valid time")
}

fn slot(i: i64, state: AttemptState, secs_ago: i64) -> SlotView {
    SlotView {
        attempt: AttemptId(100 + i),
        lead: LeadId(i),
        lead_name: Some(
            [
                "Ada Lovelace",
                "Grace Hopper",
                "Alan Turing",
                "Edsger Dijkstra",
            ][i as usize % 4]
                .into(),
        ),
        phone: format!("+1212555{:04}", 100 + i),
        caller_id: Some(format!("+1646555{:04}", i % 2)),
        variant: Some(["A", "B"][i as usize % 2].into()),
        attempt_number: if i == 2 { 2 } else { 1 },
        state,
        dialed_at: now() - Duration::seconds(secs_ago),
        state_since: now() - Duration::seconds(secs_ago / 2),
        answered_at: (state == AttemptState::Answered)
            .then(|| now() - Duration::seconds(secs_ago / 2)),
    }
}

fn running_campaign() -> CampaignView {
    let outcomes: BTreeMap<Outcome, u64> = [
        (Outcome::Completed, 41),
        (Outcome::NoAnswer, 17),
        (Outcome::Busy, 3),
        (Outcome::InvalidNumber, 1),
    ]
    .into();
    CampaignView {
        id: CampaignId(1),
        name: "Spring renewals".into(),
        status: CampaignStatus::Running,
        pause_reason: None,
        agent_name: "renewals-agent".into(),
        trunk_id: "ST_demo".into(),
        max_concurrent: 5,
        leads: LeadCounts {
            pending: 120,
            dialing: 3,
            done: 41,
            retry_wait: 15,
            exhausted: 20,
            dnc: 1,
            invalid: 0,
            dnc_called: 0,
        },
        outcomes,
        attempts_today: 62,
        daily_cap: Some(500),
        slots: vec![
            slot(1, AttemptState::Dialing, 2),
            slot(2, AttemptState::Ringing, 9),
            slot(3, AttemptState::Answered, 95),
        ],
        next_up: Vec::new(),
        avg_ring_ms: Some(6_400),
        avg_talk_ms: Some(71_000),
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        dials_per_minute: (0..30).map(|i| (i * 7 % 11) as u64).collect(),
        eta_ms: Some(52 * 60_000),
        ring_timeout_ms: 30_000,
        next_retry_at: None,
        started_at: Some(now() - Duration::minutes(42)),
        completed_at: None,
    }
}

fn paused_campaign() -> CampaignView {
    CampaignView {
        id: CampaignId(2),
        name: "Winback Q2".into(),
        status: CampaignStatus::Paused,
        pause_reason: Some(PauseReason::OutsideWindow {
            until: Some(
                Utc.with_ymd_and_hms(2026, 3, 15, 13, 0, 0)
                    .single()
                    .expect("valid time"),
            ),
            timezone: "America/New_York".into(),
        }),
        slots: Vec::new(),
        outcomes: BTreeMap::new(),
        leads: LeadCounts {
            pending: 800,
            ..Default::default()
        },
        dials_per_minute: vec![0; 30],
        eta_ms: None,
        avg_ring_ms: None,
        avg_talk_ms: None,
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        ..running_campaign()
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        at: Some(now()),
        campaigns: vec![running_campaign(), paused_campaign()],
        notice: None,
    }
}

fn queue_rows() -> Vec<QueueRow> {
    (0..30)
        .map(|i| {
            let retry = i >= 25;
            QueueRow {
                key: if retry {
                    QueueKey::Later {
                        due_ms: 0,
                        id: 200 + i,
                    }
                } else {
                    QueueKey::Next(OrderKey {
                        priority: 0,
                        retry: false,
                        due_ms: 0,
                        id: 200 + i,
                    })
                },
                lead: LeadId(200 + i),
                name: Some(format!("Lead {}", 200 + i)),
                phone: format!("+1312555{:04}", 1000 + i),
                next_attempt: if retry { 2 } else { 1 },
                due_at: retry.then(|| now() + Duration::minutes(i - 20)),
            }
        })
        .collect()
}

fn timeline_rows() -> Vec<TimelineRow> {
    let kinds = [
        "dialing",
        "ringing",
        "answered",
        "agent_dispatched",
        "ended",
        "disposition",
    ];
    let details = [
        "",
        "SIP 180 Ringing",
        "",
        "renewals-agent",
        "completed, talk 1m11s",
        "interested",
    ];
    (0..40)
        .map(|i| TimelineRow {
            id: i + 1,
            at: now() - Duration::seconds(200 - i * 5),
            attempt: AttemptId(50 + i / 6),
            lead: LeadId(10 + i / 6),
            lead_label: format!("Caller {}", 10 + i / 6),
            kind: kinds[i as usize % 6].into(),
            detail: details[i as usize % 6].into(),
        })
        .collect()
}

fn view(color: bool) -> View {
    let mut view = View::new(Keymap::defaults(), Theme::new(color));
    view.snapshot = Arc::new(snapshot());
    view.now = now();
    view.selected_campaign = Some(CampaignId(1));
    view.queue.campaign = Some(CampaignId(1));
    view.queue.apply(PageDirection::First, queue_rows(), 135);
    view.timeline.reset(Some(CampaignId(1)));
    view.timeline.apply_newest(timeline_rows());
    view
}

fn render(width: u16, height: u16, draw: impl FnOnce(&mut ratatui::Frame)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(draw).expect("draw");
    terminal.backend().buffer().clone()
}

fn check(name: &str, draw: impl Fn(&mut ratatui::Frame, &View)) {
    for (w, h) in SIZES {
        let view = view(true);
        let buffer = render(w, h, |f| draw(f, &view));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), buffer_text(&buffer));
    }
}

#[test]
fn header_pane() {
    check("header", |f, v| header::draw(f, f.area(), v));
}

#[test]
fn campaigns_pane() {
    check("campaigns", |f, v| campaigns::draw(f, f.area(), v));
}

#[test]
fn slots_pane() {
    check("slots", |f, v| slots::draw(f, f.area(), v));
}

#[test]
fn queue_pane() {
    check("queue", |f, v| queue::draw(f, f.area(), v));
}

#[test]
fn timeline_pane() {
    check("timeline", |f, v| timeline::draw(f, f.area(), v));
}

#[test]
fn footer_pane() {
    check("footer", |f, v| footer::draw(f, f.area(), v));
}

/// Whatever pane is focused, at 80 columns the bar keeps `? help` and `q quit` and
/// leaves out whole hints from the end rather than cutting any.
#[test]
fn the_footer_keeps_help_and_quit_at_80_columns_on_every_pane() {
    for pane in [Pane::Campaigns, Pane::Slots, Pane::Queue, Pane::Timeline] {
        let mut view = view(false);
        view.focus = pane;
        let text = buffer_text(&render(80, 24, |f| ui::draw(f, &view)));
        let bar = text.lines().last().unwrap_or_default().trim_end();
        assert!(bar.ends_with("? help  q quit"), "{pane:?}: {bar:?}");
        if pane == Pane::Slots {
            insta::assert_snapshot!("screen_slots_focused_80x24", text);
        }
    }
}

#[test]
fn whole_screen() {
    check("screen", ui::draw);
}

#[test]
fn whole_screen_at_250x70() {
    let view = view(true);
    let buffer = render(250, 70, |f| ui::draw(f, &view));
    insta::assert_snapshot!("screen_250x70", buffer_text(&buffer));
}

#[test]
fn paused_campaign_header_says_why() {
    let mut view = view(true);
    view.selected_campaign = Some(CampaignId(2));
    let buffer = render(160, 6, |f| header::draw(f, f.area(), &view));
    let text = buffer_text(&buffer);
    assert!(
        text.contains(
            "PAUSED: outside calling hours until 2026-03-15 13:00 UTC (America/New_York)"
        ),
        "{text}"
    );
}

#[test]
fn a_running_campaign_with_nothing_to_dial_says_when_its_next_retry_is_due() {
    let mut waiting = running_campaign();
    waiting.slots.clear();
    waiting.next_retry_at = Some(now() + Duration::minutes(58));
    let mut view = view(true);
    view.snapshot = Arc::new(Snapshot {
        at: Some(now()),
        campaigns: vec![waiting],
        notice: None,
    });
    for width in [80, 160] {
        let buffer = render(width, 6, |f| header::draw(f, f.area(), &view));
        let text = buffer_text(&buffer);
        assert!(text.contains("next retry"), "{width} columns:\n{text}");
        if width == 160 {
            assert!(text.contains("(in 58m)"), "{text}");
        }
    }
}

fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let text = buffer_text(buffer);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return Some((x as u16, y as u16));
        }
    }
    None
}

fn pool_rows() -> Vec<switchboard::store::caller_ids::CallerIdHealth> {
    use switchboard::store::caller_ids::CallerIdHealth;
    let number = |n: &str, today: u64, answered: usize, calls: usize| CallerIdHealth {
        number: n.into(),
        calls_today: today,
        cap: Some(150),
        answered,
        calls,
        resting_until: None,
        rest_reason: None,
    };
    vec![
        number("+12125550100", 41, 19, 50),
        CallerIdHealth {
            resting_until: Some(Utc.with_ymd_and_hms(2026, 6, 2, 4, 0, 0).unwrap()),
            rest_reason: Some("answer rate 0% (0/12) ...".into()),
            ..number("+13125550100", 12, 0, 12)
        },
        number("+442079460000", 150, 30, 50),
    ]
}

#[test]
fn the_caller_id_section_shows_use_rate_and_rest_under_the_campaigns() {
    let mut view = view(true);
    view.caller_ids.campaign = Some(CampaignId(1));
    view.caller_ids.rows = pool_rows();
    let buffer = render(160, 48, |f| ui::draw(f, &view));
    let text = buffer_text(&buffer);
    for line in [
        "+12125550100  41/150  38% (19/50) in use",
        "+13125550100  12/150  0% (0/12)   resting",
        "+442079460000 150/150 60% (30/50) at cap",
    ] {
        assert!(text.contains(line), "{line} not on screen:\n{text}");
    }
    assert!(text.contains("Caller IDs"), "{text}");
    // Wherever the section shows, a number is whole; a narrow pane leaves columns out.
    for (w, h) in [(120, 40), (200, 60)] {
        let text = buffer_text(&render(w, h, |f| ui::draw(f, &view)));
        for number in ["+12125550100", "+13125550100", "+442079460000"] {
            assert!(
                text.contains(&format!("│{number} ")),
                "{number} cut at {w}x{h}:\n{text}"
            );
        }
    }
    for (label, color) in [
        ("resting", Color::Yellow),
        ("at cap", Color::Yellow),
        ("in use", Color::Green),
    ] {
        let (x, y) = find(&buffer, label).unwrap_or_else(|| panic!("{label} not on screen"));
        assert_eq!(buffer[(x, y)].fg, color, "{label}");
    }
    // A campaign without a pool shows no section: the campaigns pane keeps its room.
    let plain = self::view(true);
    let text = buffer_text(&render(160, 48, |f| ui::draw(f, &plain)));
    assert!(!text.contains("Caller IDs"));
}

#[test]
fn caller_id_section() {
    for (w, h) in [(80, 24), (200, 60)] {
        let mut view = view(true);
        view.caller_ids.campaign = Some(CampaignId(1));
        view.caller_ids.rows = pool_rows();
        // As the main screen lays it out: under the campaigns, a third of the width.
        let buffer = render(w, h, |f| {
            let area = ratatui::layout::Rect::new(0, 0, f.area().width / 3, 6);
            caller_ids::draw(f, area, &view)
        });
        insta::assert_snapshot!(format!("caller_ids_{w}x{h}"), buffer_text(&buffer));
    }
}

#[test]
fn a_wide_calls_pane_shows_caller_id_and_variant_and_a_lead_column_no_wider_than_its_names() {
    let view = view(true);
    let text = buffer_text(&render(200, 12, |f| slots::draw(f, f.area(), &view)));
    let header = text.lines().nth(1).unwrap();
    assert!(
        header.contains("Caller ID") && header.contains("Variant"),
        "{text}"
    );
    // "Edsger Dijkstra" is the longest name: the number follows it after one space.
    let lead = header.find("Lead").unwrap();
    let number = header.find("Number").unwrap();
    assert_eq!(number - lead, "Edsger Dijkstra".len() + 1, "{text}");
    assert!(text.contains("+16465550001"), "{text}");
    // As wide as an 80-column screen gives it, the pane keeps its five columns.
    let text = buffer_text(&render(48, 12, |f| slots::draw(f, f.area(), &view)));
    assert!(!text.contains("Caller ID"), "{text}");
    // Calls that all present the trunk's own number need no column for it.
    let mut trunk_only = self::view(true);
    let mut snapshot = (*trunk_only.snapshot).clone();
    for campaign in &mut snapshot.campaigns {
        for slot in &mut campaign.slots {
            slot.caller_id = None;
        }
    }
    trunk_only.snapshot = std::sync::Arc::new(snapshot);
    let text = buffer_text(&render(200, 12, |f| slots::draw(f, f.area(), &trunk_only)));
    assert!(
        !text.contains("Caller ID") && text.contains("Variant"),
        "{text}"
    );
}

#[test]
fn slot_states_are_coloured_and_still_readable_without_colour() {
    let view = view(true);
    let buffer = render(100, 10, |f| slots::draw(f, f.area(), &view));
    for (label, color) in [
        ("dialing", Color::Yellow),
        ("ringing", Color::Cyan),
        ("active", Color::Green),
    ] {
        let (x, y) = find(&buffer, label).unwrap_or_else(|| panic!("{label} not on screen"));
        assert_eq!(buffer[(x, y)].fg, color, "{label}");
    }
    let plain = self::view(false);
    let buffer = render(100, 10, |f| slots::draw(f, f.area(), &plain));
    for label in ["dialing", "ringing", "active"] {
        let (x, y) = find(&buffer, label).unwrap_or_else(|| panic!("{label} not on screen"));
        assert_eq!(
            buffer[(x, y)].fg,
            Color::Reset,
            "NO_COLOR: {label} has no colour"
        );
    }
}

#[test]
fn focused_pane_is_marked_without_colour_too() {
    let mut view = view(false);
    view.focus = Pane::Timeline;
    let buffer = render(160, 48, |f| ui::draw(f, &view));
    let text = buffer_text(&buffer);
    assert!(
        text.contains("┏"),
        "the focused pane has a thick border:\n{text}"
    );
    for y in 0..48 {
        for x in 0..160 {
            assert_eq!(buffer[(x, y)].fg, Color::Reset);
        }
    }
}

#[test]
fn a_ringing_slot_never_shows_more_than_the_ring_timeout() {
    let mut view = view(false);
    let mut snap = snapshot();
    // Noticed late (a slow poll): dialled 69 s ago under a 30 s ring timeout.
    snap.campaigns[0].slots = vec![slot(2, AttemptState::Ringing, 69)];
    view.snapshot = Arc::new(snap);
    let text = buffer_text(&render(100, 8, |f| slots::draw(f, f.area(), &view)));
    assert!(text.contains("ringing  30s"), "{text}");
    assert!(!text.contains("1m09s"), "{text}");
}

#[test]
fn the_header_shows_dnc_leads_apart_and_no_eta_while_paused() {
    let mut view = view(false);
    let mut snap = snapshot();
    let draft = &mut snap.campaigns[1];
    // Four leads, three on the DNC list, nothing called: not 75%.
    draft.leads = LeadCounts {
        pending: 1,
        dnc: 3,
        ..Default::default()
    };
    view.snapshot = Arc::new(snap);
    view.selected_campaign = Some(CampaignId(2));
    let text = buffer_text(&render(120, 5, |f| header::draw(f, f.area(), &view)));
    assert!(text.contains("0 / 1 leads (0%) · 3 DNC"), "{text}");
    assert!(text.contains("ETA —"), "paused: {text}");
}

#[test]
fn a_thousand_calls_render_only_what_fits() {
    let mut view = view(true);
    let mut snap = snapshot();
    snap.campaigns[0].slots = (0..1000)
        .map(|i| slot(i, AttemptState::Answered, i))
        .collect();
    snap.campaigns[0].max_concurrent = 1000;
    view.snapshot = Arc::new(snap);
    view.slot_selected = 999;
    let buffer = render(100, 12, |f| slots::draw(f, f.area(), &view));
    let text = buffer_text(&buffer);
    assert!(text.contains("1000/1000"), "{text}");
    assert!(
        text.contains("1000 "),
        "the last slot is scrolled into view: {text}"
    );
}

fn history() -> LeadHistory {
    let lead = LeadRecord {
        id: LeadId(12),
        campaign: CampaignId(1),
        phone: "+12125550112".into(),
        name: Some("Grace Hopper".into()),
        timezone: Some("America/New_York".into()),
        priority: 0,
        variables: serde_json::json!({"plan": "gold", "renewal_date": "2026-04-01"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        state: LeadState::RetryWait,
        attempts: 2,
        next_attempt_at: Some(now() + Duration::minutes(30)),
        last_outcome: Some(Outcome::NoAnswer),
        import_line: Some(13),
        created_at: now() - Duration::hours(2),
    };
    let t0 = now() - Duration::minutes(40);
    let first = AttemptHistory {
        id: AttemptId(51),
        number: 1,
        phone: lead.phone.clone(),
        state: AttemptState::Ended(Outcome::NoAnswer),
        sip_status_code: Some(480),
        sip_status: Some("Temporarily Unavailable".into()),
        twirp_code: None,
        disconnect_reason: None,
        error: None,
        disposition: None,
        created_at: t0,
        dialed_at: Some(t0),
        ringing_at: Some(t0 + Duration::seconds(2)),
        answered_at: None,
        ended_at: Some(t0 + Duration::seconds(30)),
        caller_id: None,
        variant: None,
        recording: None,
        recording_error: None,
        steps: vec![
            AttemptStep {
                at: t0,
                kind: "dialing".into(),
                detail: String::new(),
            },
            AttemptStep {
                at: t0 + Duration::seconds(2),
                kind: "ringing".into(),
                detail: "SIP 180".into(),
            },
            AttemptStep {
                at: t0 + Duration::seconds(30),
                kind: "ended".into(),
                detail: "no_answer, SIP 480".into(),
            },
        ],
        ring_timeout_ms: 30_000,
    };
    let t1 = now() - Duration::minutes(2);
    let second = AttemptHistory {
        id: AttemptId(77),
        number: 2,
        state: AttemptState::Ended(Outcome::Completed),
        sip_status_code: Some(200),
        sip_status: Some("OK".into()),
        disposition: Some("interested".into()),
        dialed_at: Some(t1),
        answered_at: Some(t1 + Duration::seconds(6)),
        ended_at: Some(t1 + Duration::seconds(77)),
        variant: None,
        recording: None,
        recording_error: None,
        steps: vec![
            AttemptStep {
                at: t1,
                kind: "dialing".into(),
                detail: String::new(),
            },
            AttemptStep {
                at: t1 + Duration::seconds(6),
                kind: "answered".into(),
                detail: String::new(),
            },
            AttemptStep {
                at: t1 + Duration::seconds(70),
                kind: "disposition".into(),
                detail: "interested".into(),
            },
            AttemptStep {
                at: t1 + Duration::seconds(77),
                kind: "ended".into(),
                detail: "completed".into(),
            },
        ],
        ..first.clone()
    };
    LeadHistory {
        lead,
        numbers: Vec::new(),
        attempts: vec![first, second],
    }
}

#[test]
fn the_lead_popup_lists_each_number_with_its_outcomes_and_the_caller_id_of_each_call() {
    use switchboard::domain::lead_numbers::LeadNumber;
    let mut h = history();
    h.numbers = vec![
        LeadNumber {
            phone: "+12125550112".into(),
            attempts: 1,
            last_outcome: Some(Outcome::InvalidNumber),
            retired: true,
        },
        LeadNumber {
            phone: "+13125550199".into(),
            attempts: 1,
            last_outcome: Some(Outcome::Completed),
            retired: false,
        },
        LeadNumber {
            phone: "+13125550200".into(),
            attempts: 0,
            last_outcome: None,
            retired: false,
        },
    ];
    h.attempts[1].phone = "+13125550199".into();
    h.attempts[1].caller_id = Some("+13125550100".into());
    let theme = switchboard::tui::Theme::new(false);
    let text: Vec<String> = switchboard::tui::popups::detail::lines(&h, &theme)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = text.join("\n");
    assert!(text.contains("Numbers"), "{text}");
    assert!(
        text.contains("  1. +12125550112     1 call, last invalid_number  retired"),
        "{text}"
    );
    assert!(
        text.contains("  2. +13125550199     1 call, last completed"),
        "{text}"
    );
    assert!(
        text.contains("  3. +13125550200     not dialled yet"),
        "{text}"
    );
    assert!(
        text.contains("a77 · +13125550199 · from +13125550100"),
        "{text}"
    );
}

/// Calls that did not count (not placed) keep the stored attempt number of the next
/// one; the popup's count and its numbering follow what is stored, and say which
/// counted (once "attempts 0" stood above two "Attempt 1" blocks).
#[test]
fn the_lead_popup_counts_and_numbers_the_stored_attempts() {
    let mut h = history();
    h.lead.attempts = 0;
    h.lead.state = LeadState::Pending;
    for attempt in &mut h.attempts {
        attempt.number = 1;
        attempt.state = AttemptState::Ended(Outcome::NotPlaced);
    }
    let theme = switchboard::tui::Theme::new(false);
    let text: Vec<String> = switchboard::tui::popups::detail::lines(&h, &theme)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = text.join("\n");
    assert!(
        text.contains("attempts 2 (0 counted toward the limit)"),
        "{text}"
    );
    assert!(text.contains("Attempt 1 not_placed"), "{text}");
    assert!(text.contains("Attempt 2 not_placed"), "{text}");
    assert_eq!(
        text.matches("not counted toward the limit").count(),
        2,
        "{text}"
    );

    // All counted: the count alone, as before.
    let text: Vec<String> = switchboard::tui::popups::detail::lines(&history(), &theme)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = text.join("\n");
    assert!(text.contains("· attempts 2 · priority"), "{text}");
    assert!(
        text.contains("Attempt 1 ") && text.contains("Attempt 2 "),
        "{text}"
    );
}

fn check_overlay(name: &str, make: impl Fn() -> Overlay) {
    for (w, h) in SIZES {
        let mut view = view(true);
        view.overlay = Some(make());
        let buffer = render(w, h, |f| ui::draw(f, &view));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), buffer_text(&buffer));
    }
}

#[test]
fn help_popup() {
    check_overlay("help", || Overlay::Help { scroll: 0 });
}

/// Every help line keeps its label and its action's name apart, however long the label
/// ("leave running and quit" once ran into "keep_running_and_quit").
#[test]
fn help_columns_never_run_together() {
    use switchboard::tui::action::Action;
    let view = view(false);
    let text: Vec<String> = switchboard::tui::popups::help::lines(&view)
        .iter()
        .map(|line| line.to_string())
        .collect();
    // Columns are what two or more spaces separate.
    let columns = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for action in Action::ALL {
        let label = switchboard::tui::strings::action_label(*action);
        assert!(
            text.iter().any(|line| {
                let c = columns(line);
                c.len() == 3 && c[1] == label && c[2] == action.name()
            }),
            "{label:?} then {:?} in {text:#?}",
            action.name()
        );
    }
}

#[test]
fn detail_popup() {
    check_overlay("detail", || {
        Overlay::Detail(Box::new(DetailState {
            lead: LeadId(12),
            attempt: Some(AttemptId(77)),
            campaign: Some(CampaignId(1)),
            history: Some(Ok(history())),
            scroll: 0,
            finder: None,
        }))
    });
}

#[test]
fn confirm_popup() {
    check_overlay("confirm", || Overlay::Confirm {
        question: switchboard::tui::strings::confirm_stop("Spring renewals", 3, 412),
        pending: PendingCommand {
            what: "stop".into(),
            command: switchboard::engine::Command::Stop {
                id: CampaignId(1),
                hang_up_live_calls: true,
            },
        },
    });
}

#[test]
fn quit_popup() {
    check_overlay("quit", || Overlay::Quit);
}

/// The demo's engine ends with it: its quit dialog offers nothing "left running".
#[test]
fn quit_popup_in_the_demo() {
    for (w, h) in SIZES {
        let mut view = view(true);
        view.demo = true;
        view.overlay = Some(Overlay::Quit);
        let text = buffer_text(&render(w, h, |f| ui::draw(f, &view)));
        assert!(!text.contains("leave running"), "{text}");
        assert!(text.contains("quit (resume later)  esc cancel"), "{text}");
        insta::assert_snapshot!(format!("quit_demo_{w}x{h}"), text);
    }
}

#[test]
fn campaign_form_shows_errors_beside_fields() {
    check_overlay("campaign_form", || {
        let mut form = CampaignForm::new(
            None,
            CampaignSettings {
                name: "Renewals".into(),
                ..Default::default()
            },
        );
        assert!(form.command().is_none(), "agent and trunk are missing");
        Overlay::Form(Box::new(Form::Campaign(form)))
    });
}

/// A field's error wraps under itself instead of being cut mid-word, at 120 columns
/// as at 80 and 200.
#[test]
fn form_errors_wrap_whole_words() {
    let mut form = CampaignForm::new(
        None,
        CampaignSettings {
            name: "Renewals".into(),
            ..Default::default()
        },
    );
    assert!(form.command().is_none());
    let errors: Vec<String> = form.fields.iter().filter_map(|f| f.error.clone()).collect();
    assert!(!errors.is_empty());
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let mut view = view(false);
        view.overlay = Some(Overlay::Form(Box::new(Form::Campaign(form.clone()))));
        let text = buffer_text(&render(w, h, |f| ui::draw(f, &view)));
        let words: std::collections::HashSet<&str> = text
            .split(|c: char| c.is_whitespace() || c == '│')
            .collect();
        for error in &errors {
            for word in error.split_whitespace() {
                assert!(
                    words.contains(word),
                    "{w}x{h}: `{word}` of {error:?} whole in\n{text}"
                );
            }
        }
        if w != 120 {
            insta::assert_snapshot!(format!("campaign_form_errors_{w}x{h}"), text);
        }
    }
}

#[test]
fn import_form_with_preview() {
    check_overlay("import_form", || {
        let mut form = ImportForm::new(CampaignId(1), "Spring renewals".into(), "US");
        form.fields[0].input = tui_input::Input::new("leads.csv".into());
        form.apply(ImportEvent::Preview {
            path: "leads.csv".into(),
            result: Ok(Preview {
                headers: vec!["phone".into(), "name".into(), "plan".into()],
                rows: vec![vec![
                    "(212) 555-0100".into(),
                    "Ada Lovelace".into(),
                    "gold".into(),
                ]],
                mapping: Ok("phone from `phone`, name from `name`, variables: plan".into()),
            }),
        });
        Overlay::Form(Box::new(Form::Import(form)))
    });
}

#[test]
fn dnc_form() {
    check_overlay("dnc_form", || {
        Overlay::Form(Box::new(Form::Dnc(DncForm::new(
            Some(CampaignId(1)),
            "+12125550100",
            "US",
        ))))
    });
}

#[test]
fn the_header_shows_how_long_callees_wait_for_the_agent() {
    let mut view = view(true);
    let mut snapshot = (*view.snapshot).clone();
    snapshot.campaigns[0].agent_join_p50_ms = Some(400);
    snapshot.campaigns[0].agent_join_p95_ms = Some(2_300);
    view.snapshot = Arc::new(snapshot);
    let buffer = render(250, 6, |f| header::draw(f, f.area(), &view));
    let text = buffer_text(&buffer);
    assert!(text.contains("agent p50/p95"), "{text}");
}

/// At 80 columns every figure in the header is whole or absent, the demo's draft keeps
/// "press s to start dialling", and the progress bar stops before its label.
#[test]
fn the_header_at_80_columns_cuts_nothing_in_half() {
    let mut view = view(false);
    let mut snapshot = (*view.snapshot).clone();
    snapshot.campaigns[0].agent_join_p50_ms = Some(400);
    snapshot.campaigns[0].agent_join_p95_ms = Some(2_300);
    view.snapshot = Arc::new(snapshot);
    let text = buffer_text(&render(80, 6, |f| header::draw(f, f.area(), &view)));
    assert!(!text.contains("agent p50/p95\n"), "{text}");
    for line in text.lines() {
        assert!(!line.trim_end().ends_with("p50/p95"), "{line:?}");
    }
    let gauge = text.lines().nth(1).unwrap_or_default();
    assert!(
        gauge.contains("█ 61 / 199 leads (31%)") || gauge.contains("  61 / 199 leads (31%)"),
        "{gauge:?}"
    );
    insta::assert_snapshot!("header_agent_80x6", text);
    let text = buffer_text(&render(200, 6, |f| header::draw(f, f.area(), &view)));
    assert!(
        text.contains("agent p50/p95 400ms/2.3s") || text.contains("agent p50/p95 0.4s/2.3s"),
        "{text}"
    );

    let mut view = view_demo_draft();
    let text = buffer_text(&render(80, 6, |f| header::draw(f, f.area(), &view)));
    let title = text.lines().next().unwrap_or_default();
    assert!(
        title.trim_end().ends_with("press s to start dialling"),
        "{title:?}"
    );
    insta::assert_snapshot!("header_demo_draft_80x6", text);
    view.demo = false;
}

fn view_demo_draft() -> View {
    let mut view = view(false);
    view.demo = true;
    let mut snapshot = (*view.snapshot).clone();
    snapshot.campaigns[0].name = "Demo: spring renewals".into();
    snapshot.campaigns[0].status = CampaignStatus::Draft;
    snapshot.campaigns[0].pause_reason = None;
    view.snapshot = Arc::new(snapshot);
    view
}

#[test]
fn the_agents_popup_shows_the_ab_table_and_which_campaigns_use_each_trunk() {
    use switchboard::domain::{compare_variants, VariantCounts};
    use switchboard::engine::TrunkUse;
    use switchboard::tui::view::AgentsState;
    let counts = |name: &str, interested: u64| VariantCounts {
        variant: name.into(),
        calls: 60,
        answered: 40,
        talk_secs: 40 * 75,
        dispositions: BTreeMap::from([
            ("interested".to_string(), interested),
            ("not_interested".to_string(), 40 - interested),
        ]),
    };
    let report = compare_variants(&[counts("A", 30), counts("B", 10)]);
    let mut view = view(true);
    view.overlay = Some(Overlay::Agents(Box::new(AgentsState {
        campaign: Some(CampaignId(1)),
        variants: Some(Ok(Some(Box::new(report)))),
        trunks: Some(Ok(vec![
            TrunkUse {
                id: "ST_twilio".into(),
                name: "Twilio".into(),
                address: "x.pstn.twilio.com".into(),
                numbers: vec!["+15551110000".into()],
                campaigns: vec![(CampaignId(1), "Spring renewals".into())],
            },
            TrunkUse {
                id: "ST_spare".into(),
                name: "Spare".into(),
                address: "sip.spare.example".into(),
                numbers: vec![],
                campaigns: vec![],
            },
        ])),
    })));
    let buffer = render(160, 48, |f| ui::draw(f, &view));
    let text = buffer_text(&buffer);
    for expected in [
        "Agents and trunks",
        "A                60     67%      75 s  75% (60-86%)",
        "A leads on interested (75% vs 25% for B): significant at 95%.",
        "ST_twilio  Twilio  x.pstn.twilio.com  +15551110000",
        "used by: c1 Spring renewals",
        "used by: no campaign",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn the_detail_popup_shows_the_variant_and_the_recording() {
    let mut history = history();
    history.attempts[0].variant = Some("B".into());
    history.attempts[0].recording = Some("recordings/outbound-1-77.ogg".into());
    history.attempts[1].recording_error = Some("LiveKit unavailable: no egress".into());
    let mut view = view(true);
    view.overlay = Some(Overlay::Detail(Box::new(DetailState {
        lead: LeadId(12),
        attempt: Some(AttemptId(77)),
        campaign: Some(CampaignId(1)),
        history: Some(Ok(history)),
        scroll: 0,
        finder: None,
    })));
    let buffer = render(250, 70, |f| ui::draw(f, &view));
    let text = buffer_text(&buffer);
    assert!(text.contains("variant B"), "{text}");
    assert!(text.contains("recordings/outbound-1-77.ogg"), "{text}");
    assert!(text.contains("recording failed:"), "{text}");
}

/// The lead finder with a page of results, the second chosen, at the smallest screen
/// and a large one.
#[test]
fn lead_finder_popup() {
    use switchboard::domain::{LeadState, Outcome};
    use switchboard::store::lead_search::LeadRow;
    use switchboard::tui::popups::lead_finder::LeadFinder;
    let mut finder = LeadFinder::new(Some(CampaignId(1)), Some("Spring renewals".into()), "ada");
    finder.rows = (0..4)
        .map(|i| LeadRow {
            lead: LeadId(1200 + i),
            campaign: CampaignId(1),
            phone: format!("+4420794609{i:02}"),
            name: Some(format!("Ada Lovelace-Byron {i}")),
            state: if i == 1 {
                LeadState::RetryWait
            } else {
                LeadState::Done
            },
            attempts: i as u32 + 1,
            last_outcome: Some(if i == 1 {
                Outcome::Busy
            } else {
                Outcome::Completed
            }),
            last_attempt_at: Some(now() - Duration::minutes(10 * i)),
            next_attempt_at: None,
        })
        .collect();
    finder.next = Some(LeadId(1203));
    finder.selected = 1;
    for (w, h) in [(80, 24), (200, 60)] {
        let mut view = view(true);
        view.focus = Pane::Queue;
        view.overlay = Some(Overlay::LeadFinder(Box::new(finder.clone())));
        let buffer = render(w, h, |f| ui::draw(f, &view));
        insta::assert_snapshot!(format!("lead_finder_{w}x{h}"), buffer_text(&buffer));
    }
    // Nothing found says so.
    let empty = LeadFinder::new(Some(CampaignId(1)), Some("Spring renewals".into()), "zzz");
    let mut view = view(true);
    view.overlay = Some(Overlay::LeadFinder(Box::new(empty)));
    let text = buffer_text(&render(80, 24, |f| ui::draw(f, &view)));
    assert!(text.contains("no lead matches"), "{text}");
}
