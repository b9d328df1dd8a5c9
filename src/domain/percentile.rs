//! Percentiles of a sample by the nearest-rank method: the value at or below which `p`
//! percent of the sample lie, always one of the sample's own values.

/// The `p`th percentile (0 < p <= 100) of `values`; `None` for an empty sample.
pub fn nearest_rank(values: &[u64], p: u32) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let p = p.clamp(1, 100) as usize;
    let rank = (p * sorted.len()).div_ceil(100);
    sorted.get(rank.saturating_sub(1)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_textbook_examples() {
        // Wikipedia's example: 15, 20, 35, 40, 50.
        let sample = [40, 15, 35, 20, 50];
        assert_eq!(nearest_rank(&sample, 5), Some(15));
        assert_eq!(nearest_rank(&sample, 30), Some(20));
        assert_eq!(nearest_rank(&sample, 50), Some(35));
        assert_eq!(nearest_rank(&sample, 100), Some(50));
        assert_eq!(nearest_rank(&[], 50), None);
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(nearest_rank(&hundred, 95), Some(95));
    }
}
