//! `/campaigns`: what each campaign is and how it is doing, and its lifecycle.

use super::envelope::{ApiError, Data};
use super::ApiState;
use crate::domain::CampaignId;
use crate::engine::{CampaignView, Command, Reply};
use crate::store::CampaignRecord;
use axum::extract::{Path, State};

pub async fn list(State(state): State<ApiState>) -> Data<Vec<CampaignView>> {
    Data(state.engine.snapshot().borrow().campaigns.clone())
}

pub async fn get_one(
    State(state): State<ApiState>,
    Path(id): Path<i64>,
) -> Result<Data<CampaignRecord>, ApiError> {
    let id = CampaignId(id);
    Ok(Data(
        state
            .store
            .read(move |conn| CampaignRecord::get(conn, id))
            .await?,
    ))
}

pub async fn start(state: State<ApiState>, Path(id): Path<i64>) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Start(CampaignId(id))).await
}

pub async fn pause(state: State<ApiState>, Path(id): Path<i64>) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Pause(CampaignId(id))).await
}

pub async fn resume(state: State<ApiState>, Path(id): Path<i64>) -> Result<Data<Reply>, ApiError> {
    send(state, Command::Resume(CampaignId(id))).await
}

/// Stops the campaign; calls in flight are left to finish.
pub async fn stop(state: State<ApiState>, Path(id): Path<i64>) -> Result<Data<Reply>, ApiError> {
    let command = Command::Stop {
        id: CampaignId(id),
        hang_up_live_calls: false,
    };
    send(state, command).await
}

async fn send(State(state): State<ApiState>, command: Command) -> Result<Data<Reply>, ApiError> {
    Ok(Data(state.engine.send(command).await?))
}
