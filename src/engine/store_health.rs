//! Whether the database takes writes. While it does not (locked by another program,
//! disk full), no call may start: the engine records every attempt before it dials and
//! its end after, and a call whose end cannot be written is a call nobody can account
//! for. Calls already up keep retrying their writes; the engine probes the store until a
//! write lands, then dialling goes on by itself.

use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

/// First wait between probes; doubles up to `PROBE_MAX`.
const PROBE_FIRST: Duration = Duration::from_millis(200);
const PROBE_MAX: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct StoreHealth {
    failing: Option<Failing>,
    /// Campaigns whose status change was not stored: written again once writes work.
    unsaved_statuses: std::collections::BTreeSet<crate::domain::CampaignId>,
}

#[derive(Debug)]
struct Failing {
    since: DateTime<Utc>,
    last_error: String,
    next_probe: Instant,
    probe_wait: Duration,
    probing: bool,
}

impl StoreHealth {
    pub fn healthy(&self) -> bool {
        self.failing.is_none()
    }

    /// A write failed for a reason that is not the write's own.
    pub fn failed(&mut self, now: DateTime<Utc>, now_i: Instant, error: &str) {
        match &mut self.failing {
            Some(failing) => failing.last_error = error.to_string(),
            None => {
                tracing::error!(%error, "the database cannot take writes; dialling is held until it can");
                self.failing = Some(Failing {
                    since: now,
                    last_error: error.to_string(),
                    next_probe: now_i + PROBE_FIRST,
                    probe_wait: PROBE_FIRST,
                    probing: false,
                });
            }
        }
    }

    /// A write landed: the store works again.
    pub fn recovered(&mut self) {
        if let Some(failing) = self.failing.take() {
            tracing::warn!(since = %failing.since, "the database takes writes again; dialling resumes");
        }
    }

    /// When the next probe write is due, if one is needed and none is running.
    pub fn probe_due(&self) -> Option<Instant> {
        self.failing
            .as_ref()
            .filter(|f| !f.probing)
            .map(|f| f.next_probe)
    }

    pub fn probe_started(&mut self) {
        if let Some(failing) = &mut self.failing {
            failing.probing = true;
        }
    }

    /// The probe write failed: try again later, less often.
    pub fn probe_failed(&mut self, now_i: Instant, error: &str) {
        if let Some(failing) = &mut self.failing {
            failing.probing = false;
            failing.last_error = error.to_string();
            failing.probe_wait = (failing.probe_wait * 2).min(PROBE_MAX);
            failing.next_probe = now_i + failing.probe_wait;
        }
    }

    /// A campaign's status change could not be stored.
    pub fn status_unsaved(&mut self, campaign: crate::domain::CampaignId) {
        self.unsaved_statuses.insert(campaign);
    }

    /// The campaigns whose status is to be written again, now that writes work.
    pub fn take_unsaved_statuses(&mut self) -> Vec<crate::domain::CampaignId> {
        std::mem::take(&mut self.unsaved_statuses)
            .into_iter()
            .collect()
    }

    /// What the console and `status` show while writes fail.
    pub fn summary(&self) -> Option<String> {
        self.failing.as_ref().map(|f| {
            format!(
                "database cannot write since {} ({}); no call starts until it can",
                f.since.format("%H:%M:%S UTC"),
                f.last_error
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_holds_until_recovered_and_probes_back_off() {
        let mut health = StoreHealth::default();
        let (now, t0) = (Utc::now(), Instant::now());
        assert!(health.healthy() && health.probe_due().is_none());
        health.failed(now, t0, "database is locked");
        assert!(!health.healthy());
        assert_eq!(health.probe_due(), Some(t0 + PROBE_FIRST));
        health.probe_started();
        assert_eq!(health.probe_due(), None, "one probe at a time");
        health.probe_failed(t0, "disk full");
        assert_eq!(health.probe_due(), Some(t0 + PROBE_FIRST * 2));
        assert!(health.summary().unwrap().contains("disk full"));
        health.recovered();
        assert!(health.healthy() && health.summary().is_none());
    }
}
