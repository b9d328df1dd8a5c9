use crate::store::StoreError;
use std::path::PathBuf;
use thiserror::Error;

/// An import that could not run at all. Nothing was written.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("reading the CSV failed: {0}")]
    Read(#[from] std::io::Error),
    #[error("reading the CSV failed at line {line}: {problem}")]
    Csv { line: u64, problem: String },
    #[error("line {line}: a quote opened here is never closed ({field}): close it or remove the stray quote; {runs}")]
    QuoteNeverClosed {
        line: u64,
        /// "field `company`", or "in the header".
        field: String,
        runs: String,
    },
    #[error("line {line} is longer than {limit_kib} KiB, the limit for one row: the read stopped there and nothing was imported; a CSV file has one lead a line")]
    LineTooLong { line: u64, limit_kib: u64 },
    #[error("the header line is longer than {limit_kib} KiB, the limit (it starts `{head}`); the first line must name the columns, such as `phone,name`")]
    HeaderTooLong { limit_kib: u64, head: String },
    #[error("the header has {found} columns, more than the limit of {limit}; keep the phone column and the variables the agent needs")]
    TooManyColumns { found: usize, limit: usize },
    #[error("the file is empty: expected a header line such as `phone,name` and one row per lead")]
    Empty,
    #[error("the file has a header but no rows: nothing to import")]
    HeaderOnly,
    #[error("this is not a text file (a NUL byte at offset {offset}); export the sheet as CSV and import that")]
    Binary { offset: usize },
    #[error(
        "the file is UTF-16 text; save it as UTF-8 CSV (in Excel: \"CSV UTF-8\") and import that"
    )]
    Utf16,
    #[error("no phone column among {}; rename the column to `phone` or name it with --phone-column", found_list(.found))]
    NoPhoneColumn { found: Vec<String> },
    #[error("there is no column `{wanted}` (--phone-column); the columns are {}", found_list(.found))]
    UnknownPhoneColumn { wanted: String, found: Vec<String> },
    #[error("there is no column `{wanted}` (--alt-phone-column); the columns are {}", found_list(.found))]
    UnknownAltPhoneColumn { wanted: String, found: Vec<String> },
    #[error("the delimiter must be one ASCII character such as `,` `;` or `\\t`, not `{0}`")]
    BadDelimiter(String),
    #[error("campaign {0} does not exist; list campaigns with `switchboard campaign list`")]
    NoSuchCampaign(crate::domain::CampaignId),
    #[error("writing the rejects file failed: {0}")]
    Rejects(std::io::Error),
    #[error("saving the leads failed, nothing was imported: {0}")]
    Store(#[from] StoreError),
}

/// Columns listed in a message: the first few, each cut short, so a header of a
/// thousand columns still makes a one-line error.
const LISTED_COLUMNS: usize = 12;

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        return "(none)".into();
    }
    let mut list = found
        .iter()
        .take(LISTED_COLUMNS)
        .map(|c| format!("`{}`", short(c)))
        .collect::<Vec<_>>()
        .join(", ");
    if found.len() > LISTED_COLUMNS {
        list.push_str(&format!(" and {} more", found.len() - LISTED_COLUMNS));
    }
    list
}

/// Text from the file as quoted in a message: at most `ECHO_CHARS` characters.
pub(super) fn short(text: &str) -> String {
    const ECHO_CHARS: usize = 40;
    match text.char_indices().nth(ECHO_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
