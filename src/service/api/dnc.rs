//! `/dnc`: the do-not-call lists, the global one and each campaign's. Adding a number
//! goes through the engine, which also takes matching leads out of its queues.

use super::envelope::{ApiError, Body, Created, Data, Param, QueryArgs};
use super::leads::LeadOptions;
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::engine::{Command, Reply};
use crate::store::{dnc, CampaignRecord};
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DncInput {
    pub phone_number: String,
    /// The campaign's own list; the global one when absent
    pub campaign_id: Option<CampaignId>,
    #[schema(max_length = 256)]
    pub reason: Option<String>,
    /// Region of a number written without +; US when absent
    #[schema(example = "US")]
    pub region: Option<String>,
}

/// Which list: `?campaignId=ID` for a campaign's own, the global one without.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    /// The campaign's own list; the global one when absent
    pub campaign_id: Option<i64>,
    /// Region of numbers written without +; US when absent
    #[param(example = "US")]
    pub region: Option<String>,
}

/// What adding or removing a number answers: the number as stored, and which list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DncChange {
    /// E.164
    pub phone_number: String,
    /// The campaign's own list; null for the global one
    pub campaign_id: Option<CampaignId>,
    /// On a removal: true
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<bool>,
}

/// A number on a do-not-call list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DncEntry)]
pub struct DncOut {
    pub phone_number: String,
    pub campaign_id: Option<CampaignId>,
    pub reason: Option<String>,
    pub added_at: DateTime<Utc>,
}

const MAX_REASON_CHARS: usize = 256;

pub fn add_doc() -> Operation {
    Operation::new(Tag::DoNotCall, "Put a number on a do-not-call list")
        .describe("Leads with the number are marked dnc and never dialled.")
        .body::<DncInput>()
        .creates_inline::<DncChange>("Added")
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

pub async fn add(
    State(state): State<ApiState>,
    Body(input): Body<DncInput>,
) -> Result<Created<DncChange>, ApiError> {
    let phone = normalize(&input.phone_number, input.region, "phoneNumber")?;
    if let Some(reason) = &input.reason {
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ApiError::bad_request(format!(
                "reason: longer than {MAX_REASON_CHARS} characters"
            )));
        }
    }
    if let Some(campaign) = input.campaign_id {
        exists(&state, campaign, "campaignId").await?;
    }
    let command = Command::MarkDnc {
        phone: phone.clone(),
        campaign: input.campaign_id,
        reason: input.reason,
    };
    state.engine.send(command).await?;
    Ok(Created(DncChange {
        phone_number: phone,
        campaign_id: input.campaign_id,
        removed: None,
    }))
}

pub fn list_doc() -> Operation {
    Operation::new(Tag::DoNotCall, "A do-not-call list")
        .query::<ListQuery>()
        .answers_list::<DncOut>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

pub async fn list(
    State(state): State<ApiState>,
    QueryArgs(query): QueryArgs<ListQuery>,
) -> Result<Data<Vec<DncOut>>, ApiError> {
    let campaign = query.campaign_id.map(CampaignId);
    if let Some(campaign) = campaign {
        exists(&state, campaign, "campaignId").await?;
    }
    let entries = state.reader.read(move |c| dnc::list(c, campaign)).await?;
    Ok(Data(
        entries
            .into_iter()
            .map(|e| DncOut {
                phone_number: e.phone,
                campaign_id: e.campaign,
                reason: e.reason,
                added_at: e.added_at,
            })
            .collect(),
    ))
}

pub fn remove_doc() -> Operation {
    Operation::new(Tag::DoNotCall, "Take a number off a do-not-call list")
        .path_param::<String>("phone", "The number, E.164 or national")
        .query::<ListQuery>()
        .answers_inline::<DncChange>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

/// Takes the number off the list (`?campaignId=` for a campaign's). Leads already
/// marked do-not-call stay so.
pub async fn remove(
    State(state): State<ApiState>,
    Param(raw): Param<String>,
    QueryArgs(query): QueryArgs<ListQuery>,
) -> Result<Data<DncChange>, ApiError> {
    let phone = normalize(&raw, query.region, "phone")?;
    let campaign = query.campaign_id.map(CampaignId);
    let number = phone.clone();
    let command = Command::RemoveDnc {
        phone: number,
        campaign,
    };
    let removed = match state.engine.send(command).await? {
        Reply::DncRemoved(removed) => removed,
        other => {
            return Err(ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "unexpected_reply",
                format!("the engine answered {other:?} to a do-not-call removal"),
            ))
        }
    };
    if !removed {
        return Err(ApiError::not_found(format!(
            "phone: {phone} is not on {}",
            match campaign {
                Some(id) => format!("campaign {id}'s do-not-call list"),
                None => "the global do-not-call list".into(),
            }
        )));
    }
    Ok(Data(DncChange {
        phone_number: phone,
        campaign_id: campaign,
        removed: Some(true),
    }))
}

fn normalize(raw: &str, region: Option<String>, field: &str) -> Result<String, ApiError> {
    let region = LeadOptions { region }.region()?;
    crate::phone::PhoneNormalizer::new(region)
        .normalize(raw)
        .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
}

async fn exists(state: &ApiState, campaign: CampaignId, field: &str) -> Result<(), ApiError> {
    if state
        .reader
        .read(move |c| CampaignRecord::exists(c, campaign))
        .await?
    {
        return Ok(());
    }
    Err(ApiError::not_found(format!(
        "{field}: campaign {campaign} does not exist"
    )))
}
