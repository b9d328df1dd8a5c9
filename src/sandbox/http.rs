//! An HTTP client for the sandbox's own requests (webhooks). reqwest is built with
//! `rustls-no-provider` (livekit-api's choice), so the TLS setup is supplied here the way
//! livekit-api does it: ring as the crypto provider and the webpki root certificates.

use std::sync::Arc;
use std::time::Duration;

/// A reqwest client that can reach both `http://` and `https://` webhook endpoints.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent("LiveKit");
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|config| config.with_root_certificates(roots).with_no_client_auth());
    let builder = match tls {
        Ok(config) => builder.tls_backend_preconfigured(config),
        Err(_) => builder,
    };
    builder.build().unwrap_or_default()
}
