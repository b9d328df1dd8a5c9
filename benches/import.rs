//! Import benchmark: generates a CSV of 1,000,000 leads (random numbers across US area
//! codes, a name, two variables) in a temp dir, imports it into a fresh database, and
//! prints rows/s and the peak resident memory (VmHWM). Also times number parsing alone,
//! to show where the time goes, and then records one attempt per lead with SQL and
//! exports them all as CSV, to show the export streams.
//!
//!     cargo bench --bench import            # 1,000,000 rows
//!     IMPORT_BENCH_ROWS=200000 cargo bench --bench import
//!     IMPORT_BENCH_SKIP_EXPORT=1 cargo bench --bench import   # stop after the import

use std::io::{BufWriter, Write};
use std::time::Instant;
use switchboard::domain::CampaignSettings;
use switchboard::export::{export_attempts, ExportFormat};
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
    status_kib("VmHWM:")
}

/// User and system CPU time of the whole process (every thread), in seconds. On a
/// shared machine this is steadier than the wall clock.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    let ticks = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    (
        ticks(14).unwrap_or(0.0) / 100.0,
        ticks(15).unwrap_or(0.0) / 100.0,
    )
}

fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
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
    let (user_before, system_before) = cpu_seconds();
    let report =
        import_csv_file(&store, campaign, &csv_path, ImportOptions::default()).expect("import");
    let elapsed = started.elapsed();
    let (user_after, system_after) = cpu_seconds();
    println!("{}", report.summary());
    println!(
        "import: {rows} rows in {:.2?} = {:.0} rows/s; CPU {:.2} s user + {:.2} s system; peak RSS {} MiB (before import {} MiB)",
        elapsed,
        rows as f64 / elapsed.as_secs_f64(),
        user_after - user_before,
        system_after - system_before,
        peak_rss_kib() / 1024,
        rss_before / 1024,
    );
    if std::env::var_os("IMPORT_BENCH_SKIP_EXPORT").is_some() {
        return;
    }

    // One finished call per lead, then the export into a byte counter.
    let started = Instant::now();
    let attempts = store
        .write_blocking(move |c| {
            Ok(c.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, sip_status_code, sip_status,
                     created_at, dialed_at, answered_at, ended_at)
                 SELECT campaign_id, id, 1, phone, 'completed', 'sb-' || id, 200, 'OK',
                     1700000000000 + id, 1700000000000 + id, 1700000004000 + id, 1700000064000 + id
                 FROM leads WHERE campaign_id = ?1",
                [campaign.0],
            )?)
        })
        .expect("attempts");
    println!("recorded {attempts} attempts in {:.2?}", started.elapsed());
    // VmHWM already holds the import's peak, so sample VmRSS while the export runs.
    let rss_before = rss_kib();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut max = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                max = max.max(rss_kib());
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            max
        })
    };
    let mut sink = ByteCounter(0);
    let started = Instant::now();
    let exported = export_attempts(&store, campaign, ExportFormat::Csv, &mut sink).expect("export");
    let elapsed = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let max_rss = sampler.join().unwrap_or(0);
    println!(
        "export: {exported} attempts ({:.1} MiB of CSV) in {:.2?} = {:.0} rows/s; RSS {} MiB before, at most {} MiB during",
        sink.0 as f64 / 1048576.0,
        elapsed,
        exported as f64 / elapsed.as_secs_f64(),
        rss_before / 1024,
        max_rss / 1024,
    );
}

/// Counts what the export writes and throws it away.
struct ByteCounter(u64);

impl Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
