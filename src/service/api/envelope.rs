//! Every answer in the envelope the clients of the systems Switchboard replaces expect:
//! `{"success": true, "data": ...}` or `{"success": false, "error": {"code", "message"}}`.
//! Bodies are read with `serde_path_to_error`, so a bad field is named in the 400.

use crate::engine::{EngineError, ImportFailure};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A success: `{"success": true, "data": data}`.
pub struct Data<T>(pub T);

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        axum::Json(Success::new(self.0)).into_response()
    }
}

/// A success that made something: `201 Created` with the same envelope.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(Success::new(self.0))).into_response()
    }
}

/// The body of every success. Here `data` is anything: each operation says what its
/// `data` is.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(bound = "")]
pub struct Success<T> {
    #[schema(inline)]
    success: Succeeded,
    #[schema(value_type = serde_json::Value)]
    data: T,
}

impl<T> Success<T> {
    fn new(data: T) -> Self {
        Success {
            success: Succeeded,
            data,
        }
    }
}

/// The body of every failure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Failure {
    #[schema(inline)]
    success: Failed,
    #[schema(inline)]
    error: Problem,
}

/// What went wrong: a stable code, words a person can act on, and the engine's error.
#[derive(Serialize, utoipa::ToSchema)]
struct Problem {
    #[schema(example = "bad_request")]
    code: &'static str,
    #[schema(example = "maxConcurrent: invalid type: \"five\", expected a whole number")]
    message: String,
    /// The engine's own error, for Switchboard clients
    detail: Option<EngineError>,
}

/// `"success": true`, the only value it has on a success.
struct Succeeded;

/// `"success": false`, the only value it has on a failure.
struct Failed;

impl Serialize for Succeeded {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }
}

impl Serialize for Failed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(false)
    }
}

fn only(value: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([value]))
        .into()
}

impl utoipa::PartialSchema for Succeeded {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        only(true)
    }
}

impl utoipa::ToSchema for Succeeded {}

impl utoipa::PartialSchema for Failed {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        only(false)
    }
}

impl utoipa::ToSchema for Failed {}

/// A failure with its HTTP status, a stable code and words a person can act on. An
/// engine error also carries itself (`detail`), so a Switchboard client gets it back.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub detail: Option<EngineError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

/// An optional field's text read with `parse`; a 400 that names `field` when it does
/// not read (`state: unknown lead state "x"`).
pub fn optional_field<T, E: std::fmt::Display>(
    field: &str,
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    text.map(parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        let (status, code) = match &err {
            EngineError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            EngineError::Refused(_) => (StatusCode::CONFLICT, "refused"),
            EngineError::Configuration { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "configuration")
            }
            EngineError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "store"),
            EngineError::Import { failure, .. } => match failure {
                ImportFailure::NoSuchCampaign => (StatusCode::NOT_FOUND, "not_found"),
                ImportFailure::BadFile => (StatusCode::BAD_REQUEST, "bad_csv"),
                ImportFailure::Store => (StatusCode::SERVICE_UNAVAILABLE, "store"),
            },
            EngineError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            EngineError::Stopped => (StatusCode::SERVICE_UNAVAILABLE, "stopped"),
        };
        Self {
            status,
            code,
            message: err.to_string(),
            detail: Some(err),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        EngineError::from(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Failure {
            success: Failed,
            error: Problem {
                code: self.code,
                message: self.message,
                detail: self.detail,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// A JSON body whose problems are named by field path: `maxConcurrent: invalid type:
/// string "five", expected u32`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!(
                        "the request body is larger than this endpoint's limit ({} KiB, {} MiB for leads/bulk); send leads in smaller batches or upload a CSV to /api/v1/campaigns/ID/leads/upload",
                        super::MAX_JSON_BODY / 1024,
                        super::leads::MAX_BULK_BODY / 1024 / 1024
                    ),
                );
            }
            ApiError::bad_request(format!("the request body could not be read: {e}"))
        })?;
        parse(&bytes).map(Body)
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." || path.is_empty() {
            format!("the body is not valid JSON for this request: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        ApiError::bad_request(message)
    })
}

/// Path parameters whose problems come back in the envelope, naming the parameter:
/// `Cannot parse `id` with value `abc` to a `i64``.
pub struct Param<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Param<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let problem = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(path) => return Ok(Param(path.0)),
            Err(rejection) => rejection.body_text(),
        };
        // A lone parameter's error does not say its name: say it.
        let names = match axum::extract::RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) => raw
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>(),
            Err(_) => Vec::new(),
        };
        Err(ApiError::bad_request(format!(
            "path parameter {}: {problem}",
            names.join(", ")
        )))
    }
}

/// A query string read like a body: an unknown or malformed parameter is a 400 that
/// names it.
pub struct QueryArgs<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryArgs<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryArgs(q.0))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}
