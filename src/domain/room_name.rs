//! Every attempt gets a fresh room, named so a webhook or a LiveKit dashboard entry can be
//! traced back to its campaign and attempt without a lookup. The store names the room
//! when it writes the attempt (before the dial), the engine matches LiveKit's reports to
//! attempts by it, so it is a word of the domain, not of the LiveKit boundary.

use super::{AttemptId, CampaignId};

/// The prefix used when `[livekit] room_prefix` is not set.
pub const DEFAULT_ROOM_PREFIX: &str = "outbound";

/// `<prefix>-<campaign>-<attempt>-<nonce>`, e.g. `outbound-3-1207-k3f9qa`. Ids alone are
/// not enough: another database (a second install, a restored backup) on the same
/// LiveKit project hands out the same ids, and a room name that comes back while its
/// first call is still up puts a new callee into someone else's call. The nonce (30
/// random bits, six base-32 letters) makes a repeat across databases vanishingly rare;
/// within one database a unique index on `attempts.room` refuses it outright.
pub fn room_name(prefix: &str, campaign: CampaignId, attempt: AttemptId, nonce: u32) -> String {
    format!(
        "{prefix}-{}-{}-{}",
        campaign.0,
        attempt.0,
        nonce_text(nonce)
    )
}

/// A fresh nonce for `room_name`.
pub fn room_nonce() -> u32 {
    rand::random()
}

fn nonce_text(nonce: u32) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    (0..6)
        .map(|i| ALPHABET[((nonce >> (i * 5)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_name_joins_prefix_campaign_attempt_and_nonce() {
        assert_eq!(
            room_name(DEFAULT_ROOM_PREFIX, CampaignId(3), AttemptId(1207), 0),
            "outbound-3-1207-aaaaaa"
        );
        assert_eq!(
            room_name("acme", CampaignId(1), AttemptId(2), 1),
            "acme-1-2-baaaaa"
        );
    }

    #[test]
    fn the_same_ids_get_different_rooms() {
        let a = room_name("x", CampaignId(1), AttemptId(1), room_nonce());
        let b = room_name("x", CampaignId(1), AttemptId(1), room_nonce());
        let c = room_name("x", CampaignId(1), AttemptId(1), room_nonce());
        assert!(a != b || b != c, "three draws gave one name: {a}");
    }
}
