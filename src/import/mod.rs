//! CSV import of leads: `switchboard leads import` and the console call the same
//! [`import_csv`]. The file is streamed (one `ByteRecord` at a time), each row is
//! checked and normalised on the caller's thread while the store's writer inserts the
//! previous batch, and the whole import is one transaction: a crash or a fatal error
//! leaves the campaign as it was.
//!
//! - `sniff.rs`: what the first bytes say (BOM, binary, UTF-16, delimiter).
//! - `columns.rs`: which header is the phone, the name, the priority, the time zone.
//! - `row.rs`: one CSV record to a lead, or the reason it is rejected.
//! - `quote_guard.rs`: stops the read at a quote never closed, a header without end or
//!   a line past the bound.
//! - `line_rows.rs`: one line, one row, where fields are not meant to hold line breaks:
//!   a stray quote rejects the lines it opens and closes on, and joins nothing.
//! - `rejects.rs`: the `--rejects` CSV to fix and re-import.
//! - `report.rs`, `error.rs`: what the caller is told.
//! - `run.rs`: the streaming loop and the transaction.

mod columns;
mod error;
mod line_rows;
mod quote_guard;
mod rejects;
mod report;
mod row;
mod run;
mod sniff;

pub use columns::{ColumnMap, MAX_COLUMNS, PHONE_COLUMN_NAMES};
pub use error::ImportError;
pub use report::{DuplicateRow, ImportProgress, ImportReport, RejectedRow};
pub use row::record_start_line;
pub use run::{import_csv, import_csv_file, import_csv_sized, ImportOptions};
pub use sniff::{guess_delimiter, parse_delimiter};

/// A field longer than this rejects its row: no phone, name or variable needs it, and
/// it keeps one runaway cell from flowing into every call's metadata.
pub const MAX_FIELD_BYTES: usize = 4096;
