//! Writing what the engine's policy decided for a lead after a call, and the one fact
//! the store adds to that decision: whether the lead's number is on a do-not-call list.

use super::StoreError;
use crate::domain::{CampaignId, LeadId, LeadNext, LeadState};
use rusqlite::{params, Connection};

/// Whether the lead's number is on the campaign's or the global do-not-call list.
pub fn number_on_dnc(
    conn: &Connection,
    lead: LeadId,
    campaign: CampaignId,
) -> Result<bool, StoreError> {
    let phone: String = conn
        .prepare_cached("SELECT phone FROM leads WHERE id = ?1")?
        .query_row([lead.0], |r| r.get(0))?;
    super::dnc::is_blocked(conn, &phone, campaign)
}

/// Moves the lead to `next` if it is still `expected` (nothing else moved it since);
/// says whether it did.
pub fn move_on(
    conn: &Connection,
    lead: LeadId,
    expected: LeadState,
    next: LeadNext,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE leads SET state = ?3, next_attempt_at = ?4 WHERE id = ?1 AND state = ?2",
        )?
        .execute(params![
            lead.0,
            expected.as_str(),
            next.state.as_str(),
            next.due_at.map(|t| t.timestamp_millis())
        ])?;
    Ok(changed > 0)
}
