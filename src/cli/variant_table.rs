//! The A/B table as `switchboard status` prints it: one line per variant, then the
//! verdict in plain words.

use crate::domain::VariantReport;

pub fn render(report: &VariantReport) -> String {
    let percent = |r: Option<f64>| {
        r.map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "-".into())
    };
    let leading = report.leading_disposition.as_deref().unwrap_or("-");
    let mut text = format!(
        "  variants  (95% interval on {leading})\n    {:<12} {:>6} {:>8} {:>9}  {:<17} dispositions\n",
        "VARIANT", "CALLS", "ANSWER", "AVG TALK", leading.to_uppercase()
    );
    for row in &report.rows {
        let talk = row
            .avg_talk_secs
            .map(|s| format!("{s:.0} s"))
            .unwrap_or_else(|| "-".into());
        let interval = row
            .leading
            .map(|i| {
                format!(
                    "{:.0}% ({:.0}-{:.0}%)",
                    i.rate * 100.0,
                    i.low * 100.0,
                    i.high * 100.0
                )
            })
            .unwrap_or_else(|| "-".into());
        let shares = row
            .disposition_shares
            .iter()
            .map(|(d, share)| format!("{d} {:.0}%", share * 100.0))
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "    {:<12} {:>6} {:>8} {:>9}  {:<17} {shares}\n",
            row.variant,
            row.calls,
            percent(row.answer_rate),
            talk,
            interval
        ));
    }
    text.push_str(&format!("    {}\n", report.verdict));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{compare_variants, VariantCounts};
    use std::collections::BTreeMap;

    #[test]
    fn the_table_shows_each_variant_and_the_verdict() {
        let counts = |name: &str, interested: u64| VariantCounts {
            variant: name.into(),
            calls: 40,
            answered: 20,
            talk_secs: 20 * 90,
            dispositions: BTreeMap::from([
                ("interested".into(), interested),
                ("not_interested".into(), 20 - interested),
            ]),
        };
        let text = render(&compare_variants(&[counts("A", 4), counts("B", 6)]));
        assert!(text.contains("95% interval on not_interested"), "{text}");
        assert!(
            text.contains("A                40      50%      90 s  80% (58-92%)"),
            "{text}"
        );
        assert!(
            text.contains("interested 30%, not_interested 70%"),
            "{text}"
        );
        assert!(text.contains("Not significant yet"), "{text}");
    }
}
