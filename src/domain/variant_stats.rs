//! The A/B table: per variant, calls, answer rate, average talk time, the share of each
//! disposition, and a 95% Wilson interval on the leading disposition's rate, with a
//! plain statement of whether the difference between the variants is significant yet.

use super::figures::AnswerRate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// What the store counted for one variant.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantCounts {
    pub variant: String,
    /// Calls the answer rate counts (`domain::figures::AnswerRate`).
    pub calls: u64,
    /// Of those, the answered ones.
    pub answered: u64,
    /// Talk seconds summed over the answered calls.
    pub talk_secs: u64,
    /// Answered calls by the agent's disposition.
    pub dispositions: BTreeMap<String, u64>,
}

/// A rate with its 95% interval, all in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interval {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantRow {
    pub variant: String,
    pub calls: u64,
    pub answered: u64,
    /// The answer rate (`domain::figures::AnswerRate`); none before the first call.
    pub answer_rate: Option<f64>,
    pub avg_talk_secs: Option<f64>,
    /// Each disposition's share of answered calls.
    pub disposition_shares: BTreeMap<String, f64>,
    /// The leading disposition's rate among answered calls, with its interval.
    pub leading: Option<Interval>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantReport {
    /// The disposition given most often over all variants, the one compared.
    pub leading_disposition: Option<String>,
    pub rows: Vec<VariantRow>,
    /// One sentence for the operator.
    pub verdict: String,
}

/// Wilson score interval for `successes` out of `trials` at 95%.
pub fn wilson(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(Interval {
        rate: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// Builds the table and the verdict from the counts, variants in the given order.
pub fn compare(counts: &[VariantCounts]) -> VariantReport {
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for variant in counts {
        for (disposition, n) in &variant.dispositions {
            *totals.entry(disposition).or_default() += n;
        }
    }
    // Most given first; ties go to the name that sorts first, so the choice is stable.
    let leading = totals
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .filter(|(_, n)| **n > 0)
        .map(|(d, _)| d.to_string());
    let rows: Vec<VariantRow> = counts.iter().map(|c| row(c, leading.as_deref())).collect();
    let verdict = verdict(counts, leading.as_deref());
    VariantReport {
        leading_disposition: leading,
        rows,
        verdict,
    }
}

fn row(counts: &VariantCounts, leading: Option<&str>) -> VariantRow {
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    VariantRow {
        variant: counts.variant.clone(),
        calls: counts.calls,
        answered: counts.answered,
        answer_rate: AnswerRate {
            answered: counts.answered,
            decided: counts.calls,
        }
        .ratio(),
        avg_talk_secs: ratio(counts.talk_secs, counts.answered),
        disposition_shares: counts
            .dispositions
            .iter()
            .filter_map(|(d, n)| Some((d.clone(), ratio(*n, counts.answered)?)))
            .collect(),
        leading: leading.and_then(|d| {
            wilson(
                counts.dispositions.get(d).copied().unwrap_or(0),
                counts.answered,
            )
        }),
    }
}

/// The best two variants on the leading disposition, compared with a two-proportion
/// z-test at 95%.
fn verdict(counts: &[VariantCounts], leading: Option<&str>) -> String {
    if counts.len() < 2 {
        return "Only one variant: nothing to compare.".into();
    }
    let Some(leading) = leading else {
        return "No dispositions yet: nothing to compare.".into();
    };
    let mut ranked: Vec<(&str, u64, u64)> = counts
        .iter()
        .map(|c| {
            let hits = c.dispositions.get(leading).copied().unwrap_or(0);
            (c.variant.as_str(), hits, c.answered)
        })
        .collect();
    let rate = |(_, hits, n): &(&str, u64, u64)| {
        if *n == 0 {
            0.0
        } else {
            *hits as f64 / *n as f64
        }
    };
    ranked.sort_by(|a, b| rate(b).total_cmp(&rate(a)));
    let (best, second) = (ranked[0], ranked[1]);
    let percent = |r: f64| format!("{:.0}%", r * 100.0);
    let (n1, n2) = (best.2 as f64, second.2 as f64);
    if best.2 == 0 || second.2 == 0 {
        return format!(
            "Not significant yet: {} or {} has no answered calls.",
            best.0, second.0
        );
    }
    let pooled = (best.1 + second.1) as f64 / (n1 + n2);
    let spread = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let z = if spread > 0.0 {
        (rate(&best) - rate(&second)) / spread
    } else {
        0.0
    };
    if z > Z95 {
        format!(
            "{} leads on {leading} ({} vs {} for {}): significant at 95%.",
            best.0,
            percent(rate(&best)),
            percent(rate(&second)),
            second.0
        )
    } else {
        format!(
            "Not significant yet: {} ({}) and {} ({}) on {leading} may differ by chance; keep calling.",
            best.0,
            percent(rate(&best)),
            second.0,
            percent(rate(&second))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(variant: &str, calls: u64, answered: u64, interested: u64) -> VariantCounts {
        VariantCounts {
            variant: variant.into(),
            calls,
            answered,
            talk_secs: answered * 60,
            dispositions: BTreeMap::from([
                ("interested".to_string(), interested),
                ("not_interested".to_string(), answered - interested),
            ]),
        }
    }

    #[test]
    fn wilson_matches_published_values() {
        // 10 of 100: 95% Wilson interval 0.0552 to 0.1744.
        let i = wilson(10, 100).unwrap();
        assert!((i.low - 0.0552).abs() < 0.0005, "{i:?}");
        assert!((i.high - 0.1744).abs() < 0.0005, "{i:?}");
        // 0 of 20 stays inside 0..=1 and is not a point.
        let i = wilson(0, 20).unwrap();
        assert_eq!(i.low, 0.0);
        assert!(i.high > 0.1 && i.high < 0.2, "{i:?}");
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn a_clear_difference_is_called_significant() {
        let report = compare(&[counts("A", 500, 400, 80), counts("B", 500, 400, 160)]);
        assert_eq!(
            report.leading_disposition.as_deref(),
            Some("not_interested")
        );
        // The leading disposition is not_interested (560 vs 240): A has more of it.
        assert!(report.verdict.starts_with("A leads"), "{}", report.verdict);
        assert!(report.verdict.contains("significant at 95%"));
    }

    #[test]
    fn a_small_sample_is_not_yet_significant() {
        let report = compare(&[counts("A", 20, 10, 3), counts("B", 20, 10, 5)]);
        assert!(
            report.verdict.starts_with("Not significant yet"),
            "{}",
            report.verdict
        );
    }

    #[test]
    fn rows_carry_rates_talk_time_and_shares() {
        let report = compare(&[counts("A", 10, 5, 2), counts("B", 0, 0, 0)]);
        let a = &report.rows[0];
        assert_eq!(a.answer_rate, Some(0.5));
        assert_eq!(a.avg_talk_secs, Some(60.0));
        assert_eq!(a.disposition_shares["interested"], 0.4);
        assert_eq!(a.leading.unwrap().rate, 0.6);
        let b = &report.rows[1];
        assert_eq!(b.answer_rate, None);
        assert!(b.leading.is_none());
        assert!(report.verdict.contains("no answered calls"));
    }

    #[test]
    fn one_variant_or_no_dispositions_say_so() {
        assert!(compare(&[counts("A", 5, 5, 1)])
            .verdict
            .contains("Only one"));
        let empty = VariantCounts {
            variant: "B".into(),
            ..Default::default()
        };
        let report = compare(&[empty.clone(), empty]);
        assert!(report.verdict.contains("No dispositions"));
    }
}
