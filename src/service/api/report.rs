//! `GET /campaigns/{id}/report[?format=html|json]`: the campaign report
//! (`src/report`), as the one self-contained HTML page `switchboard report` writes, or
//! its figures as JSON in the envelope.

use super::envelope::{ApiError, Data, Param, QueryArgs};
use super::ApiState;
use crate::domain::CampaignId;
use crate::report::{self, ReportOptions};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Html,
    Json,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportQuery {
    pub format: Option<ReportFormat>,
}

pub async fn report(
    axum::extract::State(state): axum::extract::State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(query): QueryArgs<ReportQuery>,
) -> Result<Response, ApiError> {
    let options = ReportOptions {
        now: chrono::Utc::now(),
        opt_out: state.opt_out.clone(),
    };
    let data = state
        .reader
        .read(move |conn| report::build(conn, CampaignId(id), &options))
        .await?;
    Ok(match query.format.unwrap_or_default() {
        ReportFormat::Json => Data(data).into_response(),
        ReportFormat::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            report::html::render(&data),
        )
            .into_response(),
    })
}
