//! Twirp errors exactly as a LiveKit server writes them: `{"code","msg","meta"}` JSON with
//! the HTTP status twirp v8 assigns to each code (see reference/livekit-protocol.md §1.4).

use std::collections::BTreeMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The Twirp error codes, spelled as twirp spells them on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwirpCode {
    Canceled,
    Unknown,
    InvalidArgument,
    Malformed,
    DeadlineExceeded,
    NotFound,
    BadRoute,
    AlreadyExists,
    PermissionDenied,
    Unauthenticated,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
}

impl TwirpCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Canceled => "canceled",
            Self::Unknown => "unknown",
            Self::InvalidArgument => "invalid_argument",
            Self::Malformed => "malformed",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::NotFound => "not_found",
            Self::BadRoute => "bad_route",
            Self::AlreadyExists => "already_exists",
            Self::PermissionDenied => "permission_denied",
            Self::Unauthenticated => "unauthenticated",
            Self::ResourceExhausted => "resource_exhausted",
            Self::FailedPrecondition => "failed_precondition",
            Self::Aborted => "aborted",
            Self::OutOfRange => "out_of_range",
            Self::Unimplemented => "unimplemented",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::DataLoss => "data_loss",
        }
    }

    /// twirp v8.1.3 `ServerHTTPStatusFromErrorCode`.
    pub fn http_status(self) -> StatusCode {
        match self {
            Self::Canceled | Self::DeadlineExceeded => StatusCode::REQUEST_TIMEOUT,
            Self::Unknown | Self::Internal | Self::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidArgument | Self::Malformed | Self::OutOfRange => StatusCode::BAD_REQUEST,
            Self::NotFound | Self::BadRoute => StatusCode::NOT_FOUND,
            Self::AlreadyExists | Self::Aborted => StatusCode::CONFLICT,
            Self::PermissionDenied => StatusCode::FORBIDDEN,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Self::FailedPrecondition => StatusCode::PRECONDITION_FAILED,
            Self::Unimplemented => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The gRPC status number of the same name, used inside `error_details`.
    pub fn grpc_number(self) -> i32 {
        match self {
            Self::Canceled => 1,
            Self::Unknown => 2,
            Self::InvalidArgument | Self::Malformed => 3,
            Self::DeadlineExceeded => 4,
            Self::NotFound | Self::BadRoute => 5,
            Self::AlreadyExists => 6,
            Self::PermissionDenied => 7,
            Self::ResourceExhausted => 8,
            Self::FailedPrecondition => 9,
            Self::Aborted => 10,
            Self::OutOfRange => 11,
            Self::Unimplemented => 12,
            Self::Internal => 13,
            Self::Unavailable => 14,
            Self::DataLoss => 15,
            Self::Unauthenticated => 16,
        }
    }
}

/// One Twirp error response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwirpError {
    pub code: TwirpCode,
    pub msg: String,
    pub meta: BTreeMap<String, String>,
}

impl TwirpError {
    pub fn new(code: TwirpCode, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
            meta: BTreeMap::new(),
        }
    }

    pub fn with_meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.meta.insert(key.to_string(), value.into());
        self
    }

    /// What a service's permission check answers (`twirpAuthError` in livekit-server).
    pub fn permissions_denied() -> Self {
        Self::new(TwirpCode::Unauthenticated, "permissions denied")
    }

    pub fn invalid_argument(msg: impl Into<String>) -> Self {
        Self::new(TwirpCode::InvalidArgument, msg)
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(TwirpCode::NotFound, msg)
    }

    /// `bad_route` carries the offending route in its meta, as twirp does.
    pub fn bad_route(msg: impl Into<String>, method: &str, path: &str) -> Self {
        Self::new(TwirpCode::BadRoute, msg)
            .with_meta("twirp_invalid_route", format!("{method} {path}"))
    }

    /// The JSON body; `meta` is left out when empty, like twirp's `omitempty`.
    pub fn to_json(&self) -> String {
        let mut body = serde_json::Map::new();
        body.insert("code".into(), self.code.as_str().into());
        body.insert("msg".into(), self.msg.clone().into());
        if !self.meta.is_empty() {
            let meta = self
                .meta
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            body.insert("meta".into(), serde_json::Value::Object(meta));
        }
        serde_json::Value::Object(body).to_string()
    }
}

impl std::fmt::Display for TwirpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.msg)
    }
}

impl IntoResponse for TwirpError {
    fn into_response(self) -> Response {
        (
            self.code.http_status(),
            [(header::CONTENT_TYPE, "application/json")],
            self.to_json(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_twirp_table() {
        assert_eq!(TwirpCode::Canceled.http_status(), 408);
        assert_eq!(TwirpCode::ResourceExhausted.http_status(), 429);
        assert_eq!(TwirpCode::FailedPrecondition.http_status(), 412);
        assert_eq!(TwirpCode::BadRoute.http_status(), 404);
        assert_eq!(TwirpCode::Unavailable.http_status(), 503);
        assert_eq!(TwirpCode::DataLoss.as_str(), "data_loss");
    }

    #[test]
    fn empty_meta_is_omitted_and_values_are_strings() {
        let plain = TwirpError::permissions_denied();
        assert_eq!(
            plain.to_json(),
            r#"{"code":"unauthenticated","msg":"permissions denied"}"#
        );
        let with_meta =
            TwirpError::new(TwirpCode::FailedPrecondition, "x").with_meta("sip_status_code", "486");
        let parsed: serde_json::Value = serde_json::from_str(&with_meta.to_json()).unwrap();
        assert_eq!(parsed["meta"]["sip_status_code"], "486");
    }
}
