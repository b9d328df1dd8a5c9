//! What a Prometheus scrape of `/metrics` costs the engine with 100 campaigns and 1,000
//! calls in flight (issue #21: under 5 ms a scrape, under 1% of the engine's CPU at a
//! 15 s scrape interval).
//!
//! Simulated: an engine with 1,000 live calls would need the sandbox holding 1,000
//! calls for the whole run, so the state is built directly, as the engine would hold it
//! after a long day:
//! - a `Snapshot` of 100 running campaigns with 10 calls in flight each (dialing,
//!   ringing, answered), lead counts, outcomes and a dial rate;
//! - the registry after every campaign ended calls with every outcome (each
//!   `switchboard_calls_*` series and all three histograms exist for all 100), LiveKit
//!   requests of every method with several results, webhooks, store commits;
//! - a store on a temp file with the 100 campaigns, each presenting a pool of 5 caller
//!   IDs out of 50 numbers, and `BENCH_ATTEMPTS` (200,000) ended attempts spread over
//!   them, so each caller ID's answer rate is read from a real index.
//!
//! Measured, per scrape, as the `/metrics` handler does it: reading the caller IDs'
//! health from the store (`caller_id_rates`), then rendering the page
//! (`Metrics::render`); wall clock and the thread's CPU time, p50/p99/max over
//! `METRICS_BENCH_SCRAPES` (500) scrapes. CPU share = CPU time per scrape / 15 s.
//!
//! Run: `cargo bench --bench metrics`.

use chrono::{Duration as ChronoDuration, Utc};
use rusqlite::params;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::domain::figures::CallTimes;
use switchboard::domain::{
    AttemptId, AttemptState, CallerIdPool, CampaignId, CampaignSettings, CampaignStatus, LeadId,
    Outcome,
};
use switchboard::engine::{CampaignView, LeadCounts, SlotView, Snapshot};
use switchboard::metrics::caller_ids::caller_id_rates;
use switchboard::metrics::Metrics;
use switchboard::store::{CampaignRecord, NewCampaign, Store};

const CAMPAIGNS: i64 = 100;
const CALLS_PER_CAMPAIGN: i64 = 10;
const NUMBERS: i64 = 50;
const POOL: i64 = 5;
const SCRAPE_INTERVAL: Duration = Duration::from_secs(15);

fn env_number(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn thread_cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

fn caller_id(n: i64) -> String {
    format!("+1212555{:04}", 1000 + n)
}

fn campaign_view(id: i64, now: chrono::DateTime<Utc>) -> CampaignView {
    let states = [
        AttemptState::Dialing,
        AttemptState::Ringing,
        AttemptState::Answered,
    ];
    let slots = (0..CALLS_PER_CAMPAIGN)
        .map(|n| {
            let attempt = id * 1000 + n;
            SlotView {
                attempt: AttemptId(attempt),
                lead: LeadId(attempt),
                lead_name: Some(format!("Lead {attempt}")),
                phone: format!("+1313555{:04}", attempt % 10_000),
                caller_id: Some("+16465550100".into()),
                variant: None,
                attempt_number: 1,
                state: states[n as usize % 3],
                dialed_at: now - ChronoDuration::seconds(40),
                state_since: now - ChronoDuration::seconds(20),
                answered_at: (n % 3 == 2).then(|| now - ChronoDuration::seconds(20)),
            }
        })
        .collect();
    CampaignView {
        id: CampaignId(id),
        name: format!("Campaign {id}"),
        status: CampaignStatus::Running,
        pause_reason: None,
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        max_concurrent: CALLS_PER_CAMPAIGN as u32,
        leads: LeadCounts {
            pending: 8000,
            dialing: CALLS_PER_CAMPAIGN as u64,
            done: 1500,
            retry_wait: 300,
            exhausted: 150,
            dnc: 20,
            invalid: 20,
            dnc_called: 5,
        },
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (*o, 100))
            .collect::<BTreeMap<_, _>>(),
        attempts_today: 2000,
        daily_cap: Some(5000),
        slots,
        next_up: Vec::new(),
        avg_ring_ms: Some(6000),
        avg_talk_ms: Some(70_000),
        agent_join_p50_ms: Some(800),
        agent_join_p95_ms: Some(1900),
        dials_per_minute: vec![30; 15],
        eta_ms: Some(3_600_000),
        ring_timeout_ms: 30_000,
        next_retry_at: None,
        started_at: Some(now - ChronoDuration::hours(3)),
        completed_at: None,
    }
}

/// The registry after a long day: every series of every family exists.
fn busy_registry(metrics: &Metrics, now: chrono::DateTime<Utc>) {
    let times = CallTimes {
        dialed_at: Some(now - ChronoDuration::seconds(70)),
        answered_at: Some(now - ChronoDuration::seconds(64)),
        ended_at: Some(now),
    };
    for campaign in 1..=CAMPAIGNS {
        for (i, outcome) in Outcome::ALL.iter().enumerate() {
            for _ in 0..3 {
                metrics.calls.call_ended(
                    CampaignId(campaign),
                    *outcome,
                    &times,
                    ChronoDuration::seconds(30),
                    Some(500 + 100 * i as u64),
                );
            }
        }
    }
    let livekit = metrics.edges.livekit_observer();
    for method in [
        "CreateSIPParticipant",
        "CreateDispatch",
        "DeleteRoom",
        "ListParticipants",
        "ListRooms",
        "StartRoomCompositeEgress",
        "ListSIPOutboundTrunk",
    ] {
        for result in [
            "ok",
            "not_found",
            "unavailable",
            "timeout",
            "resource_exhausted",
        ] {
            livekit(method, result, Duration::from_millis(40));
        }
    }
    let webhooks = metrics.edges.webhook_observer();
    for (accepted, code) in [(true, 200), (false, 401), (false, 409), (false, 400)] {
        webhooks(accepted, code);
    }
    let store = metrics.edges.store_observer();
    for _ in 0..1000 {
        store(Duration::from_micros(800), true);
    }
}

/// 100 campaigns with pools of 5 out of 50 caller IDs, and `attempts` ended calls.
fn busy_store(path: &std::path::Path, attempts: i64) -> Store {
    let store = Store::open(path).unwrap();
    store
        .write_blocking(move |conn| {
            let now = Utc::now();
            for c in 0..CAMPAIGNS {
                let pool = (0..POOL).map(|n| caller_id((c * POOL + n) % NUMBERS)).collect();
                let settings = CampaignSettings {
                    name: format!("Campaign {c}"),
                    agent_name: "agent".into(),
                    trunk_id: "ST_bench".into(),
                    caller_ids: CallerIdPool::new(pool),
                    ..Default::default()
                };
                CampaignRecord::insert(conn, &NewCampaign { settings, now })?;
            }
            let mut lead = conn.prepare(
                "INSERT INTO leads (campaign_id, phone, state, created_at) VALUES (?1, ?2, 'done', 0)",
            )?;
            let mut attempt = conn.prepare(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, caller_id, state, room,
                     created_at, dialed_at, answered_at, ended_at, counted)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, 1)",
            )?;
            let outcomes = ["completed", "no_answer", "busy", "completed", "rejected"];
            let start = now.timestamp_millis() - attempts * 1000;
            for i in 0..attempts {
                let campaign = 1 + i % CAMPAIGNS;
                let phone = format!("+1{:010}", 3_000_000_000 + i);
                lead.execute(params![campaign, phone])?;
                let lead_id = conn.last_insert_rowid();
                let number = caller_id(((campaign - 1) * POOL + i % POOL) % NUMBERS);
                let state = outcomes[(i % 5) as usize];
                let dialed = start + i * 1000;
                let answered = (state == "completed").then_some(dialed + 5000);
                attempt.execute(params![
                    campaign,
                    lead_id,
                    phone,
                    number,
                    state,
                    format!("room-{i}"),
                    dialed,
                    answered,
                    dialed + 60_000
                ])?;
            }
            Ok(())
        })
        .unwrap();
    store
}

struct Timings {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Timings {
    fn new() -> Self {
        Timings {
            wall: Vec::new(),
            cpu: Vec::new(),
        }
    }

    fn time<T>(&mut self, work: impl FnOnce() -> T) -> T {
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        let out = work();
        self.cpu.push(thread_cpu_time() - cpu);
        self.wall.push(wall.elapsed());
        out
    }

    fn line(&mut self, what: &str) -> Duration {
        let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1000.0);
        let pct = |v: &mut Vec<Duration>, p: usize| {
            v.sort();
            v[(v.len() * p / 100).min(v.len() - 1)]
        };
        let (w50, w99, wmax) = (
            pct(&mut self.wall, 50),
            pct(&mut self.wall, 99),
            *self.wall.last().unwrap(),
        );
        let (c50, c99, cmax) = (
            pct(&mut self.cpu, 50),
            pct(&mut self.cpu, 99),
            *self.cpu.last().unwrap(),
        );
        println!(
            "{what:<34} wall p50 {} p99 {} max {} ms | CPU p50 {} p99 {} max {} ms",
            ms(w50),
            ms(w99),
            ms(wmax),
            ms(c50),
            ms(c99),
            ms(cmax)
        );
        c50
    }
}

fn main() {
    let scrapes = env_number("METRICS_BENCH_SCRAPES", 500) as usize;
    let attempts = env_number("BENCH_ATTEMPTS", 200_000);
    let now = Utc::now();
    let dir = tempfile::tempdir().unwrap();
    let built = Instant::now();
    let store = busy_store(&dir.path().join("bench.db"), attempts);
    println!(
        "store: {CAMPAIGNS} campaigns, pools of {POOL} of {NUMBERS} caller IDs, {attempts} ended attempts ({:.1} s to build)",
        built.elapsed().as_secs_f64()
    );
    let metrics = Metrics::new();
    busy_registry(&metrics, now);
    let snapshot = Arc::new(Snapshot {
        at: Some(now),
        campaigns: (1..=CAMPAIGNS).map(|id| campaign_view(id, now)).collect(),
        notice: None,
    });
    println!(
        "snapshot: {} campaigns, {} calls in flight",
        snapshot.campaigns.len(),
        snapshot.active_calls()
    );

    let (mut read, mut render, mut whole) = (Timings::new(), Timings::new(), Timings::new());
    let mut bytes = 0;
    let mut lines = 0;
    // A warm-up scrape, as the second and later scrapes of a running engine are.
    let _ = metrics.render(
        snapshot.clone(),
        store.read_blocking(caller_id_rates).unwrap(),
    );
    for _ in 0..scrapes {
        let text = whole.time(|| {
            let rates = read.time(|| store.read_blocking(caller_id_rates).unwrap());
            render.time(|| metrics.render(snapshot.clone(), rates))
        });
        bytes = text.len();
        lines = text.lines().count();
    }
    println!("page: {lines} lines, {} KiB", bytes / 1024);
    read.line("caller IDs' health from the store");
    render.line("render (registry + snapshot)");
    let per_scrape = whole.line("whole scrape");
    println!(
        "CPU share at a {} s scrape interval: {:.4}% (p50 CPU per scrape / interval)",
        SCRAPE_INTERVAL.as_secs(),
        per_scrape.as_secs_f64() / SCRAPE_INTERVAL.as_secs_f64() * 100.0
    );
}
