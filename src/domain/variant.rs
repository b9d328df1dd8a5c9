//! A/B variants of a campaign: each a name, an agent and/or a prompt, and a weight. A
//! lead's variant is a pure function of its id and the variants, so every retry of the
//! lead calls it with the same agent and prompt, and the split follows the weights.

use super::LeadId;
use serde::{Deserialize, Serialize};

/// One arm of an A/B test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Short label shown in tables and exports, e.g. `A` or `warm-intro`.
    pub name: String,
    /// LiveKit Agents worker to dispatch; empty means the campaign's agent.
    #[serde(default)]
    pub agent_name: String,
    /// Share of leads relative to the other variants' weights.
    pub weight: u32,
    /// Context handed to the agent instead of the campaign's prompt; none keeps it.
    #[serde(default)]
    pub prompt: Option<String>,
}

/// `--variant NAME:AGENT:WEIGHT[:PROMPT_FILE]` as written, before the prompt file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantSpec {
    pub name: String,
    pub agent_name: String,
    pub weight: u32,
    pub prompt_file: Option<String>,
}

impl VariantSpec {
    /// Parses `NAME:AGENT:WEIGHT[:PROMPT_FILE]`; AGENT may be empty (the campaign's).
    pub fn parse(text: &str) -> Result<VariantSpec, String> {
        let form = "write it NAME:AGENT:WEIGHT[:PROMPT_FILE], e.g. B:closer-agent:50:prompts/b.txt";
        let mut parts = text.splitn(4, ':');
        let (Some(name), Some(agent), Some(weight)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("variant `{text}` is incomplete: {form}"));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("variant `{text}` has no name: {form}"));
        }
        let weight: u32 = weight.trim().parse().map_err(|_| {
            format!("variant `{name}`: weight `{weight}` is not a whole number: {form}")
        })?;
        let prompt_file = parts
            .next()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        Ok(VariantSpec {
            name: name.to_string(),
            agent_name: agent.trim().to_string(),
            weight,
            prompt_file,
        })
    }
}

/// The variant of `lead`: weighted by `weight`, the same for the lead every time.
/// `None` when the campaign has no variants (or all weights are zero).
pub fn assign(variants: &[Variant], lead: LeadId) -> Option<&Variant> {
    let total: u64 = variants.iter().map(|v| u64::from(v.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut pick = spread(lead.0 as u64) % total;
    for variant in variants {
        let weight = u64::from(variant.weight);
        if pick < weight {
            return Some(variant);
        }
        pick -= weight;
    }
    None
}

/// SplitMix64's finaliser: consecutive lead ids land far apart, and the mapping never
/// changes between releases (a std hasher's output may), so stored variants stay right.
fn spread(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, weight: u32) -> Variant {
        Variant {
            name: name.into(),
            agent_name: format!("{name}-agent"),
            weight,
            prompt: None,
        }
    }

    #[test]
    fn a_lead_keeps_its_variant() {
        let variants = [variant("A", 1), variant("B", 1)];
        for id in 1..200 {
            let first = assign(&variants, LeadId(id)).unwrap();
            for _ in 0..3 {
                assert_eq!(assign(&variants, LeadId(id)).unwrap(), first);
            }
        }
    }

    #[test]
    fn weights_are_respected_over_a_thousand_leads() {
        // (weights, allowed deviation of each share in percentage points)
        for weights in [vec![50, 50], vec![70, 30], vec![1, 1, 2], vec![90, 10]] {
            let variants: Vec<Variant> = weights
                .iter()
                .enumerate()
                .map(|(i, w)| variant(&format!("V{i}"), *w))
                .collect();
            let total: u32 = weights.iter().sum();
            let mut counts = vec![0u32; variants.len()];
            for id in 1..=1000 {
                let chosen = assign(&variants, LeadId(id)).unwrap();
                let index = variants.iter().position(|v| v == chosen).unwrap();
                counts[index] += 1;
            }
            for (count, weight) in counts.iter().zip(&weights) {
                let expected = 1000.0 * f64::from(*weight) / f64::from(total);
                let deviation = (f64::from(*count) - expected).abs();
                // Four standard deviations of a binomial over 1,000 draws.
                let sigma = (expected * (1.0 - expected / 1000.0)).sqrt();
                assert!(
                    deviation <= 4.0 * sigma,
                    "weights {weights:?}: got {counts:?}"
                );
            }
        }
    }

    #[test]
    fn zero_weight_variants_get_no_leads_and_no_variants_give_none() {
        let variants = [variant("A", 0), variant("B", 3)];
        assert!((1..300).all(|id| assign(&variants, LeadId(id)).unwrap().name == "B"));
        assert!(assign(&[], LeadId(1)).is_none());
        assert!(assign(&[variant("A", 0)], LeadId(1)).is_none());
    }

    #[test]
    fn specs_parse_with_an_empty_agent_and_an_optional_prompt_file() {
        let spec = VariantSpec::parse("B::30:prompts/b.txt").unwrap();
        assert_eq!(spec.name, "B");
        assert_eq!(spec.agent_name, "");
        assert_eq!(spec.weight, 30);
        assert_eq!(spec.prompt_file.as_deref(), Some("prompts/b.txt"));
        let spec = VariantSpec::parse("A:caller:70").unwrap();
        assert_eq!(spec.prompt_file, None);
    }

    #[test]
    fn bad_specs_name_the_problem_and_the_form() {
        let err = VariantSpec::parse("A:caller").unwrap_err();
        assert!(err.contains("NAME:AGENT:WEIGHT"), "{err}");
        let err = VariantSpec::parse("A:caller:lots").unwrap_err();
        assert!(
            err.contains("lots") && err.contains("whole number"),
            "{err}"
        );
        let err = VariantSpec::parse(":caller:5").unwrap_err();
        assert!(err.contains("no name"), "{err}");
    }
}
