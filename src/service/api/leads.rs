//! `POST /campaigns/{id}/leads` and `/leads/bulk`: leads as JSON. They are written as
//! the CSV `leads import` would read (columns `phone`, `name`, `timezone`, `priority`,
//! then one per metadata key) and imported by the same code, so a lead given here is
//! checked, normalised and refused exactly as the same row in a file would be.

use super::envelope::{ApiError, Body, Created, Data, Param, QueryArgs};
use super::lead_batch::LeadOutcome;
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::engine::{Command, ImportJob, ImportSource, Reply};
use crate::import::{ImportError, ImportOptions, ImportReport};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A bulk body above this is refused (413): about 200,000 small leads. Bigger lists
/// go through the CSV upload.
pub const MAX_BULK_BODY: usize = 64 * 1024 * 1024;
/// Leads one bulk request may carry.
pub const MAX_BULK_LEADS: usize = 100_000;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeadInput {
    #[schema(example = "+12125550101")]
    pub phone_number: String,
    /// The lead's other numbers, dialled in turn after no_answer, busy or invalid_number; a bad one is dropped alone (droppedAlternates in the report)
    #[serde(default)]
    #[schema(max_items = 10)]
    pub alternate_phone_numbers: Vec<String>,
    pub name: Option<String>,
    /// IANA zone; inferred from the number when absent
    pub timezone: Option<String>,
    /// Higher is dialled first
    pub priority: Option<i64>,
    /// The call's variables for the agent: text, numbers or booleans
    #[schema(value_type = Option<HashMap<String, Variable>>, inline)]
    pub metadata: Option<Map<String, Value>>,
}

/// A lead variable's value as a client may give it: text, a number, true or false
/// (`cell` reads it), or null.
struct Variable;

impl utoipa::PartialSchema for Variable {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        let kinds = vec![Type::String, Type::Number, Type::Boolean, Type::Null];
        ObjectBuilder::new()
            .schema_type(SchemaType::Array(kinds))
            .into()
    }
}

impl utoipa::ToSchema for Variable {}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    pub leads: Vec<LeadInput>,
}

/// How numbers without a country code are read.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeadOptions {
    /// Region of numbers written without +; US when absent
    #[param(example = "US")]
    pub region: Option<String>,
}

/// The campaign's id in the path.
const CAMPAIGN_ID: &str = "The campaign's id";

pub fn add_one_doc() -> Operation {
    Operation::new(Tag::Leads, "Add one lead")
        .describe("Checked and normalised exactly as the same row of a CSV file; 400 names why a lead is refused, 409 says it is already in the campaign.")
        .path_param::<i64>("id", CAMPAIGN_ID)
        .query::<LeadOptions>()
        .body::<LeadInput>()
        .creates::<LeadsReport>("Added")
        .bad_input()
        .unknown("Unknown id")
        .refused()
        .busy()
}

pub fn add_bulk_doc() -> Operation {
    Operation::new(Tag::Leads, "Add many leads (up to 100,000; 64 MiB)")
        .describe("All good leads are added in one transaction; the others are listed by index with the reason.")
        .path_param::<i64>("id", CAMPAIGN_ID)
        .query::<LeadOptions>()
        .body_inline::<BulkInput>()
        .answers::<LeadsReport>()
        .bad_input()
        .unknown("Unknown id")
        .too_large()
        .busy()
}

impl LeadOptions {
    pub fn region(&self) -> Result<rlibphonenumber::Region, ApiError> {
        crate::phone::parse_region(self.region.as_deref().unwrap_or("US")).map_err(|e| {
            ApiError::bad_request(format!(
                "region: {e}; give a two-letter region code such as US or GB"
            ))
        })
    }
}

/// What became of each lead of a request, by its index in the request.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadsReport {
    pub received: usize,
    pub imported: u64,
    /// Of `imported`, numbers on a do-not-call list (added, never dialled).
    pub dnc: u64,
    pub duplicates: u64,
    pub rejected: usize,
    #[schema(inline)]
    pub rejected_rows: Vec<RejectedLead>,
    #[schema(inline)]
    pub duplicate_rows: Vec<DuplicateLead>,
    /// Other numbers that were not valid: dropped alone, their leads added
    #[schema(inline)]
    pub dropped_alternates: Vec<RejectedLead>,
}

impl LeadsReport {
    /// The report of one lead that went in (as `dnc` when its number is listed).
    pub fn one_added(dnc: bool) -> LeadsReport {
        LeadsReport {
            received: 1,
            imported: 1,
            dnc: dnc as u64,
            ..Default::default()
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RejectedLead {
    pub index: usize,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateLead {
    pub index: usize,
    pub phone: String,
    /// The lead the campaign already had with this number, if it was not an earlier
    /// lead of this same request.
    pub existing_lead: Option<crate::domain::LeadId>,
}

/// One lead: 201 with the report when it was added, 400 naming why it was refused,
/// 409 when the campaign already has the number.
pub async fn add_one(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(options): QueryArgs<LeadOptions>,
    Body(lead): Body<LeadInput>,
) -> Result<Response, ApiError> {
    // Checked here so a bad region is this request's 400, not its batch's.
    options.region()?;
    let batcher = state.leads.clone();
    match batcher.add(&state, CampaignId(id), options, lead).await? {
        LeadOutcome::Added(report) => Ok(Created(report).into_response()),
        LeadOutcome::Rejected(reason) => {
            Err(ApiError::new(StatusCode::BAD_REQUEST, "rejected", reason))
        }
        LeadOutcome::Duplicate {
            phone,
            existing_lead,
        } => {
            let message = match existing_lead {
                Some(lead) => format!("{phone} is already in the campaign (lead {lead})"),
                None => format!("{phone} is already in the campaign"),
            };
            Err(ApiError::new(StatusCode::CONFLICT, "duplicate", message))
        }
    }
}

/// Many leads: every good one is added (all or none, as one import), the others are
/// listed by index with the reason.
pub async fn add_bulk(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(options): QueryArgs<LeadOptions>,
    Body(body): Body<BulkInput>,
) -> Result<Data<LeadsReport>, ApiError> {
    if body.leads.len() > MAX_BULK_LEADS {
        return Err(ApiError::bad_request(format!(
            "leads: {} leads, more than the {MAX_BULK_LEADS} one request may carry; split them or upload a CSV to /campaigns/{id}/leads/upload",
            body.leads.len()
        )));
    }
    if body.leads.is_empty() {
        return Err(ApiError::bad_request("leads: the list is empty"));
    }
    Ok(Data(
        import(&state, CampaignId(id), &options, body.leads).await?,
    ))
}

/// The leads as CSV, with the request index of each CSV line.
struct LeadsCsv {
    text: Vec<u8>,
    /// `(line, index)` of every row written, by line.
    lines: Vec<(u64, usize)>,
    /// Leads refused before they became rows.
    rejected: Vec<RejectedLead>,
}

/// The CSV column of a lead's `n`th other number (from 1). Named explicitly for the
/// import, so metadata keys such as `mobile` stay variables as they always were.
fn alternate_column(n: usize) -> String {
    format!("switchboard_alternate_phone_{n}")
}

/// Most other numbers one lead may carry.
const MAX_ALTERNATES: usize = 10;

/// A metadata value as the text a CSV cell would hold.
fn cell(value: &Value) -> Result<String, &'static str> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        Value::Array(_) => Err("an array"),
        Value::Object(_) => Err("an object"),
    }
}

fn to_csv(leads: &[LeadInput]) -> Result<LeadsCsv, ApiError> {
    let alternates = leads
        .iter()
        .map(|l| l.alternate_phone_numbers.len())
        .max()
        .unwrap_or(0)
        .max(1);
    if alternates > MAX_ALTERNATES {
        return Err(ApiError::bad_request(format!(
            "alternatePhoneNumbers: {alternates} numbers, more than the {MAX_ALTERNATES} a lead may have"
        )));
    }
    let mut keys: Vec<&str> = Vec::new();
    for lead in leads {
        for key in lead.metadata.iter().flat_map(|m| m.keys()) {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    let fixed = 4 + alternates;
    if keys.len() + fixed > crate::import::MAX_COLUMNS {
        return Err(ApiError::bad_request(format!(
            "metadata: {} different keys, more than the {} a lead may have",
            keys.len(),
            crate::import::MAX_COLUMNS - fixed
        )));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let alternate_headers: Vec<String> = (1..=alternates).map(alternate_column).collect();
    let header = ["phone", "name", "timezone", "priority"]
        .into_iter()
        .chain(alternate_headers.iter().map(String::as_str))
        .chain(keys.iter().copied());
    let write_failed = |e: csv::Error| ApiError::bad_request(format!("leads: {e}"));
    out.write_record(header).map_err(write_failed)?;
    let (mut lines, mut rejected) = (Vec::new(), Vec::new());
    let mut line = 2;
    'leads: for (index, lead) in leads.iter().enumerate() {
        let mut row = vec![
            lead.phone_number.clone(),
            lead.name.clone().unwrap_or_default(),
            lead.timezone.clone().unwrap_or_default(),
            lead.priority.map(|p| p.to_string()).unwrap_or_default(),
        ];
        row.extend((0..alternates).map(|i| {
            lead.alternate_phone_numbers
                .get(i)
                .cloned()
                .unwrap_or_default()
        }));
        for key in &keys {
            let value = lead.metadata.as_ref().and_then(|m| m.get(*key));
            match value.map(cell).transpose() {
                Ok(text) => row.push(text.unwrap_or_default()),
                Err(kind) => {
                    rejected.push(RejectedLead {
                        index,
                        reason: format!(
                            "metadata.{key}: {kind}; a variable is text, a number or true/false"
                        ),
                    });
                    continue 'leads;
                }
            }
        }
        lines.push((line, index));
        line += 1 + row
            .iter()
            .map(|f| f.matches('\n').count() as u64)
            .sum::<u64>();
        out.write_record(&row).map_err(write_failed)?;
    }
    let text = out
        .into_inner()
        .map_err(|e| ApiError::bad_request(format!("leads: {e}")))?;
    Ok(LeadsCsv {
        text,
        lines,
        rejected,
    })
}

/// The import's words for a row, in the API's field names.
fn api_reason(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("switchboard_alternate_phone_") {
        if let Some((n, rest)) = rest.split_once(": ") {
            let index = n.parse::<usize>().map_or(0, |n| n.saturating_sub(1));
            let rest = rest.replace("the lead imported", "the lead added");
            return format!("alternatePhoneNumbers[{index}]: {rest}");
        }
    }
    match reason.strip_prefix("phone: ") {
        Some(rest) => format!("phoneNumber: {rest}"),
        None => reason.replace("field `phone`", "field `phoneNumber`"),
    }
}

pub(super) async fn import(
    state: &ApiState,
    campaign: CampaignId,
    options: &LeadOptions,
    leads: Vec<LeadInput>,
) -> Result<LeadsReport, ApiError> {
    let region = options.region()?;
    let csv = to_csv(&leads)?;
    let alternates = leads
        .iter()
        .map(|l| l.alternate_phone_numbers.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut report = LeadsReport {
        received: leads.len(),
        rejected_rows: csv.rejected,
        ..Default::default()
    };
    let index_of = |line: u64| {
        csv.lines
            .binary_search_by_key(&line, |(l, _)| *l)
            .map(|i| csv.lines[i].1)
            .unwrap_or(0)
    };
    if !csv.lines.is_empty() {
        let options = ImportOptions {
            region,
            phone_column: Some("phone".into()),
            alt_phone_columns: (1..=alternates).map(alternate_column).collect(),
            delimiter: Some(b','),
            ..Default::default()
        };
        let size = Some(csv.text.len() as u64);
        let imported = run_import(
            state,
            campaign,
            std::io::Cursor::new(csv.text),
            size,
            options,
        )
        .await?;
        report.imported = imported.imported;
        report.dnc = imported.dnc;
        report.duplicates = imported.duplicates;
        report
            .rejected_rows
            .extend(imported.rejected_rows.iter().map(|r| RejectedLead {
                index: index_of(r.line),
                reason: api_reason(&r.reason),
            }));
        report.dropped_alternates = imported
            .dropped_alternate_rows
            .iter()
            .map(|r| RejectedLead {
                index: index_of(r.line),
                reason: api_reason(&r.reason),
            })
            .collect();
        report.duplicate_rows = imported
            .duplicate_rows
            .iter()
            .map(|d| DuplicateLead {
                index: index_of(d.line),
                phone: d.phone.clone(),
                existing_lead: d.existing_lead,
            })
            .collect();
    } else if !state
        .reader
        .read(move |c| crate::store::CampaignRecord::exists(c, campaign))
        .await?
    {
        return Err(import_error(ImportError::NoSuchCampaign(campaign)));
    }
    report.rejected_rows.sort_by_key(|r| r.index);
    report.rejected = report.rejected_rows.len();
    Ok(report)
}

/// Has the engine import `source` (of `size` bytes, when known: a large one is
/// imported in bulk, as `leads import` does with a file); it counts what it added.
pub async fn run_import(
    state: &ApiState,
    campaign: CampaignId,
    source: impl std::io::Read + Send + 'static,
    size: Option<u64>,
    options: ImportOptions,
) -> Result<ImportReport, ApiError> {
    let source = ImportSource::Stream {
        reader: Box::new(source),
        size,
    };
    imported(state, ImportJob::new(campaign, source, options)).await
}

/// Sends `job` to the engine and waits for its report.
pub async fn imported(state: &ApiState, job: ImportJob) -> Result<ImportReport, ApiError> {
    match state.engine.send(Command::ImportLeads(job)).await? {
        Reply::Imported(report) => Ok(*report),
        other => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_reply",
            format!("the engine answered {other:?} to an import"),
        )),
    }
}

pub fn import_error(err: ImportError) -> ApiError {
    match err {
        ImportError::NoSuchCampaign(_) => ApiError::not_found(err.to_string()),
        ImportError::Store(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store", err.to_string())
        }
        other => ApiError::new(StatusCode::BAD_REQUEST, "bad_csv", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(json: &str) -> LeadInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn leads_become_rows_with_their_request_index() {
        let leads = [
            lead(r#"{"phoneNumber":"+12125550101","name":"Ada","metadata":{"plan":"gold"}}"#),
            lead(r#"{"phoneNumber":"+12125550102","metadata":{"deep":{"x":1}}}"#),
            lead(r#"{"phoneNumber":"+12125550103","name":"two\nlines","metadata":{"n":3}}"#),
            lead(r#"{"phoneNumber":"+12125550104"}"#),
        ];
        let csv = to_csv(&leads).unwrap();
        let text = String::from_utf8(csv.text).unwrap();
        assert!(
            text.starts_with(
                "phone,name,timezone,priority,switchboard_alternate_phone_1,plan,deep,n\n"
            ),
            "{text}"
        );
        assert_eq!(csv.lines, vec![(2, 0), (3, 2), (5, 3)]);
        assert_eq!(csv.rejected.len(), 1);
        assert_eq!(csv.rejected[0].index, 1);
        assert!(csv.rejected[0]
            .reason
            .starts_with("metadata.deep: an object"));
    }

    #[test]
    fn other_numbers_get_columns_of_their_own_and_their_problems_name_the_index() {
        let leads = [
            lead(r#"{"phoneNumber":"+12125550101","alternatePhoneNumbers":["+12125550102","12"]}"#),
            lead(r#"{"phoneNumber":"+12125550103","metadata":{"mobile":"x"}}"#),
        ];
        let text = String::from_utf8(to_csv(&leads).unwrap().text).unwrap();
        assert!(
            text.starts_with(
                "phone,name,timezone,priority,switchboard_alternate_phone_1,switchboard_alternate_phone_2,mobile\n\
                 +12125550101,,,,+12125550102,12,\n"
            ),
            "{text}"
        );
        assert_eq!(
            api_reason("switchboard_alternate_phone_2: `12` is too short to be a phone number; that number was dropped, the lead imported"),
            "alternatePhoneNumbers[1]: `12` is too short to be a phone number; that number was dropped, the lead added"
        );
        let many = lead(&format!(
            r#"{{"phoneNumber":"+12125550101","alternatePhoneNumbers":{}}}"#,
            serde_json::to_string(&vec!["+12125550102"; 11]).unwrap()
        ));
        assert!(to_csv(&[many]).is_err());
    }
}
