//! The campaign, leads, dnc, export and status commands as a user runs them, each test
//! with its own HOME and `--db` in a temp dir.

#[path = "common/scrubbed_env.rs"]
mod scrubbed_env;
use assert_cmd::Command;
use predicates::prelude::*;
use scrubbed_env::SWITCHBOARD_ENV;
use std::path::{Path, PathBuf};

struct Env {
    home: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.home.path().join("switchboard.db")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_cmd(args))
    }

    /// The command as std builds it, for what assert_cmd cannot do (close its stdout).
    fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        for var in SWITCHBOARD_ENV {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.home.path())
            .arg("--db")
            .arg(self.db())
            .args(args);
        cmd
    }

    fn stdout(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn create(&self, name: &str) -> String {
        let id = self.stdout(&[
            "campaign", "create", "--name", name, "--agent", "bot", "--trunk", "ST_test",
        ]);
        id.trim().to_string()
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn create_prints_the_id_alone_and_show_list_edit_see_it() {
    let env = Env::new();
    let out = env.stdout(&[
        "campaign",
        "create",
        "--name",
        "Spring renewals",
        "--agent",
        "renewals-agent",
        "--trunk",
        "ST_abc",
        "--max-concurrent",
        "3",
        "--retry-on",
        "no_answer,busy",
        "--window",
        "10:00-18:30",
        "--timezone",
        "America/Chicago",
        "--daily-cap",
        "200",
        "--prompt",
        "Be brief.",
    ]);
    assert_eq!(out, "1\n");
    let shown: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "show", "1", "--json"])).unwrap();
    assert_eq!(shown["name"], "Spring renewals");
    assert_eq!(shown["status"], "draft");
    assert_eq!(shown["settings"]["max_concurrent"], 3);
    assert_eq!(shown["settings"]["daily_cap"], 200);
    assert_eq!(
        shown["settings"]["retry_on"],
        serde_json::json!(["no_answer", "busy"])
    );
    assert_eq!(shown["settings"]["prompt"], "Be brief.");

    env.cmd(&[
        "campaign",
        "edit",
        "1",
        "--max-concurrent",
        "7",
        "--daily-cap",
        "0",
    ])
    .assert()
    .success();
    let shown: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "show", "1", "--json"])).unwrap();
    assert_eq!(shown["settings"]["max_concurrent"], 7);
    assert_eq!(shown["settings"]["daily_cap"], serde_json::Value::Null);
    assert_eq!(
        shown["settings"]["timezone"], "America/Chicago",
        "edit keeps what it was not told to change"
    );

    assert_eq!(env.create("Second"), "2");
    let list = env.stdout(&["campaign", "list"]);
    assert!(
        list.contains("Spring renewals") && list.contains("Second"),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "list", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(env
        .stdout(&["campaign", "show", "2"])
        .contains("trunk         ST_test"));
}

#[test]
fn bad_settings_name_the_flag() {
    let env = Env::new();
    let base = [
        "campaign", "create", "--name", "x", "--agent", "a", "--trunk", "ST_1",
    ];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    env.cmd(&with(&base, &["--window", "9-5"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--window").and(predicate::str::contains("HH:MM")));
    env.cmd(&with(&base, &["--timezone", "Mars/Olympus"]))
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: --timezone: not an IANA time zone name",
        ));
    env.cmd(&with(&base, &["--max-concurrent", "0"]))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--max-concurrent: 0 is too small: at least 1",
        ));
    env.cmd(&with(&base, &["--retry-on", "no_answer,completed"]))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--retry-on: `completed` cannot be retried",
        ));
    env.cmd(&with(&base, &["--dispatch", "magic"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--dispatch"));
    env.cmd(&["campaign", "create", "--name", "x", "--agent", "a"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--trunk: a campaign needs an outbound trunk id",
        ));
    env.cmd(&with(&base, &["--prompt-file", "/nonexistent/prompt.txt"]))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--prompt-file: cannot read /nonexistent/prompt.txt",
        ));
    env.cmd(&["campaign", "show", "9"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("campaign 9 does not exist"));
}

#[test]
fn a_name_of_100000_characters_is_refused_naming_the_field_and_the_limit() {
    let env = Env::new();
    let id = env.create("Short");
    let long = "x".repeat(100_000);
    env.cmd(&["campaign", "edit", &id, "--name", &long])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "name: 100000 characters long: at most 200",
        ));
    let shown: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "show", &id, "--json"])).unwrap();
    assert_eq!(shown["name"], "Short");
}

#[test]
fn a_running_campaign_changes_its_pace_but_not_its_agent_and_cannot_be_deleted() {
    let env = Env::new();
    let id = env.create("Live");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE campaigns SET status = 'running' WHERE id = ?1",
        [&id],
    )
    .unwrap();
    drop(conn);
    env.cmd(&["campaign", "edit", &id, "--max-concurrent", "9"])
        .env("USER", "alice")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "campaign 1 updated (from its next dial): Concurrent calls ",
        ))
        .stderr(predicate::str::contains(" → 9"));
    env.cmd(&["campaign", "edit", &id, "--agent", "another-agent"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "campaign 1 is running: Agent name can change only while it is paused (pause it, edit, resume)",
        ));
    env.cmd(&["campaign", "show", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "alice (command line): Concurrent calls",
        ))
        .stdout(predicate::str::contains("another-agent").not());
    env.cmd(&["campaign", "delete", &id, "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is running; stop it first, then delete it",
        ));
}

#[test]
fn delete_asks_and_refuses_without_a_terminal_unless_yes() {
    let env = Env::new();
    let id = env.create("Doomed");
    env.cmd(&["campaign", "delete", &id])
        .write_stdin("y\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no terminal to ask on; pass --yes",
        ));
    assert!(env.stdout(&["campaign", "list"]).contains("Doomed"));
    env.cmd(&["campaign", "delete", &id, "--yes"])
        .assert()
        .success();
    assert!(!env.stdout(&["campaign", "list"]).contains("Doomed"));
}

#[test]
fn stop_asks_and_refuses_without_a_terminal_unless_yes() {
    let env = Env::new();
    let id = env.create("Spring");
    env.cmd(&["campaign", "stop", &id])
        .write_stdin("y\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "not stopping campaign {id} without confirmation: there is no terminal to ask on; pass --yes"
        )));
    assert!(!env.stdout(&["campaign", "show", &id]).contains("stopped"));
    env.cmd(&["campaign", "stop", &id, "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("campaign {id} stopped")));
    assert!(env.stdout(&["campaign", "show", &id]).contains("stopped"));
}

#[test]
fn leads_import_takes_named_alternate_columns_and_reports_a_bad_number_by_line() {
    let env = Env::new();
    let id = env.create("Alternates");
    let file = env.home.path().join("alternates.csv");
    std::fs::write(
        &file,
        "phone,Office,phone2\n+12125550101,+12125550102,+12125550103\n+12125550111,12,\n",
    )
    .unwrap();
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        "--alt-phone-column",
        "office",
    ])
    .arg(&file)
    .assert()
    .code(0)
    .stdout("imported 2, rejected 0, duplicates 0, do-not-call 0 (of 2 rows)\n")
    .stderr(
        predicate::str::contains("other numbers from `Office`")
            .and(predicate::str::contains(
                "dropped number line 3: Office: `12` is not a valid number (numbers without a country code are read as US; pass --region with its country's code, e.g. --region GB, or write it with +); that number was dropped, the lead imported",
            ))
            .and(predicate::str::contains("1 lead with other numbers")),
    );
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        "--alt-phone-column",
        "fax",
    ])
    .arg(&file)
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "no column `fax` (--alt-phone-column)",
    ));
}

#[test]
fn leads_import_exit_codes_say_all_some_or_nothing() {
    let env = Env::new();
    let id = env.create("Import");
    env.cmd(&["leads", "import", "--campaign", &id, &fixture("leads.csv")])
        .assert()
        .code(0)
        .stdout("imported 4, rejected 0, duplicates 0, do-not-call 0 (of 4 rows)\n");
    let rejects = env.home.path().join("rejects.csv");
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("ragged.csv"),
        "--rejects",
    ])
    .arg(&rejects)
    .assert()
    .code(1)
    .stdout(predicate::str::contains("imported 2, rejected 2"))
    .stderr(predicate::str::contains(
        "rejected line 3: has 2 fields, the header has 3",
    ));
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        written.starts_with("phone,name,plan,line,reason\n"),
        "{written}"
    );
    assert_eq!(written.lines().count(), 3);
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("no_phone_column.csv"),
    ])
    .assert()
    .code(2)
    .stderr(
        predicate::str::contains("`id`, `email`, `full name`")
            .and(predicate::str::contains("--phone-column")),
    );
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("binary.xlsx"),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("not a text file"));
    env.cmd(&["leads", "import", "--campaign", "99", &fixture("leads.csv")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("campaign 99 does not exist"));
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("semicolon.csv"),
        "--delimiter",
        "tab",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("no phone column"));
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("leads.csv"),
        "--region",
        "XX",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "--region: `XX` is not a region code",
    ));
}

#[test]
fn leads_can_come_from_stdin() {
    let env = Env::new();
    let id = env.create("Piped");
    env.cmd(&["leads", "import", "--campaign", &id, "-"])
        .write_stdin("phone;name\n2125550101;Ada\n")
        .assert()
        .success()
        .stdout("imported 1, rejected 0, duplicates 0, do-not-call 0 (of 1 rows)\n");
}

#[test]
fn national_numbers_follow_the_region_flag() {
    let env = Env::new();
    let id = env.create("UK");
    let file = env.home.path().join("uk.csv");
    std::fs::write(&file, "phone,name\n020 7946 0958,Alan\n").unwrap();
    env.cmd(&["leads", "import", "--campaign", &id, "--region", "GB"])
        .arg(&file)
        .assert()
        .success();
    let status: serde_json::Value =
        serde_json::from_str(&env.stdout(&["status", "--campaign", &id, "--json"])).unwrap();
    assert_eq!(status[0]["stats"]["leadsByState"]["pending"], 1);

    // Without --region, the refusal says how the number was read and what to pass.
    env.cmd(&["leads", "import", "--campaign", &id])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "`020 7946 0958` is not a valid number (numbers without a country code are read as US; pass --region GB)",
        ));
}

#[test]
fn dnc_add_import_list_remove_and_leads_are_marked() {
    let env = Env::new();
    let id = env.create("DNC");
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("duplicates.csv"),
    ])
    .assert()
    .code(0);
    env.cmd(&[
        "dnc",
        "add",
        "(212) 555-0181",
        "+1 212 555 0199",
        "--reason",
        "asked",
    ])
    .assert()
    .success()
    .stderr(
        predicate::str::contains("added 2 numbers to the global do-not-call list")
            .and(predicate::str::contains("1 lead marked do-not-call")),
    );
    env.cmd(&["dnc", "add", "not a number"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("skipped not a number"));

    let list_file = env.home.path().join("dnc.txt");
    std::fs::write(&list_file, "2125550182\n\nnonsense\n+12125550183\n").unwrap();
    env.cmd(&["dnc", "import", "--campaign", &id])
        .arg(&list_file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "added 2 of 3 numbers to campaign 1's do-not-call list (1 bad lines); 2 leads",
        ))
        .stderr(predicate::str::contains(
            "line 3: `nonsense` is not a phone number",
        ));
    let csv_file = env.home.path().join("dnc.csv");
    std::fs::write(&csv_file, "name;Mobile\nZed;+44 20 7946 0958\n").unwrap();
    env.cmd(&["dnc", "import"])
        .arg(&csv_file)
        .assert()
        .success();

    let global: serde_json::Value =
        serde_json::from_str(&env.stdout(&["dnc", "list", "--json"])).unwrap();
    let phones: Vec<&str> = global
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, ["+12125550181", "+12125550199", "+442079460958"]);
    assert_eq!(global[0]["reason"], "asked");
    assert!(env
        .stdout(&["dnc", "list", "--campaign", &id])
        .contains("+12125550183"));

    let status: serde_json::Value =
        serde_json::from_str(&env.stdout(&["status", "--json"])).unwrap();
    assert_eq!(status[0]["stats"]["leadsByState"]["dnc"], 3);

    env.cmd(&["dnc", "remove", "212-555-0199"])
        .assert()
        .success();
    env.cmd(&["dnc", "remove", "212-555-0199"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not on"));
}

#[test]
fn export_writes_every_attempt_to_a_file_or_stdout() {
    let env = Env::new();
    let id = env.create("Export");
    env.cmd(&["leads", "import", "--campaign", &id, &fixture("leads.csv")])
        .assert()
        .success();
    let out = env.home.path().join("out.csv");
    env.cmd(&["export", "--campaign", &id, "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("exported 0 attempts"));
    let header = std::fs::read_to_string(&out).unwrap();
    assert!(
        header.starts_with("attempt_id,lead_id,phone,name,attempt,outcome,"),
        "{header}"
    );
    assert!(
        header
            .trim_end()
            .ends_with("First Name,Last Name,plan,city"),
        "{header}"
    );
    env.cmd(&["export", "--campaign", &id, "--format", "json"])
        .assert()
        .success()
        .stdout("[\n]\n");
    env.cmd(&["export", "--campaign", "42"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("campaign 42 does not exist"));
}

#[test]
fn export_out_dash_is_stdout_and_a_closed_pipe_ends_quietly() {
    let env = Env::new();
    let id = env.create("Export");
    env.cmd(&["leads", "import", "--campaign", &id, &fixture("leads.csv")])
        .assert()
        .success();
    let dir = env.home.path().join("cwd");
    std::fs::create_dir(&dir).unwrap();
    env.cmd(&["export", "--campaign", &id, "--out", "-"])
        .current_dir(&dir)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("attempt_id,lead_id,phone,"));
    assert!(!dir.join("-").exists(), "no file named -");

    // `export | head`: the reader is gone before the first byte is written.
    let mut child = env
        .std_cmd(&["export", "--campaign", &id])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
}

#[test]
fn status_counts_leads_for_every_campaign() {
    let env = Env::new();
    let a = env.create("A");
    env.create("B");
    env.cmd(&["leads", "import", "--campaign", &a, &fixture("leads.csv")])
        .assert()
        .success();
    let text = env.stdout(&["status"]);
    assert!(
        text.contains("campaign 1  A  (draft)\n  leads     4: pending 4\n"),
        "{text}"
    );
    assert!(
        text.contains("campaign 2  B  (draft)\n  leads     0\n"),
        "{text}"
    );
    env.cmd(&["status", "--campaign", "7"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("campaign 7 does not exist"));
}

/// Every name a program reads in `status --json` is camelCase, as in the API (the
/// values of maps, such as lead states and outcomes, are data and keep their names).
#[test]
fn status_json_is_camel_case_as_the_api() {
    let env = Env::new();
    let id = env.create("A");
    env.cmd(&[
        "campaign",
        "edit",
        &id,
        "--caller-id",
        "+12125550100,+12125550101",
    ])
    .assert()
    .success();
    let status: serde_json::Value =
        serde_json::from_str(&env.stdout(&["status", "--json"])).unwrap();
    let campaign = &status[0];
    let mut names: Vec<&str> = campaign
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    names.extend(
        campaign["stats"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str()),
    );
    names.extend(
        campaign["callerIds"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str()),
    );
    for name in [
        "pauseReason",
        "callerIds",
        "leadsByState",
        "attemptsByOutcome",
        "callsAnswered",
        "answerRate",
        "callsToday",
        "restReason",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    for name in &names {
        assert!(!name.contains('_'), "{name} is not camelCase: {campaign}");
    }
}

#[test]
fn a_scheduled_start_is_read_in_the_campaigns_zone_and_can_be_cleared() {
    let env = Env::new();
    let id = env.stdout(&[
        "campaign",
        "create",
        "--name",
        "later",
        "--agent",
        "bot",
        "--trunk",
        "ST_test",
        "--timezone",
        "America/Chicago",
        "--start-at",
        &format!("{} 09:00", in_ten_days()),
    ]);
    let id = id.trim();
    let expected = nine_in_chicago_as_utc(in_ten_days());
    let shown: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "show", id, "--json"])).unwrap();
    let json = shown.to_string();
    assert!(
        json.contains(&expected.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        "09:00 in Chicago is {expected}: {json}"
    );
    assert!(env
        .stdout(&["campaign", "show", id])
        .contains(&format!("starts        {}", expected.to_rfc3339())));

    env.stdout(&["campaign", "edit", id, "--start-at", "none"]);
    assert!(env
        .stdout(&["campaign", "show", id])
        .contains("starts        when started"));

    env.cmd(&["campaign", "edit", id, "--start-at", "tomorrow"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: --start-at: `tomorrow` is not",
        ));
    // 02:30 on the day US clocks spring forward does not exist in Chicago.
    env.cmd(&["campaign", "edit", id, "--start-at", "2027-03-14 02:30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "does not exist in America/Chicago",
        ));
}

/// A scheduled start must lie within the next year, so tests pick dates from today.
fn in_ten_days() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(10)
}

fn nine_in_chicago_as_utc(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono_tz::America::Chicago
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[test]
fn a_caller_id_pool_with_its_cap_and_local_presence_from_the_command_line() {
    let env = Env::new();
    let id = env.stdout(&[
        "campaign",
        "create",
        "--name",
        "pool",
        "--agent",
        "a",
        "--trunk",
        "ST_1",
        "--caller-id",
        "+12125550187, +13125550100",
        "--caller-id-daily-cap",
        "150",
    ]);
    let id = id.trim();
    let shown = env.stdout(&["campaign", "show", id]);
    assert!(shown.contains("+12125550187, +13125550100"), "{shown}");
    assert!(shown.contains("on (a pool of more than one)"), "{shown}");
    assert!(shown.contains("150 calls per caller id per day"), "{shown}");
    env.stdout(&[
        "campaign",
        "edit",
        id,
        "--no-local-presence",
        "--caller-id-daily-cap",
        "0",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&env.stdout(&["campaign", "show", id, "--json"])).unwrap();
    assert_eq!(json["settings"]["local_presence"], false);
    assert_eq!(
        json["settings"]["caller_id_daily_cap"],
        serde_json::Value::Null
    );
    assert_eq!(
        json["settings"]["caller_ids"],
        serde_json::json!(["+12125550187", "+13125550100"])
    );
    let status = env.stdout(&["status", "--campaign", id]);
    assert!(
        status.contains("caller id +12125550187  0 today  answered - of last 50"),
        "{status}"
    );
}

#[test]
fn absurd_values_are_refused_naming_the_flag_and_the_bound() {
    let env = Env::new();
    let create = |extra: &[&str]| {
        let mut args = vec![
            "campaign", "create", "--name", "x", "--agent", "a", "--trunk", "ST_1",
        ];
        args.extend_from_slice(extra);
        env.cmd(&args).assert().code(1)
    };
    create(&["--retry-delay-secs", "9000000000000"]).stderr(predicate::str::contains(
        "--retry-delay-secs: 9000000000000 is too large: at most 2592000 (30 days)",
    ));
    create(&["--call-delay-ms", "18446744073709551615"]).stderr(predicate::str::contains(
        "--call-delay-ms: 18446744073709551615 is too large: at most 3600000 (1 hour)",
    ));
    create(&["--max-attempts", "1000"]).stderr(predicate::str::contains(
        "--max-attempts: 1000 is too large: at most 100",
    ));
    create(&["--daily-cap", "4000000000"]).stderr(predicate::str::contains(
        "--daily-cap: 4000000000 is too large",
    ));
    create(&["--caller-id", "notanumber"]).stderr(
        predicate::str::contains("--caller-id: `notanumber` is not an E.164 number")
            .and(predicate::str::contains("+12125550187")),
    );
    create(&["--caller-id", "+12125550187,hello"]).stderr(predicate::str::contains(
        "--caller-id: caller id 2 `hello` is not an E.164 number",
    ));
    create(&["--caller-id", "+12125550187,+12125550187"]).stderr(predicate::str::contains(
        "--caller-id: caller id +12125550187 is listed twice (entries 1 and 2)",
    ));
    create(&["--caller-id-daily-cap", "200000"]).stderr(predicate::str::contains(
        "--caller-id-daily-cap: 200000 is too large: at most 100000",
    ));
    create(&["--rest-floor-pct", "150"]).stderr(predicate::str::contains(
        "--rest-floor-pct: 150 is too large: at most 100",
    ));
    create(&["--retry-on", "not_placed"]).stderr(predicate::str::contains(
        "--retry-on: `not_placed` cannot be retried; the outcomes that can are no_answer, busy, rejected, trunk_failure, error, canceled",
    ));
    create(&["--start-at", "0000-01-01 00:00"]).stderr(predicate::str::contains(
        "--start-at: 0000-01-01 00:00 UTC is more than a day in the past",
    ));
    create(&["--start-at", "2999-01-01 00:00"])
        .stderr(predicate::str::contains("more than a year ahead"));
    // Read no further than the cap: /dev/zero never ends.
    create(&["--prompt-file", "/dev/zero"]).stderr(predicate::str::contains(
        "--prompt-file: /dev/zero is larger than a prompt may be (at most 64 KiB)",
    ));
    env.cmd(&["campaign", "list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
    // Within the bounds all of it is accepted.
    let id = env.stdout(&[
        "campaign",
        "create",
        "--name",
        "x",
        "--agent",
        "a",
        "--trunk",
        "ST_1",
        "--retry-delay-secs",
        "2592000",
        "--call-delay-ms",
        "3600000",
        "--caller-id",
        "+12125550187",
        "--retry-on",
        "no_answer,canceled",
    ]);
    assert_eq!(id.trim(), "1");
}

#[test]
fn offline_commands_work_when_only_the_livekit_key_and_secret_are_set() {
    let env = Env::new();
    let partial = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("LIVEKIT_API_KEY", "key")
            .env("LIVEKIT_API_SECRET", "secret-value");
        cmd
    };
    let id = {
        let out = partial(&[
            "campaign", "create", "--name", "x", "--agent", "a", "--trunk", "ST_1",
        ])
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    for args in [
        vec!["campaign", "list"],
        vec!["campaign", "show", &id],
        vec!["campaign", "edit", &id, "--max-concurrent", "2"],
        vec!["leads", "import", "--campaign", &id, &fixture("leads.csv")],
        vec!["dnc", "list"],
        vec!["export", "--campaign", &id, "--format", "json"],
        vec!["status"],
    ] {
        partial(&args).assert().success();
    }
    // What talks to LiveKit says what is missing.
    partial(&["trunks"]).assert().code(1).stderr(
        predicate::str::contains("LiveKit is only partly configured: url missing")
            .and(predicate::str::contains("LIVEKIT_URL")),
    );
    partial(&["run", "--campaign", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("url missing"));
}

#[test]
fn leads_import_of_a_file_with_a_stray_quote_fails_naming_file_line_and_field() {
    let env = Env::new();
    let id = env.create("Stray");
    env.cmd(&[
        "leads",
        "import",
        "--campaign",
        &id,
        &fixture("stray_quote.csv"),
    ])
    .assert()
    .code(2)
    .stdout("")
    .stderr(predicate::str::contains(
        "stray_quote.csv: line 2: a quote opened here is never closed (field `company`): \
             close it or remove the stray quote",
    ));
}

#[test]
fn starting_a_campaign_that_does_not_exist_says_so_and_starts_no_engine() {
    let env = Env::new();
    env.cmd(&["campaign", "start", "99"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: campaign 99 does not exist; list campaigns with `switchboard campaign list`",
        ));
    assert_eq!(
        switchboard::service::lock::holder(&env.db()),
        None,
        "no background engine was left running"
    );
}

#[test]
fn variants_recording_and_the_agent_timeout_are_set_from_flags() {
    let env = Env::new();
    let prompt = env.home.path().join("b.txt");
    std::fs::write(&prompt, "Open with last year's savings.").unwrap();
    let spec_b = format!("B:closer-agent:30:{}", prompt.display());
    let id = env.stdout(&[
        "campaign",
        "create",
        "--name",
        "AB",
        "--agent",
        "bot",
        "--trunk",
        "ST_test",
        "--variant",
        "A::70",
        "--variant",
        &spec_b,
        "--record",
        "--agent-join-timeout-secs",
        "9",
    ]);
    let shown = env.stdout(&["campaign", "show", id.trim()]);
    assert!(shown.contains("A  agent bot, weight 70"), "{shown}");
    assert!(
        shown.contains("B  agent closer-agent, weight 30, own prompt"),
        "{shown}"
    );
    assert!(shown.contains("recording     on"), "{shown}");
    assert!(shown.contains("within 9 s"), "{shown}");

    // A bad spec names the flag and the form; a missing prompt file names the variant.
    let out = env
        .cmd(&["campaign", "edit", id.trim(), "--variant", "A:bot"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--variant") && err.contains("NAME:AGENT:WEIGHT"),
        "{err}"
    );
    let out = env
        .cmd(&[
            "campaign",
            "edit",
            id.trim(),
            "--variant",
            "C::5:/nonexistent/prompt.txt",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--variant C"),
        "{err}"
    );

    env.stdout(&[
        "campaign",
        "edit",
        id.trim(),
        "--no-variants",
        "--no-record",
    ]);
    let shown = env.stdout(&["campaign", "show", id.trim()]);
    assert!(
        !shown.contains("variant ") && shown.contains("recording     off"),
        "{shown}"
    );
}
