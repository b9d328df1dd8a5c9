//! Crash safety, end to end: the real binary (`switchboard run --campaign ID`) runs a
//! campaign against an in-test sandbox and is killed with SIGKILL at random moments,
//! then restarted, until the campaign completes. Afterwards no number was called more
//! often than its policy allows, no lead is lost, and every attempt has an outcome.

#![cfg(unix)]

mod common;

use common::around_the_clock;
use common::binary::Installation;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};
use switchboard::domain::{CampaignSettings, LeadState};
use switchboard::sandbox::{SandboxConfig, SecondsRange};

const LEADS: usize = 150;
const MAX_ATTEMPTS: u32 = 3;
const KILLS: usize = 12;

fn campaign_settings() -> CampaignSettings {
    CampaignSettings {
        name: "crash test".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_sandbox".into(),
        max_concurrent: 8,
        call_delay_ms: 0,
        max_attempts: MAX_ATTEMPTS,
        retry_delay_secs: 0,
        ringing_timeout_secs: 30,
        window: around_the_clock(),
        ..CampaignSettings::default()
    }
}

const CONFIG: &str = r#"
[polling]
interval_ms = 20
max_requests_per_sec = 1000

[engine]
per_number_daily_limit = 100
infra_backoff_initial_ms = 20
infra_backoff_max_ms = 200
"#;

/// `count` leads numbered from `first`.
fn phones(first: usize, count: usize) -> impl Iterator<Item = String> {
    (first..first + count).map(|i| format!("+1555{i:07}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_process_at_random_never_loses_or_repeats_a_call() {
    let sandbox = switchboard::sandbox::start(
        SandboxConfig {
            time_scale: 0.001,
            dial_delay: SecondsRange::new(1.0, 5.0),
            ring: SecondsRange::new(5.0, 20.0),
            talk: SecondsRange::new(30.0, 90.0),
            departure_timeout_secs: 1.0,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut install = Installation::new(CONFIG);
    let campaign = install
        .campaign(campaign_settings(), phones(9_000_000, LEADS))
        .await;

    let mut rng = rand::rngs::SmallRng::seed_from_u64(0x5eed);
    let started = Instant::now();
    let mut kills = 0;
    loop {
        let mut run = install.spawn_run(&sandbox, campaign, 0);
        let wait = if kills < KILLS {
            Duration::from_millis(rng.random_range(30..400))
        } else {
            Duration::from_secs(30)
        };
        match run.exit_within(wait).await {
            Some(status) => {
                run.assert_success(status);
                break;
            }
            None => {
                run.kill();
                assert!(kills < KILLS, "the final run did not complete within 30 s");
                kills += 1;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "recovery loop took too long"
        );
    }

    let attempts = install.attempts(campaign).await;
    let leads = install.leads(campaign).await;
    assert_eq!(leads.len(), LEADS, "no lead is lost");
    for lead in &leads {
        assert!(
            matches!(
                lead.state,
                LeadState::Done | LeadState::Exhausted | LeadState::Invalid
            ),
            "lead {} left {}",
            lead.id,
            lead.state
        );
    }
    for attempt in &attempts {
        assert!(
            attempt.state.is_terminal(),
            "attempt {} left {}",
            attempt.id,
            attempt.state
        );
    }
    let mut counted: HashMap<&str, u32> = HashMap::new();
    for attempt in attempts.iter().filter(|a| a.counted) {
        *counted.entry(attempt.phone.as_str()).or_default() += 1;
    }
    for lead in &leads {
        let mine = counted.get(lead.phone.as_str()).copied().unwrap_or(0);
        assert_eq!(
            lead.attempts, mine,
            "lead {}'s count matches its attempts",
            lead.id
        );
        assert!(
            mine <= MAX_ATTEMPTS,
            "lead {} has {mine} counted attempts",
            lead.id
        );
    }
    let stats = sandbox.stats();
    for (number, calls) in &stats.calls_per_number {
        assert!(
            *calls <= MAX_ATTEMPTS,
            "{number} was called {calls} times; max_attempts is {MAX_ATTEMPTS}"
        );
        let recorded = counted.get(number.as_str()).copied().unwrap_or(0);
        assert!(
            *calls <= recorded,
            "{number}: {calls} calls placed but only {recorded} attempts recorded"
        );
    }
    eprintln!("campaign completed after {kills} kills");
    assert!(
        kills >= 6,
        "the campaign finished after only {kills} kills; make it longer"
    );
    let reconciled = install.events_of_kind("reconciled").await;
    assert!(
        reconciled > 0,
        "no call was left in flight by a kill, so recovery was not exercised"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_pauses_the_campaign_for_the_next_start() {
    signal_pauses_the_campaign_for_the_next_start("TERM").await;
}

/// The terminal `run` was started from went away: the same clean stop as SIGTERM,
/// rather than the default action (killed, exit 129, calls left `answered`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_pauses_the_campaign_for_the_next_start() {
    signal_pauses_the_campaign_for_the_next_start("HUP").await;
}

/// Sends `signal` to a `run` with calls in flight; it exits 130 with the campaign
/// paused for `shutdown`.
async fn signal_pauses_the_campaign_for_the_next_start(signal: &str) {
    let sandbox = switchboard::sandbox::start(
        SandboxConfig {
            time_scale: 0.01,
            talk: SecondsRange::new(30.0, 60.0),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut install = Installation::new(CONFIG);
    let campaign = install
        .campaign(campaign_settings(), phones(8_000_000, 500))
        .await;
    let mut run = install.spawn_run(&sandbox, campaign, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.stats().calls_placed == 0 {
        assert!(Instant::now() < deadline, "no call was placed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    send_signal(&run, signal);
    let status = run
        .exit_within(deadline - Instant::now())
        .await
        .unwrap_or_else(|| panic!("`run` exits after SIG{signal}"));
    assert_eq!(
        status.code(),
        Some(130),
        "after SIG{signal}: {}",
        run.stderr()
    );
    let record = install
        .store()
        .read(move |conn| switchboard::store::CampaignRecord::get(conn, campaign))
        .await
        .unwrap();
    assert_eq!(record.status, switchboard::domain::CampaignStatus::Paused);
    assert_eq!(
        record.pause_reason,
        Some(switchboard::domain::PauseReason::Shutdown)
    );
}

/// Asks `run` to stop as an operator's `kill` or systemd would.
fn send_signal(run: &common::binary::Run, signal: &str) {
    assert!(Command::new("kill")
        .args([&format!("-{signal}"), &run.pid().to_string()])
        .status()
        .unwrap()
        .success());
}

/// The outcome counts of the summary `run` prints last: `  calls: no_answer 3, busy 1`.
fn summary_calls(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("calls: "))
        .unwrap_or_else(|| panic!("no summary in:\n{stderr}"));
    if line == "none" {
        return 0;
    }
    line.split(", ")
        .map(|part| part.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sigterm_summary_counts_the_calls_that_ended_during_the_grace() {
    let sandbox = switchboard::sandbox::start(
        SandboxConfig {
            time_scale: 0.01,
            talk: SecondsRange::new(30.0, 60.0),
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut install = Installation::new(CONFIG);
    let campaign = install
        .campaign(campaign_settings(), phones(7_000_000, 200))
        .await;
    let mut run = install.spawn_run(&sandbox, campaign, 20);
    let deadline = Instant::now() + Duration::from_secs(20);
    // Signal as soon as the first calls are placed, before any can have ended.
    while sandbox.stats().calls_placed == 0 {
        assert!(Instant::now() < deadline, "no call was placed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    send_signal(&run, "TERM");
    let status = run
        .exit_within(Duration::from_secs(30))
        .await
        .expect("`run` exits within its grace after SIGTERM");
    let stderr = run.stderr();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let ended = install
        .attempts(campaign)
        .await
        .iter()
        .filter(|a| a.state.is_terminal())
        .count() as u64;
    assert!(ended > 0, "calls in flight finished during the grace");
    assert_eq!(
        summary_calls(&stderr),
        ended,
        "the summary counts every call that ended, the grace's included:\n{stderr}"
    );
}

/// A call answered before the kill and finished while Switchboard was down is an
/// answered call: at the next start it is `completed`, and the lead is not called again
/// although `retry_on` would retry an `interrupted` one if the campaign listed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_answered_before_a_kill_is_not_called_again() {
    let sandbox = switchboard::sandbox::start(
        SandboxConfig {
            time_scale: 0.01,
            dial_delay: SecondsRange::new(1.0, 2.0),
            ring: SecondsRange::new(2.0, 5.0),
            talk: SecondsRange::new(100.0, 150.0),
            outcomes: switchboard::sandbox::OutcomeRates {
                answer: 1.0,
                voicemail: 0.0,
                no_answer: 0.0,
                busy: 0.0,
                reject: 0.0,
                invalid_number: 0.0,
                unavailable: 0.0,
                trunk_failure: 0.0,
                dropped_mid_call: 0.0,
            },
            departure_timeout_secs: 1.0,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut install = Installation::new(CONFIG);
    const CALLS: usize = 4;
    let campaign = install
        .campaign(
            CampaignSettings {
                max_concurrent: CALLS as u32,
                retry_on: [
                    switchboard::domain::Outcome::NoAnswer,
                    switchboard::domain::Outcome::Busy,
                ]
                .into_iter()
                .collect(),
                ..campaign_settings()
            },
            phones(7_000_000, CALLS),
        )
        .await;
    let run = install.spawn_run(&sandbox, campaign, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    // Every call answered and recorded so, then the process dies with no clean-up.
    loop {
        let answered_rows: i64 = install
            .store()
            .read(|conn| {
                Ok(conn.query_row(
                    "SELECT count(*) FROM attempts WHERE answered_at IS NOT NULL",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        if answered_rows == CALLS as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "the calls were not answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    run.kill();
    // The conversations end while nothing is watching.
    while sandbox.stats().active_calls > 0 {
        assert!(Instant::now() < deadline, "the calls did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut run = install.spawn_run(&sandbox, campaign, 0);
    let status = run
        .exit_within(deadline - Instant::now())
        .await
        .expect("the second run finishes");
    run.assert_success(status);
    let stats = sandbox.stats();
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(*calls, 1, "{number} was called {calls} times");
    }
    assert_eq!(stats.answered_per_number.len(), CALLS);
    let attempts = install.attempts(campaign).await;
    assert_eq!(attempts.len(), CALLS, "{attempts:#?}");
    for attempt in &attempts {
        assert_eq!(
            attempt.state,
            switchboard::domain::AttemptState::Ended(switchboard::domain::Outcome::Completed),
            "{attempt:#?}"
        );
        assert!(attempt.ended_at >= attempt.answered_at);
    }
}
