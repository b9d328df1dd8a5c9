//! An HTTP client for the sandbox's own requests (webhooks), with the TLS set-up of
//! `switchboard_http_tls`, the one the main crate's clients use.

use std::time::Duration;

/// A reqwest client that can reach both `http://` and `https://` webhook endpoints.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent("LiveKit");
    let builder = match switchboard_http_tls::client_config() {
        Ok(config) => builder.tls_backend_preconfigured(config),
        Err(_) => builder,
    };
    builder.build().unwrap_or_default()
}
