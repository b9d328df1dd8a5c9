//! How the sandbox's agent behaves: when it joins (promptly, late or never) and which
//! dispositions it gives per A/B variant. Real agent workers are sometimes slow to take a
//! job or not running at all; the sandbox plays that so the agent-join watchdog can be
//! tested and demonstrated.
//!
//! ```toml
//! [sandbox.agent]
//! join_delay_secs = 0.3   # from dispatch until a prompt agent is in the room
//! absent_every = 30       # every 30th dispatch gets no agent at all
//! late_every = 0          # every Nth dispatch gets an agent that joins after the answer
//! late_by_secs = 8.0      # how long after the answer a late agent joins
//! dispatch_rule_agent = "sales-agent"   # a LiveKit dispatch rule sends it to every dialled room
//!
//! [sandbox.agent.dispositions_by_variant.B]   # the variant's name, or its agent's name
//! interested = 0.5
//! not_interested = 0.5
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::lock::lock;

/// The dispatch metadata key (a JSON object's field) naming the call's A/B variant.
pub const VARIANT_METADATA_KEY: &str = "variant";

/// What the sandbox's agent does; every field has a default, so `[sandbox.agent]` may be
/// empty or missing.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentBehaviour {
    /// Simulated seconds from dispatch until a prompt agent joins the room.
    pub join_delay_secs: f64,
    /// Every Nth dispatch gets no agent (0: never). 30 plays "one call in 30".
    pub absent_every: u32,
    /// Every Nth dispatch gets an agent that joins `late_by_secs` after the answer (0: never).
    pub late_every: u32,
    /// Simulated seconds after the answer that a late agent joins.
    pub late_by_secs: f64,
    /// Disposition weights by variant name (from the dispatch metadata's `variant`) or by
    /// agent name; calls of other variants use `[sandbox] dispositions`.
    pub dispositions_by_variant: BTreeMap<String, BTreeMap<String, f64>>,
    /// The agent a LiveKit dispatch rule sends into every room a SIP call is dialled into
    /// (for campaigns with `--dispatch rules`); none: no rule, only explicit dispatches.
    pub dispatch_rule_agent: Option<String>,
}

impl Default for AgentBehaviour {
    fn default() -> Self {
        Self {
            join_delay_secs: 0.3,
            absent_every: 0,
            late_every: 0,
            late_by_secs: 8.0,
            dispositions_by_variant: BTreeMap::new(),
            dispatch_rule_agent: None,
        }
    }
}

impl AgentBehaviour {
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("agent.join_delay_secs", self.join_delay_secs),
            ("agent.late_by_secs", self.late_by_secs),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(format!("{name} must be zero or more seconds (got {value})"));
            }
        }
        for (variant, weights) in &self.dispositions_by_variant {
            if weights.values().any(|w| !(w.is_finite() && *w >= 0.0)) {
                return Err(format!(
                    "agent.dispositions_by_variant.{variant}: weights must be zero or positive"
                ));
            }
        }
        if self
            .dispatch_rule_agent
            .as_deref()
            .is_some_and(|name| name.trim().is_empty())
        {
            return Err("agent.dispatch_rule_agent must name an agent (or be left out)".into());
        }
        Ok(())
    }

    /// The disposition weights for a call of `variant` handled by `agent_name`, if the
    /// config gives that variant (or agent) its own.
    pub fn dispositions_for(
        &self,
        variant: Option<&str>,
        agent_name: &str,
    ) -> Option<&BTreeMap<String, f64>> {
        variant
            .and_then(|v| self.dispositions_by_variant.get(v))
            .or_else(|| self.dispositions_by_variant.get(agent_name))
    }
}

/// When one dispatched agent arrives in its room.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentArrival {
    /// `join_delay_secs` after the dispatch, normally before the callee answers.
    Prompt,
    /// This many simulated seconds after the callee answers.
    AfterAnswer { secs: f64 },
    /// Never: the dispatch stays without a job, as when no worker of that name runs.
    Absent,
}

/// Decides each dispatch's arrival: the forced one if a test set it, else by counting
/// dispatches against `absent_every` and `late_every`, so a run is reproducible.
pub struct Arrivals {
    dispatches: AtomicU64,
    forced: Mutex<Option<AgentArrival>>,
}

impl Arrivals {
    pub fn new() -> Self {
        Self {
            dispatches: AtomicU64::new(0),
            forced: Mutex::new(None),
        }
    }

    /// Every later dispatch arrives this way; `None` goes back to the configured counts.
    pub fn force(&self, arrival: Option<AgentArrival>) {
        *lock(&self.forced) = arrival;
    }

    pub fn next(&self, behaviour: &AgentBehaviour) -> AgentArrival {
        let n = self.dispatches.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(forced) = *lock(&self.forced) {
            return forced;
        }
        let every = |k: u32| k > 0 && n.is_multiple_of(u64::from(k));
        if every(behaviour.absent_every) {
            AgentArrival::Absent
        } else if every(behaviour.late_every) {
            AgentArrival::AfterAnswer {
                secs: behaviour.late_by_secs,
            }
        } else {
            AgentArrival::Prompt
        }
    }
}

/// The variant named in a dispatch's metadata, when the metadata is a JSON object with a
/// string `variant`.
pub fn variant_of(metadata: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(metadata).ok()?;
    value
        .get(VARIANT_METADATA_KEY)?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dispatch_in_thirty_has_no_agent() {
        let behaviour = AgentBehaviour {
            absent_every: 30,
            ..Default::default()
        };
        let arrivals = Arrivals::new();
        let absent: Vec<u64> = (1..=90)
            .filter(|_| arrivals.next(&behaviour) == AgentArrival::Absent)
            .collect();
        assert_eq!(absent.len(), 3);
    }

    #[test]
    fn late_every_makes_every_nth_agent_late_and_absence_wins() {
        let behaviour = AgentBehaviour {
            absent_every: 4,
            late_every: 2,
            late_by_secs: 6.0,
            ..Default::default()
        };
        let arrivals = Arrivals::new();
        let seen: Vec<AgentArrival> = (0..4).map(|_| arrivals.next(&behaviour)).collect();
        let late = AgentArrival::AfterAnswer { secs: 6.0 };
        assert_eq!(
            seen,
            vec![
                AgentArrival::Prompt,
                late,
                AgentArrival::Prompt,
                AgentArrival::Absent
            ]
        );
    }

    #[test]
    fn a_forced_arrival_overrides_the_counts_until_cleared() {
        let behaviour = AgentBehaviour::default();
        let arrivals = Arrivals::new();
        arrivals.force(Some(AgentArrival::Absent));
        assert_eq!(arrivals.next(&behaviour), AgentArrival::Absent);
        arrivals.force(None);
        assert_eq!(arrivals.next(&behaviour), AgentArrival::Prompt);
    }

    #[test]
    fn variant_dispositions_are_found_by_variant_then_by_agent() {
        let behaviour: AgentBehaviour = toml::from_str(
            r#"
            [dispositions_by_variant.B]
            interested = 1.0
            [dispositions_by_variant.closer-agent]
            callback = 1.0
            "#,
        )
        .unwrap();
        let b = behaviour.dispositions_for(Some("B"), "any").unwrap();
        assert!(b.contains_key("interested"));
        let by_agent = behaviour
            .dispositions_for(Some("A"), "closer-agent")
            .unwrap();
        assert!(by_agent.contains_key("callback"));
        assert!(behaviour.dispositions_for(None, "other").is_none());
    }

    #[test]
    fn the_variant_is_read_from_json_metadata_only() {
        assert_eq!(variant_of(r#"{"variant":"B","x":1}"#).as_deref(), Some("B"));
        assert_eq!(variant_of("plain prompt text"), None);
        assert_eq!(variant_of(r#"{"variant":3}"#), None);
    }

    #[test]
    fn validation_names_the_bad_field() {
        let behaviour = AgentBehaviour {
            late_by_secs: -1.0,
            ..Default::default()
        };
        assert!(behaviour
            .validate()
            .unwrap_err()
            .contains("agent.late_by_secs"));
        let behaviour: AgentBehaviour =
            toml::from_str("[dispositions_by_variant.B]\ninterested = -2.0").unwrap();
        assert!(behaviour.validate().unwrap_err().contains("B"));
    }
}
