use super::transition::{status_names, IllegalTransition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `draft → running ⇄ paused → completed | stopped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    Draft,
    Running,
    Paused,
    Completed,
    Stopped,
}

status_names!(CampaignStatus {
    Draft => "draft",
    Running => "running",
    Paused => "paused",
    Completed => "completed",
    Stopped => "stopped",
});

impl CampaignStatus {
    pub fn can_become(self, next: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, next),
            (Draft, Running)
                | (Draft, Stopped)
                | (Running, Paused)
                | (Paused, Running)
                | (Running, Completed)
                | (Paused, Completed)
                | (Running, Stopped)
                | (Paused, Stopped)
        )
    }

    pub fn transition(self, next: CampaignStatus) -> Result<CampaignStatus, IllegalTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalTransition::new("campaign", self, next))
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, CampaignStatus::Completed | CampaignStatus::Stopped)
    }

    /// Settings may change only while nothing is being dialled.
    pub fn is_editable(self) -> bool {
        !matches!(self, CampaignStatus::Running)
    }
}

/// Why a campaign is paused. Operator pauses are sticky; the others are lifted by the
/// engine itself when their condition clears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PauseReason {
    Operator,
    /// Every remaining lead is outside its calling hours.
    OutsideWindow {
        until: Option<DateTime<Utc>>,
        timezone: String,
    },
    DailyCapReached {
        cap: u32,
        until: DateTime<Utc>,
    },
    LiveKitUnreachable {
        since: DateTime<Utc>,
        last_error: String,
    },
    /// Needs the operator: a missing trunk, bad credentials. `fix` names what to do.
    Configuration {
        problem: String,
        fix: String,
    },
    /// The process stopped (quit, signal) while this campaign was running; it resumes
    /// by itself on the next start.
    Shutdown,
    /// Waiting for the campaign's scheduled start time.
    Scheduled {
        at: DateTime<Utc>,
    },
    /// Every caller ID of the pool is at its daily cap or resting for the day.
    CallerIdsUnavailable {
        capped: usize,
        resting: usize,
        until: DateTime<Utc>,
    },
    /// Several answered calls in a row had no agent join: the worker is likely down.
    AgentNotJoining {
        agent: String,
    },
}

impl PauseReason {
    /// Lifted by the engine when the condition clears, as opposed to waiting for a key.
    pub fn is_automatic(&self) -> bool {
        Self::is_automatic_kind(self.kind())
    }

    /// `is_automatic` of every reason of this `kind` (`PauseReason::KINDS`).
    pub fn is_automatic_kind(kind: &str) -> bool {
        !matches!(kind, "operator" | "configuration" | "agent_not_joining")
    }
}

impl PauseReason {
    /// Every reason's `kind`, as serde tags it: the bounded label set of the
    /// `switchboard_campaign_pause_reason` metric.
    pub const KINDS: &'static [&'static str] = &[
        "operator",
        "outside_window",
        "daily_cap_reached",
        "live_kit_unreachable",
        "configuration",
        "shutdown",
        "scheduled",
        "caller_ids_unavailable",
        "agent_not_joining",
    ];

    /// The reason's name without its details (`daily_cap_reached`), as serde tags it.
    pub fn kind(&self) -> &'static str {
        match self {
            PauseReason::Operator => "operator",
            PauseReason::OutsideWindow { .. } => "outside_window",
            PauseReason::DailyCapReached { .. } => "daily_cap_reached",
            PauseReason::LiveKitUnreachable { .. } => "live_kit_unreachable",
            PauseReason::Configuration { .. } => "configuration",
            PauseReason::Shutdown => "shutdown",
            PauseReason::Scheduled { .. } => "scheduled",
            PauseReason::CallerIdsUnavailable { .. } => "caller_ids_unavailable",
            PauseReason::AgentNotJoining { .. } => "agent_not_joining",
        }
    }
}

impl fmt::Display for PauseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        match self {
            PauseReason::Operator => write!(f, "paused by operator"),
            PauseReason::OutsideWindow {
                until: Some(t),
                timezone,
            } => {
                write!(f, "outside calling hours until {} ({timezone})", local(t))
            }
            PauseReason::OutsideWindow {
                until: None,
                timezone,
            } => {
                write!(f, "outside calling hours ({timezone})")
            }
            PauseReason::DailyCapReached { cap, until } => {
                write!(f, "daily cap of {cap} reached, resumes {}", local(until))
            }
            PauseReason::LiveKitUnreachable { since, last_error } => {
                write!(
                    f,
                    "LiveKit unreachable since {}: {last_error}",
                    since.format("%H:%M:%S UTC")
                )
            }
            PauseReason::Configuration { problem, fix } => write!(f, "{problem}: {fix}"),
            PauseReason::Shutdown => write!(f, "switchboard was closed while running"),
            PauseReason::Scheduled { at } => write!(f, "scheduled to start {}", local(at)),
            PauseReason::CallerIdsUnavailable {
                capped,
                resting,
                until,
            } => write!(
                f,
                "every caller id is at its daily cap ({capped}) or resting ({resting}), resumes {}",
                local(until)
            ),
            PauseReason::AgentNotJoining { agent } => write!(
                f,
                "agent not joining: is the agent worker `{agent}` running?"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CampaignStatus::*;
    use super::*;

    #[test]
    fn legal_campaign_transitions_follow_the_design() {
        assert_eq!(Draft.transition(Running), Ok(Running));
        assert_eq!(Running.transition(Paused), Ok(Paused));
        assert_eq!(Paused.transition(Running), Ok(Running));
        assert_eq!(Running.transition(Completed), Ok(Completed));
        assert_eq!(Paused.transition(Stopped), Ok(Stopped));
    }

    #[test]
    fn finished_campaigns_never_run_again() {
        for finished in [Completed, Stopped] {
            for next in CampaignStatus::ALL {
                assert!(finished.transition(*next).is_err(), "{finished} -> {next}");
            }
        }
        assert!(Draft.transition(Paused).is_err());
        assert!(Draft.transition(Completed).is_err());
        let err = Completed.transition(Running).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a campaign cannot go from completed to running"
        );
    }

    #[test]
    fn a_reasons_kind_is_its_serde_tag() {
        let t = Utc::now();
        let all = [
            PauseReason::Operator,
            PauseReason::OutsideWindow {
                until: None,
                timezone: "UTC".into(),
            },
            PauseReason::DailyCapReached { cap: 1, until: t },
            PauseReason::LiveKitUnreachable {
                since: t,
                last_error: "x".into(),
            },
            PauseReason::Configuration {
                problem: "p".into(),
                fix: "f".into(),
            },
            PauseReason::Shutdown,
            PauseReason::Scheduled { at: t },
            PauseReason::CallerIdsUnavailable {
                capped: 0,
                resting: 0,
                until: t,
            },
            PauseReason::AgentNotJoining { agent: "a".into() },
        ];
        let kinds: Vec<&str> = all.iter().map(PauseReason::kind).collect();
        assert_eq!(kinds, PauseReason::KINDS);
        for reason in &all {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json["kind"], reason.kind());
        }
    }

    #[test]
    fn a_pool_out_of_numbers_says_why_and_when_it_resumes() {
        let until = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 2, 4, 0, 0).unwrap();
        let reason = PauseReason::CallerIdsUnavailable {
            capped: 2,
            resting: 1,
            until,
        };
        assert!(reason.is_automatic());
        assert_eq!(
            reason.to_string(),
            "every caller id is at its daily cap (2) or resting (1), resumes 2026-06-02 04:00 UTC"
        );
    }

    #[test]
    fn status_names_round_trip() {
        for s in CampaignStatus::ALL {
            assert_eq!(s.as_str().parse::<CampaignStatus>(), Ok(*s));
        }
        assert!("runing"
            .parse::<CampaignStatus>()
            .unwrap_err()
            .contains("expected one of"));
    }
}
