//! `switchboard run --campaign ID`: runs one campaign without the console, for cron,
//! systemd and scripts. Progress goes to stderr, one line per finished call and a
//! status line every few seconds, and a summary at the end.
//!
//! Exit codes: 0 when the campaign completes; 1 when it cannot go on without the
//! operator (stopped, paused by the operator or by a configuration problem); 130 after
//! SIGINT, SIGTERM or SIGHUP. On a signal the campaign is paused with reason
//! `shutdown`, calls in flight get `--grace-secs` to finish and any still live are left
//! alone (never hung up) to be reconciled with LiveKit by the next `run` or console
//! start, which also resumes the campaign by itself. A SIGHUP (the terminal `run` was
//! started from went away) first points a terminal stdout/stderr at /dev/null.

use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use crate::domain::{CampaignId, CampaignStatus, PauseReason};
use crate::engine::{CampaignView, Command, EngineEventKind};
use crate::hangup::terminal_hung_up;
use crate::service::{EngineHost, HostError, HostPlan, Link, RemoteEngine};
use color_eyre::eyre::{bail, WrapErr};
use color_eyre::Result;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// `eprintln!` that does not panic when stderr is gone (a closed pipe, a terminal that
/// hung up a moment before its SIGHUP arrives): the line is lost, the run goes on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// How often a status line is printed.
const STATUS_EVERY: Duration = Duration::from_secs(5);
/// The longest `--grace-secs`: an hour is more than any call worth waiting for.
const MAX_GRACE_SECS: u64 = 3600;
/// The exit code after SIGINT/SIGTERM/SIGHUP (128 + SIGINT, the shell's convention).
const INTERRUPTED: u8 = 130;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Id of the campaign to run (draft or paused campaigns are started)
    #[arg(long, value_name = "ID")]
    pub campaign: i64,

    /// Seconds calls in flight may take to finish after SIGINT/SIGTERM/SIGHUP
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=MAX_GRACE_SECS))]
    pub grace_secs: u64,
}

pub async fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let id = CampaignId(args.campaign);
    // Listening from the start: a signal while the engine starts is handled once it
    // has, instead of killing the process by the default action.
    let interrupt = signals()?;
    let runtime_dir = ctx.env.path(RUNTIME_DIR_VAR);
    let mut plan = HostPlan::from_config(&ctx.config, &ctx.paths.database, runtime_dir)?;
    plan.settings.engine.resume_only = Some([id].into_iter().collect());
    let host = match EngineHost::start(plan, &ctx.config.api).await {
        Ok(host) => host,
        // Another process runs this database's engine (a console, `serve`, an earlier
        // `run`): ask it, and follow the campaign from here.
        Err(HostError::Held { socket, source }) => {
            let client = crate::service::attach::running(&ctx.paths.database, &socket)
                .await?
                .ok_or_else(|| color_eyre::eyre::eyre!("{source}, and it went away; run again"))?;
            say!("{source}: following campaign {id} there");
            return follow(client, id, interrupt).await;
        }
        Err(err) => return Err(err).wrap_err("starting the engine"),
    };
    let grace = Duration::from_secs(args.grace_secs);
    let link = Link::Local(host.runtime.engine.clone());
    let outcome = drive(&link, id, interrupt, Role::Host).await;
    let snapshots = link.snapshot();
    host.shutdown(grace).await;
    // Read after the grace: calls that ended while it ran are in the summary. The
    // engine publishes a last snapshot as it stops, and the receiver keeps it.
    let last = snapshots.borrow().campaign(id).cloned();
    let code = outcome?;
    if let Some(view) = last {
        say!("{}", summary(&view));
    }
    Ok(code)
}

/// `run` on a database whose engine is another process's: the same start and the same
/// progress lines, through the engine protocol. A signal detaches: the engine and the
/// campaign are not this process's to pause.
async fn follow(
    client: crate::service::EngineClient,
    id: CampaignId,
    interrupt: tokio::sync::mpsc::Receiver<&'static str>,
) -> Result<ExitCode> {
    let link = Link::Remote(RemoteEngine::follow(client).await?);
    let outcome = drive(&link, id, interrupt, Role::Follower).await;
    let last = link.snapshot().borrow().campaign(id).cloned();
    let code = outcome?;
    if let Some(view) = last {
        say!("{}", summary(&view));
    }
    Ok(code)
}

/// Whose engine `run` drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// This process runs it: a signal pauses the campaign and stops the engine.
    Host,
    /// Another process does: a signal only ends the following.
    Follower,
}

async fn drive(
    link: &Link,
    id: CampaignId,
    mut interrupt: tokio::sync::mpsc::Receiver<&'static str>,
    role: Role,
) -> Result<ExitCode> {
    let engine = link;
    let mut snapshots = engine.snapshot();
    let mut events = engine.subscribe();
    let Some(view) = current(link, id).await else {
        bail!("campaign {id} does not exist (list campaigns in the console, or create one there first)");
    };
    match view.status {
        CampaignStatus::Completed => return Ok(ExitCode::SUCCESS),
        CampaignStatus::Stopped => {
            bail!("campaign {id} was stopped; a stopped campaign cannot run again")
        }
        CampaignStatus::Draft | CampaignStatus::Paused if !is_waiting_by_itself(&view) => {
            match engine.send(Command::Start(id)).await {
                Ok(_) => say!("campaign {id} ({}) started", view.name),
                // Another client (an overlapping `run`) started it a moment before.
                Err(_) if running_now(link, id).await => {
                    say!("campaign {id} ({}) is already running", view.name)
                }
                Err(err) => return Err(err).wrap_err_with(|| format!("starting campaign {id}")),
            }
        }
        _ => say!("campaign {id} ({}) resumed", view.name),
    }
    let mut status_line = tokio::time::interval(STATUS_EVERY);
    loop {
        tokio::select! {
            signal = interrupt.recv() => {
                let signal = signal.unwrap_or("a signal");
                if signal == HANGUP {
                    terminal_hung_up();
                }
                match role {
                    Role::Host => {
                        tracing::info!("{signal}: pausing campaign {id} and shutting down");
                        say!("{signal} received: pausing campaign {id}; calls in flight may finish");
                    }
                    Role::Follower => {
                        tracing::info!("{signal}: no longer following campaign {id}; its engine goes on");
                        say!("{signal} received: no longer following campaign {id}; it goes on in its engine");
                    }
                }
                return Ok(ExitCode::from(INTERRUPTED));
            }
            event = events.recv() => match event {
                Ok(event) if event.campaign == id => match event.kind {
                    EngineEventKind::Attempt(crate::domain::AttemptEventKind::Ended) | EngineEventKind::Problem => {
                        say!("{} {} {}", event.at.format("%H:%M:%S"), event.lead_label.unwrap_or_default(), event.detail);
                    }
                    EngineEventKind::CampaignStatus(status) => say!("campaign {id} is {status} {}", event.detail),
                    EngineEventKind::SettingsChanged => say!("{} {}", event.at.format("%H:%M:%S"), event.detail),
                    _ => {}
                },
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => bail!("the engine stopped unexpectedly"),
            },
            changed = snapshots.changed() => {
                if changed.is_err() {
                    bail!("the engine stopped unexpectedly");
                }
                let view = snapshots.borrow_and_update().campaign(id).cloned();
                if let Some(view) = view {
                    if let Some(code) = finished(&view)? {
                        return Ok(code);
                    }
                }
            }
            _ = status_line.tick() => {
                if let Some(view) = snapshots.borrow().campaign(id) {
                    say!("{}", status(view));
                }
            }
        }
    }
}

async fn current(link: &Link, id: CampaignId) -> Option<CampaignView> {
    let mut snapshots = link.snapshot();
    // The first snapshot is published within one snapshot interval of the start.
    for _ in 0..50 {
        if let Some(view) = snapshots.borrow_and_update().campaign(id) {
            return Some(view.clone());
        }
        if tokio::time::timeout(Duration::from_millis(200), snapshots.changed())
            .await
            .is_ok_and(|r| r.is_err())
        {
            return None;
        }
    }
    None
}

async fn running_now(link: &Link, id: CampaignId) -> bool {
    // The engine's own word, not a snapshot that may be one interval old.
    match link
        .query(crate::service::protocol::Query::Campaign { campaign: id })
        .await
    {
        Ok(crate::service::protocol::Answer::Campaign(record)) => {
            record.status == CampaignStatus::Running
        }
        _ => false,
    }
}

/// Paused for a reason the engine lifts by itself (calling hours, cap, schedule).
fn is_waiting_by_itself(view: &CampaignView) -> bool {
    view.status == CampaignStatus::Paused
        && view
            .pause_reason
            .as_ref()
            .is_some_and(PauseReason::is_automatic)
}

/// `Some(exit code)` once the campaign is done or needs the operator.
fn finished(view: &CampaignView) -> Result<Option<ExitCode>> {
    match (&view.status, &view.pause_reason) {
        (CampaignStatus::Completed, _) => Ok(Some(ExitCode::SUCCESS)),
        (CampaignStatus::Stopped, _) => bail!("campaign {} was stopped", view.id),
        (CampaignStatus::Paused, Some(reason)) if !reason.is_automatic() => {
            bail!("campaign {} paused: {reason}", view.id)
        }
        _ => Ok(None),
    }
}

fn status(view: &CampaignView) -> String {
    let leads = &view.leads;
    let progress = view.progress();
    let mut line = format!(
        "campaign {} {}: {}/{} leads finished, {} calling, {} pending, {} waiting to retry",
        view.id,
        view.status,
        progress.finished,
        progress.callable,
        view.slots.len(),
        leads.pending,
        leads.retry_wait
    );
    if let Some(reason) = &view.pause_reason {
        line.push_str(&format!(" ({reason})"));
    }
    // Nothing in flight: say what it waits for, and when.
    if let (Some(next), true) = (view.next_due(), view.slots.is_empty()) {
        line.push_str(&format!("; {}", next.describe(chrono::Utc::now())));
    }
    line
}

fn summary(view: &CampaignView) -> String {
    let leads = &view.leads;
    let outcomes: Vec<String> = view
        .outcomes
        .iter()
        .map(|(o, n)| format!("{o} {n}"))
        .collect();
    let ms = |v: Option<u64>| v.map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
    format!(
        "campaign {} ({}) {}\n  leads: {} done, {} exhausted, {} dnc, {} invalid, {} pending, {} waiting to retry\n  calls: {}\n  average ring {}, average talk {}",
        view.id,
        view.name,
        view.status,
        leads.done,
        leads.exhausted,
        leads.dnc,
        leads.invalid,
        leads.pending,
        leads.retry_wait,
        if outcomes.is_empty() { "none".to_string() } else { outcomes.join(", ") },
        ms(view.avg_ring_ms),
        ms(view.avg_talk_ms),
    )
}

const HANGUP: &str = "SIGHUP";

/// SIGINT and (on Unix) SIGTERM and SIGHUP, as one stream of their names.
fn signals() -> Result<tokio::sync::mpsc::Receiver<&'static str>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let ctrl_c = tx.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = ctrl_c.send("SIGINT").await;
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for (kind, name) in [
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), HANGUP),
        ] {
            let mut received = signal(kind).wrap_err_with(|| format!("listening for {name}"))?;
            let tx = tx.clone();
            tokio::spawn(async move {
                if received.recv().await.is_some() {
                    let _ = tx.send(name).await;
                }
            });
        }
    }
    Ok(rx)
}
