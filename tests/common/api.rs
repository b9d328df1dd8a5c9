//! An engine host on a temp database against the embedded sandbox, and an HTTP client
//! of its API over the local socket (or TCP), reading the envelope.

use super::{all_answer, engine_config, quick_sandbox, Following};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use switchboard::config::{ApiConfig, Secret};
use switchboard::runtime::{LiveKitTarget, RuntimeSettings};
use switchboard::sandbox::SandboxConfig;
use switchboard::service::{EngineHost, HostError, HostPlan};
use switchboard::telephony::PollerConfig;

pub struct ApiHost {
    pub host: Option<EngineHost>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// The sandbox of `start`: every call answered within milliseconds.
pub fn answering_sandbox() -> SandboxConfig {
    let mut sandbox = quick_sandbox();
    sandbox.outcomes = all_answer();
    sandbox
}

/// A plan for an engine on `dir` against `sandbox`.
pub fn plan(dir: &std::path::Path, sandbox: SandboxConfig) -> HostPlan {
    plan_following(dir, sandbox, Following::Webhooks)
}

/// A plan for an engine on `dir` against `sandbox`, following calls in `mode`.
pub fn plan_following(
    dir: &std::path::Path,
    mut sandbox: SandboxConfig,
    mode: Following,
) -> HostPlan {
    if mode == Following::UnreliableWebhooks {
        sandbox.webhook_delivery = mode.delivery();
    }
    let mut engine = engine_config();
    engine.disposition_grace = Duration::from_millis(50);
    HostPlan {
        db: dir.join("engine.db"),
        runtime_dir: Some(dir.join("run")),
        settings: RuntimeSettings {
            livekit: LiveKitTarget::Sandbox {
                config: Box::new(sandbox),
                listen: "127.0.0.1:0".parse().unwrap(),
            },
            request_timeout: Duration::from_secs(5),
            webhook_listen: None,
            polling_only: mode == Following::Polling,
            polling: PollerConfig {
                interval: Duration::from_millis(20),
                max_requests_per_sec: 1000,
            },
            engine,
        },
    }
}

/// reqwest is built without a TLS crypto provider (livekit-api's choice): install one.
pub fn tcp_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub async fn try_start(tcp: Option<(SocketAddr, Option<&str>)>) -> Result<ApiHost, HostError> {
    start_on(answering_sandbox(), tcp).await
}

pub async fn start_on(
    sandbox: SandboxConfig,
    tcp: Option<(SocketAddr, Option<&str>)>,
) -> Result<ApiHost, HostError> {
    start_planned(tcp, |dir| plan(dir, sandbox)).await
}

/// An engine host on `sandbox`, following calls in `mode`.
pub async fn start_following(mode: Following, sandbox: SandboxConfig) -> ApiHost {
    start_planned(None, |dir| plan_following(dir, sandbox, mode))
        .await
        .expect("the engine host starts")
}

/// An engine host on the plan `plan` makes for its temp dir.
pub async fn start_planned(
    tcp: Option<(SocketAddr, Option<&str>)>,
    plan: impl FnOnce(&std::path::Path) -> HostPlan,
) -> Result<ApiHost, HostError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let api = ApiConfig {
        listen: tcp.map(|(addr, _)| addr),
        token: tcp.and_then(|(_, token)| token).map(Secret::new),
    };
    let host = EngineHost::start(plan(dir.path()), &api).await?;
    let http = reqwest::Client::builder()
        .unix_socket(host.socket())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Ok(ApiHost {
        host: Some(host),
        http,
        dir,
    })
}

pub async fn start() -> ApiHost {
    try_start(None).await.expect("the engine host starts")
}

/// What came back: the status and the body as JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    /// `data` of a success envelope, after checking its shape.
    pub fn data(&self) -> &Value {
        assert!(self.status.is_success(), "{self:#?}");
        assert_eq!(self.body["success"], true, "{self:#?}");
        assert!(self.body.get("error").is_none(), "{self:#?}");
        &self.body["data"]
    }

    /// `error.message` of a failure envelope with status `status`.
    pub fn error(&self, status: StatusCode) -> &str {
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(self.body["success"], false, "{self:#?}");
        assert!(self.body["error"]["code"].is_string(), "{self:#?}");
        self.body["error"]["message"].as_str().expect("a message")
    }
}

impl ApiHost {
    pub fn host(&self) -> &EngineHost {
        self.host.as_ref().unwrap()
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let request = self
            .http
            .request(method, format!("http://engine/api/v1{path}"));
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string()),
            None => request,
        };
        read(request.send().await.expect("the engine answers")).await
    }

    pub async fn raw(&self, method: Method, path: &str, body: &'static str) -> Answer {
        let response = self
            .http
            .request(method, format!("http://engine/api/v1{path}"))
            .body(body)
            .send()
            .await
            .expect("the engine answers");
        read(response).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Polls `path` (every 20 ms, up to 20 s) until `check` holds on its data.
    pub async fn until(&self, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1000 {
            let answer = self.get(path).await;
            if check(answer.data()) {
                return answer.data().clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {what} at {path}");
    }

    pub async fn stop(mut self) {
        if let Some(host) = self.host.take() {
            host.shutdown(Duration::ZERO).await;
        }
    }
}

pub async fn read(response: reqwest::Response) -> Answer {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {status}: {text}"));
    Answer { status, body }
}
