//! The engine's settings: limits across campaigns, trunk budgets, infrastructure
//! back-off, and how often it publishes. Built from `config.toml` by
//! [`EngineConfig::from_config`], or by hand in tests.

use crate::config::RecordingConfig;
use crate::domain::{CampaignId, OptOutWords};
use crate::telephony::{RecordingOutput, S3Upload};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Calls in flight across all campaigns; `None`: only each campaign's own limit.
    pub global_max_concurrent: Option<u32>,
    /// Counted attempts to one number per local day (the lead's zone), across campaigns.
    pub per_number_daily_limit: u32,
    /// Calls per second per trunk id; a trunk not listed is unlimited.
    pub trunk_cps: HashMap<String, f64>,
    /// First wait after an infrastructure failure; doubles up to `infra_backoff_max`.
    pub infra_backoff_initial: Duration,
    pub infra_backoff_max: Duration,
    /// Running campaigns pause themselves after LiveKit failed for this long.
    pub infra_pause_after: Duration,
    /// Rooms are named `<room_prefix>-<campaign>-<attempt>`.
    pub room_prefix: String,
    /// How often an answered call's room is checked when no poller is given.
    pub poll_interval: Duration,
    /// How long after the callee hung up the agent's disposition is still awaited (the
    /// agent leaves, and reports, after the callee). Real time, not the sandbox's.
    pub disposition_grace: Duration,
    /// How long the room of a dial LiveKit never answered is watched for the call before
    /// it is deleted and the attempt called not placed.
    pub uncertain_settle: Duration,
    /// The snapshot is published at most this often.
    pub snapshot_interval: Duration,
    /// The engine looks at the wall clock at least this often even with nothing to do,
    /// so retries fall due and windows open on time after the clock jumps.
    pub recheck_interval: Duration,
    /// Campaigns left running (or paused by shutdown) that resume by themselves at
    /// start-up; `None` means all of them. `switchboard run --campaign ID` limits it.
    pub resume_only: Option<BTreeSet<CampaignId>>,
    /// Dispositions that put the callee's number on the do-not-call list.
    pub opt_out: OptOutWords,
    /// Where recordings of campaigns with `record` go (`[recording]` in config.toml).
    pub recording: RecordingOutput,
    /// Holds the database for one command and never dials (`Engine::hold`).
    pub holds_only: bool,
    /// Where ended calls are counted for `/metrics` (the engine host's); `None`: not
    /// counted.
    pub metrics: Option<crate::metrics::calls::CallMetrics>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            global_max_concurrent: None,
            per_number_daily_limit: 3,
            trunk_cps: HashMap::new(),
            infra_backoff_initial: Duration::from_secs(1),
            infra_backoff_max: Duration::from_secs(60),
            infra_pause_after: Duration::from_secs(300),
            room_prefix: crate::domain::DEFAULT_ROOM_PREFIX.into(),
            poll_interval: Duration::from_secs(1),
            disposition_grace: Duration::from_secs(2),
            uncertain_settle: Duration::from_secs(2),
            snapshot_interval: Duration::from_millis(100),
            recheck_interval: Duration::from_secs(1),
            resume_only: None,
            opt_out: OptOutWords::default(),
            recording: recording_output(&RecordingConfig::default()),
            holds_only: false,
            metrics: None,
        }
    }
}

impl EngineConfig {
    /// The `[engine]`, `[trunks]`, `[livekit]` and `[polling]` settings of the file.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let engine = &config.engine;
        Self {
            global_max_concurrent: engine.global_max_concurrent,
            per_number_daily_limit: engine.per_number_daily_limit,
            trunk_cps: config
                .trunks
                .iter()
                .map(|(id, t)| (id.clone(), t.calls_per_second))
                .collect(),
            infra_backoff_initial: Duration::from_millis(engine.infra_backoff_initial_ms),
            infra_backoff_max: Duration::from_millis(engine.infra_backoff_max_ms),
            infra_pause_after: Duration::from_secs(engine.infra_pause_after_secs),
            room_prefix: config.livekit.room_prefix.clone(),
            poll_interval: Duration::from_millis(config.polling.interval_ms),
            opt_out: OptOutWords::with_synonyms(&engine.do_not_call_dispositions),
            recording: recording_output(&config.recording),
            ..Self::default()
        }
    }

    pub(crate) fn resumes(&self, id: CampaignId) -> bool {
        self.resume_only
            .as_ref()
            .is_none_or(|only| only.contains(&id))
    }
}

/// `[recording]` as telephony takes it: the settings' values, handed over as they are.
fn recording_output(recording: &RecordingConfig) -> RecordingOutput {
    let bucket = recording.s3.as_ref().map(|s3| S3Upload {
        bucket: s3.bucket.clone(),
        region: s3.region.clone(),
        endpoint: s3.endpoint.clone(),
        access_key: s3.access_key.clone(),
        secret: s3.secret.clone(),
        force_path_style: s3.force_path_style,
    });
    RecordingOutput::new(recording.file_path.clone(), bucket)
}
