//! The whole console driven through its input channel, without a terminal
//! (`App::run_headless`): first against a hand-fed engine port, to pin down which keys
//! send which commands and how answers are shown; then against the real engine on the
//! embedded sandbox, creating, importing, starting, inspecting and pausing a campaign
//! the way an operator would, once with the engine in the console's process and once
//! with the engine behind its socket (the same console code, a remote link); and a
//! console whose engine dies and comes back.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard::config::ApiConfig;
use switchboard::config::Config;
use switchboard::domain::{
    AttemptEventKind, AttemptId, AttemptState, CampaignId, CampaignStatus, LeadId,
};
use switchboard::engine::{
    CampaignView, Command, EngineError, EngineEvent, EngineEventKind, LeadCounts, Reply, SlotView,
    Snapshot,
};
use switchboard::import::ImportReport;
use switchboard::runtime::{LiveKitTarget, RuntimeSettings};
use switchboard::sandbox::SandboxConfig;
use switchboard::service::link::ENGINE_GONE;
use switchboard::service::protocol::{Answer, Query};
use switchboard::service::{EngineClient, EngineHost, HostPlan, Link, RemoteEngine};
use switchboard::tui::port::ReplyReceiver;
use switchboard::tui::{strings, Action, App, EngineCalls, EnginePort, Exit, Settings};
use tokio::sync::{broadcast, oneshot, watch};

const WAIT: Duration = Duration::from_secs(10);

/// Records every command and answers from a script; its queue and timeline are empty.
#[derive(Default)]
struct ScriptedEngine {
    sent: Mutex<Vec<Command>>,
}

impl EngineCalls for ScriptedEngine {
    fn query(&self, query: Query) -> BoxFuture<'static, Result<Answer, EngineError>> {
        let answer = match query {
            Query::QueuePage { .. } => Ok(Answer::QueuePage(Vec::new())),
            Query::TimelinePage { .. } => Ok(Answer::TimelinePage(Vec::new())),
            other => Err(EngineError::NotFound {
                what: format!("{other:?}"),
            }),
        };
        Box::pin(std::future::ready(answer))
    }

    fn import_file(
        &self,
        _campaign: CampaignId,
        path: PathBuf,
        _region: String,
    ) -> BoxFuture<'static, Result<ImportReport, EngineError>> {
        let refused = EngineError::Refused(format!("no imports here ({})", path.display()));
        Box::pin(std::future::ready(Err(refused)))
    }

    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError> {
        let answer = match &command {
            Command::Pause(_) => Err(EngineError::Refused("LiveKit is busy, try again".into())),
            Command::DeleteCampaign(id) => Ok(Reply::Deleted(*id)),
            _ => Ok(Reply::Done),
        };
        self.sent.lock().expect("lock").push(command);
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(answer);
        Ok(rx)
    }
}

fn campaign(status: CampaignStatus, slots: Vec<SlotView>) -> CampaignView {
    CampaignView {
        id: CampaignId(1),
        name: "Renewals".into(),
        status,
        pause_reason: None,
        agent_name: "agent".into(),
        trunk_id: "ST_1".into(),
        max_concurrent: 4,
        leads: LeadCounts {
            pending: 10,
            ..Default::default()
        },
        outcomes: BTreeMap::new(),
        attempts_today: 0,
        daily_cap: None,
        slots,
        next_up: Vec::new(),
        avg_ring_ms: None,
        avg_talk_ms: None,
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        dials_per_minute: Vec::new(),
        eta_ms: None,
        ring_timeout_ms: 30_000,
        next_retry_at: None,
        started_at: None,
        completed_at: None,
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[tokio::test]
async fn keys_become_commands_and_answers_become_the_status_line() {
    let engine = Arc::new(ScriptedEngine::default());
    let draft = Snapshot {
        at: None,
        campaigns: vec![campaign(CampaignStatus::Draft, Vec::new())],
        notice: None,
    };
    let (snapshots, snapshot_rx) = watch::channel(Arc::new(draft));
    let (events, events_rx) = broadcast::channel(64);
    let port = EnginePort {
        engine: engine.clone(),
        snapshot: snapshot_rx,
        events: events_rx,
        start_engine: None,
    };
    let now = Utc
        .with_ymd_and_hms(2026, 3, 14, 12, 0, 0)
        .single()
        .expect("time");
    let app = App::new(port, Settings::default()).with_clock(Arc::new(move || now));
    let mut console = app.run_headless(120, 36);

    console
        .wait_for(WAIT, |s| {
            s.contains("DRAFT") && s.contains("press s to start")
        })
        .await
        .expect("draft shown");
    console.keys("s");
    console
        .wait_for(WAIT, |s| s.contains("start \"Renewals\": done"))
        .await
        .expect("reply shown");
    assert!(matches!(
        engine.sent.lock().expect("lock").as_slice(),
        [Command::Start(CampaignId(1))]
    ));

    let slot = SlotView {
        attempt: AttemptId(7),
        lead: LeadId(3),
        lead_name: Some("Grace Hopper".into()),
        phone: "+12125550100".into(),
        caller_id: None,
        variant: None,
        attempt_number: 1,
        state: AttemptState::Ringing,
        dialed_at: now - chrono::Duration::seconds(4),
        state_since: now,
        answered_at: None,
    };
    let running = Snapshot {
        at: None,
        campaigns: vec![campaign(CampaignStatus::Running, vec![slot])],
        notice: None,
    };
    snapshots.send(Arc::new(running)).expect("console listens");
    console
        .wait_for(WAIT, |s| {
            s.contains("RUNNING") && s.contains("Grace Hopper") && s.contains("ringing")
        })
        .await
        .expect("slot");

    // A refusal is shown as an error, naming the command.
    console.keys("p");
    console
        .wait_for(WAIT, |s| {
            s.contains("pause \"Renewals\" failed: LiveKit is busy, try again")
        })
        .await
        .expect("error shown");

    // The filter narrows the calls by name or number.
    console.keys("2/zzz");
    console
        .wait_for(WAIT, |s| s.contains("No calls in progress"))
        .await
        .expect("filtered out");
    console.key(key(KeyCode::Esc));
    console
        .wait_for(WAIT, |s| s.contains("Grace Hopper"))
        .await
        .expect("filter cleared");
    console.keys("/grace");
    console.key(key(KeyCode::Enter));
    console
        .wait_for(WAIT, |s| {
            s.contains("Grace Hopper") && s.contains("1/4 · /grace")
        })
        .await
        .expect("kept");
    console.keys("/");
    console.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    console.key(key(KeyCode::Enter));
    console.keys("1");

    // Stop asks first; esc sends nothing, y sends it.
    console.keys("x");
    console
        .wait_for(WAIT, |s| {
            s.contains("Stop campaign \"Renewals\" for good?") && s.contains("cannot be undone")
        })
        .await
        .expect("confirm");
    console.key(key(KeyCode::Esc));
    console
        .wait_for(WAIT, |s| !s.contains("Stop campaign"))
        .await
        .expect("closed");
    assert!(!engine
        .sent
        .lock()
        .expect("lock")
        .iter()
        .any(|c| matches!(c, Command::Stop { .. })));
    console.keys("xy");
    console
        .wait_for(WAIT, |s| s.contains("stop \"Renewals\": done"))
        .await
        .expect("stopped");
    assert!(engine.sent.lock().expect("lock").iter().any(|c| matches!(
        c,
        Command::Stop {
            id: CampaignId(1),
            ..
        }
    )));

    // End the selected call from the slots pane: asked first, like a stop.
    console.keys("2hy");
    console
        .wait_for(WAIT, |s| s.contains("end call to Grace Hopper: done"))
        .await
        .expect("hang up");
    assert!(engine
        .sent
        .lock()
        .expect("lock")
        .iter()
        .any(|c| matches!(c, Command::HangUp(AttemptId(7)))));

    // Live events scroll into the timeline.
    events
        .send(EngineEvent {
            at: now,
            campaign: CampaignId(1),
            attempt: Some(AttemptId(7)),
            lead: Some(LeadId(3)),
            lead_label: Some("Grace Hopper".into()),
            kind: EngineEventKind::Attempt(AttemptEventKind::Answered),
            detail: "SIP 200 OK".into(),
        })
        .expect("console subscribed");
    console
        .wait_for(WAIT, |s| s.contains("answered") && s.contains("SIP 200 OK"))
        .await
        .expect("timeline row");

    // The help overlay lists every binding, including the ones not in the hint bar.
    console.keys("?");
    console
        .wait_for(WAIT, |s| s.contains("Keys") && s.contains("new_campaign"))
        .await
        .expect("help");
    console.keys(&"j".repeat(60));
    console
        .wait_for(WAIT, |s| {
            s.contains("keep_running_and_quit") && s.contains("pause_and_quit")
        })
        .await
        .expect("help scrolled");
    console.key(key(KeyCode::Esc));

    // Quitting while a campaign runs asks what to do with it.
    console.keys("q");
    console
        .wait_for(WAIT, |s| s.contains("Calls are live"))
        .await
        .expect("quit question");
    console.keys("k");
    let exit = tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
    assert!(matches!(exit, Exit::Quit));
}

#[tokio::test]
async fn a_rebound_key_does_the_action_and_the_hint_bar_shows_it() {
    let engine = Arc::new(ScriptedEngine::default());
    let draft = Snapshot {
        at: None,
        campaigns: vec![campaign(CampaignStatus::Draft, Vec::new())],
        notice: None,
    };
    let (_snapshots, snapshot_rx) = watch::channel(Arc::new(draft));
    let (_events, events_rx) = broadcast::channel(4);
    let port = EnginePort {
        engine: engine.clone(),
        snapshot: snapshot_rx,
        events: events_rx,
        start_engine: None,
    };
    let keys: BTreeMap<String, String> = [("start".to_string(), "S".to_string())].into();
    let settings = Settings {
        keymap: switchboard::tui::Keymap::with_overrides(&keys).expect("valid"),
        ..Settings::default()
    };
    let mut console = App::new(port, settings).run_headless(120, 36);
    console
        .wait_for(WAIT, |s| {
            s.contains("S start") && s.contains("press S to start")
        })
        .await
        .expect("hint");
    console.keys("s");
    console.keys("S");
    console
        .wait_for(WAIT, |s| s.contains("start \"Renewals\": done"))
        .await
        .expect("started");
    assert_eq!(
        engine.sent.lock().expect("lock").len(),
        1,
        "plain s does nothing any more"
    );
    console.action(Action::Quit);
    tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
}

#[tokio::test]
async fn delete_asks_first_and_is_refused_for_a_running_campaign() {
    let engine = Arc::new(ScriptedEngine::default());
    let running = Snapshot {
        at: None,
        campaigns: vec![campaign(CampaignStatus::Running, Vec::new())],
        notice: None,
    };
    let (snapshots, snapshot_rx) = watch::channel(Arc::new(running));
    let (_events, events_rx) = broadcast::channel(4);
    let port = EnginePort {
        engine: engine.clone(),
        snapshot: snapshot_rx,
        events: events_rx,
        start_engine: None,
    };
    let mut console = App::new(port, Settings::default()).run_headless(120, 36);
    console
        .wait_for(WAIT, |s| s.contains("RUNNING"))
        .await
        .expect("running shown");
    console.keys("D");
    console
        .wait_for(WAIT, |s| {
            s.contains("campaign \"Renewals\" is running; stop it first")
        })
        .await
        .expect("refused");
    assert!(engine.sent.lock().expect("lock").is_empty());

    let stopped = Snapshot {
        at: None,
        campaigns: vec![campaign(CampaignStatus::Stopped, Vec::new())],
        notice: None,
    };
    snapshots.send(Arc::new(stopped)).expect("console listens");
    console
        .wait_for(WAIT, |s| s.contains("STOPPED") && s.contains("D delete"))
        .await
        .expect("delete offered in the hint bar");
    // Esc keeps the campaign; y deletes it.
    console.keys("D");
    console
        .wait_for(WAIT, |s| {
            s.contains("Delete campaign \"Renewals\" with its 10 lead(s)")
        })
        .await
        .expect("confirm");
    console.key(key(KeyCode::Esc));
    console
        .wait_for(WAIT, |s| !s.contains("Delete campaign"))
        .await
        .expect("closed");
    assert!(engine.sent.lock().expect("lock").is_empty());
    console.keys("Dy");
    console
        .wait_for(WAIT, |s| s.contains("deleted campaign c1"))
        .await
        .expect("deleted");
    assert!(matches!(
        engine.sent.lock().expect("lock").as_slice(),
        [Command::DeleteCampaign(CampaignId(1))]
    ));
    console.action(Action::Quit);
    tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
}

/// The demo's engine is its own: its quit question says quitting ends it, where the
/// console's says the engine goes on.
#[tokio::test]
async fn the_quit_question_says_what_happens_to_the_engine() {
    for (demo, says) in [(false, "background"), (true, "ends its engine")] {
        let running = Snapshot {
            at: None,
            campaigns: vec![campaign(CampaignStatus::Running, Vec::new())],
            notice: None,
        };
        let (_snapshots, snapshot_rx) = watch::channel(Arc::new(running));
        let (_events, events_rx) = broadcast::channel(4);
        let port = EnginePort {
            engine: Arc::new(ScriptedEngine::default()),
            snapshot: snapshot_rx,
            events: events_rx,
            start_engine: None,
        };
        let settings = Settings {
            demo,
            ..Settings::default()
        };
        let mut console = App::new(port, settings).run_headless(120, 36);
        console.keys("q");
        console
            .wait_for(WAIT, |s| s.contains("Calls are live") && s.contains(says))
            .await
            .unwrap_or_else(|screen| panic!("demo {demo}: no {says:?} in\n{screen}"));
        console.action(Action::KeepRunningAndQuit);
        tokio::time::timeout(WAIT, console.task)
            .await
            .expect("quits")
            .expect("task")
            .expect("no error");
    }
}

fn write_leads(path: &Path) {
    let mut csv = String::from("phone,name,plan\n");
    for i in 0..30 {
        csv.push_str(&format!("(212) 555-{:04},Lead {i},gold\n", 100 + i));
    }
    std::fs::write(path, csv).expect("write csv");
}

/// The database's engine on the embedded sandbox, serving its socket in `dir/run`, as
/// `switchboard serve` does.
async fn sandbox_host(dir: &Path) -> EngineHost {
    let mut settings = RuntimeSettings::from_config(&Config::default()).expect("settings");
    let sandbox = SandboxConfig {
        time_scale: 0.02,
        ..SandboxConfig::default()
    };
    settings.livekit = LiveKitTarget::Sandbox {
        config: Box::new(sandbox),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let plan = HostPlan {
        db: dir.join("switchboard.db"),
        runtime_dir: Some(dir.join("run")),
        settings,
    };
    EngineHost::start(plan, &ApiConfig::default())
        .await
        .expect("the engine starts")
}

/// A link to `host` over its socket, as another process has it.
async fn remote_link(host: &EngineHost) -> Link {
    let client = EngineClient::connect(host.socket())
        .await
        .expect("the engine answers on its socket");
    Link::Remote(RemoteEngine::follow(client).await.expect("follows"))
}

/// The operator's way through a new campaign: create it in the form, import `csv`
/// (preview, then report), start it and open a live call's details. Leaves it running.
async fn create_import_start_and_inspect(console: &mut switchboard::tui::Headless, csv: &Path) {
    console
        .wait_for(WAIT, |s| s.contains("No campaigns yet"))
        .await
        .expect("empty start");

    // New campaign through the form; the calling window is opened to the whole day so
    // the test does not depend on the time it runs.
    console.action(Action::NewCampaign);
    console
        .wait_for(WAIT, |s| s.contains("New campaign"))
        .await
        .expect("form");
    console.keys("Console test");
    console.action(Action::NextField);
    console.keys("test-agent");
    console.action(Action::NextField);
    console.keys("ST_sandbox");
    for _ in 0..7 {
        console.action(Action::NextField);
    }
    console.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    console.keys("00:00-23:59");
    console.action(Action::Submit);
    console
        .wait_for(WAIT, |s| s.contains("created campaign"))
        .await
        .expect("created");

    // Edit reads the campaign's record back from the engine.
    console.action(Action::EditCampaign);
    console
        .wait_for(WAIT, |s| {
            s.contains("Edit campaign") && s.contains("test-agent")
        })
        .await
        .expect("the edit form holds the stored settings");
    console.action(Action::Cancel);

    // Import: preview first, then the report.
    console.action(Action::Import);
    console.keys(&csv.display().to_string());
    console.action(Action::Submit);
    console
        .wait_for(WAIT, |s| {
            s.contains("phone from `phone`") && s.contains("Lead 0")
        })
        .await
        .expect("preview");
    console.action(Action::Submit);
    console
        .wait_for(WAIT, |s| s.contains("imported 30"))
        .await
        .expect("report");
    console.action(Action::Submit);
    console
        .wait_for(WAIT, |s| {
            s.contains("DRAFT") && s.contains("0 / 30 leads") && s.contains("Lead 0")
        })
        .await
        .expect("the draft counts its imported leads and queues them");

    console.action(Action::Start);
    let screen = console
        .wait_for(WAIT, |s| {
            s.contains("RUNNING")
                && ["dialing", "ringing", "active"]
                    .iter()
                    .any(|w| s.contains(w))
        })
        .await
        .expect("calls in flight");
    assert!(screen.contains("Console test"));

    // Details of a live call show its timeline so far. Calls here last about a
    // second, so the one on screen may be gone when the key is read (then the key
    // opens nothing): press again, as an operator would.
    let opened = |s: &str| s.contains("Loading history") || s.contains("Variables");
    for _ in 0..10 {
        console.action(Action::FocusSlots);
        console.action(Action::Details);
        if console.wait_for(WAIT / 10, opened).await.is_ok() {
            break;
        }
    }
    console
        .wait_for(WAIT, |s| {
            s.contains("Attempt 1") && s.contains("Variables") && s.contains("plan")
        })
        .await
        .expect("detail");
    console.action(Action::Close);
}

/// Waits until `host`'s engine says the first campaign has `status`.
async fn engine_shows(host: &EngineHost, status: CampaignStatus) {
    let mut snapshots = host.runtime.engine.snapshot();
    let reached = tokio::time::timeout(WAIT, async {
        loop {
            if snapshots
                .borrow_and_update()
                .campaigns
                .first()
                .is_some_and(|c| c.status == status)
            {
                return;
            }
            snapshots.changed().await.expect("the engine runs");
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "the engine never showed {status:?}: {:#?}",
        snapshots.borrow().campaigns
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_creates_imports_starts_inspects_and_pauses_on_the_sandbox() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("leads.csv");
    write_leads(&csv);
    let host = sandbox_host(dir.path()).await;
    let link = Link::Local(host.runtime.engine.clone());
    let mut console = App::new(EnginePort::new(&link), Settings::default()).run_headless(160, 48);
    create_import_start_and_inspect(&mut console, &csv).await;

    console.action(Action::Pause);
    console
        .wait_for(WAIT, |s| s.contains("PAUSED: paused by operator"))
        .await
        .expect("paused");
    console.action(Action::Quit);
    let exit = tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
    assert!(
        matches!(exit, Exit::Quit),
        "nothing running, so no question"
    );
    host.shutdown(Duration::from_millis(200)).await;
}

/// The same console code with the engine behind its socket: every read (the edit form,
/// queue, timeline, a lead's history) and write (the import) goes through the protocol.
/// Quitting offers "pause all and quit", which the engine carries out before the
/// console leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_the_same_over_the_engine_socket_and_pauses_all_on_quit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("leads.csv");
    write_leads(&csv);
    let host = sandbox_host(dir.path()).await;
    let link = remote_link(&host).await;
    assert!(
        link.client().is_some(),
        "the console is a client of the engine"
    );
    let mut console = App::new(EnginePort::new(&link), Settings::default()).run_headless(160, 48);
    create_import_start_and_inspect(&mut console, &csv).await;

    console.action(Action::Quit);
    console
        .wait_for(WAIT, |s| {
            s.contains("Calls are live")
                && s.contains("background")
                && s.contains("pause all and quit")
        })
        .await
        .expect("the quit question says the engine keeps calling");
    console.action(Action::PauseAndQuit);
    let exit = tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
    assert!(matches!(exit, Exit::PauseAndQuit(_)), "{exit:?}");
    engine_shows(&host, CampaignStatus::Paused).await;
    host.shutdown(Duration::from_millis(200)).await;
}

/// Leaving the console leaves the engine and its campaign running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_a_remote_console_leaves_the_campaign_calling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("leads.csv");
    write_leads(&csv);
    let host = sandbox_host(dir.path()).await;
    let link = remote_link(&host).await;
    let mut console = App::new(EnginePort::new(&link), Settings::default()).run_headless(160, 48);
    create_import_start_and_inspect(&mut console, &csv).await;
    console.action(Action::Quit);
    console
        .wait_for(WAIT, |s| s.contains("Calls are live"))
        .await
        .expect("quit question");
    console.action(Action::KeepRunningAndQuit);
    let exit = tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
    assert!(matches!(exit, Exit::Quit), "{exit:?}");
    drop(link);
    // Still calling: more dials after the console left.
    let dialled = host.runtime.engine.snapshot().borrow().campaigns[0].attempts_today;
    let mut snapshots = host.runtime.engine.snapshot();
    tokio::time::timeout(WAIT, async {
        while snapshots.borrow_and_update().campaigns[0].attempts_today <= dialled {
            snapshots.changed().await.expect("the engine runs");
        }
    })
    .await
    .expect("the campaign dials on without a console");
    engine_shows(&host, CampaignStatus::Running).await;
    host.shutdown(Duration::from_millis(200)).await;
}

/// A console whose engine dies says so at once, and is live again when a new engine
/// comes up on the same database, without being restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_shows_its_engine_gone_and_reconnects_when_it_is_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = sandbox_host(dir.path()).await;
    let link = remote_link(&host).await;
    let mut console = App::new(EnginePort::new(&link), Settings::default()).run_headless(160, 48);
    console
        .wait_for(WAIT, |s| s.contains("No campaigns yet"))
        .await
        .expect("attached");

    host.shutdown(Duration::ZERO).await;
    console
        .wait_for(WAIT, |s| s.contains(ENGINE_GONE))
        .await
        .expect("the console shows the engine is gone");

    let host = sandbox_host(dir.path()).await;
    let settings = switchboard::domain::CampaignSettings {
        name: "After the restart".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_sandbox".into(),
        ..Default::default()
    };
    host.runtime
        .engine
        .send(Command::CreateCampaign(Box::new(settings)))
        .await
        .expect("created on the new engine");
    console
        .wait_for(WAIT, |s| {
            s.contains("After the restart") && !s.contains(ENGINE_GONE)
        })
        .await
        .expect("the console follows the new engine");
    console
        .wait_for(WAIT, |s| s.contains(strings::ENGINE_BACK))
        .await
        .expect("the console says it is back");

    // Commands go to the new engine too.
    console.keys("Dy");
    console
        .wait_for(WAIT, |s| s.contains("deleted campaign"))
        .await
        .expect("deleted through the console");
    assert!(host.runtime.engine.snapshot().borrow().campaigns.is_empty());
    console.action(Action::Quit);
    tokio::time::timeout(WAIT, console.task)
        .await
        .expect("quits")
        .expect("task")
        .expect("no error");
    host.shutdown(Duration::from_millis(200)).await;
}
