//! The shared test kit: the engine against the sandbox over real HTTP (time scaled down
//! so a campaign takes milliseconds), builders for campaigns and leads, and waits on
//! the engine's snapshot. Each test file uses what it needs.
#![allow(dead_code)]

pub mod api;
pub mod binary;
pub mod scrubbed_env;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Duration;
use switchboard::domain::{CallingWindow, CampaignId, CampaignSettings, CampaignStatus};
use switchboard::engine::{
    Command, EngineConfig, EngineHandle, ManualClock, Reply, SharedClock, Snapshot, SystemClock,
};
use switchboard::runtime::{LiveKitTarget, Runtime, RuntimeSettings};
use switchboard::sandbox::{SandboxConfig, SandboxStats, SecondsRange};
use switchboard::store::attempts::AttemptRecord;
use switchboard::store::{LeadRecord, NewLead, Store};
use switchboard::telephony::PollerConfig;

/// Noon UTC on a summer Monday: inside 09:00-20:00 in UTC and Europe.
pub fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

/// A sandbox where every call resolves within a few milliseconds.
pub fn quick_sandbox() -> SandboxConfig {
    SandboxConfig {
        time_scale: 0.001,
        dial_delay: SecondsRange::new(0.5, 2.0),
        ring: SecondsRange::new(2.0, 8.0),
        talk: SecondsRange::new(5.0, 20.0),
        voicemail_talk: SecondsRange::new(2.0, 5.0),
        departure_timeout_secs: 1.0,
        dispositions: dispositions_that_keep_numbers_callable(),
        ..SandboxConfig::default()
    }
}

/// The sandbox agent's dispositions without `do_not_call`, which puts the number on the
/// do-not-call list (tested on its own) and would change the lead counts a test checks.
pub fn dispositions_that_keep_numbers_callable() -> std::collections::BTreeMap<String, f64> {
    SandboxConfig::default()
        .dispositions
        .into_iter()
        .filter(|(name, _)| name != "do_not_call")
        .collect()
}

pub fn all_answer() -> switchboard::sandbox::OutcomeRates {
    switchboard::sandbox::OutcomeRates {
        answer: 1.0,
        voicemail: 0.0,
        no_answer: 0.0,
        busy: 0.0,
        reject: 0.0,
        invalid_number: 0.0,
        unavailable: 0.0,
        trunk_failure: 0.0,
        dropped_mid_call: 0.0,
    }
}

pub fn engine_config() -> EngineConfig {
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

/// How the engine learns what its calls do: the three ways LiveKit may tell it. Every
/// behaviour that follows a call is tested in each (`in_every_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Following {
    /// Webhooks, each delivered once and at once, with the poller beside them (as in
    /// production, where the poller is the safety net).
    Webhooks,
    /// No webhooks at all: the poller alone, as against a LiveKit that cannot reach us.
    Polling,
    /// Webhooks lost, late and twice (`webhook_delivery`), with the poller to catch up.
    UnreliableWebhooks,
}

impl Following {
    pub const ALL: [Following; 3] = [
        Following::Webhooks,
        Following::Polling,
        Following::UnreliableWebhooks,
    ];

    /// The sandbox's webhook delivery in this mode.
    pub fn delivery(self) -> switchboard::sandbox::WebhookDelivery {
        match self {
            Following::UnreliableWebhooks => switchboard::sandbox::WebhookDelivery {
                lost: 0.3,
                duplicated: 0.3,
                delay: SecondsRange::new(0.0, 4.0),
            },
            _ => switchboard::sandbox::WebhookDelivery::default(),
        }
    }
}

/// Runs `scenario` once per way of following calls, each on its own sandbox, store and
/// engine. A failure names the mode it failed in.
pub async fn in_every_mode<F, Fut>(scenario: F)
where
    F: Fn(Following) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for mode in Following::ALL {
        if let Err(err) = tokio::spawn(scenario(mode)).await {
            let message = err
                .try_into_panic()
                .ok()
                .and_then(|panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "cancelled".into());
            panic!("following calls by {mode:?}: {message}");
        }
    }
}

/// How the harness connects the parts, where a test needs other than the defaults.
pub struct Wiring {
    /// The LiveKit client's request timeout.
    pub request_timeout: Duration,
    /// How long a store write waits for another program's lock on the file.
    pub busy_timeout: Duration,
    /// How often the poller looks at each watched room.
    pub poll_interval: Duration,
    /// How call progress reaches the engine.
    pub following: Following,
}

impl Default for Wiring {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(20),
            following: Following::Webhooks,
        }
    }
}

pub struct Harness {
    pub runtime: Option<Runtime>,
    pub engine: EngineHandle,
    pub store: Store,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
}

impl Harness {
    /// On the real clock; campaigns from `settings()` call around the clock.
    pub async fn start(sandbox: SandboxConfig, engine: EngineConfig) -> Harness {
        Self::start_with(sandbox, engine, None).await
    }

    /// On a hand-set wall clock starting at `now`.
    pub async fn start_at(
        sandbox: SandboxConfig,
        engine: EngineConfig,
        now: DateTime<Utc>,
    ) -> Harness {
        Self::start_with(sandbox, engine, Some(now)).await
    }

    pub async fn start_with(
        sandbox: SandboxConfig,
        engine: EngineConfig,
        at: Option<DateTime<Utc>>,
    ) -> Harness {
        Self::start_custom(sandbox, engine, at, Wiring::default()).await
    }

    /// On the real clock, following calls in `mode`.
    pub async fn start_following(
        mode: Following,
        sandbox: SandboxConfig,
        engine: EngineConfig,
    ) -> Harness {
        let wiring = Wiring {
            following: mode,
            ..Wiring::default()
        };
        Self::start_custom(sandbox, engine, None, wiring).await
    }

    /// On a hand-set wall clock starting at `now`, following calls in `mode`.
    pub async fn start_following_at(
        mode: Following,
        sandbox: SandboxConfig,
        engine: EngineConfig,
        now: DateTime<Utc>,
    ) -> Harness {
        let wiring = Wiring {
            following: mode,
            ..Wiring::default()
        };
        Self::start_custom(sandbox, engine, Some(now), wiring).await
    }

    pub async fn start_custom(
        mut sandbox: SandboxConfig,
        engine: EngineConfig,
        at: Option<DateTime<Utc>>,
        wiring: Wiring,
    ) -> Harness {
        if wiring.following == Following::UnreliableWebhooks {
            sandbox.webhook_delivery = wiring.following.delivery();
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path().join("engine.db"), wiring.busy_timeout).unwrap();
        let clock = ManualClock::at(at.unwrap_or_else(noon));
        let settings = RuntimeSettings {
            livekit: LiveKitTarget::Sandbox {
                config: Box::new(sandbox),
                listen: "127.0.0.1:0".parse().unwrap(),
            },
            request_timeout: wiring.request_timeout,
            webhook_listen: None,
            polling_only: wiring.following == Following::Polling,
            polling: PollerConfig {
                interval: wiring.poll_interval,
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
            dir,
        }
    }

    pub fn sandbox(&self) -> &switchboard::sandbox::Sandbox {
        self.runtime.as_ref().unwrap().sandbox.as_ref().unwrap()
    }

    pub fn stats(&self) -> SandboxStats {
        self.sandbox().stats()
    }

    pub async fn campaign(&self, settings: CampaignSettings) -> CampaignId {
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

    /// Inserts leads as an import does, and tells the engine, as an import does.
    pub async fn leads(&self, campaign: CampaignId, leads: Vec<NewLead>) {
        self.store
            .write(move |conn| {
                for lead in &leads {
                    LeadRecord::insert(conn, campaign, lead, noon())?;
                }
                Ok(())
            })
            .await
            .unwrap();
        self.engine
            .send(Command::RefreshCampaign(campaign))
            .await
            .unwrap();
    }

    pub async fn start_campaign(&self, id: CampaignId) {
        self.engine.send(Command::Start(id)).await.unwrap();
    }

    /// Waits (up to 20 s of real time; a healthy run takes far less) until `check` holds.
    pub async fn until(&self, what: &str, check: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
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

    pub async fn until_status(&self, id: CampaignId, status: CampaignStatus) -> Arc<Snapshot> {
        self.until(&format!("campaign {id} {status}"), |s| {
            s.campaign(id).is_some_and(|c| c.status == status)
        })
        .await
    }

    pub async fn attempts(&self, id: CampaignId) -> Vec<AttemptRecord> {
        self.store
            .read(move |conn| AttemptRecord::for_campaign(conn, id))
            .await
            .unwrap()
    }

    pub async fn lead(&self, phone: &str, campaign: CampaignId) -> LeadRecord {
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

pub fn settings(name: &str) -> CampaignSettings {
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

pub fn around_the_clock() -> CallingWindow {
    CallingWindow {
        start: NaiveTime::MIN,
        end: NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
    }
}

pub fn numbers(prefix: u64, n: u64) -> Vec<NewLead> {
    (0..n)
        .map(|i| NewLead {
            phone: format!("+1555{:07}", prefix * 10_000 + i),
            ..NewLead::default()
        })
        .collect()
}

pub fn lead(phone: &str) -> NewLead {
    NewLead {
        phone: phone.into(),
        ..NewLead::default()
    }
}
