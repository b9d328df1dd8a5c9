//! Import leads from a CSV file into the selected campaign: path and region, a preview
//! of the first rows with the column mapping the importer will use, then the report.

use super::field::Field;
use crate::domain::CampaignId;
use crate::import::{ColumnMap, ImportReport};
use crate::tui::strings;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Rows shown in the preview.
pub const PREVIEW_ROWS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// How the importer reads the columns, or why it cannot.
    pub mapping: Result<String, String>,
}

/// Answers to the work the import form starts.
#[derive(Debug)]
pub enum ImportEvent {
    Preview {
        path: PathBuf,
        result: Result<Preview, String>,
    },
    Finished(Result<Box<ImportReport>, String>),
}

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub campaign: CampaignId,
    pub path: PathBuf,
    pub region: String,
}

#[derive(Debug)]
pub enum ImportStage {
    Editing,
    Running,
    Done(Result<Box<ImportReport>, String>),
}

#[derive(Debug)]
pub struct ImportForm {
    pub campaign: CampaignId,
    pub campaign_name: String,
    pub fields: Vec<Field>,
    pub focused: usize,
    pub preview: Option<(PathBuf, Result<Preview, String>)>,
    pub stage: ImportStage,
}

impl ImportForm {
    pub fn new(campaign: CampaignId, campaign_name: String, region: &str) -> ImportForm {
        ImportForm {
            campaign,
            campaign_name,
            fields: vec![
                Field::new(
                    "path",
                    "CSV file",
                    "",
                    "path to a .csv; enter shows a preview",
                ),
                Field::new(
                    "region",
                    "Default region",
                    region,
                    "for numbers without +country code",
                ),
            ],
            focused: 0,
            preview: None,
            stage: ImportStage::Editing,
        }
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.fields[0].optional().map(|p| expand_home(&p))
    }

    /// What enter does now: preview a new path, else import.
    pub fn next_step(&mut self) -> ImportStep {
        for f in &mut self.fields {
            f.error = None;
        }
        let Some(path) = self.path() else {
            self.fields[0].error = Some(strings::IMPORT_NEEDS_PATH.into());
            self.focused = 0;
            return ImportStep::Nothing;
        };
        if let Err(e) = crate::phone::parse_region(self.fields[1].value()) {
            self.fields[1].error = Some(e.to_string());
            self.focused = 1;
            return ImportStep::Nothing;
        }
        match &self.preview {
            Some((shown, Ok(preview))) if *shown == path && preview.mapping.is_ok() => {
                self.stage = ImportStage::Running;
                ImportStep::Import(ImportRequest {
                    campaign: self.campaign,
                    path,
                    region: self.fields[1].value().to_uppercase(),
                })
            }
            Some((shown, Err(e))) if *shown == path => {
                self.fields[0].error = Some(e.clone());
                ImportStep::Nothing
            }
            _ => ImportStep::Preview(path),
        }
    }

    pub fn apply(&mut self, event: ImportEvent) {
        match event {
            ImportEvent::Preview { path, result } => {
                if self.path().as_ref() == Some(&path) {
                    if let Err(e) = &result {
                        self.fields[0].error = Some(e.clone());
                    }
                    self.preview = Some((path, result));
                }
            }
            ImportEvent::Finished(result) => self.stage = ImportStage::Done(result),
        }
    }
}

pub enum ImportStep {
    Nothing,
    Preview(PathBuf),
    Import(ImportRequest),
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Reads the header and the first rows (blocking; run it off the UI task).
pub fn read_preview(path: &Path) -> Result<Preview, String> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text =
        String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)).into_owned();
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{} is not a readable CSV file: {e}", path.display()))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let rows = reader
        .records()
        .take(PREVIEW_ROWS)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_owned).collect())
        .collect();
    let mapping = ColumnMap::from_headers(headers.clone(), None)
        .map(|m| m.describe())
        .map_err(|e| e.to_string());
    Ok(Preview {
        headers,
        rows,
        mapping,
    })
}
