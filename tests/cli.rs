//! The binary as a user runs it. Each test gets its own HOME, so platform defaults land
//! in a temp dir, and none of Switchboard's variables leak in from the caller.

#[path = "common/scrubbed_env.rs"]
mod scrubbed_env;
use assert_cmd::Command;
use predicates::prelude::*;
use scrubbed_env::SWITCHBOARD_ENV;
use std::path::Path;

fn switchboard(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    for var in SWITCHBOARD_ENV.iter().chain(&["NO_COLOR"]) {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home);
    cmd
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// The expected paths are the XDG layout `directories` uses on Linux.
#[cfg(target_os = "linux")]
#[test]
fn help_exits_zero_and_says_where_the_logs_are() {
    let home = home();
    let logs = home
        .path()
        .join(".local/share/switchboard/logs/switchboard.log.YYYY-MM-DD");
    switchboard(home.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains(logs.display().to_string()))
        .stdout(predicate::str::contains("switchboard paths"))
        .stdout(predicate::str::contains("LIVEKIT_API_SECRET"));
}

#[test]
fn help_follows_the_database_variable_for_the_log_path() {
    let home = home();
    let db = home.path().join("campaigns/calls.db");
    switchboard(home.path())
        .env("SWITCHBOARD_DB", &db)
        .arg("-h")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            home.path().join("campaigns/logs").display().to_string(),
        ));
}

#[test]
fn version_exits_zero() {
    switchboard(home().path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("switchboard {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_unknown_subcommand_is_one_line_and_exit_code_two() {
    switchboard(home().path())
        .arg("frobnicate")
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: unrecognized subcommand 'frobnicate'\n");
}

#[test]
fn a_misspelt_subcommand_gets_clap_s_tip() {
    switchboard(home().path())
        .arg("pahts")
        .assert()
        .code(2)
        .stderr(
            "error: unrecognized subcommand 'pahts'\n  tip: a similar subcommand exists: 'paths'\n",
        );
}

#[test]
fn an_unknown_flag_is_one_line_and_exit_code_two() {
    switchboard(home().path())
        .arg("--frobnicate")
        .assert()
        .code(2)
        .stderr("error: unexpected argument '--frobnicate' found\n");
}

#[test]
fn paths_shows_flag_paths_and_whether_they_exist() {
    let home = home();
    let config = home.path().join("sb.toml");
    std::fs::write(&config, "[ui]\ntick_ms = 100\n").unwrap();
    let db = home.path().join("data/calls.db");
    let output = switchboard(home.path())
        .arg("paths")
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let expected = format!(
        "config file  {}  (exists; from --config)\n\
         database     {}  (missing; from --db)\n\
         log dir      {}  (missing; next to the database)\n\
         engine       no engine running\n",
        config.display(),
        db.display(),
        home.path().join("data/logs").display(),
    );
    assert_eq!(String::from_utf8(output).unwrap(), expected);
    assert!(
        !home.path().join("data").exists(),
        "`paths` only reports; it creates nothing"
    );
}

/// `demo --speed` and `sandbox --speed` say the same thing: how many times faster.
#[test]
fn demo_and_sandbox_speed_are_both_times_faster() {
    let home = home();
    for command in ["demo", "sandbox"] {
        let help = switchboard(home.path())
            .args([command, "--help"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(help).unwrap();
        assert!(help.contains("--speed <FACTOR>"), "{command}: {help}");
        assert!(help.contains("faster than real time"), "{command}: {help}");
        assert!(!help.contains("--time-scale"), "{command}: {help}");
    }
    switchboard(home.path())
        .args(["sandbox", "--speed", "0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--speed must be a positive number (1 is real time, 10 is ten times faster)",
        ));
    switchboard(home.path())
        .args(["sandbox", "--speed", "10", "--time-scale", "0.1"])
        .assert()
        .code(2);
}

/// `demo --help` says which database the demo uses and that it is kept; without a
/// terminal the demo refuses before it makes one.
#[test]
fn the_demo_says_where_its_database_is_and_makes_none_without_a_terminal() {
    let home = home();
    switchboard(home.path())
        .args(["demo", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Its database is demo.db in the platform data dir",
        ))
        .stdout(predicate::str::contains("kept between runs"));
    let db = home.path().join("demo.db");
    switchboard(home.path())
        .arg("--db")
        .arg(&db)
        .arg("demo")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs an interactive terminal"));
    assert!(!db.exists(), "no database without a console");
}

/// A misspelt action in `[keys]` is named with its file and line, the nearest action
/// name, and the command that lists them all (the console's `?` cannot open).
#[test]
fn an_unknown_key_action_names_the_line_the_nearest_action_and_the_list() {
    let home = home();
    let config = home.path().join("sb.toml");
    std::fs::write(
        &config,
        "[ui]\ntick_ms = 100\n\n[keys]\nquit = \"q\"\nhangup = \"H\"\n",
    )
    .unwrap();
    let db = home.path().join("calls.db");
    switchboard(home.path())
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} line 6: [keys] hangup: unknown action (did you mean `hang_up`?); list every action and its keys with `switchboard keys`",
            config.display()
        )));
    let listed = switchboard(home.path())
        .arg("--config")
        .arg(&config)
        .arg("keys")
        .assert()
        .success()
        .stderr(predicate::str::contains("the defaults are shown"))
        .get_output()
        .stdout
        .clone();
    let listed = String::from_utf8(listed).unwrap();
    assert!(listed.starts_with("action "), "{listed}");
    let hang_up = listed
        .lines()
        .find(|l| l.starts_with("hang_up "))
        .expect("hang_up listed");
    assert!(
        hang_up.contains(" h ") && hang_up.contains("end call"),
        "{hang_up}"
    );
}

/// With an engine on the database, `paths` names its PID, its socket and its API.
#[test]
fn paths_shows_the_engine_its_socket_and_its_api() {
    let home = home();
    let db = home.path().join("calls.db");
    let runtime = home.path().join("run");
    let config = home.path().join("sb.toml");
    std::fs::write(&config, "[api]\nlisten = \"127.0.0.1:8090\"\n").unwrap();
    // This test process plays the engine: it holds the database's engine lock.
    let _lock = switchboard::service::EngineLock::acquire(&db).unwrap();
    let socket = switchboard::service::socket_for(&db, Some(&runtime)).unwrap();
    switchboard(home.path())
        .env("SWITCHBOARD_RUNTIME_DIR", &runtime)
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .arg("paths")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "engine       running, pid {}\n",
            std::process::id()
        )))
        .stdout(predicate::str::contains(format!(
            "socket       {}  (the API, no token: curl --unix-socket)\n",
            socket.display()
        )))
        .stdout(predicate::str::contains(
            "api          http://127.0.0.1:8090/api/v1 (from [api] listen; needs the token)\n",
        ));
}

#[test]
fn paths_takes_flags_before_the_subcommand_and_variables_too() {
    let home = home();
    let db = home.path().join("env.db");
    switchboard(home.path())
        .env("SWITCHBOARD_DB", &db)
        .args(["--config", "/nonexistent/switchboard.toml", "paths"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "config file  /nonexistent/switchboard.toml  (missing: defaults in use; from --config)",
        ))
        .stdout(predicate::str::contains(format!(
            "database     {}  (missing; from $SWITCHBOARD_DB)",
            db.display()
        )));
}

// The expected paths are the XDG layout `directories` uses on Linux.
#[cfg(target_os = "linux")]
#[test]
fn paths_defaults_to_the_platform_directories() {
    let home = home();
    let config = home.path().join(".config/switchboard/config.toml");
    switchboard(home.path())
        .arg("paths")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "config file  {}  (missing: defaults in use; platform default)",
            config.display()
        )));
}

#[test]
fn a_bad_config_file_exits_one_naming_the_key_and_the_file() {
    let home = home();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[livekit]\nroom_prefix = \"calls\"\nsecrt = \"oops\"\n",
    )
    .unwrap();
    switchboard(home.path())
        .args(["paths", "--config"])
        .arg(&config)
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: {} line 3: unknown key `livekit.secrt` (did you mean `api_secret`?)\n",
            config.display()
        ));
}

#[test]
fn a_bad_value_exits_one_naming_the_key_and_the_file() {
    let home = home();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[polling]\ninterval_ms = -5\n").unwrap();
    switchboard(home.path())
        .env("SWITCHBOARD_CONFIG", &config)
        .arg("paths")
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(format!(
            "error: {} line 2: bad value for `polling.interval_ms`",
            config.display()
        )));
}

#[test]
fn errors_never_print_the_secret() {
    let home = home();
    switchboard(home.path())
        .env("LIVEKIT_URL", "wss://example.livekit.cloud")
        .env("LIVEKIT_API_SECRET", "do-not-print-me")
        // A command that talks to LiveKit: offline ones work with a partial config.
        .arg("trunks")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("api_key missing"))
        .stderr(predicate::str::contains("do-not-print-me").not());
}

#[test]
fn an_unwritable_log_directory_falls_back_to_stderr_with_one_warning() {
    let home = home();
    // The log directory is `logs` next to the database: make that a regular file.
    let logs = home.path().join("logs");
    std::fs::write(&logs, "not a directory").unwrap();
    let output = switchboard(home.path())
        .arg("--db")
        .arg(home.path().join("switchboard.db"))
        .args(["campaign", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(&format!(
            "cannot create the log directory {}",
            logs.display()
        )) && warnings[0].ends_with("logging to stderr instead"),
        "{stderr}"
    );
    assert!(
        stderr.contains("switchboard") && stderr.contains("started"),
        "the log is on stderr: {stderr}"
    );
    assert!(stderr.contains("no campaigns yet"), "{stderr}");
}

#[test]
fn each_cause_of_an_error_is_printed_once() {
    let home = home();
    let file = home.path().join("plain-file");
    std::fs::write(&file, "").unwrap();
    let output = switchboard(home.path())
        .arg("--db")
        .arg(file.join("switchboard.db"))
        .args(["campaign", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error:"))
        .collect();
    assert!(
        error[0].starts_with("error: opening the database"),
        "{stderr}"
    );
    let mentions = error.iter().filter(|l| l.contains("(os error")).count();
    assert_eq!(mentions, 1, "the OS error is said once: {stderr}");
    let mut seen = std::collections::HashSet::new();
    assert!(error.iter().all(|line| seen.insert(*line)), "{stderr}");
    // The log (on stderr here: the log directory is under a file too) says it once.
    let logged = stderr
        .lines()
        .find(|l| l.contains(" ERROR "))
        .expect("logged");
    assert_eq!(logged.matches("(os error").count(), 1, "{logged}");
}

/// Without a terminal the console cannot open, and says so before it starts anything:
/// no background engine is left holding the database.
#[test]
fn the_console_without_a_terminal_fails_and_starts_no_engine() {
    let home = home();
    let db = home.path().join("calls.db");
    let out = switchboard(home.path())
        .env("SWITCHBOARD_RUNTIME_DIR", home.path().join("run"))
        .arg("--db")
        .arg(&db)
        .write_stdin("")
        .output()
        .unwrap();
    let engine = switchboard::service::lock::holder(&db);
    if let Some(pid) = &engine {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", pid])
            .status();
    }
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs an interactive terminal (a tty)"),
        "{out:?}"
    );
    assert_eq!(engine, None, "a background engine was left running");
}

#[test]
fn completions_for_bash_zsh_and_fish_name_the_subcommands() {
    // Generated from the definitions alone: a broken config file does not matter.
    let elsewhere = home();
    let config = elsewhere.path().join("config.toml");
    std::fs::write(&config, "[livekit]\nsecrt = \"oops\"\n").unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let home = home();
        switchboard(home.path())
            .arg("--config")
            .arg(&config)
            .args(["completions", shell])
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains("campaign"))
            .stdout(predicate::str::contains("serve"))
            .stdout(predicate::str::contains("export"));
        assert_eq!(
            std::fs::read_dir(home.path()).unwrap().count(),
            0,
            "`completions {shell}` creates nothing"
        );
    }
}

#[test]
fn completions_for_an_unknown_shell_exit_two() {
    switchboard(home().path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: invalid value 'tcsh' for '<SHELL>'\n",
        ));
}

#[test]
fn man_prints_the_top_level_page() {
    let home = home();
    let output = switchboard(home.path())
        .arg("man")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let page = String::from_utf8(output).unwrap();
    assert!(
        page.lines().any(|l| l.starts_with(".TH switchboard 1")),
        "{page}"
    );
    assert!(page.contains("switchboard"), "{page}");
    assert!(page.contains("campaign"), "{page}");
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

#[test]
fn man_out_dir_writes_a_page_per_subcommand() {
    let home = home();
    let dir = home.path().join("share/man/man1");
    switchboard(home.path())
        .args(["man", "--out-dir"])
        .arg(&dir)
        .assert()
        .success()
        .stdout("");
    for (file, title) in [
        ("switchboard.1", ".TH switchboard 1"),
        ("switchboard-campaign.1", ".TH switchboard-campaign 1"),
        (
            "switchboard-campaign-create.1",
            ".TH switchboard-campaign-create 1",
        ),
        ("switchboard-export.1", ".TH switchboard-export 1"),
    ] {
        let page = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(page.lines().any(|l| l.starts_with(title)), "{file}: {page}");
    }
}
