//! `/campaigns`: create, read, change and delete campaigns, their lifecycle, their live
//! status and their totals.

use super::campaign_dto::{CampaignInput, CampaignOut};
use super::envelope::{ApiError, Body, Created, Data, Param, QueryArgs};
use super::openapi::SETTINGS_PATCH;
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::{CampaignId, CampaignSettings};
use crate::engine::{Answer, CampaignView, Command, EngineError, Query, Reply};
use crate::store::CampaignRecord;
use axum::extract::State;
use serde::{Deserialize, Serialize};

/// The campaign's id in the path.
const ID: &str = "The campaign's id";

pub fn create_doc() -> Operation {
    Operation::new(Tag::Campaigns, "Create a campaign")
        .body_named(SETTINGS_PATCH)
        .creates::<CampaignOut>("Created")
        .bad_input()
        .busy()
}

pub async fn create(
    State(state): State<ApiState>,
    Body(input): Body<CampaignInput>,
) -> Result<Created<CampaignOut>, ApiError> {
    let settings = input.apply(CampaignSettings::default(), chrono::Utc::now())?;
    let id = match state
        .engine
        .send(Command::CreateCampaign(Box::new(settings)))
        .await?
    {
        Reply::Created(id) => id,
        other => return Err(unexpected(other)),
    };
    Ok(Created(record(&state, id).await?.into()))
}

pub fn list_doc() -> Operation {
    Operation::new(Tag::Campaigns, "Every campaign")
        .answers_list::<CampaignOut>()
        .busy()
}

pub async fn list(State(state): State<ApiState>) -> Result<Data<Vec<CampaignOut>>, ApiError> {
    let records = state.reader.read(CampaignRecord::list).await?;
    Ok(Data(records.into_iter().map(CampaignOut::from).collect()))
}

pub fn get_one_doc() -> Operation {
    Operation::new(Tag::Campaigns, "One campaign")
        .path_param::<i64>("id", ID)
        .answers::<CampaignOut>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

pub async fn get_one(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<CampaignOut>, ApiError> {
    Ok(Data(record(&state, CampaignId(id)).await?.into()))
}

pub fn update_doc() -> Operation {
    Operation::new(
        Tag::Campaigns,
        "Change a campaign's settings (not while it runs)",
    )
    .path_param::<i64>("id", ID)
    .body_named(SETTINGS_PATCH)
    .answers::<CampaignOut>()
    .bad_input()
    .unknown("Unknown id")
    .refused()
    .busy()
}

/// Changes the fields given. While the campaign runs, only the settings that may change
/// under it are taken (409 naming the others otherwise), from its next dial.
pub async fn update(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    Body(input): Body<CampaignInput>,
) -> Result<Data<CampaignOut>, ApiError> {
    let id = CampaignId(id);
    let current = record(&state, id).await?;
    let settings = input.apply(current.settings, chrono::Utc::now())?;
    let command = Command::UpdateCampaign {
        id,
        settings: Box::new(settings),
        changed_by: "the API".into(),
    };
    state.engine.send(command).await?;
    Ok(Data(record(&state, id).await?.into()))
}

/// What a delete answers: the id of the campaign deleted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub deleted: CampaignId,
}

pub fn remove_doc() -> Operation {
    Operation::new(
        Tag::Campaigns,
        "Delete a campaign with its leads and calls (not while it runs)",
    )
    .path_param::<i64>("id", ID)
    .answers_inline::<Deleted>()
    .unknown("Unknown id")
    .refused()
    .busy()
}

/// Deletes the campaign with its leads and calls; refused (409) while it runs.
pub async fn remove(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<Deleted>, ApiError> {
    let id = CampaignId(id);
    state.engine.send(Command::DeleteCampaign(id)).await?;
    Ok(Data(Deleted { deleted: id }))
}

/// A lifecycle command's operation: the engine's reply, or why it refused.
fn lifecycle_doc(summary: &str) -> Operation {
    Operation::new(Tag::Campaigns, summary)
        .path_param::<i64>("id", ID)
        .answers::<Reply>()
        .unknown("Unknown id")
        .refused()
        .busy()
}

pub fn start_doc() -> Operation {
    lifecycle_doc("Start dialling (checks the trunk first)")
}

pub async fn start(state: State<ApiState>, Param(id): Param<i64>) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Start(CampaignId(id))).await
}

pub fn pause_doc() -> Operation {
    lifecycle_doc("Pause: calls in flight finish, no new ones")
}

pub async fn pause(state: State<ApiState>, Param(id): Param<i64>) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Pause(CampaignId(id))).await
}

pub fn resume_doc() -> Operation {
    lifecycle_doc("Resume a paused campaign")
}

pub async fn resume(
    state: State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Resume(CampaignId(id))).await
}

/// `?confirm=true`: what makes a stop deliberate.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StopQuery {
    /// Must be true: a stopped campaign never dials again, and its leads not yet called will not be called
    #[param(required = true)]
    pub confirm: Option<bool>,
}

pub fn stop_doc() -> Operation {
    lifecycle_doc("Stop for good (needs ?confirm=true): calls in flight finish, leads not yet called never will be")
        .query::<StopQuery>()
        .fails(400, "Without confirm=true: stopping cannot be undone")
}

/// Stops the campaign; calls in flight are left to finish. A stop cannot be undone
/// (its leads not yet called never will be), so it needs `?confirm=true`, as the
/// command line and the console ask first.
pub async fn stop(
    state: State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(query): QueryArgs<StopQuery>,
) -> Result<Data<Reply>, ApiError> {
    if query.confirm != Some(true) {
        return Err(ApiError::bad_request(format!(
            "confirm: stopping campaign {id} cannot be undone (its leads not yet called will never be called); to stop it, POST /api/v1/campaigns/{id}/stop?confirm=true, or pause it instead"
        )));
    }
    let command = Command::Stop {
        id: CampaignId(id),
        hang_up_live_calls: false,
    };
    send(state, command).await
}

pub fn status_doc() -> Operation {
    Operation::new(Tag::Campaigns, "The campaign as the engine sees it now")
        .path_param::<i64>("id", ID)
        .answers::<CampaignView>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

/// The campaign as the engine sees it now: calls in flight, lead counts, outcomes,
/// pace. From the latest snapshot, so it costs the engine nothing; a campaign created
/// a moment ago is in the next one.
pub async fn status(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<CampaignView>, ApiError> {
    let id = CampaignId(id);
    let mut snapshots = state.engine.snapshot();
    let deadline = tokio::time::Instant::now() + NEXT_SNAPSHOT_WAIT;
    loop {
        let view = snapshots
            .borrow_and_update()
            .campaigns
            .iter()
            .find(|c| c.id == id)
            .cloned();
        if let Some(view) = view {
            return Ok(Data(view));
        }
        // Not in the snapshot: unknown, or too new to be in it yet.
        record(&state, id).await?;
        let next = tokio::time::timeout_at(deadline, snapshots.changed()).await;
        if !matches!(next, Ok(Ok(()))) {
            return Err(EngineError::Busy.into());
        }
    }
}

/// How long `status` waits for a new campaign to appear in a snapshot (several
/// snapshot intervals).
const NEXT_SNAPSHOT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What `switchboard status` shows: the store's `reports::CampaignStats` itself (leads
/// by state, progress, attempts by outcome and in flight, answer rate, mean ring and
/// talk time, attempts today in the campaign's time zone), with the campaign's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(
    as = CampaignStats,
    description = "A campaign's figures as `switchboard status` shows them, with its id"
)]
pub struct StatsOut {
    pub campaign: CampaignId,
    #[serde(flatten)]
    pub stats: crate::store::reports::CampaignStats,
}

impl StatsOut {
    /// The API's shape of a status read; `switchboard status --json` prints the same.
    pub fn new(campaign: CampaignId, stats: crate::store::reports::CampaignStats) -> Self {
        StatsOut { campaign, stats }
    }
}

pub fn stats_doc() -> Operation {
    Operation::new(
        Tag::Campaigns,
        "Totals: leads by state, attempts by outcome, answer rate, ring and talk time",
    )
    .path_param::<i64>("id", ID)
    .answers::<StatsOut>()
    .bad_input()
    .unknown("Unknown id")
    .busy()
}

pub async fn stats(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
) -> Result<Data<StatsOut>, ApiError> {
    let id = CampaignId(id);
    // The one status read `switchboard status` and the console's status show too.
    let s = match state
        .engine
        .query(Query::Status { campaign: Some(id) })
        .await?
    {
        Answer::Status(mut reports) if reports.len() == 1 => reports.remove(0).stats,
        other => {
            return Err(ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "unexpected_answer",
                format!("the engine answered {other:?} to a status query"),
            ))
        }
    };
    Ok(Data(StatsOut::new(id, s)))
}

async fn record(state: &ApiState, id: CampaignId) -> Result<CampaignRecord, ApiError> {
    Ok(state
        .reader
        .read(move |conn| CampaignRecord::get(conn, id))
        .await?)
}

async fn send(State(state): State<ApiState>, command: Command) -> Result<Data<Reply>, ApiError> {
    Ok(Data(state.engine.send(command).await?))
}

fn unexpected(reply: Reply) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "unexpected_reply",
        format!("the engine answered {reply:?} to a create"),
    )
}

/// `?limit=N`: how many of the latest changes.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// How many of the latest changes (default 100)
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

pub fn changes_doc() -> Operation {
    Operation::new(Tag::Campaigns, "Settings changes, oldest first, with who made each (the last 1000 at most; ?limit=N for fewer)")
        .describe("Every edit of the campaign's settings is kept setting by setting: when, who (`alice (command line)`, `the API`, `bob (console)`), the setting's key and label, and its value before and after. A running campaign's pace, size, calling hours, caps and caller IDs change under it; this is what its figures are read against.")
        .path_param::<i64>("id", ID)
        .query::<ChangesQuery>()
        .answers_list::<crate::store::settings_changes::SettingsChangeRow>()
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

/// How many changes a plain `GET .../changes` lists.
const DEFAULT_CHANGES: usize = 100;

/// The campaign's settings changes, oldest first, with who made each.
pub async fn changes(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    super::envelope::QueryArgs(query): super::envelope::QueryArgs<ChangesQuery>,
) -> Result<Data<Vec<crate::store::settings_changes::SettingsChangeRow>>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_CHANGES);
    if !(1..=crate::engine::MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit: {limit} is out of range; give 1 to {}",
            crate::engine::MAX_PAGE
        )));
    }
    let query = Query::SettingsChanges {
        campaign: CampaignId(id),
        limit,
    };
    match state.engine.query(query).await? {
        Answer::SettingsChanges(changes) => Ok(Data(changes)),
        other => Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_answer",
            format!("the engine answered {other:?} to a settings changes query"),
        )),
    }
}
