//! Importing a CSV file that is on this machine, by path: for the console and the CLI
//! on the local socket (the engine runs as the same user). TCP clients upload instead.

use super::envelope::{optional_field, ApiError, Body, Data};
use super::leads::imported;
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::engine::{ImportJob, ImportSource};
use crate::import::{ImportOptions, ImportReport};
use axum::extract::State;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportFile {
    pub campaign: CampaignId,
    /// The CSV file, on the engine's machine.
    #[schema(value_type = String)]
    pub path: PathBuf,
    /// Region of numbers written without a country code, e.g. `US`.
    pub region: String,
    pub phone_column: Option<String>,
    /// Headers of the lead's other numbers; the usual names when absent.
    #[serde(default)]
    pub alt_phone_columns: Vec<String>,
    /// `,` `;` `tab` `|`; guessed from the header when absent.
    pub delimiter: Option<String>,
    /// Where to write the rejected rows as CSV (a path on this machine).
    #[schema(value_type = Option<String>)]
    pub rejects: Option<PathBuf>,
    /// Fields may hold line breaks; without it only when the file's start shows so.
    #[serde(default)]
    pub multiline_fields: bool,
}

pub fn import_file_doc() -> Operation {
    Operation::new(
        Tag::Engine,
        "Import a CSV file on the engine's machine, by path (local socket only)",
    )
    .describe("Served only on the local socket: a TCP client uploads instead.")
    .body_inline::<ImportFile>()
    .answers::<ImportReport>()
    .bad_input()
    .unknown("Unknown id")
    .busy()
}

pub async fn import_file(
    State(state): State<ApiState>,
    Body(request): Body<ImportFile>,
) -> Result<Data<ImportReport>, ApiError> {
    let region = crate::phone::parse_region(&request.region)
        .map_err(|e| ApiError::bad_request(format!("region: {e}")))?;
    let delimiter = optional_field(
        "delimiter",
        request.delimiter.as_deref(),
        crate::import::parse_delimiter,
    )?;
    let rejects: Option<Box<dyn std::io::Write + Send>> = match &request.rejects {
        Some(path) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| {
                ApiError::bad_request(format!("rejects: cannot create {}: {e}", path.display()))
            })?,
        ))),
        None => None,
    };
    let options = ImportOptions {
        region,
        phone_column: request.phone_column,
        alt_phone_columns: request.alt_phone_columns,
        delimiter,
        rejects,
        progress: None,
        multiline_fields: request.multiline_fields,
    };
    let source = ImportSource::File(request.path);
    let report = imported(&state, ImportJob::new(request.campaign, source, options)).await?;
    Ok(Data(report))
}
