//! Checks API requests the way livekit-server's `APIKeyAuthMiddleware` does, and the
//! per-method grants its services demand (reference/livekit-protocol.md §1.3).

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use livekit_api::access_token::{Claims, TokenVerifier};

use super::twirp::TwirpError;

/// A request the middleware refuses. The real server answers these with a 401 and a
/// plain-text body, not Twirp JSON.
#[derive(Debug, PartialEq, Eq)]
pub struct AuthRejection(pub String);

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.0,
        )
            .into_response()
    }
}

pub struct Authenticator {
    api_key: String,
    verifier: TokenVerifier,
}

impl Authenticator {
    pub fn new(api_key: &str, api_secret: &str) -> Self {
        Self {
            api_key: api_key.to_string(),
            verifier: TokenVerifier::with_api_key(api_key, api_secret),
        }
    }

    /// The token's claims, or none when the request carries no token at all (the
    /// services then refuse it for lacking grants).
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<Claims>, AuthRejection> {
        let token = match headers.get(header::AUTHORIZATION) {
            Some(value) => {
                let value = value.to_str().unwrap_or_default();
                match value.strip_prefix("Bearer ") {
                    Some(token) => token.to_string(),
                    None => {
                        return Err(AuthRejection(
                            "invalid authorization header. Must start with Bearer ".into(),
                        ))
                    }
                }
            }
            None => match query.and_then(access_token_param) {
                Some(token) => token,
                None => return Ok(None),
            },
        };
        let unverified = Claims::from_unverified(&token)
            .map_err(|_| AuthRejection("invalid authorization token".into()))?;
        if unverified.iss != self.api_key {
            return Err(AuthRejection("invalid API key".into()));
        }
        // HS256, issuer, required exp and a 60 s leeway, like LiveKit's verifier.
        self.verifier
            .verify(&token)
            .map(Some)
            .map_err(|err| AuthRejection(format!("invalid authorization token: {err}")))
    }
}

fn access_token_param(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == "access_token" && !value.is_empty()).then(|| value.to_string())
    })
}

/// The grant checks of livekit-server's services; each fails with 401 "permissions denied".
pub struct Grants<'a>(pub Option<&'a Claims>);

impl Grants<'_> {
    fn check(&self, allowed: impl FnOnce(&Claims) -> bool) -> Result<(), TwirpError> {
        match self.0 {
            Some(claims) if allowed(claims) => Ok(()),
            _ => Err(TwirpError::permissions_denied()),
        }
    }

    /// `EnsureSIPCallPermission`.
    pub fn sip_call(&self) -> Result<(), TwirpError> {
        self.check(|c| c.sip.call)
    }

    /// `EnsureSIPAdminPermission`.
    pub fn sip_admin(&self) -> Result<(), TwirpError> {
        self.check(|c| c.sip.admin)
    }

    /// `EnsureAdminPermission(room)`: roomAdmin for exactly this room.
    pub fn room_admin(&self, room: &str) -> Result<(), TwirpError> {
        self.check(|c| c.video.room_admin && c.video.room == room)
    }

    /// `EnsureCreatePermission`.
    pub fn room_create(&self) -> Result<(), TwirpError> {
        self.check(|c| c.video.room_create)
    }

    /// `EnsureRecordPermission`.
    pub fn room_record(&self) -> Result<(), TwirpError> {
        self.check(|c| c.video.room_record)
    }

    /// `EnsureListPermission`.
    pub fn room_list(&self) -> Result<(), TwirpError> {
        self.check(|c| c.video.room_list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use livekit_api::access_token::{AccessToken, SIPGrants};

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn token(key: &str, secret: &str) -> String {
        AccessToken::with_api_key(key, secret)
            .with_sip_grants(SIPGrants {
                call: true,
                ..Default::default()
            })
            .to_jwt()
            .unwrap()
    }

    #[test]
    fn good_token_gives_its_grants() {
        let auth = Authenticator::new("devkey", "secret");
        let claims = auth
            .authenticate(
                &headers(&format!("Bearer {}", token("devkey", "secret"))),
                None,
            )
            .unwrap()
            .unwrap();
        assert!(Grants(Some(&claims)).sip_call().is_ok());
        assert!(Grants(Some(&claims)).sip_admin().is_err());
        assert!(Grants(Some(&claims)).room_admin("r").is_err());
    }

    #[test]
    fn rejections_carry_livekits_messages() {
        let auth = Authenticator::new("devkey", "secret");
        let missing_bearer = auth.authenticate(&headers("Token abc"), None).unwrap_err();
        assert_eq!(
            missing_bearer.0,
            "invalid authorization header. Must start with Bearer "
        );
        let garbage = auth
            .authenticate(&headers("Bearer not-a-jwt"), None)
            .unwrap_err();
        assert_eq!(garbage.0, "invalid authorization token");
        let other_key = token("otherkey", "secret");
        let unknown = auth.authenticate(&headers(&format!("Bearer {other_key}")), None);
        assert_eq!(unknown.unwrap_err().0, "invalid API key");
        let forged = token("devkey", "not-the-secret");
        let bad_sig = auth
            .authenticate(&headers(&format!("Bearer {forged}")), None)
            .unwrap_err();
        assert!(
            bad_sig.0.starts_with("invalid authorization token: "),
            "{}",
            bad_sig.0
        );
    }

    #[test]
    fn expired_tokens_fail_beyond_the_leeway() {
        let auth = Authenticator::new("devkey", "secret");
        let recent = AccessToken::with_api_key("devkey", "secret")
            .with_ttl(std::time::Duration::ZERO)
            .to_jwt()
            .unwrap();
        // exp = now: still inside the 60 s leeway.
        assert!(auth
            .authenticate(&headers(&format!("Bearer {recent}")), None)
            .is_ok());
    }

    #[test]
    fn no_token_means_no_grants_and_query_tokens_work() {
        let auth = Authenticator::new("devkey", "secret");
        assert_eq!(auth.authenticate(&HeaderMap::new(), None).unwrap(), None);
        assert!(Grants(None).room_list().is_err());
        let query = format!("x=1&access_token={}", token("devkey", "secret"));
        assert!(auth
            .authenticate(&HeaderMap::new(), Some(&query))
            .unwrap()
            .is_some());
    }
}
