//! Creating and deleting outbound SIP trunks (`CreateSIPOutboundTrunk`, `DeleteSIPTrunk`)
//! for `switchboard trunks create|delete`. The engine never does this; only the operator.

use super::api_error::ApiFailure;
use super::livekit::LiveKitTelephony;
use super::types::{TelephonyError, TrunkInfo};
use crate::secret::Secret;
use livekit_api::services::sip::CreateSIPOutboundTrunkOptions;
use livekit_protocol as proto;
use std::fmt;
use std::str::FromStr;

/// How LiveKit reaches the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrunkTransport {
    /// LiveKit's default (UDP unless the address says otherwise).
    #[default]
    Auto,
    Udp,
    Tcp,
    Tls,
}

impl FromStr for TrunkTransport {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "udp" => Ok(Self::Udp),
            "tcp" => Ok(Self::Tcp),
            "tls" => Ok(Self::Tls),
            other => Err(format!(
                "unknown transport `{other}` (expected udp, tcp or tls)"
            )),
        }
    }
}

impl TrunkTransport {
    fn to_proto(self) -> proto::SipTransport {
        match self {
            Self::Auto => proto::SipTransport::Auto,
            Self::Udp => proto::SipTransport::Udp,
            Self::Tcp => proto::SipTransport::Tcp,
            Self::Tls => proto::SipTransport::Tls,
        }
    }
}

/// Digest credentials LiveKit answers the carrier's challenge with.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkAuth {
    pub username: String,
    pub password: Secret,
}

impl fmt::Debug for TrunkAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrunkAuth")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// An outbound trunk to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrunk {
    pub name: String,
    /// The carrier's SIP host, without `sip:`.
    pub address: String,
    /// E.164 caller ids the trunk may present.
    pub numbers: Vec<String>,
    pub auth: Option<TrunkAuth>,
    pub transport: TrunkTransport,
}

impl LiveKitTelephony {
    /// Creates the trunk and returns it as LiveKit stored it (with its new `ST_` id).
    pub async fn create_trunk(&self, trunk: &NewTrunk) -> Result<TrunkInfo, TelephonyError> {
        let (auth_username, auth_password) = match &trunk.auth {
            Some(auth) => (auth.username.clone(), auth.password.expose().to_string()),
            None => (String::new(), String::new()),
        };
        let options = CreateSIPOutboundTrunkOptions {
            transport: trunk.transport.to_proto(),
            auth_username,
            auth_password,
            ..Default::default()
        };
        let created = self
            .api()
            .sip()
            .create_sip_outbound_trunk(
                trunk.name.clone(),
                trunk.address.clone(),
                trunk.numbers.clone(),
                options,
            )
            .await
            .map_err(|e| ApiFailure::from_service_error(&e).into_telephony_error())?;
        Ok(TrunkInfo {
            id: created.sip_trunk_id,
            name: created.name,
            address: created.address,
            numbers: created.numbers,
        })
    }

    /// Deletes the trunk; an unknown id says how to find the right one.
    pub async fn delete_trunk(&self, id: &str) -> Result<(), TelephonyError> {
        match self.api().sip().delete_sip_trunk(id).await {
            Ok(_) => Ok(()),
            Err(err) => match ApiFailure::from_service_error(&err) {
                ApiFailure::Twirp { code, .. } if code == super::api_error::code::NOT_FOUND => {
                    Err(TelephonyError::Configuration {
                        problem: format!("trunk {id} does not exist on this LiveKit project"),
                        fix: "list trunks with `switchboard trunks`".into(),
                    })
                }
                other => Err(other.into_telephony_error()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_parse_and_bad_ones_say_the_choices() {
        assert_eq!("TLS".parse::<TrunkTransport>(), Ok(TrunkTransport::Tls));
        let err = "sctp".parse::<TrunkTransport>().unwrap_err();
        assert!(err.contains("udp, tcp or tls"), "{err}");
    }

    #[test]
    fn debug_of_a_new_trunk_hides_the_password() {
        let trunk = NewTrunk {
            name: "n".into(),
            address: "sip.example.com".into(),
            numbers: vec!["+15550001000".into()],
            auth: Some(TrunkAuth {
                username: "user".into(),
                password: Secret::new("hunter2"),
            }),
            transport: TrunkTransport::Auto,
        };
        let shown = format!("{trunk:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("user"),
            "{shown}"
        );
    }
}
