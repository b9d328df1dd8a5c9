//! `switchboard demo`: the console on the embedded sandbox with a sample campaign of
//! 200 fictitious leads (assets/demo_leads.csv) already imported and started, so calls
//! flow within seconds. Uses `demo.db` in the platform data dir, kept between runs
//! (the demo resumes where it was left), unless `--db` (or `$SWITCHBOARD_DB`) names
//! one; never the operator's own `switchboard.db`. The engine runs in this process and serves the
//! database's socket, so a second console can attach to the demo (`switchboard --db
//! ...`); quitting the demo ends its engine.

use super::console::{console_settings, run_on, NEEDS_A_TTY};
use super::Context;
use crate::config::{ApiConfig, RUNTIME_DIR_VAR};
use crate::domain::{CallingWindow, CampaignId, CampaignSettings, DispatchMode};
use crate::engine::{Answer, Command, EngineHandle, ImportJob, ImportSource, Query, Reply};
use crate::import::ImportOptions;
use crate::paths::Origin;
use crate::runtime::{LiveKitTarget, RuntimeSettings};
use crate::sandbox::SandboxConfig;
use crate::service::{EngineHost, HostPlan, Link};
use chrono::NaiveTime;
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const DEMO_LEADS: &str = include_str!("../../assets/demo_leads.csv");
pub const DEMO_CAMPAIGN_NAME: &str = "Demo: spring renewals";
const DEMO_TRUNK: &str = "ST_sandbox";
/// How long calls in flight get to finish when the demo closes; the rest are
/// reconciled at the next start.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Leave the sample campaign ready but not started (press `s` to start it)
    #[arg(long)]
    pub no_start: bool,
    /// How much faster than real time the simulated phone network runs (10 plays a
    /// 60 s call in 6 s), as `sandbox --speed`
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub speed: f64,
}

pub async fn run(ctx: &Context, args: DemoArgs) -> Result<ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(eyre!(
            "--speed must be a positive number (1 is real time, 10 is ten times faster)"
        ));
    }
    let mut settings = console_settings(ctx, true)?;
    // Before anything starts: a demo that cannot open its console makes no database.
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(eyre!(NEEDS_A_TTY));
    }
    let db = demo_database(ctx);
    let mut runtime_settings = RuntimeSettings::from_config(&ctx.config)?;
    let sandbox = demo_sandbox(args.speed);
    runtime_settings.livekit = LiveKitTarget::Sandbox {
        config: Box::new(sandbox),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let plan = HostPlan {
        db: db.clone(),
        runtime_dir: ctx.env.path(RUNTIME_DIR_VAR),
        settings: runtime_settings,
    };
    // The socket only: a demo does not open `[api] listen` to the network.
    let host = EngineHost::start(plan, &ApiConfig::default())
        .await
        .wrap_err_with(|| format!("cannot start the demo on {}", db.display()))?;
    if let Err(e) = prepare_campaign(&host.runtime.engine, !args.no_start).await {
        host.shutdown(Duration::ZERO).await;
        return Err(e);
    }
    settings.backend = Some(crate::tui::strings::BACKEND_SANDBOX.to_owned());
    let outcome = run_on(&Link::Local(host.runtime.engine.clone()), settings).await;
    // A demo's engine ends with it: running campaigns pause with reason `shutdown` and
    // resume when the demo is next opened on this database.
    tracing::info!("the demo closes: its engine pauses running campaigns and stops");
    host.shutdown(SHUTDOWN_GRACE).await;
    outcome
}

/// The database the user named, or the demo's own beside the default one: kept, so
/// the demo's quit dialog can promise its campaigns resume when it next opens.
pub fn demo_database(ctx: &Context) -> PathBuf {
    match ctx.paths.database_origin {
        Origin::Flag(_) | Origin::Env(_) => ctx.paths.database.clone(),
        Origin::Platform => ctx.paths.database.with_file_name(DEMO_DATABASE),
    }
}

/// The demo's database file in the platform data dir.
pub const DEMO_DATABASE: &str = "demo.db";

/// The sample campaign, created and filled on first use; reopening a demo database
/// finds it where it was left.
pub async fn prepare_campaign(engine: &EngineHandle, start: bool) -> Result<()> {
    let Answer::Campaigns(campaigns) = engine.query(Query::Campaigns).await? else {
        return Err(eyre!("the engine did not list its campaigns"));
    };
    let existing = campaigns
        .into_iter()
        .find(|c| c.record.settings.name == DEMO_CAMPAIGN_NAME);
    if existing.is_some() {
        return Ok(());
    }
    let reply = engine
        .send(Command::CreateCampaign(Box::new(demo_settings())))
        .await?;
    let Reply::Created(id) = reply else {
        return Err(eyre!(
            "the engine did not create the demo campaign (answered {reply:?})"
        ));
    };
    import_leads(engine, id).await?;
    if start {
        engine
            .send(Command::Start(id))
            .await
            .wrap_err("starting the demo campaign")?;
    }
    Ok(())
}

/// The demo's sandbox: one call in 30 has no agent (so the watchdog shows), and the two
/// variants' agents do differently, so the A/B table has something to say.
pub fn demo_sandbox(speed: f64) -> SandboxConfig {
    let weights = |pairs: &[(&str, f64)]| -> std::collections::BTreeMap<String, f64> {
        pairs.iter().map(|(d, w)| (d.to_string(), *w)).collect()
    };
    SandboxConfig {
        time_scale: 1.0 / speed,
        agent: crate::sandbox::AgentBehaviour {
            absent_every: 30,
            dispositions_by_variant: [
                (
                    "A".to_string(),
                    weights(&[
                        ("interested", 0.2),
                        ("not_interested", 0.5),
                        ("callback", 0.3),
                    ]),
                ),
                (
                    "B".to_string(),
                    weights(&[
                        ("interested", 0.45),
                        ("not_interested", 0.3),
                        ("callback", 0.25),
                    ]),
                ),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        },
        ..SandboxConfig::default()
    }
}

pub fn demo_settings() -> CampaignSettings {
    CampaignSettings {
        name: DEMO_CAMPAIGN_NAME.into(),
        agent_name: "renewals-agent".into(),
        trunk_id: DEMO_TRUNK.into(),
        max_concurrent: 8,
        call_delay_ms: 400,
        max_attempts: 3,
        retry_delay_secs: 120,
        // Every hour of the day, so the demo runs whatever the time in each lead's zone.
        window: CallingWindow {
            start: NaiveTime::MIN,
            end: NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN),
        },
        timezone: "America/New_York".into(),
        prompt: "You are calling about the customer's plan renewal; be brief and friendly.".into(),
        dispatch: DispatchMode::Explicit,
        variants: vec![
            crate::domain::Variant {
                name: "A".into(),
                agent_name: String::new(),
                weight: 50,
                prompt: None,
            },
            crate::domain::Variant {
                name: "B".into(),
                agent_name: "renewals-agent-warm".into(),
                weight: 50,
                prompt: Some(
                    "Open with what the customer saved last year, then ask about the renewal."
                        .into(),
                ),
            },
        ],
        ..CampaignSettings::default()
    }
}

async fn import_leads(engine: &EngineHandle, campaign: CampaignId) -> Result<()> {
    let source = ImportSource::text(DEMO_LEADS.as_bytes().to_vec());
    let job = ImportJob::new(campaign, source, ImportOptions::default());
    let reply = engine
        .send(Command::ImportLeads(job))
        .await
        .wrap_err("importing the demo leads")?;
    let Reply::Imported(report) = reply else {
        return Err(eyre!("the engine answered {reply:?} to the demo import"));
    };
    if report.imported == 0 {
        return Err(eyre!(
            "none of the demo leads could be imported: {}",
            report.summary()
        ));
    }
    tracing::info!("demo leads: {}", report.summary());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_campaign_tests_two_variants_the_sandbox_tells_apart() {
        let settings = demo_settings();
        assert!(settings.validate().is_ok());
        let names: Vec<&str> = settings.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        let sandbox = demo_sandbox(1.0);
        assert!(sandbox.validate().is_ok());
        let agent = &sandbox.agent;
        assert_eq!(agent.absent_every, 30);
        assert_ne!(
            agent.dispositions_for(Some("A"), ""),
            agent.dispositions_for(Some("B"), "")
        );
    }
}

#[cfg(test)]
mod database_tests {
    use super::*;
    use crate::config::Env;
    use crate::paths::{PathFlags, PlatformDirs};

    /// The same file every run, beside (never) the operator's own database.
    #[test]
    fn the_demo_database_is_demo_db_in_the_data_dir_unless_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let platform = PlatformDirs {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        let load = |db: Option<PathBuf>| {
            let flags = PathFlags { config: None, db };
            Context::load(&flags, Env::from_pairs::<&str>([]), Some(&platform)).unwrap()
        };
        let ctx = load(None);
        assert_eq!(demo_database(&ctx), dir.path().join("data").join("demo.db"));
        assert_ne!(demo_database(&ctx), ctx.paths.database);
        assert_eq!(demo_database(&load(None)), demo_database(&ctx), "reused");
        let named = dir.path().join("mine.db");
        assert_eq!(demo_database(&load(Some(named.clone()))), named);
    }
}
