//! The simulated phone network: draws each call's outcome and timings from the configured
//! rates and distributions with a seeded generator, unless the number is scripted.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::config::{OutcomeRates, SandboxConfig, SecondsRange};
use super::lock::lock;
use super::outcome::{Outcome, ScriptedCall};

/// Simulated seconds to real time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeScale(pub f64);

impl TimeScale {
    pub fn real(self, simulated_secs: f64) -> Duration {
        Duration::from_secs_f64((simulated_secs * self.0).max(0.0))
    }
}

/// Everything decided about a call before it is dialled. Times are simulated seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPlan {
    pub outcome: Outcome,
    pub dial_delay: f64,
    /// Ringing before the outcome happens; unused for outcomes that never ring.
    pub ring: f64,
    /// Talk time once answered.
    pub talk: f64,
    /// What the agent will report for an answered call.
    pub disposition: Option<String>,
    /// The disposition came from `[sandbox] dispositions` (not a script, not voicemail),
    /// so an agent whose variant has its own weights may draw again from those.
    pub disposition_drawn: bool,
    pub note: Option<String>,
}

pub struct PhoneNetwork {
    rng: Mutex<SmallRng>,
    overrides: Mutex<HashMap<String, ScriptedCall>>,
    caller_id_overrides: HashMap<String, ScriptedCall>,
    rates: OutcomeRates,
    dial_delay: SecondsRange,
    ring: SecondsRange,
    talk: SecondsRange,
    voicemail_talk: SecondsRange,
    dispositions: BTreeMap<String, f64>,
}

impl PhoneNetwork {
    pub fn new(config: &SandboxConfig) -> Self {
        Self {
            rng: Mutex::new(SmallRng::seed_from_u64(config.seed)),
            overrides: Mutex::new(config.number_overrides.clone()),
            caller_id_overrides: config.caller_id_overrides.clone(),
            rates: config.outcomes.clone(),
            dial_delay: config.dial_delay,
            ring: config.ring,
            talk: config.talk,
            voicemail_talk: config.voicemail_talk,
            dispositions: config.dispositions.clone(),
        }
    }

    pub fn set_override(&self, number: &str, call: ScriptedCall) {
        lock(&self.overrides).insert(number.to_string(), call);
    }

    pub fn clear_override(&self, number: &str) {
        lock(&self.overrides).remove(number);
    }

    /// Decides how a call to `number` goes. Draws happen in a fixed order under one short
    /// lock, so a seed and the order of dials reproduce the same calls.
    /// A script for the callee's number wins, else one for the caller ID presented,
    /// else the outcome is drawn.
    pub fn plan(&self, number: &str, caller_id: &str) -> CallPlan {
        let scripted = lock(&self.overrides)
            .get(number)
            .or_else(|| self.caller_id_overrides.get(caller_id))
            .cloned();
        let mut rng = lock(&self.rng);
        let drawn_outcome = draw_outcome(&mut rng, &self.rates);
        let dial_delay = uniform(&mut rng, self.dial_delay);
        let ring = uniform(&mut rng, self.ring);
        let talk = uniform(&mut rng, self.talk);
        let voicemail_talk = uniform(&mut rng, self.voicemail_talk);
        let drawn_disposition = draw_weighted(&mut rng, &self.dispositions);
        drop(rng);

        let outcome = scripted.as_ref().map_or(drawn_outcome, |s| s.outcome);
        let ring = scripted
            .as_ref()
            .and_then(|s| s.ring_secs)
            .unwrap_or(match outcome {
                // A voicemail box picks up after a few rings; busy and unavailable come quickly.
                Outcome::Voicemail => {
                    ring.max(self.ring.min + (self.ring.max - self.ring.min) / 2.0)
                }
                Outcome::Busy | Outcome::Unavailable => ring.min(self.ring.min.max(2.0)),
                _ => ring,
            });
        let talk = scripted
            .as_ref()
            .and_then(|s| s.talk_secs)
            .unwrap_or(match outcome {
                Outcome::Voicemail => voicemail_talk,
                _ => talk,
            });
        let disposition = match (
            scripted.as_ref().and_then(|s| s.disposition.clone()),
            outcome,
        ) {
            (Some(scripted), _) => Some(scripted),
            (None, Outcome::Voicemail) => Some("voicemail".to_string()),
            (None, Outcome::Answer) => drawn_disposition,
            (None, _) => None,
        };
        let disposition_drawn =
            outcome == Outcome::Answer && scripted.as_ref().is_none_or(|s| s.disposition.is_none());
        let note = match scripted.as_ref().and_then(|s| s.note.clone()) {
            Some(note) => Some(note),
            None => disposition
                .as_deref()
                .and_then(default_note)
                .map(str::to_string),
        };
        CallPlan {
            outcome,
            dial_delay,
            ring,
            talk,
            disposition,
            disposition_drawn,
            note,
        }
    }

    /// A disposition drawn from a variant's own weights, with the network's seeded
    /// generator so runs stay reproducible; its default note with it.
    pub fn draw_disposition(
        &self,
        weights: &BTreeMap<String, f64>,
    ) -> Option<(String, Option<String>)> {
        let disposition = draw_weighted(&mut lock(&self.rng), weights)?;
        let note = default_note(&disposition).map(str::to_string);
        Some((disposition, note))
    }
}

/// What a simulated agent writes next to some dispositions.
fn default_note(disposition: &str) -> Option<&'static str> {
    match disposition {
        "callback" => Some("asked to be called back tomorrow afternoon"),
        "interested" => Some("wants the details by email"),
        "voicemail" => Some("left a short message"),
        _ => None,
    }
}

fn draw_outcome(rng: &mut SmallRng, rates: &OutcomeRates) -> Outcome {
    let weights = rates.weights();
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random::<f64>() * total;
    for (outcome, weight) in weights {
        if pick < weight {
            return outcome;
        }
        pick -= weight;
    }
    // Rounding can leave `pick` a hair above the last weight: take the last non-zero one.
    weights
        .iter()
        .rev()
        .find(|(_, w)| *w > 0.0)
        .map_or(Outcome::Answer, |(o, _)| *o)
}

fn draw_weighted(rng: &mut SmallRng, weights: &BTreeMap<String, f64>) -> Option<String> {
    let total: f64 = weights.values().sum();
    let mut pick = rng.random::<f64>() * total;
    if total <= 0.0 {
        return None;
    }
    for (name, weight) in weights {
        if pick < *weight {
            return Some(name.clone());
        }
        pick -= weight;
    }
    weights
        .iter()
        .rev()
        .find(|(_, w)| **w > 0.0)
        .map(|(name, _)| name.clone())
}

fn uniform(rng: &mut SmallRng, range: SecondsRange) -> f64 {
    if range.max <= range.min {
        range.min
    } else {
        rng.random_range(range.min..=range.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_calls() {
        let config = SandboxConfig::default();
        let a = PhoneNetwork::new(&config);
        let b = PhoneNetwork::new(&config);
        for _ in 0..50 {
            assert_eq!(a.plan("+15551234567", ""), b.plan("+15551234567", ""));
        }
    }

    #[test]
    fn rates_shape_the_mix_of_outcomes() {
        let config = SandboxConfig {
            outcomes: OutcomeRates {
                answer: 3.0,
                voicemail: 0.0,
                no_answer: 1.0,
                busy: 0.0,
                reject: 0.0,
                invalid_number: 0.0,
                unavailable: 0.0,
                trunk_failure: 0.0,
                dropped_mid_call: 0.0,
            },
            ..Default::default()
        };
        let network = PhoneNetwork::new(&config);
        let answered = (0..4000)
            .filter(|_| network.plan("+15551234567", "").outcome == Outcome::Answer)
            .count();
        assert!(
            (2700..3300).contains(&answered),
            "answered {answered} of 4000"
        );
    }

    #[test]
    fn scripted_numbers_win_and_durations_stay_in_range() {
        let network = PhoneNetwork::new(&SandboxConfig::default());
        network.set_override(
            "+15550000486",
            ScriptedCall::new(Outcome::Busy).ring_secs(1.5),
        );
        let plan = network.plan("+15550000486", "");
        assert_eq!(plan.outcome, Outcome::Busy);
        assert_eq!(plan.ring, 1.5);
        assert_eq!(plan.disposition, None);
        for _ in 0..200 {
            let plan = network.plan("+15551234567", "");
            assert!((0.5..=2.0).contains(&plan.dial_delay));
            if plan.outcome == Outcome::Answer {
                assert!((20.0..=180.0).contains(&plan.talk));
                assert!(plan.disposition.is_some());
            }
            if plan.outcome == Outcome::Voicemail {
                assert_eq!(plan.disposition.as_deref(), Some("voicemail"));
                assert!((8.0..=25.0).contains(&plan.talk));
            }
        }
        network.clear_override("+15550000486");
    }

    #[test]
    fn a_scripted_caller_id_decides_its_calls_unless_the_number_is_scripted() {
        let mut config = SandboxConfig::default();
        config
            .caller_id_overrides
            .insert("+12125550100".into(), ScriptedCall::new(Outcome::NoAnswer));
        let network = PhoneNetwork::new(&config);
        for _ in 0..20 {
            assert_eq!(
                network.plan("+15551234567", "+12125550100").outcome,
                Outcome::NoAnswer
            );
        }
        network.set_override("+15550000486", ScriptedCall::new(Outcome::Busy));
        assert_eq!(
            network.plan("+15550000486", "+12125550100").outcome,
            Outcome::Busy
        );
        let others = (0..50)
            .filter(|_| network.plan("+15551234567", "+13125550100").outcome != Outcome::NoAnswer)
            .count();
        assert!(others > 0, "other caller ids draw as usual");
    }

    #[test]
    fn time_scale_shrinks_waits() {
        assert_eq!(TimeScale(0.001).real(30.0), Duration::from_millis(30));
        assert_eq!(TimeScale(1.0).real(-1.0), Duration::ZERO);
    }
}
