//! The real binary in a real terminal: `switchboard demo`, and the console attached to
//! a background engine, in tmux, driven with send-keys and read with capture-pane.
//! Start the campaign, see calls fill the slots and the timeline move, pause, resume,
//! quit, and find the shell back as it was; quit a console and find its engine calling.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session(String);

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", &self.0, keys]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

fn tmux_installed() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Rows of the timeline pane (right of the queue) that show a call event.
fn timeline_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|line| line.split("││").nth(1))
        .filter(|row| row.chars().take(8).filter(|c| *c == ':').count() == 2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn demo_in_tmux_start_watch_pause_resume_quit() {
    if !tmux_installed() {
        eprintln!("SKIPPED: tmux is not installed, so the end-to-end terminal test cannot run");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let config = dir.path().join("config.toml");
    let binary = Path::new(env!("CARGO_BIN_EXE_switchboard"));
    let name = format!("switchboard-e2e-{}", std::process::id());
    let session = Session(name.clone());
    session.tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "120",
        "-y",
        "36",
        "sh",
    ]);
    session.tmux(&["set-option", "-t", &name, "status", "off"]);
    let base_command = format!(
        "{} --config {} --db {} demo --no-start --speed 20",
        binary.display(),
        config.display(),
        db.display()
    );
    let command = format!("{base_command}; echo SWITCHBOARD_EXITED=$?");
    session.keys(&command);
    session.keys("Enter");

    let screen = session.wait_for("the demo campaign, ready to start", |s| s.contains("DRAFT"));
    assert!(screen.contains("Demo: spring renewals"), "{screen}");
    assert!(
        screen.contains("press s to start"),
        "the header says which key starts it:\n{screen}"
    );

    session.keys("s");
    let screen = session.wait_for("calls in the slots", |s| {
        s.contains("RUNNING")
            && ["dialing", "ringing", "active"]
                .iter()
                .any(|state| s.contains(state))
    });
    assert!(screen.contains("Active calls"), "{screen}");
    session.wait_for("the progress gauge over all 200 leads", |s| {
        s.contains("/ 200 leads")
    });
    let first = timeline_rows(&screen);
    session.wait_for("the timeline to move", |s| {
        let rows = timeline_rows(s);
        !rows.is_empty() && rows != first
    });

    session.keys("p");
    session.wait_for("the campaign paused", |s| {
        s.contains("PAUSED: paused by operator")
    });
    session.keys("r");
    session.wait_for("the campaign running again", |s| s.contains("RUNNING"));

    session.keys("q");
    session.wait_for("the quit question", |s| s.contains("Calls are live"));
    session.keys("p");
    // The command line itself mentions the marker; the answer is the line that starts with it.
    let exited = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("SWITCHBOARD_EXITED="))
            .map(str::to_owned)
    };
    let screen = session.wait_for("the shell back", |s| exited(s).is_some());
    assert_eq!(
        exited(&screen).as_deref(),
        Some("SWITCHBOARD_EXITED=0"),
        "clean exit:\n{screen}"
    );
    assert!(
        !screen.contains("Active calls"),
        "the console's screen is gone (alternate screen left):\n{screen}"
    );

    // The campaign was paused on the way out, and the database says so.
    assert_eq!(campaign_status(&db), "paused");

    // Reopened: the view comes back on the paused campaign; resume it, then quit
    // leaving it running.
    session.keys(&format!("clear; {}; echo RUN2_EXITED=$?", base_command));
    session.keys("Enter");
    session.wait_for("the campaign as it was left", |s| {
        s.contains("PAUSED: paused by operator")
    });
    session.keys("r");
    session.wait_for("running again", |s| s.contains("RUNNING"));
    session.keys("q");
    session.wait_for("the quit question", |s| s.contains("Calls are live"));
    session.keys("k");
    let run2 = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("RUN2_EXITED="))
            .map(str::to_owned)
    };
    let screen = session.wait_for("the shell back", |s| run2(s).is_some());
    assert_eq!(run2(&screen).as_deref(), Some("RUN2_EXITED=0"), "{screen}");

    // Reopened again: it resumes calling by itself. SIGTERM ends the console cleanly.
    session.keys(&format!("clear; {}; echo RUN3_EXITED=$?", base_command));
    session.keys("Enter");
    session.wait_for("the campaign resumed by itself", |s| {
        s.contains("RUNNING")
            && ["dialing", "ringing", "active"]
                .iter()
                .any(|w| s.contains(w))
    });
    let shell = session.tmux(&["display-message", "-p", "-t", &name, "#{pane_pid}"]);
    let console = child_of(shell.trim()).expect("the console runs under the shell");
    let killed = Command::new("kill")
        .args(["-TERM", &console])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let run3 = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("RUN3_EXITED="))
            .map(str::to_owned)
    };
    let screen = session.wait_for("the shell back after SIGTERM", |s| run3(s).is_some());
    assert_eq!(
        run3(&screen).as_deref(),
        Some("RUN3_EXITED=130"),
        "{screen}"
    );
    assert!(
        !screen.contains("Active calls"),
        "terminal restored after SIGTERM:\n{screen}"
    );
}

fn campaign_status(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("demo database");
    conn.query_row(
        "SELECT status FROM campaigns WHERE name = 'Demo: spring renewals'",
        [],
        |r| r.get(0),
    )
    .expect("demo campaign")
}

/// The process id of the first child of `pid`.
fn child_of(pid: &str) -> Option<String> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next().map(str::to_owned)
}

/// `tmux kill-session` under a running console: SIGHUP and a terminal that is gone.
/// The console must not abort (writing to the dead terminal used to panic inside the
/// panic hook: SIGABRT, the campaign left `running`, calls left `answered`); it pauses
/// the campaign for `shutdown`, logs why and exits like after SIGTERM.
#[test]
fn killing_the_tmux_session_pauses_the_campaign_and_exits_cleanly() {
    if !tmux_installed() {
        eprintln!("SKIPPED: tmux is not installed, so the end-to-end terminal test cannot run");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let config = dir.path().join("config.toml");
    let exit_file = dir.path().join("exit-status");
    let binary = Path::new(env!("CARGO_BIN_EXE_switchboard"));
    // The shell outlives the hangup (it ignores SIGHUP) only to write down how the
    // console exited; the console installs its own SIGHUP handler.
    let script = dir.path().join("console.sh");
    std::fs::write(
        &script,
        format!(
            "trap '' HUP\n'{}' --config '{}' --db '{}' demo --speed 20\necho $? > '{}'\n",
            binary.display(),
            config.display(),
            db.display(),
            exit_file.display()
        ),
    )
    .expect("script written");
    let name = format!("switchboard-e2e-hup-{}", std::process::id());
    let session = Session(name.clone());
    session.tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "120",
        "-y",
        "36",
        &format!("sh '{}'", script.display()),
    ]);
    session.wait_for("calls in the slots", |s| {
        s.contains("RUNNING")
            && ["dialing", "ringing", "active"]
                .iter()
                .any(|state| s.contains(state))
    });
    session.tmux(&["kill-session", "-t", &name]);

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&exit_file) {
            if text.ends_with('\n') {
                break text.trim().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "the console did not exit after the session was killed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_ne!(status, "134", "the console aborted (SIGABRT)");
    assert_eq!(status, "130", "exits as after SIGTERM");

    let listed = Command::new(binary)
        .args(["--config", config.to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .args(["campaign", "list", "--json"])
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("SWITCHBOARD_DB")
        .output()
        .expect("switchboard campaign list runs");
    assert!(listed.status.success(), "{listed:?}");
    let campaigns: serde_json::Value =
        serde_json::from_slice(&listed.stdout).expect("campaign list --json");
    let demo = campaigns
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "Demo: spring renewals"))
        .expect("the demo campaign");
    assert_eq!(demo["status"], "paused", "{demo}");
    assert_eq!(
        demo["pause_reason"],
        switchboard::domain::PauseReason::Shutdown.to_string(),
        "{demo}"
    );

    let log = std::fs::read_dir(dir.path().join("logs"))
        .expect("the log directory")
        .filter_map(Result::ok)
        .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
        .collect::<String>();
    assert!(
        log.contains(switchboard::hangup::TERMINAL_HUNG_UP),
        "the log says the terminal hung up:\n{log}"
    );
}

/// The background engine of a test's database, killed when the test ends however it
/// ends, so nothing is left running.
struct BackgroundEngine<'a>(&'a Path);

impl BackgroundEngine<'_> {
    /// The engine's pid, from the lock it holds on `<db>.lock`.
    fn pid(&self) -> Option<String> {
        switchboard::service::lock::holder(self.0)
    }
}

impl Drop for BackgroundEngine<'_> {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}

/// Attempts the engine has made on `db`, read from the database itself.
fn attempts(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("the database");
    conn.query_row("SELECT COUNT(*) FROM attempts", [], |r| r.get(0))
        .expect("attempts counted")
}

/// The line of `screen` that starts with `marker=`: a command's exit status echoed by
/// the shell (the command line itself mentions the marker too, but not at the start).
/// `MARKER=N` as the shell echoed it, wherever on its line: a shell slow to start on a
/// busy machine prints its prompt after keys typed ahead, so the echo can follow a `# `.
fn exit_line(screen: &str, marker: &str) -> Option<String> {
    let tag = format!("{marker}=");
    screen.lines().find_map(|line| {
        let code: String = line
            .split(&tag)
            .nth(1)?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!code.is_empty()).then(|| format!("{tag}{code}"))
    })
}

/// `switchboard` with no command attaches to the database's engine, starting one in the
/// background when none runs (here on the embedded sandbox: no LiveKit is configured).
/// Quitting detaches: the engine process lives on and keeps calling. Consoles opened
/// later attach to it and see the campaign running; a console whose terminal hangs up
/// detaches the same way; two attached at once both show a pause issued from one.
#[test]
fn the_console_detaches_from_a_background_engine_that_keeps_calling_for_every_console() {
    if !tmux_installed() {
        eprintln!("SKIPPED: tmux is not installed, so the end-to-end terminal test cannot run");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    let config = dir.path().join("config.toml");
    let runtime_dir = dir.path().join("run");
    std::fs::write(&config, "[sandbox]\ntime_scale = 0.1\n").expect("config written");
    let binary = Path::new(env!("CARGO_BIN_EXE_switchboard"));
    let engine = BackgroundEngine(&db);

    let cli = |args: &[&str]| {
        let out = Command::new(binary)
            .args(["--config", config.to_str().expect("utf-8")])
            .args(["--db", db.to_str().expect("utf-8")])
            .args(args)
            .env("HOME", dir.path())
            .env("SWITCHBOARD_RUNTIME_DIR", &runtime_dir)
            .env_remove("SWITCHBOARD_CONFIG")
            .env_remove("SWITCHBOARD_DB")
            .env_remove("LIVEKIT_URL")
            .env_remove("LIVEKIT_API_KEY")
            .env_remove("LIVEKIT_API_SECRET")
            .output()
            .expect("switchboard runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let id = cli(&[
        "campaign",
        "create",
        "--name",
        "Attached",
        "--agent",
        "bot",
        "--trunk",
        "ST_sandbox",
        "--max-concurrent",
        "3",
        "--window",
        "00:00-23:59",
    ]);
    let leads = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo_leads.csv");
    cli(&[
        "leads",
        "import",
        "--campaign",
        id.trim(),
        leads.to_str().expect("utf-8"),
    ]);
    assert_eq!(engine.pid(), None, "no engine runs yet");

    let console = format!(
        "env -u SWITCHBOARD_CONFIG -u SWITCHBOARD_DB -u LIVEKIT_URL -u LIVEKIT_API_KEY \
         -u LIVEKIT_API_SECRET HOME='{}' SWITCHBOARD_RUNTIME_DIR='{}' '{}' --config '{}' --db '{}'",
        dir.path().display(),
        runtime_dir.display(),
        binary.display(),
        config.display(),
        db.display()
    );
    let open = |name: &str| {
        let session = Session(name.to_owned());
        session.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "120",
            "-y",
            "36",
            "sh",
        ]);
        session.tmux(&["set-option", "-t", name, "status", "off"]);
        session
    };
    let calling = |s: &str| {
        s.contains("RUNNING")
            && ["dialing", "ringing", "active"]
                .iter()
                .any(|state| s.contains(state))
    };

    // The first console starts the engine in the background; start the campaign there.
    let first = open(&format!("switchboard-e2e-attach-a-{}", std::process::id()));
    first.keys(&format!("{console}; echo FIRST_EXITED=$?"));
    first.keys("Enter");
    first.wait_for("the draft campaign", |s| s.contains("DRAFT"));
    let pid = engine.pid().expect("an engine holds the database");
    first.keys("s");
    first.wait_for("calls in the slots", calling);

    // Quit says the engine keeps calling, and it does.
    first.keys("q");
    first.wait_for("the quit question", |s| {
        s.contains("Calls are live") && s.contains("background")
    });
    first.keys("k");
    let screen = first.wait_for("the shell back", |s| exit_line(s, "FIRST_EXITED").is_some());
    assert_eq!(
        exit_line(&screen, "FIRST_EXITED").as_deref(),
        Some("FIRST_EXITED=0"),
        "{screen}"
    );
    assert_eq!(
        engine.pid().as_deref(),
        Some(pid.as_str()),
        "the engine outlives the console"
    );
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&["campaign", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["status"], "running", "{listed}");
    let before = attempts(&db);
    let deadline = Instant::now() + Duration::from_secs(20);
    while attempts(&db) <= before {
        assert!(
            Instant::now() < deadline,
            "no new calls after the console left ({before} attempts)"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Two consoles attach to the same engine and see it calling.
    first.keys(&format!("clear; {console}; echo FIRST_AGAIN_EXITED=$?"));
    first.keys("Enter");
    let second = open(&format!("switchboard-e2e-attach-b-{}", std::process::id()));
    second.keys(&format!("{console}; echo SECOND_EXITED=$?"));
    second.keys("Enter");
    first.wait_for("the first console attached and calling", calling);
    second.wait_for("the second console attached and calling", calling);
    assert_eq!(engine.pid().as_deref(), Some(pid.as_str()), "one engine");

    // A dropped terminal (SIGHUP, the terminal gone) detaches the same way.
    let logged = |line: &str| {
        std::fs::read_dir(dir.path().join("logs"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default())
            .map(|text| text.matches(line).count())
            .sum::<usize>()
    };
    let detached = logged(switchboard::hangup::CONSOLE_DETACHED);
    second.tmux(&["kill-session", "-t", &second.0]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while logged(switchboard::hangup::TERMINAL_HUNG_UP) == 0
        || logged(switchboard::hangup::CONSOLE_DETACHED) == detached
    {
        assert!(
            Instant::now() < deadline,
            "the hung-up console did not log that it detached"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(engine.pid().as_deref(), Some(pid.as_str()));
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&["campaign", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["status"], "running", "{listed}");
    first.wait_for("calls going on in the first console", calling);
    let second = open(&format!("switchboard-e2e-attach-c-{}", std::process::id()));
    second.keys(&format!("{console}; echo SECOND_EXITED=$?"));
    second.keys("Enter");
    second.wait_for("a new console attached and calling", calling);

    // A pause from one shows in both.
    second.keys("p");
    let paused = |s: &str| s.contains("PAUSED: paused by operator");
    first.wait_for("the pause in the first console", paused);
    second.wait_for("the pause in the second console", paused);

    // Nothing runs now: q leaves at once.
    second.keys("q");
    let screen = second.wait_for("the shell back", |s| {
        exit_line(s, "SECOND_EXITED").is_some()
    });
    assert_eq!(
        exit_line(&screen, "SECOND_EXITED").as_deref(),
        Some("SECOND_EXITED=0"),
        "{screen}"
    );
    assert_eq!(engine.pid().as_deref(), Some(pid.as_str()));

    // The engine goes away under the first console: it says so, offers a new engine,
    // and y starts one that it reconnects to.
    let stop = |pid: &str| {
        Command::new("kill")
            .args(["-TERM", pid])
            .status()
            .expect("kill runs");
        let deadline = Instant::now() + Duration::from_secs(20);
        while engine.pid().as_deref() == Some(pid) {
            assert!(
                Instant::now() < deadline,
                "the engine did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    stop(&pid);
    first.wait_for("the offer of a new engine", |s| {
        s.contains("Start a new engine on this database?")
    });
    first.keys("y");
    let deadline = Instant::now() + Duration::from_secs(20);
    let new_pid = loop {
        match engine.pid() {
            Some(new) if new != pid => break new,
            _ => {
                assert!(Instant::now() < deadline, "no new engine was started");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    first.wait_for("the console back on the new engine", |s| {
        s.contains("PAUSED") && !s.contains("does not answer")
    });
    first.keys("q");
    let screen = first.wait_for("the shell back", |s| {
        exit_line(s, "FIRST_AGAIN_EXITED").is_some()
    });
    assert_eq!(
        exit_line(&screen, "FIRST_AGAIN_EXITED").as_deref(),
        Some("FIRST_AGAIN_EXITED=0"),
        "{screen}"
    );

    // The test's engine goes with the test: SIGTERM, as an operator would stop it.
    stop(&new_pid);
}
