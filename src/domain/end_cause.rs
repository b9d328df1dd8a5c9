//! How a call's end reads, from the disconnect reason stored with it: LiveKit's own
//! word (kept as it is in exports and the API), said in plain words wherever a person
//! reads it (the timeline, `status`, the lead popup). One definition, so no screen says
//! "UNKNOWN" where another says what happened.

use super::{Outcome, OPERATOR_HANG_UP};

/// The disconnect reason recorded when polling saw the callee gone: LiveKit gives no
/// reason to a poll.
pub const SEEN_GONE_BY_POLLING: &str = "UNKNOWN";

/// Plain words for an attempt's disconnect reason, given how it ended.
pub fn describe(reason: &str, outcome: Outcome) -> String {
    let answered = outcome.was_answered();
    match reason {
        OPERATOR_HANG_UP => "ended by the operator".into(),
        "CLIENT_INITIATED" if outcome == Outcome::Dropped => {
            "the line dropped mid-call (LiveKit: CLIENT_INITIATED, no hang-up)".into()
        }
        "CLIENT_INITIATED" if answered => "the callee hung up".into(),
        SEEN_GONE_BY_POLLING if answered => {
            "the callee left (seen by polling, which LiveKit gives no reason)".into()
        }
        SEEN_GONE_BY_POLLING => "gone (seen by polling, which LiveKit gives no reason)".into(),
        "USER_UNAVAILABLE" => "the callee was unavailable (USER_UNAVAILABLE)".into(),
        "USER_REJECTED" => "the callee declined (USER_REJECTED)".into(),
        "SIP_TRUNK_FAILURE" => "the trunk failed (SIP_TRUNK_FAILURE)".into(),
        "ROOM_DELETED" => "the room was deleted (ROOM_DELETED)".into(),
        "ROOM_CLOSED" => "the room closed (ROOM_CLOSED)".into(),
        "PARTICIPANT_REMOVED" => "removed from the room (PARTICIPANT_REMOVED)".into(),
        other => format!("LiveKit: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_reads_in_words_and_unknown_says_why() {
        assert_eq!(
            describe("CLIENT_INITIATED", Outcome::Completed),
            "the callee hung up"
        );
        assert!(describe("CLIENT_INITIATED", Outcome::Dropped).contains("dropped"));
        let polled = describe("UNKNOWN", Outcome::Completed);
        assert!(polled.contains("polling"), "{polled}");
        assert!(!polled.contains("UNKNOWN"), "{polled}");
        assert_eq!(
            describe(OPERATOR_HANG_UP, Outcome::Completed),
            "ended by the operator"
        );
        assert_eq!(
            describe("MIGRATION", Outcome::Interrupted),
            "LiveKit: MIGRATION"
        );
    }
}
