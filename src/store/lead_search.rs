//! Finding a lead: by any part of its number, name or variable values, by state and by
//! last outcome, in one campaign or all, a page at a time in lead id order.
//!
//! Every page is read from an index in id order and stops when it is full, so it costs
//! the same at a million leads as at a thousand:
//! - text of three characters or more: the `lead_text` trigram index (migration 9),
//!   whose matches come in id order; a LIKE scan over a million rows takes ~0.5 s;
//! - shorter text: a scan in id order, which stops at the first page of matches (one or
//!   two characters match most leads);
//! - no text: `leads_by_state` (or `leads_by_outcome`), one walk per campaign and state,
//!   merged: each walk is already in id order, so none reads more than a page.

use super::{from_millis, StoreError};
use crate::domain::{CampaignId, LeadId, LeadState, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// What to look for. Every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    /// `None`: every campaign.
    pub campaign: Option<CampaignId>,
    /// A part of the number (`+44 20…` is a prefix of the E.164, `7946 0958` any run of
    /// its digits), of the name or of any variable's value; any case.
    pub text: Option<String>,
    pub state: Option<LeadState>,
    pub outcome: Option<Outcome>,
}

/// One lead found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadRow {
    pub lead: LeadId,
    pub campaign: CampaignId,
    /// E.164
    pub phone: String,
    pub name: Option<String>,
    pub state: LeadState,
    /// Every call made to it, counted or not
    pub attempts: u32,
    pub last_outcome: Option<Outcome>,
    /// When its last call was dialled (created, if it never was)
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a retry is due, while it waits for one
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// One page of leads and the key of the next (null on the last page).
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct LeadPage {
    pub rows: Vec<LeadRow>,
    /// Pass as after for the next page; null on the last
    pub next: Option<LeadId>,
}

/// Up to `limit` leads after `after` (from the first without it), by id.
pub fn search(
    conn: &Connection,
    filter: &LeadFilter,
    after: Option<LeadId>,
    limit: usize,
) -> Result<LeadPage, StoreError> {
    if let Some(campaign) = filter.campaign {
        // An empty page would hide a mistyped id.
        if !super::CampaignRecord::exists(conn, campaign)? {
            return Err(StoreError::NotFound(format!("campaign {campaign}")));
        }
    }
    let after = after.map_or(0, |l| l.0);
    // One more than asked says whether there is a next page.
    let want = limit + 1;
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut ids = match text.map(SearchText::of) {
        Some(SearchText::Indexed(phrase)) => by_text(conn, filter, &phrase, after, want)?,
        Some(SearchText::Short(pattern)) => by_scan(conn, filter, &pattern, after, want)?,
        None => by_index(conn, filter, after, want)?,
    };
    let next = (ids.len() > limit).then(|| LeadId(ids[limit - 1]));
    ids.truncate(limit);
    let rows = ids
        .into_iter()
        .map(|id| row(conn, id))
        .collect::<Result<_, _>>()?;
    Ok(LeadPage { rows, next })
}

/// How a search text is looked up.
#[derive(Debug, PartialEq)]
enum SearchText {
    /// A full-text query for the trigram index.
    Indexed(String),
    /// A LIKE pattern, for text too short to have a trigram.
    Short(String),
}

impl SearchText {
    fn of(text: &str) -> SearchText {
        // A number as people write it ("+44 (20) 7946-0958") is searched as its digits,
        // which is how the phone and most account numbers are stored.
        let phone_like = text.chars().any(|c| c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let text = if phone_like {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if text.starts_with('+') {
                format!("+{digits}")
            } else {
                digits
            }
        } else {
            text.to_owned()
        };
        if text.chars().count() >= 3 {
            // One phrase: a substring of the phone, the name or a variable's value.
            SearchText::Indexed(format!("\"{}\"", text.replace('"', "\"\"")))
        } else {
            SearchText::Short(format!("%{}%", escape_like(&text)))
        }
    }
}

/// `text` with LIKE's wildcards escaped by `\`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The conditions on `leads l` every way shares: ?2 campaign, ?3 state, ?4 outcome.
const FILTERS: &str = "(?2 IS NULL OR l.campaign_id = ?2) AND (?3 IS NULL OR l.state = ?3)
     AND (?4 IS NULL OR l.last_outcome = ?4)";

/// Leads whose trigrams match `phrase` (three characters or more), in id order.
fn by_text(
    conn: &Connection,
    filter: &LeadFilter,
    phrase: &str,
    after: i64,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let sql = format!(
        "SELECT l.id FROM lead_text JOIN leads l ON l.id = lead_text.rowid
         WHERE lead_text MATCH ?1 AND lead_text.rowid > ?5 AND {FILTERS}
         ORDER BY lead_text.rowid LIMIT ?6"
    );
    ids_of(conn, &sql, filter, phrase, after, want)
}

/// Leads whose number, name or variables contain `pattern` (text too short for
/// trigrams), by a scan in id order.
fn by_scan(
    conn: &Connection,
    filter: &LeadFilter,
    pattern: &str,
    after: i64,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let sql = format!(
        "SELECT l.id FROM leads l NOT INDEXED
         WHERE l.id > ?5 AND {FILTERS}
           AND (l.phone LIKE ?1 ESCAPE '\\' OR l.name LIKE ?1 ESCAPE '\\'
                OR l.variables LIKE ?1 ESCAPE '\\')
         ORDER BY l.id LIMIT ?6"
    );
    ids_of(conn, &sql, filter, pattern, after, want)
}

/// Runs one of the text reads: ?1 the text, ?2..?4 the filters, ?5 the last id seen,
/// ?6 how many.
fn ids_of(
    conn: &Connection,
    sql: &str,
    filter: &LeadFilter,
    text: &str,
    after: i64,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let ids = stmt.query_map(
        params![
            text,
            filter.campaign.map(|c| c.0),
            filter.state.map(LeadState::as_str),
            filter.outcome.map(Outcome::as_str),
            after,
            want as i64
        ],
        |r| r.get(0),
    )?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// No text: one walk in id order per campaign and state (or last outcome), each along
/// its index and at most a page long, merged.
fn by_index(
    conn: &Connection,
    filter: &LeadFilter,
    after: i64,
    want: usize,
) -> Result<Vec<i64>, StoreError> {
    let campaigns = match filter.campaign {
        Some(c) => vec![c.0],
        None => conn
            .prepare_cached("SELECT id FROM campaigns ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    };
    let outcome = filter.outcome.map(Outcome::as_str);
    let mut ids: Vec<i64> = Vec::new();
    for campaign in campaigns {
        if let Some(outcome) = outcome {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM leads INDEXED BY leads_by_outcome
                 WHERE campaign_id = ?1 AND last_outcome = ?2 AND id > ?3
                   AND (?4 IS NULL OR state = ?4)
                 ORDER BY id LIMIT ?5",
            )?;
            let rows = stmt.query_map(
                params![
                    campaign,
                    outcome,
                    after,
                    filter.state.map(LeadState::as_str),
                    want as i64
                ],
                |r| r.get(0),
            )?;
            ids.extend(rows.collect::<Result<Vec<i64>, _>>()?);
            continue;
        }
        let states = filter.state.map_or(LeadState::ALL.to_vec(), |s| vec![s]);
        for state in states {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM leads INDEXED BY leads_by_state
                 WHERE campaign_id = ?1 AND state = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
            )?;
            let rows = stmt
                .query_map(params![campaign, state.as_str(), after, want as i64], |r| {
                    r.get(0)
                })?;
            ids.extend(rows.collect::<Result<Vec<i64>, _>>()?);
        }
    }
    ids.sort_unstable();
    ids.truncate(want);
    Ok(ids)
}

fn row(conn: &Connection, id: i64) -> Result<LeadRow, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.campaign_id, l.phone, l.name, l.state, l.last_outcome, l.next_attempt_at,
            (SELECT count(*) FROM attempts a WHERE a.lead_id = l.id),
            (SELECT coalesce(a.dialed_at, a.created_at) FROM attempts a
              WHERE a.lead_id = l.id ORDER BY a.id DESC LIMIT 1)
         FROM leads l WHERE l.id = ?1",
    )?;
    let raw = stmt
        .query_row([id], |r| {
            Ok((
                LeadId(r.get(0)?),
                CampaignId(r.get(1)?),
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, u32>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("lead {id}")))?;
    let (lead, campaign, phone, name, state, outcome, next, attempts, last) = raw;
    let what = |field: &str| format!("{field} of lead {lead}");
    let state: LeadState = state
        .parse()
        .map_err(|e| StoreError::corrupt(what("state"), e))?;
    Ok(LeadRow {
        lead,
        campaign,
        phone,
        name,
        state,
        attempts,
        last_outcome: outcome
            .map(|o| o.parse())
            .transpose()
            .map_err(|e| StoreError::corrupt(what("last outcome"), e))?,
        last_attempt_at: last.map(from_millis),
        next_attempt_at: next
            .filter(|_| state == LeadState::RetryWait)
            .map(from_millis),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CampaignSettings;
    use crate::store::{CampaignRecord, LeadRecord, NewCampaign, NewLead};
    use serde_json::json;

    fn campaign(conn: &Connection) -> CampaignId {
        let settings = CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        CampaignRecord::insert(
            conn,
            &NewCampaign {
                settings,
                now: Utc::now(),
            },
        )
        .unwrap()
    }

    fn lead(conn: &Connection, c: CampaignId, phone: &str, name: &str, plan: &str) -> LeadId {
        let variables = json!({ "plan": plan, "account": "AC-9031" });
        let lead = NewLead {
            phone: phone.into(),
            name: Some(name.into()),
            variables: variables.as_object().unwrap().clone(),
            ..Default::default()
        };
        LeadRecord::insert(conn, c, &lead, Utc::now())
            .unwrap()
            .unwrap()
    }

    /// Two campaigns: 30 leads in the first (every third retrying after a busy call),
    /// one in the second.
    fn db() -> (Connection, CampaignId, CampaignId) {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let (a, b) = (campaign(&conn), campaign(&conn));
        for i in 0..30 {
            let plan = if i == 7 { "Gold Ünlimited" } else { "basic" };
            lead(
                &conn,
                a,
                &format!("+4420794609{i:02}"),
                &format!("Ada Lovelace {i}"),
                plan,
            );
        }
        lead(&conn, b, "+12125550100", "Grace Hopper", "basic");
        conn.execute(
            "UPDATE leads SET state = 'retry_wait', last_outcome = 'busy', next_attempt_at = 5000
             WHERE id % 3 = 0",
            [],
        )
        .unwrap();
        (conn, a, b)
    }

    fn ids(conn: &Connection, filter: LeadFilter) -> Vec<i64> {
        search(conn, &filter, None, 100)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.lead.0)
            .collect()
    }

    fn text(t: &str) -> LeadFilter {
        LeadFilter {
            text: Some(t.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_number_is_found_by_its_e164_prefix_or_any_run_of_its_digits() {
        let (conn, _, b) = db();
        assert_eq!(ids(&conn, text("+1 (212) 555")), vec![31]);
        assert_eq!(ids(&conn, text("555-0100")), vec![31]);
        // `+` anchors at the start: "+212" is not a prefix of +12125550100.
        assert!(ids(&conn, text("+212")).is_empty());
        assert_eq!(ids(&conn, text("+44 20 7946 0907")), vec![8]);
        let filter = LeadFilter {
            campaign: Some(b),
            ..text("7946")
        };
        assert!(ids(&conn, filter).is_empty(), "the campaign narrows it");
    }

    #[test]
    fn names_and_variable_values_match_in_any_case_and_without_accents() {
        let (conn, a, _) = db();
        assert_eq!(ids(&conn, text("grace HOP")), vec![31]);
        assert_eq!(ids(&conn, text("unlimited")), vec![8]);
        assert_eq!(ids(&conn, text("ac-9031")).len(), 31);
        // Keys are not values.
        assert!(ids(&conn, text("account")).is_empty());
        let short = LeadFilter {
            campaign: Some(a),
            ..text("7")
        };
        assert_eq!(ids(&conn, short).len(), 30, "short text is a scan");
    }

    #[test]
    fn state_and_outcome_filter_with_or_without_text() {
        let (conn, a, _) = db();
        let busy = LeadFilter {
            outcome: Some(Outcome::Busy),
            ..Default::default()
        };
        assert_eq!(
            ids(&conn, busy.clone()),
            (1..=10).map(|i| i * 3).collect::<Vec<_>>()
        );
        let waiting = LeadFilter {
            campaign: Some(a),
            state: Some(LeadState::RetryWait),
            text: Some("lovelace 1".into()),
            ..Default::default()
        };
        assert_eq!(ids(&conn, waiting), vec![12, 15, 18]);
        let pending = LeadFilter {
            state: Some(LeadState::Pending),
            ..Default::default()
        };
        assert_eq!(ids(&conn, pending).len(), 21);
        assert_eq!(ids(&conn, LeadFilter::default()).len(), 31);
    }

    #[test]
    fn pages_walk_every_match_once_in_id_order() {
        let (conn, _, _) = db();
        for filter in [LeadFilter::default(), text("ada"), text("a")] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = search(&conn, &filter, after, 7).unwrap();
                seen.extend(page.rows.iter().map(|r| r.lead.0));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen, ids(&conn, filter.clone()), "{filter:?}");
            assert!(seen.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn a_row_tells_the_lead_s_calls() {
        let (conn, _, _) = db();
        conn.execute(
            "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at, dialed_at)
             VALUES (1, 3, 1, '+1', 'busy', 'r1', 1000, 2000), (1, 3, 2, '+1', 'busy', 'r2', 3000, NULL)",
            [],
        )
        .unwrap();
        let page = search(&conn, &text("Lovelace 2"), None, 1).unwrap();
        assert_eq!(page.next, Some(LeadId(3)));
        let row = &page.rows[0];
        assert_eq!((row.attempts, row.state), (2, LeadState::RetryWait));
        assert_eq!(row.last_outcome, Some(Outcome::Busy));
        assert_eq!(row.last_attempt_at, Some(from_millis(3000)));
        assert_eq!(row.next_attempt_at, Some(from_millis(5000)));
    }

    #[test]
    fn the_index_follows_edits_and_deletes() {
        let (conn, _, _) = db();
        conn.execute(
            "UPDATE leads SET name = 'Katherine Johnson' WHERE id = 31",
            [],
        )
        .unwrap();
        assert!(ids(&conn, text("grace")).is_empty());
        assert_eq!(ids(&conn, text("katherine")), vec![31]);
        conn.execute("DELETE FROM leads WHERE id = 31", []).unwrap();
        assert!(ids(&conn, text("katherine")).is_empty());
    }

    #[test]
    fn an_import_indexes_its_leads_at_the_end_and_a_failed_one_changes_nothing() {
        use crate::store::{ImportedLead, LeadImporter};
        let (conn, a, _) = db();
        let lead = |line: u64, phone: &str, name: &str| ImportedLead {
            line,
            phone: phone.into(),
            name: Some(name.into()),
            timezone: None,
            priority: 0,
            variables_json: r#"{"plan": "platinum"}"#.into(),
            alternates: Vec::new(),
        };
        let trigger = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'lead_text_insert'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        // Failed: rolled back as the import's writer job is, the trigger stays.
        conn.execute_batch("SAVEPOINT job").unwrap();
        let mut importer = LeadImporter::begin(&conn, a, Utc::now(), None).unwrap();
        importer
            .insert(&lead(2, "+14155550199", "Mae Jemison"))
            .unwrap();
        drop(importer);
        conn.execute_batch("ROLLBACK TO job; RELEASE job").unwrap();
        assert_eq!(trigger(&conn), 1);
        assert!(ids(&conn, text("jemison")).is_empty());
        // Finished: every lead it added is found, and one added later is too.
        let mut importer = LeadImporter::begin(&conn, a, Utc::now(), None).unwrap();
        importer
            .insert(&lead(2, "+14155550199", "Mae Jemison"))
            .unwrap();
        importer
            .insert(&lead(3, "+14155550198", "Dorothy Vaughan"))
            .unwrap();
        importer.finish().unwrap();
        assert_eq!(trigger(&conn), 1);
        assert_eq!(ids(&conn, text("jemison")).len(), 1);
        assert_eq!(ids(&conn, text("platinum")).len(), 2);
        assert_eq!(ids(&conn, text("4155550198")).len(), 1);
        lead_after(&conn, a);
        assert_eq!(ids(&conn, text("katherine")).len(), 1);
    }

    fn lead_after(conn: &Connection, c: CampaignId) {
        lead(conn, c, "+14155550197", "Katherine Johnson", "basic");
    }

    #[test]
    fn upgrading_indexes_the_leads_already_there() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, 8).unwrap();
        let c = campaign(&conn);
        conn.execute(
            "INSERT INTO leads (campaign_id, phone, name, variables, created_at)
             VALUES (?1, '+14155550123', 'Grace Hopper', '{\"plan\": \"gold\"}', 0)",
            [c.0],
        )
        .unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        assert_eq!(ids(&conn, text("hopper")), vec![1]);
        assert_eq!(ids(&conn, text("gold")), vec![1]);
    }

    #[test]
    fn text_reads_the_trigram_index_in_id_order_without_sorting() {
        let (conn, _, _) = db();
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT l.id FROM lead_text JOIN leads l ON l.id = lead_text.rowid
                 WHERE lead_text MATCH ?1 AND lead_text.rowid > ?5 AND {FILTERS}
                 ORDER BY lead_text.rowid LIMIT ?6"
            ))
            .unwrap()
            .query_map(params!["\"ada\"", None::<i64>, None::<String>, None::<String>, 0, 10], |r| {
                r.get(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan[0].contains("VIRTUAL TABLE INDEX"), "{plan:?}");
        assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
    }
}
