//! An import, as a command: where the rows come from and how to read them. The engine
//! runs it as its own task on its store (the one writer) and counts in what it added,
//! so no client writes leads beside the engine.
//!
//! A job is handed over once: it holds a reader and a rejects file, which cannot be
//! copied or sent over the wire. Remote clients ask the engine's process to build one
//! (`/engine/import-file`, the API's uploads), which then sends it here.

use crate::domain::CampaignId;
use crate::import::{ImportError, ImportOptions, ImportReport};
use crate::store::Store;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where the rows of an import come from.
pub enum ImportSource {
    /// A file on the engine's machine.
    File(PathBuf),
    /// A stream (an upload, stdin), with its size when known: a large one is imported in
    /// bulk, as a file is.
    Stream {
        reader: Box<dyn Read + Send>,
        size: Option<u64>,
    },
}

impl ImportSource {
    /// Rows already in memory (the API's JSON leads, made CSV).
    pub fn text(csv: Vec<u8>) -> ImportSource {
        let size = Some(csv.len() as u64);
        ImportSource::Stream {
            reader: Box::new(std::io::Cursor::new(csv)),
            size,
        }
    }
}

struct Work {
    source: ImportSource,
    options: ImportOptions,
}

/// One import for the engine to run. Cloning shares it; the first run takes it.
#[derive(Clone)]
pub struct ImportJob {
    pub campaign: CampaignId,
    work: Arc<Mutex<Option<Work>>>,
}

impl ImportJob {
    pub fn new(campaign: CampaignId, source: ImportSource, options: ImportOptions) -> ImportJob {
        ImportJob {
            campaign,
            work: Arc::new(Mutex::new(Some(Work { source, options }))),
        }
    }

    /// Reads the rows into `store` (blocking: run it on a blocking thread).
    pub(crate) fn run(self, store: &Store) -> Result<ImportReport, ImportError> {
        let work = self
            .work
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let Some(Work { source, options }) = work else {
            return Err(ImportError::Read(std::io::Error::other(
                "this import was already run",
            )));
        };
        match source {
            ImportSource::File(path) => {
                crate::import::import_csv_file(store, self.campaign, &path, options)
            }
            ImportSource::Stream { reader, size } => {
                crate::import::import_csv_sized(store, self.campaign, reader, options, size)
            }
        }
    }
}

impl std::fmt::Debug for ImportJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportJob")
            .field("campaign", &self.campaign)
            .finish_non_exhaustive()
    }
}

/// What an import that went wrong says, kept apart so each client can answer in its
/// own terms (a 404 for a missing campaign, a 400 for a bad file, exit code 2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ImportFailure {
    NoSuchCampaign,
    /// The file: unreadable, not CSV, no phone column, ...
    BadFile,
    /// The database could not take the rows; nothing was written.
    Store,
}

impl ImportFailure {
    pub fn of(err: &ImportError) -> ImportFailure {
        match err {
            ImportError::NoSuchCampaign(_) => ImportFailure::NoSuchCampaign,
            ImportError::Store(_) => ImportFailure::Store,
            _ => ImportFailure::BadFile,
        }
    }
}
