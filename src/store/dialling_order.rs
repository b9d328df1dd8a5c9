//! The dialling order, defined once: the engine's next leads (`queue::next_page`) and
//! the console's Queue pane (`views::queue_after` / `queue_before`) both read it here.
//!
//! A lead is callable now when it is pending, or waiting for a retry that is due, and
//! its calling window is open. Callable leads go by priority (highest first); at equal
//! priority due retries go first (they have waited already), by due time; pending
//! leads then go in import order. Each page is two keyset queries, one per index
//! (`leads_pending_order`, `leads_retry_due`), merged here, so a page costs the same
//! however many leads the campaign has.

use super::{LeadRecord, StoreError, LEAD_COLUMNS};
use crate::domain::calling_hours::OpenZones;
use crate::domain::CampaignId;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use std::cmp::Ordering;

/// Where a callable lead sits in the dialling order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderKey {
    pub priority: i64,
    /// A due retry (ahead of pending leads of its priority).
    pub retry: bool,
    /// For a retry: when it fell due (unix ms); 0 for a pending lead.
    pub due_ms: i64,
    pub id: i64,
}

impl OrderKey {
    pub fn of(lead: &LeadRecord) -> Self {
        let due = lead
            .next_attempt_at
            .filter(|_| lead.state == crate::domain::LeadState::RetryWait);
        OrderKey {
            priority: lead.priority,
            retry: due.is_some(),
            due_ms: due.map_or(0, |d| d.timestamp_millis()),
            id: lead.id.0,
        }
    }

    fn rank(&self) -> (std::cmp::Reverse<i64>, bool, i64, i64) {
        (
            std::cmp::Reverse(self.priority),
            !self.retry,
            self.due_ms,
            self.id,
        )
    }
}

impl Ord for OrderKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for OrderKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Which side of the calling window a read looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Leads that may be called now: what the engine dials.
    Open,
    /// Leads that would be callable but for their window: the pane shows them apart.
    Closed,
}

/// Reading forward (after a key) or backward (before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    After,
    Before,
}

/// One read of the order.
#[derive(Debug, Clone)]
pub struct OrderQuery<'a> {
    pub campaign: CampaignId,
    pub now: DateTime<Utc>,
    pub open: &'a OpenZones,
    /// Every zone name of the campaign's open leads; a name outside it (a bad CSV
    /// cell) follows the campaign's zone.
    pub known_zones: &'a [String],
    pub window: Window,
    pub way: Way,
    /// Read from this key (excluded); from the start (or end) when `None`.
    pub from: Option<OrderKey>,
    pub limit: usize,
    /// A LIKE pattern over name and phone, for the pane's filter.
    pub pattern: Option<&'a str>,
}

const ZONE_FILTER: &str =
    "(timezone IN (SELECT value FROM json_each(?2)) OR (?3 AND (timezone IS NULL OR timezone NOT IN (SELECT value FROM json_each(?4)))))";
const PATTERN_FILTER: &str = "(?12 IS NULL OR name LIKE ?12 OR phone LIKE ?12)";

/// The SQL of one stream: due retries or pending leads, one side of the window, one
/// way, from a key (`keyed`) or from the start. `?7` says a key is given, `?8..?11` are
/// its priority, retry flag, due time, id.
fn stream_sql(retries: bool, window: Window, way: Way, keyed: bool) -> String {
    let state = match retries {
        true => "state = 'retry_wait' AND next_attempt_at <= ?5",
        false => "state = 'pending'",
    };
    let zones = match window {
        Window::Open => ZONE_FILTER.to_string(),
        Window::Closed => format!("NOT {ZONE_FILTER}"),
    };
    let (keyset, order) = match (retries, way) {
        (true, Way::After) => (
            "priority < ?8 OR (priority = ?8 AND ?9 AND (next_attempt_at, id) > (?10, ?11))",
            "priority DESC, next_attempt_at, id",
        ),
        (false, Way::After) => (
            "priority < ?8 OR (priority = ?8 AND (?9 OR id > ?11))",
            "priority DESC, id",
        ),
        (true, Way::Before) => (
            "priority > ?8 OR (priority = ?8 AND (NOT ?9 OR (next_attempt_at, id) < (?10, ?11)))",
            "priority ASC, next_attempt_at DESC, id DESC",
        ),
        (false, Way::Before) => (
            "priority > ?8 OR (priority = ?8 AND NOT ?9 AND id < ?11)",
            "priority ASC, id DESC",
        ),
    };
    let base = format!(
        "SELECT {LEAD_COLUMNS} FROM leads WHERE campaign_id = ?1 AND {state} AND {zones}
             AND {PATTERN_FILTER}"
    );
    if !retries && keyed {
        return pending_from_key(&base, way);
    }
    format!("{base} AND (NOT ?7 OR {keyset}) ORDER BY {order} LIMIT ?6")
}

/// Pending leads from a key, as two reads the `leads_pending_order` index can seek to:
/// the rest of the key's priority, then the priorities beyond it. One read with
/// `priority < ?8 OR (priority = ?8 AND …)` walks the index from the campaign's first
/// lead to the key, so a page deep in a million leads cost milliseconds, not
/// microseconds. Ordered and cut to `limit` by `read`'s merge.
fn pending_from_key(base: &str, way: Way) -> String {
    let (same_priority, beyond) = match way {
        // After a due retry of the same priority come all its pending leads.
        Way::After => (
            "priority = ?8 AND id > (CASE WHEN ?9 THEN -1 ELSE ?11 END) ORDER BY id",
            "priority < ?8 ORDER BY priority DESC, id",
        ),
        // Before a due retry of the same priority there is no pending lead of it.
        Way::Before => (
            "priority = ?8 AND NOT ?9 AND id < ?11 ORDER BY id DESC",
            "priority > ?8 ORDER BY priority ASC, id DESC",
        ),
    };
    format!(
        "SELECT * FROM ({base} AND {same_priority} LIMIT ?6)
         UNION ALL
         SELECT * FROM ({base} AND {beyond} LIMIT ?6)"
    )
}

/// Up to `limit` leads after (or before) the key, in dialling order either way.
pub fn read(conn: &Connection, query: &OrderQuery<'_>) -> Result<Vec<LeadRecord>, StoreError> {
    let open = serde_json::to_string(&query.open.names)
        .map_err(|e| StoreError::corrupt("zone list", e))?;
    let known = serde_json::to_string(query.known_zones)
        .map_err(|e| StoreError::corrupt("zone list", e))?;
    let key = query.from.unwrap_or(OrderKey {
        priority: 0,
        retry: false,
        due_ms: 0,
        id: 0,
    });
    let mut leads = Vec::new();
    for retries in [true, false] {
        let mut stmt = conn.prepare_cached(&stream_sql(
            retries,
            query.window,
            query.way,
            query.from.is_some(),
        ))?;
        let rows = stmt.query_map(
            params![
                query.campaign.0,
                open,
                query.open.unzoned,
                known,
                query.now.timestamp_millis(),
                query.limit as i64,
                query.from.is_some(),
                key.priority,
                key.retry,
                key.due_ms,
                key.id,
                query.pattern,
            ],
            LeadRecord::from_row,
        )?;
        for row in rows {
            leads.push(row??);
        }
    }
    // Two sorted streams of at most `limit` each: the first `limit` of both, merged.
    leads.sort_by_key(OrderKey::of);
    if query.way == Way::Before {
        leads.reverse();
        leads.truncate(query.limit);
        leads.reverse();
    } else {
        leads.truncate(query.limit);
    }
    Ok(leads)
}
