//! Gauges read at scrape time from the engine's latest `Snapshot` (and the caller IDs'
//! health), never kept in step by hand: what `/metrics` says is what the console
//! draws from the same snapshot.

use super::caller_ids::CallerIdRate;
use crate::domain::{AttemptState, CampaignStatus, LeadState, PauseReason};
use crate::engine::Snapshot;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeLabelSet};
use prometheus_client::metrics::MetricType;
use std::sync::Arc;

/// The states a call in flight is shown in; a state-set style gauge has each of them,
/// zero or not, so a dashboard's series never vanish.
const IN_FLIGHT_STATES: &[AttemptState] = &[
    AttemptState::Dialing,
    AttemptState::Ringing,
    AttemptState::Answered,
];

/// What one scrape reports: the latest snapshot and each caller ID's health.
#[derive(Debug)]
pub struct SnapshotCollector {
    pub snapshot: Arc<Snapshot>,
    pub caller_ids: Vec<CallerIdRate>,
}

type Fmt = Result<(), std::fmt::Error>;

/// One gauge family: its descriptor, then a sample per label set.
fn gauges<L: EncodeLabelSet, V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, V)>,
) -> Fmt {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        family.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

/// `campaign="ID"`.
type CampaignLabel = [(&'static str, i64); 1];

fn campaign(id: i64) -> CampaignLabel {
    [("campaign", id)]
}

/// `campaign="ID"` and one more label.
fn campaign_and<V>(
    id: i64,
    key: &'static str,
    value: V,
) -> (CampaignLabel, [(&'static str, V); 1]) {
    ([("campaign", id)], [(key, value)])
}

impl Collector for SnapshotCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Fmt {
        let campaigns = &self.snapshot.campaigns;
        gauges(
            &mut encoder,
            "switchboard_campaign_info",
            "Each campaign the engine knows, with its name (value 1)",
            campaigns
                .iter()
                .map(|c| (([("campaign", c.id.0)], [("name", c.name.as_str())]), 1u32)),
        )?;
        gauges(
            &mut encoder,
            "switchboard_campaign_status",
            "Campaign status as a state set: 1 for the status it is in, 0 for the others",
            campaigns.iter().flat_map(|c| {
                CampaignStatus::ALL.iter().map(move |s| {
                    (
                        campaign_and(c.id.0, "status", s.as_str()),
                        u32::from(c.status == *s),
                    )
                })
            }),
        )?;
        gauges(
            &mut encoder,
            "switchboard_campaign_pause_reason",
            "Why a paused campaign is paused, as a state set (0 for every reason when not paused); \
             automatic=\"true\" when the engine lifts it by itself (PauseReason::is_automatic)",
            campaigns.iter().flat_map(|c| {
                let current = c
                    .pause_reason
                    .as_ref()
                    .filter(|_| c.status == CampaignStatus::Paused);
                PauseReason::KINDS.iter().map(move |kind| {
                    let on = current.is_some_and(|r| r.kind() == *kind);
                    let labels = (
                        campaign_and(c.id.0, "reason", *kind),
                        [("automatic", automatic(kind))],
                    );
                    (labels, u32::from(on))
                })
            }),
        )?;
        gauges(
            &mut encoder,
            "switchboard_calls_in_flight",
            "Calls in flight now, by state",
            campaigns.iter().flat_map(|c| {
                IN_FLIGHT_STATES.iter().map(move |state| {
                    let n = c.slots.iter().filter(|s| s.state == *state).count();
                    (campaign_and(c.id.0, "state", state.as_str()), n as u64)
                })
            }),
        )?;
        gauges(
            &mut encoder,
            "switchboard_calls_in_flight_limit",
            "The campaign's max_concurrent: calls in flight never exceed it",
            campaigns
                .iter()
                .map(|c| (campaign(c.id.0), u64::from(c.max_concurrent))),
        )?;
        gauges(
            &mut encoder,
            "switchboard_dials_last_minute",
            "Dials started in the last sliding minute: the console's calls/min (DialRate)",
            campaigns
                .iter()
                .map(|c| (campaign(c.id.0), c.calls_per_minute())),
        )?;
        gauges(
            &mut encoder,
            "switchboard_retries_waiting",
            "Leads waiting for a retry to fall due",
            campaigns
                .iter()
                .map(|c| (campaign(c.id.0), c.leads.retry_wait)),
        )?;
        gauges(
            &mut encoder,
            "switchboard_leads",
            "Leads by state (LeadCounts)",
            campaigns.iter().flat_map(|c| {
                LeadState::ALL.iter().map(move |state| {
                    (
                        campaign_and(c.id.0, "state", state.as_str()),
                        c.leads.of(*state),
                    )
                })
            }),
        )?;
        gauges(
            &mut encoder,
            "switchboard_campaign_answer_ratio",
            "The campaign's answer rate over its ended calls, as the console shows it (AnswerRate); absent before the first decided call",
            campaigns
                .iter()
                .filter_map(|c| Some((campaign(c.id.0), c.answer_rate()?))),
        )?;
        // The caller ID is a configured number of a campaign's pool: bounded by the
        // pools, never a callee's number.
        gauges(
            &mut encoder,
            "switchboard_caller_id_answer_ratio",
            "A caller ID's answer rate over its last calls (at most 50), as status and the console show it (number_health::Health); absent before its first call",
            self.caller_ids.iter().filter_map(|c| {
                Some(([("caller_id", c.number.as_str())], c.health.rate()?))
            }),
        )?;
        gauges(
            &mut encoder,
            "switchboard_caller_id_window_calls",
            "The calls a caller ID's answer rate is taken over (a number is judged from 10)",
            self.caller_ids
                .iter()
                .map(|c| ([("caller_id", c.number.as_str())], c.health.calls as u64)),
        )?;
        Ok(())
    }
}

fn automatic(kind: &str) -> &'static str {
    if PauseReason::is_automatic_kind(kind) {
        "true"
    } else {
        "false"
    }
}
