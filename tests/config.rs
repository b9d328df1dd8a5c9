//! Where settings come from and how bad ones are reported, through the library with
//! explicit inputs (an environment map, platform dirs), so these run in parallel.

use std::path::{Path, PathBuf};
use switchboard::config::{Config, ConfigError, Env, Secret};
use switchboard::paths::{Origin, PathFlags, Paths, PlatformDirs};

fn platform() -> PlatformDirs {
    PlatformDirs {
        config_dir: "/home/op/.config/switchboard".into(),
        data_dir: "/home/op/.local/share/switchboard".into(),
    }
}

fn resolve(flags: PathFlags, env: &[(&'static str, &str)]) -> Paths {
    Paths::resolve(
        &flags,
        &Env::from_pairs(env.iter().copied()),
        Some(&platform()),
    )
    .unwrap()
}

/// A config file in a fresh temp dir.
fn file_with(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn error_for(text: &str) -> String {
    Config::parse(Path::new("/etc/switchboard/config.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn config_path_comes_from_flag_then_env_then_platform() {
    let flag = PathFlags {
        config: Some("/flag/c.toml".into()),
        db: None,
    };
    let env = [("SWITCHBOARD_CONFIG", "/env/c.toml")];

    let paths = resolve(flag.clone(), &env);
    assert_eq!(
        (paths.config_file.as_path(), paths.config_origin),
        (Path::new("/flag/c.toml"), Origin::Flag("--config"))
    );
    let paths = resolve(PathFlags::default(), &env);
    assert_eq!(
        (paths.config_file.as_path(), paths.config_origin),
        (Path::new("/env/c.toml"), Origin::Env("SWITCHBOARD_CONFIG"))
    );
    let paths = resolve(PathFlags::default(), &[]);
    assert_eq!(
        paths.config_file,
        Path::new("/home/op/.config/switchboard/config.toml")
    );
    assert_eq!(paths.config_origin, Origin::Platform);
}

#[test]
fn database_path_comes_from_flag_then_env_then_platform_and_logs_follow_it() {
    let flag = PathFlags {
        config: None,
        db: Some("/flag/calls.db".into()),
    };
    let env = [("SWITCHBOARD_DB", "/env/calls.db")];

    let paths = resolve(flag, &env);
    assert_eq!(
        (paths.database.as_path(), paths.database_origin),
        (Path::new("/flag/calls.db"), Origin::Flag("--db"))
    );
    assert_eq!(paths.log_dir, Path::new("/flag/logs"));
    let paths = resolve(PathFlags::default(), &env);
    assert_eq!(
        (paths.database.as_path(), paths.database_origin),
        (Path::new("/env/calls.db"), Origin::Env("SWITCHBOARD_DB"))
    );
    let paths = resolve(PathFlags::default(), &[]);
    assert_eq!(
        paths.database,
        Path::new("/home/op/.local/share/switchboard/switchboard.db")
    );
    assert_eq!(
        paths.log_dir,
        Path::new("/home/op/.local/share/switchboard/logs")
    );
}

#[test]
fn a_missing_file_means_defaults_and_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&dir.path().join("absent.toml"), &Env::default()).unwrap();
    assert!(!config.livekit_configured());
    assert_eq!(config.livekit.room_prefix, "outbound");
    assert_eq!(config.engine.per_number_daily_limit, 3);
    assert_eq!(config.engine.default_region, "US");
    assert_eq!(config.log.level, "info");
    assert_eq!(config.webhook.listen, None);
    assert!(config.trunks.is_empty() && config.keys.is_empty() && config.sandbox.is_empty());
}

#[test]
fn livekit_settings_come_from_env_then_file_then_default() {
    let (_dir, path) = file_with(
        "[livekit]\nurl = \"wss://file.example\"\napi_key = \"file-key\"\napi_secret = \"file-secret\"\nroom_prefix = \"calls\"\n",
    );

    let from_file = Config::load(&path, &Env::default()).unwrap();
    let lk = from_file
        .livekit_credentials()
        .unwrap()
        .expect("configured from the file");
    assert_eq!(
        (lk.url, lk.api_key, lk.api_secret.expose()),
        ("wss://file.example", "file-key", "file-secret")
    );

    let env = Env::from_pairs([
        ("LIVEKIT_URL", "wss://env.example"),
        ("LIVEKIT_API_KEY", "env-key"),
        ("LIVEKIT_API_SECRET", "env-secret"),
    ]);
    let from_env = Config::load(&path, &env).unwrap();
    let lk = from_env.livekit_credentials().unwrap().unwrap();
    assert_eq!(
        (lk.url, lk.api_key, lk.api_secret.expose()),
        ("wss://env.example", "env-key", "env-secret")
    );
    assert_eq!(
        from_env.livekit.room_prefix, "calls",
        "keys the environment does not set stay the file's"
    );

    let (_dir, empty) = file_with("");
    let only_env = Config::load(&empty, &env).unwrap();
    assert!(only_env.livekit_configured());
    assert_eq!(only_env.livekit.room_prefix, "outbound");
}

#[test]
fn every_section_is_read() {
    let (_dir, path) = file_with(
        r#"
[webhook]
listen = "127.0.0.1:8089"
[polling]
interval_ms = 500
max_requests_per_sec = 4
[engine]
global_max_concurrent = 12
per_number_daily_limit = 1
infra_backoff_initial_ms = 200
infra_backoff_max_ms = 5000
infra_pause_after_secs = 60
default_region = "GB"
[trunks.ST_abc]
calls_per_second = 2
[trunks."ST_slow"]
calls_per_second = 0.5
[sandbox]
answer_rate = 0.7
[ui]
tick_ms = 100
no_color = true
[keys]
start = "s"
quit = "ctrl-c"
[log]
level = "warn,switchboard::engine=debug"
"#,
    );
    let config = Config::load(&path, &Env::default()).unwrap();
    assert_eq!(
        config.webhook.listen,
        Some("127.0.0.1:8089".parse().unwrap())
    );
    assert_eq!(
        (
            config.polling.interval_ms,
            config.polling.max_requests_per_sec
        ),
        (500, 4)
    );
    assert_eq!(config.engine.global_max_concurrent, Some(12));
    assert_eq!(config.engine.per_number_daily_limit, 1);
    assert_eq!(
        (
            config.engine.infra_backoff_initial_ms,
            config.engine.infra_backoff_max_ms
        ),
        (200, 5000)
    );
    assert_eq!(config.engine.infra_pause_after_secs, 60);
    assert_eq!(config.engine.default_region, "GB");
    assert_eq!(config.trunk_calls_per_second("ST_abc"), Some(2.0));
    assert_eq!(config.trunk_calls_per_second("ST_slow"), Some(0.5));
    assert_eq!(config.trunk_calls_per_second("ST_other"), None);
    assert_eq!(
        config.sandbox.get("answer_rate").and_then(|v| v.as_float()),
        Some(0.7)
    );
    assert_eq!((config.ui.tick_ms, config.ui.no_color), (100, true));
    assert_eq!(config.keys.get("quit").map(String::as_str), Some("ctrl-c"));
    assert_eq!(config.log.level, "warn,switchboard::engine=debug");
}

#[test]
fn the_mouse_is_on_unless_the_ui_section_turns_it_off() {
    let default = Config::parse(Path::new("config.toml"), "").unwrap();
    assert!(default.ui.mouse);
    let off = Config::parse(Path::new("config.toml"), "[ui]\nmouse = false\n").unwrap();
    assert!(!off.ui.mouse);
    let typo = error_for("[ui]\nmose = false\n");
    assert!(
        typo.contains("unknown key `ui.mose`") && typo.contains("mouse"),
        "{typo}"
    );
    let bad = error_for("[ui]\nmouse = \"no\"\n");
    assert!(bad.contains("line 2: bad value for `ui.mouse`"), "{bad}");
}

#[test]
fn no_color_in_the_environment_turns_colours_off() {
    let (_dir, path) = file_with("[ui]\nno_color = false\n");
    let config = Config::load(&path, &Env::from_pairs([("NO_COLOR", "1")])).unwrap();
    assert!(config.ui.no_color);
}

#[test]
fn the_example_file_is_valid_and_shows_the_defaults() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml.example"))
        .unwrap();
    let example = Config::parse(Path::new("config.toml.example"), &text).unwrap();
    let defaults = Config::default();
    assert_eq!(example.livekit, defaults.livekit);
    assert_eq!(example.webhook, defaults.webhook);
    assert_eq!(example.polling, defaults.polling);
    assert_eq!(example.engine, defaults.engine);
    assert_eq!(example.ui, defaults.ui);
    assert_eq!(example.log, defaults.log);
    assert!(example.trunks.is_empty() && example.keys.is_empty() && example.sandbox.is_empty());
}

#[test]
fn an_unknown_key_is_named_with_file_line_and_the_key_it_resembles() {
    let text = "# settings\n\n[polling]\ninterval_ms = 500\n\n[livekit]\nsecrt = \"x\"\n";
    assert_eq!(
        error_for(text),
        "/etc/switchboard/config.toml line 7: unknown key `livekit.secrt` (did you mean `api_secret`?)"
    );
}

#[test]
fn unknown_keys_in_nested_and_dotted_forms_are_named_in_full() {
    assert_eq!(
        error_for("[trunks.ST_abc]\ncps = 2\n"),
        "/etc/switchboard/config.toml line 2: unknown key `trunks.ST_abc.cps` (known: calls_per_second)"
    );
    assert_eq!(
        error_for("engine.per_number_daly_limit = 2\n"),
        "/etc/switchboard/config.toml line 1: unknown key `engine.per_number_daly_limit` (did you mean `per_number_daily_limit`?)"
    );
}

#[test]
fn an_unknown_section_is_named() {
    let message = error_for("[livekti]\nurl = \"wss://x\"\n");
    assert_eq!(
        message,
        "/etc/switchboard/config.toml line 1: unknown section `livekti` (did you mean `livekit`?)"
    );
}

#[test]
fn bad_values_name_key_file_and_line() {
    assert_eq!(
        error_for("[polling]\ninterval_ms = \"fast\"\n"),
        "/etc/switchboard/config.toml line 2: bad value for `polling.interval_ms`: invalid type: string \"fast\", expected u64"
    );
    assert_eq!(
        error_for("[polling]\n\ninterval_ms = 0\n"),
        "/etc/switchboard/config.toml line 3: bad value for `polling.interval_ms`: 0 is too small: at least 1"
    );
    assert!(error_for("[webhook]\nlisten = \"localhost\"\n")
        .starts_with("/etc/switchboard/config.toml line 2: bad value for `webhook.listen`: "));
    assert!(error_for("[livekit]\nurl = \"my-project.livekit.cloud\"\n")
        .contains("line 2: bad value for `livekit.url`: `my-project.livekit.cloud` is not a LiveKit server URL"));
    assert!(error_for("[engine]\ndefault_region = \"usa\"\n")
        .contains("line 2: bad value for `engine.default_region`"));
    assert!(error_for("[trunks.ST_a]\ncalls_per_second = -1.0\n")
        .contains("bad value for `trunks.ST_a.calls_per_second`"));
    assert!(error_for("[trunks.ST_a]\ncalls_per_second = nan\n").contains("is out of range"));
    assert!(error_for("[keys]\nquit = 3\n").contains("line 2: bad value for `keys.quit`"));
    assert!(error_for("[log]\nlevel = \"switchboard=loud\"\n")
        .contains("line 2: bad value for `log.level`"));
    let format = error_for("[log]\nformat = \"xml\"\n");
    assert!(
        format.contains("line 2: bad value for `log.format`") && format.contains("json"),
        "{format}"
    );
}

#[test]
fn logs_can_be_json_for_log_shippers() {
    let config = Config::parse(Path::new("config.toml"), "[log]\nformat = \"json\"\n").unwrap();
    assert_eq!(config.log.format, switchboard::config::LogFormat::Json);
    let default = Config::parse(Path::new("config.toml"), "").unwrap();
    assert_eq!(default.log.format, switchboard::config::LogFormat::Text);
}

#[test]
fn every_interval_timeout_and_count_has_a_ceiling() {
    assert_eq!(
        error_for("[livekit]\nrequest_timeout_secs = 9000000000000\n"),
        "/etc/switchboard/config.toml line 2: bad value for `livekit.request_timeout_secs`: 9000000000000 is too large: at most 300"
    );
    for (text, key, max) in [
        (
            "[polling]\ninterval_ms = 3600001\n",
            "polling.interval_ms",
            "60000",
        ),
        (
            "[polling]\nmax_requests_per_sec = 4000000000\n",
            "polling.max_requests_per_sec",
            "10000",
        ),
        (
            "[engine]\nglobal_max_concurrent = 4000000000\n",
            "engine.global_max_concurrent",
            "10000",
        ),
        (
            "[engine]\nper_number_daily_limit = 101\n",
            "engine.per_number_daily_limit",
            "100",
        ),
        (
            "[engine]\ninfra_backoff_max_ms = 18446744073709551615\n",
            "engine.infra_backoff_max_ms",
            "3600000",
        ),
        (
            "[engine]\ninfra_pause_after_secs = 86401\n",
            "engine.infra_pause_after_secs",
            "86400",
        ),
        ("[ui]\ntick_ms = 10001\n", "ui.tick_ms", "10000"),
    ] {
        let message = error_for(text);
        assert!(
            message.contains(&format!("line 2: bad value for `{key}`"))
                && message.ends_with(&format!("is too large: at most {max}")),
            "{message}"
        );
    }
    // A rate so small its gap between dials would overflow a timer.
    let message = error_for("[trunks.ST_a]\ncalls_per_second = 1e-300\n");
    assert!(
        message.contains("line 2: bad value for `trunks.ST_a.calls_per_second`")
            && message.contains("one call an hour"),
        "{message}"
    );
    assert!(error_for("[trunks.ST_a]\ncalls_per_second = 5000.0\n").contains("1000"));
}

#[test]
fn an_unknown_default_region_is_refused_with_file_line_and_key() {
    assert_eq!(
        error_for("[engine]\nper_number_daily_limit = 2\ndefault_region = \"ZZ\"\n"),
        "/etc/switchboard/config.toml line 3: bad value for `engine.default_region`: `ZZ` is not a region code libphonenumber knows (use a two-letter ISO code such as US, GB, DE)"
    );
    let (_dir, path) = file_with("[engine]\ndefault_region = \"GB\"\n");
    let config = Config::load(&path, &Env::default()).unwrap();
    assert_eq!(config.engine.default_region, "GB");
}

#[test]
fn broken_toml_is_reported_with_its_line() {
    assert_eq!(
        error_for("[ui]\ntick_ms = 100\n[log\n"),
        "/etc/switchboard/config.toml line 3: not valid TOML: unclosed table, expected `]`"
    );
}

#[test]
fn a_backoff_that_starts_above_its_maximum_is_refused() {
    let message =
        error_for("[engine]\ninfra_backoff_initial_ms = 9000\ninfra_backoff_max_ms = 100\n");
    assert!(
        message.starts_with(
            "/etc/switchboard/config.toml: `engine.infra_backoff_initial_ms` (9000) is larger"
        ),
        "{message}"
    );
}

#[test]
fn partial_livekit_settings_say_what_is_missing() {
    let (_dir, path) = file_with("[livekit]\nurl = \"wss://x.livekit.cloud\"\n");
    // Loading works (offline commands need no LiveKit); asking for the server does not.
    let config = Config::load(&path, &Env::from_pairs([("LIVEKIT_API_KEY", "key")])).unwrap();
    assert!(!config.livekit_configured());
    let error = config.livekit_credentials().unwrap_err();
    assert!(
        matches!(&error, ConfigError::PartialLiveKit { missing, .. } if missing == &["api_secret"])
    );
    let message = error.to_string();
    assert!(
        message.contains("api_secret missing") && message.contains("LIVEKIT_API_SECRET"),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn a_bad_livekit_url_in_the_environment_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::from_pairs([("LIVEKIT_URL", "localhost:7880")]);
    let message = Config::load(&dir.path().join("none.toml"), &env)
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("LIVEKIT_URL: `localhost:7880` is not a LiveKit server URL"),
        "{message}"
    );
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let (_dir, path) = file_with(
        "[livekit]\nurl = \"wss://x.livekit.cloud\"\napi_key = \"APIkey\"\napi_secret = \"file-secret-value\"\n",
    );
    let from_file = Config::load(&path, &Env::default()).unwrap();
    assert_eq!(
        from_file.livekit.api_secret,
        Some(Secret::new("file-secret-value"))
    );
    let shown = format!("{from_file:?} {from_file:#?}");
    assert!(!shown.contains("file-secret-value"), "{shown}");
    assert!(shown.contains("***"));

    let (_dir, sandboxed) =
        file_with("[sandbox]\napi_key = \"devkey\"\napi_secret = \"sandbox-secret-value\"\n");
    let shown = format!("{:?}", Config::load(&sandboxed, &Env::default()).unwrap());
    assert!(
        !shown.contains("sandbox-secret-value") && shown.contains("api_secret"),
        "{shown}"
    );

    let env = Env::from_pairs([("LIVEKIT_API_SECRET", "env-secret-value")]);
    let from_env = Config::load(&path, &env).unwrap();
    let shown = format!("{from_env:?} {:?} {env:?}", from_env.livekit_credentials());
    assert!(
        !shown.contains("env-secret-value") && !shown.contains("file-secret-value"),
        "{shown}"
    );
}

#[test]
fn a_secret_of_the_wrong_type_is_refused_without_echoing_it() {
    let message = error_for("[livekit]\napi_secret = 918273645\n");
    assert!(
        message.contains(
            "line 2: bad value for `livekit.api_secret`: the secret must be a quoted string"
        ),
        "{message}"
    );
    assert!(!message.contains("918273645"), "{message}");
}

/// The sandbox module reads `[sandbox]` into its own type through `Config::section`,
/// and its errors still point into the file.
#[test]
fn a_section_owned_by_another_module_is_read_with_file_and_line_errors() {
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Simulated {
        answer_rate: f64,
    }
    let (_dir, path) = file_with("[log]\nlevel = \"info\"\n[sandbox]\nanswer_rate = 0.5\n");
    let config = Config::load(&path, &Env::default()).unwrap();
    assert_eq!(
        config.section::<Simulated>("sandbox").unwrap(),
        Some(Simulated { answer_rate: 0.5 })
    );
    assert_eq!(config.section::<Simulated>("absent").unwrap(), None);

    let (_dir, path) = file_with("[sandbox]\nanswer_rate = 0.5\nanswr_delay = 3\n");
    let config = Config::load(&path, &Env::default()).unwrap();
    let message = config
        .section::<Simulated>("sandbox")
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!(
            "{} line 3: unknown key `sandbox.answr_delay` (known: answer_rate)",
            path.display()
        )
    );
}

/// Asks the parser which keys a table knows (the "known:" list of an unknown-key error)
/// and checks config.toml.example shows each one, set or commented out.
#[test]
fn every_key_is_documented_in_the_example() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml.example"))
            .unwrap();
    let known = |table: &str| -> Vec<String> {
        let probe = if table.is_empty() {
            "[zzzz]\n".to_string()
        } else {
            format!("[{table}]\nzzzz = 1\n")
        };
        let message = error_for(&probe);
        let list = message
            .split("(known: ")
            .nth(1)
            .unwrap_or_else(|| panic!("no key list in: {message}"));
        list.trim_end_matches(')')
            .split(", ")
            .map(str::to_owned)
            .collect()
    };

    let sections = known("");
    assert!(sections.len() >= 9, "{sections:?}");
    for section in &sections {
        assert!(
            example.contains(&format!("[{section}")),
            "section [{section}] is not in config.toml.example"
        );
    }
    for table in [
        "livekit",
        "webhook",
        "api",
        "polling",
        "engine",
        "trunks.ST_x",
        "ui",
        "log",
        "recording",
    ] {
        for key in known(table) {
            let documented = example.lines().any(|line| {
                let line = line.trim_start_matches(['#', ' ']);
                line.starts_with(&format!("{key} ="))
            });
            assert!(documented, "`{table}.{key}` is not in config.toml.example");
        }
    }
}

/// The commented `[sandbox]` example in config.toml.example, uncommented, is a valid
/// sandbox configuration.
#[test]
fn the_sandbox_example_in_the_example_file_is_valid() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml.example"))
            .unwrap();
    let sandbox: String = example
        .lines()
        .skip_while(|line| *line != "# [sandbox]")
        .take_while(|line| line.starts_with('#'))
        .map(|line| format!("{}\n", line.trim_start_matches('#').trim_start()))
        .collect();
    assert!(
        sandbox.contains("time_scale"),
        "no [sandbox] example found:\n{sandbox}"
    );
    let config = Config::parse(Path::new("config.toml.example"), &sandbox).unwrap();
    let parsed = config
        .section::<switchboard::sandbox::SandboxConfig>("sandbox")
        .unwrap()
        .expect("a [sandbox] table");
    assert_eq!(parsed.time_scale, 0.1);
    assert_eq!(parsed.seed, 7);
}

#[test]
fn a_misspelt_recording_key_is_named_and_s3_needs_a_bucket() {
    let message = error_for("[recording]\nfile_pth = \"x.ogg\"\n");
    assert!(message.contains("file_pth"), "{message}");
    let message = error_for("[recording.s3]\nbukket = \"b\"\n");
    assert!(message.contains("bukket"), "{message}");
    let message =
        error_for("[recording.s3]\nbucket = \" \"\naccess_key = \"k\"\nsecret = \"s3cr3t\"\n");
    assert!(message.contains("recording.s3.bucket"), "{message}");
    assert!(!message.contains("s3cr3t"));
}

#[test]
fn a_short_or_blank_api_token_is_refused_with_a_command_that_makes_one() {
    for token in ["a", "fifteen-chars!!", "", "   ", &"x".repeat(31)] {
        let message = error_for(&format!(
            "[api]\nlisten = \"0.0.0.0:8090\"\ntoken = \"{token}\"\n"
        ));
        assert!(
            message.starts_with(
                "/etc/switchboard/config.toml line 3: bad value for `api.token`: the API token is"
            ),
            "{token:?}: {message}"
        );
        assert!(message.contains("openssl rand -hex 32"), "{message}");
        if token.trim().len() > 3 {
            assert!(!message.contains(token), "the token is echoed: {message}");
        }
    }
    let good = "0123456789abcdef0123456789abcdef";
    let config = Config::parse(
        Path::new("c.toml"),
        &format!("[api]\nlisten = \"127.0.0.1:8090\"\ntoken = \"{good}\"\n"),
    )
    .unwrap();
    assert_eq!(config.api.token, Some(Secret::new(good)));
}

#[test]
fn a_short_api_token_in_the_environment_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for token in ["short-token", "  "] {
        let env = Env::from_pairs([("SWITCHBOARD_API_TOKEN", token)]);
        let message = Config::load(&dir.path().join("none.toml"), &env)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("SWITCHBOARD_API_TOKEN: the API token is")
                && message.contains("openssl rand -hex 32"),
            "{message}"
        );
    }
    let env = Env::from_pairs([("SWITCHBOARD_API_TOKEN", "0123456789abcdef0123456789abcdef")]);
    assert!(Config::load(&dir.path().join("none.toml"), &env).is_ok());
}
