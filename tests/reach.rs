//! Reach (issue 11): caller-ID pools with local presence, per-caller-ID daily caps
//! across campaigns, resting numbers whose answer rate collapses, and leads with
//! several numbers. The write-ahead step (`attempts::begin`) decides the number dialled
//! and the caller ID presented, so most of it is shown on a real database file; the
//! engine tests at the end drive it against the sandbox.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::settings;
use switchboard::domain::{
    AttemptEventKind, CallerIdPool, CampaignId, CampaignSettings, LeadId, LeadState, Outcome,
};
use switchboard::import::{import_csv, ImportOptions};
use switchboard::store::attempts::{self, BeginAttempt, Begun, FinishAttempt, StartedAttempt};
use switchboard::store::{
    caller_ids, dnc, lead_phones, CampaignRecord, LeadRecord, NewCampaign, NewLead, Store,
};

struct Db {
    _dir: tempfile::TempDir,
    store: Store,
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("switchboard.db")).unwrap();
    Db { _dir: dir, store }
}

/// 10:00 in New York on a summer Monday.
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 14, 0, 0).unwrap()
}

fn pool(numbers: &[&str]) -> CallerIdPool {
    CallerIdPool::parse_list(&numbers.join(",")).unwrap()
}

fn with_pool(name: &str, numbers: &[&str]) -> CampaignSettings {
    CampaignSettings {
        caller_ids: pool(numbers),
        timezone: "America/New_York".into(),
        ..settings(name)
    }
}

impl Db {
    fn campaign(&self, settings: CampaignSettings) -> CampaignId {
        self.store
            .write_blocking(move |c| {
                CampaignRecord::insert(
                    c,
                    &NewCampaign {
                        settings,
                        now: morning(),
                    },
                )
            })
            .unwrap()
    }

    fn lead(&self, campaign: CampaignId, phone: &str, others: &[&str]) -> LeadId {
        let phone = phone.to_owned();
        let others: Vec<(String, String)> = others
            .iter()
            .map(|p| (p.to_string(), "phone2".to_string()))
            .collect();
        self.store
            .write_blocking(move |c| {
                let lead = LeadRecord::insert(
                    c,
                    campaign,
                    &NewLead {
                        phone,
                        ..NewLead::default()
                    },
                    morning(),
                )?
                .expect("a new number");
                lead_phones::add_alternates(c, lead, &others)?;
                Ok(lead)
            })
            .unwrap()
    }

    fn begin(&self, campaign: CampaignId, lead: LeadId, now: DateTime<Utc>) -> Begun {
        self.store
            .write_blocking(move |c| {
                attempts::begin(
                    c,
                    &BeginAttempt {
                        campaign,
                        lead,
                        now,
                        room_prefix: "outbound".into(),
                        per_number_limit: 1000,
                        number_day_start: now - Duration::hours(12),
                        variant: None,
                    },
                )
            })
            .unwrap()
    }

    fn started(&self, campaign: CampaignId, lead: LeadId, now: DateTime<Utc>) -> StartedAttempt {
        match self.begin(campaign, lead, now) {
            Begun::Started(started) => *started,
            other => panic!("not started: {other:?}"),
        }
    }

    /// Ends the call; the lead waits for a retry due at once (what the engine's retry
    /// rule makes of a retryable outcome with attempts left).
    fn end(&self, started: &StartedAttempt, campaign: CampaignId, outcome: Outcome) -> LeadState {
        let end = FinishAttempt {
            attempt: started.attempt,
            campaign,
            lead: started.lead.id,
            outcome,
            ended_at: started.dialed_at,
            sip_status_code: None,
            sip_status: None,
            twirp_code: None,
            disconnect_reason: None,
            error: None,
            lead_state: LeadState::RetryWait,
            lead_due_at: None,
            agent_join_ms: None,
        };
        self.store
            .write_blocking(move |c| attempts::finish(c, &end))
            .unwrap()
            .expect("the call was live")
    }

    /// Dials and ends one call, returning the number dialled and the caller ID shown.
    fn call(
        &self,
        campaign: CampaignId,
        lead: LeadId,
        now: DateTime<Utc>,
        outcome: Outcome,
    ) -> (String, Option<String>) {
        let started = self.started(campaign, lead, now);
        self.end(&started, campaign, outcome);
        (started.phone, started.caller_id)
    }
}

const NYC: &str = "+12125550100";
const CHICAGO: &str = "+13125550100";
const LONDON: &str = "+442079460000";
const MANCHESTER: &str = "+441614960000";

#[test]
fn local_presence_picks_the_callee_s_area_code_inside_and_outside_the_nanp() {
    let db = db();
    let campaign = db.campaign(with_pool("local", &[NYC, CHICAGO, LONDON, MANCHESTER]));
    let cases = [
        ("+12125550187", NYC),         // NPA 212
        ("+17735550187", CHICAGO),     // another Chicago NPA: same region
        ("+442079460958", LONDON),     // NDC 20
        ("+441614960123", MANCHESTER), // NDC 161
        ("+16465550187", NYC),         // 646 is New York: same region
    ];
    for (callee, expected) in cases {
        let lead = db.lead(campaign, callee, &[]);
        let started = db.started(campaign, lead, morning());
        assert_eq!(
            started.caller_id.as_deref(),
            Some(expected),
            "callee {callee}"
        );
        let stored = db
            .store
            .write_blocking(move |c| attempts::AttemptRecord::get(c, started.attempt))
            .unwrap();
        assert_eq!(stored.caller_id.as_deref(), Some(expected));
        assert_eq!(stored.phone, callee);
    }
}

#[test]
fn without_local_presence_the_least_used_number_is_picked_and_ties_rotate() {
    let db = db();
    let mut s = with_pool("rotate", &[NYC, CHICAGO, LONDON]);
    s.local_presence = Some(false);
    let campaign = db.campaign(s);
    let mut shown = Vec::new();
    for i in 0..6 {
        let lead = db.lead(campaign, &format!("+1212555{:04}", 2000 + i), &[]);
        let (_, caller_id) = db.call(campaign, lead, morning(), Outcome::Completed);
        shown.push(caller_id.unwrap());
    }
    for number in [NYC, CHICAGO, LONDON] {
        assert_eq!(
            shown.iter().filter(|n| *n == number).count(),
            2,
            "{shown:?}"
        );
    }
}

#[test]
fn a_campaign_with_one_caller_id_keeps_presenting_it_and_none_means_the_trunk_s() {
    let db = db();
    let one = db.campaign(with_pool("one", &[CHICAGO]));
    let lead = db.lead(one, "+12125550187", &[]);
    assert_eq!(
        db.started(one, lead, morning()).caller_id.as_deref(),
        Some(CHICAGO)
    );
    let none = db.campaign(settings("trunk's own"));
    let lead = db.lead(none, "+12125550187", &[]);
    assert_eq!(db.started(none, lead, morning()).caller_id, None);
}

#[test]
fn the_caller_id_cap_holds_across_two_campaigns_sharing_a_number() {
    let db = db();
    let mut first = with_pool("first", &[NYC]);
    first.caller_id_daily_cap = Some(2);
    let mut second = with_pool("second", &[NYC, CHICAGO]);
    second.caller_id_daily_cap = Some(2);
    let first = db.campaign(first);
    let second = db.campaign(second);
    let callee = |i: u32| format!("+1212555{:04}", 3000 + i);
    for i in 0..2 {
        let lead = db.lead(first, &callee(i), &[]);
        assert_eq!(
            db.call(first, lead, morning(), Outcome::NoAnswer)
                .1
                .as_deref(),
            Some(NYC)
        );
    }
    // NYC made its two calls today in the first campaign: the second skips it.
    for i in 2..4 {
        let lead = db.lead(second, &callee(i), &[]);
        let (_, caller_id) = db.call(second, lead, morning(), Outcome::NoAnswer);
        assert_eq!(caller_id.as_deref(), Some(CHICAGO), "NYC is at its cap");
    }
    let lead = db.lead(second, &callee(4), &[]);
    let midnight = Utc.with_ymd_and_hms(2026, 6, 2, 4, 0, 0).unwrap(); // New York
    assert_eq!(
        db.begin(second, lead, morning()),
        Begun::CallerIdsUnavailable {
            until: midnight,
            capped: 2,
            resting: 0
        }
    );
    let lead_in_first = db.lead(first, &callee(5), &[]);
    assert!(matches!(
        db.begin(first, lead_in_first, morning()),
        Begun::CallerIdsUnavailable { capped: 1, .. }
    ));
    // The lead was left as it was, and the next local day the numbers are back.
    let untouched = db
        .store
        .write_blocking(move |c| LeadRecord::get(c, lead))
        .unwrap();
    assert_eq!(untouched.state, LeadState::Pending);
    let next_day = midnight + Duration::hours(10);
    assert!(db.started(second, lead, next_day).caller_id.is_some());
}

#[test]
fn a_number_whose_answer_rate_collapses_is_rested_for_the_day_with_the_reason() {
    let db = db();
    let mut s = with_pool("health", &[NYC, CHICAGO, LONDON]);
    s.local_presence = Some(false);
    let campaign = db.campaign(s);
    // Scripted outcomes: calls from NYC are never answered, the others mostly are.
    let outcome_for = |caller_id: &str, i: u32| match caller_id {
        NYC => Outcome::NoAnswer,
        _ if i.is_multiple_of(4) => Outcome::NoAnswer,
        _ => Outcome::Completed,
    };
    let mut rested_on = None;
    for i in 0..60 {
        let lead = db.lead(campaign, &format!("+1212555{:04}", 4000 + i), &[]);
        let started = db.started(campaign, lead, morning());
        let caller_id = started.caller_id.clone().unwrap();
        if caller_id != NYC && rested_on.is_none() {
            let attempt = started.attempt;
            let events = db
                .store
                .write_blocking(move |c| {
                    switchboard::store::attempt_events::for_attempt(c, attempt)
                })
                .unwrap();
            if let Some(event) = events
                .iter()
                .find(|e| e.kind == AttemptEventKind::CallerIdRested)
            {
                rested_on = Some((i, event.detail.clone()));
            }
        }
        if rested_on.is_some() {
            assert_ne!(caller_id, NYC, "call {i}: a resting number is not used");
        }
        db.end(&started, campaign, outcome_for(&caller_id, i));
    }
    let (at, detail) = rested_on.expect("NYC was rested");
    // Judged once it had made ten calls, a third of the first thirty.
    assert!((29..=31).contains(&at), "rested at call {at}");
    assert!(
        detail.starts_with(&format!(
            "caller id {NYC} rested for the day: answer rate 0% (0/10) over its last 10 calls is below 40% of the pool's median"
        )),
        "{detail}"
    );
    let settings = db
        .store
        .write_blocking(move |c| CampaignRecord::get(c, campaign))
        .unwrap()
        .settings;
    let health = db
        .store
        .write_blocking(move |c| caller_ids::pool_health(c, &settings, morning()))
        .unwrap();
    let nyc = health.iter().find(|h| h.number == NYC).unwrap();
    assert_eq!(
        nyc.resting_until,
        Some(Utc.with_ymd_and_hms(2026, 6, 2, 4, 0, 0).unwrap())
    );
    assert!(nyc.rest_reason.as_deref().unwrap().contains("below 40%"));
    let chicago = health.iter().find(|h| h.number == CHICAGO).unwrap();
    assert!(chicago.health().rate().unwrap() > 0.5, "{:?}", chicago);
    assert!(chicago.resting_until.is_none());
}

const PRIMARY: &str = "+12125550001";
const OFFICE: &str = "+12125550002";
const HOME: &str = "+13125550003";

#[test]
fn alternate_numbers_are_dialled_in_turn_after_no_answer_busy_and_invalid_number() {
    let db = db();
    let campaign = db.campaign(settings("alternates"));
    let lead = db.lead(campaign, PRIMARY, &[OFFICE, HOME]);
    // (outcome of this call, number it dialled)
    let script = [
        (Outcome::NoAnswer, PRIMARY),
        (Outcome::Busy, OFFICE),
        (Outcome::TrunkFailure, HOME), // not the callee's doing: the same number again
        (Outcome::NoAnswer, HOME),
        (Outcome::InvalidNumber, PRIMARY), // cycled back; now retired
        (Outcome::NoAnswer, OFFICE),
        (Outcome::Rejected, HOME),
        (Outcome::NoAnswer, HOME),   // rejected stays on the number
        (Outcome::NoAnswer, OFFICE), // the retired primary is skipped
    ];
    for (i, (outcome, expected)) in script.into_iter().enumerate() {
        let (dialled, _) = db.call(campaign, lead, morning(), outcome);
        assert_eq!(dialled, expected, "call {}", i + 1);
    }
    let (record, numbers) = db
        .store
        .write_blocking(move |c| {
            let record = LeadRecord::get(c, lead)?;
            let numbers = lead_phones::numbers_of(c, lead, &record.phone)?;
            Ok((record, numbers))
        })
        .unwrap();
    assert_eq!(
        record.phone, PRIMARY,
        "the lead is still known by its primary"
    );
    let shown: Vec<(&str, u32, Option<Outcome>, bool)> = numbers
        .iter()
        .map(|n| (n.phone.as_str(), n.attempts, n.last_outcome, n.retired))
        .collect();
    assert_eq!(
        shown,
        [
            (PRIMARY, 2, Some(Outcome::InvalidNumber), true),
            (OFFICE, 3, Some(Outcome::NoAnswer), false),
            (HOME, 4, Some(Outcome::NoAnswer), false),
        ]
    );
}

#[test]
fn a_lead_whose_every_number_is_invalid_is_not_dialled_again() {
    let db = db();
    let campaign = db.campaign(settings("all invalid"));
    let lead = db.lead(campaign, PRIMARY, &[OFFICE]);
    db.call(campaign, lead, morning(), Outcome::InvalidNumber);
    db.call(campaign, lead, morning(), Outcome::InvalidNumber);
    assert_eq!(db.begin(campaign, lead, morning()), Begun::NotDialable);
}

#[test]
fn dnc_on_an_alternate_number_only_skips_that_number() {
    let db = db();
    let campaign = db.campaign(settings("dnc alternate"));
    let lead = db.lead(campaign, PRIMARY, &[OFFICE]);
    db.store
        .write_blocking(|c| dnc::add(c, OFFICE, None, Some("asked"), morning()))
        .unwrap();
    for call in 1..=3 {
        let started = db.started(campaign, lead, morning());
        assert_eq!(
            started.phone, PRIMARY,
            "call {call}: the listed office is skipped"
        );
        assert_eq!(
            db.end(&started, campaign, Outcome::NoAnswer),
            LeadState::RetryWait,
            "the lead stays callable on its primary"
        );
    }
    // Now the primary goes on the campaign's list too: nothing is left to dial.
    db.store
        .write_blocking(move |c| dnc::add(c, PRIMARY, Some(campaign), None, morning()))
        .unwrap();
    assert_eq!(db.begin(campaign, lead, morning()), Begun::OnDnc);
    let record = db
        .store
        .write_blocking(move |c| LeadRecord::get(c, lead))
        .unwrap();
    assert_eq!(record.state, LeadState::Dnc);
}

#[test]
fn listing_a_lead_s_primary_leaves_it_callable_on_its_other_number() {
    let db = db();
    let campaign = db.campaign(settings("listed primary"));
    let several = db.lead(campaign, PRIMARY, &[OFFICE]);
    let single = db.lead(campaign, HOME, &[]);
    let marked = db
        .store
        .write_blocking(move |c| {
            dnc::add(c, PRIMARY, None, None, morning())?;
            dnc::add(c, HOME, None, None, morning())?;
            let mut marked = switchboard::store::queue::mark_dnc(c, PRIMARY, None)?;
            marked.extend(switchboard::store::queue::mark_dnc(c, HOME, None)?);
            Ok(marked)
        })
        .unwrap();
    let leads: Vec<LeadId> = marked.iter().map(|(_, lead, _)| *lead).collect();
    assert_eq!(
        leads,
        [single],
        "only the lead with no other number is marked"
    );
    let state = |lead| {
        db.store
            .write_blocking(move |c| LeadRecord::get(c, lead))
            .unwrap()
            .state
    };
    assert_eq!(state(several), LeadState::Pending);
    assert_eq!(state(single), LeadState::Dnc);
    assert_eq!(
        db.call(campaign, several, morning(), Outcome::NoAnswer).0,
        OFFICE
    );
}

#[test]
fn dnc_on_the_primary_only_dials_the_alternate() {
    let db = db();
    let campaign = db.campaign(settings("dnc primary"));
    let lead = db.lead(campaign, PRIMARY, &[OFFICE]);
    db.store
        .write_blocking(|c| dnc::add(c, PRIMARY, None, None, morning()))
        .unwrap();
    assert_eq!(
        db.call(campaign, lead, morning(), Outcome::NoAnswer).0,
        OFFICE
    );
    assert_eq!(db.call(campaign, lead, morning(), Outcome::Busy).0, OFFICE);
}

#[test]
fn import_reads_alternate_columns_and_drops_a_bad_one_alone() {
    let db = db();
    let campaign = db.campaign(settings("import"));
    let csv = "name,phone,phone2,work_phone,mobile,plan\n\
               Ada,+12125550001,+12125550002,,+13125550003,gold\n\
               Bob,+12125550011,12345,+12125550012,,silver\n\
               Cy,+12125550021,,,,bronze\n";
    let rejects = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let options = ImportOptions {
        rejects: Some(Box::new(SharedBuf(rejects.clone()))),
        ..ImportOptions::default()
    };
    let report = import_csv(&db.store, campaign, csv.as_bytes(), options).unwrap();
    assert_eq!((report.imported, report.rejected), (3, 0), "{report:?}");
    assert_eq!(report.with_alternates, 2);
    assert_eq!(report.dropped_alternates, 1);
    let dropped = &report.dropped_alternate_rows[0];
    assert_eq!(dropped.line, 3);
    assert!(
        dropped.reason.starts_with("phone2: `12345`")
            && dropped.reason.contains("the lead imported"),
        "{}",
        dropped.reason
    );
    let rejects = String::from_utf8(rejects.lock().unwrap().clone()).unwrap();
    assert!(rejects.contains(",3,\"phone2: `12345`"), "{rejects}");
    let phones = db
        .store
        .write_blocking(move |c| {
            let mut stmt = c
                .prepare("SELECT id, phone FROM leads WHERE campaign_id = ?1 ORDER BY id")
                .unwrap();
            let leads: Vec<(LeadId, String)> = stmt
                .query_map([campaign.0], |r| Ok((LeadId(r.get(0)?), r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            leads
                .into_iter()
                .map(|(id, phone)| lead_phones::phones_of(c, id, &phone))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    assert_eq!(
        phones,
        [
            vec!["+12125550001", "+12125550002", "+13125550003"],
            vec!["+12125550011", "+12125550012"],
            vec!["+12125550021"],
        ]
    );
}

#[test]
fn named_alternate_columns_and_an_unknown_one() {
    let db = db();
    let campaign = db.campaign(settings("named"));
    let csv = "phone,office,phone2\n+12125550001,+12125550002,+12125550003\n";
    let options = ImportOptions {
        alt_phone_columns: vec!["Office".into()],
        ..ImportOptions::default()
    };
    let report = import_csv(&db.store, campaign, csv.as_bytes(), options).unwrap();
    assert_eq!(report.with_alternates, 1);
    assert!(
        report.columns.contains("other numbers from `office`"),
        "{}",
        report.columns
    );
    let options = ImportOptions {
        alt_phone_columns: vec!["fax".into()],
        ..ImportOptions::default()
    };
    let err = import_csv(&db.store, campaign, csv.as_bytes(), options).unwrap_err();
    assert!(
        err.to_string()
            .contains("no column `fax` (--alt-phone-column)"),
        "{err}"
    );
}

#[test]
fn a_lead_whose_primary_is_on_dnc_imports_callable_when_an_alternate_is_not() {
    let db = db();
    let campaign = db.campaign(settings("import dnc"));
    db.store
        .write_blocking(|c| dnc::add(c, "+12125550001", None, None, morning()))
        .unwrap();
    let csv = "phone,phone2\n+12125550001,+12125550002\n+12125550001,\n";
    let csv = csv.replace("+12125550001,\n", "+12125550031,+12125550001\n");
    let report = import_csv(
        &db.store,
        campaign,
        csv.as_bytes(),
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!((report.imported, report.dnc), (2, 0), "{report:?}");
    let only_listed = "phone\n+12125550001\n";
    let other = db.campaign(settings("import dnc 2"));
    let report = import_csv(
        &db.store,
        other,
        only_listed.as_bytes(),
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.dnc, 1);
}

struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---- The engine against the sandbox ----

mod engine {
    use super::common::{
        all_answer, engine_config, in_every_mode, noon, quick_sandbox, settings, Following, Harness,
    };
    use super::{CHICAGO, LONDON, NYC, OFFICE, PRIMARY};
    use chrono::{TimeZone, Utc};
    use std::collections::HashMap;
    use std::time::Duration;
    use switchboard::domain::{CampaignSettings, CampaignStatus, LeadState, PauseReason};
    use switchboard::sandbox::{Outcome as Net, SandboxConfig, ScriptedCall};
    use switchboard::store::{dnc, lead_phones, LeadRecord, NewLead};

    fn answering() -> SandboxConfig {
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        }
    }

    fn pool_campaign(name: &str, numbers: &[&str]) -> CampaignSettings {
        CampaignSettings {
            caller_ids: super::pool(numbers),
            ..settings(name)
        }
    }

    fn leads(phones: &[String]) -> Vec<NewLead> {
        phones
            .iter()
            .map(|p| NewLead {
                phone: p.clone(),
                ..NewLead::default()
            })
            .collect()
    }

    async fn alternates(
        h: &Harness,
        campaign: switchboard::domain::CampaignId,
        primary: &str,
        others: &[&str],
    ) {
        let primary = primary.to_owned();
        let others: Vec<(String, String)> = others
            .iter()
            .map(|p| (p.to_string(), "work_phone".to_string()))
            .collect();
        h.store
            .write(move |c| {
                let id: i64 = c.query_row(
                    "SELECT id FROM leads WHERE phone = ?1 AND campaign_id = ?2",
                    rusqlite::params![primary, campaign.0],
                    |r| r.get(0),
                )?;
                lead_phones::add_alternates(c, switchboard::domain::LeadId(id), &others)?;
                Ok(())
            })
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_call_presents_the_local_pool_number_as_its_sip_number() {
        in_every_mode(local_pool_numbers_presented).await;
    }

    async fn local_pool_numbers_presented(mode: Following) {
        let h = Harness::start_following(mode, answering(), engine_config()).await;
        let id = h.campaign(pool_campaign("local", &[NYC, LONDON])).await;
        let phones: Vec<String> = (0..3)
            .map(|i| format!("+1212555{:04}", 5000 + i))
            .chain((0..2).map(|i| format!("+44207946{:04}", 1000 + i)))
            .collect();
        h.leads(id, leads(&phones)).await;
        h.start_campaign(id).await;
        h.until_status(id, CampaignStatus::Completed).await;
        let stats = h.stats();
        assert_eq!(
            stats.calls_per_caller_id,
            HashMap::from([(NYC.to_string(), 3), (LONDON.to_string(), 2)])
        );
        for attempt in h.attempts(id).await {
            let expected = if attempt.phone.starts_with("+1") {
                NYC
            } else {
                LONDON
            };
            assert_eq!(
                attempt.caller_id.as_deref(),
                Some(expected),
                "{}",
                attempt.phone
            );
        }
        // The export says which caller id each call presented.
        let rows = export_json(&h, id).await;
        assert_eq!(rows.len(), 5);
        for row in rows {
            let expected = if row["phone"].as_str().unwrap().starts_with("+1") {
                NYC
            } else {
                LONDON
            };
            assert_eq!(row["caller_id"], expected, "{row}");
        }
    }

    async fn export_json(
        h: &Harness,
        campaign: switchboard::domain::CampaignId,
    ) -> Vec<serde_json::Value> {
        let store = h.store.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            switchboard::export::export_attempts(
                &store,
                campaign,
                switchboard::export::ExportFormat::Json,
                &mut out,
            )
            .unwrap();
            out
        })
        .await
        .unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pool_all_at_its_cap_pauses_the_campaign_until_local_midnight() {
        in_every_mode(a_pool_at_its_cap).await;
    }

    async fn a_pool_at_its_cap(mode: Following) {
        let h = Harness::start_following_at(mode, answering(), engine_config(), noon()).await;
        let id = h
            .campaign(CampaignSettings {
                caller_id_daily_cap: Some(2),
                timezone: "America/New_York".into(),
                ..pool_campaign("capped pool", &[NYC, CHICAGO])
            })
            .await;
        let phones: Vec<String> = (0..6).map(|i| format!("+1212555{:04}", 6000 + i)).collect();
        h.leads(id, leads(&phones)).await;
        h.start_campaign(id).await;
        let midnight = Utc.with_ymd_and_hms(2026, 6, 2, 4, 0, 0).unwrap();
        let snapshot = h
            .until("every caller id at its cap", |s| {
                s.campaign(id).is_some_and(|c| {
                    matches!(
                        c.pause_reason,
                        Some(PauseReason::CallerIdsUnavailable { .. })
                    )
                })
            })
            .await;
        assert_eq!(
            snapshot.campaign(id).unwrap().pause_reason,
            Some(PauseReason::CallerIdsUnavailable {
                capped: 2,
                resting: 0,
                until: midnight
            })
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
        let stats = h.stats();
        assert_eq!(stats.calls_placed, 4, "the cap is never exceeded");
        assert_eq!(stats.calls_per_caller_id[NYC], 2);
        assert_eq!(stats.calls_per_caller_id[CHICAGO], 2);
        h.clock.set(midnight);
        h.until_status(id, CampaignStatus::Completed).await;
        assert_eq!(h.stats().calls_placed, 6);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_running_campaigns_sharing_a_caller_id_never_exceed_its_cap_together() {
        in_every_mode(a_shared_caller_id_cap).await;
    }

    async fn a_shared_caller_id_cap(mode: Following) {
        let h = Harness::start_following_at(mode, answering(), engine_config(), noon()).await;
        let shared = |name: &str| CampaignSettings {
            caller_id_daily_cap: Some(3),
            ..pool_campaign(name, &[NYC])
        };
        let first = h.campaign(shared("first")).await;
        let second = h.campaign(shared("second")).await;
        let phones = |from: u32| -> Vec<String> {
            (0..4).map(|i| format!("+1212555{:04}", from + i)).collect()
        };
        h.leads(first, leads(&phones(8000))).await;
        h.leads(second, leads(&phones(8100))).await;
        h.start_campaign(first).await;
        h.start_campaign(second).await;
        let paused = |c: &switchboard::engine::CampaignView| {
            matches!(
                c.pause_reason,
                Some(PauseReason::CallerIdsUnavailable { .. })
            )
        };
        h.until("both campaigns wait for the shared number", |s| {
            s.campaign(first).is_some_and(paused) && s.campaign(second).is_some_and(paused)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let stats = h.stats();
        assert_eq!(stats.calls_per_caller_id[NYC], 3, "{stats:?}");
        assert_eq!(stats.calls_placed, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_id_nobody_answers_is_rested_and_the_timeline_says_why() {
        in_every_mode(a_caller_id_nobody_answers).await;
    }

    async fn a_caller_id_nobody_answers(mode: Following) {
        let mut sandbox = answering();
        // Carriers label NYC "Spam Likely": nobody picks up.
        sandbox
            .caller_id_overrides
            .insert(NYC.into(), ScriptedCall::new(Net::NoAnswer));
        let h = Harness::start_following(mode, sandbox, engine_config()).await;
        let id = h
            .campaign(CampaignSettings {
                local_presence: Some(false),
                max_attempts: 1,
                max_concurrent: 2,
                ..pool_campaign("health", &[NYC, CHICAGO, LONDON])
            })
            .await;
        let phones: Vec<String> = (0..60)
            .map(|i| format!("+1212555{:04}", 7000 + i))
            .collect();
        h.leads(id, leads(&phones)).await;
        let mut events = h.engine.subscribe();
        h.start_campaign(id).await;
        h.until_status(id, CampaignStatus::Completed).await;
        let stats = h.stats();
        let from_nyc = stats.calls_per_caller_id[NYC];
        assert!(
            (10..=14).contains(&from_nyc),
            "NYC rested once judged, after its tenth unanswered call: {stats:?}"
        );
        assert_eq!(stats.calls_placed, 60);
        let mut live = None;
        loop {
            match events.try_recv() {
                Ok(event) if event.detail.starts_with(&format!("caller id {NYC} rested")) => {
                    live = Some(event.detail)
                }
                Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        let live = live.expect("a live timeline event");
        assert!(
            live.contains("answer rate 0%") && live.contains("below 40% of the pool's median"),
            "{live}"
        );
        let stored: i64 = h
            .store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM attempt_events WHERE kind = 'caller_id_rested'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(stored, 1);
    }

    async fn run_alternates(
        mode: Following,
        primary: Net,
        dnc_office: bool,
    ) -> (Harness, LeadRecord, Vec<String>) {
        let sandbox = answering();
        let h = Harness::start_following(mode, sandbox, engine_config()).await;
        h.sandbox()
            .set_override(PRIMARY, ScriptedCall::new(primary));
        let id = h
            .campaign(CampaignSettings {
                max_attempts: 3,
                ..settings("alternates")
            })
            .await;
        h.leads(id, leads(&[PRIMARY.to_string()])).await;
        alternates(&h, id, PRIMARY, &[OFFICE]).await;
        if dnc_office {
            h.store
                .write(|c| dnc::add(c, OFFICE, None, None, noon()).map(|_| ()))
                .await
                .unwrap();
        }
        h.start_campaign(id).await;
        h.until_status(id, CampaignStatus::Completed).await;
        let dialled = h.attempts(id).await.into_iter().map(|a| a.phone).collect();
        let lead = h.lead(PRIMARY, id).await;
        (h, lead, dialled)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_answer_busy_and_invalid_on_the_primary_go_on_to_the_alternate() {
        in_every_mode(on_to_the_alternate).await;
    }

    async fn on_to_the_alternate(mode: Following) {
        for outcome in [Net::NoAnswer, Net::Busy, Net::InvalidNumber] {
            let (h, lead, dialled) = run_alternates(mode, outcome, false).await;
            assert_eq!(dialled, [PRIMARY, OFFICE], "{outcome:?}");
            // The export shows the number each attempt dialled beside the lead's own.
            let rows = export_json(&h, lead.campaign).await;
            let shown: Vec<(&str, &str)> = rows
                .iter()
                .map(|r| {
                    (
                        r["phone"].as_str().unwrap(),
                        r["lead_phone"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                shown,
                [(PRIMARY, PRIMARY), (OFFICE, PRIMARY)],
                "{outcome:?}"
            );
            assert_eq!(
                lead.state,
                LeadState::Done,
                "{outcome:?}: the office answered"
            );
            let stats = h.stats();
            assert_eq!(stats.calls_per_number[PRIMARY], 1, "{outcome:?}");
            assert_eq!(stats.answered_per_number[OFFICE], 1, "{outcome:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_trunk_failure_retries_the_same_number() {
        in_every_mode(a_trunk_failure_retried).await;
    }

    async fn a_trunk_failure_retried(mode: Following) {
        let h = Harness::start_following(mode, answering(), engine_config()).await;
        h.sandbox()
            .set_override(PRIMARY, ScriptedCall::new(Net::TrunkFailure));
        let id = h
            .campaign(CampaignSettings {
                max_attempts: 2,
                ..settings("same number")
            })
            .await;
        h.leads(id, leads(&[PRIMARY.to_string()])).await;
        alternates(&h, id, PRIMARY, &[OFFICE]).await;
        h.start_campaign(id).await;
        h.until_status(id, CampaignStatus::Completed).await;
        let dialled: Vec<String> = h.attempts(id).await.into_iter().map(|a| a.phone).collect();
        assert_eq!(
            dialled,
            [PRIMARY, PRIMARY],
            "trunk failure is not the callee's doing"
        );
        assert!(!h.stats().calls_per_number.contains_key(OFFICE));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dnc_on_the_alternate_only_leaves_the_lead_callable_on_its_primary() {
        in_every_mode(dnc_on_the_alternate_only).await;
    }

    async fn dnc_on_the_alternate_only(mode: Following) {
        let (h, lead, dialled) = run_alternates(mode, Net::NoAnswer, true).await;
        assert_eq!(dialled, [PRIMARY, PRIMARY, PRIMARY]);
        assert_eq!(
            lead.state,
            LeadState::Exhausted,
            "not dnc: its primary is not listed"
        );
        assert!(
            !h.stats().calls_per_number.contains_key(OFFICE),
            "the listed number is never dialled"
        );
    }
}
