//! Calls (attempts): a campaign's, paged and filtered by outcome; one with its
//! timeline; and the agent's disposition by HTTP.

use super::envelope::{optional_field, ApiError, Body, Data, Param, QueryArgs};
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::{AttemptId, AttemptState, CampaignId};
use crate::engine::{Command, Reply};
use crate::service::protocol::MAX_PAGE;
use crate::store::attempt_events::{self, AttemptEventRecord};
use crate::store::attempts::AttemptRecord;
use crate::store::CampaignRecord;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One step of a call's timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallEventOut {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
    /// What LiveKit or the agent said with it, as they said it
    pub data: Option<serde_json::Value>,
}

impl From<AttemptEventRecord> for CallEventOut {
    fn from(e: AttemptEventRecord) -> Self {
        CallEventOut {
            at: e.at,
            kind: e.kind.to_string(),
            detail: e.detail,
            data: e.data,
        }
    }
}

/// A call with its timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallWithEvents {
    #[serde(flatten)]
    pub call: AttemptRecord,
    #[schema(inline)]
    pub events: Vec<CallEventOut>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallsQuery {
    /// Only calls in this state or with this outcome (completed, no_answer, busy, ...)
    #[param(value_type = Option<AttemptState>)]
    pub outcome: Option<String>,
    /// Calls after this id: the previous page's next
    pub after: Option<i64>,
    /// Calls per page
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<usize>,
}

/// A page of a campaign's calls, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallsPage {
    pub calls: Vec<AttemptRecord>,
    /// Pass as after for the next page; null on the last
    pub next: Option<AttemptId>,
}

/// The campaign's id in the path.
const CAMPAIGN_ID: &str = "The campaign's id";

pub fn for_campaign_doc() -> Operation {
    Operation::new(Tag::Calls, "A page of the campaign's calls, oldest first")
        .path_param::<i64>("id", CAMPAIGN_ID)
        .query::<CallsQuery>()
        .answers::<CallsPage>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

const DEFAULT_PAGE: usize = 100;

pub async fn for_campaign(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(query): QueryArgs<CallsQuery>,
) -> Result<Data<CallsPage>, ApiError> {
    let campaign = CampaignId(id);
    let outcome = optional_field(
        "outcome",
        query.outcome.as_deref(),
        str::parse::<AttemptState>,
    )?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit: {limit} is out of range: give 1 to {MAX_PAGE}"
        )));
    }
    let after = query.after.map(AttemptId);
    let calls = state
        .reader
        .read(move |conn| {
            CampaignRecord::get(conn, campaign)?;
            AttemptRecord::page(conn, campaign, outcome, after, limit)
        })
        .await?;
    let next = (calls.len() == limit)
        .then(|| calls.last().map(|c| c.id))
        .flatten();
    Ok(Data(CallsPage { calls, next }))
}

pub fn get_one_doc() -> Operation {
    Operation::new(Tag::Calls, "One call with its event timeline")
        .path_param::<i64>("id", "The attempt's id")
        .answers::<CallWithEvents>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

pub async fn get_one(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<CallWithEvents>, ApiError> {
    let id = AttemptId(id);
    let (call, events) = state
        .reader
        .read(move |conn| {
            Ok((
                AttemptRecord::get(conn, id)?,
                attempt_events::for_attempt(conn, id)?,
            ))
        })
        .await?;
    Ok(Data(CallWithEvents {
        call,
        events: events.into_iter().map(CallEventOut::from).collect(),
    }))
}

/// The agent's report: `outcome` or `disposition` (the same thing, by the name each
/// client knows), and an optional `note`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeInput {
    #[schema(example = "interested")]
    pub outcome: Option<String>,
    /// The same as outcome; give one
    pub disposition: Option<String>,
    #[schema(max_length = 1024)]
    pub note: Option<String>,
    /// When the callee asked to be called back; a campaign rule such as callback=callback_at retries then
    #[schema(format = DateTime)]
    pub callback_at: Option<String>,
}

pub fn report_outcome_doc() -> Operation {
    Operation::new(Tag::Calls, "The agent's disposition, by HTTP")
        .describe("An alternative to the agent's participant attribute. A live call (or one awaiting its agent's report) records it as it would the attribute; an ended call's attempt is updated.")
        .path_param::<String>("callId", "The attempt id, the room name, or LiveKit's SIP call id")
        .body::<OutcomeInput>()
        .answers::<Reply>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

/// A note longer than this is refused: it is shown in the timeline and exported.
pub const MAX_NOTE_CHARS: usize = crate::domain::MAX_NOTE_CHARS;

/// `callId` is the attempt id, its room's name or LiveKit's SIP call id.
pub async fn report_outcome(
    State(state): State<ApiState>,
    Param(call_id): Param<String>,
    Body(input): Body<OutcomeInput>,
) -> Result<Data<Reply>, ApiError> {
    let value = match (input.outcome, input.disposition) {
        (Some(v), None) | (None, Some(v)) => v,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "outcome and disposition: give one of them (they mean the same)",
            ))
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "outcome: missing; send {\"outcome\": \"interested\"} (or \"disposition\")",
            ))
        }
    };
    if crate::domain::Disposition::new(&value).is_none() {
        return Err(ApiError::bad_request(
            "outcome: empty; say what the call was",
        ));
    }
    let chars = value.trim().chars().count();
    if chars > crate::domain::Disposition::MAX_LEN {
        return Err(ApiError::bad_request(format!(
            "outcome: {chars} characters long: at most {}; send a short word such as \"interested\" and put the rest in `note`",
            crate::domain::Disposition::MAX_LEN
        )));
    }
    if let Some(note) = &input.note {
        let chars = note.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(ApiError::bad_request(format!(
                "note: {chars} characters, more than the {MAX_NOTE_CHARS} allowed"
            )));
        }
    }
    if let Some(at) = &input.callback_at {
        if chrono::DateTime::parse_from_rfc3339(at).is_err() {
            return Err(ApiError::bad_request(format!(
                "callbackAt: `{at}` is not an RFC 3339 time; send e.g. \"2026-06-02T17:30:00-04:00\""
            )));
        }
    }
    let attempt = find_call(&state, call_id).await?;
    let command = Command::ReportDisposition {
        attempt,
        value,
        note: input.note,
        callback_at: input.callback_at,
    };
    Ok(Data(state.engine.send(command).await?))
}

/// The attempt `reference` names: a number is an attempt id, anything else a room or a
/// SIP call id.
async fn find_call(state: &ApiState, reference: String) -> Result<AttemptId, ApiError> {
    let found = state
        .reader
        .read(move |conn| {
            if let Ok(id) = reference.parse::<i64>() {
                if let Ok(attempt) = AttemptRecord::get(conn, AttemptId(id)) {
                    return Ok(Some(attempt.id));
                }
            }
            Ok(AttemptRecord::find_by_call(conn, &reference)?.map(|a| a.id))
        })
        .await?;
    found.ok_or_else(|| {
        ApiError::not_found("callId: no call has this attempt id, room name or SIP call id")
    })
}
