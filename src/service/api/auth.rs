//! TCP requests carry `Authorization: Bearer TOKEN`. The token is compared in constant
//! time (both sides hashed, then every byte looked at), so timing tells an attacker
//! nothing about how much of a guess was right.

use super::envelope::ApiError;
use crate::config::Secret;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub async fn require_token(token: Arc<Secret>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(given) if same(given, token.expose()) => next.run(request).await,
        Some(_) => unauthorized("the bearer token is wrong"),
        None => unauthorized(
            "send Authorization: Bearer TOKEN (the [api] token or SWITCHBOARD_API_TOKEN)",
        ),
    }
}

fn unauthorized(message: &str) -> Response {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response()
}

fn same(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_by_content() {
        assert!(super::same("s3cret", "s3cret"));
        assert!(!super::same("s3cret", "s3cre"));
        assert!(!super::same("", "x"));
    }
}
