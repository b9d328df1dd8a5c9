//! Calls that ended, counted and timed once, where the engine learns of the end.

use crate::domain::figures::{AnswerRate, CallDurations, CallTimes};
use crate::domain::{CampaignId, Outcome};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The campaign's id: bounded by the campaigns there are.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CampaignLabel {
    pub campaign: i64,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub campaign: i64,
    pub outcome: &'static str,
}

pub type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Ring time: LiveKit gives up at the campaign's ring timeout (30 s by default).
const RING_BUCKETS: &[f64] = &[1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0];
const TALK_BUCKETS: &[f64] = &[
    5.0, 10.0, 15.0, 30.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 1200.0,
];
/// Answer to agent join; 2 s is the alert's line (`assets/prometheus-alerts.yml`).
const AGENT_JOIN_BUCKETS: &[f64] = &[0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0];

fn ring_histogram() -> Histogram {
    Histogram::new(RING_BUCKETS.iter().copied())
}

fn talk_histogram() -> Histogram {
    Histogram::new(TALK_BUCKETS.iter().copied())
}

fn agent_join_histogram() -> Histogram {
    Histogram::new(AGENT_JOIN_BUCKETS.iter().copied())
}

/// Ended calls by campaign. Cheap to clone: every clone counts into the same series.
#[derive(Debug, Clone)]
pub struct CallMetrics {
    placed: Family<CampaignLabel, Counter>,
    answered: Family<CampaignLabel, Counter>,
    decided: Family<CampaignLabel, Counter>,
    ended: Family<OutcomeLabels, Counter>,
    ring: Histograms<CampaignLabel>,
    talk: Histograms<CampaignLabel>,
    agent_join: Histograms<CampaignLabel>,
}

impl CallMetrics {
    pub(super) fn register(registry: &mut Registry) -> CallMetrics {
        let metrics = CallMetrics {
            placed: Family::default(),
            answered: Family::default(),
            decided: Family::default(),
            ended: Family::default(),
            ring: Family::new_with_constructor(ring_histogram),
            talk: Family::new_with_constructor(talk_histogram),
            agent_join: Family::new_with_constructor(agent_join_histogram),
        };
        registry.register(
            "switchboard_calls_placed",
            "Calls LiveKit placed (every outcome but not_placed), counted when they end",
            metrics.placed.clone(),
        );
        registry.register(
            "switchboard_calls_answered",
            "Ended calls a person picked up, as the answer rate counts them (AnswerRate::counts_answered)",
            metrics.answered.clone(),
        );
        registry.register(
            "switchboard_calls_decided",
            "Ended calls the answer rate counts at all (AnswerRate::decides): answered / decided is the console's answer rate",
            metrics.decided.clone(),
        );
        registry.register(
            "switchboard_calls_ended",
            "Ended calls by outcome",
            metrics.ended.clone(),
        );
        registry.register(
            "switchboard_call_ring_seconds",
            "Ring time of ended calls: dial to answer or end, capped at the ring timeout (CallDurations)",
            metrics.ring.clone(),
        );
        registry.register(
            "switchboard_call_talk_seconds",
            "Talk time of answered calls: answer to the callee leaving (CallDurations)",
            metrics.talk.clone(),
        );
        registry.register(
            "switchboard_agent_join_seconds",
            "Answer to the agent joining the room, of calls an agent joined",
            metrics.agent_join.clone(),
        );
        metrics
    }

    /// One attempt ended with `outcome`. Ring and talk time are counted exactly as the
    /// console's means count them (`CallDurations::add` on this one call).
    pub fn call_ended(
        &self,
        campaign: CampaignId,
        outcome: Outcome,
        times: &CallTimes,
        ring_timeout: chrono::Duration,
        agent_join_ms: Option<u64>,
    ) {
        let label = CampaignLabel {
            campaign: campaign.0,
        };
        self.ended
            .get_or_create(&OutcomeLabels {
                campaign: campaign.0,
                outcome: outcome.as_str(),
            })
            .inc();
        if outcome.was_placed() {
            self.placed.get_or_create(&label).inc();
        }
        if AnswerRate::decides(outcome) {
            self.decided.get_or_create(&label).inc();
        }
        if AnswerRate::counts_answered(outcome) {
            self.answered.get_or_create(&label).inc();
        }
        let mut one = CallDurations::default();
        one.add(outcome, times, ring_timeout);
        if one.rings == 1 {
            self.ring
                .get_or_create(&label)
                .observe(one.ring_ms as f64 / 1000.0);
        }
        if one.talks == 1 {
            self.talk
                .get_or_create(&label)
                .observe(one.talk_ms as f64 / 1000.0);
        }
        if let Some(ms) = agent_join_ms {
            self.agent_join
                .get_or_create(&label)
                .observe(ms as f64 / 1000.0);
        }
    }
}
