//! A lead's other numbers (`lead_phones`), and each of its numbers with what its calls
//! came to, folded from the lead's attempts by `domain::lead_numbers`.

use super::StoreError;
use crate::domain::lead_numbers::{lead_numbers, LeadNumber};
use crate::domain::{LeadId, Outcome};
use rusqlite::{params, Connection};

/// Adds `phones` after the lead's primary number, in order; a number the lead already
/// has is skipped. Returns how many were added.
pub fn add_alternates(
    conn: &Connection,
    lead: LeadId,
    phones: &[(String, String)],
) -> Result<usize, StoreError> {
    if phones.is_empty() {
        return Ok(0);
    }
    let (primary, mut position): (String, i64) = conn
        .prepare_cached(
            "SELECT phone, (SELECT ifnull(max(position), 0) FROM lead_phones WHERE lead_id = ?1)
             FROM leads WHERE id = ?1",
        )?
        .query_row([lead.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO lead_phones (lead_id, position, phone, source) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (lead_id, phone) DO NOTHING",
    )?;
    let mut added = 0;
    for (phone, source) in phones {
        if *phone == primary {
            continue;
        }
        position += 1;
        if insert.execute(params![lead.0, position, phone, source])? == 1 {
            added += 1;
        } else {
            position -= 1;
        }
    }
    Ok(added)
}

/// Every number of the lead, primary first.
pub fn phones_of(
    conn: &Connection,
    lead: LeadId,
    primary: &str,
) -> Result<Vec<String>, StoreError> {
    let mut phones = vec![primary.to_owned()];
    let mut stmt =
        conn.prepare_cached("SELECT phone FROM lead_phones WHERE lead_id = ?1 ORDER BY position")?;
    for phone in stmt.query_map([lead.0], |r| r.get::<_, String>(0))? {
        phones.push(phone?);
    }
    Ok(phones)
}

/// The lead's ended calls, oldest first, as (number dialled, outcome).
pub fn history_of(conn: &Connection, lead: LeadId) -> Result<Vec<(String, Outcome)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT phone, state FROM attempts WHERE lead_id = ?1
         AND state NOT IN ('queued', 'dialing', 'ringing', 'answered') ORDER BY id",
    )?;
    let rows = stmt.query_map([lead.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut history = Vec::new();
    for row in rows {
        let (phone, state) = row?;
        let outcome = state
            .parse()
            .map_err(|e| StoreError::corrupt(format!("outcome of a call of lead {lead}"), e))?;
        history.push((phone, outcome));
    }
    Ok(history)
}

/// Each of the lead's numbers with its calls and whether it is retired.
pub fn numbers_of(
    conn: &Connection,
    lead: LeadId,
    primary: &str,
) -> Result<Vec<LeadNumber>, StoreError> {
    let phones = phones_of(conn, lead, primary)?;
    let history = history_of(conn, lead)?;
    Ok(lead_numbers(
        &phones,
        history.iter().map(|(p, o)| (p.as_str(), *o)),
    ))
}
