//! Whether a webhook is from our LiveKit project: LiveKit signs each one with a
//! short-lived HS256 token whose `iss` is the API key, `exp` is five minutes ahead and
//! `sha256` is the body's hash (reference §4.1). `livekit_api`'s verifier checks the
//! signature, `exp` and `nbf`, but lets a token with no `iss` through, and any `exp`
//! however far ahead; a token that would stay valid for years turns one leaked request
//! into a permanent forgery. So the issuer must be our key and the token must expire
//! within [`MAX_TOKEN_LIFETIME`].

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use livekit_api::access_token::{AccessTokenError, TokenVerifier};
use livekit_protocol as proto;
use sha2::{Digest, Sha256};
use std::time::Duration;
use thiserror::Error;

/// The furthest ahead a webhook token may expire. LiveKit's last five minutes; the rest
/// is room for clock skew and other LiveKit versions.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// How long past `exp` the verifier still accepts a token (jsonwebtoken's default
/// leeway for clock skew), so how long a seen event must be remembered.
pub const TOKEN_LEEWAY: Duration = Duration::from_secs(60);

#[derive(Debug, Error)]
pub enum WebhookTokenError {
    #[error("token rejected: {0}")]
    Token(#[from] AccessTokenError),
    #[error("token has no iss claim (LiveKit's tokens name the API key)")]
    NoIssuer,
    #[error("token's iss is not this project's API key")]
    WrongIssuer,
    #[error(
        "token expires {seconds} s from now, more than the {} s a webhook token may live",
        MAX_TOKEN_LIFETIME.as_secs()
    )]
    TooLongLived { seconds: u64 },
    #[error("token's sha256 is not base64")]
    HashNotBase64,
    #[error("body does not match the token's sha256")]
    BodyMismatch,
    #[error("signed body is not a webhook event: {0}")]
    NotAnEvent(#[source] serde_json::Error),
}

/// A verified webhook.
#[derive(Debug)]
pub struct SignedEvent {
    pub event: proto::WebhookEvent,
    /// Unix seconds until which the token (with leeway) verifies, so a replay could.
    pub replayable_until: u64,
    /// The token's `sha256` claim: the body's hash, as base64.
    pub body_sha256: String,
}

/// Checks webhook tokens against one project's key and secret.
#[derive(Clone)]
pub struct WebhookTokens {
    api_key: String,
    verifier: TokenVerifier,
}

impl std::fmt::Debug for WebhookTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTokens")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl WebhookTokens {
    pub fn new(api_key: &str, api_secret: &str) -> Self {
        Self {
            api_key: api_key.to_string(),
            verifier: TokenVerifier::with_api_key(api_key, api_secret),
        }
    }

    /// The event in `body` if `token` is ours, fresh, short-lived and signs exactly
    /// this body. `now` is unix seconds.
    pub fn verify(
        &self,
        body: &str,
        token: &str,
        now: u64,
    ) -> Result<SignedEvent, WebhookTokenError> {
        let claims = self.verifier.verify(token)?;
        if claims.iss.is_empty() {
            return Err(WebhookTokenError::NoIssuer);
        }
        if claims.iss != self.api_key {
            return Err(WebhookTokenError::WrongIssuer);
        }
        let exp = claims.exp as u64;
        let seconds = exp.saturating_sub(now);
        if seconds > MAX_TOKEN_LIFETIME.as_secs() {
            return Err(WebhookTokenError::TooLongLived { seconds });
        }
        let claimed = STANDARD
            .decode(&claims.sha256)
            .map_err(|_| WebhookTokenError::HashNotBase64)?;
        if claimed[..] != Sha256::digest(body.as_bytes())[..] {
            return Err(WebhookTokenError::BodyMismatch);
        }
        let event = serde_json::from_str(body).map_err(WebhookTokenError::NotAnEvent)?;
        Ok(SignedEvent {
            event,
            replayable_until: exp + TOKEN_LEEWAY.as_secs(),
            body_sha256: claims.sha256,
        })
    }
}
