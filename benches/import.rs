//! Import benchmark: generates a CSV of 1,000,000 leads (random numbers across US area
//! codes, a name, two variables) in a temp dir, imports it into a fresh database, and
//! prints rows/s and the peak resident memory (VmHWM). Also times number parsing alone,
//! to show where the time goes.
//!
//!     cargo bench --bench import            # 1,000,000 rows
//!     IMPORT_BENCH_ROWS=200000 cargo bench --bench import

use std::io::{BufWriter, Write};
use std::time::Instant;
use switchboard::domain::CampaignSettings;
use switchboard::import::{import_csv_file, ImportOptions};
use switchboard::phone::{infer_timezone, parse_region, PhoneNormalizer};
use switchboard::store::{CampaignRecord, NewCampaign, Store};

const AREA_CODES: &[u16] = &[
    212, 312, 415, 512, 617, 702, 303, 206, 404, 305, 713, 214, 602, 503, 808, 907,
];

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

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let rows: usize = std::env::var("IMPORT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_path = dir.path().join("leads.csv");

    let started = Instant::now();
    let mut out = BufWriter::new(std::fs::File::create(&csv_path).expect("create csv"));
    writeln!(out, "phone,name,plan,city").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut sample = Vec::new();
    for i in 0..rows {
        let area = AREA_CODES[(rng.next() % AREA_CODES.len() as u64) as usize];
        let exchange = 200 + rng.next() % 800;
        let line = rng.next() % 10_000;
        let number = format!("({area}) {exchange}-{line:04}");
        if sample.len() < 100_000 {
            sample.push(number.clone());
        }
        writeln!(
            out,
            "{number},Lead {i},{},City {}",
            ["gold", "silver", "bronze"][i % 3],
            i % 500
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&csv_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {rows} rows ({:.1} MiB) in {:.2?}",
        size as f64 / 1048576.0,
        started.elapsed()
    );
    let rss_before = peak_rss_kib();

    // Parsing alone, single-threaded: the floor of the import's reading side.
    let normalizer = PhoneNormalizer::new(parse_region("US").unwrap());
    let started = Instant::now();
    let mut valid = 0;
    for raw in &sample {
        if let Ok(e164) = normalizer.normalize(raw) {
            valid += infer_timezone(&e164).is_some() as usize;
        }
    }
    let per = started.elapsed() / sample.len() as u32;
    println!("rlibphonenumber parse + validate + E.164 + zone: {per:.2?} per number ({valid} of {} valid)", sample.len());

    let store = Store::open(dir.path().join("bench.db")).expect("open store");
    let settings = CampaignSettings {
        name: "bench".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        ..Default::default()
    };
    let campaign = store
        .write_blocking(move |c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: chrono::Utc::now(),
                },
            )
        })
        .expect("campaign");

    let started = Instant::now();
    let report =
        import_csv_file(&store, campaign, &csv_path, ImportOptions::default()).expect("import");
    let elapsed = started.elapsed();
    println!("{}", report.summary());
    println!(
        "import: {rows} rows in {:.2?} = {:.0} rows/s; peak RSS {} MiB (before import {} MiB)",
        elapsed,
        rows as f64 / elapsed.as_secs_f64(),
        peak_rss_kib() / 1024,
        rss_before / 1024,
    );
}
