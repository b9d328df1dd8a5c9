//! Console performance on a big campaign: 1,000,000 leads, 100,000 timeline events and
//! a snapshot with 1,000 calls in flight.
//!
//! - frame render time (p50/p99/max) of the whole screen into a 160x48 `TestBackend`;
//! - first frame: opening the database, reading the first queue page and the newest
//!   timeline page, and drawing;
//! - queue and timeline paging deep into the campaign (keyset pages);
//! - memory: resident set before and after paging through 200,000 queue rows and the
//!   whole timeline, which must not grow with what was scrolled past.
//!
//! Run: `cargo bench --bench tui` (set `TUI_BENCH_LEADS` for a smaller database).

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rusqlite::{params, Connection};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::domain::{
    AttemptId, AttemptState, CampaignId, CampaignSettings, CampaignStatus, LeadId, Outcome,
};
use switchboard::engine::{CampaignView, LeadCounts, SlotView, Snapshot};
use switchboard::store::views;
use switchboard::store::{CampaignRecord, NewCampaign, Store};
use switchboard::tui::event::PageDirection;
use switchboard::tui::queue::{self, QueueLoad};
use switchboard::tui::timeline::{self, TimelineLoad};
use switchboard::tui::{ui, Keymap, Pane, Theme, View};

const EVENTS: i64 = 100_000;
const SLOTS: i64 = 1_000;
const FRAMES: usize = 500;

fn leads_wanted() -> i64 {
    std::env::var("TUI_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn build_database(path: &Path, leads: i64) -> CampaignId {
    let store = Store::open(path).expect("store");
    let settings = CampaignSettings {
        name: "Big campaign".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        ..Default::default()
    };
    let now = Utc::now();
    let id = store
        .write_blocking(move |c| CampaignRecord::insert(c, &NewCampaign { settings, now }))
        .expect("campaign");
    drop(store);
    let mut conn = Connection::open(path).expect("open");
    conn.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let tx = conn.transaction().expect("tx");
    {
        let mut lead = tx
            .prepare(
                "INSERT INTO leads (campaign_id, phone, name, priority, state, attempts, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
            )
            .expect("prepare");
        for i in 0..leads {
            // Most wait their first call; every 50th waits for a retry; a few have priority.
            let retry = i % 50 == 49;
            lead.execute(params![
                id.0,
                format!("+1212{:07}", i),
                format!("Lead {i}"),
                if i % 1000 == 0 { 5 } else { 0 },
                if retry { "retry_wait" } else { "pending" },
                if retry { 1 } else { 0 },
                if retry {
                    Some(1_800_000_000_000i64 + i)
                } else {
                    None
                },
            ])
            .expect("lead");
        }
        let mut attempt = tx
            .prepare(
                "INSERT INTO attempts (id, campaign_id, lead_id, number, phone, state, room, created_at)
                 VALUES (?1, ?2, ?3, 1, '+1', 'completed', 'r', 0)",
            )
            .expect("prepare");
        let mut event = tx
            .prepare("INSERT INTO attempt_events (attempt_id, campaign_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("prepare");
        let kinds = [
            "dialing",
            "ringing",
            "answered",
            "agent_dispatched",
            "ended",
        ];
        for e in 0..EVENTS {
            let attempt_id = e / 5 + 1;
            if e % 5 == 0 {
                attempt
                    .execute(params![attempt_id, id.0, attempt_id])
                    .expect("attempt");
            }
            event
                .execute(params![
                    attempt_id,
                    id.0,
                    1_700_000_000_000i64 + e * 1000,
                    kinds[(e % 5) as usize],
                    "SIP 200 OK"
                ])
                .expect("event");
        }
    }
    tx.commit().expect("commit");
    id
}

fn big_snapshot(id: CampaignId, leads: u64) -> Snapshot {
    let now = Utc
        .with_ymd_and_hms(2026, 3, 14, 12, 0, 0)
        .single()
        .expect("time");
    let states = [
        AttemptState::Dialing,
        AttemptState::Ringing,
        AttemptState::Answered,
    ];
    let slots = (0..SLOTS)
        .map(|i| SlotView {
            attempt: AttemptId(i),
            lead: LeadId(i),
            lead_name: Some(format!("Lead {i}")),
            phone: format!("+1212{:07}", i),
            attempt_number: 1,
            state: states[(i % 3) as usize],
            dialed_at: now - ChronoDuration::seconds(i % 300),
            state_since: now,
        })
        .collect();
    let campaign = CampaignView {
        id,
        name: "Big campaign".into(),
        status: CampaignStatus::Running,
        pause_reason: None,
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        max_concurrent: SLOTS as u32,
        leads: LeadCounts {
            pending: leads - leads / 50,
            retry_wait: leads / 50,
            ..Default::default()
        },
        outcomes: BTreeMap::from([(Outcome::Completed, 20_000), (Outcome::NoAnswer, 7_000)]),
        attempts_today: 27_000,
        daily_cap: None,
        slots,
        next_up: Vec::new(),
        avg_ring_ms: Some(5_000),
        avg_talk_ms: Some(60_000),
        dials_per_minute: (0..30).map(|i| 100 + i).collect(),
        started_at: None,
        completed_at: None,
    };
    Snapshot {
        at: Some(now),
        campaigns: vec![campaign],
        notice: None,
    }
}

fn run_queue(store: &Store, view: &mut View, load: Option<QueueLoad>) {
    let Some(QueueLoad {
        campaign,
        direction,
        from,
        ..
    }) = load
    else {
        return;
    };
    let filter = view.queue.filter.clone();
    let rows = store
        .read_blocking(|c| match direction {
            PageDirection::First => {
                views::queue_after(c, campaign, None, queue::PAGE, filter.as_deref())
            }
            PageDirection::After => {
                views::queue_after(c, campaign, from, queue::PAGE, filter.as_deref())
            }
            PageDirection::Last => {
                views::queue_before(c, campaign, None, queue::PAGE, filter.as_deref())
            }
            PageDirection::Before => {
                views::queue_before(c, campaign, from, queue::PAGE, filter.as_deref())
            }
        })
        .expect("queue page");
    let total = view.queue_total();
    view.queue.apply(direction, rows, total);
}

fn run_timeline(store: &Store, view: &mut View, load: Option<TimelineLoad>) {
    let Some(load) = load else { return };
    let Some(campaign) = view.timeline.campaign else {
        return;
    };
    let (newest, before) = match load {
        TimelineLoad::Newest { .. } => (true, None),
        TimelineLoad::Older { before, .. } => (false, before),
    };
    let rows = store
        .read_blocking(|c| views::timeline_before(c, campaign, before, timeline::PAGE))
        .expect("timeline page");
    if newest {
        view.timeline.apply_newest(rows);
    } else {
        view.timeline.apply_older(rows);
    }
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let leads = leads_wanted();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let started = Instant::now();
    let id = build_database(&path, leads);
    println!(
        "database: {leads} leads, {EVENTS} timeline events, built in {:.1?}",
        started.elapsed()
    );

    // First frame: open, first pages, draw.
    let first_frame = Instant::now();
    let store = Store::open(&path).expect("store");
    let mut view = View::new(Keymap::defaults(), Theme::new(true));
    view.snapshot = Arc::new(big_snapshot(id, leads as u64));
    view.now = view.snapshot.at.unwrap_or_default();
    view.selected_campaign = Some(id);
    let load = view.queue.reset(Some(id));
    run_queue(&store, &mut view, load);
    let load = view.timeline.reset(Some(id));
    run_timeline(&store, &mut view, load);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    terminal.draw(|f| ui::draw(f, &view)).expect("draw");
    let first_frame = first_frame.elapsed();

    // Frame render times, cycling focus and moving selections like an operator would.
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        view.focus = Pane::ORDER[i % 4];
        view.slot_selected = (i * 7) % SLOTS as usize;
        let start = Instant::now();
        terminal.draw(|f| ui::draw(f, &view)).expect("draw");
        times.push(start.elapsed());
    }
    times.sort();

    // Memory: page through 200,000 queue rows and the whole timeline.
    let rss_before = resident_kib();
    let paging = Instant::now();
    let mut pages = 0;
    while view.queue.selected_position() < 200_000 {
        let load = view.queue.move_by(queue::PAGE as isize);
        if load.is_some() {
            pages += 1;
        }
        run_queue(&store, &mut view, load);
    }
    let queue_paging = paging.elapsed();
    let deep = Instant::now();
    let load = view.queue.bottom();
    run_queue(&store, &mut view, load);
    let queue_end = deep.elapsed();
    let paging = Instant::now();
    let mut timeline_pages = 0;
    while !view.timeline.reached_start {
        let load = view.timeline.top();
        if load.is_none() {
            break;
        }
        timeline_pages += 1;
        run_timeline(&store, &mut view, load);
    }
    let timeline_paging = paging.elapsed();
    let rss_after = resident_kib();
    let mut deep_times = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        terminal.draw(|f| ui::draw(f, &view)).expect("draw");
        deep_times.push(start.elapsed());
    }
    deep_times.sort();

    println!("frame render, 160x48, 1,000 live calls ({FRAMES} frames): p50 {:.2?}  p99 {:.2?}  max {:.2?}",
        percentile(&times, 0.5), percentile(&times, 0.99), times[times.len() - 1]);
    println!(
        "frame render while scrolled deep (queue row {}, oldest timeline page): p99 {:.2?}",
        view.queue.selected_position() + 1,
        percentile(&deep_times, 0.99)
    );
    println!(
        "first frame (open db, first queue page, newest timeline page, draw): {first_frame:.2?}"
    );
    println!("queue: {pages} keyset pages to row 200,000 in {queue_paging:.2?} ({:.2?} per page); jump to the end {queue_end:.2?}",
        queue_paging / pages.max(1));
    println!("timeline: {timeline_pages} pages back through {EVENTS} events in {timeline_paging:.2?}; {} rows held (cap {})",
        view.timeline.len(), timeline::CAP);
    println!(
        "queue rows held: {}; resident memory {} MiB before paging, {} MiB after (+{} KiB)",
        view.queue.rows.len(),
        rss_before / 1024,
        rss_after / 1024,
        rss_after.saturating_sub(rss_before)
    );
}
