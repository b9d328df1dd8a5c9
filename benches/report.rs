//! Campaign report benchmark: a database file with one campaign of 1,000,000 attempts
//! (500,000 leads across 16 US area codes and London, two attempts each, over six
//! days, with the outcome mix, dispositions, variants and a caller-ID pool of a real
//! campaign), then `switchboard report --campaign 1 --out FILE` run by the real binary
//! in a child process: its wall clock and its peak RSS (the child's `ru_maxrss`). Then
//! the same report in this process, split into reading (`report::build`) and writing
//! the page (`report::html::render`).
//!
//!     cargo bench --bench report              # 1,000,000 attempts
//!     cargo bench --bench report -- quick     # 100,000 attempts
//!     REPORT_BENCH_ATTEMPTS=300000 cargo bench --bench report

use std::process::Command;
use std::time::Instant;
use switchboard::domain::{CallerIdPool, CampaignId, CampaignSettings, OptOutWords, Variant};
use switchboard::report::{self, ReportOptions};
use switchboard::store::{CampaignRecord, NewCampaign, Store};

const AREA_CODES: &str = "212,312,415,512,617,702,303,206,404,305,713,214,602,503,808,907";

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let attempts: u64 = std::env::var("REPORT_BENCH_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 100_000 } else { 1_000_000 });
    let leads = attempts.div_ceil(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("report.db");

    let started = Instant::now();
    let campaign = fill(&db, leads, attempts);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "made {attempts} attempts of {leads} leads ({:.0} MiB database) in {:.1?}",
        size as f64 / 1048576.0,
        started.elapsed()
    );

    // What an operator runs, as a child process: wall clock and peak RSS.
    let out = dir.path().join("report.html");
    for run in 1..=2 {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .env_clear()
            .env("HOME", dir.path())
            .env("SWITCHBOARD_RUNTIME_DIR", dir.path().join("run"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--db")
            .arg(&db)
            .args(["report", "--campaign", &campaign.0.to_string(), "--out"])
            .arg(&out)
            .status()
            .expect("switchboard report");
        let elapsed = started.elapsed();
        assert!(status.success(), "switchboard report failed: {status}");
        println!(
            "switchboard report (run {run}): {attempts} attempts in {elapsed:.2?}; peak RSS {} MiB \
             (largest child so far); page {} KiB",
            children_peak_rss_kib() / 1024,
            std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) / 1024
        );
    }

    // The two halves, in this process.
    let options = ReportOptions {
        now: chrono::Utc::now(),
        opt_out: OptOutWords::default(),
    };
    let store = Store::open(&db).expect("open");
    let started = Instant::now();
    let data = store
        .read_blocking(|conn| report::build(conn, campaign, &options))
        .expect("report");
    let read = started.elapsed();
    let started = Instant::now();
    let page = report::html::render(&data);
    let rendered = started.elapsed();
    println!(
        "in process: read {read:.2?} (status figures and one pass over the attempts), \
         render {rendered:.2?} ({} KiB, {} charts); {} hours, {} area codes, {} caller IDs",
        page.len() / 1024,
        page.matches("<svg ").count(),
        data.breakdown.hours.len(),
        data.breakdown.areas.len(),
        data.breakdown.caller_ids.len(),
    );
    assert_eq!(data.status.stats.attempts as u64, attempts);
}

/// Peak resident memory of the largest child waited for, in KiB.
fn children_peak_rss_kib() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes the struct it is given; RUSAGE_CHILDREN is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss.max(0) as u64
}

/// The campaign, its leads and its attempts, written with SQL (the engine's own path
/// would take hours of simulated calls). Returns the campaign.
fn fill(db: &std::path::Path, leads: u64, attempts: u64) -> CampaignId {
    let store = Store::open(db).expect("open store");
    let variant = |name: &str| Variant {
        name: name.into(),
        agent_name: String::new(),
        weight: 50,
        prompt: None,
    };
    let settings = CampaignSettings {
        name: "Report bench".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        timezone: "America/New_York".into(),
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
    let campaign = store
        .write_blocking(move |c| {
            let id = CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: chrono::Utc::now(),
                },
            )?;
            c.execute_batch("PRAGMA cache_size = -65536")?;
            let areas: Vec<&str> = AREA_CODES.split(',').collect();
            let case = areas
                .iter()
                .enumerate()
                .map(|(i, a)| format!("WHEN {i} THEN '{a}'"))
                .collect::<Vec<_>>()
                .join(" ");
            // One lead in 100 in London; Chicago's leads carry their zone.
            c.execute(
                &format!(
                    "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2)
                     INSERT INTO leads (campaign_id, phone, name, timezone, state, attempts, created_at)
                     SELECT ?1,
                        CASE WHEN i % 100 = 0 THEN '+44207' || printf('%07d', i)
                             ELSE '+1' || (CASE i % 16 {case} END) || printf('%07d', i) END,
                        'Lead ' || i,
                        CASE WHEN i % 100 = 0 THEN 'Europe/London'
                             WHEN i % 16 = 1 THEN 'America/Chicago' END,
                        'done', 2, ?3
                     FROM seq"
                ),
                rusqlite::params![id.0, leads as i64, start_ms],
            )?;
            let first_lead: i64 = c.query_row(
                "SELECT min(id) FROM leads WHERE campaign_id = ?1",
                [id.0],
                |r| r.get(0),
            )?;
            // Attempt i calls lead i mod leads, half a second after attempt i - 1: the
            // second round of calls comes three days after the first.
            c.execute(
                "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2 - 1),
                 calls AS (
                    SELECT i, ?3 + (i % ?4) AS lead, (i * 7919) % 100 AS roll,
                           ?5 + i * 500 AS dialed, 2000 + (i * 131) % 10000 AS ring,
                           15000 + (i * 977) % 285000 AS talk
                    FROM seq)
                 INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at,
                     dialed_at, answered_at, ended_at, disposition, caller_id, variant, agent_join_ms, counted)
                 SELECT ?1, calls.lead, 1 + calls.i / ?4, l.phone,
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
                    CASE WHEN roll < 52 OR roll >= 98 THEN
                        CASE calls.i % 7 WHEN 0 THEN 'interested' WHEN 1 THEN 'not_interested'
                             WHEN 2 THEN 'voicemail' WHEN 3 THEN 'callback' WHEN 4 THEN 'do_not_call'
                             WHEN 5 THEN 'not_interested' END END,
                    CASE calls.i % 4 WHEN 0 THEN '+12125550100' WHEN 1 THEN '+13125550100'
                         WHEN 2 THEN '+14155550100' ELSE '+16175550100' END,
                    CASE calls.lead % 2 WHEN 0 THEN 'A' ELSE 'B' END,
                    CASE WHEN roll < 52 OR roll >= 96 THEN 300 + (calls.i * 37) % 5000 END,
                    CASE WHEN roll = 93 THEN 0 ELSE 1 END
                 FROM calls JOIN leads l ON l.id = calls.lead",
                rusqlite::params![id.0, attempts as i64, first_lead, leads as i64, start_ms],
            )?;
            Ok(id)
        })
        .expect("fill the database");
    // The writer closes; the WAL goes into the file, as after a campaign long done.
    drop(store);
    let conn = rusqlite::Connection::open(db).expect("reopen");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    campaign
}
