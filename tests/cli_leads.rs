//! `switchboard leads list`, `leads search` and `leads show` as a user runs them: the
//! real binary on its own HOME and `--db`, with leads imported from CSV and one call
//! written into the database as the engine records it.

#[path = "common/scrubbed_env.rs"]
mod scrubbed_env;
use assert_cmd::Command;
use predicates::prelude::*;
use scrubbed_env::SWITCHBOARD_ENV;
use std::path::PathBuf;

struct Env {
    home: tempfile::TempDir,
}

impl Env {
    /// A campaign (1) with three leads imported, and a second (2) with one.
    fn with_leads() -> Env {
        let env = Env {
            home: tempfile::tempdir().unwrap(),
        };
        for name in ["Renewals", "Winback"] {
            env.stdout(&[
                "campaign", "create", "--name", name, "--agent", "bot", "--trunk", "ST_test",
            ]);
        }
        let csv = env.home.path().join("leads.csv");
        std::fs::write(
            &csv,
            "phone,name,plan,account\n\
             +442079460958,Ada Lovelace,Gold Unlimited,AC-1001\n\
             +14155550123,Grace Hopper,basic,AC-1002\n\
             +12125550199,Alan Turing,basic,AC-1003\n",
        )
        .unwrap();
        env.stdout(&["leads", "import", "--campaign", "1", csv.to_str().unwrap()]);
        let other = env.home.path().join("other.csv");
        std::fs::write(&other, "phone,name\n+14155550999,Grace Kelly\n").unwrap();
        env.stdout(&[
            "leads",
            "import",
            "--campaign",
            "2",
            other.to_str().unwrap(),
        ]);
        env
    }

    fn db(&self) -> PathBuf {
        self.home.path().join("switchboard.db")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
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

    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.stdout(args)).unwrap()
    }

    /// Grace Hopper (lead 2) called once: busy, SIP 486, and waiting for a retry.
    fn record_a_busy_call(&self) {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, sip_status_code,
                 sip_status, disconnect_reason, caller_id, variant, created_at, dialed_at, ended_at)
             VALUES (1, 2, 1, '+14155550123', 'busy', 'room-2-1', 486, 'Busy Here',
                 'USER_REJECTED', '+13125550100', 'B', 1780000000000, 1780000001000, 1780000004000);
             UPDATE leads SET state = 'retry_wait', attempts = 1, last_outcome = 'busy',
                 next_attempt_at = 1780003600000 WHERE id = 2;",
        )
        .unwrap();
    }
}

fn ids(page: &serde_json::Value) -> Vec<i64> {
    page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lead"].as_i64().unwrap())
        .collect()
}

#[test]
fn list_pages_a_campaign_by_id_and_filters_by_state_and_outcome() {
    let env = Env::with_leads();
    env.record_a_busy_call();
    let first = env.json(&["leads", "list", "--campaign", "1", "--limit", "2", "--json"]);
    assert_eq!(ids(&first), vec![1, 2]);
    assert_eq!(first["next"], 2);
    let rest = env.json(&["leads", "list", "--campaign", "1", "--after", "2", "--json"]);
    assert_eq!(ids(&rest), vec![3]);
    assert_eq!(rest["next"], serde_json::Value::Null);

    let busy = env.json(&[
        "leads",
        "list",
        "--campaign",
        "1",
        "--outcome",
        "busy",
        "--json",
    ]);
    assert_eq!(ids(&busy), vec![2]);
    let row = &busy["leads"][0];
    assert_eq!(row["state"], "retry_wait");
    assert_eq!(row["attempts"], 1);
    assert_eq!(row["lastAttemptAt"], "2026-05-28T20:26:41Z");
    assert!(row["nextAttemptAt"].is_string());

    let pending = env.json(&[
        "leads",
        "list",
        "--campaign",
        "1",
        "--state",
        "pending",
        "--json",
    ]);
    assert_eq!(ids(&pending), vec![1, 3]);

    // The table: a header and one line per lead, none wider than 80 columns.
    let table = env.stdout(&["leads", "list", "--campaign", "1"]);
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    assert!(
        table.contains("Grace Hopper") && table.contains("busy"),
        "{table}"
    );
}

#[test]
fn search_finds_by_number_name_or_variable_and_exits_1_on_nothing() {
    let env = Env::with_leads();
    let by_prefix = env.json(&["leads", "search", "+1 415", "--json"]);
    assert_eq!(ids(&by_prefix), vec![2, 4], "every campaign");
    let in_one = env.json(&["leads", "search", "+1 415", "--campaign", "2", "--json"]);
    assert_eq!(ids(&in_one), vec![4]);
    assert_eq!(
        ids(&env.json(&["leads", "search", "(212) 555-0199", "--json"])),
        vec![3]
    );
    assert_eq!(
        ids(&env.json(&["leads", "search", "lovelace", "--json"])),
        vec![1]
    );
    assert_eq!(
        ids(&env.json(&["leads", "search", "unlimited", "--json"])),
        vec![1]
    );
    assert_eq!(
        ids(&env.json(&["leads", "search", "ac-1003", "--json"])),
        vec![3]
    );

    env.cmd(&["leads", "search", "nobody"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("no leads found\n");
    // An empty list is an answer, not a failure.
    env.cmd(&["leads", "list", "--campaign", "1", "--state", "dnc"])
        .assert()
        .success();
}

#[test]
fn bad_names_and_ids_say_what_would_do() {
    let env = Env::with_leads();
    env.cmd(&["leads", "list", "--campaign", "1", "--state", "waiting"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("invalid value 'waiting' for '--state <STATE>'").and(
                predicate::str::contains("pending, dialing, done, retry_wait"),
            ),
        );
    env.cmd(&["leads", "search", "ada", "--outcome", "hung_up"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no_answer, busy"));
    env.cmd(&["leads", "list", "--campaign", "1", "--limit", "5000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1..=1000"));
    env.cmd(&["leads", "list", "--campaign", "9"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "campaign 9 does not exist; list campaigns with `switchboard campaign list`",
        ));
    env.cmd(&["leads", "show", "99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "lead 99 does not exist; find it with `switchboard leads search TEXT`",
        ));
}

#[test]
fn show_tells_every_call_with_its_sip_status_cause_caller_id_and_variant() {
    let env = Env::with_leads();
    env.record_a_busy_call();
    let text = env.stdout(&["leads", "show", "2"]);
    for expected in [
        "lead        2 (campaign 1)",
        "name        Grace Hopper",
        "state       retry_wait",
        "calls       1 made, 1 counted; last busy",
        "variables   account = AC-1002",
        "call        #1 (attempt 1) to +14155550123: busy",
        "dialled     2026-05-28 20:26:41 UTC",
        "ended       2026-05-28 20:26:44 UTC",
        "SIP         486 Busy Here",
        "cause       disconnect USER_REJECTED",
        "caller ID   +13125550100",
        "variant     B",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let json = env.json(&["leads", "show", "2", "--json"]);
    assert_eq!(json["lead"]["name"], "Grace Hopper");
    assert_eq!(json["attempts"][0]["sipStatusCode"], 486);
    assert_eq!(json["attempts"][0]["ringTimeMs"], 3000);
    assert_eq!(json["attempts"][0]["talkTimeMs"], serde_json::Value::Null);
    let fresh = env.stdout(&["leads", "show", "1"]);
    assert!(fresh.contains("not called yet"), "{fresh}");
}
