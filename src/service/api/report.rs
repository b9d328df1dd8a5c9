//! `GET /campaigns/{id}/report[?format=html|json]`: the campaign report
//! (`src/report`), as the one self-contained HTML page `switchboard report` writes, or
//! its figures as JSON in the envelope.

use super::envelope::{ApiError, Data, Param, QueryArgs};
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::report::{self, ReportOptions};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, ResponseBuilder};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Html,
    Json,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportQuery {
    #[param(inline, default = "html")]
    pub format: Option<ReportFormat>,
}

pub fn report_doc() -> Operation {
    Operation::new(Tag::Calls, "The campaign report, as `switchboard report` writes it")
        .describe("One self-contained HTML page (inline CSS and SVG charts, nothing fetched): the campaign's settings, totals (the figures of /stats), calls per hour, answer rate over time, by hour of the callee's day, by area code and by caller ID with 95% intervals, the A/B variants with their significance test, ring, talk and agent-join distributions, dispositions and do-not-call requests. format=json gives the same figures as data in the envelope.")
        .path_param::<i64>("id", "The campaign's id")
        .query::<ReportQuery>()
        .responds(
            200,
            ResponseBuilder::new()
                .description("The report")
                .content(
                    "text/html",
                    Content::new(Some(ObjectBuilder::new().schema_type(Type::String))),
                )
                .content("application/json", Content::new(Some(ObjectBuilder::new())))
                .build(),
        )
        .bad_input()
        .unknown("Unknown id")
        .busy()
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
