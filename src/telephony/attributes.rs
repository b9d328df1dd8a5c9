//! Participant attribute keys: the ones LiveKit sets on SIP participants, and the
//! `switchboard.*` ones we set on the callee and the agent sets on itself.

use crate::domain::{AttemptId, CampaignId, LeadId};
use std::collections::HashMap;

/// LiveKit's call state on the SIP participant: dialing, ringing, automation, active, hangup.
pub const SIP_CALL_STATUS: &str = "sip.callStatus";

/// Set on the SIP participant at dial time, so webhooks and polls can be matched back
/// even without the room name.
pub const CAMPAIGN: &str = "switchboard.campaign";
pub const LEAD: &str = "switchboard.lead";
pub const ATTEMPT: &str = "switchboard.attempt";

/// Set by the agent (participant kind AGENT) on itself: what the call was
/// (`voicemail`, `interested`, ...) and an optional free-text note.
pub const DISPOSITION: &str = "switchboard.disposition";
pub const NOTE: &str = "switchboard.note";
/// Set by the agent with a `callback`-like disposition: when the callee asked to be
/// called back (RFC 3339, e.g. `2026-06-02T17:30:00-04:00`).
pub const CALLBACK_AT: &str = "switchboard.callback_at";

/// The `switchboard.*` ids of one attempt, as participant attributes.
pub fn call_attributes(
    campaign: CampaignId,
    lead: LeadId,
    attempt: AttemptId,
) -> HashMap<String, String> {
    HashMap::from([
        (CAMPAIGN.to_string(), campaign.0.to_string()),
        (LEAD.to_string(), lead.0.to_string()),
        (ATTEMPT.to_string(), attempt.0.to_string()),
    ])
}

/// A non-empty attribute value; LiveKit clears attributes by setting them to "".
pub(crate) fn non_empty<'a>(attributes: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    attributes
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_attributes_carry_the_three_ids() {
        let attrs = call_attributes(CampaignId(7), LeadId(42), AttemptId(99));
        assert_eq!(attrs.len(), 3);
        assert_eq!(attrs[CAMPAIGN], "7");
        assert_eq!(attrs[LEAD], "42");
        assert_eq!(attrs[ATTEMPT], "99");
    }

    #[test]
    fn empty_values_count_as_absent() {
        let attrs = HashMap::from([
            (DISPOSITION.to_string(), " ".to_string()),
            (NOTE.to_string(), "hi".to_string()),
        ]);
        assert_eq!(non_empty(&attrs, DISPOSITION), None);
        assert_eq!(non_empty(&attrs, NOTE), Some("hi"));
        assert_eq!(non_empty(&attrs, "missing"), None);
    }
}
