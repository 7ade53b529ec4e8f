//! `POST /oauth/token`: the client-credentials grant as research/wfm-api.md §1.1 records it: the client's id and
//! secret in `Authorization: Basic`, the form body `grant_type=client_credentials`, the answer `{access_token,
//! expires_in}` (plus `token_type: "bearer"`, [D] wfm-api.md §5).
//!
//! Refusals: the record shows no Genesys login error body, so they take the OAuth 2.0 token endpoint's error
//! response (RFC 6749 §5.2: `error`, `error_description`): 400 `unsupported_grant_type`, 401 `invalid_client` (the
//! status RFC 6749 §5.2 gives a failed Basic authentication). RFC 6749 §2.3.1 also lets a server take the
//! credentials from the form body; the record's call never does, so the simulator refuses that (a client that
//! relies on it would fail against the platform).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use crate::body::JsonBody;
use crate::state::{Sim, Token};

/// The token endpoint's error response (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// Credentials from `Authorization: Basic` (never from the form body).
fn credentials(headers: &HeaderMap) -> Option<(String, String)> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string())))
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let mut out = Vec::with_capacity(s.len());
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'%', Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (decode(k), decode(v))))
        .collect()
}

pub(crate) async fn token(State(sim): State<Arc<Sim>>, headers: HeaderMap, JsonBody(body): JsonBody) -> Response {
    let form = parse_form(&body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be client_credentials");
    }
    match credentials(&headers) {
        Some((id, secret)) if id == sim.config.client_id && secret == sim.config.client_secret => {
            let token = format!("sim-{}", uuid::Uuid::new_v4().simple());
            let ttl = sim.config.token_ttl;
            let expires_at = Instant::now() + ttl;
            let mut st = sim.state.lock().await;
            // Bounded: expired tokens go first, then the oldest live one.
            if st.tokens.len() >= sim.config.limits.tokens {
                let now = Instant::now();
                st.tokens.retain(|_, t| t.expires_at > now);
            }
            if st.tokens.len() >= sim.config.limits.tokens {
                let oldest = st.tokens.iter().min_by_key(|(_, t)| t.expires_at).map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    st.tokens.remove(&k);
                }
            }
            st.tokens.insert(token.clone(), Token { client_id: id, expires_at });
            drop(st);
            Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": ttl.as_secs() })).into_response()
        }
        None if form.contains_key("client_secret") => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials go in the Authorization: Basic header, not the form body",
        ),
        _ => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "client not found or bad secret"),
    }
}
