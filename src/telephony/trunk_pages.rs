//! Every page of `ListSIPOutboundTrunk`. livekit-api's `list_sip_outbound_trunk` sends no
//! `page`, so it reads one server page only; a project with more trunks than a page
//! holds would look short of some. This sends the Twirp request itself, with
//! `Pagination { after_id, limit }`, and walks on past the greatest id seen, as
//! LiveKit's own Go iterator (`ListPageIter`) does.

use super::api_error::ApiFailure;
use super::types::TrunkInfo;
use crate::secret::Secret;
use livekit_api::access_token::{AccessToken, SIPGrants};
use livekit_protocol as proto;
use prost::Message;
use std::fmt;
use std::time::Duration;

/// Trunks asked for per page.
pub const PAGE_SIZE: i32 = 100;
/// A bound on the walk, so a server that keeps answering never loops us forever.
const MAX_PAGES: usize = 1_000;

/// Reads outbound trunks page by page with its own signed requests.
pub struct TrunkPages {
    http: reqwest::Client,
    endpoint: String,
    api_key: String,
    api_secret: Secret,
    page_size: i32,
}

impl fmt::Debug for TrunkPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrunkPages")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field("api_secret", &self.api_secret)
            .finish()
    }
}

impl TrunkPages {
    pub fn new(url: &str, api_key: &str, api_secret: &str, timeout: Duration) -> Self {
        let base = url
            .trim_end_matches('/')
            .replacen("wss://", "https://", 1)
            .replacen("ws://", "http://", 1);
        let builder = reqwest::Client::builder().timeout(timeout);
        let builder = match crate::http_tls::client_config() {
            Ok(tls) => builder.tls_backend_preconfigured(tls),
            Err(_) => builder,
        };
        Self {
            http: builder.build().unwrap_or_default(),
            endpoint: format!("{base}/twirp/livekit.SIP/ListSIPOutboundTrunk"),
            api_key: api_key.to_string(),
            api_secret: Secret::new(api_secret),
            page_size: PAGE_SIZE,
        }
    }

    /// Smaller pages, for tests that need several of them.
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Every outbound trunk of the project, in the server's order.
    pub async fn list_all(&self) -> Result<Vec<TrunkInfo>, ApiFailure> {
        let mut trunks: Vec<TrunkInfo> = Vec::new();
        let mut after_id = String::new();
        for _ in 0..MAX_PAGES {
            let page = self.page(&after_id).await?;
            let greatest = page
                .iter()
                .map(|t| t.sip_trunk_id.as_str())
                .filter(|id| *id > after_id.as_str())
                .max()
                .map(str::to_string);
            trunks.extend(page.into_iter().map(|t| TrunkInfo {
                id: t.sip_trunk_id,
                name: t.name,
                address: t.address,
                numbers: t.numbers,
            }));
            match greatest {
                Some(id) => after_id = id,
                None => break,
            }
        }
        Ok(trunks)
    }

    async fn page(&self, after_id: &str) -> Result<Vec<proto::SipOutboundTrunkInfo>, ApiFailure> {
        let request = proto::ListSipOutboundTrunkRequest {
            page: Some(proto::Pagination {
                after_id: after_id.to_string(),
                limit: self.page_size,
            }),
            ..Default::default()
        };
        let token = AccessToken::with_api_key(&self.api_key, self.api_secret.expose())
            .with_sip_grants(SIPGrants {
                admin: true,
                ..Default::default()
            })
            .to_jwt()
            .map_err(|e| ApiFailure::Client {
                message: format!("cannot sign the API token: {e}"),
            })?;
        let response = self
            .http
            .post(&self.endpoint)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/protobuf")
            .body(request.encode_to_vec())
            .send()
            .await
            .map_err(|e| ApiFailure::from_transport(&e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ApiFailure::from_transport(&e))?;
        if status != reqwest::StatusCode::OK {
            return Err(twirp_failure(status, &body));
        }
        proto::ListSipOutboundTrunkResponse::decode(&body[..])
            .map(|r| r.items)
            .map_err(|e| ApiFailure::BadResponse {
                message: e.to_string(),
            })
    }
}

#[derive(serde::Deserialize)]
struct TwirpBody {
    code: String,
    msg: String,
}

/// A non-200 answer: Twirp JSON when LiveKit sent it, else what the body was.
fn twirp_failure(status: reqwest::StatusCode, body: &[u8]) -> ApiFailure {
    match serde_json::from_slice::<TwirpBody>(body) {
        Ok(twirp) => ApiFailure::Twirp {
            code: twirp.code,
            msg: twirp.msg,
            sip_status_code: None,
            sip_status: None,
        },
        Err(_) => ApiFailure::NotTwirp {
            message: format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twirp_error_body_keeps_its_code() {
        let failure = twirp_failure(
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"code":"unauthenticated","msg":"permissions denied"}"#,
        );
        assert_eq!(failure.twirp_code(), Some("unauthenticated"));
        let plain = twirp_failure(reqwest::StatusCode::UNAUTHORIZED, b"invalid token");
        assert!(matches!(plain, ApiFailure::NotTwirp { .. }));
    }

    #[test]
    fn debug_hides_the_secret() {
        let pages = TrunkPages::new("ws://127.0.0.1:1", "key", "hunter2", Duration::from_secs(1));
        let shown = format!("{pages:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:1/twirp/livekit.SIP/ListSIPOutboundTrunk"));
    }
}
