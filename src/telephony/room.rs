//! Every attempt gets a fresh room, named so a webhook or a LiveKit dashboard entry can be
//! traced back to its campaign and attempt without a lookup.

use crate::domain::{AttemptId, CampaignId};

/// The prefix used when `[livekit] room_prefix` is not set.
pub const DEFAULT_ROOM_PREFIX: &str = "outbound";

/// `<prefix>-<campaign>-<attempt>`, e.g. `outbound-3-1207`. Attempt ids are unique, so
/// the name is too, and a retried lead never lands in the previous call's room.
pub fn room_name(prefix: &str, campaign: CampaignId, attempt: AttemptId) -> String {
    format!("{prefix}-{}-{}", campaign.0, attempt.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_name_joins_prefix_campaign_and_attempt() {
        assert_eq!(
            room_name(DEFAULT_ROOM_PREFIX, CampaignId(3), AttemptId(1207)),
            "outbound-3-1207"
        );
        assert_eq!(room_name("acme", CampaignId(1), AttemptId(2)), "acme-1-2");
    }
}
