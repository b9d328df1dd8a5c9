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

    /// Every outbound trunk of the project, in the server's order, each once. A page is
    /// kept only for the trunks it adds: a server that ignores `after_id` answers the
    /// first page again, and the walk ends there instead of listing it twice.
    pub async fn list_all(&self) -> Result<Vec<TrunkInfo>, ApiFailure> {
        let mut trunks: Vec<TrunkInfo> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut after_id = String::new();
        for _ in 0..MAX_PAGES {
            let page = self.page(&after_id).await?;
            let short = page.len() < self.page_size as usize;
            let new: Vec<_> = page
                .into_iter()
                .filter(|t| seen.insert(t.sip_trunk_id.clone()))
                .collect();
            let greatest = new
                .iter()
                .map(|t| t.sip_trunk_id.as_str())
                .filter(|id| *id > after_id.as_str())
                .max()
                .map(str::to_string);
            trunks.extend(new.into_iter().map(|t| TrunkInfo {
                id: t.sip_trunk_id,
                name: t.name,
                address: t.address,
                numbers: t.numbers,
            }));
            match greatest {
                Some(id) if !short => after_id = id,
                _ => break,
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

    /// A server that ignores `page` and answers every request with the same trunks.
    async fn ignoring_paging(
        ids: &'static [&'static str],
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let asked = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = asked.clone();
        let app = axum::Router::new().fallback(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                let items = ids
                    .iter()
                    .map(|id| proto::SipOutboundTrunkInfo {
                        sip_trunk_id: (*id).to_string(),
                        ..Default::default()
                    })
                    .collect();
                proto::ListSipOutboundTrunkResponse { items }.encode_to_vec()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}"), asked)
    }

    #[tokio::test]
    async fn a_server_that_ignores_paging_lists_each_trunk_once() {
        let ids = ["ST_a", "ST_b", "ST_c"];
        let (url, asked) = ignoring_paging(&["ST_a", "ST_b", "ST_c"]).await;
        // A full page (as big as asked for) walks on, and meets the same page again.
        let pages =
            TrunkPages::new(&url, "key", "secret", Duration::from_secs(5)).with_page_size(3);
        let listed: Vec<_> = pages
            .list_all()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(listed, ids);
        assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 2);
        // A short page is the last.
        let pages = TrunkPages::new(&url, "key", "secret", Duration::from_secs(5));
        let listed: Vec<_> = pages
            .list_all()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(listed, ids);
        assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 3);
    }

    #[test]
    fn debug_hides_the_secret() {
        let pages = TrunkPages::new("ws://127.0.0.1:1", "key", "hunter2", Duration::from_secs(1));
        let shown = format!("{pages:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:1/twirp/livekit.SIP/ListSIPOutboundTrunk"));
    }
}
