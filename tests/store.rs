//! The store on a real file: round trips, durability across reopen, group commit under
//! concurrent writers, a failing job undoing only itself, and schema versioning.

use chrono::{TimeZone, Utc};
use switchboard::domain::{CampaignSettings, CampaignStatus, PauseReason};
use switchboard::store::{
    dnc, CampaignRecord, LeadRecord, NewCampaign, NewLead, Store, StoreError,
};

fn settings(name: &str) -> CampaignSettings {
    CampaignSettings {
        name: name.into(),
        agent_name: "agent".into(),
        trunk_id: "ST_test".into(),
        ..Default::default()
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
}

#[tokio::test]
async fn campaigns_and_leads_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/switchboard.db");
    let id = {
        let store = Store::open(&path).unwrap();
        let id = store
            .write(|c| {
                CampaignRecord::insert(
                    c,
                    &NewCampaign {
                        settings: settings("Renewals"),
                        now: now(),
                    },
                )
            })
            .await
            .unwrap();
        let lead = NewLead {
            phone: "+15125550100".into(),
            name: Some("Ada".into()),
            variables: serde_json::json!({"plan": "gold"})
                .as_object()
                .unwrap()
                .clone(),
            ..Default::default()
        };
        let inserted = store
            .write(move |c| LeadRecord::insert(c, id, &lead, now()))
            .await
            .unwrap();
        assert!(inserted.is_some());
        id
    };
    let store = Store::open(&path).unwrap();
    let campaign = store
        .read(move |c| CampaignRecord::get(c, id))
        .await
        .unwrap();
    assert_eq!(campaign.settings, settings("Renewals"));
    assert_eq!(campaign.status, CampaignStatus::Draft);
    let leads: Vec<LeadRecord> = store
        .read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {} FROM leads",
                switchboard::store::LEAD_COLUMNS
            ))?;
            let rows = stmt.query_map([], LeadRecord::from_row)?;
            rows.map(|r| r?).collect()
        })
        .await
        .unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].name.as_deref(), Some("Ada"));
    assert_eq!(leads[0].variables["plan"], "gold");
}

#[tokio::test]
async fn a_number_is_imported_once_per_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let id = store
        .write(|c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings("A"),
                    now: now(),
                },
            )
        })
        .await
        .unwrap();
    let lead = NewLead {
        phone: "+15125550100".into(),
        ..Default::default()
    };
    let again = lead.clone();
    assert!(store
        .write(move |c| LeadRecord::insert(c, id, &lead, now()))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .write(move |c| LeadRecord::insert(c, id, &again, now()))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn concurrent_writes_all_commit_and_a_failing_job_undoes_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let mut writes = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        writes.push(tokio::spawn(async move {
            store
                .write(move |c| {
                    let id = CampaignRecord::insert(
                        c,
                        &NewCampaign {
                            settings: settings(&format!("c{i}")),
                            now: now(),
                        },
                    )?;
                    if i % 10 == 0 {
                        // Written, then refused: the savepoint must take the row back.
                        return Err(StoreError::Rejected(format!(
                            "job {i} refused after writing {id}"
                        )));
                    }
                    Ok(id)
                })
                .await
        }));
    }
    let mut ok = 0;
    for w in writes {
        if w.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 180);
    let count: i64 = store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM campaigns", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(count, 180, "refused jobs must leave nothing behind");
}

#[tokio::test]
async fn status_changes_follow_the_state_machine_and_keep_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let id = store
        .write(|c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings("A"),
                    now: now(),
                },
            )
        })
        .await
        .unwrap();
    let refused = store
        .write(move |c| CampaignRecord::set_status(c, id, CampaignStatus::Completed, None, now()))
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("cannot go from draft to completed"),
        "{refused}"
    );

    store
        .write(move |c| CampaignRecord::set_status(c, id, CampaignStatus::Running, None, now()))
        .await
        .unwrap();
    let reason = PauseReason::DailyCapReached {
        cap: 100,
        until: now(),
    };
    let paused = store
        .write(move |c| {
            CampaignRecord::set_status(c, id, CampaignStatus::Paused, Some(&reason), now())
        })
        .await
        .unwrap();
    assert_eq!(
        paused.pause_reason,
        Some(PauseReason::DailyCapReached {
            cap: 100,
            until: now()
        })
    );
    assert_eq!(paused.started_at, Some(now()));
    let edit = store
        .write(move |c| CampaignRecord::update_settings(c, id, &settings("B"), "test", now()))
        .await;
    assert!(edit.is_ok(), "paused campaigns are editable");
}

#[tokio::test]
async fn dnc_lists_are_global_or_per_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let (a, b) = store
        .write(|c| {
            let a = CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings("A"),
                    now: now(),
                },
            )?;
            let b = CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings("B"),
                    now: now(),
                },
            )?;
            Ok((a, b))
        })
        .await
        .unwrap();
    let blocked = store
        .write(move |c| {
            assert!(dnc::add(c, "+15125550100", Some(a), Some("asked"), now())?);
            assert!(
                !dnc::add(c, "+15125550100", Some(a), None, now())?,
                "second add is a no-op"
            );
            dnc::add(c, "+15125550199", None, None, now())?;
            Ok((
                dnc::is_blocked(c, "+15125550100", a)?,
                dnc::is_blocked(c, "+15125550100", b)?,
                dnc::is_blocked(c, "+15125550199", b)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(blocked, (true, false, true));
}

#[test]
fn a_database_from_a_newer_switchboard_is_refused_not_guessed_at() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", switchboard::store::LATEST_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer Switchboard"));
}

/// A database written by schema version 1 (as an older Switchboard left it: campaigns,
/// leads with variables, attempts, their events and a DNC entry) opens with this build,
/// is upgraded in place, and keeps every row.
#[tokio::test]
async fn a_version_1_database_is_upgraded_without_losing_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        switchboard::store::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(switchboard::store::schema_version(&conn).unwrap(), 1);
        conn.execute_batch(
            r#"INSERT INTO campaigns (id, name, settings, status, created_at, updated_at)
                   VALUES (1, 'Old', '{"name":"Old","agent_name":"a","trunk_id":"ST_x"}', 'paused', 1, 1);
               INSERT INTO leads (id, campaign_id, phone, name, variables, state, attempts, created_at)
                   VALUES (7, 1, '+15125550100', 'Ada', '{"plan":"gold"}', 'retry_wait', 1, 1);
               INSERT INTO attempts (id, campaign_id, lead_id, number, phone, state, room, created_at,
                                     dialed_at, answered_at, ended_at, sip_status_code)
                   VALUES (3, 1, 7, 1, '+15125550100', 'busy', 'outbound-1-3', 1, 1000, NULL, 2000, 486);
               INSERT INTO attempt_events (attempt_id, campaign_id, at, kind, detail)
                   VALUES (3, 1, 2000, 'ended', '486 Busy Here');
               INSERT INTO dnc (phone, campaign_id, added_at) VALUES ('+15125550199', NULL, 1);"#,
        )
        .unwrap();
        let has_index: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'leads_by_phone')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(has_index, "version 1 had the phone index");
    }

    let store = Store::open(&path).unwrap();
    let (version, index_left, campaign, lead, attempt, events, dnc_entries) = store
        .read(|c| {
            let campaign = CampaignRecord::get(c, switchboard::domain::CampaignId(1))?;
            let lead = LeadRecord::get(c, switchboard::domain::LeadId(7))?;
            let attempt: (String, i64, i64) = c.query_row(
                "SELECT state, sip_status_code, ended_at - dialed_at FROM attempts WHERE id = 3",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let events: i64 =
                c.query_row("SELECT count(*) FROM attempt_events", [], |r| r.get(0))?;
            let index_left: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'leads_by_phone')",
                [],
                |r| r.get(0),
            )?;
            Ok((
                switchboard::store::schema_version(c)?,
                index_left,
                campaign,
                lead,
                attempt,
                events,
                dnc::list(c, None)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(version, switchboard::store::LATEST_VERSION);
    assert!(!index_left, "version 2 dropped the phone index");
    assert_eq!(campaign.status, CampaignStatus::Paused);
    assert_eq!(campaign.settings.name, "Old");
    assert_eq!(lead.name.as_deref(), Some("Ada"));
    assert_eq!(lead.variables["plan"], "gold");
    assert_eq!(lead.attempts, 1);
    assert_eq!(attempt, ("busy".to_string(), 486, 1000));
    assert_eq!(events, 1);
    assert_eq!(dnc_entries.len(), 1);
}

/// The zones the engine and the Queue pane read: each zone of the campaign's open leads
/// once, in name order, none of leads that are finished or of another campaign.
#[tokio::test]
async fn the_zones_of_open_leads_are_read_once_each() {
    use switchboard::store::queue;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let new_campaign = |name: &'static str| {
        move |c: &rusqlite::Connection| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings(name),
                    now: now(),
                },
            )
        }
    };
    let id = store.write(new_campaign("A")).await.unwrap();
    let other = store.write(new_campaign("B")).await.unwrap();
    let zoned = |n: u32, zone: Option<&str>| NewLead {
        phone: format!("+1512555{n:04}"),
        timezone: zone.map(str::to_string),
        ..Default::default()
    };
    let leads = vec![
        zoned(1, Some("America/New_York")),
        zoned(2, Some("America/Chicago")),
        zoned(3, Some("America/New_York")),
        zoned(4, None),
        zoned(5, Some("Europe/London")),
    ];
    let elsewhere = zoned(6, Some("Asia/Tokyo"));
    store
        .write(move |c| {
            for lead in &leads {
                LeadRecord::insert(c, id, lead, now())?;
            }
            LeadRecord::insert(c, other, &elsewhere, now())?;
            // A finished lead's zone is no longer one the campaign dials into.
            c.execute(
                "UPDATE leads SET state = 'done' WHERE phone = '+15125550005'",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let zones = store.read(move |c| queue::zones(c, id)).await.unwrap();
    assert_eq!(zones, ["America/Chicago", "America/New_York"]);
}

/// The database holds phone numbers: it, its WAL and its shared-memory file are 0600
/// and a directory made for it 0700, whatever the umask (0022 here makes files 0644).
#[test]
fn the_database_its_wal_and_shm_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/switchboard.db");
    let store = Store::open(&path).unwrap();
    store
        .write_blocking(|c| {
            CampaignRecord::insert(
                c,
                &NewCampaign {
                    settings: settings("Private"),
                    now: now(),
                },
            )
        })
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("data/switchboard.db-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("data/switchboard.db-shm")), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
}
