//! Which automatic pause or resume applies to a campaign now, as one pure function.
//! The engine gathers the facts (its schedule, the daily cap, LiveKit's health, what the
//! last read of the queue found) and changes the status only when this says so.
//!
//! Only campaigns the engine dials for, running or paused for a reason it lifts by
//! itself, are decided here. The pauses that wait for the operator (a configuration
//! problem, an agent that never joins) are decided here too, from what a call that just
//! ended found; once taken they are left to the operator, like an operator's pause, and
//! a shutdown pause is lifted at the next start.

use crate::domain::{CampaignStatus, PauseReason};
use chrono::{DateTime, Utc};
use std::mem::discriminant;

/// What the last read of the queue found, when nothing has changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFacts {
    /// A lead may be dialled now.
    pub callable: bool,
    pub in_flight: usize,
    /// Some lead may still be dialled, now or later.
    pub any_open: bool,
    /// Every lead that may be dialled waits for its calling hours: when the first
    /// window opens, and the zone it opens in.
    pub waiting_for_window: Option<(Option<DateTime<Utc>>, String)>,
}

/// Answered calls in a row without their agent before the campaign is paused: one can
/// be a slow worker, three mean it is not taking jobs.
pub const AGENT_MISSING_PAUSE_AFTER: u32 = 3;

/// What a call that just ended found wrong with the campaign itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallTrouble {
    /// The trunk, number or agent is set up wrongly: no call can succeed until fixed.
    Configuration { problem: String, fix: String },
    /// The call was answered and its agent never joined, `in_a_row` times running.
    AgentMissing { agent: String, in_a_row: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub now: DateTime<Utc>,
    pub start_at: Option<DateTime<Utc>>,
    /// The daily cap, when reached, and when it resets.
    pub cap_reached: Option<(u32, DateTime<Utc>)>,
    /// Every caller ID of the pool at its daily cap or resting: how many of each, and
    /// when the first comes back.
    pub caller_ids_out: Option<(usize, usize, DateTime<Utc>)>,
    /// LiveKit failing long enough to pause for: since when, and its last error.
    pub livekit_outage: Option<(DateTime<Utc>, String)>,
    /// `None`: the queue has not been read since it last changed.
    pub queue: Option<QueueFacts>,
    /// What the call that just ended found, if this look follows one.
    pub call_trouble: Option<CallTrouble>,
}

/// The status a campaign should have now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Run,
    Pause(PauseReason),
    Complete,
}

/// `None`: leave the campaign as it is. A running campaign whose call found its
/// configuration wrong, or whose agent missed too many answered calls in a row, pauses
/// for the operator before anything else is weighed (a campaign already paused dials
/// nothing, so the trouble waits for the next call). The automatic causes, most telling
/// first: its start time not reached, no lead left (complete), every callable lead
/// outside its calling hours, the daily cap, no caller ID free, LiveKit down. A pause
/// for the same cause is not repeated with new details (LiveKit's last error changes
/// with every failed probe).
pub fn decide(
    status: CampaignStatus,
    reason: Option<&PauseReason>,
    facts: &Facts,
) -> Option<Decision> {
    let decided_here = match status {
        CampaignStatus::Running => true,
        CampaignStatus::Paused => {
            reason.is_some_and(|r| r.is_automatic() && !matches!(r, PauseReason::Shutdown))
        }
        _ => false,
    };
    if !decided_here {
        return None;
    }
    if status == CampaignStatus::Running {
        if let Some(pause) = facts.call_trouble.as_ref().and_then(operator_needed) {
            return Some(Decision::Pause(pause));
        }
    }
    let wanted = wanted(reason, facts);
    let same = match (&wanted, status, reason) {
        (Decision::Run, CampaignStatus::Running, _) => true,
        (Decision::Pause(want), CampaignStatus::Paused, Some(have)) => {
            discriminant(want) == discriminant(have)
        }
        _ => false,
    };
    (!same).then_some(wanted)
}

/// The pause a call's trouble calls for, if it is bad enough to stop dialling.
fn operator_needed(trouble: &CallTrouble) -> Option<PauseReason> {
    match trouble {
        CallTrouble::Configuration { problem, fix } => Some(PauseReason::Configuration {
            problem: problem.clone(),
            fix: fix.clone(),
        }),
        CallTrouble::AgentMissing { agent, in_a_row } => (*in_a_row >= AGENT_MISSING_PAUSE_AFTER)
            .then(|| PauseReason::AgentNotJoining {
                agent: agent.clone(),
            }),
    }
}

fn wanted(reason: Option<&PauseReason>, facts: &Facts) -> Decision {
    if let Some(at) = facts.start_at.filter(|at| *at > facts.now) {
        return Decision::Pause(PauseReason::Scheduled { at });
    }
    match &facts.queue {
        Some(q) if !q.any_open && q.in_flight == 0 => return Decision::Complete,
        Some(q) if !q.callable && q.in_flight == 0 => {
            if let Some((until, timezone)) = &q.waiting_for_window {
                return Decision::Pause(PauseReason::OutsideWindow {
                    until: *until,
                    timezone: timezone.clone(),
                });
            }
        }
        Some(_) => {}
        // Not read since: a window pause holds until a read finds a callable lead.
        None => {
            if let Some(window @ PauseReason::OutsideWindow { .. }) = reason {
                return Decision::Pause(window.clone());
            }
        }
    }
    if let Some((cap, until)) = facts.cap_reached {
        return Decision::Pause(PauseReason::DailyCapReached { cap, until });
    }
    if let Some((capped, resting, until)) = facts.caller_ids_out {
        return Decision::Pause(PauseReason::CallerIdsUnavailable {
            capped,
            resting,
            until,
        });
    }
    if let Some((since, last_error)) = &facts.livekit_outage {
        return Decision::Pause(PauseReason::LiveKitUnreachable {
            since: *since,
            last_error: last_error.clone(),
        });
    }
    Decision::Run
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use CampaignStatus::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    fn calm() -> Facts {
        Facts {
            now: now(),
            start_at: None,
            cap_reached: None,
            caller_ids_out: None,
            livekit_outage: None,
            queue: None,
            call_trouble: None,
        }
    }

    fn queue(callable: bool, in_flight: usize, any_open: bool) -> Option<QueueFacts> {
        Some(QueueFacts {
            callable,
            in_flight,
            any_open,
            waiting_for_window: None,
        })
    }

    fn window() -> PauseReason {
        PauseReason::OutsideWindow {
            until: Some(now() + Duration::hours(8)),
            timezone: "America/Chicago".into(),
        }
    }

    fn cap() -> PauseReason {
        PauseReason::DailyCapReached {
            cap: 100,
            until: now() + Duration::hours(12),
        }
    }

    fn outage() -> PauseReason {
        PauseReason::LiveKitUnreachable {
            since: now(),
            last_error: "connection refused".into(),
        }
    }

    #[test]
    fn each_cause_pauses_and_resumes_when_it_clears() {
        let later = now() + Duration::hours(1);
        let waiting = Some(QueueFacts {
            callable: false,
            in_flight: 0,
            any_open: true,
            waiting_for_window: Some((Some(now() + Duration::hours(8)), "America/Chicago".into())),
        });
        let table: Vec<(CampaignStatus, Option<PauseReason>, Facts, Option<Decision>)> = vec![
            (Running, None, calm(), None),
            (
                Running,
                None,
                Facts {
                    start_at: Some(later),
                    ..calm()
                },
                Some(Decision::Pause(PauseReason::Scheduled { at: later })),
            ),
            (
                Paused,
                Some(PauseReason::Scheduled { at: now() }),
                calm(),
                Some(Decision::Run),
            ),
            (
                Running,
                None,
                Facts {
                    cap_reached: Some((100, now() + Duration::hours(12))),
                    ..calm()
                },
                Some(Decision::Pause(cap())),
            ),
            (Paused, Some(cap()), calm(), Some(Decision::Run)),
            (
                Running,
                None,
                Facts {
                    livekit_outage: Some((now(), "connection refused".into())),
                    ..calm()
                },
                Some(Decision::Pause(outage())),
            ),
            (Paused, Some(outage()), calm(), Some(Decision::Run)),
            (
                Running,
                None,
                Facts {
                    caller_ids_out: Some((2, 1, later)),
                    ..calm()
                },
                Some(Decision::Pause(PauseReason::CallerIdsUnavailable {
                    capped: 2,
                    resting: 1,
                    until: later,
                })),
            ),
            (
                Paused,
                Some(PauseReason::CallerIdsUnavailable {
                    capped: 2,
                    resting: 1,
                    until: later,
                }),
                calm(),
                Some(Decision::Run),
            ),
            (
                Running,
                None,
                Facts {
                    queue: waiting.clone(),
                    ..calm()
                },
                Some(Decision::Pause(window())),
            ),
            (
                Paused,
                Some(window()),
                Facts {
                    queue: queue(true, 0, true),
                    ..calm()
                },
                Some(Decision::Run),
            ),
            // Leads waiting for a retry, none for a window: running, idle.
            (
                Paused,
                Some(window()),
                Facts {
                    queue: queue(false, 0, true),
                    ..calm()
                },
                Some(Decision::Run),
            ),
            (
                Running,
                None,
                Facts {
                    queue: queue(false, 0, false),
                    ..calm()
                },
                Some(Decision::Complete),
            ),
            (
                Paused,
                Some(cap()),
                Facts {
                    queue: queue(false, 0, false),
                    ..calm()
                },
                Some(Decision::Complete),
            ),
        ];
        for (status, reason, facts, expected) in table {
            assert_eq!(
                decide(status, reason.as_ref(), &facts),
                expected,
                "{status} {reason:?} {facts:?}"
            );
        }
    }

    #[test]
    fn calls_in_flight_hold_completion_and_the_window_pause() {
        let waiting = QueueFacts {
            callable: false,
            in_flight: 2,
            any_open: false,
            waiting_for_window: Some((None, "UTC".into())),
        };
        let facts = Facts {
            queue: Some(waiting),
            ..calm()
        };
        assert_eq!(decide(Running, None, &facts), None);
    }

    #[test]
    fn an_unread_queue_keeps_a_window_pause_and_the_window_outranks_the_cap() {
        let capped = Facts {
            cap_reached: Some((100, now() + Duration::hours(12))),
            ..calm()
        };
        assert_eq!(decide(Paused, Some(&window()), &calm()), None);
        assert_eq!(decide(Paused, Some(&window()), &capped), None);
        // The start time outranks everything.
        let scheduled = Facts {
            start_at: Some(now() + Duration::minutes(5)),
            ..capped
        };
        assert!(matches!(
            decide(Paused, Some(&window()), &scheduled),
            Some(Decision::Pause(PauseReason::Scheduled { .. }))
        ));
    }

    #[test]
    fn the_same_cause_with_new_details_is_not_a_change() {
        let facts = Facts {
            livekit_outage: Some((now(), "a newer error".into())),
            ..calm()
        };
        assert_eq!(decide(Paused, Some(&outage()), &facts), None);
    }

    #[test]
    fn the_operators_pauses_and_finished_campaigns_are_left_alone() {
        let facts = Facts {
            queue: queue(false, 0, false),
            ..calm()
        };
        for (status, reason) in [
            (Paused, Some(PauseReason::Operator)),
            (
                Paused,
                Some(PauseReason::Configuration {
                    problem: "p".into(),
                    fix: "f".into(),
                }),
            ),
            (Paused, Some(PauseReason::Shutdown)),
            (Draft, None),
            (Stopped, None),
            (Completed, None),
        ] {
            assert_eq!(
                decide(status, reason.as_ref(), &facts),
                None,
                "{status} {reason:?}"
            );
        }
    }

    #[test]
    fn a_configuration_problem_pauses_a_running_campaign_for_the_operator() {
        let facts = Facts {
            call_trouble: Some(CallTrouble::Configuration {
                problem: "trunk ST_x does not exist".into(),
                fix: "list trunks with `switchboard trunks`".into(),
            }),
            // Outranks every automatic cause.
            cap_reached: Some((100, now() + Duration::hours(12))),
            ..calm()
        };
        let expected = PauseReason::Configuration {
            problem: "trunk ST_x does not exist".into(),
            fix: "list trunks with `switchboard trunks`".into(),
        };
        assert_eq!(
            decide(Running, None, &facts),
            Some(Decision::Pause(expected.clone()))
        );
        // Already paused (automatically or not): left as it is.
        assert_eq!(decide(Paused, Some(&cap()), &facts), None);
        assert_eq!(decide(Paused, Some(&expected), &calm()), None);
    }

    #[test]
    fn an_agent_missing_three_answered_calls_in_a_row_pauses_for_the_operator() {
        let missing = |in_a_row| Facts {
            call_trouble: Some(CallTrouble::AgentMissing {
                agent: "sales-agent".into(),
                in_a_row,
            }),
            ..calm()
        };
        assert_eq!(decide(Running, None, &missing(1)), None);
        assert_eq!(
            decide(Running, None, &missing(AGENT_MISSING_PAUSE_AFTER - 1)),
            None
        );
        let paused = PauseReason::AgentNotJoining {
            agent: "sales-agent".into(),
        };
        assert_eq!(
            decide(Running, None, &missing(AGENT_MISSING_PAUSE_AFTER)),
            Some(Decision::Pause(paused.clone()))
        );
        // Paused for LiveKit while LiveKit is still down: the outage stays the reason.
        let still_down = Facts {
            livekit_outage: Some((now(), "connection refused".into())),
            ..missing(5)
        };
        assert_eq!(decide(Paused, Some(&outage()), &still_down), None);
        // The operator's to lift: nothing automatic resumes it.
        assert_eq!(decide(Paused, Some(&paused), &calm()), None);
    }
}
