//! The property that closes "never twice": the real binary (`switchboard run --campaign
//! ID`) runs a campaign against an in-test sandbox while, at random moments, the
//! process is SIGKILLed and restarted, LiveKit stalls (every request held until the
//! window ends, so the client gives up on dials the server then places), and dial
//! connections are cut after the call was placed. Afterwards the sandbox's own counters
//! say what really rang and answered, and the database must agree with them:
//!
//! 1. no number rang more often than `max_attempts`, nor more often than it has
//!    counted attempts;
//! 2. no number answered twice, and no answered call was followed by another attempt
//!    (`retry_on` leaves out `interrupted`, and answered calls are never retried);
//! 3. no room name was dialled twice or shared by two attempts;
//! 4. every attempt ended and every lead is finished; none is lost;
//! 5. every outcome matches what happened: `completed` rooms answered, `not_placed`
//!    rooms never rang, other outcomes never answered; `interrupted` is unknown either way.
//!
//! The run is seeded; the seed is printed, and `CHAOS_SEED=N` replays its choices (the
//! timing of two processes is not replayable, so a replay explores nearby, not exactly).

#![cfg(unix)]

mod common;

use common::binary::Installation;
use common::{around_the_clock, dispositions_that_keep_numbers_callable};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use switchboard::domain::{AttemptId, AttemptState, CampaignSettings, LeadId, LeadState, Outcome};
use switchboard::sandbox::{
    Faults, Outage, OutageMode, OutcomeRates, Sandbox, SandboxConfig, SecondsRange,
};
use switchboard::store::attempts::AttemptRecord;

const LEADS: usize = 100;
const MAX_ATTEMPTS: u32 = 2;
/// Random disruptions before the campaign is left to finish in calm weather.
const DISRUPTIONS: usize = 24;
/// How long the client waits for a dial: the ringing timeout (1 s) plus 2 s.
const DIAL_TIMEOUT: Duration = Duration::from_secs(3);

/// The client's request timeout is 1 s and a dial's is the ringing timeout (1 s) plus
/// 2 s, so stalls longer than about 2 s outlast dials sent into them.
const CONFIG: &str = r#"
[livekit]
request_timeout_secs = 1

[polling]
interval_ms = 50
max_requests_per_sec = 1000

[engine]
per_number_daily_limit = 100
infra_backoff_initial_ms = 20
infra_backoff_max_ms = 200
"#;

/// Real time (time_scale 1) with sub-second calls, so the client's real timeouts and
/// the stalls are of the same size as the calls they interrupt.
fn sandbox_config(seed: u64) -> SandboxConfig {
    SandboxConfig {
        time_scale: 1.0,
        seed,
        dial_delay: SecondsRange::new(0.05, 0.15),
        ring: SecondsRange::new(0.1, 0.8),
        talk: SecondsRange::new(0.2, 0.6),
        voicemail_talk: SecondsRange::new(0.1, 0.3),
        departure_timeout_secs: 0.2,
        outcomes: OutcomeRates {
            answer: 0.4,
            voicemail: 0.1,
            no_answer: 0.25,
            busy: 0.15,
            reject: 0.05,
            invalid_number: 0.05,
            unavailable: 0.0,
            trunk_failure: 0.0,
            dropped_mid_call: 0.0,
        },
        // A `do_not_call` word ends a lead as `dnc`, which the final check does not
        // expect of a lead retried after a cut-off call (opt-outs are tested on their own).
        dispositions: dispositions_that_keep_numbers_callable(),
        ..SandboxConfig::default()
    }
}

fn campaign_settings() -> CampaignSettings {
    CampaignSettings {
        name: "chaos".into(),
        agent_name: "agent".into(),
        trunk_id: "ST_sandbox".into(),
        max_concurrent: 12,
        call_delay_ms: 0,
        max_attempts: MAX_ATTEMPTS,
        retry_delay_secs: 0,
        ringing_timeout_secs: 1,
        retry_on: [Outcome::NoAnswer, Outcome::Busy].into_iter().collect(),
        window: around_the_clock(),
        ..CampaignSettings::default()
    }
}

/// `CHAOS_SEED` when set (to replay a failure), else a fresh one.
fn chaos_seed() -> u64 {
    match std::env::var("CHAOS_SEED") {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("CHAOS_SEED must be a whole number, got {text:?}")),
        Err(_) => rand::random(),
    }
}

/// The faults in force, kept here so that one change does not cancel another: a stall
/// and a spell of cut dial connections can overlap.
#[derive(Default)]
struct Weather {
    stall_until: Option<Instant>,
    cut_dials: Option<(f64, Instant)>,
    /// No kill until then: the sure stall's dials must be seen through by one process.
    protected_until: Option<Instant>,
}

impl Weather {
    fn faults(&self, now: Instant) -> Faults {
        let outage = self.stall_until.filter(|end| *end > now).map(|end| Outage {
            start_after_ms: 0,
            duration_ms: (end - now).as_millis() as u64,
            mode: OutageMode::Stall,
        });
        let drop_dial_response_rate = self
            .cut_dials
            .filter(|(_, end)| *end > now)
            .map_or(0.0, |(rate, _)| rate);
        Faults {
            outage,
            drop_dial_response_rate,
            ..Faults::none()
        }
    }
}

/// What happens at one step of the loop.
enum Disruption {
    /// SIGKILL the process and start it again.
    Kill,
    /// LiveKit holds every request for this long.
    Stall(Duration),
    /// This fraction of dials is placed, then its connection cut, for this long.
    CutDials {
        rate: f64,
        spell: Duration,
    },
    Nothing,
}

impl Disruption {
    /// Mostly kills, stalls and cut connections; while a stall is under way, kills are
    /// rarer (a dial into the stall must live long enough to time out) and no second
    /// stall starts (stalls back to back are one long outage, in which nothing happens).
    fn pick(rng: &mut SmallRng, stalled: bool) -> Self {
        let cut_dials = |rng: &mut SmallRng| Disruption::CutDials {
            rate: rng.random_range(0.3..0.9),
            spell: Duration::from_millis(rng.random_range(1_000..3_000)),
        };
        match (stalled, rng.random_range(0..20)) {
            (false, 0..=7) => Disruption::Kill,
            (false, 8..=13) => {
                Disruption::Stall(Duration::from_millis(rng.random_range(300..3_500)))
            }
            (false, _) => cut_dials(rng),
            (true, 0..=2) => Disruption::Kill,
            (true, 3..=9) => cut_dials(rng),
            (true, _) => Disruption::Nothing,
        }
    }
}

/// What the disruptions did, to show the run exercised what it claims to.
#[derive(Debug, Default)]
struct Tally {
    kills: u32,
    stalls: u32,
    long_stalls: u32,
    cut_spells: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_and_stalls_at_random_never_call_twice_or_misreport_a_call() {
    let seed = chaos_seed();
    eprintln!("chaos seed {seed} (replay with CHAOS_SEED={seed})");
    let mut rng = SmallRng::seed_from_u64(seed);
    let sandbox = switchboard::sandbox::start(sandbox_config(seed), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut install = Installation::new(CONFIG);
    let phones = (0..LEADS).map(|i| format!("+1555{:07}", 6_000_000 + i));
    let campaign = install.campaign(campaign_settings(), phones).await;

    let started = Instant::now();
    let mut weather = Weather::default();
    let mut tally = Tally::default();
    let mut run = install.spawn_run(&sandbox, campaign, 0);
    let mut finished = false;
    // One stall, at a random point, outlasts the dial timeout and is left alone by
    // kills, so that dials sent into it time out on the client while the server holds
    // them. It waits for a process that has had a second to start dialling.
    let sure_stall_from = rng.random_range(1..DISRUPTIONS / 2);
    let mut sure_stall_done = false;
    // And one kill, at a random point of the first half, if the draws brought none by
    // then: a fast engine can finish the campaign in a dozen steps, and a run without a
    // kill proves nothing about recovery.
    let sure_kill_from = rng.random_range(1..DISRUPTIONS / 2);
    let mut spawned_at = Instant::now();
    for step in 0..DISRUPTIONS {
        let calm = Duration::from_millis(rng.random_range(100..700));
        if let Some(status) = run.exit_within(calm).await {
            run.assert_success(status);
            finished = true;
            break;
        }
        let now = Instant::now();
        let stalled = weather.stall_until.filter(|end| *end > now);
        let sure_stall = step >= sure_stall_from
            && !sure_stall_done
            && stalled.is_none()
            && now - spawned_at > Duration::from_secs(1);
        let sure_kill = step >= sure_kill_from
            && tally.kills == 0
            && weather.protected_until.is_none_or(|end| end <= now)
            && now - spawned_at > Duration::from_secs(1);
        let disruption = if sure_stall {
            sure_stall_done = true;
            Disruption::Stall(Duration::from_millis(rng.random_range(3_200..4_000)))
        } else if sure_kill {
            Disruption::Kill
        } else {
            Disruption::pick(&mut rng, stalled.is_some())
        };
        match disruption {
            Disruption::Kill if weather.protected_until.is_some_and(|end| end > now) => {}
            Disruption::Kill => {
                run.kill();
                tally.kills += 1;
                run = install.spawn_run(&sandbox, campaign, 0);
                spawned_at = Instant::now();
            }
            Disruption::Stall(stall) => {
                weather.stall_until = Some(now + stall);
                if sure_stall {
                    weather.protected_until = Some(now + stall + Duration::from_millis(500));
                }
                tally.stalls += 1;
                tally.long_stalls += (stall > DIAL_TIMEOUT) as u32;
            }
            Disruption::CutDials { rate, spell } => {
                weather.cut_dials = Some((rate, now + spell));
                tally.cut_spells += 1;
            }
            Disruption::Nothing => {}
        }
        sandbox.set_faults(weather.faults(Instant::now()));
    }
    eprintln!("disruptions: {tally:?}");
    // Calm weather from now on, except a stall already under way runs its course.
    weather.cut_dials = None;
    sandbox.set_faults(weather.faults(Instant::now()));
    if !finished {
        let status = run.exit_within(Duration::from_secs(40)).await;
        let Some(status) = status else {
            let stuck = stuck_attempts(&install, campaign).await;
            panic!(
                "the campaign did not complete within 40 s of calm (seed {seed}); sandbox \
                 has {} calls up; attempts not ended:\n{stuck}\nstderr:\n{}",
                sandbox.stats().active_calls,
                run.stderr()
            )
        };
        run.assert_success(status);
    }
    eprintln!("campaign completed after {:?}", started.elapsed());
    let stats = settled_stats(&sandbox, &weather).await;

    let attempts = install.attempts(campaign).await;
    let leads = install.leads(campaign).await;
    let uncertain_details = install.event_details("dial_uncertain").await;
    let uncertain = uncertain_details.len();
    let timed_out = uncertain_details
        .iter()
        .filter(|d| d.contains("timed out"))
        .count();
    let reconciled = install.events_of_kind("reconciled").await;
    eprintln!(
        "{} attempts, {} calls placed, {} answered, {uncertain} uncertain dials ({timed_out} timed out), {reconciled} reconciled",
        attempts.len(),
        stats.calls_placed,
        stats.answered_rooms.len()
    );

    // 4. Every attempt ended, every lead is finished, none is lost.
    assert_eq!(leads.len(), LEADS, "no lead is lost (seed {seed})");
    for lead in &leads {
        assert!(
            matches!(
                lead.state,
                LeadState::Done | LeadState::Exhausted | LeadState::Invalid
            ),
            "lead {} left {} (seed {seed})",
            lead.id,
            lead.state
        );
    }
    for attempt in &attempts {
        assert!(
            attempt.state.is_terminal(),
            "attempt {} left {} (seed {seed})",
            attempt.id,
            attempt.state
        );
    }

    // 1. No number rang more often than its policy allows or its attempts record.
    let mut counted: HashMap<&str, u32> = HashMap::new();
    for attempt in attempts.iter().filter(|a| a.counted) {
        *counted.entry(attempt.phone.as_str()).or_default() += 1;
    }
    for lead in &leads {
        let recorded = counted.get(lead.phone.as_str()).copied().unwrap_or(0);
        assert_eq!(
            lead.attempts, recorded,
            "lead {}'s count matches its attempts (seed {seed})",
            lead.id
        );
    }
    for (number, calls) in &stats.calls_per_number {
        assert!(
            *calls <= MAX_ATTEMPTS,
            "{number} rang {calls} times; max_attempts is {MAX_ATTEMPTS} (seed {seed})"
        );
        let recorded = counted.get(number.as_str()).copied().unwrap_or(0);
        if *calls > recorded {
            let timelines =
                timelines(&install, attempts.iter().filter(|a| &a.phone == number)).await;
            panic!("{number} rang {calls} times but has {recorded} counted attempts (seed {seed}):\n{timelines}");
        }
    }

    // 2. No number answered twice; an answered call is its lead's last attempt.
    for (number, answered) in &stats.answered_per_number {
        assert!(
            *answered <= 1,
            "{number} answered {answered} times (seed {seed})"
        );
    }
    let last_attempt = last_attempt_per_lead(&attempts);
    for attempt in attempts
        .iter()
        .filter(|a| stats.answered_rooms.contains(&a.room))
    {
        assert_eq!(
            last_attempt[&attempt.lead], attempt.id,
            "{} answered in attempt {} and was called again (seed {seed})",
            attempt.phone, attempt.id
        );
    }

    // 3. No room name twice, in the sandbox or in the database; no call outside them.
    assert_eq!(
        stats.rooms_dialed_again, 0,
        "a room was dialled twice (seed {seed})"
    );
    let rooms: HashSet<&str> = attempts.iter().map(|a| a.room.as_str()).collect();
    assert_eq!(
        rooms.len(),
        attempts.len(),
        "two attempts share a room (seed {seed})"
    );
    for room in &stats.rooms_dialed {
        assert!(
            rooms.contains(room.as_str()),
            "{room} rang with no attempt recorded for it (seed {seed})"
        );
    }

    // 5. Every outcome matches what the sandbox says happened.
    for attempt in &attempts {
        let answered = stats.answered_rooms.contains(&attempt.room);
        let rang = stats.rooms_dialed.contains(&attempt.room);
        let room = &attempt.room;
        match attempt.state {
            AttemptState::Ended(Outcome::Completed) => assert!(
                answered,
                "{room} is completed but never answered (seed {seed})"
            ),
            AttemptState::Ended(Outcome::NotPlaced) => assert!(
                !rang,
                "{room} is not_placed but its call was placed (answered: {answered}) (seed {seed})"
            ),
            AttemptState::Ended(Outcome::Interrupted) => {}
            other => assert!(
                !answered,
                "{room} answered but is recorded as {other} (seed {seed})"
            ),
        }
    }

    // 6. The run exercised what it claims to.
    assert!(tally.kills > 0, "no kill happened: {tally:?} (seed {seed})");
    assert!(
        tally.stalls > 0,
        "no stall happened: {tally:?} (seed {seed})"
    );
    assert!(
        uncertain > 0,
        "no dial was left uncertain: {tally:?} (seed {seed})"
    );
    assert!(
        reconciled > 0,
        "no kill left a call in flight to reconcile: {tally:?} (seed {seed})"
    );
}

/// The sandbox's counters once nothing can change them: a stall still under way has
/// ended (dials it held are placed when it does) and every call has hung up.
async fn settled_stats(sandbox: &Sandbox, weather: &Weather) -> switchboard::sandbox::SandboxStats {
    if let Some(end) = weather.stall_until {
        tokio::time::sleep_until(end.into()).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = sandbox.stats();
        if stats.active_calls == 0 {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "{} calls still up 10 s after the campaign completed",
            stats.active_calls
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each lead's latest attempt (ids grow with time; numbers repeat after `not_placed`).
fn last_attempt_per_lead(attempts: &[AttemptRecord]) -> HashMap<LeadId, AttemptId> {
    let mut last: HashMap<LeadId, AttemptId> = HashMap::new();
    for attempt in attempts {
        let latest = last.entry(attempt.lead).or_insert(attempt.id);
        if attempt.id.0 > latest.0 {
            *latest = attempt.id;
        }
    }
    last
}

/// The attempts still in flight with their timelines, to say where a run got stuck.
async fn stuck_attempts(
    install: &Installation,
    campaign: switchboard::domain::CampaignId,
) -> String {
    let attempts = install.attempts(campaign).await;
    timelines(install, attempts.iter().filter(|a| !a.state.is_terminal())).await
}

/// These attempts with their timelines.
async fn timelines(
    install: &Installation,
    attempts: impl Iterator<Item = &AttemptRecord>,
) -> String {
    let store = install.store();
    let mut report = String::new();
    for attempt in attempts {
        let id = attempt.id;
        let events = store
            .read(move |conn| switchboard::store::attempt_events::for_attempt(conn, id))
            .await
            .unwrap();
        report += &format!("{} {} {}:\n", attempt.id, attempt.room, attempt.state);
        for event in events {
            report += &format!("  {} {} {}\n", event.at, event.kind, event.detail);
        }
    }
    report
}
