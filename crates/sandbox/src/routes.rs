//! The HTTP face of the sandbox: `POST /twirp/livekit.<Service>/<Method>`, in the order
//! livekit-server handles a request: injected faults (they stand for the infrastructure in
//! front of the server), the API-key middleware, twirp routing and codec, the service.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::time::Instant;

use super::auth::Grants;
use super::codec::{self, Format, ProtoJson};
use super::state::SandboxState;
use super::twirp::TwirpError;
use super::{dispatch_service, egress_service, room_service, sip_service};

const PREFIX: &str = "/twirp/livekit.";

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    state.stats.request();
    if path == "/twirp/livekit.SIP/CreateSIPParticipant" {
        state.stats.dial_request();
    }

    let fault = state.faults.decide(Instant::now());
    if !fault.delay.is_zero() {
        tokio::time::sleep(fault.delay).await;
    }
    if let Some(error) = fault.error {
        state.stats.fault_injected();
        return error.into_response();
    }

    let claims = match state.auth.authenticate(&headers, uri.query()) {
        Ok(claims) => claims,
        Err(rejection) => return rejection.into_response(),
    };
    let grants = Grants(claims.as_ref());

    if method != Method::POST {
        return TwirpError::bad_route(
            format!(
                "unsupported method {:?} (only POST is allowed)",
                method.as_str()
            ),
            method.as_str(),
            path,
        )
        .into_response();
    }
    let Some((service, rpc)) = path
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('/'))
    else {
        return no_handler(path);
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = match Format::from_content_type(content_type, path) {
        Ok(format) => format,
        Err(error) => return error.into_response(),
    };

    let state = &state;
    let body = &body[..];
    match (service, rpc) {
        ("SIP", "CreateSIPParticipant") => match codec::decode(format, body) {
            Ok(req) if fault.drop_dial_response => dropped_dial(state, grants, req).await,
            Ok(req) => reply(
                format,
                sip_service::create_sip_participant(state, grants, req).await,
            ),
            Err(error) => error.into_response(),
        },
        ("SIP", "ListSIPOutboundTrunk") => serve(format, body, |req| {
            sip_service::list_sip_outbound_trunk(state, grants, req)
        }),
        ("SIP", "CreateSIPOutboundTrunk") => serve(format, body, |req| {
            sip_service::create_sip_outbound_trunk(state, grants, req)
        }),
        ("SIP", "DeleteSIPTrunk") => serve(format, body, |req| {
            sip_service::delete_sip_trunk(state, grants, req)
        }),
        ("Egress", "StartRoomCompositeEgress") => serve(format, body, |req| {
            egress_service::start_room_composite_egress(state, grants, req)
        }),
        ("RoomService", "ListParticipants") => serve(format, body, |req| {
            room_service::list_participants(state, grants, req)
        }),
        ("RoomService", "GetParticipant") => serve(format, body, |req| {
            room_service::get_participant(state, grants, req)
        }),
        ("RoomService", "RemoveParticipant") => serve(format, body, |req| {
            room_service::remove_participant(state, grants, req)
        }),
        ("RoomService", "DeleteRoom") => serve(format, body, |req| {
            room_service::delete_room(state, grants, req)
        }),
        ("RoomService", "ListRooms") => serve(format, body, |req| {
            room_service::list_rooms(state, grants, req)
        }),
        ("RoomService", "UpdateRoomMetadata") => serve(format, body, |req| {
            room_service::update_room_metadata(state, grants, req)
        }),
        ("AgentDispatchService", "CreateDispatch") => serve(format, body, |req| {
            dispatch_service::create_dispatch(state, grants, req)
        }),
        ("AgentDispatchService", "ListDispatch") => serve(format, body, |req| {
            dispatch_service::list_dispatch(state, grants, req)
        }),
        ("AgentDispatchService", "DeleteDispatch") => serve(format, body, |req| {
            dispatch_service::delete_dispatch(state, grants, req)
        }),
        _ => no_handler(path),
    }
}

/// Places the call as asked (it rings and goes on whatever the client does), then cuts
/// the connection before any answer: a 200 whose body fails makes the server abort it.
async fn dropped_dial(
    state: &Arc<SandboxState>,
    grants: Grants<'_>,
    mut req: livekit_protocol::CreateSipParticipantRequest,
) -> Response {
    req.wait_until_answered = false;
    if let Err(error) = sip_service::create_sip_participant(state, grants, req).await {
        return error.into_response();
    }
    state.stats.fault_injected();
    let cut = futures::stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection cut after the dial was accepted",
        ))
    });
    Response::new(axum::body::Body::from_stream(cut))
}

/// Decodes the request, runs a synchronous method and encodes its reply.
fn serve<Req, Resp>(
    format: Format,
    body: &[u8],
    method: impl FnOnce(Req) -> Result<Resp, TwirpError>,
) -> Response
where
    Req: prost::Message + Default + serde::de::DeserializeOwned,
    Resp: prost::Message + ProtoJson,
{
    match codec::decode(format, body) {
        Ok(req) => reply(format, method(req)),
        Err(error) => error.into_response(),
    }
}

fn reply<Resp: prost::Message + ProtoJson>(
    format: Format,
    result: Result<Resp, TwirpError>,
) -> Response {
    match result {
        Ok(message) => codec::encode(format, &message),
        Err(error) => error.into_response(),
    }
}

fn no_handler(path: &str) -> Response {
    TwirpError::bad_route(format!("no handler for path {path:?}"), "POST", path).into_response()
}
