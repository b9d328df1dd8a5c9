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

/// The shortest `[api] token` accepted: 32 characters, as `openssl rand -hex 16` gives
/// at least; shorter ones can be guessed by whoever reaches the port.
pub const MIN_API_TOKEN_CHARS: usize = 32;

/// Why an API token cannot guard the TCP listener, or `None` if it can. Shared with
/// `SWITCHBOARD_API_TOKEN` and the server; never echoes the token.
pub fn api_token_problem(token: &str) -> Option<String> {
    const MAKE_ONE: &str =
        "make one with `openssl rand -hex 32` (or `head -c 32 /dev/urandom | base64`)";
    let chars = token.trim().chars().count();
    if chars == 0 {
        Some(format!("the API token is blank: {MAKE_ONE}"))
    } else if chars < MIN_API_TOKEN_CHARS {
        Some(format!(
            "the API token is {chars} characters long, shorter than {MIN_API_TOKEN_CHARS}, so it \
             could be guessed (value hidden): {MAKE_ONE}"
        ))
    } else {
        None
    }
}

pub fn api_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<super::Secret>, D::Error> {
    let token = super::Secret::deserialize(d)?;
    match api_token_problem(token.expose()) {
        Some(problem) => Err(D::Error::custom(problem)),
        None => Ok(Some(token)),
    }
}

/// A whole number in `MIN..=MAX`: every interval, timeout and count in the file has a
/// ceiling, so a stray digit cannot overflow a timer or stall the engine.
pub fn between<'de, D, T, const MIN: u64, const MAX: u64>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Copy + Into<u64>,
{
    let value = T::deserialize(d)?;
    let n: u64 = value.into();
    if n > MAX {
        return Err(D::Error::custom(format!("{n} is too large: at most {MAX}")));
    }
    if n < MIN {
        return Err(D::Error::custom(format!(
            "{n} is too small: at least {MIN}"
        )));
    }
    Ok(value)
}

pub fn between_option<'de, D, T, const MIN: u64, const MAX: u64>(
    d: D,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Copy + Into<u64>,
{
    between::<D, T, MIN, MAX>(d).map(Some)
}

/// Calls per second of a trunk: above zero and at most [`MAX_CALLS_PER_SECOND`]; below
/// [`MIN_CALLS_PER_SECOND`] the gap between dials would be longer than an hour.
pub fn calls_per_second<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let cps = f64::deserialize(d)?;
    if !(MIN_CALLS_PER_SECOND..=MAX_CALLS_PER_SECOND).contains(&cps) {
        return Err(D::Error::custom(format!(
            "{cps} is out of range: between {MIN_CALLS_PER_SECOND} (one call an hour) and {MAX_CALLS_PER_SECOND}"
        )));
    }
    Ok(cps)
}

pub const MIN_CALLS_PER_SECOND: f64 = 1.0 / 3600.0;
pub const MAX_CALLS_PER_SECOND: f64 = 1000.0;

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
/// Checked against libphonenumber's metadata, so `ZZ` (unknown) is refused here rather
/// than at the first import.
pub fn region<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let region = String::deserialize(d)?;
    if region.len() != 2 || !region.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(D::Error::custom(format!(
            "`{region}` is not a two-letter region code such as US, GB or DE"
        )));
    }
    crate::phone::parse_region(&region).map_err(D::Error::custom)?;
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
