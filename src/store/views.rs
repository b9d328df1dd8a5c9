//! Read-only queries for the console's paged views: the dialling queue (in the engine's
//! own order, `dialling_order.rs`), a campaign's call timeline and one lead's history.
//! Every page is a keyset query over an index (`leads_pending_order`,
//! `leads_retry_due`, `attempt_events_by_campaign`), so the cost of a page does not
//! grow with the number of leads or events, and nothing ever loads a whole campaign.

use super::dialling_order::{self, OrderKey, OrderQuery, Way, Window};
use super::queue;
use super::{from_millis, CampaignRecord, LeadRecord, StoreError, LEAD_COLUMNS};
use crate::domain::calling_hours::{self, OpenZones};
use crate::domain::figures::CallTimes;
use crate::domain::{AttemptId, AttemptState, CampaignId, LeadId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// Where a row sits in the pane: first the leads the engine will dial next, in its
/// order; then leads that would be callable but for their calling window; then
/// retries not due yet, by due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum QueueKey {
    Next(OrderKey),
    WindowClosed(OrderKey),
    Later { due_ms: i64, id: i64 },
}

impl QueueKey {
    fn section(&self) -> Section {
        match self {
            QueueKey::Next(_) => Section::Next,
            QueueKey::WindowClosed(_) => Section::WindowClosed,
            QueueKey::Later { .. } => Section::Later,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Next,
    WindowClosed,
    Later,
}

const SECTIONS: [Section; 3] = [Section::Next, Section::WindowClosed, Section::Later];

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
    /// For a retry: when it is (or was) due.
    pub due_at: Option<DateTime<Utc>>,
}

impl QueueRow {
    fn of(lead: LeadRecord, section: Section) -> QueueRow {
        let key = match section {
            Section::Next => QueueKey::Next(OrderKey::of(&lead)),
            Section::WindowClosed => QueueKey::WindowClosed(OrderKey::of(&lead)),
            Section::Later => QueueKey::Later {
                due_ms: lead.next_attempt_at.map_or(0, |d| d.timestamp_millis()),
                id: lead.id.0,
            },
        };
        QueueRow {
            key,
            lead: lead.id,
            next_attempt: lead.attempts + 1,
            due_at: lead
                .next_attempt_at
                .filter(|_| lead.state == crate::domain::LeadState::RetryWait),
            name: lead.name,
            phone: lead.phone,
        }
    }

    /// Not dialled now because its calling window is closed.
    pub fn window_closed(&self) -> bool {
        matches!(self.key, QueueKey::WindowClosed(_))
    }
}

fn like(filter: Option<&str>) -> Option<String> {
    filter
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| format!("%{}%", f.replace(['%', '_'], "")))
}

/// One pane read: the campaign, the filter, and which zones are open now.
struct PaneRead {
    campaign: CampaignId,
    at: DateTime<Utc>,
    open: OpenZones,
    known: Vec<String>,
    pattern: Option<String>,
}

impl PaneRead {
    fn new(
        conn: &Connection,
        campaign: CampaignId,
        at: DateTime<Utc>,
        filter: Option<&str>,
    ) -> Result<PaneRead, StoreError> {
        let settings = CampaignRecord::get(conn, campaign)?.settings;
        let known = queue::zones(conn, campaign)?;
        // The same open zones the engine's scheduler computes before it dials.
        let open = calling_hours::open_zones(&known, &settings.window, settings.tz(), at);
        Ok(PaneRead {
            campaign,
            at,
            open,
            known,
            pattern: like(filter),
        })
    }

    /// Reads one section, from `from` (excluded) one way.
    fn section(
        &self,
        conn: &Connection,
        section: Section,
        from: Option<QueueKey>,
        way: Way,
        limit: usize,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let from = from.filter(|k| k.section() == section);
        let window = match section {
            Section::Next => Window::Open,
            Section::WindowClosed => Window::Closed,
            Section::Later => return self.later(conn, from, way, limit),
        };
        let leads = dialling_order::read(
            conn,
            &OrderQuery {
                campaign: self.campaign,
                now: self.at,
                open: &self.open,
                known_zones: &self.known,
                window,
                way,
                from: match from {
                    Some(QueueKey::Next(k) | QueueKey::WindowClosed(k)) => Some(k),
                    _ => None,
                },
                limit,
                pattern: self.pattern.as_deref(),
            },
        )?;
        Ok(leads
            .into_iter()
            .map(|l| QueueRow::of(l, section))
            .collect())
    }

    /// Retries not due yet, by due time, after or before `from`.
    fn later(
        &self,
        conn: &Connection,
        from: Option<QueueKey>,
        way: Way,
        limit: usize,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let (due, id) = match from {
            Some(QueueKey::Later { due_ms, id }) => (Some(due_ms), id),
            _ => (None, 0),
        };
        let (keyset, order) = match way {
            Way::After => ("(next_attempt_at, id) > (?3, ?4)", "next_attempt_at, id"),
            Way::Before => (
                "(next_attempt_at, id) < (?3, ?4)",
                "next_attempt_at DESC, id DESC",
            ),
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {LEAD_COLUMNS} FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait'
                 AND next_attempt_at > ?2 AND (?3 IS NULL OR {keyset})
                 AND (?6 IS NULL OR name LIKE ?6 OR phone LIKE ?6) ORDER BY {order} LIMIT ?5"
        ))?;
        let rows = stmt.query_map(
            params![
                self.campaign.0,
                self.at.timestamp_millis(),
                due,
                id,
                limit as i64,
                self.pattern
            ],
            LeadRecord::from_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.push(QueueRow::of(row??, Section::Later));
        }
        if way == Way::Before {
            out.reverse();
        }
        Ok(out)
    }
}

/// Up to `limit` rows after `after` (from the front when `None`), as of `now`.
pub fn queue_after(
    conn: &Connection,
    campaign: CampaignId,
    now: DateTime<Utc>,
    after: Option<QueueKey>,
    limit: usize,
    filter: Option<&str>,
) -> Result<Vec<QueueRow>, StoreError> {
    let read = PaneRead::new(conn, campaign, now, filter)?;
    let start = after.map_or(Section::Next, |k| k.section());
    let mut out = Vec::with_capacity(limit);
    for section in SECTIONS.into_iter().filter(|s| *s >= start) {
        if out.len() >= limit {
            break;
        }
        out.extend(read.section(conn, section, after, Way::After, limit - out.len())?);
    }
    Ok(out)
}

/// Up to `limit` rows before `before` (from the very end when `None`), returned in
/// pane order.
pub fn queue_before(
    conn: &Connection,
    campaign: CampaignId,
    now: DateTime<Utc>,
    before: Option<QueueKey>,
    limit: usize,
    filter: Option<&str>,
) -> Result<Vec<QueueRow>, StoreError> {
    let read = PaneRead::new(conn, campaign, now, filter)?;
    let start = before.map_or(Section::Later, |k| k.section());
    let mut out: Vec<QueueRow> = Vec::with_capacity(limit);
    for section in SECTIONS.into_iter().rev().filter(|s| *s <= start) {
        if out.len() >= limit {
            break;
        }
        let rows = read.section(conn, section, before, Way::Before, limit - out.len())?;
        out.splice(0..0, rows);
    }
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

/// The `limit` events of `campaign` just after event `after` (from its first with
/// `0`), oldest first: the timeline read forward from the campaign's start.
pub fn timeline_after(
    conn: &Connection,
    campaign: CampaignId,
    after: i64,
    limit: usize,
) -> Result<Vec<TimelineRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{TIMELINE_SELECT} WHERE e.campaign_id = ?1 AND e.id > ?2 ORDER BY e.id ASC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![campaign.0, after, limit as i64], timeline_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One step of an attempt's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptStep {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: String,
}

/// One call with everything LiveKit told us about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
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
    /// The caller ID presented; null for the trunk's own number.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// The A/B variant, and where the recording goes or why it failed.
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub recording: Option<String>,
    #[serde(default)]
    pub recording_error: Option<String>,
    pub steps: Vec<AttemptStep>,
    /// The campaign's ring timeout, the cap on this call's ring time.
    #[serde(default)]
    pub ring_timeout_ms: u64,
}

impl AttemptHistory {
    fn times(&self) -> CallTimes {
        CallTimes {
            dialed_at: self.dialed_at,
            answered_at: self.answered_at,
            ended_at: self.ended_at,
        }
    }

    /// As `domain::figures` defines it: dial to answer, or to the end of a call never
    /// answered, never past the ring timeout.
    pub fn ring_time(&self) -> Option<chrono::Duration> {
        let timeout = chrono::Duration::milliseconds(self.ring_timeout_ms as i64);
        self.times().ring_time(timeout)
    }

    /// Answer to hang-up.
    pub fn talk_time(&self) -> Option<chrono::Duration> {
        self.times().talk_time()
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

impl LeadHistory {
    /// As the CLI's `--json` and the HTTP API give it.
    pub fn served(self) -> ServedLeadHistory {
        let attempts = self
            .attempts
            .into_iter()
            .map(|attempt| ServedAttempt {
                ring_time_ms: attempt.ring_time().map(|d| d.num_milliseconds()),
                talk_time_ms: attempt.talk_time().map(|d| d.num_milliseconds()),
                attempt,
            })
            .collect();
        ServedLeadHistory {
            lead: self.lead,
            numbers: self.numbers,
            attempts,
        }
    }

    /// [`LeadHistory::served`] as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.clone().served()).unwrap_or_default()
    }
}

/// A lead's history as the CLI's `--json` and the HTTP API give it: each call with its
/// ring and talk time added (`ringTimeMs`, `talkTimeMs`), so no client works them out
/// again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = LeadHistory)]
pub struct ServedLeadHistory {
    pub lead: LeadRecord,
    /// Every number of the lead, primary first, with what its calls came to
    pub numbers: Vec<crate::domain::lead_numbers::LeadNumber>,
    /// Every call, oldest first, with its steps
    pub attempts: Vec<ServedAttempt>,
}

/// A call of a lead's history with its ring and talk time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = LeadHistoryCall)]
pub struct ServedAttempt {
    #[serde(flatten)]
    pub attempt: AttemptHistory,
    /// Dial to answer, or to the end of a call never answered, never past the ring timeout
    pub ring_time_ms: Option<i64>,
    /// Answer to hang-up
    pub talk_time_ms: Option<i64>,
}

pub fn lead_history(conn: &Connection, lead: LeadId) -> Result<LeadHistory, StoreError> {
    let record = LeadRecord::get(conn, lead)?;
    let ring_timeout_ms = super::call_figures::ring_timeout(conn, record.campaign)?
        .num_milliseconds()
        .max(0) as u64;
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, phone, state, sip_status_code, sip_status, twirp_code, disconnect_reason, error,
                disposition, created_at, dialed_at, ringing_at, answered_at, ended_at, caller_id,
                variant, recording, recording_error
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
                variant: r.get(16)?,
                recording: r.get(17)?,
                recording_error: r.get(18)?,
                steps: Vec::new(),
                ring_timeout_ms,
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

    fn noon() -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 1, 12, 0, 0).unwrap()
    }

    /// 50 leads (priority 5 every tenth), two due retries, one retry due later, and
    /// two leads in a zone whose calling window is shut at noon UTC.
    fn mixed_queue() -> (Connection, CampaignId) {
        let (conn, c) = db_with_leads(50);
        let now = noon().timestamp_millis();
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 1, next_attempt_at = ?1 WHERE id = 2", [now - 2000]).unwrap();
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 2, next_attempt_at = ?1 WHERE id = 3", [now - 1000]).unwrap();
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 1, next_attempt_at = ?1 WHERE id = 11", [now - 5000]).unwrap();
        conn.execute("UPDATE leads SET state = 'retry_wait', attempts = 1, next_attempt_at = ?1 WHERE id = 4", [now + 60_000]).unwrap();
        // 22:00 in Tokyo.
        conn.execute(
            "UPDATE leads SET timezone = 'Asia/Tokyo' WHERE id IN (5, 21)",
            [],
        )
        .unwrap();
        (conn, c)
    }

    fn walk_forward(conn: &Connection, c: CampaignId, page: usize) -> Vec<QueueRow> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let rows = queue_after(conn, c, noon(), after, page, None).unwrap();
            if rows.is_empty() {
                return all;
            }
            after = rows.last().map(|r| r.key);
            all.extend(rows);
        }
    }

    #[test]
    fn the_pane_lists_what_the_engine_will_dial_next_in_its_order() {
        let (conn, c) = mixed_queue();
        let known = queue::zones(&conn, c).unwrap();
        let settings = CampaignRecord::get(&conn, c).unwrap().settings;
        // Exactly what the engine's scheduler does before it dials.
        let open = calling_hours::open_zones(&known, &settings.window, settings.tz(), noon());
        let engine = queue::next_page(
            &conn,
            &queue::QueueQuery {
                campaign: c,
                now: noon(),
                open,
                limit: 20,
            },
            &known,
        )
        .unwrap();
        let engine_ids: Vec<i64> = engine.leads.iter().map(|l| l.id.0).collect();
        let pane = queue_after(&conn, c, noon(), None, 20, None).unwrap();
        let pane_ids: Vec<i64> = pane.iter().map(|r| r.lead.0).collect();
        assert_eq!(
            pane_ids, engine_ids,
            "the pane's first 20 are the engine's next 20"
        );
        // Priority 5 first, its due retry (11) ahead of its pending leads; then the
        // due retries of priority 0 by due time (2 before 3); Tokyo's 21 and 5 are not
        // callable at noon UTC.
        assert_eq!(&pane_ids[..6], &[11, 1, 31, 41, 2, 3]);
        assert!(!pane_ids.contains(&21) && !pane_ids.contains(&5));
    }

    #[test]
    fn pages_walk_the_queue_in_pane_order_both_ways() {
        let (conn, c) = mixed_queue();
        let all = walk_forward(&conn, c, 7);
        assert_eq!(all.len(), 50);
        let ids: Vec<i64> = all.iter().map(|r| r.lead.0).collect();
        assert_eq!(&ids[..6], &[11, 1, 31, 41, 2, 3]);
        // Then the leads outside their window, in dialling order, then the retry due later.
        assert_eq!(&ids[47..], &[21, 5, 4]);
        assert!(all[47].window_closed() && all[48].window_closed());
        assert!(!all[0].window_closed());
        assert!(all[49].due_at.is_some() && all[1].due_at.is_none());
        assert_eq!(all[5].next_attempt, 3);
        for page in [1, 2, 3, 5, 100] {
            assert_eq!(
                walk_forward(&conn, c, page),
                all,
                "page size {page} changes nothing"
            );
        }

        for size in [1, 4, 9] {
            let mut back = Vec::new();
            let mut before = None;
            loop {
                let page = queue_before(&conn, c, noon(), before, size, None).unwrap();
                if page.is_empty() {
                    break;
                }
                before = page.first().map(|r| r.key);
                back.splice(0..0, page);
            }
            assert_eq!(back, all, "pages of {size} backward");
        }
    }

    #[test]
    fn filter_narrows_the_queue() {
        let (conn, c) = db_with_leads(30);
        let page = queue_after(&conn, c, noon(), None, 20, Some("Lead 2")).unwrap();
        let names: Vec<_> = page.iter().filter_map(|r| r.name.clone()).collect();
        assert!(names.iter().all(|n| n.contains("Lead 2")), "{names:?}");
        assert_eq!(names.len(), 11, "Lead 2 and Lead 20..29");
    }

    #[test]
    fn a_lead_history_caps_an_unanswered_ring_at_the_ring_timeout() {
        let (conn, c) = db_with_leads(1);
        // Never answered, its end seen 90 s after the dial; the campaign rings 30 s.
        conn.execute(
            "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at, dialed_at, ended_at)
             VALUES (?1, 1, 1, '+1', 'no_answer', 'r1', 0, 1000, 91000)",
            [c.0],
        )
        .unwrap();
        let history = lead_history(&conn, LeadId(1)).unwrap();
        let attempt = &history.attempts[0];
        assert_eq!(attempt.ring_time(), Some(chrono::Duration::seconds(30)));
        assert_eq!(attempt.talk_time(), None);
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
        let ids = |rows: Vec<TimelineRow>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(timeline_after(&conn, c, 0, 3).unwrap()), vec![1, 2, 3]);
        assert_eq!(ids(timeline_after(&conn, c, 7, 100).unwrap()), vec![8, 9]);
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
