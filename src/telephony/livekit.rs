//! `Telephony` on the `livekit-api` crate: the same code talks to LiveKit Cloud, a
//! self-hosted server or the embedded sandbox.

use super::api_error::ApiFailure;
use super::attributes::{self, call_attributes};
use super::outcome_map::dial_failure;
use super::trunk_pages::TrunkPages;
use super::types::{
    AgentReport, DialFailure, DialRequest, Dialed, DispatchRequest, LiveCall, LiveCallStatus,
    RoomParticipants, RoomSummary, TelephonyError, TrunkInfo,
};
use super::Telephony;
use chrono::Utc;
use livekit_api::services::room::RoomClient;
use livekit_api::services::sip::CreateSIPParticipantOptions;
use livekit_api::services::{LiveKitApi, ServiceError};
use livekit_protocol as proto;
use livekit_protocol::participant_info::Kind as ParticipantKind;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the client talks to LiveKit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveKitOptions {
    /// How long one request may take before LiveKit counts as unreachable. A dial that
    /// waits for the answer gets at least the ringing timeout plus 2 s on top
    /// (livekit-api's rule), so ringing never trips it.
    pub request_timeout: Duration,
}

impl Default for LiveKitOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// The LiveKit server API, one HTTP connection pool for all services.
pub struct LiveKitTelephony {
    api: LiveKitApi,
    /// Lists trunks page by page (livekit-api reads only the first page).
    trunk_pages: TrunkPages,
    url: String,
    api_key: String,
    options: LiveKitOptions,
    /// Told of every request (`/metrics`), when set.
    observer: Option<RequestObserver>,
}

/// Told of every request to LiveKit: its method (`CreateSIPParticipant`), its result
/// ([`request_result`]) and how long it took.
pub type RequestObserver = Arc<dyn Fn(&'static str, &'static str, Duration) + Send + Sync>;

/// A request's result in a word from a fixed set: `ok`, LiveKit's Twirp error code
/// (`not_found`, `unavailable`, ...), `timeout`, `unreachable` or `bad_answer` (not
/// Twirp, not protobuf, or the request could not be built).
pub(crate) fn request_result(failure: &ApiFailure) -> &'static str {
    match failure {
        ApiFailure::Twirp { code, .. } => twirp_code(code),
        ApiFailure::Transport {
            timed_out: true, ..
        } => "timeout",
        ApiFailure::Transport { .. } => "unreachable",
        ApiFailure::NotTwirp { .. }
        | ApiFailure::BadResponse { .. }
        | ApiFailure::Client { .. } => "bad_answer",
    }
}

/// A Twirp error code from the fixed set Twirp defines, else `other_twirp_error`.
fn twirp_code(c: &str) -> &'static str {
    use super::api_error::code;
    [
        code::CANCELED,
        code::UNKNOWN,
        code::INVALID_ARGUMENT,
        code::DEADLINE_EXCEEDED,
        code::NOT_FOUND,
        code::BAD_ROUTE,
        code::PERMISSION_DENIED,
        code::UNAUTHENTICATED,
        code::RESOURCE_EXHAUSTED,
        code::FAILED_PRECONDITION,
        code::UNIMPLEMENTED,
        code::INTERNAL,
        code::UNAVAILABLE,
        code::DATA_LOSS,
        "already_exists",
        "aborted",
        "out_of_range",
        "malformed",
    ]
    .into_iter()
    .find(|known| c == *known)
    .unwrap_or("other_twirp_error")
}

// The secret lives only inside `api`, which never prints it; this keeps it that way
// even if `LiveKitApi`'s Debug changes.
impl fmt::Debug for LiveKitTelephony {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveKitTelephony")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"***")
            .field("options", &self.options)
            .finish()
    }
}

impl LiveKitTelephony {
    /// `url` is `wss://…`, `https://…` or `http://127.0.0.1:port`; the secret signs a
    /// short-lived token per request and is kept nowhere else (but for the trunk pager's
    /// own requests, which sign the same way).
    pub fn new(url: &str, api_key: &str, api_secret: &str, options: LiveKitOptions) -> Self {
        // Region failover retries a request in another region after a timeout or a 5xx.
        // For CreateSIPParticipant that could ring the callee twice (the first region may
        // have placed the call); the engine backs off and retries itself, knowingly.
        let api = LiveKitApi::with_api_key(url, api_key, api_secret)
            .with_failover(false)
            .with_request_timeout(options.request_timeout);
        let trunk_pages = TrunkPages::new(url, api_key, api_secret, options.request_timeout);
        Self {
            api,
            trunk_pages,
            url: url.to_string(),
            api_key: api_key.to_string(),
            options,
            observer: None,
        }
    }

    /// Tells `observer` of every request from now on (the host's metrics).
    pub fn observe_requests(mut self, observer: RequestObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Runs one request to LiveKit, timing it for the observer: the one place
    /// requests are measured, whatever calls them.
    async fn measured<T, E>(
        &self,
        method: &'static str,
        classify: impl FnOnce(&E) -> &'static str,
        request: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let Some(observe) = &self.observer else {
            return request.await;
        };
        let started = Instant::now();
        let result = request.await;
        let outcome = result.as_ref().map_or_else(classify, |_| "ok");
        observe(method, outcome, started.elapsed());
        result
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Smaller trunk pages, so a test sees several of them.
    pub fn with_trunk_page_size(mut self, page_size: i32) -> Self {
        self.trunk_pages = self.trunk_pages.with_page_size(page_size);
        self
    }

    pub(crate) fn api(&self) -> &LiveKitApi {
        &self.api
    }

    fn room(&self) -> &RoomClient {
        self.api.room()
    }

    fn dial_options(&self, request: &DialRequest) -> CreateSIPParticipantOptions {
        // The ids always go along, whatever else the engine put in the attributes:
        // webhooks and polls are matched back by them.
        let mut participant_attributes = request.participant_attributes.clone();
        participant_attributes.extend(call_attributes(
            request.campaign,
            request.lead,
            request.attempt,
        ));
        CreateSIPParticipantOptions {
            participant_identity: request.participant_identity.clone(),
            participant_name: Some(request.participant_name.clone()),
            participant_metadata: Some(request.participant_metadata.clone()),
            participant_attributes: Some(participant_attributes),
            // The caller ID must be sent: without it LiveKit picks a random trunk number.
            sip_number: request.caller_id.clone().filter(|n| !n.is_empty()),
            dtmf: request.dtmf.clone().filter(|d| !d.is_empty()),
            wait_until_answered: Some(request.wait_until_answered),
            ringing_timeout: Some(request.ringing_timeout),
            max_call_duration: Some(request.max_call_duration),
            enable_krisp: Some(request.krisp),
            timeout: Some(self.options.request_timeout),
            ..Default::default()
        }
    }
}

fn failure(err: &ServiceError) -> ApiFailure {
    ApiFailure::from_service_error(err)
}

fn service_result(err: &ServiceError) -> &'static str {
    request_result(&failure(err))
}

/// For requests whose failure is already a `TelephonyError` (the recording's).
fn telephony_result(err: &TelephonyError) -> &'static str {
    match err {
        TelephonyError::Rejected { code, .. } => twirp_code(code),
        TelephonyError::Unavailable(_) => "unreachable",
        TelephonyError::Configuration { .. } => "bad_answer",
    }
}

fn telephony_error(err: &ServiceError) -> TelephonyError {
    failure(err).into_telephony_error()
}

impl Telephony for LiveKitTelephony {
    async fn dial(&self, request: &DialRequest) -> Result<Dialed, DialFailure> {
        tracing::debug!(
            room = %request.room,
            trunk = %request.trunk_id,
            attempt = request.attempt.0,
            wait_until_answered = request.wait_until_answered,
            "CreateSIPParticipant"
        );
        let result = self
            .measured(
                "CreateSIPParticipant",
                service_result,
                self.api.sip().create_sip_participant(
                    request.trunk_id.clone(),
                    request.phone.clone(),
                    request.room.clone(),
                    self.dial_options(request),
                    None,
                ),
            )
            .await;
        match result {
            Ok(info) => Ok(Dialed {
                participant_sid: info.participant_id,
                participant_identity: info.participant_identity,
                room: if info.room_name.is_empty() {
                    request.room.clone()
                } else {
                    info.room_name
                },
                sip_call_id: info.sip_call_id,
                at: Utc::now(),
            }),
            Err(err) => {
                let facts = failure(&err);
                let mapped = dial_failure(&facts, &request.trunk_id);
                tracing::info!(room = %request.room, livekit = %facts.describe(), "dial failed: {mapped}");
                Err(mapped)
            }
        }
    }

    async fn dispatch_agent(&self, request: &DispatchRequest) -> Result<String, TelephonyError> {
        let dispatch = self
            .measured(
                "CreateDispatch",
                service_result,
                self.api
                    .agent_dispatch()
                    .create_dispatch(proto::CreateAgentDispatchRequest {
                        agent_name: request.agent_name.clone(),
                        room: request.room.clone(),
                        metadata: request.metadata.clone(),
                        ..Default::default()
                    }),
            )
            .await
            .map_err(|e| telephony_error(&e))?;
        Ok(dispatch.id)
    }

    async fn hang_up(&self, room: &str) -> Result<(), TelephonyError> {
        let deleted = self
            .measured("DeleteRoom", service_result, self.room().delete_room(room))
            .await;
        match deleted {
            Ok(()) => Ok(()),
            Err(err) => match failure(&err) {
                // Already gone: the call is over either way.
                ApiFailure::Twirp { code, .. } if code == super::api_error::code::NOT_FOUND => {
                    Ok(())
                }
                other => Err(other.into_telephony_error()),
            },
        }
    }

    async fn live_call(&self, room: &str) -> Result<Option<LiveCall>, TelephonyError> {
        let participants = self
            .measured(
                "ListParticipants",
                service_result,
                self.room().list_participants(room),
            )
            .await
            .map_err(|e| telephony_error(&e))?;
        Ok(live_call_from(&participants))
    }

    async fn list_rooms(&self, names: &[String]) -> Result<Vec<RoomSummary>, TelephonyError> {
        let rooms = self
            .measured(
                "ListRooms",
                service_result,
                self.room().list_rooms(names.to_vec()),
            )
            .await
            .map_err(|e| telephony_error(&e))?;
        Ok(rooms
            .into_iter()
            .map(|room| RoomSummary {
                name: room.name,
                sid: room.sid,
                num_participants: room.num_participants,
                num_publishers: room.num_publishers,
                metadata: room.metadata,
            })
            .collect())
    }

    async fn room_participants(&self, room: &str) -> Result<RoomParticipants, TelephonyError> {
        let participants = self
            .measured(
                "ListParticipants",
                service_result,
                self.room().list_participants(room),
            )
            .await
            .map_err(|e| telephony_error(&e))?;
        Ok(RoomParticipants {
            call: live_call_from(&participants),
            disposition: agent_disposition(&participants),
        })
    }

    async fn start_recording(
        &self,
        room: &str,
        output: &super::RecordingOutput,
    ) -> Result<super::RecordingStarted, TelephonyError> {
        self.measured(
            "StartRoomCompositeEgress",
            telephony_result,
            self.record_room(room, output),
        )
        .await
    }

    async fn list_trunks(&self) -> Result<Vec<TrunkInfo>, TelephonyError> {
        self.measured(
            "ListSIPOutboundTrunk",
            request_result,
            self.trunk_pages.list_all(),
        )
        .await
        .map_err(ApiFailure::into_telephony_error)
    }
}

/// The SIP participant's state and the agent's disposition, from one `ListParticipants`.
/// `None` when no SIP participant is in the room (not joined yet, left, or room gone).
pub(crate) fn live_call_from(participants: &[proto::ParticipantInfo]) -> Option<LiveCall> {
    let sip = participants
        .iter()
        .find(|p| p.kind == ParticipantKind::Sip as i32)?;
    let status = attributes::non_empty(&sip.attributes, attributes::SIP_CALL_STATUS)
        .map(LiveCallStatus::from_attribute)
        .unwrap_or(LiveCallStatus::Dialing);
    let report = agent_disposition(participants);
    Some(LiveCall {
        participant_identity: sip.identity.clone(),
        status,
        disposition: report.as_ref().map(|r| r.disposition.clone()),
        note: report.as_ref().and_then(|r| r.note.clone()),
        callback_at: report.and_then(|r| r.callback_at),
        agent: participants
            .iter()
            .find(|p| p.kind == ParticipantKind::Agent as i32)
            .map(|p| p.identity.clone()),
    })
}

/// The report of the agent that gave a disposition.
fn agent_disposition(participants: &[proto::ParticipantInfo]) -> Option<AgentReport> {
    let agent = participants
        .iter()
        .filter(|p| p.kind == ParticipantKind::Agent as i32)
        .find(|p| attributes::non_empty(&p.attributes, attributes::DISPOSITION).is_some())?;
    let attribute = |key: &str| attributes::non_empty(&agent.attributes, key).map(str::to_string);
    Some(AgentReport {
        disposition: attribute(attributes::DISPOSITION)?,
        note: attribute(attributes::NOTE).map(|n| crate::domain::clip_note(&n)),
        callback_at: attribute(attributes::CALLBACK_AT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttemptId, CampaignId, LeadId};
    use std::collections::HashMap;

    fn participant(
        kind: ParticipantKind,
        identity: &str,
        attrs: &[(&str, &str)],
    ) -> proto::ParticipantInfo {
        proto::ParticipantInfo {
            identity: identity.into(),
            kind: kind as i32,
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn live_call_reads_the_sip_status_and_the_agents_disposition() {
        let room = [
            participant(
                ParticipantKind::Agent,
                "agent-1",
                &[
                    (attributes::DISPOSITION, "interested"),
                    (attributes::NOTE, "call back Friday"),
                    (attributes::CALLBACK_AT, "2026-06-05T10:00:00Z"),
                ],
            ),
            participant(
                ParticipantKind::Sip,
                "sip_+15550100",
                &[(attributes::SIP_CALL_STATUS, "active")],
            ),
        ];
        assert_eq!(
            live_call_from(&room),
            Some(LiveCall {
                participant_identity: "sip_+15550100".into(),
                status: LiveCallStatus::Active,
                disposition: Some("interested".into()),
                note: Some("call back Friday".into()),
                agent: Some("agent-1".into()),
                callback_at: Some("2026-06-05T10:00:00Z".into()),
            })
        );
    }

    #[test]
    fn a_room_without_its_sip_participant_has_no_live_call() {
        let room = [participant(
            ParticipantKind::Agent,
            "agent-1",
            &[(attributes::DISPOSITION, "voicemail")],
        )];
        assert_eq!(live_call_from(&room), None);
        assert_eq!(live_call_from(&[]), None);
        // The agent's word outlives the callee.
        assert_eq!(
            agent_disposition(&room),
            Some(AgentReport {
                disposition: "voicemail".into(),
                note: None,
                callback_at: None,
            })
        );
        assert_eq!(agent_disposition(&[]), None);
    }

    #[test]
    fn dial_options_send_the_caller_id_and_the_switchboard_ids() {
        let telephony = LiveKitTelephony::new(
            "http://127.0.0.1:1",
            "key",
            "secret",
            LiveKitOptions::default(),
        );
        let request = DialRequest {
            campaign: CampaignId(1),
            lead: LeadId(2),
            attempt: AttemptId(3),
            room: "outbound-1-3".into(),
            participant_identity: "callee".into(),
            participant_name: "Ada".into(),
            participant_metadata: "{}".into(),
            participant_attributes: HashMap::from([("extra".to_string(), "x".to_string())]),
            trunk_id: "ST_a".into(),
            phone: "+15550100".into(),
            caller_id: Some("+15550999".into()),
            ringing_timeout: Duration::from_secs(25),
            max_call_duration: Duration::from_secs(600),
            krisp: true,
            dtmf: Some("".into()),
            wait_until_answered: true,
        };
        let options = telephony.dial_options(&request);
        assert_eq!(options.sip_number.as_deref(), Some("+15550999"));
        assert_eq!(options.dtmf, None);
        let attrs = options.participant_attributes.unwrap();
        assert_eq!(attrs[attributes::CAMPAIGN], "1");
        assert_eq!(attrs[attributes::LEAD], "2");
        assert_eq!(attrs[attributes::ATTEMPT], "3");
        assert_eq!(attrs["extra"], "x");
        assert_eq!(options.enable_krisp, Some(true));
        assert_eq!(options.ringing_timeout, Some(Duration::from_secs(25)));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let telephony = LiveKitTelephony::new(
            "http://127.0.0.1:1",
            "key",
            "hunter2-secret",
            LiveKitOptions::default(),
        );
        let shown = format!("{telephony:?} {telephony:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("key"));
    }
}
