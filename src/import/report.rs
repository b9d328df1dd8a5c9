//! What an import did, for the CLI to print and the console to show.

use crate::domain::LeadId;
use std::fmt;

/// Row details kept in the report; counts stay exact beyond it and `--rejects` has
/// every rejected row, so a file of a million bad rows does not fill memory.
pub const MAX_LISTED_ROWS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RejectedRow {
    /// Line where the row starts (1 is the header).
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateRow {
    pub line: u64,
    pub phone: String,
    /// Line of the first row with this number: in this file, or in the import that
    /// brought the existing lead.
    pub first_line: Option<u64>,
    /// Set when the campaign already had the number before this import.
    pub existing_lead: Option<LeadId>,
}

impl fmt::Display for DuplicateRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {} ", self.line, self.phone)?;
        match (self.existing_lead, self.first_line) {
            (Some(lead), Some(first)) => {
                write!(
                    f,
                    "is already in the campaign (lead {lead}, imported from line {first})"
                )
            }
            (Some(lead), None) => write!(f, "is already in the campaign (lead {lead})"),
            (None, Some(first)) => write!(f, "repeats line {first}"),
            (None, None) => write!(f, "repeats an earlier row"),
        }
    }
}

/// Progress, reported every few thousand rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub rows_read: u64,
    pub bytes_read: u64,
}

/// What `leads import` reports: rows read, imported, dnc, duplicates, rejected, and
/// the rejected rows by line (1 is the header).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Leads inserted, including those inserted as `dnc`.
    pub imported: u64,
    /// Of `imported`, numbers on a do-not-call list (inserted with state `dnc`).
    pub dnc: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// The first 10,000 rejections (`MAX_LISTED_ROWS`), by line.
    pub rejected_rows: Vec<RejectedRow>,
    /// Other numbers that were not valid and were dropped (their leads imported).
    pub dropped_alternates: u64,
    /// The first 10,000 of them (`MAX_LISTED_ROWS`): line, and the field and why.
    pub dropped_alternate_rows: Vec<RejectedRow>,
    /// Leads imported with more than one number.
    pub with_alternates: u64,
    /// The first 10,000 duplicates (`MAX_LISTED_ROWS`), by line.
    pub duplicate_rows: Vec<DuplicateRow>,
    /// Leads whose time zone came from their number.
    pub inferred_timezones: u64,
    /// Rows with text that was not UTF-8 and was read as Windows-1252, and the first.
    pub windows_1252_rows: u64,
    pub first_windows_1252_line: Option<u64>,
    /// The field delimiter read, as its byte (44 is `,`).
    pub delimiter: u8,
    /// How the header was understood (`ColumnMap::describe`).
    pub columns: String,
    /// The time zones of the leads read, so the engine learns of a new one without
    /// reading the campaign again.
    #[serde(skip)]
    pub zones: std::collections::BTreeSet<String>,
}

impl ImportReport {
    /// Every row went in (duplicates and do-not-call numbers are reported, not errors).
    pub fn is_complete(&self) -> bool {
        self.rejected == 0
    }

    pub(super) fn reject(&mut self, line: u64, reason: String) {
        self.rejected += 1;
        if self.rejected_rows.len() < MAX_LISTED_ROWS {
            self.rejected_rows.push(RejectedRow { line, reason });
        }
    }

    pub(super) fn drop_alternate(&mut self, line: u64, reason: String) {
        self.dropped_alternates += 1;
        if self.dropped_alternate_rows.len() < MAX_LISTED_ROWS {
            self.dropped_alternate_rows
                .push(RejectedRow { line, reason });
        }
    }

    /// `imported 998, rejected 1, duplicates 1, do-not-call 0 (of 1000 rows)`.
    pub fn summary(&self) -> String {
        format!(
            "imported {}, rejected {}, duplicates {}, do-not-call {} (of {} rows)",
            self.imported, self.rejected, self.duplicates, self.dnc, self.rows
        )
    }

    /// Notes worth a line of their own: other numbers, the encoding fallback, the
    /// delimiter.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.with_alternates > 0 {
            notes.push(format!(
                "{} lead{} with other numbers, dialled in turn after no answer, busy or an invalid number",
                self.with_alternates,
                if self.with_alternates == 1 { "" } else { "s" }
            ));
        }
        if self.dropped_alternates > 0 {
            notes.push(format!(
                "{} other number{} not valid and dropped, the leads kept (listed by line)",
                self.dropped_alternates,
                if self.dropped_alternates == 1 {
                    " was"
                } else {
                    "s were"
                }
            ));
        }
        if let Some(line) = self.first_windows_1252_line {
            notes.push(format!(
                "{} row{} (first at line {line}) were not UTF-8 and were read as Windows-1252 (Latin-1); \
                 check names with accents, or save the file as UTF-8",
                self.windows_1252_rows,
                if self.windows_1252_rows == 1 { "" } else { "s" }
            ));
        }
        if self.delimiter != b',' {
            let shown = match self.delimiter {
                b'\t' => "tab".to_string(),
                d => format!("`{}`", d as char),
            };
            notes.push(format!("fields separated by {shown}"));
        }
        notes
    }
}
