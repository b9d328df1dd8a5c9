//! Charts view benchmark: a database with one campaign of 1,000,000 attempts (two per
//! lead, one every half second over six days, with a real campaign's outcome mix, four
//! caller IDs, two variants, ring and agent-join times), then
//!
//! - the aggregation the engine runs for `Query::Charts` (`store::chart_series`), timed
//!   on its own, and the size of the series it sends;
//! - frames of the charts view drawn from that series into a `TestBackend`: each chart
//!   on its page at 80x24 and the six-chart grid at 200x60, wall clock and the thread's
//!   CPU time per frame (p50/p99/max), the figure the 2 ms budget is about.
//!
//! Run:
//!
//!     cargo bench --bench charts                      # 1,000,000 attempts
//!     CHARTS_BENCH_ATTEMPTS=100000 cargo bench --bench charts

use chrono::Utc;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};
use switchboard::domain::{CallerIdPool, CampaignId, CampaignSettings, Variant};
use switchboard::store::chart_series::{chart_series, ChartSeries};
use switchboard::store::{CampaignRecord, NewCampaign, Store};
use switchboard::tui::charts::ChartsState;
use switchboard::tui::view::Overlay;
use switchboard::tui::{ui, Keymap, Theme, View};

const FRAMES: usize = 500;

fn main() {
    let attempts: u64 = std::env::var("CHARTS_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("charts.db");
    let started = Instant::now();
    let campaign = fill(&db, attempts.div_ceil(2), attempts);
    println!("made {attempts} attempts in {:.1?}", started.elapsed());

    let store = Store::open(&db).expect("open");
    let mut reads = Vec::new();
    let mut series = None;
    for _ in 0..3 {
        let started = Instant::now();
        let read = store
            .read_blocking(|conn| chart_series(conn, campaign))
            .expect("chart series");
        reads.push(started.elapsed());
        series = Some(read);
    }
    let series = series.expect("three reads");
    reads.sort();
    let json = serde_json::to_vec(&series).expect("serialize");
    println!(
        "aggregation (Query::Charts): {:.0?} best, {:.0?} worst of 3; {} buckets of {} s, {} caller IDs, {} variants; {} KiB as JSON",
        reads[0],
        reads[2],
        series.buckets.len(),
        series.bucket_secs,
        series.caller_ids.len(),
        series.variants.len(),
        json.len() / 1024
    );
    assert_eq!(series.attempts, attempts);

    for page in 0..6 {
        report(
            &format!("80x24, page {page}"),
            frames(&series, page, 80, 24),
        );
    }
    report("200x60, grid", frames(&series, 0, 200, 60));
}

/// Frame times drawing the charts view at `width` x `height` on `page`.
fn frames(series: &ChartSeries, page: usize, width: u16, height: u16) -> Vec<(Duration, Duration)> {
    let mut view = View::new(Keymap::defaults(), Theme::new(true));
    let mut state = ChartsState::new(series.campaign, "Bench".into());
    state.selected = page;
    state.series = Some(Ok(Box::new(series.clone())));
    view.overlay = Some(Overlay::Charts(Box::new(state)));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("backend");
    (0..FRAMES)
        .map(|_| {
            let cpu = thread_cpu_time();
            let wall = Instant::now();
            terminal.draw(|f| ui::draw(f, &view)).expect("draw");
            (wall.elapsed(), thread_cpu_time().saturating_sub(cpu))
        })
        .collect()
}

fn report(what: &str, mut times: Vec<(Duration, Duration)>) {
    let pick = |times: &mut Vec<(Duration, Duration)>, cpu: bool| {
        let mut v: Vec<Duration> = times.iter().map(|t| if cpu { t.1 } else { t.0 }).collect();
        v.sort();
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        format!(
            "p50 {:.0?}, p99 {:.0?}, max {:.0?}",
            at(0.5),
            at(0.99),
            at(1.0)
        )
    };
    println!(
        "frame {what}: wall {}; cpu {}",
        pick(&mut times, false),
        pick(&mut times, true)
    );
}

/// CPU time this thread has used: on a shared machine wall clock mostly measures who
/// else ran.
fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec and the clock id is Linux's.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(rc, 0, "clock_gettime failed");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// The campaign, its leads and its attempts, written with SQL as the report bench
/// does (the engine's own path would take days of simulated calls).
fn fill(db: &std::path::Path, leads: u64, attempts: u64) -> CampaignId {
    let store = Store::open(db).expect("open store");
    let variant = |name: &str| Variant {
        name: name.into(),
        agent_name: String::new(),
        weight: 50,
        prompt: None,
    };
    let settings = CampaignSettings {
        name: "Charts bench".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        variants: vec![variant("A"), variant("B")],
        caller_ids: CallerIdPool::new(
            [
                "+12125550100",
                "+13125550100",
                "+14155550100",
                "+16175550100",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ..Default::default()
    };
    let start_ms: i64 = 1_780_000_000_000;
    store
        .write_blocking(move |c| {
            let id = CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: Utc::now(),
                },
            )?;
            c.execute_batch("PRAGMA cache_size = -65536")?;
            c.execute(
                "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2)
                 INSERT INTO leads (campaign_id, phone, name, state, attempts, created_at)
                 SELECT ?1, '+1212' || printf('%07d', i), 'Lead ' || i, 'done', 2, ?3 FROM seq",
                rusqlite::params![id.0, leads as i64, start_ms],
            )?;
            let first_lead: i64 = c.query_row(
                "SELECT min(id) FROM leads WHERE campaign_id = ?1",
                [id.0],
                |r| r.get(0),
            )?;
            c.execute(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2 - 1),
                 calls AS (
                    SELECT i, ?3 + (i % ?4) AS lead, (i * 7919) % 100 AS roll,
                           ?5 + i * 500 AS dialed, 2000 + (i * 131) % 10000 AS ring,
                           15000 + (i * 977) % 285000 AS talk
                    FROM seq)
                 INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at,
                     dialed_at, answered_at, ended_at, caller_id, variant, agent_join_ms, counted)
                 SELECT ?1, calls.lead, 1 + calls.i / ?4, '+1212' || printf('%07d', calls.lead),
                    CASE WHEN roll < 52 THEN 'completed' WHEN roll < 72 THEN 'no_answer'
                         WHEN roll < 82 THEN 'busy' WHEN roll < 85 THEN 'rejected'
                         WHEN roll < 87 THEN 'invalid_number' WHEN roll < 89 THEN 'trunk_failure'
                         WHEN roll < 90 THEN 'error' WHEN roll < 93 THEN 'agent_missing'
                         WHEN roll < 94 THEN 'not_placed' WHEN roll < 95 THEN 'canceled'
                         WHEN roll < 96 THEN 'interrupted' WHEN roll < 98 THEN 'dropped'
                         ELSE 'completed' END,
                    'bench-' || calls.i, dialed, dialed,
                    CASE WHEN roll < 52 OR roll >= 89 AND roll < 93 OR roll >= 96 THEN dialed + ring END,
                    CASE WHEN roll < 52 OR roll >= 96 THEN dialed + ring + talk
                         WHEN roll >= 89 AND roll < 93 THEN dialed + ring + 5000
                         ELSE dialed + ring END,
                    CASE calls.i % 4 WHEN 0 THEN '+12125550100' WHEN 1 THEN '+13125550100'
                         WHEN 2 THEN '+14155550100' ELSE '+16175550100' END,
                    CASE calls.lead % 2 WHEN 0 THEN 'A' ELSE 'B' END,
                    CASE WHEN roll < 52 OR roll >= 96 THEN 300 + (calls.i * 37) % 5000 END,
                    CASE WHEN roll = 93 THEN 0 ELSE 1 END
                 FROM calls",
                rusqlite::params![id.0, attempts as i64, first_lead, leads as i64, start_ms],
            )?;
            Ok(id)
        })
        .expect("fill the database")
}
