//! What a call's end means, from what LiveKit said about it: the disconnect reason of its
//! SIP participant (a webhook's `participant_left`, or the poller) and the last
//! `sip.callStatus` seen. livekit/sip sets `hangup` only for a hang-up, a BYE or the
//! maximum duration; a call the trunk or the network drops leaves with its status as it
//! was and the leg's UNKNOWN reason, which the server turns into CLIENT_INITIATED
//! (reference/livekit-behaviour.md). So "left while still `active`" is the one sign of a
//! call cut mid-conversation.

use crate::domain::Outcome;
use crate::telephony::LiveCallStatus;

/// The SIP leg left by itself; on an answered call, a hang-up or a drop.
const CLIENT_INITIATED: &str = "CLIENT_INITIATED";

/// How an answered call ended. `reported`: the disconnect reason, `None` when the call
/// was seen to end without one (the room gone, its own poll). `hang_up_requested`: we
/// asked LiveKit to end it (the operator, the agent watchdog).
pub fn answered_call(
    reported: Option<&str>,
    last_status: Option<LiveCallStatus>,
    hang_up_requested: bool,
) -> Outcome {
    let still_talking = matches!(
        last_status,
        Some(LiveCallStatus::Active | LiveCallStatus::Automation)
    );
    if !hang_up_requested && reported == Some(CLIENT_INITIATED) && still_talking {
        Outcome::Dropped
    } else {
        Outcome::Completed
    }
}

/// A call that had not been answered and left: what its disconnect reason tells.
pub fn unanswered_call(reason: &str, hang_up_requested: bool) -> Outcome {
    if hang_up_requested {
        return Outcome::Canceled;
    }
    match reason {
        "USER_UNAVAILABLE" => Outcome::NoAnswer,
        "USER_REJECTED" => Outcome::Rejected,
        "SIP_TRUNK_FAILURE" => Outcome::TrunkFailure,
        _ => Outcome::Interrupted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LiveCallStatus::*;

    #[test]
    fn an_answered_call_that_left_still_active_was_dropped() {
        let table = [
            (
                Some("CLIENT_INITIATED"),
                Some(Hangup),
                false,
                Outcome::Completed,
            ),
            (
                Some("CLIENT_INITIATED"),
                Some(Active),
                false,
                Outcome::Dropped,
            ),
            (
                Some("CLIENT_INITIATED"),
                Some(Automation),
                false,
                Outcome::Dropped,
            ),
            // We ended it: the operator's hang-up, not a drop.
            (
                Some("CLIENT_INITIATED"),
                Some(Active),
                true,
                Outcome::Completed,
            ),
            (Some("ROOM_DELETED"), Some(Active), true, Outcome::Completed),
            // Polling saw the callee vanish: nobody said why.
            (Some("UNKNOWN"), Some(Active), false, Outcome::Completed),
            (None, Some(Active), false, Outcome::Completed),
            (Some("CLIENT_INITIATED"), None, false, Outcome::Completed),
        ];
        for (reason, status, requested, expected) in table {
            assert_eq!(
                answered_call(reason, status, requested),
                expected,
                "{reason:?} {status:?} requested={requested}"
            );
        }
    }

    #[test]
    fn an_unanswered_call_ends_as_its_reason_says() {
        assert_eq!(
            unanswered_call("USER_UNAVAILABLE", false),
            Outcome::NoAnswer
        );
        assert_eq!(unanswered_call("USER_REJECTED", false), Outcome::Rejected);
        assert_eq!(
            unanswered_call("SIP_TRUNK_FAILURE", false),
            Outcome::TrunkFailure
        );
        assert_eq!(
            unanswered_call("CLIENT_INITIATED", false),
            Outcome::Interrupted
        );
        assert_eq!(unanswered_call("USER_REJECTED", true), Outcome::Canceled);
    }
}
