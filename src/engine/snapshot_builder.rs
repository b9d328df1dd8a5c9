//! Builds the published `Snapshot` from the engine's own state; no store access, so a
//! snapshot costs microseconds however large the campaigns are.

use super::campaign_run::CampaignRun;
use super::slots::Slots;
use super::{CampaignView, QueuedLead, Snapshot};
use crate::domain::figures::eta;
use chrono::{DateTime, Utc};

/// How many upcoming leads each campaign view lists.
const NEXT_UP: usize = 10;

pub fn build<'a>(
    now: DateTime<Utc>,
    runs: impl Iterator<Item = &'a CampaignRun>,
    slots: &Slots,
    notice: Option<String>,
) -> Snapshot {
    let campaigns = runs.map(|run| view(now, run, slots)).collect();
    Snapshot {
        at: Some(now),
        campaigns,
        notice,
    }
}

fn view(now: DateTime<Utc>, run: &CampaignRun, slots: &Slots) -> CampaignView {
    let record = &run.record;
    let settings = &run.settings;
    let mut active: Vec<_> = slots
        .of_campaign(record.id)
        .filter_map(|s| s.view())
        .collect();
    active.sort_by_key(|s| s.attempt);
    let next_up = run
        .queue
        .leads
        .iter()
        .take(NEXT_UP)
        .map(|lead| QueuedLead {
            lead: lead.id,
            name: lead.name.clone(),
            phone: lead.phone.clone(),
            priority: lead.priority,
            next_attempt: lead.attempts + 1,
            due_at: lead.next_attempt_at,
        })
        .collect();
    CampaignView {
        id: record.id,
        name: settings.name.clone(),
        status: record.status,
        pause_reason: record.pause_reason.clone(),
        agent_name: settings.agent_name.clone(),
        trunk_id: settings.trunk_id.clone(),
        max_concurrent: settings.max_concurrent,
        leads: run.counts,
        outcomes: run.stats.outcomes.clone(),
        attempts_today: run.cap.count(),
        daily_cap: settings.daily_cap,
        slots: active,
        next_up,
        avg_ring_ms: run.stats.durations.mean_ring_ms(),
        avg_talk_ms: run.stats.durations.mean_talk_ms(),
        agent_join_p50_ms: crate::domain::nearest_rank(&run.stats.agent_joins_ms, 50),
        agent_join_p95_ms: crate::domain::nearest_rank(&run.stats.agent_joins_ms, 95),
        dials_per_minute: run.dial_rate.per_minute(now),
        eta_ms: eta(
            record.status,
            run.counts.remaining(),
            &run.dial_rate,
            run.running_since,
            u64::from(settings.max_concurrent),
            now,
        )
        .map(|d| d.num_milliseconds().max(0) as u64),
        ring_timeout_ms: settings.ringing_timeout().as_millis() as u64,
        next_retry_at: run.queue.next_retry_at,
        started_at: record.started_at,
        completed_at: record.completed_at,
    }
}
