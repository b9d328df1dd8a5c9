//! The TLS set-up every reqwest client of ours needs. reqwest is built with
//! `rustls-no-provider` (livekit-api's choice), so a client without one cannot even be
//! built: this supplies it the way livekit-api does, ring as the crypto provider and the
//! webpki root certificates.

use std::sync::Arc;

pub fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
