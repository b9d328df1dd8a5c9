//! Round trip: leads imported from CSV, calls simulated with SQL (as the engine would
//! have recorded them), then exported as CSV, JSON and JSON Lines.

use chrono::{TimeZone, Utc};
use std::path::Path;
use switchboard::domain::{CampaignId, CampaignSettings};
use switchboard::export::{export_attempts, ExportError, ExportFormat};
use switchboard::import::{import_csv_file, ImportOptions};
use switchboard::store::{CampaignRecord, NewCampaign, Store};

fn ms(h: u32, m: u32, s: u32, milli: i64) -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, s)
        .unwrap()
        .timestamp_millis()
        + milli
}

/// A campaign with leads.csv imported and three calls: a no-answer then an answered
/// call for Ada, a busy for Alan, and one still ringing for Grace.
fn called() -> (tempfile::TempDir, Store, CampaignId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("switchboard.db")).unwrap();
    let settings = CampaignSettings {
        name: "Export".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_test".into(),
        ..Default::default()
    };
    let campaign = store
        .write_blocking(move |c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: Utc::now(),
                },
            )
        })
        .unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/leads.csv");
    import_csv_file(&store, campaign, &csv, ImportOptions::default()).unwrap();
    let rows = [
        // (phone, number, state, sip code, sip status, twirp, dialed, answered, ended, disposition, error)
        (
            "+12125550101",
            1,
            "no_answer",
            Some(480),
            Some("Temporarily Unavailable"),
            None,
            Some(ms(14, 0, 0, 0)),
            None,
            Some(ms(14, 0, 30, 0)),
            None,
            None,
        ),
        (
            "+12125550101",
            2,
            "completed",
            None,
            None,
            None,
            Some(ms(15, 0, 0, 0)),
            Some(ms(15, 0, 5, 500)),
            Some(ms(15, 1, 5, 500)),
            Some("interested"),
            None,
        ),
        (
            "+442079460958",
            1,
            "busy",
            Some(486),
            Some("Busy Here"),
            Some("failed_precondition"),
            Some(ms(14, 5, 0, 0)),
            None,
            Some(ms(14, 5, 3, 0)),
            None,
            Some("callee busy"),
        ),
        (
            "+13125550102",
            1,
            "ringing",
            None,
            None,
            None,
            Some(ms(16, 0, 0, 0)),
            None,
            None,
            None,
            None,
        ),
    ];
    store
        .write_blocking(move |c| {
            for (i, r) in rows.iter().enumerate() {
                c.execute(
                    "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, sip_call_id,
                         sip_status_code, sip_status, twirp_code, disposition, error, created_at, dialed_at,
                         answered_at, ended_at)
                     SELECT campaign_id, id, ?2, phone, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13
                     FROM leads WHERE campaign_id = ?1 AND phone = ?14",
                    rusqlite::params![
                        campaign.0,
                        r.1,
                        r.2,
                        format!("sb-{i}"),
                        format!("SCL_{i}"),
                        r.3,
                        r.4,
                        r.5,
                        r.9,
                        r.10,
                        r.6,
                        r.7,
                        r.8,
                        r.0
                    ],
                )?;
            }
            Ok(())
        })
        .unwrap();
    (dir, store, campaign)
}

fn export(store: &Store, campaign: CampaignId, format: ExportFormat) -> String {
    let mut out = Vec::new();
    let count = export_attempts(store, campaign, format, &mut out).unwrap();
    assert_eq!(count, 4);
    String::from_utf8(out).unwrap()
}

#[test]
fn csv_has_one_row_per_attempt_with_real_times_and_one_column_per_variable() {
    let (_dir, store, campaign) = called();
    let text = export(&store, campaign, ExportFormat::Csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "attempt_id",
            "lead_id",
            "phone",
            "name",
            "attempt",
            "outcome",
            "sip_status_code",
            "sip_status",
            "twirp_code",
            "room",
            "sip_call_id",
            "dialed_at",
            "answered_at",
            "ended_at",
            "ring_seconds",
            "talk_seconds",
            "disposition",
            "agent_note",
            "disconnect_reason",
            "error",
            "First Name",
            "Last Name",
            "plan",
            "city",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let field = |row: usize, name: &str| {
        rows[row][header.iter().position(|h| h == name).unwrap()].to_string()
    };
    assert_eq!(rows.len(), 4);
    assert_eq!(field(0, "phone"), "+12125550101");
    assert_eq!(field(0, "name"), "Ada Lovelace");
    assert_eq!(field(0, "outcome"), "no_answer");
    assert_eq!(field(0, "sip_status_code"), "480");
    assert_eq!(
        field(0, "ring_seconds"),
        "30.000",
        "an unanswered call rang until it ended"
    );
    assert_eq!(field(0, "talk_seconds"), "");
    assert_eq!(field(1, "attempt"), "2");
    assert_eq!(field(1, "dialed_at"), "2026-11-20T15:00:00.000Z");
    assert_eq!(field(1, "answered_at"), "2026-11-20T15:00:05.500Z");
    assert_eq!(field(1, "ring_seconds"), "5.500");
    assert_eq!(field(1, "talk_seconds"), "60.000");
    assert_eq!(field(1, "disposition"), "interested");
    assert_eq!(field(1, "plan"), "gold");
    assert_eq!(field(2, "twirp_code"), "failed_precondition");
    assert_eq!(field(2, "error"), "callee busy");
    assert_eq!(field(2, "city"), "London");
    assert_eq!(field(3, "outcome"), "ringing");
    assert_eq!(
        (field(3, "ended_at"), field(3, "ring_seconds")),
        (String::new(), String::new()),
        "unknown stays empty"
    );
}

#[test]
fn export_carries_the_disconnect_reason_and_the_agents_note() {
    let (_dir, store, campaign) = called();
    store
        .write_blocking(move |c| {
            let attempt: i64 = c.query_row(
                "SELECT id FROM attempts WHERE state = 'completed'",
                [],
                |r| r.get(0),
            )?;
            c.execute(
                "UPDATE attempts SET disconnect_reason = 'CLIENT_INITIATED' WHERE id = ?1",
                [attempt],
            )?;
            let at = Utc::now();
            let attempt = switchboard::domain::AttemptId(attempt);
            switchboard::store::attempts::set_disposition(
                c,
                attempt,
                campaign,
                "callback",
                Some("first note"),
                at,
            )?;
            // The agent changed its mind: the latest disposition and note are the ones exported.
            switchboard::store::attempts::set_disposition(
                c,
                attempt,
                campaign,
                "interested",
                Some("wants the gold plan"),
                at,
            )
        })
        .unwrap();
    let text = export(&store, campaign, ExportFormat::Csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let field = |row: usize, name: &str| {
        rows[row][header.iter().position(|h| h == name).unwrap()].to_string()
    };
    assert_eq!(field(1, "disposition"), "interested");
    assert_eq!(field(1, "agent_note"), "wants the gold plan");
    assert_eq!(field(1, "disconnect_reason"), "CLIENT_INITIATED");
    assert_eq!(
        (field(0, "agent_note"), field(0, "disconnect_reason")),
        (String::new(), String::new())
    );
    let json: serde_json::Value =
        serde_json::from_str(&export(&store, campaign, ExportFormat::Json)).unwrap();
    assert_eq!(json[1]["agent_note"], "wants the gold plan");
    assert_eq!(json[1]["disconnect_reason"], "CLIENT_INITIATED");
    assert_eq!(json[0]["agent_note"], serde_json::Value::Null);
}

#[test]
fn an_unanswered_call_noticed_late_rings_no_longer_than_the_ring_timeout() {
    let (_dir, store, campaign) = called();
    store
        .write_blocking(move |c| {
            // Polling saw the end 69 s after the dial; the campaign rings for 30 s.
            c.execute(
                "UPDATE attempts SET ended_at = dialed_at + 69000 WHERE state = 'no_answer'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let all: serde_json::Value =
        serde_json::from_str(&export(&store, campaign, ExportFormat::Json)).unwrap();
    assert_eq!(all[0]["outcome"], "no_answer");
    assert_eq!(all[0]["ring_seconds"], 30.0);
    let stats = store
        .read_blocking(move |c| switchboard::store::reports::campaign_stats(c, campaign, 0))
        .unwrap();
    assert_eq!(
        stats.avg_ring_secs,
        Some(12.833),
        "status caps it the same way"
    );
}

#[test]
fn json_is_one_array_with_variables_as_an_object() {
    let (_dir, store, campaign) = called();
    let text = export(&store, campaign, ExportFormat::Json);
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    let answered = &all[1];
    assert_eq!(answered["outcome"], "completed");
    assert_eq!(answered["talk_seconds"], 60.0);
    assert_eq!(answered["ring_seconds"], 5.5);
    assert_eq!(answered["sip_call_id"], "SCL_1");
    assert_eq!(answered["variables"]["city"], "New York");
    assert_eq!(all[3]["ended_at"], serde_json::Value::Null);
    assert_eq!(all.as_array().unwrap().len(), 4);
}

#[test]
fn json_lines_is_one_object_per_line() {
    let (_dir, store, campaign) = called();
    let text = export(&store, campaign, ExportFormat::Jsonl);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2]["sip_status"], "Busy Here");
    assert_eq!(lines[2]["variables"]["plan"], "bronze");
}

#[test]
fn a_variable_named_like_a_fixed_column_gets_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let settings = CampaignSettings {
        name: "x".into(),
        agent_name: "a".into(),
        trunk_id: "t".into(),
        ..Default::default()
    };
    let campaign = store
        .write_blocking(move |c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: Utc::now(),
                },
            )
        })
        .unwrap();
    let csv = "phone,outcome\n2125550101,sold\n";
    switchboard::import::import_csv(&store, campaign, csv.as_bytes(), ImportOptions::default())
        .unwrap();
    let mut out = Vec::new();
    assert_eq!(
        export_attempts(&store, campaign, ExportFormat::Csv, &mut out).unwrap(),
        0
    );
    assert!(String::from_utf8(out)
        .unwrap()
        .trim_end()
        .ends_with(",error,var_outcome"));
    let err =
        export_attempts(&store, CampaignId(77), ExportFormat::Csv, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, ExportError::NoSuchCampaign(_)));
}

#[test]
fn status_numbers_come_from_the_attempts_timestamps() {
    let (_dir, store, campaign) = called();
    let day_start = ms(0, 0, 0, 0);
    let stats = store
        .read_blocking(move |c| switchboard::store::reports::campaign_stats(c, campaign, day_start))
        .unwrap();
    assert_eq!(stats.leads, 4);
    assert_eq!(stats.leads_by_state["pending"], 4);
    assert_eq!(stats.attempts, 4);
    assert_eq!(stats.attempts_in_flight, 1, "the ringing call");
    let outcomes: Vec<(&str, i64)> = stats
        .attempts_by_outcome
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        outcomes,
        [("busy", 1), ("completed", 1), ("no_answer", 1)],
        "outcomes of ended calls only"
    );
    assert_eq!(
        (stats.calls_decided, stats.calls_answered),
        (3, 1),
        "the ringing call has not ended"
    );
    assert_eq!(stats.answer_rate, Some(1.0 / 3.0));
    // Ring time of every ended call: 30 s unanswered, 5.5 s to the answer, 3 s busy.
    assert_eq!(stats.avg_ring_secs, Some(12.833));
    assert_eq!(stats.avg_talk_secs, Some(60.0));
    assert_eq!(stats.attempts_today, 4);
    let later = ms(14, 30, 0, 0);
    let stats = store
        .read_blocking(move |c| switchboard::store::reports::campaign_stats(c, campaign, later))
        .unwrap();
    assert_eq!(
        stats.attempts_today, 2,
        "only calls dialled since the start of the day count"
    );
}

#[test]
fn a_call_still_in_progress_counts_in_neither_side_of_the_answer_rate() {
    let (_dir, store, campaign) = called();
    store
        .write_blocking(move |c| {
            c.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at,
                                       dialed_at, answered_at)
                 SELECT campaign_id, id, 2, phone, 'answered', 'outbound-live', 1, ?2, ?2 + 3000
                 FROM leads WHERE campaign_id = ?1 LIMIT 1",
                rusqlite::params![campaign.0, ms(9, 0, 0, 0)],
            )?;
            Ok(())
        })
        .unwrap();
    let stats = store
        .read_blocking(move |c| {
            switchboard::store::reports::campaign_stats(c, campaign, ms(0, 0, 0, 0))
        })
        .unwrap();
    assert_eq!(stats.attempts, 5);
    assert_eq!((stats.calls_decided, stats.calls_answered), (3, 1));
    assert_eq!(stats.answer_rate, Some(1.0 / 3.0));
}

/// The payloads, each as written in a leads file.
const PAYLOADS: [&str; 6] = [
    "=HYPERLINK(\"http://x\")",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "@cmd",
    "\t=1+1",
    "\r=1+1",
];

/// A campaign with one lead per payload (the payload as its name and as its `note`
/// variable, under a header that is a payload too), each with one attempt.
fn formula_campaign() -> (tempfile::TempDir, Store, CampaignId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let settings = CampaignSettings {
        name: "x".into(),
        agent_name: "a".into(),
        trunk_id: "t".into(),
        ..Default::default()
    };
    let campaign = store
        .write_blocking(move |c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings,
                    now: Utc::now(),
                },
            )
        })
        .unwrap();
    let mut csv = String::from("phone,name,note,=header\n");
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let quoted = format!("\"{}\"", payload.replace('"', "\"\""));
        csv.push_str(&format!("21255501{i:02},{quoted},{quoted},-1.5\n"));
    }
    let report =
        switchboard::import::import_csv(&store, campaign, csv.as_bytes(), ImportOptions::default())
            .unwrap();
    assert_eq!(report.imported, PAYLOADS.len() as u64);
    store
        .write_blocking(move |c| {
            c.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at)
                 SELECT campaign_id, id, 1, phone, 'failed', 'room-' || id, 0
                 FROM leads WHERE campaign_id = ?1",
                [campaign.0],
            )?;
            Ok(())
        })
        .unwrap();
    (dir, store, campaign)
}

#[test]
fn csv_cells_a_spreadsheet_would_run_get_a_leading_quote_and_phones_do_not() {
    let (_dir, store, campaign) = formula_campaign();
    let mut out = Vec::new();
    export_attempts(&store, campaign, ExportFormat::Csv, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(header.contains(&"'=header".to_string()), "{header:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), PAYLOADS.len());
    for (row, payload) in rows.iter().zip(PAYLOADS) {
        // The import trims names (so `\t=1+1` is `=1+1` by then), not variables.
        assert_eq!(&row[column("name")], format!("'{}", payload.trim()), "name");
        assert_eq!(&row[column("note")], format!("'{payload}"), "variable");
        assert!(
            row[column("phone")].starts_with("+1212555"),
            "{}",
            &row[column("phone")]
        );
        assert_eq!(
            &row[column("'=header")],
            "-1.5",
            "a negative number stays a number"
        );
    }
}

#[test]
fn json_and_json_lines_keep_the_text_as_it_was() {
    let (_dir, store, campaign) = formula_campaign();
    for format in [ExportFormat::Json, ExportFormat::Jsonl] {
        let mut out = Vec::new();
        export_attempts(&store, campaign, format, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let objects: Vec<serde_json::Value> = match format {
            ExportFormat::Json => serde_json::from_str(&text).unwrap(),
            _ => text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        };
        let names: Vec<&str> = objects
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        let trimmed: Vec<&str> = PAYLOADS.iter().map(|p| p.trim()).collect();
        assert_eq!(names, trimmed, "{format:?}");
        let notes: Vec<&str> = objects
            .iter()
            .map(|o| o["variables"]["note"].as_str().unwrap())
            .collect();
        assert_eq!(notes, PAYLOADS, "{format:?}");
        assert_eq!(objects[0]["variables"]["=header"], "-1.5");
    }
}
