//! One engine per database, whatever processes a user starts: the real binary, two at a
//! time on one database, against an in-test sandbox whose counters say what really
//! happened on the phone network.

#![cfg(unix)]

use chrono::{NaiveTime, Utc};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use switchboard::domain::{CallingWindow, CampaignSettings, CampaignStatus};
use switchboard::sandbox::{SandboxConfig, SecondsRange};
use switchboard::store::{CampaignRecord, LeadRecord, NewCampaign, NewLead, Store};

const MAX_CONCURRENT: u32 = 5;

struct Setup {
    dir: tempfile::TempDir,
    sandbox: switchboard::sandbox::Sandbox,
}

impl Setup {
    async fn new() -> Setup {
        let sandbox = switchboard::sandbox::start(
            SandboxConfig {
                time_scale: 0.005,
                dial_delay: SecondsRange::new(1.0, 3.0),
                ring: SecondsRange::new(3.0, 10.0),
                talk: SecondsRange::new(20.0, 60.0),
                departure_timeout_secs: 1.0,
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[polling]\ninterval_ms = 20\nmax_requests_per_sec = 1000\n\n[engine]\nper_number_daily_limit = 100\n",
        )
        .unwrap();
        Setup { dir, sandbox }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("switchboard.db")
    }

    async fn campaign(&self, leads: usize) -> i64 {
        let store = Store::open(self.db()).unwrap();
        store
            .write(move |conn| {
                let settings = CampaignSettings {
                    name: "two processes".into(),
                    agent_name: "agent".into(),
                    trunk_id: "ST_sandbox".into(),
                    max_concurrent: MAX_CONCURRENT,
                    call_delay_ms: 0,
                    max_attempts: 1,
                    window: CallingWindow {
                        start: NaiveTime::MIN,
                        end: NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
                    },
                    ..CampaignSettings::default()
                };
                let id = CampaignRecord::insert(
                    conn,
                    &NewCampaign {
                        settings,
                        now: Utc::now(),
                    },
                )?;
                for i in 0..leads {
                    let lead = NewLead {
                        phone: format!("+1212555{:04}", 100 + i),
                        ..NewLead::default()
                    };
                    LeadRecord::insert(conn, id, &lead, Utc::now())?;
                }
                Ok(id.0)
            })
            .await
            .unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        self.command_on(&self.db(), args)
    }

    /// A command on the database as `db` names it.
    fn command_on(&self, db: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .current_dir(self.dir.path())
            .args([
                "--config",
                self.dir.path().join("config.toml").to_str().unwrap(),
            ])
            .args(["--db", db.to_str().unwrap()])
            .args(args)
            .env("LIVEKIT_URL", self.sandbox.url())
            .env("LIVEKIT_API_KEY", self.sandbox.api_key())
            .env("LIVEKIT_API_SECRET", self.sandbox.api_secret())
            .env("SWITCHBOARD_RUNTIME_DIR", self.dir.path().join("run"))
            .env_remove("SWITCHBOARD_CONFIG")
            .env_remove("SWITCHBOARD_DB")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .spawn()
            .expect("the switchboard binary starts")
    }

    fn output(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .expect("the switchboard binary runs")
    }
}

/// A background engine a failing test must not leave running.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait(mut child: Child, within: Duration) -> Output {
    let deadline = Instant::now() + within;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {within:?}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lock_pid(db: &Path) -> String {
    let mut lock = db.as_os_str().to_owned();
    lock.push(".lock");
    std::fs::read_to_string(PathBuf::from(lock))
        .unwrap()
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_database_share_one_engine_and_never_double_dial() {
    let setup = Setup::new().await;
    let id = setup.campaign(40).await.to_string();
    // A cron job overlapping itself: both start at once.
    let first = setup.spawn(&["run", "--campaign", &id, "--grace-secs", "0"]);
    let second = setup.spawn(&["run", "--campaign", &id, "--grace-secs", "0"]);
    let (first, second) = tokio::task::spawn_blocking(move || {
        (
            wait(first, Duration::from_secs(60)),
            wait(second, Duration::from_secs(60)),
        )
    })
    .await
    .unwrap();
    assert!(first.status.success(), "first run: {}", stderr(&first));
    assert!(second.status.success(), "second run: {}", stderr(&second));
    let followed = [&first, &second]
        .iter()
        .filter(|o| stderr(o).contains("following campaign"))
        .count();
    assert_eq!(
        followed,
        1,
        "exactly one run hosted the engine, the other followed it:\n{}\n---\n{}",
        stderr(&first),
        stderr(&second)
    );
    let stats = setup.sandbox.stats();
    assert!(
        stats.max_concurrent_calls() <= MAX_CONCURRENT,
        "{} calls at once on a campaign limited to {MAX_CONCURRENT}",
        stats.max_concurrent_calls()
    );
    assert_eq!(stats.calls_per_number.len(), 40, "every lead was called");
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(*calls, 1, "{number} was dialled {calls} times");
    }
    let store = Store::open(setup.db()).unwrap();
    let record = store
        .read(move |c| CampaignRecord::get(c, switchboard::domain::CampaignId(id.parse().unwrap())))
        .await
        .unwrap();
    assert_eq!(record.status, CampaignStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_is_refused_naming_the_pid_and_the_cli_goes_through_the_first() {
    let setup = Setup::new().await;
    let id = setup.campaign(30).await.to_string();
    let mut serve = KillOnDrop(Some(setup.spawn(&["serve", "--grace-secs", "0"])));
    let pid = serve.0.as_ref().unwrap().id().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    // The lock names the engine's pid once it holds the database.
    while std::fs::read_to_string(setup.dir.path().join("switchboard.db.lock"))
        .map_or(true, |held| held.trim() != pid)
    {
        assert!(Instant::now() < deadline, "serve never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = setup.output(&["campaign", "start", &id]);
    assert!(started.status.success(), "{}", stderr(&started));
    assert!(stderr(&started).contains("started"), "{}", stderr(&started));
    assert_eq!(lock_pid(&setup.db()), pid, "no second engine was started");

    let refused = setup.output(&["serve"]);
    assert_eq!(refused.status.code(), Some(1));
    let text = stderr(&refused);
    assert!(text.contains(&format!("pid {pid}")), "{text}");
    assert!(text.contains("attach"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{text}"
    );

    // A campaign created, paused and resumed from the CLI, all through the engine.
    let created = setup.output(&[
        "campaign",
        "create",
        "--name",
        "via engine",
        "--agent",
        "a",
        "--trunk",
        "ST_sandbox",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let paused = setup.output(&["campaign", "pause", &id]);
    assert!(paused.status.success(), "{}", stderr(&paused));
    let calls_at_pause = setup.sandbox.stats().calls_placed;
    std::thread::sleep(Duration::from_millis(300));
    let active = setup.sandbox.stats().active_calls;
    assert!(
        setup.sandbox.stats().calls_placed <= calls_at_pause + active,
        "no call starts while paused"
    );
    // A number put on the do-not-call list goes through the engine: its lead leaves the
    // queue at once and is never dialled.
    let late = "+12125550129";
    let dnc = setup.output(&["dnc", "add", late, "--reason", "asked by phone"]);
    assert!(dnc.status.success(), "{}", stderr(&dnc));
    assert!(stderr(&dnc).contains("1 lead marked"), "{}", stderr(&dnc));
    let resumed = setup.output(&["campaign", "resume", &id]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));

    // SIGTERM: the engine pauses its campaigns for the next start and exits cleanly.
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let serve = serve.0.take().unwrap();
    let out = tokio::task::spawn_blocking(move || wait(serve, Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let store = Store::open(setup.db()).unwrap();
    let campaigns = store.read(CampaignRecord::list).await.unwrap();
    let ours = campaigns.iter().find(|c| c.id.0.to_string() == id).unwrap();
    assert!(
        ours.status == CampaignStatus::Completed
            || ours.pause_reason == Some(switchboard::domain::PauseReason::Shutdown),
        "{ours:?}"
    );
    assert!(campaigns.iter().any(|c| c.settings.name == "via engine"));
    assert!(
        !setup.sandbox.stats().calls_per_number.contains_key(late)
            || setup.sandbox.stats().calls_per_number[late] == 1,
        "a number on the list is not dialled again"
    );
    for (number, calls) in &setup.sandbox.stats().calls_per_number {
        assert_eq!(*calls, 1, "{number} was dialled {calls} times");
    }
}

/// `switchboard status` and `switchboard export` print the same whether they read the
/// database themselves (no engine) or ask the engine that holds it (`serve`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_export_print_the_same_through_the_engine_as_from_the_database() {
    let setup = Setup::new().await;
    let id = setup.campaign(6).await.to_string();
    let run = setup.output(&["run", "--campaign", &id, "--grace-secs", "0"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let commands: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["status", "--json"],
        vec!["status", "--campaign", &id],
        vec!["status", "--campaign", "999"],
        vec!["export", "--campaign", &id],
        vec!["export", "--campaign", &id, "--format", "jsonl"],
        vec!["export", "--campaign", &id, "--format", "json"],
        vec!["export", "--campaign", "999"],
    ];
    let printed = |setup: &Setup| -> Vec<(Option<i32>, String, String)> {
        commands
            .iter()
            .map(|args| {
                let out = setup.output(args);
                (
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr(&out),
                )
            })
            .collect()
    };
    let direct = printed(&setup);
    assert!(direct[4].1.lines().count() > 6, "{}", direct[4].1);
    assert!(direct[4].2.contains("exported "), "{}", direct[4].2);
    assert_eq!(direct[3].0, Some(1), "{}", direct[3].2);

    let mut serve = KillOnDrop(Some(setup.spawn(&["serve", "--grace-secs", "0"])));
    let pid = serve.0.as_ref().unwrap().id().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(setup.dir.path().join("switchboard.db.lock"))
        .map_or(true, |held| held.trim() != pid)
    {
        assert!(Instant::now() < deadline, "serve never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let socket_ready = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(setup.dir.path().join("run")).map_or(true, |mut d| d.next().is_none()) {
        assert!(Instant::now() < socket_ready, "serve never made its socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    let through_engine = printed(&setup);
    for ((args, direct), engine) in commands.iter().zip(&direct).zip(&through_engine) {
        assert_eq!(
            direct,
            engine,
            "`switchboard {}` differs through the engine",
            args.join(" ")
        );
    }
    assert_eq!(
        lock_pid(&setup.db()),
        pid,
        "the engine held the database throughout"
    );
    if let Some(mut child) = serve.0.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Every other way of reaching one database file while `serve` runs on it.
#[derive(Debug, Clone, Copy)]
enum OtherWay {
    /// `ln sb.db hard.db`: another name, the same inode.
    HardLink,
    /// `ln -s sb.db link.db`.
    Symlink,
    /// `sub/../switchboard.db`, relative to the working directory.
    RelativePath,
    /// `switchboard.db.lock` deleted under the running engine.
    LockFileDeleted,
    /// The engine's socket deleted.
    SocketDeleted,
    /// The whole runtime directory deleted.
    RuntimeDirDeleted,
}

/// `serve` runs a campaign; then `run` is started on the same database file another
/// way. Whatever the way, at most one engine dials: the second process follows the
/// first or is refused, and the sandbox's counters show every number dialled once and
/// never more calls at once than the limit.
async fn one_engine_whatever_the_way(way: OtherWay) {
    let setup = Setup::new().await;
    let leads = 30;
    let id = setup.campaign(leads).await.to_string();
    let mut serve = KillOnDrop(Some(setup.spawn(&["serve", "--grace-secs", "0"])));
    let socket_dir = setup.dir.path().join("run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(&socket_dir).map_or(0, |d| d.count()) == 0 {
        assert!(
            Instant::now() < deadline,
            "{way:?}: serve never opened its socket"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = setup.output(&["campaign", "start", &id]);
    assert!(started.status.success(), "{way:?}: {}", stderr(&started));

    let db = setup.db();
    let other = match way {
        OtherWay::HardLink => {
            let hard = setup.dir.path().join("hard.db");
            std::fs::hard_link(&db, &hard).unwrap();
            hard
        }
        OtherWay::Symlink => {
            let link = setup.dir.path().join("link.db");
            std::os::unix::fs::symlink(&db, &link).unwrap();
            link
        }
        OtherWay::RelativePath => {
            std::fs::create_dir(setup.dir.path().join("sub")).unwrap();
            PathBuf::from("sub/../switchboard.db")
        }
        OtherWay::LockFileDeleted => {
            std::fs::remove_file(setup.dir.path().join("switchboard.db.lock")).unwrap();
            db.clone()
        }
        OtherWay::SocketDeleted => {
            for entry in std::fs::read_dir(&socket_dir).unwrap() {
                std::fs::remove_file(entry.unwrap().path()).unwrap();
            }
            db.clone()
        }
        OtherWay::RuntimeDirDeleted => {
            std::fs::remove_dir_all(&socket_dir).unwrap();
            db.clone()
        }
    };
    let second = setup
        .command_on(&other, &["run", "--campaign", &id, "--grace-secs", "0"])
        .spawn()
        .unwrap();
    let second = tokio::task::spawn_blocking(move || wait(second, Duration::from_secs(60)))
        .await
        .unwrap();
    let text = stderr(&second);
    if !second.status.success() {
        // Refused: it must say an engine holds the database, and dial nothing.
        assert!(
            text.contains("pid"),
            "{way:?}: refused without naming the engine: {text}"
        );
    }
    // The first engine finishes the campaign either way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while setup.sandbox.stats().calls_placed < leads as u64
        || setup.sandbox.stats().active_calls > 0
    {
        assert!(
            Instant::now() < deadline,
            "{way:?}: the campaign never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = setup.sandbox.stats();
    assert!(
        stats.max_concurrent_calls() <= MAX_CONCURRENT,
        "{way:?}: {} calls at once under a limit of {MAX_CONCURRENT}: two engines dialled\n{text}",
        stats.max_concurrent_calls()
    );
    assert_eq!(stats.calls_per_number.len(), leads, "{way:?}");
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(
            *calls, 1,
            "{way:?}: {number} was dialled {calls} times\n{text}"
        );
    }
    drop(serve.0.take());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_through_a_hard_link() {
    one_engine_whatever_the_way(OtherWay::HardLink).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_through_a_symlink() {
    one_engine_whatever_the_way(OtherWay::Symlink).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_through_a_relative_path() {
    one_engine_whatever_the_way(OtherWay::RelativePath).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_when_the_lock_file_is_deleted() {
    one_engine_whatever_the_way(OtherWay::LockFileDeleted).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_when_the_socket_is_deleted() {
    one_engine_whatever_the_way(OtherWay::SocketDeleted).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_engine_per_database_file_when_the_runtime_directory_is_deleted() {
    one_engine_whatever_the_way(OtherWay::RuntimeDirDeleted).await;
}

/// Two `serve`s started at the same instant on two names of one file: one engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_racing_on_two_names_of_one_file_make_one_engine() {
    let setup = Setup::new().await;
    setup.campaign(1).await;
    let hard = setup.dir.path().join("hard.db");
    std::fs::hard_link(setup.db(), &hard).unwrap();
    let mut first = KillOnDrop(Some(setup.spawn(&["serve", "--grace-secs", "0"])));
    let mut second = KillOnDrop(Some(
        setup
            .command_on(&hard, &["serve", "--grace-secs", "0"])
            .spawn()
            .unwrap(),
    ));
    // The loser exits with the winner's pid; the winner keeps serving.
    let deadline = Instant::now() + Duration::from_secs(20);
    let (loser, winner) = loop {
        if first.0.as_mut().unwrap().try_wait().unwrap().is_some() {
            break (first.0.take().unwrap(), second.0.take().unwrap());
        }
        if second.0.as_mut().unwrap().try_wait().unwrap().is_some() {
            break (second.0.take().unwrap(), first.0.take().unwrap());
        }
        assert!(Instant::now() < deadline, "both engines are still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut winner = KillOnDrop(Some(winner));
    let out = loser.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let pid = winner.0.as_ref().unwrap().id().to_string();
    assert!(
        stderr(&out).contains(&format!("pid {pid}")),
        "{}",
        stderr(&out)
    );
    assert!(
        winner.0.as_mut().unwrap().try_wait().unwrap().is_none(),
        "the winner serves on"
    );
}

/// `campaign start` waits out LiveKit answering 503 at the trunk check: the engine asks
/// again with its infrastructure back-off (1 s, then 2 s, ...) instead of refusing the
/// start with "could not check the campaign's trunk".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_start_waits_out_a_503_at_the_trunk_check() {
    let setup = Setup::new().await;
    let id = setup.campaign(2).await.to_string();
    let serve = KillOnDrop(Some(setup.spawn(&["serve", "--grace-secs", "0"])));
    let pid = serve.0.as_ref().unwrap().id().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(setup.dir.path().join("switchboard.db.lock"))
        .map_or(true, |held| held.trim() != pid)
    {
        assert!(Instant::now() < deadline, "serve never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    setup.sandbox.set_faults(switchboard::sandbox::Faults {
        outage: Some(switchboard::sandbox::Outage {
            start_after_ms: 0,
            duration_ms: 1500,
            mode: switchboard::sandbox::OutageMode::Unavailable,
        }),
        ..switchboard::sandbox::Faults::none()
    });
    let started = setup.output(&["campaign", "start", &id]);
    assert!(started.status.success(), "{}", stderr(&started));
    assert!(stderr(&started).contains("started"), "{}", stderr(&started));
    drop(serve);
}
