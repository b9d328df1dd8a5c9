//! The registry of one engine host, and the text a scrape gets.

use super::caller_ids::CallerIdRate;
use super::calls::CallMetrics;
use super::edges::EdgeMetrics;
use super::snapshot::SnapshotCollector;
use crate::engine::Snapshot;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// The `Content-Type` of `/metrics`: Prometheus' text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Every metric of one engine: the counters and histograms observed as things happen,
/// in an explicit registry (no global), and the gauges collected from each scrape's
/// snapshot.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub calls: CallMetrics,
    pub edges: EdgeMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        registry.register(
            "switchboard_build",
            "The running switchboard's version",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        let calls = CallMetrics::register(&mut registry);
        let edges = EdgeMetrics::register(&mut registry);
        Metrics {
            registry,
            calls,
            edges,
        }
    }

    /// The whole exposition: the registry's families, then the gauges of `snapshot`
    /// and `caller_ids`.
    pub fn render(&self, snapshot: Arc<Snapshot>, caller_ids: Vec<CallerIdRate>) -> String {
        let mut text = String::with_capacity(64 * 1024);
        let mut scrape = Registry::default();
        scrape.register_collector(Box::new(SnapshotCollector {
            snapshot,
            caller_ids,
        }));
        // Writing into a String cannot fail; an encoder error would be a bug in a
        // label, and a partial page is still better than none for the scraper.
        if let Err(err) = prometheus_text::encode(&mut text, &self.registry)
            .and_then(|()| prometheus_text::encode(&mut text, &scrape))
        {
            tracing::warn!(%err, "encoding /metrics");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::CallTimes;
    use crate::domain::{CampaignId, CampaignStatus, Outcome, PauseReason};
    use crate::engine::CampaignView;

    fn campaign(id: i64, status: CampaignStatus, reason: Option<PauseReason>) -> CampaignView {
        CampaignView {
            id: CampaignId(id),
            name: format!("Campaign \"{id}\"\n"),
            status,
            pause_reason: reason,
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            max_concurrent: 5,
            leads: Default::default(),
            outcomes: [(Outcome::Completed, 3), (Outcome::NoAnswer, 1)].into(),
            attempts_today: 0,
            daily_cap: None,
            slots: Vec::new(),
            next_up: Vec::new(),
            avg_ring_ms: None,
            avg_talk_ms: None,
            agent_join_p50_ms: None,
            agent_join_p95_ms: None,
            dials_per_minute: vec![0, 4],
            eta_ms: None,
            ring_timeout_ms: 30_000,
            next_retry_at: None,
            started_at: None,
            completed_at: None,
        }
    }

    #[test]
    fn the_page_is_valid_exposition_with_every_family() {
        let metrics = Metrics::new();
        let t = chrono::Utc::now();
        let times = CallTimes {
            dialed_at: Some(t),
            answered_at: Some(t + chrono::Duration::seconds(4)),
            ended_at: Some(t + chrono::Duration::seconds(64)),
        };
        let timeout = chrono::Duration::seconds(30);
        metrics.calls.call_ended(
            CampaignId(1),
            Outcome::Completed,
            &times,
            timeout,
            Some(1500),
        );
        metrics.calls.call_ended(
            CampaignId(1),
            Outcome::NotPlaced,
            &CallTimes::default(),
            timeout,
            None,
        );
        (metrics.edges.livekit_observer())("ListRooms", "ok", std::time::Duration::from_millis(3));
        (metrics.edges.webhook_observer())(false, 401);
        (metrics.edges.store_observer())(std::time::Duration::from_micros(700), true);
        let paused = PauseReason::LiveKitUnreachable {
            since: t,
            last_error: "x".into(),
        };
        let snapshot = Snapshot {
            campaigns: vec![
                campaign(1, CampaignStatus::Running, None),
                campaign(2, CampaignStatus::Paused, Some(paused)),
            ],
            ..Default::default()
        };
        let rates = vec![CallerIdRate {
            number: "+12125550100".into(),
            health: crate::domain::number_health::Health {
                calls: 4,
                answered: 1,
            },
        }];
        let text = metrics.render(Arc::new(snapshot), rates);
        let page = super::super::exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let c1 = [("campaign", "1")];
        assert_eq!(page.sum("switchboard_calls_ended_total", &c1), 2.0);
        assert_eq!(page.sum("switchboard_calls_placed_total", &c1), 1.0);
        assert_eq!(page.sum("switchboard_calls_answered_total", &c1), 1.0);
        assert_eq!(page.sum("switchboard_call_ring_seconds_sum", &c1), 4.0);
        assert_eq!(page.sum("switchboard_call_talk_seconds_sum", &c1), 60.0);
        assert_eq!(page.sum("switchboard_agent_join_seconds_count", &c1), 1.0);
        assert_eq!(page.sum("switchboard_campaign_answer_ratio", &c1), 0.75);
        assert_eq!(page.sum("switchboard_dials_last_minute", &c1), 4.0);
        assert_eq!(
            page.sum(
                "switchboard_campaign_status",
                &[("campaign", "2"), ("status", "paused")]
            ),
            1.0
        );
        assert_eq!(
            page.sum("switchboard_campaign_status", &[("campaign", "2")]),
            1.0
        );
        let reason = [
            ("campaign", "2"),
            ("reason", "live_kit_unreachable"),
            ("automatic", "true"),
        ];
        assert_eq!(page.sum("switchboard_campaign_pause_reason", &reason), 1.0);
        assert_eq!(page.sum("switchboard_campaign_pause_reason", &c1), 0.0);
        assert_eq!(
            page.sum(
                "switchboard_caller_id_answer_ratio",
                &[("caller_id", "+12125550100")]
            ),
            0.25
        );
        assert_eq!(
            page.sum(
                "switchboard_webhook_deliveries_total",
                &[("result", "refused")]
            ),
            1.0
        );
        assert_eq!(
            page.sum("switchboard_store_write_duration_seconds_count", &[]),
            1.0
        );
        assert_eq!(
            page.sum(
                "switchboard_livekit_requests_total",
                &[("method", "ListRooms")]
            ),
            1.0
        );
    }
}
