//! SIP final responses and how LiveKit turns them into Twirp errors (protocol 1.52:
//! `sipCodeToGRPCCode`, `SIPStatus.TwirpErrorMeta`, `ApplySIPStatus`).

use base64::Engine;
use prost::Message;

use super::twirp::{TwirpCode, TwirpError};

/// A final SIP response the simulated carrier or callee sent to the INVITE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipStatus {
    pub code: u16,
    pub reason: String,
}

impl SipStatus {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    /// The Twirp code protocol 1.52 assigns to this SIP status.
    pub fn twirp_code(&self) -> TwirpCode {
        use TwirpCode::*;
        match self.code {
            300 | 305 | 380 | 400 | 405 | 406 => InvalidArgument,
            301 | 302 | 404 | 410 | 481 | 604 => NotFound,
            401..=403 | 433 | 470 | 603 | 607 | 608 => PermissionDenied,
            407 | 428 | 436..=438 | 494 => Unauthenticated,
            408 | 504 => DeadlineExceeded,
            409 | 412 | 480 | 482 | 483 | 486 | 500..=503 => FailedPrecondition,
            416 => OutOfRange,
            440 | 600 => ResourceExhausted,
            487 | 491 => Aborted,
            100..=199 => Unknown,
            500..=599 => FailedPrecondition,
            _ => InvalidArgument,
        }
    }

    /// The Twirp error CreateSIPParticipant returns when the INVITE ends with this status.
    pub fn to_twirp_error(&self) -> TwirpError {
        let code = self.twirp_code();
        let prefix = match self.code {
            400 | 404 | 480 | 486 | 488 => "INVITE failed",
            _ => "unexpected status from INVITE response",
        };
        let msg = format!("{prefix}: sip status: {}: {}", self.code, self.reason);
        let details = self.error_details(code, &msg);
        TwirpError::new(code, msg)
            .with_meta("sip_status_code", self.code.to_string())
            .with_meta("sip_status", self.reason.clone())
            .with_meta("error_details", details)
    }

    /// base64(google.rpc.Status{code, message, details: [Any(livekit.SIPStatus)]}).
    fn error_details(&self, code: TwirpCode, msg: &str) -> String {
        let status = livekit_protocol::SipStatus {
            code: self.code as i32,
            status: self.reason.clone(),
        };
        let rpc_status = RpcStatus {
            code: code.grpc_number(),
            message: msg.to_string(),
            details: vec![ProtoAny {
                type_url: "type.googleapis.com/livekit.SIPStatus".into(),
                value: status.encode_to_vec(),
            }],
        };
        base64::engine::general_purpose::STANDARD.encode(rpc_status.encode_to_vec())
    }
}

/// `google.rpc.Status`, only to encode `error_details` the way LiveKit does.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
struct ProtoAny {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_matches_livekit_byte_for_byte() {
        let err = SipStatus::new(486, "Busy Here").to_twirp_error();
        assert_eq!(err.code, TwirpCode::FailedPrecondition);
        assert_eq!(err.msg, "INVITE failed: sip status: 486: Busy Here");
        assert_eq!(err.meta["sip_status_code"], "486");
        assert_eq!(err.meta["sip_status"], "Busy Here");
        // The bytes reference/livekit-protocol.md computed for the real server's busy error.
        assert_eq!(
            err.meta["error_details"],
            "CAkSKUlOVklURSBmYWlsZWQ6IHNpcCBzdGF0dXM6IDQ4NjogQnVzeSBIZXJlGjcKJXR5cGUuZ29vZ2xlYXBpcy5jb20vbGl2ZWtpdC5TSVBTdGF0dXMSDgjmAxIJQnVzeSBIZXJl"
        );
    }

    #[test]
    fn codes_follow_protocol_1_52() {
        let code = |sip| SipStatus::new(sip, "x").twirp_code();
        assert_eq!(code(603), TwirpCode::PermissionDenied);
        assert_eq!(code(404), TwirpCode::NotFound);
        assert_eq!(code(484), TwirpCode::InvalidArgument);
        assert_eq!(code(480), TwirpCode::FailedPrecondition);
        assert_eq!(code(408), TwirpCode::DeadlineExceeded);
        assert_eq!(code(487), TwirpCode::Aborted);
        assert_eq!(code(503), TwirpCode::FailedPrecondition);
        assert_eq!(code(600), TwirpCode::ResourceExhausted);
        assert_eq!(code(599), TwirpCode::FailedPrecondition);
        assert_eq!(code(699), TwirpCode::InvalidArgument);
        let decline = SipStatus::new(603, "Decline").to_twirp_error();
        assert_eq!(
            decline.msg,
            "unexpected status from INVITE response: sip status: 603: Decline"
        );
    }
}
