//! Read-only queries for the console's paged views: the dialling queue, a campaign's
//! call timeline and one lead's history. Every page is a keyset query over an index
//! (`leads_pending_order`, `leads_retry_due`, `attempt_events_by_campaign`), so the
//! cost of a page does not grow with the number of leads or events, and nothing ever
//! loads a whole campaign.

use super::{from_millis, LeadRecord, StoreError, LEAD_COLUMNS};
use crate::domain::{AttemptId, AttemptState, CampaignId, LeadId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// Where a row sits in dialling order: pending leads by priority (highest first) then
/// id, followed by leads waiting for a retry by due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum QueueKey {
    Pending { priority: i64, id: i64 },
    Retry { due_ms: i64, id: i64 },
}

/// One lead waiting its turn.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRow {
    pub key: QueueKey,
    pub lead: LeadId,
    pub name: Option<String>,
    pub phone: String,
    /// The attempt the next call will be (1 for a fresh lead).
    pub next_attempt: u32,
    /// For a retry: when it is due.
    pub due_at: Option<DateTime<Utc>>,
}

const QUEUE_COLUMNS: &str = "id, name, phone, priority, attempts, next_attempt_at, state";
/// `?9` is an optional LIKE pattern over name and phone.
const FILTER: &str = "AND (?9 IS NULL OR name LIKE ?9 OR phone LIKE ?9)";

fn queue_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<QueueRow> {
    let id: i64 = row.get(0)?;
    let priority: i64 = row.get(3)?;
    let attempts: u32 = row.get(4)?;
    let due_ms: Option<i64> = row.get(5)?;
    let state: String = row.get(6)?;
    let key = match (state.as_str(), due_ms) {
        ("retry_wait", Some(due_ms)) => QueueKey::Retry { due_ms, id },
        _ => QueueKey::Pending { priority, id },
    };
    Ok(QueueRow {
        key,
        lead: LeadId(id),
        name: row.get(1)?,
        phone: row.get(2)?,
        next_attempt: attempts + 1,
        due_at: matches!(key, QueueKey::Retry { .. })
            .then(|| due_ms.map(from_millis))
            .flatten(),
    })
}

fn like(filter: Option<&str>) -> Option<String> {
    filter
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| format!("%{}%", f.replace(['%', '_'], "")))
}

/// Runs one keyset query and appends its rows. Each query is a single index range, so
/// it reads only the rows it returns (plus filtered ones).
fn run(
    conn: &Connection,
    sql: &str,
    args: [Option<i64>; 4],
    limit: usize,
    pattern: &Option<String>,
    out: &mut Vec<QueueRow>,
) -> Result<(), StoreError> {
    if out.len() >= limit {
        return Ok(());
    }
    let remaining = (limit - out.len()) as i64;
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![
            args[0],
            args[1],
            args[2],
            args[3],
            remaining,
            None::<i64>,
            None::<i64>,
            None::<i64>,
            pattern
        ],
        queue_row,
    )?;
    for row in rows {
        out.push(row?);
    }
    Ok(())
}

/// Up to `limit` rows after `after` in dialling order (from the front when `None`).
pub fn queue_after(
    conn: &Connection,
    campaign: CampaignId,
    after: Option<QueueKey>,
    limit: usize,
    filter: Option<&str>,
) -> Result<Vec<QueueRow>, StoreError> {
    let pattern = like(filter);
    let c = Some(campaign.0);
    let mut out = Vec::with_capacity(limit);
    let pending_from_start = format!(
        "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending' {FILTER}
         ORDER BY priority DESC, id LIMIT ?5"
    );
    let retry_from_start = format!(
        "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait' {FILTER}
         ORDER BY next_attempt_at, id LIMIT ?5"
    );
    match after {
        None => {
            run(
                conn,
                &pending_from_start,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &retry_from_start,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
        Some(QueueKey::Pending { priority, id }) => {
            let same = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending'
                 AND priority = ?2 AND id > ?3 {FILTER} ORDER BY priority DESC, id LIMIT ?5"
            );
            let lower = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending'
                 AND priority < ?2 {FILTER} ORDER BY priority DESC, id LIMIT ?5"
            );
            run(
                conn,
                &same,
                [c, Some(priority), Some(id), None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &lower,
                [c, Some(priority), None, None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &retry_from_start,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
        Some(QueueKey::Retry { due_ms, id }) => {
            let same = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait'
                 AND next_attempt_at = ?2 AND id > ?3 {FILTER} ORDER BY next_attempt_at, id LIMIT ?5"
            );
            let later = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait'
                 AND next_attempt_at > ?2 {FILTER} ORDER BY next_attempt_at, id LIMIT ?5"
            );
            run(
                conn,
                &same,
                [c, Some(due_ms), Some(id), None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &later,
                [c, Some(due_ms), None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
    }
    Ok(out)
}

/// Up to `limit` rows before `before` (from the very end when `None`), returned in
/// dialling order.
pub fn queue_before(
    conn: &Connection,
    campaign: CampaignId,
    before: Option<QueueKey>,
    limit: usize,
    filter: Option<&str>,
) -> Result<Vec<QueueRow>, StoreError> {
    let pattern = like(filter);
    let c = Some(campaign.0);
    let mut out = Vec::with_capacity(limit);
    let pending_from_end = format!(
        "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending' {FILTER}
         ORDER BY priority ASC, id DESC LIMIT ?5"
    );
    let pending_same = format!(
        "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending'
         AND priority = ?2 AND id < ?3 {FILTER} ORDER BY priority ASC, id DESC LIMIT ?5"
    );
    let pending_higher = format!(
        "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'pending'
         AND priority > ?2 {FILTER} ORDER BY priority ASC, id DESC LIMIT ?5"
    );
    match before {
        None => {
            let retry_from_end = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait' {FILTER}
                 ORDER BY next_attempt_at DESC, id DESC LIMIT ?5"
            );
            run(
                conn,
                &retry_from_end,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &pending_from_end,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
        Some(QueueKey::Retry { due_ms, id }) => {
            let same = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait'
                 AND next_attempt_at = ?2 AND id < ?3 {FILTER} ORDER BY next_attempt_at DESC, id DESC LIMIT ?5"
            );
            let earlier = format!(
                "SELECT {QUEUE_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait'
                 AND next_attempt_at < ?2 {FILTER} ORDER BY next_attempt_at DESC, id DESC LIMIT ?5"
            );
            run(
                conn,
                &same,
                [c, Some(due_ms), Some(id), None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &earlier,
                [c, Some(due_ms), None, None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &pending_from_end,
                [c, None, None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
        Some(QueueKey::Pending { priority, id }) => {
            run(
                conn,
                &pending_same,
                [c, Some(priority), Some(id), None],
                limit,
                &pattern,
                &mut out,
            )?;
            run(
                conn,
                &pending_higher,
                [c, Some(priority), None, None],
                limit,
                &pattern,
                &mut out,
            )?;
        }
    }
    out.reverse();
    Ok(out)
}

/// One row of a campaign's call timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineRow {
    /// `attempt_events.id`; pages are keyed on it.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub attempt: AttemptId,
    pub lead: LeadId,
    /// Name, or number when the lead has no name.
    pub lead_label: String,
    pub kind: String,
    pub detail: String,
}

const TIMELINE_SELECT: &str =
    "SELECT e.id, e.at, e.attempt_id, a.lead_id, coalesce(l.name, l.phone), e.kind, e.detail
     FROM attempt_events e JOIN attempts a ON a.id = e.attempt_id JOIN leads l ON l.id = a.lead_id";

fn timeline_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TimelineRow> {
    Ok(TimelineRow {
        id: row.get(0)?,
        at: from_millis(row.get(1)?),
        attempt: AttemptId(row.get(2)?),
        lead: LeadId(row.get(3)?),
        lead_label: row.get(4)?,
        kind: row.get(5)?,
        detail: row.get(6)?,
    })
}

/// The `limit` events of `campaign` just before event `before` (the newest when
/// `None`), oldest first.
pub fn timeline_before(
    conn: &Connection,
    campaign: CampaignId,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<TimelineRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{TIMELINE_SELECT} WHERE e.campaign_id = ?1 AND e.id < ?2 ORDER BY e.id DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![campaign.0, before.unwrap_or(i64::MAX), limit as i64],
        timeline_row,
    )?;
    let mut out = rows.collect::<Result<Vec<_>, _>>()?;
    out.reverse();
    Ok(out)
}

/// One step of an attempt's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptStep {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
}

/// One call with everything LiveKit told us about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptHistory {
    pub id: AttemptId,
    pub number: u32,
    pub phone: String,
    pub state: AttemptState,
    pub sip_status_code: Option<i64>,
    pub sip_status: Option<String>,
    pub twirp_code: Option<String>,
    pub disconnect_reason: Option<String>,
    pub error: Option<String>,
    pub disposition: Option<String>,
    pub created_at: DateTime<Utc>,
    pub dialed_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The caller ID presented; `None` for the trunk's own number.
    #[serde(default)]
    pub caller_id: Option<String>,
    pub steps: Vec<AttemptStep>,
}

impl AttemptHistory {
    /// Dial to answer, from real timestamps.
    pub fn ring_time(&self) -> Option<chrono::Duration> {
        Some(self.answered_at? - self.dialed_at?)
    }

    /// Answer to hang-up.
    pub fn talk_time(&self) -> Option<chrono::Duration> {
        Some(self.ended_at? - self.answered_at?)
    }
}

/// A lead with every attempt and each attempt's steps, oldest attempt first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadHistory {
    pub lead: LeadRecord,
    /// Every number of the lead, primary first, with what its calls came to.
    #[serde(default)]
    pub numbers: Vec<crate::domain::lead_numbers::LeadNumber>,
    pub attempts: Vec<AttemptHistory>,
}

pub fn lead_history(conn: &Connection, lead: LeadId) -> Result<LeadHistory, StoreError> {
    let record = LeadRecord::get(conn, lead)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, phone, state, sip_status_code, sip_status, twirp_code, disconnect_reason, error,
                disposition, created_at, dialed_at, ringing_at, answered_at, ended_at, caller_id
         FROM attempts WHERE lead_id = ?1 ORDER BY id",
    )?;
    let opt_time = |v: Option<i64>| v.map(from_millis);
    let rows = stmt.query_map([lead.0], |r| {
        let state: String = r.get(3)?;
        Ok((
            state,
            AttemptHistory {
                id: AttemptId(r.get(0)?),
                number: r.get(1)?,
                phone: r.get(2)?,
                state: AttemptState::Queued,
                sip_status_code: r.get(4)?,
                sip_status: r.get(5)?,
                twirp_code: r.get(6)?,
                disconnect_reason: r.get(7)?,
                error: r.get(8)?,
                disposition: r.get(9)?,
                created_at: from_millis(r.get(10)?),
                dialed_at: opt_time(r.get(11)?),
                ringing_at: opt_time(r.get(12)?),
                answered_at: opt_time(r.get(13)?),
                ended_at: opt_time(r.get(14)?),
                caller_id: r.get(15)?,
                steps: Vec::new(),
            },
        ))
    })?;
    let mut attempts = Vec::new();
    for row in rows {
        let (state, mut attempt) = row?;
        attempt.state = state
            .parse()
            .map_err(|e| StoreError::corrupt(format!("state of attempt {}", attempt.id), e))?;
        let mut steps = conn.prepare_cached(
            "SELECT at, kind, detail FROM attempt_events WHERE attempt_id = ?1 ORDER BY id",
        )?;
        attempt.steps = steps
            .query_map([attempt.id.0], |r| {
                Ok(AttemptStep {
                    at: from_millis(r.get(0)?),
                    kind: r.get(1)?,
                    detail: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        attempts.push(attempt);
    }
    let numbers = super::lead_phones::numbers_of(conn, lead, &record.phone)?;
    Ok(LeadHistory {
        lead: record,
        numbers,
        attempts,
    })
}

/// The lead an attempt belongs to.
pub fn lead_of_attempt(conn: &Connection, attempt: AttemptId) -> Result<LeadId, StoreError> {
    conn.prepare_cached("SELECT lead_id FROM attempts WHERE id = ?1")?
        .query_row([attempt.0], |r| r.get(0).map(LeadId))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("attempt {attempt}")))
}

/// Leads of `campaign` by number or name, for the DNC form and lookups: exact E.164
/// first. Kept to one small page.
pub fn find_leads(
    conn: &Connection,
    campaign: CampaignId,
    text: &str,
    limit: usize,
) -> Result<Vec<LeadRecord>, StoreError> {
    let pattern = format!("%{}%", text.trim().replace(['%', '_'], ""));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {LEAD_COLUMNS} FROM leads WHERE campaign_id = ?1 AND (phone = ?2 OR phone LIKE ?3 OR name LIKE ?3)
         ORDER BY phone = ?2 DESC, id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(
        params![campaign.0, text.trim(), pattern, limit as i64],
        LeadRecord::from_row,
    )?;
    rows.map(|r| r?).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CampaignSettings;
    use crate::store::{CampaignRecord, NewCampaign, NewLead};

    fn db_with_leads(n: usize) -> (Connection, CampaignId) {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let settings = CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        let now = Utc::now();
        let c = CampaignRecord::insert(&conn, &NewCampaign { settings, now }).unwrap();
        for i in 0..n {
            let lead = NewLead {
                phone: format!("+1555{i:07}"),
                name: Some(format!("Lead {i}")),
                priority: if i % 10 == 0 { 5 } else { 0 },
                ..Default::default()
            };
            LeadRecord::insert(&conn, c, &lead, now).unwrap();
        }
        (conn, c)
    }

    #[test]
    fn pages_walk_the_queue_in_dialling_order_both_ways() {
        let (conn, c) = db_with_leads(50);
        // Two leads wait for retries, due at different times.
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 1, next_attempt_at = 2000 WHERE id = 2", []).unwrap();
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 2, next_attempt_at = 1000 WHERE id = 3", []).unwrap();
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = queue_after(&conn, c, after, 7, None).unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|r| r.key);
            all.extend(page);
        }
        assert_eq!(all.len(), 50);
        // Priority 5 leads (ids 1, 11, 21, 31, 41) first, then the rest by id, then retries by due time.
        let ids: Vec<i64> = all.iter().map(|r| r.lead.0).collect();
        assert_eq!(&ids[..5], &[1, 11, 21, 31, 41]);
        assert_eq!(&ids[5..8], &[4, 5, 6]);
        assert_eq!(&ids[48..], &[3, 2]);
        assert_eq!(all[48].next_attempt, 3);
        assert!(all[48].due_at.is_some() && all[0].due_at.is_none());

        let mut back = Vec::new();
        let mut before = None;
        loop {
            let page = queue_before(&conn, c, before, 9, None).unwrap();
            if page.is_empty() {
                break;
            }
            before = page.first().map(|r| r.key);
            back.splice(0..0, page);
        }
        assert_eq!(back, all);
    }

    #[test]
    fn filter_narrows_the_queue() {
        let (conn, c) = db_with_leads(30);
        let page = queue_after(&conn, c, None, 20, Some("Lead 2")).unwrap();
        let names: Vec<_> = page.iter().filter_map(|r| r.name.clone()).collect();
        assert!(names.iter().all(|n| n.contains("Lead 2")), "{names:?}");
        assert_eq!(names.len(), 11, "Lead 2 and Lead 20..29");
    }

    #[test]
    fn timeline_pages_come_newest_last_and_histories_hold_every_step() {
        let (conn, c) = db_with_leads(3);
        for attempt in 1..=3i64 {
            conn.execute(
                "INSERT INTO attempts (id, campaign_id, lead_id, number, phone, state, room, created_at, dialed_at, answered_at, ended_at)
                 VALUES (?1, ?2, ?1, 1, '+1', 'completed', 'r' || ?1, 0, 1000, 4000, 64000)",
                params![attempt, c.0],
            )
            .unwrap();
            for (i, kind) in ["dialing", "answered", "ended"].iter().enumerate() {
                conn.execute(
                    "INSERT INTO attempt_events (attempt_id, campaign_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, 'x')",
                    params![attempt, c.0, attempt * 100 + i as i64, kind],
                )
                .unwrap();
            }
        }
        let newest = timeline_before(&conn, c, None, 4).unwrap();
        assert_eq!(
            newest.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![6, 7, 8, 9]
        );
        assert_eq!(newest[0].lead_label, "Lead 1");
        let older = timeline_before(&conn, c, Some(6), 100).unwrap();
        assert_eq!(older.len(), 5);
        let history = lead_history(&conn, LeadId(2)).unwrap();
        assert_eq!(history.attempts.len(), 1);
        assert_eq!(history.attempts[0].steps.len(), 3);
        assert_eq!(
            history.attempts[0].ring_time(),
            Some(chrono::Duration::seconds(3))
        );
        assert_eq!(
            history.attempts[0].talk_time(),
            Some(chrono::Duration::seconds(60))
        );
        assert_eq!(lead_of_attempt(&conn, AttemptId(3)).unwrap(), LeadId(3));
        assert!(lead_of_attempt(&conn, AttemptId(99)).is_err());
    }
}
