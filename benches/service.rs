//! The engine service as its clients see it: a 1,000,000-lead campaign with 500 calls in
//! flight on an engine serving its local socket (the in-process sandbox behind it).
//!
//! 1. attach: connect to the socket, follow the engine (first snapshot), read the first
//!    queue page and the newest timeline page through the protocol, draw the whole
//!    screen (160x48): the time to a console's first full frame;
//! 2. consoles' cost: the engine process's CPU time over a window with no console
//!    attached, then with ten following its snapshot stream (ten `curl` processes reading
//!    `/engine/snapshots`, so their own work is not counted), side by side.
//!
//! Run: `cargo bench --bench service` (`SERVICE_BENCH_LEADS` for a smaller database,
//! `SERVICE_BENCH_WINDOW_SECS` for the CPU window).

use chrono::{NaiveTime, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rusqlite::{params, Connection};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::domain::{CallingWindow, CampaignId, CampaignSettings};
use switchboard::engine::{Command as EngineCommand, EngineConfig};
use switchboard::runtime::{LiveKitTarget, RuntimeSettings};
use switchboard::sandbox::{OutcomeRates, SandboxConfig, SecondsRange};
use switchboard::service::protocol::{Answer, PageWay, Query};
use switchboard::service::{EngineClient, EngineHost, HostPlan, Link, RemoteEngine};
use switchboard::store::{CampaignRecord, NewCampaign, Store};
use switchboard::telephony::PollerConfig;
use switchboard::tui::{queue, timeline, ui, Keymap, Theme, View};

const IN_FLIGHT: u32 = 500;
const CONSOLES: usize = 10;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// User + system CPU time of this process so far (`/proc/self/stat`, clock ticks).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 10)
}

fn build_database(path: &Path, leads: u64) -> CampaignId {
    let store = Store::open(path).expect("store");
    let settings = CampaignSettings {
        name: "Big campaign".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_sandbox".into(),
        max_concurrent: IN_FLIGHT,
        call_delay_ms: 0,
        max_attempts: 1,
        window: CallingWindow {
            start: NaiveTime::MIN,
            end: NaiveTime::from_hms_opt(23, 59, 59).expect("valid"),
        },
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
                "INSERT INTO leads (campaign_id, phone, name, state, created_at) VALUES (?1, ?2, ?3, 'pending', 0)",
            )
            .expect("prepare");
        for i in 0..leads {
            lead.execute(params![id.0, format!("+1212{:07}", i), format!("Lead {i}")])
                .expect("lead");
        }
    }
    tx.commit().expect("commit");
    id
}

fn plan(db: &Path, runtime_dir: &Path) -> HostPlan {
    let sandbox = SandboxConfig {
        time_scale: 1.0,
        dial_delay: SecondsRange::new(0.2, 0.5),
        ring: SecondsRange::new(0.5, 1.0),
        // Calls end and new ones start all the time: a busy engine, not an idle one.
        talk: SecondsRange::new(3.0, 6.0),
        departure_timeout_secs: 0.2,
        outcomes: OutcomeRates {
            answer: 1.0,
            voicemail: 0.0,
            no_answer: 0.0,
            busy: 0.0,
            reject: 0.0,
            invalid_number: 0.0,
            unavailable: 0.0,
            trunk_failure: 0.0,
        },
        ..SandboxConfig::default()
    };
    HostPlan {
        db: db.to_path_buf(),
        runtime_dir: Some(runtime_dir.to_path_buf()),
        settings: RuntimeSettings {
            livekit: LiveKitTarget::Sandbox {
                config: Box::new(sandbox),
                listen: "127.0.0.1:0".parse().expect("addr"),
            },
            request_timeout: Duration::from_secs(10),
            webhook_listen: None,
            polling: PollerConfig {
                interval: Duration::from_millis(500),
                max_requests_per_sec: 1000,
            },
            engine: EngineConfig {
                per_number_daily_limit: 1000,
                ..EngineConfig::default()
            },
        },
    }
}

/// What a console does when it attaches, through the protocol only.
async fn first_frame(socket: &Path, id: CampaignId) -> Duration {
    let started = Instant::now();
    let client = EngineClient::connect(socket).await.expect("connect");
    let link = Link::Remote(RemoteEngine::follow(client).await.expect("follow"));
    let mut view = View::new(Keymap::defaults(), Theme::new(true));
    view.snapshot = link.snapshot().borrow().clone();
    view.now = view.snapshot.at.unwrap_or_default();
    view.selected_campaign = Some(id);
    let _ = view.queue.reset(Some(id));
    let rows = match link
        .query(Query::QueuePage {
            campaign: id,
            way: PageWay::After,
            from: None,
            limit: queue::PAGE,
            filter: None,
        })
        .await
        .expect("queue page")
    {
        Answer::QueuePage(rows) => rows,
        other => panic!("{other:?}"),
    };
    let total = view.queue_total();
    view.queue
        .apply(switchboard::tui::event::PageDirection::First, rows, total);
    let _ = view.timeline.reset(Some(id));
    let rows = match link
        .query(Query::TimelinePage {
            campaign: id,
            before: None,
            limit: timeline::PAGE,
        })
        .await
        .expect("timeline page")
    {
        Answer::TimelinePage(rows) => rows,
        other => panic!("{other:?}"),
    };
    view.timeline.apply_newest(rows);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    terminal.draw(|f| ui::draw(f, &view)).expect("draw");
    started.elapsed()
}

fn consoles(socket: &Path, n: usize) -> Vec<Child> {
    (0..n)
        .map(|_| {
            Command::new("curl")
                .args(["-sN", "--unix-socket"])
                .arg(socket)
                .arg("http://engine/api/v1/engine/snapshots")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("curl (the ten consoles are curl processes following the snapshot stream)")
        })
        .collect()
}

fn main() {
    let leads = env_number("SERVICE_BENCH_LEADS", 1_000_000);
    let window = Duration::from_secs(env_number("SERVICE_BENCH_WINDOW_SECS", 10));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let built = Instant::now();
    let id = build_database(&db, leads);
    println!("database: {leads} leads, built in {:.1?}", built.elapsed());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let run_dir = dir.path().join("run");
        let host = EngineHost::start(plan(&db, &run_dir), &Default::default())
            .await
            .expect("engine host");
        let socket = host.socket().to_path_buf();
        host.runtime
            .engine
            .send(EngineCommand::Start(id))
            .await
            .expect("start");
        let mut snapshots = host.runtime.engine.snapshot();
        let filling = Instant::now();
        while snapshots.borrow().active_calls() < IN_FLIGHT as usize {
            let _ = tokio::time::timeout(Duration::from_secs(1), snapshots.changed()).await;
            assert!(filling.elapsed() < Duration::from_secs(60), "calls never filled up");
        }
        println!("{IN_FLIGHT} calls in flight after {:.1?}", filling.elapsed());

        let size = serde_json::to_string(&*host.runtime.engine.snapshot().borrow().clone())
            .map(|j| j.len())
            .unwrap_or(0);
        println!("one snapshot is {} KiB of JSON", size / 1024);
        let mut frames = Vec::new();
        for _ in 0..5 {
            frames.push(first_frame(&socket, id).await);
        }
        frames.sort();
        println!(
            "attach to first full frame (connect, first snapshot, queue and timeline pages, draw 160x48): min {:.1?}, median {:.1?}, max {:.1?} over 5 attaches",
            frames[0], frames[2], frames[4]
        );

        let measure = || async {
            let cpu = process_cpu();
            let wall = Instant::now();
            tokio::time::sleep(window).await;
            let dials = host.runtime.engine.snapshot().borrow().campaign(id).map(|c| c.leads.settled());
            (process_cpu() - cpu, wall.elapsed(), dials)
        };
        // None, ten, none again: the engine's own load drifts as the campaign goes on,
        // so the ten are compared with the windows on either side of them.
        let (before, before_wall, _) = measure().await;
        let mut attached = consoles(&socket, CONSOLES);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (with, with_wall, _) = measure().await;
        for child in &mut attached {
            let _ = child.kill();
            let _ = child.wait();
        }
        let (after, after_wall, _) = measure().await;
        let share = |cpu: Duration, wall: Duration| cpu.as_secs_f64() / wall.as_secs_f64() * 100.0;
        let (b, w, a) = (
            share(before, before_wall),
            share(with, with_wall),
            share(after, after_wall),
        );
        let alone = (b + a) / 2.0;
        println!(
            "engine process CPU over {window:?} windows with {IN_FLIGHT} calls in flight: no console {b:.1}%, {CONSOLES} consoles {w:.1}%, no console again {a:.1}% of a core ({:+.1}% against the mean of the two)",
            (w - alone) / alone * 100.0
        );
        host.shutdown(Duration::ZERO).await;
    });
}
