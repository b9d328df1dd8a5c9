//! `GET /leads?campaign=&q=&state=&outcome=&after=&limit=` and `GET /leads/{id}`:
//! finding a lead and what happened to it, read through the engine
//! (`Query::LeadSearch`, `Query::LeadHistory`) as the CLI and the console read them.

use super::envelope::{optional_field, ApiError, Data, Param, QueryArgs};
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::{CampaignId, LeadId, LeadState, Outcome};
use crate::engine::{Answer, EngineError, Query, MAX_PAGE};
use crate::store::lead_search::LeadPage;
use crate::store::views::ServedLeadHistory;
use axum::extract::State;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LeadsQuery {
    /// Only this campaign's leads; every campaign when absent
    pub campaign: Option<i64>,
    /// A part of the number (`+44 20` is a prefix of the E.164, `7946 0958` any run of its digits), of the name or of any variable's value; any case
    pub q: Option<String>,
    /// Only leads in this state
    #[param(value_type = Option<LeadState>)]
    pub state: Option<String>,
    /// Only leads whose last call ended so
    #[param(value_type = Option<Outcome>)]
    pub outcome: Option<String>,
    /// Leads after this id: the previous page's next
    pub after: Option<i64>,
    /// Leads per page
    #[param(minimum = 1, maximum = 1000, default = 50)]
    pub limit: Option<usize>,
}

pub fn list_doc() -> Operation {
    Operation::new(
        Tag::Leads,
        "Find leads by number, name, variable value, state and last outcome, a page at a time by id",
    )
    .query::<LeadsQuery>()
    .answers::<LeadPage>()
    .bad_input()
    .unknown("Unknown campaign")
    .busy()
}

const DEFAULT_PAGE: usize = 50;

pub async fn list(
    State(state): State<ApiState>,
    QueryArgs(query): QueryArgs<LeadsQuery>,
) -> Result<Data<LeadPage>, ApiError> {
    let lead_state = optional_field("state", query.state.as_deref(), str::parse::<LeadState>)?;
    let outcome = optional_field("outcome", query.outcome.as_deref(), str::parse::<Outcome>)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit: {limit} is out of range: give 1 to {MAX_PAGE}"
        )));
    }
    let search = Query::LeadSearch {
        campaign: query.campaign.map(CampaignId),
        text: query.q,
        state: lead_state,
        outcome,
        after: query.after.map(LeadId),
        limit,
    };
    match state.reader.answer(search).await? {
        Answer::LeadPage(page) => Ok(Data(page)),
        other => Err(unexpected(&other)),
    }
}

pub fn get_one_doc() -> Operation {
    Operation::new(
        Tag::Leads,
        "What happened to one lead: its numbers, variables and every call with its steps",
    )
    .path_param::<i64>("id", "The lead's id")
    .answers::<ServedLeadHistory>()
    .bad_input()
    .unknown("Unknown lead")
    .busy()
}

/// The lead, its numbers and every call with its steps, ring and talk time.
pub async fn get_one(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<ServedLeadHistory>, ApiError> {
    match state
        .reader
        .answer(Query::LeadHistory { lead: LeadId(id) })
        .await
    {
        Ok(Answer::LeadHistory(history)) => Ok(Data(history.served())),
        Ok(other) => Err(unexpected(&other)),
        Err(EngineError::NotFound { what }) => Err(ApiError::not_found(format!(
            "{what} does not exist; find leads with GET /api/v1/leads?q=TEXT"
        ))),
        Err(other) => Err(other.into()),
    }
}

fn unexpected(answer: &Answer) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("the engine answered {answer:?} to a lead query"),
    )
}
