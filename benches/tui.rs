//! Console performance on a big campaign: 1,000,000 leads, 100,000 timeline events and
//! a snapshot with 1,000 calls in flight.
//!
//! - frame render time of the whole screen into a 160x48 `TestBackend`: wall clock and
//!   the thread's CPU time per frame (p50/p99/p99.9/max), so a frame the scheduler
//!   preempted on a loaded machine is told apart from a frame that did more work;
//! - where a frame's CPU time goes, pane by pane;
//! - first frame: opening the database, reading the first queue page and the newest
//!   timeline page, and drawing;
//! - queue and timeline paging deep into the campaign (keyset pages);
//! - memory: resident set before and after paging through 200,000 queue rows and the
//!   whole timeline, which must not grow with what was scrolled past.
//!
//! Run: `cargo bench --bench tui` (set `TUI_BENCH_LEADS` for a smaller database and
//! `TUI_BENCH_FRAMES` for more or fewer frames).

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rusqlite::params;
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
use switchboard::tui::{panes, ui, Keymap, Pane, Theme, View};

const EVENTS: i64 = 100_000;
const SLOTS: i64 = 1_000;

fn env_number(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time this thread has used. Wall-clock percentiles on a shared machine mostly
/// measure who else was running; CPU time measures the frame's own work.
fn thread_cpu_time() -> Duration {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut time = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec; the clock id is Linux's.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// Wall-clock and CPU time of one piece of work.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Timing) {
    let cpu = thread_cpu_time();
    let wall = Instant::now();
    let out = work();
    let wall = wall.elapsed();
    let cpu = thread_cpu_time().saturating_sub(cpu);
    (out, Timing { wall, cpu })
}

/// `p50 0.31 ms  p99 0.45 ms  p99.9 0.60 ms  max 4.1 ms` of `times`.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "p50 {:.3} ms  p99 {:.3} ms  p99.9 {:.3} ms  max {:.3} ms",
        millis(percentile(&times, 0.5)),
        millis(percentile(&times, 0.99)),
        millis(percentile(&times, 0.999)),
        millis(times[times.len() - 1]),
    )
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
    // The rows go in through the store's own writer: a second connection could find
    // the file still held by the store's threads.
    store
        .write_blocking(move |tx| {
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
                 VALUES (?1, ?2, ?3, 1, '+1', 'completed', 'room-' || ?1, 0)",
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
            Ok(())
        })
        .expect("rows");
    drop(store);
    // As a long-running engine leaves it: the write-ahead log copied into the file, so
    // the first frame measures opening a database, not replaying 400 MB of log.
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
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
            caller_id: Some("+16465550100".into()),
            variant: None,
            attempt_number: 1,
            state: states[(i % 3) as usize],
            dialed_at: now - ChronoDuration::seconds(i % 300),
            state_since: now,
            answered_at: (states[(i % 3) as usize] == AttemptState::Answered).then_some(now),
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
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        dials_per_minute: (0..30).map(|i| 100 + i).collect(),
        eta_ms: Some(3_600_000),
        ring_timeout_ms: 30_000,
        next_retry_at: None,
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
            PageDirection::First => views::queue_after(
                c,
                campaign,
                Utc::now(),
                None,
                queue::PAGE,
                filter.as_deref(),
            ),
            PageDirection::After => views::queue_after(
                c,
                campaign,
                Utc::now(),
                from,
                queue::PAGE,
                filter.as_deref(),
            ),
            PageDirection::Last => views::queue_before(
                c,
                campaign,
                Utc::now(),
                None,
                queue::PAGE,
                filter.as_deref(),
            ),
            PageDirection::Before => views::queue_before(
                c,
                campaign,
                Utc::now(),
                from,
                queue::PAGE,
                filter.as_deref(),
            ),
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
    match load {
        TimelineLoad::Newest { .. } => {
            let rows = store
                .read_blocking(|c| views::timeline_before(c, campaign, None, timeline::PAGE))
                .expect("timeline page");
            view.timeline.apply_newest(rows);
        }
        TimelineLoad::Older { before, .. } => {
            let rows = store
                .read_blocking(|c| views::timeline_before(c, campaign, before, timeline::PAGE))
                .expect("timeline page");
            view.timeline.apply_older(rows);
        }
        TimelineLoad::Newer { after, .. } => {
            let rows = store
                .read_blocking(|c| views::timeline_after(c, campaign, after, timeline::PAGE))
                .expect("timeline page");
            view.timeline.apply_newer(rows);
        }
    }
}

/// What the operator does between frames: moves focus and the selected call.
fn operate(view: &mut View, frame: usize) {
    view.focus = Pane::ORDER[frame % 4];
    view.slot_selected = (frame * 7) % SLOTS as usize;
}

/// CPU time of each pane's draw, and of the rest of the frame (the buffer diff that
/// `Terminal::draw` does after drawing), over `frames` frames.
fn pane_costs(view: &mut View, frames: usize) -> Vec<(&'static str, Vec<Duration>)> {
    const PARTS: [&str; 7] = [
        "header",
        "campaigns",
        "slots",
        "queue",
        "timeline",
        "footer",
        "diff",
    ];
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    let mut costs: Vec<Vec<Duration>> = vec![Vec::with_capacity(frames); PARTS.len()];
    for i in 0..frames {
        operate(view, i);
        let view = &*view;
        let mut parts = [Duration::ZERO; 6];
        let (drawn, frame) = timed(|| {
            terminal.draw(|f| {
                let [header_area, campaigns_area, slots_area, queue_area, timeline_area, footer_area] =
                    ui::areas(f.area());
                parts[0] = timed(|| panes::header::draw(f, header_area, view)).1.cpu;
                parts[1] = timed(|| panes::campaigns::draw(f, campaigns_area, view)).1.cpu;
                parts[2] = timed(|| panes::slots::draw(f, slots_area, view)).1.cpu;
                parts[3] = timed(|| panes::queue::draw(f, queue_area, view)).1.cpu;
                parts[4] = timed(|| panes::timeline::draw(f, timeline_area, view)).1.cpu;
                parts[5] = timed(|| panes::footer::draw(f, footer_area, view)).1.cpu;
            })
        });
        drawn.expect("draw");
        for (part, cost) in parts.iter().enumerate() {
            costs[part].push(*cost);
        }
        costs[6].push(frame.cpu.saturating_sub(parts.iter().sum()));
    }
    PARTS.into_iter().zip(costs).collect()
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
    let leads = env_number("TUI_BENCH_LEADS", 1_000_000);
    let frames = env_number("TUI_BENCH_FRAMES", 5_000).max(1) as usize;
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
    let mut frame_times = Vec::with_capacity(frames);
    for i in 0..frames {
        operate(&mut view, i);
        let (drawn, timing) = timed(|| terminal.draw(|f| ui::draw(f, &view)));
        drawn.expect("draw");
        frame_times.push(timing);
    }
    let panes = pane_costs(&mut view, frames);

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
    let deep_frames = (frames / 10).max(50);
    let mut deep_times = Vec::with_capacity(deep_frames);
    for i in 0..deep_frames {
        view.focus = Pane::ORDER[i % 4];
        let (drawn, timing) = timed(|| terminal.draw(|f| ui::draw(f, &view)));
        drawn.expect("draw");
        deep_times.push(timing);
    }

    let preempted = frame_times
        .iter()
        .filter(|t| t.wall.saturating_sub(t.cpu) > Duration::from_micros(500))
        .count();
    println!("frame render, 160x48, 1,000 live calls ({frames} frames):");
    println!(
        "  wall clock: {}",
        summary(frame_times.iter().map(|t| t.wall).collect())
    );
    println!(
        "  CPU time:   {}",
        summary(frame_times.iter().map(|t| t.cpu).collect())
    );
    println!("  {preempted} frames spent over 0.5 ms off the CPU (preempted by other work)");
    println!("  CPU time by part of the frame:");
    for (name, times) in panes {
        println!("    {name:<10} {}", summary(times));
    }
    println!(
        "frame render while scrolled deep (queue row {}, oldest timeline page, {deep_frames} frames):",
        view.queue.selected_position() + 1
    );
    println!(
        "  wall clock: {}",
        summary(deep_times.iter().map(|t| t.wall).collect())
    );
    println!(
        "  CPU time:   {}",
        summary(deep_times.iter().map(|t| t.cpu).collect())
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
