//! Engine benchmarks against the in-process sandbox over real HTTP (the production
//! path: livekit-api client, Twirp, webhooks, SQLite). Prints a table; the numbers go
//! into BENCHMARKS.md. Run with `cargo bench --bench engine` (add `-- quick` for a
//! smaller 1M-lead stand-in of 200k leads).
//!
//! 1. attempts per second end to end (dial -> outcome persisted), max_concurrent 1000,
//!    near-zero simulated ring and talk time;
//! 2. CPU per attempt (the whole process: engine, store, HTTP client, and the sandbox
//!    serving it, so an upper bound for the engine);
//! 3. pacing accuracy at call_delay 100 ms (error of each gap between dial starts);
//! 4. resident memory while a 1,000,000-lead campaign runs.
//!
//! `-- polling` runs only the polling measure (`polling_bench`):
//! the same campaign at 1,000 calls in flight with webhooks and with polling alone,
//! against the sandbox in a child process so this process's CPU is the engine's alone.
//!
//! `-- cpu` runs only the CPU-per-dial measure of issue #19 (`cpu_per_dial_bench`):
//! 20 calls in flight against the sandbox in a child process (near-zero ring and talk
//! time, webhooks on), this process's CPU time per dial for a 1,000-lead campaign and
//! for the first 1,000 dials of a 100,000-lead one (`ENGINE_BENCH_CPU_LEADS`).

use chrono::{NaiveTime, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::domain::{CallingWindow, CampaignId, CampaignSettings, CampaignStatus};
use switchboard::engine::{Command, EngineConfig, Reply, SystemClock};
use switchboard::runtime::{LiveKitTarget, Runtime, RuntimeSettings};
use switchboard::sandbox::{OutcomeRates, SandboxConfig, SecondsRange};
use switchboard::store::attempts::AttemptRecord;
use switchboard::store::{LeadRecord, NewLead, Store};
use switchboard::telephony::PollerConfig;

fn sandbox() -> SandboxConfig {
    SandboxConfig {
        time_scale: 0.0001,
        dial_delay: SecondsRange::new(0.0, 1.0),
        ring: SecondsRange::new(0.0, 2.0),
        talk: SecondsRange::new(0.0, 5.0),
        voicemail_talk: SecondsRange::new(0.0, 2.0),
        departure_timeout_secs: 0.0,
        outcomes: OutcomeRates {
            answer: 0.6,
            no_answer: 0.1,
            busy: 0.1,
            ..OutcomeRates::default()
        },
        ..SandboxConfig::default()
    }
}

fn campaign(name: &str, max_concurrent: u32, call_delay_ms: u64) -> CampaignSettings {
    CampaignSettings {
        name: name.into(),
        agent_name: "bench-agent".into(),
        trunk_id: "ST_sandbox".into(),
        max_concurrent,
        call_delay_ms,
        max_attempts: 1,
        retry_delay_secs: 0,
        window: CallingWindow {
            start: NaiveTime::MIN,
            end: NaiveTime::from_hms_opt(23, 59, 59).expect("valid"),
        },
        ..CampaignSettings::default()
    }
}

struct Bench {
    runtime: Runtime,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn start() -> Bench {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("bench.db")).expect("database");
    let settings = RuntimeSettings {
        livekit: LiveKitTarget::Sandbox {
            config: Box::new(sandbox()),
            listen: "127.0.0.1:0".parse().expect("addr"),
        },
        request_timeout: Duration::from_secs(10),
        webhook_listen: None,
        polling_only: false,
        polling: PollerConfig {
            interval: Duration::from_millis(200),
            max_requests_per_sec: 200,
        },
        engine: EngineConfig {
            per_number_daily_limit: 1000,
            ..EngineConfig::default()
        },
    };
    let runtime = Runtime::start(store.clone(), settings, Arc::new(SystemClock))
        .await
        .expect("runtime");
    Bench {
        runtime,
        store,
        _dir: dir,
    }
}

impl Bench {
    async fn campaign(
        &self,
        settings: CampaignSettings,
        leads: usize,
        offset: usize,
    ) -> CampaignId {
        let id = match self
            .runtime
            .engine
            .send(Command::CreateCampaign(Box::new(settings)))
            .await
            .expect("create")
        {
            Reply::Created(id) => id,
            other => panic!("unexpected {other:?}"),
        };
        let mut start = 0;
        while start < leads {
            let end = (start + 50_000).min(leads);
            self.store
                .write(move |conn| {
                    let now = Utc::now();
                    for i in start..end {
                        let lead = NewLead {
                            phone: format!("+1{:010}", 2_000_000_000 + offset + i),
                            ..NewLead::default()
                        };
                        LeadRecord::insert(conn, id, &lead, now)?;
                    }
                    Ok(())
                })
                .await
                .expect("leads");
            start = end;
        }
        id
    }

    async fn run_until(
        &self,
        id: CampaignId,
        done: impl Fn(&switchboard::engine::CampaignView) -> bool,
    ) {
        self.runtime
            .engine
            .send(Command::Start(id))
            .await
            .expect("start");
        let mut rx = self.runtime.engine.snapshot();
        loop {
            if rx.borrow_and_update().campaign(id).is_some_and(&done) {
                return;
            }
            rx.changed().await.expect("engine running");
        }
    }
}

/// User + system CPU time of this process, from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; 100 ticks/s.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    if let Ok(listen) = std::env::var(SANDBOX_CHILD) {
        return sandbox_child(&listen).await;
    }
    if std::env::args().any(|a| a == "polling") {
        return print_table(polling_bench().await);
    }
    if std::env::args().any(|a| a == "cpu") {
        return print_table(cpu_per_dial_bench().await);
    }
    let quick = std::env::args().any(|a| a == "quick");
    let only_memory = std::env::args().any(|a| a == "memory");
    let mut rows: Vec<(String, String, String)> = Vec::new();

    // 4, measured first so nothing else has grown the heap: memory with a very large
    // campaign.
    let leads = if quick { 200_000 } else { 1_000_000 };
    let bench = start().await;
    let rss_before = rss_mb(); // the runtime with its sandbox, before any lead exists
    let load = Instant::now();
    // ENGINE_BENCH_CONCURRENCY shows how much of the memory is calls in flight.
    let concurrency = std::env::var("ENGINE_BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let id = bench
        .campaign(campaign("million", concurrency, 0), leads, 0)
        .await;
    let loaded = load.elapsed();
    let rss_loaded = rss_mb();
    bench
        .runtime
        .engine
        .send(Command::Start(id))
        .await
        .expect("start");
    let mut peak: f64 = 0.0;
    let run = Instant::now();
    while run.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(rss_mb());
    }
    let done = bench
        .runtime
        .engine
        .snapshot()
        .borrow()
        .campaign(id)
        .map_or(0, |c| c.leads.settled());
    rows.push((
        format!("RSS running a {leads}-lead campaign"),
        format!("peak {peak:.0} MB"),
        format!(
            "{rss_before:.0} MB with the runtime up, {rss_loaded:.0} MB after inserting the leads ({:.1} s); {done} leads finished in 15 s at max_concurrent {concurrency}",
            loaded.as_secs_f64()
        ),
    ));
    bench.runtime.shutdown(Duration::from_secs(1)).await;

    if only_memory {
        print_table(rows);
        return;
    }

    // 1 + 2: throughput and CPU per attempt.
    let bench = start().await;
    let attempts = 20_000;
    let id = bench
        .campaign(campaign("throughput", 1000, 0), attempts, 0)
        .await;
    let (cpu0, t0) = (cpu_time(), Instant::now());
    bench
        .run_until(id, |c| c.status == CampaignStatus::Completed)
        .await;
    let (elapsed, cpu) = (t0.elapsed(), cpu_time() - cpu0);
    let stats = bench.runtime.sandbox.as_ref().expect("sandbox").stats();
    let persisted = bench
        .store
        .read(move |conn| AttemptRecord::for_campaign(conn, id))
        .await
        .expect("attempts");
    assert_eq!(
        persisted.len(),
        attempts,
        "every lead got exactly one attempt"
    );
    assert!(persisted.iter().all(|a| a.state.is_terminal()));
    rows.push((
        "attempts/s end to end (max_concurrent 1000)".into(),
        format!("{:.0}", attempts as f64 / elapsed.as_secs_f64()),
        format!(
            "{attempts} attempts in {:.2} s, peak {} concurrent on the trunk",
            elapsed.as_secs_f64(),
            stats.max_concurrent_calls()
        ),
    ));
    rows.push((
        "process CPU per attempt".into(),
        format!("{:.0} µs", cpu.as_micros() as f64 / attempts as f64),
        "engine + store + HTTP client + in-process sandbox and webhooks".into(),
    ));
    bench.runtime.shutdown(Duration::from_secs(1)).await;

    // 3: pacing accuracy.
    let bench = start().await;
    let dials = 60;
    let id = bench.campaign(campaign("pacing", 10, 100), dials, 0).await;
    bench
        .run_until(id, |c| c.status == CampaignStatus::Completed)
        .await;
    let persisted = bench
        .store
        .read(move |conn| AttemptRecord::for_campaign(conn, id))
        .await
        .expect("attempts");
    let mut starts: Vec<i64> = persisted
        .iter()
        .filter_map(|a| a.dialed_at)
        .map(|t| t.timestamp_millis())
        .collect();
    starts.sort();
    let mut errors: Vec<f64> = starts
        .windows(2)
        .map(|w| ((w[1] - w[0]) as f64 - 100.0).abs())
        .collect();
    errors.sort_by(|a, b| a.total_cmp(b));
    rows.push((
        "pacing error at call_delay 100 ms".into(),
        format!(
            "p50 {:.0} ms, p99 {:.0} ms",
            percentile(&errors, 0.5),
            percentile(&errors, 0.99)
        ),
        format!("{} gaps between dial starts (ms resolution)", errors.len()),
    ));
    bench.runtime.shutdown(Duration::from_secs(1)).await;

    print_table(rows);
}

fn print_table(rows: Vec<(String, String, String)>) {
    println!("\n| measure | result | notes |\n|---|---|---|");
    for (what, result, notes) in rows {
        println!("| {what} | {result} | {notes} |");
    }
}

/// Set in the child process that runs the sandbox: the address it listens on.
const SANDBOX_CHILD: &str = "ENGINE_BENCH_SANDBOX_LISTEN";
/// Set with it when the sandbox sends webhooks: where to.
const SANDBOX_WEBHOOK: &str = "ENGINE_BENCH_SANDBOX_WEBHOOK";
/// Set in the child when it should serve the fast sandbox of `sandbox()` (CPU per dial)
/// instead of the real-time one of the polling bench.
const SANDBOX_FAST: &str = "ENGINE_BENCH_SANDBOX_FAST";
/// Simulated (here: real, time_scale 1) talk time of every polled-bench call.
const POLL_BENCH_TALK_SECS: f64 = 3.0;
/// The sandbox's SIP participant stays this long with `sip.callStatus=hangup` after the
/// callee hangs up, then leaves: the truth an end is measured from is that departure.
const SANDBOX_HANGUP_LINGER_SECS: f64 = 1.0;

/// Every call answered after 0.1 s of ringing and 3 s of talk, in real time, so a
/// recorded talk time can be checked against the truth.
fn polling_sandbox(webhook_url: Option<String>) -> SandboxConfig {
    SandboxConfig {
        time_scale: 1.0,
        dial_delay: SecondsRange::new(0.05, 0.05),
        ring: SecondsRange::new(0.1, 0.1),
        talk: SecondsRange::new(POLL_BENCH_TALK_SECS, POLL_BENCH_TALK_SECS),
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
        webhook_url,
        ..SandboxConfig::default()
    }
}

/// The child: serves the sandbox, says `ready`, and at the end of its stdin prints how
/// many requests it answered and the most calls it carried at once.
async fn sandbox_child(listen: &str) {
    use tokio::io::AsyncBufReadExt;
    let webhook = std::env::var(SANDBOX_WEBHOOK).ok();
    let listen = listen.parse().expect("listen address");
    let config = if std::env::var_os(SANDBOX_FAST).is_some() {
        SandboxConfig {
            webhook_url: webhook,
            ..sandbox()
        }
    } else {
        polling_sandbox(webhook)
    };
    let sandbox = switchboard::sandbox::start(config, listen)
        .await
        .expect("sandbox");
    println!("ready");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = lines.next_line().await {}
    let stats = sandbox.stats();
    println!("{} {}", stats.requests, stats.max_concurrent_calls());
    sandbox.shutdown();
}

fn free_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    listener.local_addr().expect("addr")
}

/// CPU time of another process, from /proc/<pid>/stat.
fn cpu_time_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|v| v.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

struct PolledRun {
    wall: Duration,
    engine_cpu: Duration,
    sandbox_cpu: Duration,
    requests: u64,
    /// The most calls in flight at once.
    peak: u64,
    /// Recorded minus true talk time, seconds, sorted.
    lateness: Vec<f64>,
    dispositions: usize,
    answered: usize,
}

/// One campaign of `leads` at 1,000 in flight, webhooks on or off, the poller at its
/// defaults (1 s, 10 requests/s).
async fn polled_run(leads: usize, webhooks: bool) -> PolledRun {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Process, Stdio};
    let listen = free_port();
    let webhook_listen = webhooks.then(free_port);
    let mut child = Process::new(std::env::current_exe().expect("own path"));
    child
        .env(SANDBOX_CHILD, listen.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if let Some(addr) = webhook_listen {
        child.env(SANDBOX_WEBHOOK, format!("http://{addr}/"));
    }
    let mut child = child.spawn().expect("sandbox process");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line.trim(), "ready");

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("polling.db")).expect("database");
    let config = SandboxConfig::default();
    let settings = RuntimeSettings {
        livekit: LiveKitTarget::Server {
            url: format!("http://{listen}"),
            api_key: config.api_key.clone(),
            api_secret: switchboard::config::Secret::new(config.api_secret.clone()),
        },
        request_timeout: Duration::from_secs(10),
        webhook_listen,
        polling_only: false,
        polling: PollerConfig::default(),
        engine: EngineConfig {
            per_number_daily_limit: 1000,
            ..EngineConfig::default()
        },
    };
    let runtime = Runtime::start(store.clone(), settings, Arc::new(SystemClock))
        .await
        .expect("runtime");
    let bench = Bench {
        runtime,
        store,
        _dir: dir,
    };
    let id = bench.campaign(campaign("polling", 1000, 0), leads, 0).await;
    let (cpu0, child_cpu0, t0) = (cpu_time(), cpu_time_of(child.id()), Instant::now());
    bench
        .run_until(id, |c| c.status == CampaignStatus::Completed)
        .await;
    let wall = t0.elapsed();
    let engine_cpu = cpu_time() - cpu0;
    let sandbox_cpu = cpu_time_of(child.id()) - child_cpu0;
    // The last calls' dispositions may still be on their way (the engine listens for
    // them for its disposition grace after the callee left).
    tokio::time::sleep(EngineConfig::default().disposition_grace + Duration::from_millis(500))
        .await;
    let persisted = bench
        .store
        .read(move |conn| AttemptRecord::for_campaign(conn, id))
        .await
        .expect("attempts");
    bench.runtime.shutdown(Duration::from_secs(1)).await;
    drop(child.stdin.take());
    line.clear();
    out.read_line(&mut line).expect("requests");
    let counts: Vec<u64> = line
        .split_whitespace()
        .map(|n| n.parse().expect("a count"))
        .collect();
    let (requests, peak) = (counts[0], counts[1]);
    let _ = child.wait();

    let mut lateness: Vec<f64> = persisted
        .iter()
        .filter_map(|a| Some((a.ended_at? - a.answered_at?).num_milliseconds()))
        .map(|talk_ms| talk_ms as f64 / 1000.0 - POLL_BENCH_TALK_SECS - SANDBOX_HANGUP_LINGER_SECS)
        .collect();
    lateness.sort_by(|a, b| a.total_cmp(b));
    PolledRun {
        wall,
        engine_cpu,
        sandbox_cpu,
        requests,
        peak,
        answered: lateness.len(),
        lateness,
        dispositions: persisted.iter().filter(|a| a.disposition.is_some()).count(),
    }
}

/// Polling alone against webhooks beside it, 1,000 calls in flight.
async fn polling_bench() -> Vec<(String, String, String)> {
    let leads = std::env::var("ENGINE_BENCH_POLL_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut rows = Vec::new();
    let mut walls = Vec::new();
    for webhooks in [true, false] {
        let run = polled_run(leads, webhooks).await;
        let how = if webhooks {
            "webhooks + polling"
        } else {
            "polling alone"
        };
        let errors: Vec<f64> = {
            let mut e: Vec<f64> = run.lateness.iter().map(|l| l.abs()).collect();
            e.sort_by(|a, b| a.total_cmp(b));
            e
        };
        walls.push(run.wall.as_secs_f64());
        rows.push((
            format!("{how}: campaign wall time"),
            format!("{:.1} s", run.wall.as_secs_f64()),
            format!(
                "{leads} calls of {POLL_BENCH_TALK_SECS} s talk, max_concurrent 1000, peak {} in flight",
                run.peak
            ),
        ));
        rows.push((
            format!("{how}: LiveKit requests/s"),
            format!("{:.0}", run.requests as f64 / run.wall.as_secs_f64()),
            format!(
                "{} requests in all (dial, dispatch, delete room and polling)",
                run.requests
            ),
        ));
        rows.push((
            format!("{how}: end detection (recorded − true end)"),
            format!(
                "p50 {:.2} s, p99 {:.2} s",
                percentile(&run.lateness, 0.5),
                percentile(&run.lateness, 0.99)
            ),
            format!("{} answered calls", run.answered),
        ));
        rows.push((
            format!("{how}: talk-time error p95"),
            format!("{:.2} s", percentile(&errors, 0.95)),
            format!(
                "{} of {} dispositions recorded",
                run.dispositions, run.answered
            ),
        ));
        rows.push((
            format!("{how}: CPU per attempt"),
            format!(
                "engine {:.0} µs, sandbox {:.0} µs",
                run.engine_cpu.as_micros() as f64 / leads as f64,
                run.sandbox_cpu.as_micros() as f64 / leads as f64
            ),
            "engine process (engine, store, client, webhook listener) and sandbox process apart"
                .into(),
        ));
    }
    rows.push((
        "polling wall time / webhook wall time".into(),
        format!("{:.2}x", walls[1] / walls[0]),
        "target ≤ 1.3x".into(),
    ));
    rows
}

/// Runs `leads` at `in_flight` calls against the fast sandbox in a child process, with
/// webhooks, until `dials` attempts have settled; returns this process's CPU time (the
/// engine, store, livekit-api client and webhook listener: what `run` costs against an
/// external LiveKit), the attempts settled in that time, and the wall clock.
async fn cpu_per_dial_run(leads: usize, in_flight: u32, dials: u64) -> (Duration, u64, Duration) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Process, Stdio};
    let listen = free_port();
    let webhook_listen = free_port();
    let mut child = Process::new(std::env::current_exe().expect("own path"))
        .env(SANDBOX_CHILD, listen.to_string())
        .env(SANDBOX_WEBHOOK, format!("http://{webhook_listen}/"))
        .env(SANDBOX_FAST, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sandbox process");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line.trim(), "ready");

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("cpu.db")).expect("database");
    let config = SandboxConfig::default();
    let settings = RuntimeSettings {
        livekit: LiveKitTarget::Server {
            url: format!("http://{listen}"),
            api_key: config.api_key.clone(),
            api_secret: switchboard::config::Secret::new(config.api_secret.clone()),
        },
        request_timeout: Duration::from_secs(10),
        webhook_listen: Some(webhook_listen),
        polling_only: false,
        polling: PollerConfig::default(),
        engine: EngineConfig {
            per_number_daily_limit: 1000,
            ..EngineConfig::default()
        },
    };
    let runtime = Runtime::start(store.clone(), settings, Arc::new(SystemClock))
        .await
        .expect("runtime");
    let bench = Bench {
        runtime,
        store,
        _dir: dir,
    };
    let id = bench
        .campaign(campaign("cpu", in_flight, 0), leads, 0)
        .await;
    let (cpu0, t0) = (cpu_time(), Instant::now());
    bench.run_until(id, |c| c.leads.settled() >= dials).await;
    let (cpu, wall) = (cpu_time() - cpu0, t0.elapsed());
    let settled = bench
        .runtime
        .engine
        .snapshot()
        .borrow()
        .campaign(id)
        .map_or(0, |c| c.leads.settled());
    bench.runtime.shutdown(Duration::from_secs(1)).await;
    drop(child.stdin.take());
    let _ = child.wait();
    (cpu, settled, wall)
}

/// Issue #19: CPU per dial at 20 in flight (`ENGINE_BENCH_CPU_IN_FLIGHT`), 1,000 leads
/// and the first 1,000 dials (`ENGINE_BENCH_CPU_DIALS`) of a large campaign (flatness in
/// the campaign's size), each `ENGINE_BENCH_CPU_ROUNDS` times (default 3), alternating.
async fn cpu_per_dial_bench() -> Vec<(String, String, String)> {
    let large = std::env::var("ENGINE_BENCH_CPU_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rounds = std::env::var("ENGINE_BENCH_CPU_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let in_flight = std::env::var("ENGINE_BENCH_CPU_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dials: u64 = std::env::var("ENGINE_BENCH_CPU_DIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut rows = Vec::new();
    for round in 1..=rounds {
        for leads in [dials as usize, large] {
            let (cpu, settled, wall) = cpu_per_dial_run(leads, in_flight, dials).await;
            rows.push((
                format!("CPU per dial, {leads} leads, {in_flight} in flight (round {round})"),
                format!("{:.3} ms", cpu.as_secs_f64() * 1000.0 / settled as f64),
                format!(
                    "{settled} dials settled, {:.0} ms of CPU, {:.2} s wall",
                    cpu.as_secs_f64() * 1000.0,
                    wall.as_secs_f64()
                ),
            ));
        }
    }
    rows
}
