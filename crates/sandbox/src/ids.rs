//! LiveKit-style identifiers (`guid.New(prefix)`: a prefix and 12 base62 characters) and
//! the wall-clock stamps LiveKit puts in its messages.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::distr::{Alphanumeric, SampleString};

/// A new id such as `PA_4HGBQk3GL3RX`.
pub fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        Alphanumeric.sample_string(&mut rand::rng(), 12)
    )
}

pub fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn unix_seconds() -> i64 {
    unix_millis() / 1000
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_have_the_prefix_and_twelve_characters() {
        let id = super::new_id("SCL_");
        assert!(id.starts_with("SCL_"));
        assert_eq!(id.len(), 16);
        assert_ne!(super::new_id("PA_"), super::new_id("PA_"));
    }
}
