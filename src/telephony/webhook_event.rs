//! What a verified LiveKit webhook says about a call, as `CallProgress`. Only the events
//! that matter are kept: the callee's SIP participant joining (answered) and leaving
//! (ended, with its disconnect reason), the agent leaving with its disposition, and the
//! room finishing.

use super::attributes;
use super::types::{CallProgress, CallProgressKind, LiveCallStatus};
use chrono::{DateTime, Utc};
use livekit_protocol as proto;
use livekit_protocol::participant_info::Kind as ParticipantKind;

pub const PARTICIPANT_JOINED: &str = "participant_joined";
pub const PARTICIPANT_LEFT: &str = "participant_left";
/// Sent instead of `participant_left` for a participant that never became active.
pub const PARTICIPANT_CONNECTION_ABORTED: &str = "participant_connection_aborted";
pub const ROOM_FINISHED: &str = "room_finished";

/// The progress a webhook event reports; empty for events about other things.
pub fn progress_from_event(event: &proto::WebhookEvent) -> Option<CallProgress> {
    let room = event
        .room
        .as_ref()
        .map(|r| r.name.clone())
        .filter(|n| !n.is_empty())?;
    let kind = match (event.event.as_str(), event.participant.as_ref()) {
        (ROOM_FINISHED, _) => CallProgressKind::RoomFinished,
        (PARTICIPANT_JOINED, Some(p)) if is_kind(p, ParticipantKind::Sip) => {
            // `participant_joined` fires when the participant is ACTIVE in the room, which
            // for SIP is before the phone is answered: only `active` is the answer.
            match call_status(p)? {
                LiveCallStatus::Active => CallProgressKind::Answered,
                LiveCallStatus::Ringing => CallProgressKind::Ringing,
                _ => return None,
            }
        }
        (PARTICIPANT_JOINED, Some(p)) if is_kind(p, ParticipantKind::Agent) => {
            CallProgressKind::AgentJoined {
                identity: p.identity.clone(),
            }
        }
        (PARTICIPANT_LEFT | PARTICIPANT_CONNECTION_ABORTED, Some(p))
            if is_kind(p, ParticipantKind::Sip) =>
        {
            CallProgressKind::Ended {
                disconnect_reason: disconnect_reason(p),
                last_status: call_status(p),
            }
        }
        (PARTICIPANT_LEFT, Some(p)) if is_kind(p, ParticipantKind::Agent) => {
            let value = attributes::non_empty(&p.attributes, attributes::DISPOSITION)?;
            CallProgressKind::Disposition {
                value: value.to_string(),
                note: attributes::non_empty(&p.attributes, attributes::NOTE)
                    .map(crate::domain::clip_note),
                callback_at: attributes::non_empty(&p.attributes, attributes::CALLBACK_AT)
                    .map(str::to_string),
            }
        }
        _ => return None,
    };
    Some(CallProgress {
        room,
        at: event_time(event.created_at),
        kind,
    })
}

fn is_kind(p: &proto::ParticipantInfo, kind: ParticipantKind) -> bool {
    p.kind == kind as i32
}

fn call_status(p: &proto::ParticipantInfo) -> Option<LiveCallStatus> {
    attributes::non_empty(&p.attributes, attributes::SIP_CALL_STATUS)
        .map(LiveCallStatus::from_attribute)
}

/// LiveKit's enum name, e.g. `USER_REJECTED`; a number this crate does not know yet is
/// kept as a number rather than guessed.
fn disconnect_reason(p: &proto::ParticipantInfo) -> String {
    proto::DisconnectReason::try_from(p.disconnect_reason)
        .map(|r| r.as_str_name().to_string())
        .unwrap_or_else(|_| p.disconnect_reason.to_string())
}

/// `createdAt` is unix seconds; a missing one means "now".
fn event_time(created_at: i64) -> DateTime<Utc> {
    if created_at > 0 {
        DateTime::from_timestamp(created_at, 0).unwrap_or_else(Utc::now)
    } else {
        Utc::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, participant: Option<proto::ParticipantInfo>) -> proto::WebhookEvent {
        proto::WebhookEvent {
            event: name.into(),
            room: Some(proto::Room {
                name: "outbound-1-2".into(),
                ..Default::default()
            }),
            participant,
            id: "EV_1".into(),
            created_at: 1_760_000_010,
            ..Default::default()
        }
    }

    fn participant(
        kind: ParticipantKind,
        attrs: &[(&str, &str)],
        reason: proto::DisconnectReason,
    ) -> proto::ParticipantInfo {
        proto::ParticipantInfo {
            identity: "p".into(),
            kind: kind as i32,
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            disconnect_reason: reason as i32,
            ..Default::default()
        }
    }

    fn kind_of(e: &proto::WebhookEvent) -> Option<CallProgressKind> {
        progress_from_event(e).map(|p| p.kind)
    }

    #[test]
    fn an_agent_joining_is_reported_for_the_watchdog() {
        let agent = participant(
            ParticipantKind::Agent,
            &[],
            proto::DisconnectReason::UnknownReason,
        );
        assert_eq!(
            kind_of(&event(PARTICIPANT_JOINED, Some(agent))),
            Some(CallProgressKind::AgentJoined {
                identity: "p".into()
            })
        );
        let someone = participant(
            ParticipantKind::Standard,
            &[],
            proto::DisconnectReason::UnknownReason,
        );
        assert_eq!(kind_of(&event(PARTICIPANT_JOINED, Some(someone))), None);
    }

    #[test]
    fn sip_participant_joined_active_is_answered_at_created_at() {
        let sip = participant(
            ParticipantKind::Sip,
            &[("sip.callStatus", "active")],
            proto::DisconnectReason::UnknownReason,
        );
        let progress = progress_from_event(&event(PARTICIPANT_JOINED, Some(sip))).unwrap();
        assert_eq!(progress.room, "outbound-1-2");
        assert_eq!(progress.kind, CallProgressKind::Answered);
        assert_eq!(progress.at.timestamp(), 1_760_000_010);
    }

    #[test]
    fn sip_participant_joined_while_dialing_is_not_an_answer() {
        let sip = participant(
            ParticipantKind::Sip,
            &[("sip.callStatus", "dialing")],
            proto::DisconnectReason::UnknownReason,
        );
        assert_eq!(kind_of(&event(PARTICIPANT_JOINED, Some(sip))), None);
    }

    #[test]
    fn sip_participant_left_is_ended_with_reason_and_last_status() {
        let sip = participant(
            ParticipantKind::Sip,
            &[("sip.callStatus", "ringing")],
            proto::DisconnectReason::UserRejected,
        );
        assert_eq!(
            kind_of(&event(PARTICIPANT_LEFT, Some(sip))),
            Some(CallProgressKind::Ended {
                disconnect_reason: "USER_REJECTED".into(),
                last_status: Some(LiveCallStatus::Ringing),
            })
        );
    }

    #[test]
    fn sip_connection_aborted_is_ended_too() {
        let sip = participant(
            ParticipantKind::Sip,
            &[("sip.callStatus", "dialing")],
            proto::DisconnectReason::UserUnavailable,
        );
        assert_eq!(
            kind_of(&event(PARTICIPANT_CONNECTION_ABORTED, Some(sip))),
            Some(CallProgressKind::Ended {
                disconnect_reason: "USER_UNAVAILABLE".into(),
                last_status: Some(LiveCallStatus::Dialing),
            })
        );
    }

    #[test]
    fn agent_left_with_a_disposition_reports_it_with_its_note() {
        let agent = participant(
            ParticipantKind::Agent,
            &[
                ("switchboard.disposition", "callback"),
                ("switchboard.note", "after 5pm"),
                ("switchboard.callback_at", "2026-06-02T17:30:00-04:00"),
            ],
            proto::DisconnectReason::ClientInitiated,
        );
        assert_eq!(
            kind_of(&event(PARTICIPANT_LEFT, Some(agent))),
            Some(CallProgressKind::Disposition {
                value: "callback".into(),
                note: Some("after 5pm".into()),
                callback_at: Some("2026-06-02T17:30:00-04:00".into()),
            })
        );
    }

    #[test]
    fn an_agents_overlong_note_is_cut_with_a_mark_and_its_disposition_kept() {
        let note = "n".repeat(100_000);
        let agent = participant(
            ParticipantKind::Agent,
            &[
                ("switchboard.disposition", "interested"),
                ("switchboard.note", &note),
            ],
            proto::DisconnectReason::ClientInitiated,
        );
        match kind_of(&event(PARTICIPANT_LEFT, Some(agent))) {
            Some(CallProgressKind::Disposition { value, note, .. }) => {
                assert_eq!(value, "interested");
                let note = note.unwrap();
                assert_eq!(note.chars().count(), crate::domain::MAX_NOTE_CHARS);
                assert!(
                    note.ends_with("… [cut: 100000 characters in all]"),
                    "{note}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agent_left_without_a_disposition_says_nothing() {
        let agent = participant(
            ParticipantKind::Agent,
            &[],
            proto::DisconnectReason::ClientInitiated,
        );
        assert_eq!(kind_of(&event(PARTICIPANT_LEFT, Some(agent))), None);
    }

    #[test]
    fn room_finished_is_room_finished() {
        assert_eq!(
            kind_of(&event(ROOM_FINISHED, None)),
            Some(CallProgressKind::RoomFinished)
        );
    }

    #[test]
    fn other_events_and_participants_are_ignored() {
        let web = participant(
            ParticipantKind::Standard,
            &[],
            proto::DisconnectReason::ClientInitiated,
        );
        assert_eq!(kind_of(&event(PARTICIPANT_LEFT, Some(web))), None);
        assert_eq!(kind_of(&event("track_published", None)), None);
        assert_eq!(kind_of(&event("room_started", None)), None);
    }

    #[test]
    fn an_unknown_disconnect_reason_number_is_kept_as_a_number() {
        let mut sip = participant(
            ParticipantKind::Sip,
            &[],
            proto::DisconnectReason::UnknownReason,
        );
        sip.disconnect_reason = 99;
        assert_eq!(
            kind_of(&event(PARTICIPANT_LEFT, Some(sip))),
            Some(CallProgressKind::Ended {
                disconnect_reason: "99".into(),
                last_status: None
            })
        );
    }
}
