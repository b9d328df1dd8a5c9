//! Where the engine meets the outside: requests to LiveKit, webhooks from it, and
//! commits to SQLite. Each is observed in one place by a hook its module offers
//! (`LiveKitTelephony::observe_requests`, `WebhookReceiver::observe`,
//! `Store::observe_writes`), so `telephony` and `store` know nothing of Prometheus.

use super::calls::Histograms;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

/// A LiveKit method (`CreateSIPParticipant`, `ListRooms`, ...): a fixed set.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabel {
    pub method: &'static str,
}

/// `result` is `ok`, a Twirp error code, `timeout`, `unreachable` or `bad_answer`
/// (`telephony::livekit::request_result`): a fixed set.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: &'static str,
    pub result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `accepted` or `refused`.
    pub result: &'static str,
    /// The HTTP status answered (a fixed set: 200, 400, 401, 408, 409, 413, ...).
    pub code: u16,
}

/// A dial waits until the callee answers, so its latency runs up to the ring timeout.
const REQUEST_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
const COMMIT_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

fn request_histogram() -> Histogram {
    Histogram::new(REQUEST_BUCKETS.iter().copied())
}

#[derive(Debug, Clone)]
pub struct EdgeMetrics {
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<MethodLabel>,
    webhooks: Family<DeliveryLabels, Counter>,
    commit_seconds: Histogram,
    commit_failures: Counter,
}

impl EdgeMetrics {
    pub(super) fn register(registry: &mut Registry) -> EdgeMetrics {
        let edges = EdgeMetrics {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(request_histogram),
            webhooks: Family::default(),
            commit_seconds: Histogram::new(COMMIT_BUCKETS.iter().copied()),
            commit_failures: Counter::default(),
        };
        registry.register(
            "switchboard_livekit_requests",
            "Requests to LiveKit's server API by method and result (ok, a Twirp error code, timeout, unreachable, bad_answer)",
            edges.requests.clone(),
        );
        registry.register(
            "switchboard_livekit_request_duration_seconds",
            "How long LiveKit took to answer, by method (a dial waits for the answer)",
            edges.request_seconds.clone(),
        );
        registry.register(
            "switchboard_webhook_deliveries",
            "LiveKit webhook deliveries accepted or refused (unsigned, forged, replayed, ...), by HTTP status",
            edges.webhooks.clone(),
        );
        registry.register(
            "switchboard_store_write_duration_seconds",
            "One group commit of the store's writer thread: BEGIN to COMMIT of the waiting writes",
            edges.commit_seconds.clone(),
        );
        registry.register(
            "switchboard_store_write_failures",
            "Group commits that failed (database locked by another program, disk full)",
            edges.commit_failures.clone(),
        );
        edges
    }

    /// For `LiveKitTelephony::observe_requests`.
    pub fn livekit_observer(&self) -> crate::telephony::RequestObserver {
        let edges = self.clone();
        Arc::new(move |method, result, took: Duration| {
            edges
                .requests
                .get_or_create(&RequestLabels { method, result })
                .inc();
            edges
                .request_seconds
                .get_or_create(&MethodLabel { method })
                .observe(took.as_secs_f64());
        })
    }

    /// For `WebhookReceiver::observe`.
    pub fn webhook_observer(&self) -> crate::telephony::WebhookObserver {
        let webhooks = self.webhooks.clone();
        Arc::new(move |accepted, code| {
            let result = if accepted { "accepted" } else { "refused" };
            webhooks
                .get_or_create(&DeliveryLabels { result, code })
                .inc();
        })
    }

    /// For `Store::observe_writes`.
    pub fn store_observer(&self) -> crate::store::WriteObserver {
        let (seconds, failures) = (self.commit_seconds.clone(), self.commit_failures.clone());
        Arc::new(move |took: Duration, committed| {
            seconds.observe(took.as_secs_f64());
            if !committed {
                failures.inc();
            }
        })
    }
}
