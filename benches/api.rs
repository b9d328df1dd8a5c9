//! The HTTP API's lead intake, against a running engine (`EngineHost`, the in-process
//! sandbox behind it):
//!
//! 1. single leads: `POST /api/v1/campaigns/{id}/leads` from many concurrent clients,
//!    over the local socket and over TCP with a bearer token, into an empty campaign
//!    and into one that already holds the uploaded file's leads;
//! 2. a CSV file: the same generated file imported by `import_csv_file` (what
//!    `switchboard leads import` runs, in the engine or on the database) and uploaded to
//!    `POST /api/v1/campaigns/{id}/leads/upload`, each into an empty database, side by
//!    side in the same run (import, upload, import, upload).
//!
//! Run: `cargo bench --bench api` (`API_BENCH_ROWS` for a smaller file,
//! `API_BENCH_POSTS` single leads per measurement, `API_BENCH_CLIENTS` concurrent
//! clients, `API_BENCH_ROUNDS` import/upload pairs).

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::config::{ApiConfig, Secret};
use switchboard::domain::{CampaignId, CampaignSettings};
use switchboard::engine::EngineConfig;
use switchboard::import::{import_csv_file, ImportOptions};
use switchboard::runtime::{LiveKitTarget, RuntimeSettings};
use switchboard::sandbox::SandboxConfig;
use switchboard::service::{EngineHost, HostPlan};
use switchboard::store::{CampaignRecord, NewCampaign, Store};
use switchboard::telephony::PollerConfig;

const TOKEN: &str = "bench-token-not-a-secret";

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

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split(' ').next().map(str::to_string))
        .unwrap_or_default()
}

/// xorshift: the same file on every run without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const AREA_CODES: &[u16] = &[
    212, 312, 415, 512, 617, 702, 303, 206, 404, 305, 713, 214, 602, 503, 808, 907,
];

/// The import bench's file: random US numbers, a name and two variables.
fn write_csv(path: &Path, rows: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(out, "phone,name,plan,city").expect("write");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..rows {
        let area = AREA_CODES[(rng.next() % AREA_CODES.len() as u64) as usize];
        let exchange = 200 + rng.next() % 800;
        let line = rng.next() % 10_000;
        writeln!(
            out,
            "({area}) {exchange}-{line:04},Lead {i},{},City {}",
            ["gold", "silver", "bronze"][(i % 3) as usize],
            i % 500
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

fn new_campaign(store: &Store, name: &str) -> CampaignId {
    let settings = CampaignSettings {
        name: name.into(),
        agent_name: "agent".into(),
        trunk_id: "ST_sandbox".into(),
        ..Default::default()
    };
    store
        .write_blocking(move |c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: chrono::Utc::now(),
                },
            )
        })
        .expect("campaign")
}

/// A new database at `db` with one empty campaign (the store blocks: off the runtime).
async fn fresh_database(db: &Path, name: &'static str) -> (Store, CampaignId) {
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let store = Store::open(&db).expect("store");
        let campaign = new_campaign(&store, name);
        (store, campaign)
    })
    .await
    .expect("store thread")
}

fn plan(db: &Path, runtime_dir: &Path) -> HostPlan {
    HostPlan {
        db: db.to_path_buf(),
        runtime_dir: Some(runtime_dir.to_path_buf()),
        settings: RuntimeSettings {
            livekit: LiveKitTarget::Sandbox {
                config: Box::new(SandboxConfig::default()),
                listen: "127.0.0.1:0".parse().expect("addr"),
            },
            request_timeout: Duration::from_secs(10),
            webhook_listen: None,
            polling_only: false,
            polling: PollerConfig {
                interval: Duration::from_millis(500),
                max_requests_per_sec: 1000,
            },
            engine: EngineConfig::default(),
        },
    }
}

async fn start_engine(db: &Path, run_dir: &Path) -> EngineHost {
    let api = ApiConfig {
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        token: Some(Secret::new(TOKEN)),
    };
    EngineHost::start(plan(db, run_dir), &api)
        .await
        .expect("engine host")
}

/// Where the requests go.
#[derive(Clone)]
enum Target {
    Socket(PathBuf),
    Tcp(SocketAddr),
}

impl Target {
    fn client(&self) -> reqwest::Client {
        let tls = switchboard::http_tls::client_config().expect("tls");
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .pool_max_idle_per_host(1024);
        match self {
            Target::Socket(path) => builder.unix_socket(path.as_path()),
            Target::Tcp(_) => builder,
        }
        .build()
        .expect("client")
    }

    fn url(&self, path: &str) -> String {
        match self {
            Target::Socket(_) => format!("http://engine/api/v1{path}"),
            Target::Tcp(addr) => format!("http://{addr}/api/v1{path}"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Target::Socket(_) => "local socket",
            Target::Tcp(_) => "TCP + bearer token",
        }
    }
}

/// `posts` single-lead POSTs from `clients` concurrent clients (each waits for its
/// answer before the next); every answer must be a 201. Numbers are `+1 646 2xx xxxx`
/// from `first` on, so no two runs collide.
async fn single_posts(
    target: &Target,
    campaign: CampaignId,
    posts: u64,
    clients: u64,
    first: u64,
) -> (Duration, Duration, Vec<Duration>) {
    let client = target.client();
    let next = Arc::new(AtomicU64::new(0));
    let url = target.url(&format!("/campaigns/{}/leads", campaign.0));
    let cpu = process_cpu();
    let started = Instant::now();
    let workers = (0..clients).map(|_| {
        let (client, next, url) = (client.clone(), next.clone(), url.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= posts {
                    return latencies;
                }
                let body = serde_json::json!({
                    "phoneNumber": format!("+1646{:07}", 2_000_000 + first + n),
                    "name": format!("Posted {n}"),
                    "metadata": {"source": "bench", "n": n},
                });
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await
                    .expect("post");
                let status = response.status();
                let text = response.text().await.expect("answer");
                assert_eq!(status.as_u16(), 201, "{text}");
                latencies.push(sent.elapsed());
            }
        })
    });
    let mut latencies = Vec::new();
    for worker in futures::future::join_all(workers).await {
        latencies.extend(worker.expect("worker"));
    }
    latencies.sort();
    (started.elapsed(), process_cpu() - cpu, latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn report_posts(target: &Target, label: &str, campaign: CampaignId, first: u64) {
    let posts = env_number("API_BENCH_POSTS", 10_000);
    let clients = env_number("API_BENCH_CLIENTS", 32);
    let (wall, cpu, latencies) = single_posts(target, campaign, posts, clients, first).await;
    println!(
        "single POSTs, {}, {label}: {posts} from {clients} clients in {wall:.2?} = {:.0}/s; latency p50 {:.1?} p99 {:.1?} max {:.1?}; process CPU {:.0}% of a core (load {})",
        target.name(),
        posts as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
        cpu.as_secs_f64() / wall.as_secs_f64() * 100.0,
        load_average(),
    );
}

/// The CSV at `csv` uploaded as a streamed body (`Content-Length` from the file).
async fn upload(target: &Target, campaign: CampaignId, csv: &Path) -> serde_json::Value {
    let file = tokio::fs::File::open(csv).await.expect("csv");
    let size = file.metadata().await.expect("size").len();
    let body = reqwest::Body::from(file);
    let response = target
        .client()
        .post(target.url(&format!("/campaigns/{}/leads/upload", campaign.0)))
        .header(reqwest::header::CONTENT_LENGTH, size)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    let answer: serde_json::Value = response.json().await.expect("answer");
    assert!(status.is_success(), "{answer}");
    answer["data"].clone()
}

/// A new campaign, made as an integration would make it.
async fn campaign_through_api(target: &Target) -> CampaignId {
    let answer: serde_json::Value = target
        .client()
        .post(target.url("/campaigns"))
        .json(&serde_json::json!({
            "name": "posted", "agentName": "agent", "sipTrunkId": "ST_sandbox",
        }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("answer");
    CampaignId(
        answer["data"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{answer}")),
    )
}

fn main() {
    let rows = env_number("API_BENCH_ROWS", 1_000_000);
    let rounds = env_number("API_BENCH_ROUNDS", 2);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("leads.csv");
    let started = Instant::now();
    write_csv(&csv, rows);
    println!(
        "generated {rows} rows ({:.1} MiB) in {:.1?}",
        std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0,
        started.elapsed()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mut imports = Vec::new();
        let mut uploads = Vec::new();
        let mut last = None;
        for round in 0..rounds {
            // `leads import`: the importer on the file, into an empty database.
            let db = dir.path().join(format!("import-{round}.db"));
            let (store, campaign) = fresh_database(&db, "imported").await;
            let (cpu, at) = (process_cpu(), Instant::now());
            let report = tokio::task::spawn_blocking({
                let csv = csv.clone();
                move || import_csv_file(&store, campaign, &csv, ImportOptions::default())
            })
            .await
            .expect("import thread")
            .expect("import");
            let (wall, cpu) = (at.elapsed(), process_cpu() - cpu);
            println!(
                "round {round}: leads import (import_csv_file) {wall:.2?}, CPU {cpu:.2?}, {} imported, {} duplicates (load {})",
                report.imported,
                report.duplicates,
                load_average()
            );
            imports.push(wall);
            let _ = std::fs::remove_file(&db);

            // The upload, into an empty database served by a running engine.
            let db = dir.path().join(format!("upload-{round}.db"));
            let (store, campaign) = fresh_database(&db, "uploaded").await;
            drop(store);
            let host = start_engine(&db, &dir.path().join(format!("run-{round}"))).await;
            let target = Target::Socket(host.socket().to_path_buf());
            let (cpu, at) = (process_cpu(), Instant::now());
            let answer = upload(&target, campaign, &csv).await;
            let (wall, cpu) = (at.elapsed(), process_cpu() - cpu);
            println!(
                "round {round}: POST /leads/upload over the local socket {wall:.2?}, CPU {cpu:.2?} (client included), {} imported, {} duplicates (load {})",
                answer["imported"],
                answer["duplicates"],
                load_average()
            );
            assert_eq!(answer["imported"].as_u64(), Some(report.imported));
            uploads.push(wall);
            if let Some((old, _)) = last.replace((host, campaign)) {
                EngineHost::shutdown(old, Duration::ZERO).await;
            }
        }
        let ratio = |i: usize| uploads[i].as_secs_f64() / imports[i].as_secs_f64();
        let ratios: Vec<String> = (0..imports.len()).map(|i| format!("{:.2}x", ratio(i))).collect();
        println!("upload against leads import, round by round: {}", ratios.join(", "));

        let (host, full) = last.expect("at least one round");
        let socket = Target::Socket(host.socket().to_path_buf());
        let empty = campaign_through_api(&socket).await;
        let tcp = Target::Tcp(host.tcp().expect("tcp listener"));
        let posts = env_number("API_BENCH_POSTS", 10_000);
        report_posts(&socket, "empty campaign", empty, 0).await;
        report_posts(&tcp, "empty campaign", empty, posts).await;
        report_posts(&socket, &format!("campaign of {rows} leads"), full, 2 * posts).await;
        report_posts(&tcp, &format!("campaign of {rows} leads"), full, 3 * posts).await;
        host.shutdown(Duration::ZERO).await;
    });
}
