//! The streaming loop. The caller's thread reads and checks rows; the store's writer
//! thread inserts them in batches as they come, all inside one writer job, so the
//! import is one transaction: it commits only when the last row is in, and a fatal
//! error, a panic or a crash leaves the campaign untouched. While an import runs the
//! writer does nothing else (about a second per 100,000 rows; see BENCHMARKS.md).

use super::columns::ColumnMap;
use super::error::short;
use super::line_rows::{multiline_fields_intended, LineRows};
use super::quote_guard::{
    LineProblems, QuoteGuard, StreamProblem, MAX_HEADER_BYTES, MAX_LINE_BYTES,
};
use super::rejects::RejectsFile;
use super::report::{DuplicateRow, ImportProgress, ImportReport, MAX_LISTED_ROWS};
use super::row::{decode, record_start_line, RowReader};
use super::sniff::{sniff, SNIFF_BYTES};
use super::ImportError;
use crate::domain::CampaignId;
use crate::phone::PhoneNormalizer;
use crate::store::{CampaignRecord, ImportedLead, LeadFate, LeadImporter, Store, StoreError};
use csv::{ByteRecord, ReaderBuilder};
use rlibphonenumber::Region;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

/// Rows handed to the writer at a time.
const BATCH_ROWS: usize = 2048;
/// Progress is reported this often.
const PROGRESS_EVERY: u64 = 10_000;

/// How to read the file. `Default` reads national numbers as US numbers.
pub struct ImportOptions {
    /// Region of numbers written without a country code.
    pub region: Region,
    /// Header of the phone column, when it is not one of the usual names.
    pub phone_column: Option<String>,
    /// Headers of the lead's other numbers (`--alt-phone-column`); empty takes the
    /// usual names (`phone2`, `alt_phone`, `work_phone`, `mobile`, ...).
    pub alt_phone_columns: Vec<String>,
    /// Field delimiter; guessed from the header line when unset.
    pub delimiter: Option<u8>,
    /// Where to write the rejected rows as CSV (see `rejects.rs`).
    pub rejects: Option<Box<dyn Write + Send>>,
    pub progress: Option<Box<dyn FnMut(ImportProgress) + Send>>,
    /// Fields may hold line breaks (`--multiline-fields`). Without it they may only
    /// when the start of the file shows such fields and none that look like a stray
    /// quote; otherwise each line is one row (see `line_rows.rs`).
    pub multiline_fields: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            region: Region::US,
            phone_column: None,
            alt_phone_columns: Vec::new(),
            delimiter: None,
            rejects: None,
            progress: None,
            multiline_fields: false,
        }
    }
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("region", &self.region)
            .field("phone_column", &self.phone_column)
            .field("alt_phone_columns", &self.alt_phone_columns)
            .field("delimiter", &self.delimiter.map(|d| d as char))
            .field("rejects", &self.rejects.is_some())
            .field("multiline_fields", &self.multiline_fields)
            .finish()
    }
}

/// Imports the CSV at `path` into `campaign`. See [`import_csv`].
pub fn import_csv_file(
    store: &Store,
    campaign: CampaignId,
    path: &Path,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let size = file.metadata().ok().map(|m| m.len());
    import_csv_sized(store, campaign, file, options, size)
}

/// Rows in the whole source, from the lines in its first bytes; `None` when the size
/// is unknown.
fn estimate_rows(prefix: &[u8], size: Option<u64>) -> Option<u64> {
    let lines = prefix.iter().filter(|&&b| b == b'\n').count() as u64;
    match size {
        _ if prefix.len() < SNIFF_BYTES => Some(lines),
        Some(size) if !prefix.is_empty() => Some(size * lines / prefix.len() as u64),
        _ => None,
    }
}

/// Imports leads from CSV text into `campaign`, all or nothing. Rows that cannot be
/// leads are rejected (and reported by line) without stopping the import; problems
/// with the file itself are an `ImportError` and nothing is written. Blocking: from
/// async code run it with `spawn_blocking`.
pub fn import_csv(
    store: &Store,
    campaign: CampaignId,
    source: impl Read,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    import_csv_sized(store, campaign, source, options, None)
}

/// `import_csv`, told the size of the source when it is known (a file, an upload with
/// its `Content-Length`), so a bulk import can be recognised before it starts.
pub fn import_csv_sized(
    store: &Store,
    campaign: CampaignId,
    mut source: impl Read,
    mut options: ImportOptions,
    size: Option<u64>,
) -> Result<ImportReport, ImportError> {
    // Fail before reading the file; the import's transaction checks again.
    if !store.read_blocking(move |c| CampaignRecord::exists(c, campaign))? {
        return Err(ImportError::NoSuchCampaign(campaign));
    }

    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut source)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)?;
    let sniffed = sniff(&prefix, options.delimiter)?;
    let expected_rows = estimate_rows(&prefix, size);
    let multiline = options.multiline_fields
        || multiline_fields_intended(&prefix[sniffed.skip..], sniffed.delimiter);
    let mut start = Cursor::new(prefix);
    start.set_position(sniffed.skip as u64);
    let problems = LineProblems::default();
    let stream: Box<dyn Read + '_> = if multiline {
        Box::new(start.chain(source))
    } else {
        Box::new(LineRows::new(
            start.chain(source),
            sniffed.delimiter,
            problems.clone(),
        ))
    };
    let mut reader = ReaderBuilder::new()
        .delimiter(sniffed.delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(QuoteGuard::new(stream, sniffed.delimiter, problems.clone()));

    let mut report = ImportReport {
        delimiter: sniffed.delimiter,
        ..Default::default()
    };
    let mut header = ByteRecord::new();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| read_error(e, 1, &[]))?
    {
        return Err(ImportError::Empty);
    }
    let mut header_not_utf8 = false;
    let names = header
        .iter()
        .map(|h| decode(h, &mut header_not_utf8).trim().to_string())
        .collect();
    if header_not_utf8 {
        report.windows_1252_rows += 1;
        report.first_windows_1252_line = Some(1);
    }
    let columns = ColumnMap::with_alternates(
        names,
        options.phone_column.as_deref(),
        &options.alt_phone_columns,
    )?;
    report.columns = columns.describe();

    let mut record = ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| read_error(e, 2, &columns.headers))?
    {
        return Err(ImportError::HeaderOnly);
    }
    let mut rejects = match options.rejects.take() {
        Some(out) => Some(
            RejectsFile::start(
                out,
                &header,
                sniffed.delimiter,
                columns.rejects_columns.len(),
            )
            .map_err(ImportError::Rejects)?,
        ),
        None => None,
    };
    let rows = RowReader::new(&columns, PhoneNormalizer::new(options.region));
    let (to_writer, from_reader) = sync_channel::<ToWriter>(4);
    let now = chrono::Utc::now();

    std::thread::scope(|scope| {
        let store = store.clone();
        let writer = scope.spawn(move || {
            store.write_blocking(move |conn| {
                insert_all(conn, campaign, now, expected_rows, from_reader)
            })
        });
        // Everything the reader does; on `Err` the sender drops without `Commit` and the
        // writer rolls the whole import back.
        let mut read_all = |report: &mut ImportReport| -> Result<(), ImportError> {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            // Reused for every row: a row with no bad number allocates nothing here.
            let mut bad_alternates = Vec::new();
            loop {
                let position = record
                    .position()
                    .cloned()
                    .unwrap_or_else(csv::Position::new);
                let line = record_start_line(&record, reader.position().line());
                report.rows += 1;
                let read = match problems.take(line) {
                    Some(reason) => Err(reason),
                    None => rows.read(&record, line, &mut bad_alternates),
                };
                match read {
                    Ok((lead, notes)) => {
                        for (column, problem) in bad_alternates.drain(..) {
                            let reason = format!(
                                "{}: {problem}; that number was dropped, the lead imported",
                                columns.headers[column]
                            );
                            if let Some(file) = rejects.as_mut() {
                                file.write(&record, line, &reason)
                                    .map_err(ImportError::Rejects)?;
                            }
                            report.drop_alternate(line, reason);
                        }
                        report.with_alternates += u64::from(!lead.alternates.is_empty());
                        if notes.windows_1252 {
                            report.windows_1252_rows += 1;
                            report.first_windows_1252_line.get_or_insert(line);
                        }
                        report.inferred_timezones += notes.inferred_timezone as u64;
                        if let Some(zone) = lead.timezone.as_deref() {
                            if !report.zones.contains(zone) {
                                report.zones.insert(zone.to_string());
                            }
                        }
                        batch.push(lead);
                        if batch.len() == BATCH_ROWS {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                            if to_writer.send(ToWriter::Leads(full)).is_err() {
                                // The writer failed; its error is the one to report.
                                return Ok(());
                            }
                        }
                    }
                    Err(reason) => {
                        if let Some(file) = rejects.as_mut() {
                            file.write(&record, line, &reason)
                                .map_err(ImportError::Rejects)?;
                        }
                        report.reject(line, reason);
                    }
                }
                if report.rows.is_multiple_of(PROGRESS_EVERY) {
                    if let Some(progress) = options.progress.as_mut() {
                        progress(ImportProgress {
                            rows_read: report.rows,
                            bytes_read: position.byte(),
                        });
                    }
                }
                if !reader
                    .read_byte_record(&mut record)
                    .map_err(|e| read_error(e, line, &columns.headers))?
                {
                    break;
                }
            }
            if let Some(file) = rejects.take() {
                file.finish().map_err(ImportError::Rejects)?;
            }
            if !batch.is_empty() {
                let _ = to_writer.send(ToWriter::Leads(batch));
            }
            let _ = to_writer.send(ToWriter::Commit);
            Ok(())
        };
        let read = read_all(&mut report);
        drop(to_writer);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(StoreError::Worker("the import writer panicked".into())));
        read?;
        let outcome = written?;
        report.imported = outcome.imported;
        report.dnc = outcome.dnc;
        report.duplicates = outcome.duplicates;
        report.duplicate_rows = outcome.duplicate_rows;
        if let Some(progress) = options.progress.as_mut() {
            progress(ImportProgress {
                rows_read: report.rows,
                bytes_read: reader.position().byte(),
            });
        }
        Ok(report)
    })
}

/// What stopped the CSV reader, as the user is told it. `line` is the last record's,
/// for errors that do not know their own; `headers` names the fields (empty while the
/// header itself is read).
fn read_error(error: csv::Error, line: u64, headers: &[String]) -> ImportError {
    let problem = error.to_string();
    let io = match error.into_kind() {
        csv::ErrorKind::Io(io) => io,
        _ => return ImportError::Csv { line, problem },
    };
    match StreamProblem::of(&io) {
        Some(StreamProblem::QuoteNeverClosed {
            line,
            field,
            in_header,
            runs,
        }) => ImportError::QuoteNeverClosed {
            line: *line,
            field: match headers.get(*field) {
                _ if *in_header => "in the header".into(),
                Some(name) => format!("field `{}`", short(name)),
                None => format!("field {}", field + 1),
            },
            runs: runs.to_string(),
        },
        Some(StreamProblem::LineTooLong { line }) => ImportError::LineTooLong {
            line: *line,
            limit_kib: MAX_LINE_BYTES / 1024,
        },
        Some(StreamProblem::HeaderTooLong { head }) => ImportError::HeaderTooLong {
            limit_kib: MAX_HEADER_BYTES / 1024,
            head: short(String::from_utf8_lossy(head).trim_start()),
        },
        None => ImportError::Read(io),
    }
}

enum ToWriter {
    Leads(Vec<ImportedLead>),
    /// Every row has been sent: commit. Without it the import is rolled back.
    Commit,
}

#[derive(Default)]
struct WriterOutcome {
    imported: u64,
    dnc: u64,
    duplicates: u64,
    duplicate_rows: Vec<DuplicateRow>,
}

/// The writer job: inserts each batch as it arrives; returns an error (which rolls the
/// job back) if the reader stops without saying `Commit`.
fn insert_all(
    conn: &rusqlite::Connection,
    campaign: CampaignId,
    now: chrono::DateTime<chrono::Utc>,
    expected_rows: Option<u64>,
    batches: Receiver<ToWriter>,
) -> Result<WriterOutcome, StoreError> {
    let mut importer = LeadImporter::begin(conn, campaign, now, expected_rows)?;
    let mut outcome = WriterOutcome::default();
    loop {
        match batches.recv() {
            Ok(ToWriter::Leads(leads)) => {
                for lead in leads {
                    let duplicate = |first_line, existing_lead| DuplicateRow {
                        line: lead.line,
                        phone: lead.phone.clone(),
                        first_line,
                        existing_lead,
                    };
                    let row = match importer.insert(&lead)? {
                        LeadFate::Imported(_) => None,
                        LeadFate::ImportedAsDnc(_) => {
                            outcome.dnc += 1;
                            None
                        }
                        LeadFate::DuplicateInFile { first_line } => {
                            Some(duplicate(first_line, None))
                        }
                        LeadFate::AlreadyInCampaign { lead, import_line } => {
                            Some(duplicate(import_line, Some(lead)))
                        }
                    };
                    match row {
                        None => outcome.imported += 1,
                        Some(row) => {
                            outcome.duplicates += 1;
                            if outcome.duplicate_rows.len() < MAX_LISTED_ROWS {
                                outcome.duplicate_rows.push(row);
                            }
                        }
                    }
                }
            }
            Ok(ToWriter::Commit) => {
                importer.finish()?;
                return Ok(outcome);
            }
            Err(_) => {
                return Err(StoreError::Rejected(
                    "the import stopped before its last row; nothing was saved".into(),
                ))
            }
        }
    }
}
