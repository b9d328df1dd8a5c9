//! Checks that run while a value is deserialized, so a bad value is reported with the
//! key and line toml knows for it.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// Why a LiveKit URL cannot be used, or `None` if it can. Shared with `LIVEKIT_URL`.
pub fn livekit_url_problem(url: &str) -> Option<String> {
    const SCHEMES: [&str; 4] = ["wss://", "ws://", "https://", "http://"];
    match SCHEMES.iter().find(|scheme| url.starts_with(**scheme)) {
        None => Some(format!(
            "`{url}` is not a LiveKit server URL: it should start with wss:// (or ws://, https://, http://)"
        )),
        Some(scheme) if url.len() == scheme.len() => Some(format!("`{url}` has no host name")),
        Some(_) => None,
    }
}

pub fn livekit_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url = String::deserialize(d)?;
    match livekit_url_problem(&url) {
        Some(problem) => Err(D::Error::custom(problem)),
        None => Ok(Some(url)),
    }
}

/// A number that must be above zero (a zero interval or rate would spin or stall).
pub fn positive<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialOrd + Default + Copy,
{
    let value = T::deserialize(d)?;
    // Compared with `partial_cmp` so that a NaN float is refused too.
    if value.partial_cmp(&T::default()) != Some(std::cmp::Ordering::Greater) {
        return Err(D::Error::custom("must be greater than 0"));
    }
    Ok(value)
}

pub fn positive_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialOrd + Default + Copy,
{
    positive(d).map(Some)
}

/// Room names are `<prefix>-<...>`; keep the prefix to characters LiveKit and shells
/// treat plainly.
pub fn room_prefix<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let prefix = String::deserialize(d)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if prefix.is_empty() || !prefix.chars().all(plain) {
        return Err(D::Error::custom(format!(
            "`{prefix}` is not a room prefix: use letters, digits, `-` and `_`"
        )));
    }
    Ok(prefix)
}

/// An ISO 3166 region code such as `US`, used to read numbers written without `+`.
pub fn region<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let region = String::deserialize(d)?;
    if region.len() != 2 || !region.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(D::Error::custom(format!(
            "`{region}` is not a two-letter region code such as US, GB or DE"
        )));
    }
    Ok(region)
}

/// A `RUST_LOG`-style filter such as `info` or `warn,switchboard::engine=debug`.
pub fn log_filter<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let filter = String::deserialize(d)?;
    match log_filter_problem(&filter) {
        Some(problem) => Err(D::Error::custom(problem)),
        None => Ok(filter),
    }
}

pub fn log_filter_problem(filter: &str) -> Option<String> {
    tracing_subscriber::EnvFilter::try_new(filter)
        .err()
        .map(|e| {
            format!("`{filter}` is not a log filter ({e}); try `info` or `warn,switchboard=debug`")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn livekit_urls_need_a_scheme_and_a_host() {
        assert_eq!(livekit_url_problem("wss://x.livekit.cloud"), None);
        assert_eq!(livekit_url_problem("http://127.0.0.1:7880"), None);
        assert!(livekit_url_problem("x.livekit.cloud")
            .unwrap()
            .contains("wss://"));
        assert!(livekit_url_problem("wss://").unwrap().contains("no host"));
    }

    #[test]
    fn log_filters_are_checked() {
        assert_eq!(log_filter_problem("warn,switchboard::engine=debug"), None);
        assert!(log_filter_problem("switchboard=loud").is_some());
    }
}
