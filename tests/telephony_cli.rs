//! `switchboard trunks` as a user runs it: against the embedded sandbox when LiveKit is
//! not configured (and saying so), against a configured LiveKit otherwise, and with a
//! clear error naming the fix when the credentials are wrong.

#[path = "common/scrubbed_env.rs"]
mod scrubbed_env;
use assert_cmd::Command;
use predicates::prelude::*;
use scrubbed_env::SWITCHBOARD_ENV;
use std::path::Path;
use switchboard::sandbox::{self, SandboxConfig, TrunkConfig};

fn switchboard(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    for var in SWITCHBOARD_ENV {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home);
    cmd
}

#[test]
fn without_livekit_the_sandboxs_trunks_are_listed_and_it_says_so() {
    let home = tempfile::tempdir().unwrap();
    switchboard(home.path())
        .arg("trunks")
        .assert()
        .success()
        .stdout(predicate::str::contains("ID").and(predicate::str::contains("NUMBERS")))
        .stdout(
            predicate::str::contains("ST_sandbox").and(predicate::str::contains("+15550001000")),
        )
        .stderr(
            predicate::str::contains("LiveKit is not configured")
                .and(predicate::str::contains("sandbox")),
        );
}

#[test]
fn json_output_is_an_array_of_trunks() {
    let home = tempfile::tempdir().unwrap();
    let output = switchboard(home.path())
        .args(["trunks", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let trunks: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(trunks[0]["id"], "ST_sandbox");
    assert_eq!(trunks[0]["numbers"][0], "+15550001000");
}

async fn livekit_with_two_trunks() -> sandbox::Sandbox {
    let trunk = |id: &str, name: &str, number: &str| TrunkConfig {
        sip_trunk_id: id.into(),
        name: name.into(),
        address: format!("{}.example.com", name.to_lowercase()),
        numbers: vec![number.into()],
        ..Default::default()
    };
    let config = SandboxConfig {
        api_key: "projkey".into(),
        api_secret: "proj-secret-value".into(),
        trunks: vec![
            trunk("ST_twilio", "Twilio", "+15551110000"),
            trunk("ST_telnyx", "Telnyx", "+15552220000"),
        ],
        ..Default::default()
    };
    sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_livekit_configured_its_trunks_are_listed() {
    let livekit = livekit_with_two_trunks().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = switchboard(home.path());
    cmd.env("LIVEKIT_URL", livekit.url())
        .env("LIVEKIT_API_KEY", "projkey")
        .env("LIVEKIT_API_SECRET", "proj-secret-value")
        .arg("trunks");
    let assert = tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .unwrap();
    assert
        .success()
        .stdout(predicate::str::contains("ST_twilio").and(predicate::str::contains("ST_telnyx")))
        .stdout(
            predicate::str::contains("telnyx.example.com")
                .and(predicate::str::contains("+15552220000")),
        )
        .stderr(predicate::str::contains("sandbox").not());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_naming_the_variables_and_never_showing_the_secret() {
    let livekit = livekit_with_two_trunks().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = switchboard(home.path());
    cmd.env("LIVEKIT_URL", livekit.url())
        .env("LIVEKIT_API_KEY", "projkey")
        .env("LIVEKIT_API_SECRET", "wrong-secret-xyzzy")
        .arg("trunks");
    let assert = tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .unwrap();
    assert
        .failure()
        .stderr(predicate::str::contains("LIVEKIT_API_SECRET"))
        .stderr(predicate::str::contains("wrong-secret-xyzzy").not())
        .stdout(predicate::str::is_empty());
}

#[test]
fn an_unreachable_livekit_fails_with_the_url() {
    // Bind and drop a port so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut cmd = switchboard(home.path());
    cmd.env("LIVEKIT_URL", &url)
        .env("LIVEKIT_API_KEY", "projkey")
        .env("LIVEKIT_API_SECRET", "s")
        .arg("trunks");
    cmd.assert()
        .failure()
        .stderr(predicate::str::contains(url))
        .stderr(predicate::str::contains("refused"));
}

/// `switchboard run` against `livekit`, on a campaign of two leads made with the CLI.
fn run_command(home: &Path, livekit: &sandbox::Sandbox) -> Command {
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        "[polling]\ninterval_ms = 20\nmax_requests_per_sec = 1000\n\n\
         [engine]\ninfra_backoff_initial_ms = 200\ninfra_backoff_max_ms = 800\n",
    )
    .unwrap();
    let db = home.join("switchboard.db");
    let setup = |args: &[&str]| {
        let out = switchboard(home)
            .arg("--config")
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    setup(&[
        "campaign",
        "create",
        "--name",
        "hiccup",
        "--agent",
        "bot",
        "--trunk",
        "ST_sandbox",
        "--window",
        "00:00-23:59",
        "--max-attempts",
        "1",
        "--call-delay-ms",
        "0",
    ]);
    let leads = home.join("leads.csv");
    std::fs::write(&leads, "phone\n+12125550181\n+12125550182\n").unwrap();
    setup(&[
        "leads",
        "import",
        "--campaign",
        "1",
        leads.to_str().unwrap(),
    ]);
    let mut cmd = switchboard(home);
    cmd.arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)
        .env("LIVEKIT_URL", livekit.url())
        .env("LIVEKIT_API_KEY", livekit.api_key())
        .env("LIVEKIT_API_SECRET", livekit.api_secret())
        .args(["run", "--campaign", "1", "--grace-secs", "0"])
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_waits_out_a_503_at_its_first_trunk_check() {
    let livekit = sandbox::start(
        SandboxConfig {
            time_scale: 0.001,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = run_command(home.path(), &livekit);
    // Every request answered 503 for 1.2 s: longer than `run` takes to reach its trunk
    // check, shorter than the check's patience (200 + 400 + 800 + 800 ms of back-off).
    livekit.set_faults(sandbox::Faults {
        outage: Some(sandbox::Outage {
            start_after_ms: 0,
            duration_ms: 1200,
            mode: sandbox::OutageMode::Unavailable,
        }),
        ..sandbox::Faults::none()
    });
    let assert = tokio::task::spawn_blocking(move || cmd.assert())
        .await
        .unwrap();
    assert
        .success()
        .stderr(predicate::str::contains("campaign 1 (hiccup) started"))
        .stderr(predicate::str::contains("campaign 1 (hiccup) completed"));
}

fn with_livekit(cmd: &mut Command, livekit: &sandbox::Sandbox) {
    cmd.env("LIVEKIT_URL", livekit.url())
        .env("LIVEKIT_API_KEY", "projkey")
        .env("LIVEKIT_API_SECRET", "proj-secret-value");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trunks_are_created_listed_and_deleted_and_the_password_is_never_shown() {
    let livekit = livekit_with_two_trunks().await;
    let home = tempfile::tempdir().unwrap();
    let password_file = home.path().join("trunk-password");
    std::fs::write(&password_file, "s3cr3t-trunk-pw\n").unwrap();

    let mut create = switchboard(home.path());
    with_livekit(&mut create, &livekit);
    create.args([
        "trunks",
        "create",
        "--name",
        "Carrier B",
        "--address",
        "sip.carrier-b.example",
        "--numbers",
        "+15553330000,+15553330001",
        "--auth-user",
        "acct42",
        "--transport",
        "tls",
        "--auth-password-file",
    ]);
    create.arg(&password_file);
    let output = tokio::task::spawn_blocking(move || create.output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stderr}");
    assert!(!stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"));
    let id = stdout
        .split_whitespace()
        .find(|word| word.starts_with("ST_"))
        .expect("the new trunk's id is printed")
        .to_string();
    let stored = livekit.trunk(&id).expect("the sandbox holds the new trunk");
    assert_eq!(stored.auth_username, "acct42");
    assert_eq!(stored.auth_password, "s3cr3t-trunk-pw", "sent to LiveKit");
    assert_eq!(stored.transport, 3, "tls");
    assert_eq!(stored.numbers, vec!["+15553330000", "+15553330001"]);

    let mut list = switchboard(home.path());
    with_livekit(&mut list, &livekit);
    list.args(["trunks", "--json"]);
    let output = tokio::task::spawn_blocking(move || list.output().unwrap())
        .await
        .unwrap();
    let listed = text(&output.stdout);
    assert!(listed.contains(&id) && listed.contains("sip.carrier-b.example"));
    assert!(
        !listed.contains("s3cr3t"),
        "the listing never shows the password"
    );

    let mut delete = switchboard(home.path());
    with_livekit(&mut delete, &livekit);
    delete.args(["trunks", "delete", &id]);
    let assert = tokio::task::spawn_blocking(move || delete.assert())
        .await
        .unwrap();
    assert.success();
    assert!(livekit.trunk(&id).is_none());

    let mut again = switchboard(home.path());
    with_livekit(&mut again, &livekit);
    again.args(["trunks", "delete", &id]);
    let assert = tokio::task::spawn_blocking(move || again.assert())
        .await
        .unwrap();
    assert.failure().stderr(
        predicate::str::contains("does not exist")
            .and(predicate::str::contains("switchboard trunks")),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_can_come_from_stdin_and_never_from_the_command_line() {
    let livekit = livekit_with_two_trunks().await;
    let home = tempfile::tempdir().unwrap();
    let mut create = switchboard(home.path());
    with_livekit(&mut create, &livekit);
    create
        .args([
            "trunks",
            "create",
            "--name",
            "Piped",
            "--address",
            "10.0.0.7",
            "--numbers",
            "+15554440000",
            "--auth-user",
            "u",
        ])
        .write_stdin("piped-pw-123\n");
    let output = tokio::task::spawn_blocking(move || create.output().unwrap())
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!text(&output.stdout).contains("piped-pw-123"));
    let id = text(&output.stdout)
        .split_whitespace()
        .find(|w| w.starts_with("ST_"))
        .unwrap()
        .to_string();
    assert_eq!(livekit.trunk(&id).unwrap().auth_password, "piped-pw-123");

    // There is no flag that would put the password in the process list.
    let home = tempfile::tempdir().unwrap();
    switchboard(home.path())
        .args([
            "trunks",
            "create",
            "--name",
            "x",
            "--address",
            "h",
            "--numbers",
            "+15554440000",
            "--auth-password",
            "visible",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--auth-password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_trunks_is_listed() {
    let trunks = (0..7)
        .map(|i| TrunkConfig {
            sip_trunk_id: format!("ST_page{i}"),
            name: format!("Trunk {i}"),
            numbers: vec![format!("+1555000100{i}")],
            ..Default::default()
        })
        .collect();
    let config = SandboxConfig {
        api_key: "projkey".into(),
        api_secret: "proj-secret-value".into(),
        trunks,
        trunk_page_size: 3,
        ..Default::default()
    };
    let livekit = sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut list = switchboard(home.path());
    with_livekit(&mut list, &livekit);
    list.args(["trunks", "--json"]);
    let output = tokio::task::spawn_blocking(move || list.output().unwrap())
        .await
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
}

#[test]
fn creating_a_trunk_without_livekit_says_what_to_configure() {
    let home = tempfile::tempdir().unwrap();
    switchboard(home.path())
        .args([
            "trunks",
            "create",
            "--name",
            "x",
            "--address",
            "sip.example.com",
            "--numbers",
            "+15554440000",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("LIVEKIT_URL"));
}

#[test]
fn a_bad_number_or_a_sip_uri_address_is_refused_naming_the_flag() {
    let home = tempfile::tempdir().unwrap();
    switchboard(home.path())
        .args([
            "trunks",
            "create",
            "--name",
            "x",
            "--address",
            "sip:h.example",
            "--numbers",
            "+15554440000",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--address"));
    switchboard(home.path())
        .args([
            "trunks",
            "create",
            "--name",
            "x",
            "--address",
            "h.example",
            "--numbers",
            "555-1234",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--numbers"));
}
