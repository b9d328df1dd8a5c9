//! Attempt rows: one per call. `begin` is the write-ahead step: the attempt is committed
//! as `dialing` (and its lead as `dialing`) before LiveKit is asked to dial, after the
//! last checks that must be fresh (still due, not on a do-not-call list, under the
//! per-number daily limit). `finish` records the outcome and moves the lead on, in one
//! transaction.

use super::caller_ids::CallerIdChoice;
use super::{attempt_events, from_millis, LeadRecord, StoreError, LEAD_COLUMNS};
use crate::domain::lead_numbers::{dial_order, has_another_number, lead_numbers};
use crate::domain::{
    AttemptEventKind, AttemptId, AttemptState, CampaignId, LeadId, LeadState, Outcome,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::json;

/// What `begin` needs to know.
#[derive(Debug, Clone)]
pub struct BeginAttempt {
    pub campaign: CampaignId,
    pub lead: LeadId,
    pub now: DateTime<Utc>,
    pub room_prefix: String,
    /// Counted attempts to one number per day, across campaigns.
    pub per_number_limit: u32,
    /// Start of the lead's local day, for that limit.
    pub number_day_start: DateTime<Utc>,
    /// The A/B variant the lead is called with, if the campaign has variants.
    pub variant: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Begun {
    Started(Box<StartedAttempt>),
    /// The number is on a do-not-call list: the lead is now `dnc`, nothing was dialled.
    OnDnc,
    /// The number had its calls for today; the lead is untouched.
    NumberLimitReached,
    /// Every caller ID of the campaign's pool is at its daily cap or resting; nothing
    /// was dialled and the lead is untouched. The pool is usable again at `until`.
    CallerIdsUnavailable {
        until: DateTime<Utc>,
        capped: usize,
        resting: usize,
    },
    /// The lead is no longer waiting to be dialled (another path moved it on).
    NotDialable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StartedAttempt {
    pub attempt: AttemptId,
    /// 1 for the lead's first counted attempt.
    pub number: u32,
    pub room: String,
    /// The number dialled: the lead's primary or one of its other numbers.
    pub phone: String,
    /// The caller ID presented (`sip_number`); `None` for the trunk's own number.
    pub caller_id: Option<String>,
    /// Timeline lines of the pool numbers this dial rested (their rate collapsed).
    pub rested: Vec<String>,
    /// The lead has another number, not retired, besides `phone`.
    pub other_numbers: bool,
    /// The lead as it was when dialling began (its `attempts` before this call).
    pub lead: LeadRecord,
    pub dialed_at: DateTime<Utc>,
}

/// The write-ahead step. Every check and the insert run in one transaction on the
/// writer thread, so two dials of one lead can never both pass.
pub fn begin(conn: &Connection, req: &BeginAttempt) -> Result<Begun, StoreError> {
    let lead = conn
        .prepare_cached(&format!(
            "SELECT {LEAD_COLUMNS} FROM leads WHERE id = ?1 AND campaign_id = ?2"
        ))?
        .query_row(params![req.lead.0, req.campaign.0], LeadRecord::from_row)
        .optional()?
        .transpose()?;
    let Some(lead) = lead else {
        return Ok(Begun::NotDialable);
    };
    let due = match lead.state {
        LeadState::Pending => true,
        LeadState::RetryWait => lead.next_attempt_at.is_none_or(|at| at <= req.now),
        _ => false,
    };
    if !due {
        return Ok(Begun::NotDialable);
    }
    let (phone, other_numbers) = match number_to_dial(conn, &lead, req)? {
        NumberToDial::Dial {
            phone,
            other_numbers,
        } => (phone, other_numbers),
        NumberToDial::AllOnDnc => {
            set_lead_state(conn, lead.id, LeadState::Dnc)?;
            return Ok(Begun::OnDnc);
        }
        NumberToDial::LimitReached => return Ok(Begun::NumberLimitReached),
        NumberToDial::NoneLeft => return Ok(Begun::NotDialable),
    };
    let settings = super::CampaignRecord::get(conn, req.campaign)?.settings;
    let (caller_id, rested) =
        match super::caller_ids::choose(conn, req.campaign, &settings, &phone, req.now)? {
            CallerIdChoice::TrunkNumber => (None, Vec::new()),
            CallerIdChoice::Picked { number, rested } => (Some(number), rested),
            CallerIdChoice::NoneAvailable {
                until,
                capped,
                resting,
                ..
            } => {
                return Ok(Begun::CallerIdsUnavailable {
                    until,
                    capped,
                    resting,
                })
            }
        };
    let now = req.now.timestamp_millis();
    let number = lead.attempts + 1;
    conn.prepare_cached(
        "INSERT INTO attempts (campaign_id, lead_id, number, phone, caller_id, state, room, created_at, dialed_at, variant)
         VALUES (?1, ?2, ?3, ?4, ?5, 'dialing', '', ?6, ?6, ?7)",
    )?
    .execute(params![req.campaign.0, lead.id.0, number, phone, caller_id, now, req.variant])?;
    let attempt = AttemptId(conn.last_insert_rowid());
    let room = crate::domain::room_name(
        &req.room_prefix,
        req.campaign,
        attempt,
        crate::domain::room_nonce(),
    );
    conn.prepare_cached("UPDATE attempts SET room = ?2 WHERE id = ?1")?
        .execute(params![attempt.0, room])?;
    conn.prepare_cached("UPDATE leads SET state = 'dialing' WHERE id = ?1")?
        .execute([lead.id.0])?;
    let mut rested_lines = Vec::with_capacity(rested.len());
    for (number, verdict) in &rested {
        let line = format!("caller id {number} rested for the day: {verdict}");
        attempt_events::insert(
            conn,
            attempt,
            req.campaign,
            req.now,
            AttemptEventKind::CallerIdRested,
            &line,
            Some(&json!({ "caller_id": number })),
        )?;
        rested_lines.push(line);
    }
    let mut detail = match &caller_id {
        Some(from) => format!("attempt {number} to {phone} from {from}"),
        None => format!("attempt {number} to {phone}"),
    };
    if let Some(variant) = &req.variant {
        detail.push_str(&format!(" (variant {variant})"));
    }
    attempt_events::insert(
        conn,
        attempt,
        req.campaign,
        req.now,
        AttemptEventKind::Queued,
        &detail,
        None,
    )?;
    attempt_events::insert(
        conn,
        attempt,
        req.campaign,
        req.now,
        AttemptEventKind::Dialing,
        &room,
        None,
    )?;
    Ok(Begun::Started(Box::new(StartedAttempt {
        attempt,
        number,
        room,
        phone,
        caller_id,
        rested: rested_lines,
        other_numbers,
        lead,
        dialed_at: req.now,
    })))
}

/// Which of the lead's numbers a call dials now.
enum NumberToDial {
    Dial {
        phone: String,
        other_numbers: bool,
    },
    /// Every number still in use is on a do-not-call list.
    AllOnDnc,
    /// The numbers not on a list had their calls for today.
    LimitReached,
    /// Every number is retired (the network said none exists).
    NoneLeft,
}

/// The first of the lead's numbers, in `dial_order`, that is not on a do-not-call list
/// and under the per-number daily limit.
fn number_to_dial(
    conn: &Connection,
    lead: &LeadRecord,
    req: &BeginAttempt,
) -> Result<NumberToDial, StoreError> {
    let phones = super::lead_phones::phones_of(conn, lead.id, &lead.phone)?;
    let history = super::lead_phones::history_of(conn, lead.id)?;
    let numbers = lead_numbers(&phones, history.iter().map(|(p, o)| (p.as_str(), *o)));
    let last = history.last().and_then(|(phone, outcome)| {
        let index = numbers.iter().position(|n| n.phone == *phone)?;
        Some((index, *outcome))
    });
    let order = dial_order(&numbers, last);
    if order.is_empty() {
        return Ok(NumberToDial::NoneLeft);
    }
    let mut limited = false;
    for index in order {
        let phone = &numbers[index].phone;
        if super::dnc::is_blocked(conn, phone, req.campaign)? {
            continue;
        }
        let today: u32 = conn
            .prepare_cached(
                "SELECT count(*) FROM attempts WHERE phone = ?1 AND counted = 1 AND dialed_at >= ?2",
            )?
            .query_row(
                params![phone, req.number_day_start.timestamp_millis()],
                |r| r.get(0),
            )?;
        if today >= req.per_number_limit {
            limited = true;
            continue;
        }
        return Ok(NumberToDial::Dial {
            phone: phone.clone(),
            other_numbers: has_another_number(&numbers, index),
        });
    }
    Ok(if limited {
        NumberToDial::LimitReached
    } else {
        NumberToDial::AllOnDnc
    })
}

fn set_lead_state(conn: &Connection, lead: LeadId, state: LeadState) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE leads SET state = ?2 WHERE id = ?1")?
        .execute(params![lead.0, state.as_str()])?;
    Ok(())
}

/// Records the call's recording: the egress id and file location, or why it failed.
pub fn set_recording(
    conn: &Connection,
    attempt: AttemptId,
    egress_id: Option<&str>,
    location: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE attempts SET egress_id = ?2, recording = ?3, recording_error = ?4 WHERE id = ?1",
    )?
    .execute(params![attempt.0, egress_id, location, error])?;
    Ok(())
}

/// What LiveKit answered when the dial went through.
#[derive(Debug, Clone, Default)]
pub struct CallIds {
    pub participant_sid: Option<String>,
    pub participant_identity: Option<String>,
    pub sip_call_id: Option<String>,
}

pub fn set_call_ids(
    conn: &Connection,
    attempt: AttemptId,
    ids: &CallIds,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE attempts SET participant_sid = coalesce(?2, participant_sid),
             participant_identity = coalesce(?3, participant_identity), sip_call_id = coalesce(?4, sip_call_id)
         WHERE id = ?1",
    )?
    .execute(params![attempt.0, ids.participant_sid, ids.participant_identity, ids.sip_call_id])?;
    Ok(())
}

/// Moves a live attempt to `ringing` or `answered` at LiveKit's time `at`. Returns
/// false (and writes nothing) when the attempt is already past that step.
pub fn advance(
    conn: &Connection,
    attempt: AttemptId,
    campaign: CampaignId,
    next: AttemptState,
    at: DateTime<Utc>,
    detail: &str,
) -> Result<bool, StoreError> {
    let current = state_of(conn, attempt)?;
    if !current.can_become(next) {
        return Ok(false);
    }
    let (column, kind) = match next {
        AttemptState::Ringing => ("ringing_at", AttemptEventKind::Ringing),
        AttemptState::Answered => ("answered_at", AttemptEventKind::Answered),
        other => {
            return Err(StoreError::Rejected(format!(
                "`advance` cannot move an attempt to {other}"
            )))
        }
    };
    conn.prepare_cached(&format!(
        "UPDATE attempts SET state = ?2, {column} = ?3 WHERE id = ?1"
    ))?
    .execute(params![attempt.0, next.as_str(), at.timestamp_millis()])?;
    attempt_events::insert(conn, attempt, campaign, at, kind, detail, None)?;
    Ok(true)
}

fn state_of(conn: &Connection, attempt: AttemptId) -> Result<AttemptState, StoreError> {
    let state: String = conn
        .prepare_cached("SELECT state FROM attempts WHERE id = ?1")?
        .query_row([attempt.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("attempt {attempt}")))?;
    state
        .parse()
        .map_err(|e| StoreError::corrupt(format!("state of attempt {attempt}"), e))
}

pub fn set_dispatch(
    conn: &Connection,
    attempt: AttemptId,
    campaign: CampaignId,
    dispatch_id: &str,
    agent: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE attempts SET dispatch_id = ?2 WHERE id = ?1")?
        .execute(params![attempt.0, dispatch_id])?;
    attempt_events::insert(
        conn,
        attempt,
        campaign,
        at,
        AttemptEventKind::AgentDispatched,
        agent,
        Some(&json!({ "dispatch_id": dispatch_id })),
    )
}

pub fn set_disposition(
    conn: &Connection,
    attempt: AttemptId,
    campaign: CampaignId,
    disposition: &str,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE attempts SET disposition = ?2 WHERE id = ?1")?
        .execute(params![attempt.0, disposition])?;
    let data = note.map(|n| json!({ "note": n }));
    attempt_events::insert(
        conn,
        attempt,
        campaign,
        at,
        AttemptEventKind::Disposition,
        disposition,
        data.as_ref(),
    )
}

/// How a call ended, and what becomes of its lead.
#[derive(Debug, Clone)]
pub struct FinishAttempt {
    pub attempt: AttemptId,
    pub campaign: CampaignId,
    pub lead: LeadId,
    pub outcome: Outcome,
    pub ended_at: DateTime<Utc>,
    pub sip_status_code: Option<i32>,
    pub sip_status: Option<String>,
    pub twirp_code: Option<String>,
    pub disconnect_reason: Option<String>,
    pub error: Option<String>,
    pub lead_state: LeadState,
    pub lead_due_at: Option<DateTime<Utc>>,
    /// Milliseconds from the answer to the agent joining, when it did.
    pub agent_join_ms: Option<i64>,
}

/// Ends the attempt and moves its lead to the state the engine's policy decided
/// (`engine::policy::lead_fate`). Returns the lead's new state, or `None` if the
/// attempt had already ended (nothing written).
pub fn finish(conn: &Connection, end: &FinishAttempt) -> Result<Option<LeadState>, StoreError> {
    if state_of(conn, end.attempt)?.is_terminal() {
        return Ok(None);
    }
    let counted = end.outcome.counts_as_attempt();
    conn.prepare_cached(
        "UPDATE attempts SET state = ?2, counted = ?3, ended_at = ?4, sip_status_code = ?5, sip_status = ?6,
             twirp_code = ?7, disconnect_reason = ?8, error = ?9, agent_join_ms = coalesce(?10, agent_join_ms)
         WHERE id = ?1",
    )?
    .execute(params![
        end.attempt.0,
        end.outcome.as_str(),
        counted,
        end.ended_at.timestamp_millis(),
        end.sip_status_code,
        end.sip_status,
        end.twirp_code,
        end.disconnect_reason,
        end.error,
        end.agent_join_ms
    ])?;
    let data = json!({
        "outcome": end.outcome.as_str(),
        "sip_status_code": end.sip_status_code,
        "sip_status": end.sip_status,
        "twirp_code": end.twirp_code,
        "disconnect_reason": end.disconnect_reason,
        "error": end.error,
    });
    let kind = if end.outcome == Outcome::NotPlaced {
        AttemptEventKind::InfrastructureError
    } else {
        AttemptEventKind::Ended
    };
    let detail = describe_end(end);
    attempt_events::insert(
        conn,
        end.attempt,
        end.campaign,
        end.ended_at,
        kind,
        &detail,
        Some(&data),
    )?;

    let state = end.lead_state;
    conn.prepare_cached(
        "UPDATE leads SET state = ?2, attempts = attempts + ?3, next_attempt_at = ?4,
             last_outcome = CASE WHEN ?3 = 1 THEN ?5 ELSE last_outcome END
         WHERE id = ?1",
    )?
    .execute(params![
        end.lead.0,
        state.as_str(),
        counted as i64,
        end.lead_due_at.map(|t| t.timestamp_millis()),
        end.outcome.as_str()
    ])?;
    Ok(Some(state))
}

/// One line for the timeline: the outcome with its SIP status and cause.
pub fn describe_end(end: &FinishAttempt) -> String {
    let mut text = end.outcome.to_string();
    if let Some(code) = end.sip_status_code {
        text.push_str(&format!(" (SIP {code}"));
        if let Some(status) = end.sip_status.as_deref().filter(|s| !s.is_empty()) {
            text.push_str(&format!(" {status}"));
        }
        text.push(')');
    }
    if let Some(reason) = end.disconnect_reason.as_deref() {
        let words = crate::domain::end_cause::describe(reason, end.outcome);
        text.push_str(&format!(", {words}"));
    }
    if let Some(error) = end.error.as_deref() {
        text.push_str(&format!(": {error}"));
    }
    text
}

/// An attempt as stored, and as the API serves a call (its names in camelCase, as
/// clients of the previous system know them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Call)]
pub struct AttemptRecord {
    pub id: AttemptId,
    #[serde(rename = "campaignId")]
    pub campaign: CampaignId,
    #[serde(rename = "leadId")]
    pub lead: LeadId,
    /// 1 for the lead's first attempt
    #[serde(rename = "attemptNumber")]
    pub number: u32,
    /// The number dialled: the lead's primary or one of its other numbers
    #[serde(rename = "phoneNumber")]
    pub phone: String,
    /// The caller ID presented (sip_number); null for the trunk's own number
    #[serde(rename = "callerIdNumber")]
    pub caller_id: Option<String>,
    pub state: AttemptState,
    pub room: String,
    pub sip_status_code: Option<i32>,
    pub twirp_code: Option<String>,
    pub disposition: Option<String>,
    pub counted: bool,
    pub created_at: DateTime<Utc>,
    pub dialed_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The A/B variant the lead was called with; null when the campaign has none
    pub variant: Option<String>,
    /// Milliseconds from the answer until the agent was in the room
    pub agent_join_ms: Option<i64>,
    /// The recording's LiveKit egress id
    pub egress_id: Option<String>,
    /// Where the recording is written
    pub recording: Option<String>,
    /// Why the recording could not start
    pub recording_error: Option<String>,
}

const ATTEMPT_COLUMNS: &str =
    "id, campaign_id, lead_id, number, phone, state, room, sip_status_code, twirp_code, \
     disposition, counted, created_at, dialed_at, ringing_at, answered_at, ended_at, caller_id, \
     variant, agent_join_ms, egress_id, recording, recording_error";

impl AttemptRecord {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<AttemptRecord, StoreError>> {
        let id = AttemptId(row.get(0)?);
        let state: String = row.get(5)?;
        let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
            Ok(row.get::<_, Option<i64>>(i)?.map(from_millis))
        };
        let record = AttemptRecord {
            id,
            campaign: CampaignId(row.get(1)?),
            lead: LeadId(row.get(2)?),
            number: row.get(3)?,
            phone: row.get(4)?,
            caller_id: row.get(16)?,
            state: AttemptState::Queued,
            room: row.get(6)?,
            sip_status_code: row.get(7)?,
            twirp_code: row.get(8)?,
            disposition: row.get(9)?,
            counted: row.get(10)?,
            created_at: from_millis(row.get(11)?),
            dialed_at: time(12)?,
            ringing_at: time(13)?,
            answered_at: time(14)?,
            ended_at: time(15)?,
            variant: row.get(17)?,
            agent_join_ms: row.get(18)?,
            egress_id: row.get(19)?,
            recording: row.get(20)?,
            recording_error: row.get(21)?,
        };
        Ok(match state.parse() {
            Ok(state) => Ok(AttemptRecord { state, ..record }),
            Err(e) => Err(StoreError::corrupt(format!("state of attempt {id}"), e)),
        })
    }

    pub fn get(conn: &Connection, id: AttemptId) -> Result<AttemptRecord, StoreError> {
        conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?1"
        ))?
        .query_row([id.0], Self::from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("attempt {id}")))?
    }

    /// Every attempt of a campaign, oldest first.
    pub fn for_campaign(
        conn: &Connection,
        campaign: CampaignId,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE campaign_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([campaign.0], Self::from_row)?;
        rows.map(|r| r?).collect()
    }

    /// A page of a campaign's attempts, oldest first, after `after` (from the first
    /// without it), only those in `state` when given.
    pub fn page(
        conn: &Connection,
        campaign: CampaignId,
        state: Option<AttemptState>,
        after: Option<AttemptId>,
        limit: usize,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE campaign_id = ?1 AND id > ?2
             AND (?3 IS NULL OR state = ?3) ORDER BY id LIMIT ?4"
        ))?;
        let state = state.map(|s| s.to_string());
        let rows = stmt.query_map(
            params![campaign.0, after.map_or(0, |a| a.0), state, limit as i64],
            Self::from_row,
        )?;
        rows.map(|r| r?).collect()
    }

    /// The attempt whose room, or whose LiveKit SIP call id, is `reference`.
    pub fn find_by_call(
        conn: &Connection,
        reference: &str,
    ) -> Result<Option<AttemptRecord>, StoreError> {
        conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE room = ?1 OR sip_call_id = ?1 ORDER BY room = ?1 DESC, id DESC LIMIT 1"
        ))?
        .query_row([reference], Self::from_row)
        .optional()?
        .transpose()
    }

    /// Attempts that never reached an outcome: in flight, or cut off by a crash.
    pub fn in_flight(conn: &Connection) -> Result<Vec<AttemptRecord>, StoreError> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE state IN ('queued', 'dialing', 'ringing', 'answered') ORDER BY id"
        ))?;
        let rows = stmt.query_map([], Self::from_row)?;
        rows.map(|r| r?).collect()
    }
}

/// Counted attempts of a campaign started since `since` (the daily cap).
/// The lead's most recent attempt.
pub fn latest_of_lead(conn: &Connection, lead: LeadId) -> Result<Option<AttemptId>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT max(id) FROM attempts WHERE lead_id = ?1")?
        .query_row([lead.0], |r| r.get::<_, Option<i64>>(0))?
        .map(AttemptId))
}

pub fn counted_since(
    conn: &Connection,
    campaign: CampaignId,
    since: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM attempts WHERE campaign_id = ?1 AND counted = 1 AND dialed_at >= ?2")?
        .query_row(params![campaign.0, since.timestamp_millis()], |r| r.get(0))?;
    Ok(count as u64)
}

/// A crash left leads `dialing` with no attempt in flight (should not happen, as both
/// change in one transaction; this keeps a damaged file from stalling a campaign).
pub fn release_orphaned_leads(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE leads SET state = 'pending' WHERE state = 'dialing' AND NOT EXISTS (
             SELECT 1 FROM attempts a WHERE a.lead_id = leads.id AND a.state IN ('queued', 'dialing', 'ringing', 'answered'))",
        [],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CampaignSettings;
    use crate::store::{CampaignRecord, NewCampaign, NewLead, Store};
    use chrono::TimeZone;

    fn setup() -> (tempfile::TempDir, Store, CampaignId, LeadId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.db")).unwrap();
        let (campaign, lead) = store
            .write_blocking(|conn| {
                let settings = CampaignSettings {
                    name: "c".into(),
                    agent_name: "a".into(),
                    trunk_id: "ST_x".into(),
                    ..Default::default()
                };
                let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
                let campaign = CampaignRecord::insert(conn, &NewCampaign { settings, now })?;
                let lead = NewLead {
                    phone: "+15550000001".into(),
                    ..Default::default()
                };
                let lead = LeadRecord::insert(conn, campaign, &lead, now)?.unwrap();
                Ok((campaign, lead))
            })
            .unwrap();
        (dir, store, campaign, lead)
    }

    fn request(campaign: CampaignId, lead: LeadId, limit: u32) -> BeginAttempt {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        BeginAttempt {
            campaign,
            lead,
            now,
            room_prefix: "outbound".into(),
            per_number_limit: limit,
            number_day_start: now - chrono::Duration::hours(12),
            variant: None,
        }
    }

    #[test]
    fn a_lead_in_a_call_cannot_be_dialled_twice() {
        let (_dir, store, campaign, lead) = setup();
        let req = request(campaign, lead, 3);
        let first = store.write_blocking({
            let req = req.clone();
            move |conn| begin(conn, &req)
        });
        let Ok(Begun::Started(started)) = first else {
            panic!("{first:?}")
        };
        let prefix = format!("outbound-{}-{}-", campaign.0, started.attempt.0);
        assert!(started.room.starts_with(&prefix), "{}", started.room);
        assert_eq!(
            store.write_blocking(move |conn| begin(conn, &req)).unwrap(),
            Begun::NotDialable
        );
        let state = store
            .read_blocking(|conn| LeadRecord::get(conn, lead))
            .unwrap()
            .state;
        assert_eq!(state, LeadState::Dialing);
    }

    #[test]
    fn finishing_counts_the_attempt_and_writes_the_state_the_policy_decided() {
        let (_dir, store, campaign, lead) = setup();
        let req = request(campaign, lead, 3);
        let Begun::Started(started) = store.write_blocking(move |conn| begin(conn, &req)).unwrap()
        else {
            panic!("not started")
        };
        let on_dnc = store
            .write_blocking(move |conn| {
                crate::store::dnc::add(conn, "+15550000001", None, None, Utc::now())?;
                // The policy reads the list through this and decides `dnc`.
                let on_dnc = crate::store::lead_fate::number_on_dnc(conn, lead, campaign)?;
                finish(
                    conn,
                    &FinishAttempt {
                        attempt: started.attempt,
                        campaign,
                        lead,
                        outcome: Outcome::Busy,
                        ended_at: Utc::now(),
                        sip_status_code: Some(486),
                        sip_status: Some("Busy Here".into()),
                        twirp_code: Some("failed_precondition".into()),
                        disconnect_reason: None,
                        error: None,
                        lead_state: LeadState::Dnc,
                        lead_due_at: None,
                        agent_join_ms: None,
                    },
                )?;
                Ok(on_dnc)
            })
            .unwrap();
        assert!(on_dnc);
        let record = store
            .read_blocking(|conn| LeadRecord::get(conn, lead))
            .unwrap();
        assert_eq!(
            (record.state, record.attempts, record.last_outcome),
            (LeadState::Dnc, 1, Some(Outcome::Busy))
        );
    }

    #[test]
    fn the_per_number_limit_counts_calls_across_campaigns() {
        let (_dir, store, campaign, lead) = setup();
        let req = request(campaign, lead, 0);
        assert_eq!(
            store.write_blocking(move |conn| begin(conn, &req)).unwrap(),
            Begun::NumberLimitReached
        );
    }
}
