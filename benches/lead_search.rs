//! Lead search benchmark: a database file with one campaign of 1,000,000 leads (numbers
//! across 16 US area codes, 2,500 first/last name pairs, an account number, a plan and
//! a city as variables, the states and last outcomes of a campaign half way through),
//! and the same at 1,000 leads; then first pages (50 rows) asked through
//! `Reader::answer`, as the CLI, the API and the console ask: by E.164 prefix, by a run
//! of digits, by name, by a variable's value, by state, by last outcome, and text with a
//! state. Each kind runs 200 times with a different text; p50 and p99.
//!
//! It also times inserting 100,000 leads with and without the trigram index's trigger,
//! the index's cost to an import.
//!
//!     cargo bench --bench lead_search              # 1,000 and 1,000,000 leads
//!     cargo bench --bench lead_search -- quick     # 1,000 and 100,000 leads

use std::path::Path;
use std::time::{Duration, Instant};
use switchboard::domain::{CampaignId, CampaignSettings, LeadState, Outcome};
use switchboard::engine::{Answer, Query, Reader};
use switchboard::store::{CampaignRecord, NewCampaign, Store};

const AREA_CODES: [u16; 16] = [
    212, 312, 415, 512, 617, 702, 303, 206, 404, 305, 713, 214, 602, 503, 808, 907,
];
const FIRST: [&str; 50] = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Dorothy",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Edward",
    "Deborah",
];
const LAST: [&str; 50] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
];
const CITIES: [&str; 8] = [
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
];
const PLANS: [&str; 4] = ["basic", "plus", "gold", "platinum"];
const PAGE: usize = 50;
const RUNS: usize = 200;

/// xorshift: the same data on every run without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let dir = tempfile::tempdir().expect("temp dir");
    trigger_cost(dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for leads in [1_000, if quick { 100_000 } else { 1_000_000 }] {
        let db = dir.path().join(format!("leads-{leads}.db"));
        let started = Instant::now();
        let campaign = fill(&db, leads, true);
        println!(
            "\n{leads} leads ({:.0} MiB database) made in {:.1?}",
            std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0,
            started.elapsed()
        );
        let store = Store::open(&db).expect("open");
        let reader = Reader::from(&store);
        runtime.block_on(searches(&reader, campaign, leads));
    }
}

/// Every kind of first page, `RUNS` times each with another text.
async fn searches(reader: &Reader, campaign: CampaignId, leads: u64) {
    let mut rng = Rng(0x5eed_1ead);
    let base = LeadQuery {
        campaign: Some(campaign),
        ..LeadQuery::default()
    };
    type Make<'a> = Box<dyn FnMut(&mut Rng) -> LeadQuery + 'a>;
    let kinds: Vec<(&str, Make)> = vec![
        (
            "E.164 prefix (+1 415 555 01..)",
            Box::new(|rng| LeadQuery {
                text: Some(format!(
                    "+1 {} {:03}",
                    AREA_CODES[rng.below(16) as usize],
                    rng.below(1000)
                )),
                ..base.clone()
            }),
        ),
        (
            "a lead's last 7 digits",
            Box::new(|rng| LeadQuery {
                text: Some(format!("{:07}", phone_tail(rng.below(leads)))),
                ..base.clone()
            }),
        ),
        (
            "name (first and last)",
            Box::new(|rng| LeadQuery {
                text: Some(format!(
                    "{} {}",
                    FIRST[rng.below(50) as usize],
                    LAST[rng.below(50) as usize]
                )),
                ..base.clone()
            }),
        ),
        (
            "a lead's account number (variable)",
            Box::new(|rng| LeadQuery {
                text: Some(format!("AC-{:07}", rng.below(leads))),
                ..base.clone()
            }),
        ),
        (
            "city (variable, 1 in 8 leads)",
            Box::new(|rng| LeadQuery {
                text: Some(CITIES[rng.below(8) as usize].to_lowercase()),
                ..base.clone()
            }),
        ),
        (
            "state (1 in 5 to 1 in 100 leads)",
            Box::new(|rng| LeadQuery {
                state: Some(
                    [
                        LeadState::Done,
                        LeadState::RetryWait,
                        LeadState::Exhausted,
                        LeadState::Invalid,
                    ][rng.below(4) as usize],
                ),
                ..base.clone()
            }),
        ),
        (
            "last outcome",
            Box::new(|rng| LeadQuery {
                outcome: Some(
                    [Outcome::Busy, Outcome::NoAnswer, Outcome::Completed][rng.below(3) as usize],
                ),
                ..base.clone()
            }),
        ),
        (
            "name + state retry_wait",
            Box::new(|rng| LeadQuery {
                text: Some(LAST[rng.below(50) as usize].to_owned()),
                state: Some(LeadState::RetryWait),
                ..base.clone()
            }),
        ),
        (
            "a lead's account, every campaign",
            Box::new(|rng| LeadQuery {
                text: Some(format!("AC-{:07}", rng.below(leads))),
                ..LeadQuery::default()
            }),
        ),
        (
            "no match (\"zzzz\")",
            Box::new(|_| LeadQuery {
                text: Some("zzzz".into()),
                ..base.clone()
            }),
        ),
    ];
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>6}",
        "first page of 50 by", "p50", "p99", "max", "rows"
    );
    for (label, mut make) in kinds {
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for _ in 0..RUNS {
            let query = make(&mut rng).into_query();
            let started = Instant::now();
            let answer = reader.answer(query).await.expect("search");
            times.push(started.elapsed());
            if let Answer::LeadPage(page) = answer {
                rows += page.rows.len();
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{label:<36} {:>9} {:>9} {:>9} {:>6.1}",
            ms(at(0.5)),
            ms(at(0.99)),
            ms(*times.last().expect("runs")),
            rows as f64 / RUNS as f64
        );
    }
}

#[derive(Clone, Default)]
struct LeadQuery {
    campaign: Option<CampaignId>,
    text: Option<String>,
    state: Option<LeadState>,
    outcome: Option<Outcome>,
}

impl LeadQuery {
    fn into_query(self) -> Query {
        Query::LeadSearch {
            campaign: self.campaign,
            text: self.text,
            state: self.state,
            outcome: self.outcome,
            after: None,
            limit: PAGE,
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The last seven digits of lead `i`'s number: unique per lead, scattered.
fn phone_tail(i: u64) -> u64 {
    (i * 7_919 + 1_234) % 10_000_000
}

/// One campaign of `leads` leads written straight with SQL (the store's own schema and
/// triggers), in one transaction. Without `trigger`, the trigram index is not kept.
fn fill(db: &Path, leads: u64, trigger: bool) -> CampaignId {
    let store = Store::open(db).expect("open store");
    let settings = CampaignSettings {
        name: "Lead search bench".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_bench".into(),
        ..Default::default()
    };
    store
        .write_blocking(move |c| {
            let id = CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: chrono::Utc::now(),
                },
            )?;
            c.execute_batch("PRAGMA cache_size = -65536")?;
            if !trigger {
                c.execute_batch("DROP TRIGGER lead_text_insert")?;
            }
            let mut insert = c.prepare(
                "INSERT INTO leads (campaign_id, phone, name, variables, state, attempts,
                     next_attempt_at, last_outcome, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
            )?;
            let mut rng = Rng(0xb0a7_1ead);
            for i in 0..leads {
                let phone = format!("+1{}{:07}", AREA_CODES[(i % 16) as usize], phone_tail(i));
                let name = format!(
                    "{} {}",
                    FIRST[rng.below(50) as usize],
                    LAST[rng.below(50) as usize]
                );
                let variables = serde_json::json!({
                    "account": format!("AC-{i:07}"),
                    "plan": PLANS[rng.below(4) as usize],
                    "city": CITIES[rng.below(8) as usize],
                })
                .to_string();
                // Half way through: 60% not called yet, then done, retrying, exhausted,
                // invalid.
                let (state, attempts, outcome) = match rng.below(100) {
                    0..=59 => ("pending", 0, None),
                    60..=79 => ("done", 1, Some("completed")),
                    80..=91 => (
                        "retry_wait",
                        1,
                        Some(["busy", "no_answer"][(i % 2) as usize]),
                    ),
                    92..=98 => ("exhausted", 3, Some("no_answer")),
                    _ => ("invalid", 1, Some("invalid_number")),
                };
                let due = (state == "retry_wait").then_some(1_780_000_000_000i64);
                insert.execute(rusqlite::params![
                    id.0, phone, name, variables, state, attempts, due, outcome
                ])?;
            }
            Ok(id)
        })
        .expect("fill")
}

/// 100,000 leads inserted with and without the trigram index's trigger.
fn trigger_cost(dir: &Path) {
    let rows = 100_000;
    let mut times = [Duration::ZERO; 2];
    for (i, trigger) in [false, true].into_iter().enumerate() {
        let db = dir.join(format!("trigger-{trigger}.db"));
        let started = Instant::now();
        fill(&db, rows, trigger);
        times[i] = started.elapsed();
    }
    println!(
        "inserting {rows} leads: {:.2?} without the trigram index, {:.2?} with it \
         (+{:.1} µs a lead)",
        times[0],
        times[1],
        (times[1].as_secs_f64() - times[0].as_secs_f64()) * 1e6 / rows as f64
    );
}
