//! What a failed `livekit-api` request tells us, reduced to the facts our decisions use.
//! `outcome_map.rs` turns these into a `DialFailure`; the other requests (dispatch,
//! hang-up, polling, trunks) turn them into a `TelephonyError` here.

use super::types::TelephonyError;
use livekit_api::services::{ServerError, ServiceError, SipCallError};

/// The Twirp codes we decide on, as LiveKit spells them on the wire.
pub mod code {
    pub const CANCELED: &str = "canceled";
    pub const UNKNOWN: &str = "unknown";
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    pub const DEADLINE_EXCEEDED: &str = "deadline_exceeded";
    pub const NOT_FOUND: &str = "not_found";
    pub const BAD_ROUTE: &str = "bad_route";
    pub const PERMISSION_DENIED: &str = "permission_denied";
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    pub const RESOURCE_EXHAUSTED: &str = "resource_exhausted";
    pub const FAILED_PRECONDITION: &str = "failed_precondition";
    pub const UNIMPLEMENTED: &str = "unimplemented";
    pub const INTERNAL: &str = "internal";
    pub const UNAVAILABLE: &str = "unavailable";
    /// Twirp spells it `data_loss`; livekit-api's constant says `dataloss`. Accept both.
    pub const DATA_LOSS: &str = "data_loss";
    pub const DATA_LOSS_CRATE: &str = "dataloss";
}

/// Where the credentials are set, for every message that blames them.
pub const CREDENTIALS_FIX: &str = "check LIVEKIT_API_KEY and LIVEKIT_API_SECRET (or api_key and api_secret under [livekit] in config.toml)";

/// A failed request, as facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// LiveKit answered with a Twirp error. `sip_status_code`/`sip_status` come from the
    /// error meta (read with `SipCallError::from_error`) and are present only when a SIP
    /// response caused the failure.
    Twirp {
        code: String,
        msg: String,
        sip_status_code: Option<i32>,
        sip_status: Option<String>,
    },
    /// No answer at all: connection refused or reset, DNS, TLS, or our request timeout.
    /// `reached_server` is false only when no connection was ever made (refused, DNS,
    /// TLS): then the request cannot have been acted on. A timeout or a connection lost
    /// mid-request may well have been.
    Transport {
        timed_out: bool,
        reached_server: bool,
        message: String,
    },
    /// An error answer that is not Twirp JSON. LiveKit's auth middleware answers a bad
    /// key or signature with a plain-text 401; an HTML page means the URL is not LiveKit.
    NotTwirp { message: String },
    /// A 200 whose body is not the expected protobuf: the URL is not a LiveKit server.
    BadResponse { message: String },
    /// The request could not even be built: a bad URL or a key that cannot sign tokens.
    Client { message: String },
}

impl ApiFailure {
    pub fn from_service_error(err: &ServiceError) -> Self {
        // The SIP status is read first and through the crate's own helper, so a SIP
        // failure is recognised whatever Twirp code this server version chose for it.
        if let Some(sip) = SipCallError::from_error(err) {
            let msg = match err {
                ServiceError::Twirp(ServerError::Twirp(twirp)) => twirp.msg.clone(),
                other => other.to_string(),
            };
            return ApiFailure::Twirp {
                code: sip.code().to_string(),
                msg,
                sip_status_code: sip.sip_status_code(),
                sip_status: sip.sip_status().map(str::to_string),
            };
        }
        match err {
            ServiceError::Twirp(ServerError::Twirp(twirp)) => ApiFailure::Twirp {
                code: twirp.code.clone(),
                msg: twirp.msg.clone(),
                sip_status_code: None,
                sip_status: None,
            },
            // `resp.json()` of a non-200 answer failed: the body was not Twirp JSON.
            ServiceError::Twirp(ServerError::Request(e)) if e.is_decode() && is_json_error(e) => {
                ApiFailure::NotTwirp {
                    message: e.to_string(),
                }
            }
            ServiceError::Twirp(ServerError::Request(e)) => ApiFailure::Transport {
                timed_out: e.is_timeout(),
                reached_server: !e.is_connect(),
                message: transport_message(e),
            },
            ServiceError::Twirp(ServerError::Prost(e)) => ApiFailure::BadResponse {
                message: e.to_string(),
            },
            ServiceError::Twirp(ServerError::Url(e)) => ApiFailure::Client {
                message: format!("bad LiveKit URL: {e}"),
            },
            ServiceError::AccessToken(e) => ApiFailure::Client {
                message: format!("cannot sign the API token: {e}"),
            },
            ServiceError::Env(e) => ApiFailure::Client {
                message: e.to_string(),
            },
        }
    }

    /// A request of our own (not through livekit-api) that got no answer.
    pub fn from_transport(err: &reqwest::Error) -> Self {
        ApiFailure::Transport {
            timed_out: err.is_timeout(),
            reached_server: !err.is_connect(),
            message: transport_message(err),
        }
    }

    /// The Twirp code, when LiveKit answered with one.
    pub fn twirp_code(&self) -> Option<&str> {
        match self {
            ApiFailure::Twirp { code, .. } => Some(code),
            _ => None,
        }
    }

    /// One line for logs and the operator: what LiveKit said, never a Debug dump.
    pub fn describe(&self) -> String {
        match self {
            ApiFailure::Twirp {
                code,
                msg,
                sip_status_code: Some(sip),
                sip_status,
                ..
            } => {
                format!(
                    "SIP {sip} {} ({code}: {msg})",
                    sip_status.as_deref().unwrap_or("")
                )
            }
            ApiFailure::Twirp { code, msg, .. } => format!("{code}: {msg}"),
            ApiFailure::Transport { message, .. }
            | ApiFailure::NotTwirp { message }
            | ApiFailure::BadResponse { message }
            | ApiFailure::Client { message } => message.clone(),
        }
    }

    /// For requests other than the dial: whose problem is it?
    pub fn into_telephony_error(self) -> TelephonyError {
        match &self {
            ApiFailure::Twirp {
                code,
                msg,
                sip_status_code: None,
                ..
            } => match code.as_str() {
                code::UNAUTHENTICATED | code::PERMISSION_DENIED => {
                    bad_credentials(&self.describe())
                }
                code::BAD_ROUTE => not_livekit(&self.describe()),
                code::INTERNAL
                | code::UNAVAILABLE
                | code::UNKNOWN
                | code::RESOURCE_EXHAUSTED
                | code::DEADLINE_EXCEEDED
                | code::DATA_LOSS
                | code::DATA_LOSS_CRATE => TelephonyError::Unavailable(self.describe()),
                _ => TelephonyError::Rejected {
                    code: code.clone(),
                    message: msg.clone(),
                },
            },
            ApiFailure::Twirp { code, .. } => TelephonyError::Rejected {
                code: code.clone(),
                message: self.describe(),
            },
            ApiFailure::Transport { .. } => TelephonyError::Unavailable(self.describe()),
            ApiFailure::NotTwirp { .. } => TelephonyError::Configuration {
                problem: not_twirp_problem(),
                fix: CREDENTIALS_FIX.to_string(),
            },
            ApiFailure::BadResponse { message } => not_livekit(message),
            ApiFailure::Client { message } => TelephonyError::Configuration {
                problem: message.clone(),
                fix: format!("check LIVEKIT_URL; {CREDENTIALS_FIX}"),
            },
        }
    }
}

/// What a non-Twirp error answer means. reqwest's own text ("error decoding response
/// body") would tell the operator nothing.
pub fn not_twirp_problem() -> String {
    "LiveKit refused the request with a plain-text error instead of a Twirp one, as it does for a wrong API key or secret (or LIVEKIT_URL is not a LiveKit server)".to_string()
}

pub fn bad_credentials(detail: &str) -> TelephonyError {
    TelephonyError::Configuration {
        problem: format!("LiveKit did not accept the API key and secret: {detail}"),
        fix: CREDENTIALS_FIX.to_string(),
    }
}

fn not_livekit(detail: &str) -> TelephonyError {
    TelephonyError::Configuration {
        problem: format!("the server at LIVEKIT_URL does not answer like LiveKit: {detail}"),
        fix: "check LIVEKIT_URL (or url under [livekit] in config.toml)".to_string(),
    }
}

/// reqwest calls both a body that is not JSON and a body cut off mid-read "decode"
/// errors; only the first names a JSON problem. The second is a connection lost while
/// the answer arrived, which says nothing about the credentials.
fn is_json_error(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if cause.is::<serde_json::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// reqwest's Display hides the cause ("error sending request"); the operator needs it
/// ("connection refused"), so the source chain is appended.
fn transport_message(err: &reqwest::Error) -> String {
    let mut message = if err.is_timeout() {
        "no answer within the request timeout".to_string()
    } else {
        err.to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use livekit_api::services::ServerErrorCode;
    use std::collections::HashMap;

    fn twirp(code: &str, msg: &str, meta: &[(&str, &str)]) -> ServiceError {
        ServiceError::Twirp(ServerError::Twirp(ServerErrorCode {
            code: code.into(),
            msg: msg.into(),
            meta: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        }))
    }

    #[test]
    fn sip_meta_is_read_into_the_facts() {
        let err = twirp(
            "failed_precondition",
            "INVITE failed: sip status: 486: Busy Here",
            &[
                ("sip_status_code", "486"),
                ("sip_status", "Busy Here"),
                ("error_details", "CAkS"),
            ],
        );
        assert_eq!(
            ApiFailure::from_service_error(&err),
            ApiFailure::Twirp {
                code: "failed_precondition".into(),
                msg: "INVITE failed: sip status: 486: Busy Here".into(),
                sip_status_code: Some(486),
                sip_status: Some("Busy Here".into()),
            }
        );
    }

    #[test]
    fn a_twirp_error_without_meta_has_no_sip_status() {
        let err = twirp("not_found", "requested sip trunk does not exist", &[]);
        let facts = ApiFailure::from_service_error(&err);
        assert_eq!(facts.twirp_code(), Some("not_found"));
        assert!(matches!(
            facts,
            ApiFailure::Twirp {
                sip_status_code: None,
                ..
            }
        ));
    }

    #[test]
    fn other_requests_split_into_credentials_outage_and_rejection() {
        let of = |code: &str| {
            ApiFailure::from_service_error(&twirp(code, "m", &[])).into_telephony_error()
        };
        assert!(
            matches!(of("unauthenticated"), TelephonyError::Configuration { fix, .. } if fix.contains("LIVEKIT_API_SECRET"))
        );
        assert!(matches!(of("unavailable"), TelephonyError::Unavailable(_)));
        assert!(matches!(
            of("resource_exhausted"),
            TelephonyError::Unavailable(_)
        ));
        assert!(matches!(of("internal"), TelephonyError::Unavailable(_)));
        assert!(matches!(of("dataloss"), TelephonyError::Unavailable(_)));
        assert_eq!(
            of("invalid_argument"),
            TelephonyError::Rejected {
                code: "invalid_argument".into(),
                message: "m".into()
            }
        );
        let not_twirp = ApiFailure::NotTwirp {
            message: "error decoding response body".into(),
        };
        assert!(
            matches!(not_twirp.into_telephony_error(), TelephonyError::Configuration { problem, .. } if problem.contains("plain-text"))
        );
        let refused = ApiFailure::Transport {
            timed_out: false,
            reached_server: false,
            message: "connection refused".into(),
        };
        assert_eq!(
            refused.into_telephony_error(),
            TelephonyError::Unavailable("connection refused".into())
        );
    }
}
