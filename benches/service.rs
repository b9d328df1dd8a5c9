//! The engine service as its clients see it: a 1,000,000-lead campaign with 500 calls in
//! flight on an engine serving its local socket (the in-process sandbox behind it).
//!
//! 1. attach: connect to the socket, follow the engine (first snapshot), read the first
//!    queue page and the newest timeline page through the protocol, draw the whole
//!    screen (160x48): the time to a console's first full frame;
//! 2. consoles' cost: the engine's CPU time (its threads only: the sandbox runs on a
//!    runtime of its own, on threads named `sandbox`, and is not counted) over windows
//!    that alternate no console and ten consoles following its snapshot stream (ten
//!    `curl` processes reading `/engine/snapshots`, so their own work is not counted),
//!    after a warm-up long enough for calls to end and start at their steady rate. Each
//!    window also counts the calls that ended in it, so the CPU per call is comparable
//!    when the call rate moves.
//!
//! Run: `cargo bench --bench service` (`SERVICE_BENCH_LEADS` for a smaller database,
//! `SERVICE_BENCH_WINDOW_SECS` for the CPU window, `SERVICE_BENCH_PAIRS` for how many
//! none/ten pairs, `SERVICE_BENCH_WARMUP_SECS` for the longest warm-up).

use chrono::{NaiveTime, Utc};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rusqlite::params;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::config::Secret;
use switchboard::domain::{CallingWindow, CampaignId, CampaignSettings};
use switchboard::engine::{Command as EngineCommand, EngineConfig};
use switchboard::runtime::{LiveKitTarget, RuntimeSettings};
use switchboard::sandbox::{OutcomeRates, Sandbox, SandboxConfig, SecondsRange};
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

/// User + system CPU time (clock ticks in a `/proc/.../stat` line) and the thread name.
fn cpu_of(stat: &str) -> Option<(String, Duration)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat[open + 1..close].to_string();
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((name, Duration::from_millis(ticks * 10)))
}

/// CPU time so far of everything in this process but the sandbox: the engine, its
/// store threads, its HTTP server and clients. The whole process (`/proc/self/stat`,
/// which keeps the time of threads that ended) less the sandbox's threads (its two
/// workers, which live as long as it does).
fn engine_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let (_, process) = cpu_of(&stat).expect("/proc/self/stat fields");
    process.saturating_sub(sandbox_cpu())
}

/// The sandbox's threads' CPU time so far.
fn sandbox_cpu() -> Duration {
    let stat = |p: std::path::PathBuf| std::fs::read_to_string(p.join("stat")).unwrap_or_default();
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .flatten()
        .filter_map(|t| cpu_of(&stat(t.path())))
        .filter(|(name, _)| name.starts_with("sandbox"))
        .map(|(_, cpu)| cpu)
        .sum()
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
    // The rows go in through the store's own writer: a second connection could find
    // the file still held by the store's threads.
    store
        .write_blocking(move |tx| {
            let mut lead = tx.prepare(
                "INSERT INTO leads (campaign_id, phone, name, state, created_at) VALUES (?1, ?2, ?3, 'pending', 0)",
            )?;
            for i in 0..leads {
                lead.execute(params![id.0, format!("+1212{:07}", i), format!("Lead {i}")])?;
            }
            Ok(())
        })
        .expect("leads");
    id
}

fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
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
            dropped_mid_call: 0.0,
        },
        ..SandboxConfig::default()
    }
}

/// The engine against the sandbox at `sandbox` as if it were a LiveKit server, with its
/// own webhook listener (the sandbox is told where it is once it listens).
fn plan(db: &Path, runtime_dir: &Path, sandbox: &Sandbox) -> HostPlan {
    HostPlan {
        db: db.to_path_buf(),
        runtime_dir: Some(runtime_dir.to_path_buf()),
        settings: RuntimeSettings {
            livekit: LiveKitTarget::Server {
                url: sandbox.url(),
                api_key: sandbox.api_key().to_string(),
                api_secret: Secret::new(sandbox.api_secret()),
            },
            request_timeout: Duration::from_secs(10),
            webhook_listen: Some("127.0.0.1:0".parse().expect("addr")),
            polling_only: false,
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
            after: None,
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
    let pairs = env_number("SERVICE_BENCH_PAIRS", 3);
    let warmup = Duration::from_secs(env_number("SERVICE_BENCH_WARMUP_SECS", 60));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let built = Instant::now();
    let id = build_database(&db, leads);
    println!("database: {leads} leads, built in {:.1?}", built.elapsed());
    // The sandbox on a runtime of its own, so its threads can be told from the engine's.
    let sandbox_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sandbox")
        .enable_all()
        .build()
        .expect("sandbox runtime");
    let sandbox = sandbox_runtime
        .block_on(switchboard::sandbox::start(
            sandbox_config(),
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("sandbox");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("engine")
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let run_dir = dir.path().join("run");
        let host = EngineHost::start(plan(&db, &run_dir, &sandbox), &Default::default())
            .await
            .expect("engine host");
        sandbox.set_webhook_url(host.runtime.webhook_url());
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

        let finished = || {
            host.runtime
                .engine
                .snapshot()
                .borrow()
                .campaign(id)
                .map_or(0, |c| c.leads.settled())
        };
        // Calls last 3.7-7.5 s from dial to hang-up, and after the start they end and
        // start in waves until the rate settles; the engine's load follows that rate.
        // Measure once two 3-second samples in a row agree within 10% (at most
        // `warmup` seconds of waiting).
        let warming = Instant::now();
        let mut last_rate = 0.0;
        loop {
            let before = finished();
            tokio::time::sleep(Duration::from_secs(3)).await;
            let rate = (finished() - before) as f64 / 3.0;
            let settled = last_rate > 0.0 && (rate - last_rate).abs() / last_rate < 0.1;
            last_rate = rate;
            if settled || warming.elapsed() >= warmup {
                break;
            }
        }
        println!(
            "warm-up {:.0?}: {last_rate:.0} calls ending per second",
            warming.elapsed()
        );
        let measure = |consoles: usize| {
            let socket = socket.clone();
            async move {
                let mut attached = self::consoles(&socket, consoles);
                // Let them connect and get their first snapshot before counting.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let (cpu, sandbox, calls, wall) = (engine_cpu(), sandbox_cpu(), finished(), Instant::now());
                tokio::time::sleep(window).await;
                let result = Window {
                    consoles,
                    engine: engine_cpu() - cpu,
                    sandbox: sandbox_cpu() - sandbox,
                    calls: finished() - calls,
                    wall: wall.elapsed(),
                };
                for child in &mut attached {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                result
            }
        };
        let mut windows = Vec::new();
        for _ in 0..pairs {
            windows.push(measure(0).await);
            windows.push(measure(CONSOLES).await);
        }
        windows.push(measure(0).await);
        for w in &windows {
            println!(
                "  {:>2} consoles: engine {:.1}% of a core, {:.0} calls ended/s, {:.2} ms engine CPU per call; sandbox {:.1}%",
                w.consoles,
                w.share(),
                w.calls as f64 / w.wall.as_secs_f64(),
                w.per_call_ms(),
                w.sandbox.as_secs_f64() / w.wall.as_secs_f64() * 100.0
            );
        }
        // Each ten-console window against the mean of the no-console windows on either
        // side of it, by CPU share and by CPU per call ended.
        let mut by_share = Vec::new();
        let mut by_call = Vec::new();
        for i in (1..windows.len()).step_by(2) {
            let (before, with, after) = (&windows[i - 1], &windows[i], &windows[i + 1]);
            let alone = (before.share() + after.share()) / 2.0;
            by_share.push((with.share() - alone) / alone * 100.0);
            let alone = (before.per_call_ms() + after.per_call_ms()) / 2.0;
            by_call.push((with.per_call_ms() - alone) / alone * 100.0);
        }
        let list = |v: &[f64]| v.iter().map(|x| format!("{x:+.1}%")).collect::<Vec<_>>().join(", ");
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "{CONSOLES} consoles against the no-console windows beside them (engine threads only, {window:?} windows, {IN_FLIGHT} calls in flight): CPU share {} (mean {:+.1}%); CPU per call {} (mean {:+.1}%)",
            list(&by_share),
            mean(&by_share),
            list(&by_call),
            mean(&by_call)
        );
        host.shutdown(Duration::ZERO).await;
    });
    drop(sandbox_runtime);
}

/// One measuring window.
struct Window {
    consoles: usize,
    engine: Duration,
    sandbox: Duration,
    calls: u64,
    wall: Duration,
}

impl Window {
    /// The engine's CPU as a share of one core.
    fn share(&self) -> f64 {
        self.engine.as_secs_f64() / self.wall.as_secs_f64() * 100.0
    }

    fn per_call_ms(&self) -> f64 {
        self.engine.as_secs_f64() * 1000.0 / self.calls.max(1) as f64
    }
}
