//! The engine through its handle, against the sandbox over real HTTP with the real
//! `livekit-api` client, time scaled down so a campaign takes milliseconds. Calling
//! hours, caps and due retries use a hand-set wall clock.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use switchboard::domain::{
    AttemptEventKind, AttemptState, CallingWindow, CampaignId, CampaignSettings, CampaignStatus,
    DispatchMode, LeadState, Outcome, PauseReason,
};
use switchboard::engine::{
    Command, EngineConfig, EngineError, EngineEventKind, EngineHandle, ManualClock, Reply,
    SharedClock, Snapshot, SystemClock,
};
use switchboard::runtime::{LiveKitTarget, Runtime, RuntimeSettings};
use switchboard::sandbox::{
    Faults, Outage, OutageMode, SandboxConfig, SandboxStats, ScriptedCall, SecondsRange,
};
use switchboard::store::attempt_events;
use switchboard::store::attempts::AttemptRecord;
use switchboard::store::{LeadRecord, NewLead, Store};
use switchboard::telephony::PollerConfig;

/// Noon UTC on a summer Monday: inside 09:00-20:00 in UTC and Europe.
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

/// A sandbox where every call resolves within a few milliseconds.
fn quick_sandbox() -> SandboxConfig {
    SandboxConfig {
        time_scale: 0.001,
        dial_delay: SecondsRange::new(0.5, 2.0),
        ring: SecondsRange::new(2.0, 8.0),
        talk: SecondsRange::new(5.0, 20.0),
        voicemail_talk: SecondsRange::new(2.0, 5.0),
        departure_timeout_secs: 1.0,
        ..SandboxConfig::default()
    }
}

fn all_answer() -> switchboard::sandbox::OutcomeRates {
    switchboard::sandbox::OutcomeRates {
        answer: 1.0,
        voicemail: 0.0,
        no_answer: 0.0,
        busy: 0.0,
        reject: 0.0,
        invalid_number: 0.0,
        unavailable: 0.0,
        trunk_failure: 0.0,
    }
}

fn engine_config() -> EngineConfig {
    EngineConfig {
        infra_backoff_initial: Duration::from_millis(20),
        infra_backoff_max: Duration::from_millis(100),
        poll_interval: Duration::from_millis(50),
        snapshot_interval: Duration::from_millis(20),
        recheck_interval: Duration::from_millis(20),
        per_number_daily_limit: 100,
        ..EngineConfig::default()
    }
}

struct Harness {
    runtime: Option<Runtime>,
    engine: EngineHandle,
    store: Store,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// On the real clock; campaigns from `settings()` call around the clock.
    async fn start(sandbox: SandboxConfig, engine: EngineConfig) -> Harness {
        Self::start_with(sandbox, engine, None).await
    }

    /// On a hand-set wall clock starting at `now`.
    async fn start_at(sandbox: SandboxConfig, engine: EngineConfig, now: DateTime<Utc>) -> Harness {
        Self::start_with(sandbox, engine, Some(now)).await
    }

    async fn start_with(
        sandbox: SandboxConfig,
        engine: EngineConfig,
        at: Option<DateTime<Utc>>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("engine.db")).unwrap();
        let clock = ManualClock::at(at.unwrap_or_else(noon));
        let settings = RuntimeSettings {
            livekit: LiveKitTarget::Sandbox {
                config: Box::new(sandbox),
                listen: "127.0.0.1:0".parse().unwrap(),
            },
            request_timeout: Duration::from_secs(5),
            webhook_listen: None,
            polling: PollerConfig {
                interval: Duration::from_millis(20),
                max_requests_per_sec: 1000,
            },
            engine,
        };
        let shared: SharedClock = match at {
            Some(_) => Arc::new(clock.clone()),
            None => Arc::new(SystemClock),
        };
        let runtime = Runtime::start(store.clone(), settings, shared)
            .await
            .unwrap();
        Harness {
            engine: runtime.engine.clone(),
            runtime: Some(runtime),
            store,
            clock,
            _dir: dir,
        }
    }

    fn sandbox(&self) -> &switchboard::sandbox::Sandbox {
        self.runtime.as_ref().unwrap().sandbox.as_ref().unwrap()
    }

    fn stats(&self) -> SandboxStats {
        self.sandbox().stats()
    }

    async fn campaign(&self, settings: CampaignSettings) -> CampaignId {
        match self
            .engine
            .send(Command::CreateCampaign(Box::new(settings)))
            .await
            .unwrap()
        {
            Reply::Created(id) => id,
            other => panic!("unexpected reply {other:?}"),
        }
    }

    async fn leads(&self, campaign: CampaignId, leads: Vec<NewLead>) {
        self.store
            .write(move |conn| {
                for lead in &leads {
                    LeadRecord::insert(conn, campaign, lead, noon())?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }

    async fn start_campaign(&self, id: CampaignId) {
        self.engine.send(Command::Start(id)).await.unwrap();
    }

    /// Waits (up to 20 s of real time; a healthy run takes far less) until `check` holds.
    async fn until(&self, what: &str, check: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
        let mut rx = self.engine.snapshot();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let snapshot = rx.borrow_and_update().clone();
            if check(&snapshot) {
                return snapshot;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                panic!("timed out waiting for {what}; last snapshot: {snapshot:#?}");
            }
        }
    }

    async fn until_status(&self, id: CampaignId, status: CampaignStatus) -> Arc<Snapshot> {
        self.until(&format!("campaign {id} {status}"), |s| {
            s.campaign(id).is_some_and(|c| c.status == status)
        })
        .await
    }

    async fn attempts(&self, id: CampaignId) -> Vec<AttemptRecord> {
        self.store
            .read(move |conn| AttemptRecord::for_campaign(conn, id))
            .await
            .unwrap()
    }

    async fn lead(&self, phone: &str, campaign: CampaignId) -> LeadRecord {
        let phone = phone.to_string();
        self.store
            .read(move |conn| {
                let id: i64 = conn.query_row(
                    "SELECT id FROM leads WHERE phone = ?1 AND campaign_id = ?2",
                    rusqlite::params![phone, campaign.0],
                    |r| r.get(0),
                )?;
                LeadRecord::get(conn, switchboard::domain::LeadId(id))
            })
            .await
            .unwrap()
    }
}

fn settings(name: &str) -> CampaignSettings {
    CampaignSettings {
        name: name.into(),
        agent_name: "test-agent".into(),
        trunk_id: "ST_sandbox".into(),
        max_concurrent: 5,
        call_delay_ms: 0,
        max_attempts: 3,
        retry_delay_secs: 0,
        timezone: "UTC".into(),
        window: around_the_clock(),
        ..CampaignSettings::default()
    }
}

fn around_the_clock() -> CallingWindow {
    CallingWindow {
        start: NaiveTime::MIN,
        end: NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
    }
}

fn numbers(prefix: u64, n: u64) -> Vec<NewLead> {
    (0..n)
        .map(|i| NewLead {
            phone: format!("+1555{:07}", prefix * 10_000 + i),
            ..NewLead::default()
        })
        .collect()
}

fn lead(phone: &str) -> NewLead {
    NewLead {
        phone: phone.into(),
        ..NewLead::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_runs_to_completion_with_a_real_timeline() {
    let h = Harness::start(
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h.campaign(settings("timeline")).await;
    h.leads(id, numbers(1, 12)).await;
    let mut events = h.engine.subscribe();
    h.start_campaign(id).await;
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(view.leads.done, 12, "{view:#?}");
    assert_eq!(view.outcomes.get(&Outcome::Completed), Some(&12));
    assert!(view.avg_ring_ms.is_some() && view.avg_talk_ms.is_some());
    assert!(view.completed_at.is_some());

    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 12);
    for attempt in &attempts {
        assert_eq!(attempt.state, AttemptState::Ended(Outcome::Completed));
        let (dialed, answered, ended) = (
            attempt.dialed_at.unwrap(),
            attempt.answered_at.unwrap(),
            attempt.ended_at.unwrap(),
        );
        assert!(dialed <= answered && answered <= ended, "{attempt:?}");
        let aid = attempt.id;
        let kinds: Vec<AttemptEventKind> = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, aid))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        for kind in [
            AttemptEventKind::Queued,
            AttemptEventKind::Dialing,
            AttemptEventKind::AgentDispatched,
            AttemptEventKind::Answered,
            AttemptEventKind::Ended,
        ] {
            assert!(
                kinds.contains(&kind),
                "attempt {aid} lacks {kind}: {kinds:?}"
            );
        }
    }
    let mut seen_status = false;
    while let Ok(event) = events.try_recv() {
        seen_status |= event.kind == EngineEventKind::CampaignStatus(CampaignStatus::Completed);
    }
    assert!(seen_status, "completion was broadcast");
    assert_eq!(h.stats().calls_placed, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_never_exceeds_max_concurrent() {
    let sandbox = SandboxConfig {
        ring: SecondsRange::new(10.0, 30.0),
        ..quick_sandbox()
    };
    let h = Harness::start(sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 4,
            max_attempts: 1,
            ..settings("concurrency")
        })
        .await;
    h.leads(id, numbers(2, 40)).await;
    h.start_campaign(id).await;
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let stats = h.stats();
    assert_eq!(stats.calls_placed, 40);
    assert!(stats.max_concurrent_calls() <= 4, "{stats:?}");
    assert!(
        stats.max_concurrent_calls() >= 2,
        "slots were used in parallel: {stats:?}"
    );
    assert_eq!(snapshot.campaign(id).unwrap().leads.finished(), 40);
}
