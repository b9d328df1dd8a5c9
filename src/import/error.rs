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
    #[error("the delimiter must be one ASCII character such as `,` `;` or `\\t`, not `{0}`")]
    BadDelimiter(String),
    #[error("campaign {0} does not exist; list campaigns with `switchboard campaign list`")]
    NoSuchCampaign(crate::domain::CampaignId),
    #[error("writing the rejects file failed: {0}")]
    Rejects(std::io::Error),
    #[error("saving the leads failed, nothing was imported: {0}")]
    Store(#[from] StoreError),
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        return "(none)".into();
    }
    found
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
