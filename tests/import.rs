//! CSV import on a real database file: the happy path, duplicates, do-not-call numbers,
//! and every kind of bad input in tests/fixtures/import/.

use chrono::Utc;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use switchboard::domain::{CampaignId, CampaignSettings, LeadState};
use switchboard::import::{import_csv, import_csv_file, ImportError, ImportOptions, ImportReport};
use switchboard::store::{dnc, CampaignRecord, LeadRecord, NewCampaign, Store, LEAD_COLUMNS};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
    campaign: CampaignId,
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("switchboard.db")).unwrap();
    let settings = CampaignSettings {
        name: "Renewals".into(),
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
    Db {
        _dir: dir,
        store,
        campaign,
    }
}

impl Db {
    fn import(&self, name: &str) -> Result<ImportReport, ImportError> {
        import_csv_file(
            &self.store,
            self.campaign,
            &fixture(name),
            ImportOptions::default(),
        )
    }

    fn leads(&self) -> Vec<LeadRecord> {
        let campaign = self.campaign;
        self.store
            .read_blocking(move |c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT {LEAD_COLUMNS} FROM leads WHERE campaign_id = ?1 ORDER BY id"
                ))?;
                let rows = stmt.query_map([campaign.0], LeadRecord::from_row)?;
                rows.map(|r| r?).collect()
            })
            .unwrap()
    }

    fn phones(&self) -> Vec<String> {
        self.leads().into_iter().map(|l| l.phone).collect()
    }
}

/// A `Write` that collects into a buffer the test can read after the import.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn a_clean_file_imports_every_row_with_names_variables_and_time_zones() {
    let db = db();
    let report = db.import("leads.csv").unwrap();
    assert_eq!(
        (
            report.rows,
            report.imported,
            report.rejected,
            report.duplicates,
            report.dnc
        ),
        (4, 4, 0, 0, 0)
    );
    assert!(report.is_complete());
    assert!(
        report.columns.contains("phone from `Phone Number`"),
        "{}",
        report.columns
    );
    let leads = db.leads();
    let ada = &leads[0];
    assert_eq!(ada.phone, "+12125550101");
    assert_eq!(ada.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(ada.priority, 5);
    assert_eq!(
        ada.timezone.as_deref(),
        Some("America/New_York"),
        "inferred from area code 212"
    );
    assert_eq!(ada.variables["plan"], "gold");
    assert_eq!(
        ada.variables["First Name"], "Ada",
        "first names stay available to the agent"
    );
    assert_eq!(ada.import_line, Some(2));
    assert_eq!(ada.state, LeadState::Pending);
    assert_eq!(
        leads[1].timezone.as_deref(),
        Some("America/Denver"),
        "the column wins over the area code"
    );
    assert_eq!(leads[2].phone, "+442079460958");
    assert_eq!(leads[2].timezone.as_deref(), Some("Europe/London"));
    assert_eq!(leads[3].name.as_deref(), Some("Edsger"));
    assert_eq!(leads[3].variables["city"], "San Francisco, CA");
    assert_eq!(report.inferred_timezones, 3);
}

#[test]
fn duplicates_in_the_file_and_in_the_campaign_are_reported_with_the_first_line() {
    let db = db();
    let report = db.import("duplicates.csv").unwrap();
    assert_eq!(
        (report.imported, report.duplicates, report.rejected),
        (3, 2, 0)
    );
    let firsts: Vec<(u64, Option<u64>)> = report
        .duplicate_rows
        .iter()
        .map(|d| (d.line, d.first_line))
        .collect();
    assert_eq!(firsts, [(4, Some(2)), (5, Some(3))]);
    assert_eq!(
        report.duplicate_rows[0].to_string(),
        "line 4: +12125550181 repeats line 2"
    );
    assert!(report.is_complete(), "duplicates are not rejections");

    let again = db.import("duplicates.csv").unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 5));
    let first = &again.duplicate_rows[0];
    assert!(first.existing_lead.is_some());
    assert!(
        first.to_string().contains("already in the campaign"),
        "{first}"
    );
    assert_eq!(db.leads().len(), 3);
}

#[test]
fn do_not_call_numbers_are_imported_as_dnc_and_counted() {
    let db = db();
    let campaign = db.campaign;
    db.store
        .write_blocking(move |c| {
            dnc::add(c, "+12125550182", None, Some("asked"), Utc::now())?;
            dnc::add(c, "+12125550183", Some(campaign), None, Utc::now())
        })
        .unwrap();
    let report = db.import("duplicates.csv").unwrap();
    assert_eq!((report.imported, report.dnc), (3, 2));
    let states: Vec<(String, LeadState)> =
        db.leads().into_iter().map(|l| (l.phone, l.state)).collect();
    assert_eq!(
        states,
        [
            ("+12125550181".to_string(), LeadState::Pending),
            ("+12125550182".to_string(), LeadState::Dnc),
            ("+12125550183".to_string(), LeadState::Dnc),
        ]
    );
}

#[test]
fn semicolons_and_tabs_are_detected_from_the_header() {
    let db = db();
    let report = db.import("semicolon.csv").unwrap();
    assert_eq!((report.imported, report.delimiter), (2, b';'));
    assert!(
        report.notes().iter().any(|n| n.contains("`;`")),
        "{:?}",
        report.notes()
    );
    assert_eq!(db.leads()[1].variables["plan"], "silver; annual");
    let report = db.import("tab.tsv").unwrap();
    assert_eq!((report.imported, report.delimiter), (2, b'\t'));
}

#[test]
fn a_forced_delimiter_wins_over_sniffing() {
    let db = db();
    let options = ImportOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    let err =
        import_csv_file(&db.store, db.campaign, &fixture("semicolon.csv"), options).unwrap_err();
    assert!(
        matches!(err, ImportError::NoPhoneColumn { .. }),
        "the whole header is one column: {err}"
    );
}

#[test]
fn a_utf8_byte_order_mark_is_skipped() {
    let db = db();
    let report = db.import("bom.csv").unwrap();
    assert_eq!(report.imported, 1);
    assert!(
        report.columns.contains("phone from `phone`"),
        "{}",
        report.columns
    );
}

#[test]
fn latin1_text_is_read_as_windows_1252_and_the_report_says_so() {
    let db = db();
    let report = db.import("latin1.csv").unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(
        (report.windows_1252_rows, report.first_windows_1252_line),
        (1, Some(2))
    );
    assert!(
        report.notes()[0].contains("Windows-1252"),
        "{:?}",
        report.notes()
    );
    let renee = &db.leads()[0];
    assert_eq!(renee.name.as_deref(), Some("Renée François"));
    assert_eq!(renee.variables["city"], "Montréal");
}

#[test]
fn quoted_newlines_stay_in_their_field_and_lines_are_counted_from_the_row_start() {
    let db = db();
    let report = db.import("quoted_newlines.csv").unwrap();
    assert_eq!((report.imported, report.rejected), (2, 1));
    assert_eq!(db.leads()[0].variables["notes"], "first line\nsecond line");
    assert_eq!(db.leads()[1].import_line, Some(4));
    assert_eq!(
        report.rejected_rows[0].line, 7,
        "the bad row starts on line 7"
    );
    assert!(
        report.rejected_rows[0].reason.contains("not-a-number"),
        "{:?}",
        report.rejected_rows
    );
}

#[test]
fn ragged_rows_are_rejected_with_their_field_count() {
    let db = db();
    let report = db.import("ragged.csv").unwrap();
    assert_eq!((report.imported, report.rejected), (2, 2));
    let reasons: Vec<(u64, &str)> = report
        .rejected_rows
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (3, "has 2 fields, the header has 3"),
            (4, "has 4 fields, the header has 3")
        ]
    );
    assert!(!report.is_complete());
}

#[test]
fn an_empty_file_and_a_header_only_file_are_fatal() {
    let db = db();
    assert!(matches!(db.import("empty.csv"), Err(ImportError::Empty)));
    let err = db.import("header_only.csv").unwrap_err();
    assert!(matches!(err, ImportError::HeaderOnly));
    assert!(err.to_string().contains("no rows"), "{err}");
}

#[test]
fn a_missing_phone_column_names_the_columns_and_the_flag() {
    let db = db();
    let err = db.import("no_phone_column.csv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no phone column among `id`, `email`, `full name`; rename the column to `phone` or name it with --phone-column"
    );
    let options = ImportOptions {
        phone_column: Some("dial this".into()),
        ..Default::default()
    };
    let report = import_csv_file(
        &db.store,
        db.campaign,
        &fixture("custom_phone_column.csv"),
        options,
    )
    .unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(db.leads()[0].variables["id"], "1");
}

#[test]
fn absurdly_long_fields_reject_their_row() {
    let db = db();
    let report = db.import("long_field.csv").unwrap();
    assert_eq!((report.imported, report.rejected), (2, 1));
    assert_eq!(report.rejected_rows[0].line, 3);
    assert_eq!(
        report.rejected_rows[0].reason,
        "field `notes` is 5000 bytes long (the limit is 4096)"
    );
}

#[test]
fn a_binary_file_is_refused_before_anything_is_read_as_rows() {
    let db = db();
    let err = db.import("binary.xlsx").unwrap_err();
    assert!(matches!(err, ImportError::Binary { .. }));
    assert!(err.to_string().contains("not a text file"), "{err}");
    assert!(db.leads().is_empty());
}

#[test]
fn bad_values_are_rejected_by_line_with_the_reason() {
    let db = db();
    let report = db.import("bad_values.csv").unwrap();
    assert_eq!((report.imported, report.rejected), (1, 4));
    let reasons: Vec<(u64, &str)> = report
        .rejected_rows
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons[0], (2, "priority `high` is not a whole number"));
    assert_eq!(
        reasons[1],
        (
            3,
            "time zone `Mars/Olympus` is not an IANA zone name such as America/Chicago"
        )
    );
    assert_eq!(reasons[2].0, 4);
    assert!(
        reasons[2]
            .1
            .starts_with("phone: `(123) 456-7890` is not a valid number"),
        "{}",
        reasons[2].1
    );
    assert_eq!(reasons[3], (5, "phone: no phone number"));
    assert_eq!(db.leads()[0].timezone.as_deref(), Some("Europe/London"));
}

#[test]
fn the_rejects_file_has_the_original_fields_plus_line_and_reason() {
    let db = db();
    let rejects = Shared::default();
    let options = ImportOptions {
        rejects: Some(Box::new(rejects.clone())),
        ..Default::default()
    };
    let report = import_csv_file(&db.store, db.campaign, &fixture("ragged.csv"), options).unwrap();
    assert_eq!(report.rejected, 2);
    assert_eq!(
        rejects.text(),
        "phone,name,plan,line,reason\n\
         2125550162,Grace,3,\"has 2 fields, the header has 3\"\n\
         2125550163,Alan,bronze,extra,4,\"has 4 fields, the header has 3\"\n"
    );
}

/// A rejects file imported again (as the import offers): its `line` and `reason`
/// columns are recognised and left out, so they never become agent variables, and its
/// own rejects file replaces them instead of adding two more.
#[test]
fn a_rejects_file_imports_again_without_its_line_and_reason() {
    let db = db();
    let first = Shared::default();
    let options = ImportOptions {
        rejects: Some(Box::new(first.clone())),
        ..Default::default()
    };
    let file = "phone,name,plan\n2125550100,Ada,gold\n12,Grace,silver\n2125550102,Alan\n";
    import_csv(&db.store, db.campaign, file.as_bytes(), options).unwrap();
    let rejects = first.text();
    assert!(
        rejects.starts_with("phone,name,plan,line,reason\n"),
        "{rejects}"
    );

    // Fixed in a spreadsheet: Grace's number, not Alan's row.
    let fixed = rejects.replace("12,Grace", "2125550101,Grace");
    let second = Shared::default();
    let options = ImportOptions {
        rejects: Some(Box::new(second.clone())),
        ..Default::default()
    };
    let report = import_csv(&db.store, db.campaign, fixed.as_bytes(), options).unwrap();
    assert!(
        report
            .columns
            .contains("`line` and `reason` columns left out"),
        "{}",
        report.columns
    );
    assert_eq!(report.imported, 1);
    let grace = db
        .leads()
        .into_iter()
        .find(|l| l.phone == "+12125550101")
        .expect("Grace imported");
    let keys: Vec<&str> = grace.variables.keys().map(String::as_str).collect();
    assert_eq!(keys, ["plan"]);
    assert!(
        !grace.variables.contains_key("line"),
        "{:?}",
        grace.variables
    );
    assert!(
        !grace.variables.contains_key("reason"),
        "{:?}",
        grace.variables
    );
    assert_eq!(grace.variables["plan"], "silver");
    let again = second.text();
    assert!(
        again.starts_with("phone,name,plan,line,reason\n"),
        "{again}"
    );
    assert_eq!(again.matches("line").count(), 1, "{again}");
}

/// A rejects file on a full disk: the import must stop and leave nothing behind.
struct FailsAfter(usize);

impl Write for FailsAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.0 {
            return Err(std::io::Error::other("disk full"));
        }
        self.0 -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_fatal_error_half_way_leaves_nothing_imported() {
    let db = db();
    let mut csv = String::from("phone,name\n");
    for i in 0..10_000 {
        csv.push_str(&format!("212555{:04},Lead {i}\n", i));
    }
    csv.push_str("bad,Row\n");
    // The header fits; the first rejected row (after every good one) does not.
    let options = ImportOptions {
        rejects: Some(Box::new(FailsAfter(64))),
        ..Default::default()
    };
    let err = import_csv(&db.store, db.campaign, csv.as_bytes(), options).unwrap_err();
    assert!(matches!(err, ImportError::Rejects(_)), "{err}");
    assert!(db.phones().is_empty(), "the import is one transaction");
    // The store still works afterwards.
    let report = import_csv(
        &db.store,
        db.campaign,
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!((report.imported, report.rejected), (10_000, 1));
}

#[test]
fn an_unknown_campaign_is_refused() {
    let db = db();
    let err = import_csv_file(
        &db.store,
        CampaignId(999),
        &fixture("leads.csv"),
        ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "campaign 999 does not exist; list campaigns with `switchboard campaign list`"
    );
}

#[test]
fn progress_is_reported() {
    let db = db();
    let mut csv = String::from("phone\n");
    for i in 0..25_000 {
        csv.push_str(&format!("+1212{:07}\n", 5_000_000 + i));
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = ImportOptions {
        progress: Some(Box::new(move |p| sink.lock().unwrap().push(p.rows_read))),
        ..Default::default()
    };
    let report = import_csv(&db.store, db.campaign, csv.as_bytes(), options).unwrap();
    assert_eq!(report.imported, 25_000);
    assert_eq!(*seen.lock().unwrap(), [10_000, 20_000, 25_000]);
}

#[test]
fn blank_lines_do_not_shift_line_numbers() {
    let db = db();
    let csv = "phone,name\n\n2125550101,a\n\n\nbad,b\n\"x\ny\",c\nbad2,d\n";
    let report = import_csv(
        &db.store,
        db.campaign,
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .unwrap();
    let lines: Vec<u64> = report.rejected_rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [6, 7, 9]);
    assert_eq!(db.leads()[0].import_line, Some(3));
}

fn lead_indexes(db: &Db) -> Vec<String> {
    db.store
        .read_blocking(|c| {
            let mut stmt =
                c.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads' ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get::<_, Option<String>>(0))?;
            Ok(rows.map(|r| r.map(|s| s.unwrap_or_default())).collect::<Result<_, _>>()?)
        })
        .unwrap()
}

/// Big enough to take the bulk path (indexes dropped and rebuilt at the end).
fn bulk_file(dir: &Path, bad_last_row: bool) -> PathBuf {
    let path = dir.join("bulk.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "phone,plan").unwrap();
    for i in 0..120_000 {
        writeln!(out, "+1212{:07},p{}", 2_000_000 + i, i % 3).unwrap();
    }
    if bad_last_row {
        writeln!(out, "bad,row").unwrap();
    }
    out.flush().unwrap();
    path
}

#[test]
fn a_bulk_import_rebuilds_the_indexes_it_dropped_and_a_failed_one_keeps_them() {
    let db = db();
    let before = lead_indexes(&db);
    assert!(before.len() >= 4, "{before:?}");
    let dir = tempfile::tempdir().unwrap();

    let failing = ImportOptions {
        rejects: Some(Box::new(FailsAfter(64))),
        ..Default::default()
    };
    let err = import_csv_file(
        &db.store,
        db.campaign,
        &bulk_file(dir.path(), true),
        failing,
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Rejects(_)), "{err}");
    assert_eq!(
        lead_indexes(&db),
        before,
        "the rollback brought the indexes back"
    );
    assert!(db.phones().is_empty());

    let report = import_csv_file(
        &db.store,
        db.campaign,
        &bulk_file(dir.path(), false),
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.imported, 120_000);
    assert_eq!(
        lead_indexes(&db),
        before,
        "every index is back, as the migrations made it"
    );
    let pending: i64 = db
        .store
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM leads INDEXED BY leads_by_state WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(pending, 120_000);
}

impl Db {
    fn import_text(
        &self,
        text: &[u8],
        options: ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        import_csv(&self.store, self.campaign, text, options)
    }
}

/// `rows` lead rows under `phone,name,company`, numbered from line 2.
fn company_rows(rows: usize, company: impl Fn(usize) -> String) -> String {
    let mut text = String::from("phone,name,company\n");
    for line in 2..rows + 2 {
        text.push_str(&format!(
            "212555{:04},Lead {line},{}\n",
            line,
            company(line)
        ));
    }
    text
}

#[test]
fn a_stray_quote_fails_the_whole_import_naming_the_line_it_opens_on() {
    let db = db();
    // The issue's file: 1,000 rows, `"Acme` on line 2 and no quote after it.
    let err = db.import("stray_quote.csv").unwrap_err();
    assert!(
        matches!(&err, ImportError::QuoteNeverClosed { line: 2, field, .. } if field == "field `company`"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 2: a quote opened here is never closed (field `company`): close it or remove \
         the stray quote; the quoted text runs to the end of the file"
    );
    assert!(
        db.phones().is_empty(),
        "nothing is imported from an ambiguous file"
    );
}

#[test]
fn a_stray_quote_closed_only_far_below_is_stopped_at_the_line_limit() {
    let db = db();
    // A later quoted field "closes" the stray quote: the reader would make one field of
    // the 1,400 lines between them.
    let text = company_rows(1500, |line| match line {
        2 => "\"Acme".into(),
        1400 => "\"Smith, Jones\"".into(),
        _ => "Initech".into(),
    });
    let err = db
        .import_text(text.as_bytes(), ImportOptions::default())
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("line 2: a quote opened here is never closed (field `company`)")
            && message.ends_with("runs past 1000 lines, the limit for one field"),
        "{message}"
    );
    assert!(db.phones().is_empty());
}

#[test]
fn a_stray_quote_in_the_header_says_so() {
    let db = db();
    let err = db
        .import_text(b"phone,\"name\n2125550101,Ada\n", ImportOptions::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1: a quote opened here is never closed (in the header)"),
        "{err}"
    );
}

#[test]
fn quoted_fields_with_a_few_line_breaks_still_import() {
    let db = db();
    let text = "phone,name,address\n2125550101,Ada,\"1 Main St\nApt 2\nSpringfield\"\n";
    let report = db
        .import_text(text.as_bytes(), ImportOptions::default())
        .unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(
        db.leads()[0].variables["address"],
        "1 Main St\nApt 2\nSpringfield"
    );
}

/// A header of `columns` columns, the first `phone`, and one lead row.
fn wide_file(columns: usize) -> String {
    let header: Vec<String> = std::iter::once("phone".to_string())
        .chain((1..columns).map(|i| format!("c{i}")))
        .collect();
    let row: Vec<&str> = std::iter::once("2125550101")
        .chain((1..columns).map(|_| "v"))
        .collect();
    format!("{}\n{}\n", header.join(","), row.join(","))
}

#[test]
fn a_header_over_the_column_limit_is_refused_and_one_under_it_imports() {
    let db = db();
    let err = db
        .import_text(wide_file(1500).as_bytes(), ImportOptions::default())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::TooManyColumns {
                found: 1500,
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("1500 columns") && err.to_string().contains("1024"));
    let report = db
        .import_text(wide_file(1000).as_bytes(), ImportOptions::default())
        .unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(db.leads()[0].variables["c999"], "v");
}

#[test]
fn a_header_of_160k_columns_is_refused_by_its_length_in_a_short_message() {
    let db = db();
    let err = db
        .import_text(wide_file(160_000).as_bytes(), ImportOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, ImportError::HeaderTooLong { limit_kib: 64, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.len() < 1024, "{} bytes", message.len());
    assert!(
        message.starts_with(
            "the header line is longer than 64 KiB, the limit (it starts `phone,c1,c2,"
        ),
        "{message}"
    );
}

#[test]
fn a_wide_header_without_a_phone_column_is_a_short_message() {
    let db = db();
    let header: Vec<String> = (0..1000).map(|i| format!("column number {i}")).collect();
    let text = format!("{}\n{}\n", header.join(","), vec!["x"; 1000].join(","));
    let err = db
        .import_text(text.as_bytes(), ImportOptions::default())
        .unwrap_err();
    assert!(matches!(err, ImportError::NoPhoneColumn { .. }));
    let message = err.to_string();
    assert!(message.len() < 1024, "{} bytes: {message}", message.len());
    assert!(message.contains("and 988 more"), "{message}");
}

#[test]
fn the_rejects_file_defuses_formulas_but_keeps_phone_numbers() {
    let db = db();
    let rejects = Shared::default();
    let options = ImportOptions {
        rejects: Some(Box::new(rejects.clone())),
        ..Default::default()
    };
    // Every row has a bad phone, so every row is in the rejects file as written.
    let text = "phone,name,note,@header\n\
        12,\"=HYPERLINK(\"\"http://x\"\")\",=cmd|' /C calc'!A0,+SUM(1+1)\n\
        +1 (212) 555-01,@cmd,\"\t=1+1\",\"\r=1+1\"\n";
    let report = db.import_text(text.as_bytes(), options).unwrap();
    assert_eq!((report.imported, report.rejected), (0, 2));
    let written = rejects.text();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(written.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows[0],
        ["phone", "name", "note", "'@header", "line", "reason"]
    );
    assert_eq!(
        rows[1][..4],
        [
            "12",
            "'=HYPERLINK(\"http://x\")",
            "'=cmd|' /C calc'!A0",
            "'+SUM(1+1)"
        ]
    );
    assert_eq!(
        rows[2][..4],
        ["+1 (212) 555-01", "'@cmd", "'\t=1+1", "'\r=1+1"]
    );
}

/// The file: `"Stray quote name` on line 4 and `Other stray" quote` 37 lines
/// later, in a file of 199 leads. Read as CSV, the quote would join lines 4–41 into one
/// lead's name; instead both ends are rejected naming each other, and the lines
/// between are leads of their own.
fn stray_quote_pair() -> String {
    let mut text = String::from("phone,name,company\n");
    for line in 2..=200 {
        let name = match line {
            4 => "\"Stray quote name".to_string(),
            41 => "Other stray\" quote".to_string(),
            _ => format!("Lead {line}"),
        };
        text.push_str(&format!("212555{line:04},{name},Initech\n"));
    }
    text
}

#[test]
fn a_stray_quote_pair_rejects_both_lines_and_merges_nothing() {
    let db = db();
    let report = db
        .import_text(stray_quote_pair().as_bytes(), ImportOptions::default())
        .unwrap();
    assert_eq!(
        (report.rows, report.imported, report.rejected),
        (199, 197, 2),
        "{:?}",
        report.rejected_rows
    );
    let lines: Vec<u64> = report.rejected_rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 41]);
    assert!(
        report.rejected_rows[0]
            .reason
            .starts_with("a quote opened here closes only on line 41, so lines 4–41")
            && report.rejected_rows[0].reason.ends_with(
                "pass --multiline-fields (`multilineFields` in the API) if fields hold line breaks"
            ),
        "{}",
        report.rejected_rows[0].reason
    );
    assert!(
        report.rejected_rows[1]
            .reason
            .starts_with("closes a quote opened on line 4"),
        "{}",
        report.rejected_rows[1].reason
    );
    let leads = db.leads();
    assert!(leads
        .iter()
        .all(|l| !l.name.as_deref().unwrap_or("").contains('\n')));
    assert!(leads.iter().any(|l| l.import_line == Some(5)));
    assert!(leads.iter().any(|l| l.import_line == Some(40)));
}

#[test]
fn a_stray_quote_pair_goes_to_the_rejects_file_line_by_line() {
    let db = db();
    let out = Shared::default();
    let options = ImportOptions {
        rejects: Some(Box::new(out.clone())),
        ..Default::default()
    };
    db.import_text(stray_quote_pair().as_bytes(), options)
        .unwrap();
    let text = out.text();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    // The quote runs to the end of its line: the rest of the line is in its field.
    assert!(
        rows[1].starts_with("2125550004,\"Stray quote name,Initech\",4,"),
        "{text}"
    );
    assert!(
        rows[2].starts_with("2125550041,\"Other stray\"\" quote\",Initech,41,"),
        "{text}"
    );
}

#[test]
fn even_with_multiline_fields_a_quote_closing_mid_text_is_rejected_not_imported() {
    let db = db();
    let options = ImportOptions {
        multiline_fields: true,
        ..Default::default()
    };
    let report = db
        .import_text(stray_quote_pair().as_bytes(), options)
        .unwrap();
    assert_eq!((report.imported, report.rejected), (161, 1));
    assert_eq!(report.rejected_rows[0].line, 4);
    assert!(
        report.rejected_rows[0]
            .reason
            .starts_with("a quote opened on line 4 closes only on line 41, with text after it"),
        "{}",
        report.rejected_rows[0].reason
    );
    assert!(db
        .leads()
        .iter()
        .all(|l| !l.name.as_deref().unwrap_or("").contains('\n')));
}

/// `rows` leads whose address spans two or three lines.
fn address_rows(rows: usize) -> String {
    let mut text = String::from("phone,name,address\n");
    for i in 0..rows {
        text.push_str(&format!(
            "212555{i:04},Lead {i},\"{i} Main St\nApt {i}\nSpringfield\"\n"
        ));
    }
    text
}

#[test]
fn a_file_of_multi_line_addresses_imports_without_the_flag() {
    let db = db();
    let report = db
        .import_text(address_rows(500).as_bytes(), ImportOptions::default())
        .unwrap();
    assert_eq!((report.imported, report.rejected), (500, 0));
    assert_eq!(
        db.leads()[7].variables["address"],
        "7 Main St\nApt 7\nSpringfield"
    );
}

#[test]
fn a_multi_line_field_past_the_sniffed_start_needs_the_flag() {
    // 90 KB of one-line rows, then one address on two lines.
    let mut text = company_rows(3000, |_| "Initech".into());
    text.push_str("2125559999,Late,\"1 Main St\nApt 2\"\n2125559998,After,Initech\n");
    let db = db();
    let report = db
        .import_text(text.as_bytes(), ImportOptions::default())
        .unwrap();
    assert_eq!((report.imported, report.rejected), (3001, 2));
    assert!(report.rejected_rows[0]
        .reason
        .contains("--multiline-fields"));

    let db = self::db();
    let options = ImportOptions {
        multiline_fields: true,
        ..Default::default()
    };
    let report = db.import_text(text.as_bytes(), options).unwrap();
    assert_eq!((report.imported, report.rejected), (3002, 0));
}

/// Peak resident memory of this process, in MiB.
#[cfg(target_os = "linux")]
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[test]
fn a_100_mb_line_is_refused_at_the_bound_without_being_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one_line.csv");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(b"phone,name\n2125550101,Ada\n2125550102,")
            .unwrap();
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..100 {
            file.write_all(&chunk).unwrap();
        }
        file.write_all(b"\n").unwrap();
    }
    let db = db();
    for multiline_fields in [false, true] {
        let options = ImportOptions {
            multiline_fields,
            ..Default::default()
        };
        let err = import_csv_file(&db.store, db.campaign, &path, options).unwrap_err();
        assert!(
            matches!(err, ImportError::LineTooLong { line: 3, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("line 3 is longer than 1024 KiB, the limit for one row"),
            "{err}"
        );
    }
    assert!(db.phones().is_empty());
    #[cfg(target_os = "linux")]
    assert!(peak_rss_mib() < 100, "peak memory {} MiB", peak_rss_mib());
}
