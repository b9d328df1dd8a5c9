//! A distribution as counts in bins with fixed edges, chosen before the first value
//! (so a million values cost a few counters): ring time in even steps up to the ring
//! timeout, talk time in steps that widen as calls get longer, agent joins in half
//! seconds up to the join timeout. The last bin is open-ended. The campaign report and
//! the console's charts draw the same bins.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Histogram {
    /// Each bin's lower edge in milliseconds, ascending, the first 0: bin `i` holds
    /// values in `[edges_ms[i], edges_ms[i + 1])`, the last every value from its edge up.
    pub edges_ms: Vec<u64>,
    pub counts: Vec<u64>,
    pub total: u64,
}

impl Histogram {
    fn with_edges(mut edges_ms: Vec<u64>) -> Self {
        edges_ms.sort_unstable();
        edges_ms.dedup();
        if edges_ms.first() != Some(&0) {
            edges_ms.insert(0, 0);
        }
        let counts = vec![0; edges_ms.len()];
        Histogram {
            edges_ms,
            counts,
            total: 0,
        }
    }

    /// Even steps of about a fifteenth of the ring timeout; the last bin, from the
    /// timeout up, holds the calls that rang until LiveKit gave up (ring times are
    /// capped at the timeout).
    pub fn for_ring(timeout_secs: u32) -> Self {
        let timeout_ms = u64::from(timeout_secs.max(1)) * 1000;
        let step = nice_step(timeout_ms / 15);
        let mut edges: Vec<u64> = (0..timeout_ms).step_by(step as usize).collect();
        edges.push(timeout_ms);
        Self::with_edges(edges)
    }

    /// Steps that widen with the length of the call, up to the campaign's longest call.
    pub fn for_talk(max_call_secs: u32) -> Self {
        const SECS: [u64; 17] = [
            0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 600, 900, 1200, 1800,
        ];
        let max_ms = u64::from(max_call_secs.max(1)) * 1000;
        let mut edges: Vec<u64> = SECS
            .iter()
            .map(|s| s * 1000)
            .filter(|ms| *ms < max_ms)
            .collect();
        let last = *edges.last().unwrap_or(&0);
        // Longer calls than the table's last step: hours, in steps of the last one.
        edges.extend(
            (1..)
                .map(|k| last + k * 1_800_000)
                .take_while(|ms| *ms < max_ms),
        );
        Self::with_edges(edges)
    }

    /// Half seconds up to the join timeout; later joins in the last bin.
    pub fn for_agent_join(timeout_secs: u32) -> Self {
        let timeout_ms = u64::from(timeout_secs.max(1)) * 1000;
        let step = nice_step(timeout_ms / 12).max(500);
        let mut edges: Vec<u64> = (0..timeout_ms).step_by(step as usize).collect();
        edges.push(timeout_ms);
        Self::with_edges(edges)
    }

    pub fn add(&mut self, ms: u64) {
        let bin = self.edges_ms.partition_point(|edge| *edge <= ms) - 1;
        self.counts[bin] += 1;
        self.total += 1;
    }

    /// "0-2 s", "30 s+": each bin as the chart labels it.
    pub fn labels(&self) -> Vec<String> {
        let n = self.edges_ms.len();
        (0..n)
            .map(|i| {
                let (low, low_unit) = amount(self.edges_ms[i]);
                match self.edges_ms.get(i + 1).map(|next| amount(*next)) {
                    // One unit for both ends: "5-10s", "2m-4m" as "2-4m".
                    Some((high, unit)) if unit == low_unit || low == "0" => {
                        format!("{low}-{high}{unit}")
                    }
                    Some((high, unit)) => format!("{low}{low_unit}-{high}{unit}"),
                    None => format!("{low}{low_unit}+"),
                }
            })
            .collect()
    }

    /// "0", "2s", "30s+": each bin by its lower edge alone, for bars too narrow for
    /// `labels`.
    pub fn lower_edge_labels(&self) -> Vec<String> {
        let n = self.edges_ms.len();
        (0..n)
            .map(|i| {
                let (low, unit) = amount(self.edges_ms[i]);
                match (i, i + 1 == n) {
                    (0, false) => low,
                    (_, true) => format!("{low}{unit}+"),
                    _ => format!("{low}{unit}"),
                }
            })
            .collect()
    }
}

/// 0.5 s, 1 s, 2 s, 5 s, 10 s, ... at or above `ms`.
fn nice_step(ms: u64) -> u64 {
    [500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000]
        .into_iter()
        .find(|s| *s >= ms)
        .unwrap_or(60_000)
}

/// Milliseconds as the shortest readable amount and unit: `1.5 s`, `30 s`, `2 m`, `1 h`.
fn amount(ms: u64) -> (String, &'static str) {
    match ms {
        0 => ("0".into(), "s"),
        ms if ms.is_multiple_of(3_600_000) => ((ms / 3_600_000).to_string(), "h"),
        ms if ms.is_multiple_of(60_000) && ms >= 120_000 => ((ms / 60_000).to_string(), "m"),
        ms if ms.is_multiple_of(1000) => ((ms / 1000).to_string(), "s"),
        ms => (format!("{:.1}", ms as f64 / 1000.0), "s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_bins_end_with_the_calls_that_rang_out() {
        let mut h = Histogram::for_ring(30);
        assert_eq!(h.edges_ms.first(), Some(&0));
        assert_eq!(h.edges_ms.last(), Some(&30_000));
        assert_eq!(h.edges_ms[1], 2_000);
        for ms in [0, 1_999, 2_000, 29_999, 30_000] {
            h.add(ms);
        }
        assert_eq!(h.counts[0], 2);
        assert_eq!(h.counts[1], 1);
        assert_eq!(*h.counts.last().unwrap(), 1, "rang until the timeout");
        assert_eq!(h.total, 5);
        assert_eq!(h.counts.iter().sum::<u64>(), h.total);
        let labels = h.labels();
        assert_eq!(labels[0], "0-2s");
        assert_eq!(labels.last().unwrap(), "30s+");
        let short = h.lower_edge_labels();
        assert_eq!((short[0].as_str(), short[1].as_str()), ("0", "2s"));
        assert_eq!(short.last().unwrap(), "30s+");
    }

    #[test]
    fn talk_bins_widen_and_stop_at_the_longest_call() {
        let h = Histogram::for_talk(1800);
        assert_eq!(h.labels()[..3], ["0-5s", "5-10s", "10-15s"]);
        assert_eq!(h.labels().last().unwrap(), "20m+");
        assert!(
            h.labels().contains(&"90s-2m".to_string()),
            "{:?}",
            h.labels()
        );
        let long = Histogram::for_talk(4 * 3600);
        assert_eq!(long.edges_ms.last(), Some(&(3 * 3_600_000 + 1_800_000)));
        let short = Histogram::for_talk(60);
        assert_eq!(short.labels().last().unwrap(), "45s+");
    }

    #[test]
    fn agent_joins_are_in_half_seconds_up_to_the_timeout() {
        let mut h = Histogram::for_agent_join(5);
        assert_eq!(h.labels()[..2], ["0-0.5s", "0.5-1s"]);
        assert_eq!(h.labels().last().unwrap(), "5s+");
        h.add(7_000);
        assert_eq!(*h.counts.last().unwrap(), 1);
    }
}
