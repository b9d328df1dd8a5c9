//! Twirp bodies: binary protobuf or protojson in, the same format out. JSON requests accept
//! snake_case and camelCase names; JSON responses use snake_case names and include
//! default values, as livekit-server's twirp handlers write them.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use livekit_protocol as proto;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::twirp::{TwirpCode, TwirpError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Protobuf,
    Json,
}

impl Format {
    /// Picks the codec from `Content-Type`, ignoring parameters such as `charset`.
    pub fn from_content_type(content_type: Option<&str>, path: &str) -> Result<Self, TwirpError> {
        let raw = content_type.unwrap_or_default();
        let media = raw
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/protobuf" => Ok(Self::Protobuf),
            "application/json" => Ok(Self::Json),
            _ => Err(TwirpError::bad_route(
                format!("unexpected Content-Type: {raw:?}"),
                "POST",
                path,
            )),
        }
    }
}

pub fn decode<T>(format: Format, body: &[u8]) -> Result<T, TwirpError>
where
    T: prost::Message + Default + DeserializeOwned,
{
    match format {
        Format::Protobuf => T::decode(body).map_err(|_| {
            TwirpError::new(
                TwirpCode::Malformed,
                "the protobuf request could not be decoded",
            )
        }),
        Format::Json => serde_json::from_slice(body).map_err(|err| {
            TwirpError::new(
                TwirpCode::Malformed,
                format!("the json request could not be decoded: {err}"),
            )
        }),
    }
}

pub fn encode<T: ProtoJson + prost::Message>(format: Format, message: &T) -> Response {
    match format {
        Format::Protobuf => (
            [(header::CONTENT_TYPE, "application/protobuf")],
            message.encode_to_vec(),
        )
            .into_response(),
        Format::Json => (
            [(header::CONTENT_TYPE, "application/json")],
            message.proto_json().to_string(),
        )
            .into_response(),
    }
}

/// A response message as snake_case protojson with its default values.
pub trait ProtoJson {
    fn proto_json(&self) -> Value;
}

macro_rules! flat_messages {
    ($($message:ty),* $(,)?) => {$(
        impl ProtoJson for $message {
            fn proto_json(&self) -> Value {
                message_json(self)
            }
        }
    )*};
}

flat_messages!(
    proto::SipParticipantInfo,
    proto::ParticipantInfo,
    proto::Room,
    proto::AgentDispatch,
    proto::SipOutboundTrunkInfo,
    proto::SipTrunkInfo,
    proto::EgressInfo,
    proto::DeleteRoomResponse,
    proto::RemoveParticipantResponse,
);

macro_rules! list_messages {
    ($($message:ty => $field:ident),* $(,)?) => {$(
        impl ProtoJson for $message {
            fn proto_json(&self) -> Value {
                let items = self.$field.iter().map(ProtoJson::proto_json).collect();
                let mut object = Map::new();
                object.insert(stringify!($field).to_string(), Value::Array(items));
                Value::Object(object)
            }
        }
    )*};
}

list_messages!(
    proto::ListParticipantsResponse => participants,
    proto::ListRoomsResponse => rooms,
    proto::ListAgentDispatchResponse => agent_dispatches,
    proto::ListSipOutboundTrunkResponse => items,
);

/// Field names whose values are string maps: their keys (e.g. `sip.callID`) are data.
const MAP_FIELDS: &[&str] = &[
    "attributes",
    "participantAttributes",
    "headers",
    "headersToAttributes",
    "attributesToHeaders",
];

fn message_json<T: Serialize + Default + std::fmt::Debug>(message: &T) -> Value {
    let mut value = snake_case_keys(serde_json::to_value(message).unwrap_or(Value::Null));
    if let Value::Object(object) = &mut value {
        for (field, default) in default_fields::<T>() {
            object.entry(field).or_insert(default);
        }
    }
    value
}

/// pbjson leaves default values out; protojson with `EmitUnpopulated` writes them. The
/// `Debug` form of a default prost message names every field with its default value,
/// which is enough to fill them in: strings, numbers (64-bit ones as strings), bools,
/// lists, maps, unset messages (`null`) and enums (by the name of their zero value).
fn default_fields<T: Default + std::fmt::Debug>() -> Vec<(String, Value)> {
    let debug = format!("{:?}", T::default());
    let Some(body) = debug
        .split_once(" { ")
        .map(|(_, rest)| rest.trim_end_matches(" }"))
    else {
        return Vec::new();
    };
    body.split(", ")
        .filter_map(|pair| pair.split_once(": "))
        .map(|(name, value)| {
            let name = name.trim_start_matches("r#");
            let default = match value {
                "\"\"" => Value::String(String::new()),
                "false" => Value::Bool(false),
                "[]" => Value::Array(Vec::new()),
                "{}" => Value::Object(Map::new()),
                "None" => Value::Null,
                "0" if INT64_FIELDS.contains(&name) => Value::String("0".into()),
                "0" => Value::from(0),
                // An enum: its zero value's proto name, or the number if it is not listed.
                _ => zero_enum_name(name).map_or(Value::from(0), Value::from),
            };
            (name.to_string(), default)
        })
        .collect()
}

/// 64-bit integer fields of the response messages, which protojson writes as strings.
const INT64_FIELDS: &[&str] = &[
    "joined_at",
    "joined_at_ms",
    "creation_time",
    "creation_time_ms",
];

/// The proto name of the zero value of the enum fields in the response messages.
fn zero_enum_name(field: &str) -> Option<&'static str> {
    Some(match field {
        "state" => proto::participant_info::State::Joining.as_str_name(),
        "kind" => proto::participant_info::Kind::Standard.as_str_name(),
        "disconnect_reason" => proto::DisconnectReason::UnknownReason.as_str_name(),
        "restart_policy" => proto::JobRestartPolicy::JrpOnFailure.as_str_name(),
        "transport" => proto::SipTransport::Auto.as_str_name(),
        "include_headers" => proto::SipHeaderOptions::SipNoHeaders.as_str_name(),
        "media_encryption" => proto::SipMediaEncryption::SipMediaEncryptDisable.as_str_name(),
        _ => return None,
    })
}

fn snake_case_keys(value: Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(key, value)| {
                    let value = if MAP_FIELDS.contains(&key.as_str()) {
                        value
                    } else {
                        snake_case_keys(value)
                    };
                    (to_snake_case(&key), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(snake_case_keys).collect()),
        other => other,
    }
}

fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_requests_accept_both_spellings() {
        let snake: proto::ListParticipantsRequest =
            decode(Format::Json, br#"{"room":"r1"}"#).unwrap();
        assert_eq!(snake.room, "r1");
        let camel: proto::CreateSipParticipantRequest = decode(
            Format::Json,
            br#"{"sipTrunkId":"ST_a","sip_call_to":"+1555","waitUntilAnswered":true}"#,
        )
        .unwrap();
        assert_eq!(camel.sip_trunk_id, "ST_a");
        assert_eq!(camel.sip_call_to, "+1555");
        assert!(camel.wait_until_answered);
    }

    #[test]
    fn json_responses_are_snake_case_with_defaults() {
        let mut participant = proto::ParticipantInfo {
            identity: "sip_+1555".into(),
            joined_at_ms: 5,
            kind: proto::participant_info::Kind::Sip as i32,
            ..Default::default()
        };
        participant
            .attributes
            .insert("sip.callID".into(), "SCL_x".into());
        let json = proto::ListParticipantsResponse {
            participants: vec![participant],
        }
        .proto_json();
        let first = &json["participants"][0];
        assert_eq!(first["identity"], "sip_+1555");
        assert_eq!(first["joined_at_ms"], "5");
        assert_eq!(first["kind"], "SIP");
        assert_eq!(first["attributes"]["sip.callID"], "SCL_x");
        assert_eq!(first["sid"], "");
        assert_eq!(first["metadata"], "");
        assert_eq!(first["is_publisher"], false);
        assert_eq!(first["state"], "JOINING");
        assert_eq!(first["disconnect_reason"], "UNKNOWN_REASON");
        assert_eq!(first["joined_at"], "0");
        assert_eq!(first["version"], 0);
        assert_eq!(first["permission"], Value::Null);
        assert!(first.get("joinedAtMs").is_none());
        let trunk = proto::SipOutboundTrunkInfo::default().proto_json();
        assert_eq!(trunk["transport"], "SIP_TRANSPORT_AUTO");
        assert_eq!(trunk["media_encryption"], "SIP_MEDIA_ENCRYPT_DISABLE");
        let info = proto::SipParticipantInfo::default().proto_json();
        assert_eq!(info["sip_call_id"], "");
        assert_eq!(info["participant_id"], "");
    }

    #[test]
    fn content_types_pick_the_codec() {
        let path = "/twirp/livekit.RoomService/ListRooms";
        assert_eq!(
            Format::from_content_type(Some("application/json; charset=utf-8"), path).unwrap(),
            Format::Json
        );
        assert_eq!(
            Format::from_content_type(Some("application/protobuf"), path).unwrap(),
            Format::Protobuf
        );
        let err = Format::from_content_type(Some("text/plain"), path).unwrap_err();
        assert_eq!(err.code, TwirpCode::BadRoute);
        assert_eq!(err.msg, "unexpected Content-Type: \"text/plain\"");
    }
}
