//! OAuth client credentials, shared by both platform clients: the grant of research/wfm-api.md §1.1
//! (`POST {login}/oauth/token`, `Authorization: Basic base64(clientId:clientSecret)`, form
//! `grant_type=client_credentials`, answer `{access_token, expires_in}`), a cached token, and bearer requests
//! that get one refresh when answered 401 (an expired token is not a property of the request).
//!
//! Where a token goes: the token request goes to the client's login base ([`crate::http::Host::Login`]), the
//! bearer token only to its API base ([`crate::http::Host::Api`]); the sender attaches neither to a pre-signed
//! URL and follows no redirect, so neither credential leaves the origins the user configured.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::PublishError;
use crate::genesys::routes;
use crate::http::{Answer, Auth, Credential, Request, Sender};
use crate::platform::{PlatformError, Step};

/// A token is renewed this long before it expires, so that it does not expire in flight.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// The lifetime assumed when the token answer gives no `expires_in` (the Genesys default is 24 h; an hour is
/// the cautious reading).
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// The shortest lifetime believed. An `expires_in` of 0 (or anything under [`RENEW_BEFORE`]) would otherwise buy a
/// new token before every request; a token that really dies sooner earns a 401, which buys one more (see
/// [`OAuth::send`]), so believing it longer costs at most one refused request.
const MIN_TTL: Duration = Duration::from_secs(300);

/// The longest lifetime believed: the Genesys default of 24 h. A larger `expires_in` (up to `u64::MAX` seconds,
/// which no clock can add) is cut to it; renewing a longer-lived token early costs one token request a day.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long to keep a token, from the answer's `expires_in` (seconds): [`DEFAULT_TTL`] when it is missing or not
/// a whole number of seconds, else within [`MIN_TTL`]..=[`MAX_TTL`].
fn lifetime(expires_in: Option<&Value>) -> Duration {
    expires_in.and_then(Value::as_u64).map_or(DEFAULT_TTL, |s| Duration::from_secs(s).clamp(MIN_TTL, MAX_TTL))
}

/// OAuth client credentials (from the environment; the secret is never printed).
#[derive(Clone)]
pub struct ClientCredentials {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Credentials from an id and a secret.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> ClientCredentials {
        ClientCredentials { client_id: client_id.into(), client_secret }
    }
}

struct Token {
    secret: SecretString,
    expires: Instant,
}

/// A token source: the credentials and the token they last bought.
pub(crate) struct OAuth {
    credentials: ClientCredentials,
    token: Mutex<Option<Token>>,
}

impl OAuth {
    /// Refuses empty credentials before any request.
    pub(crate) fn new(credentials: ClientCredentials) -> Result<OAuth, PublishError> {
        if credentials.client_id.is_empty() || credentials.client_secret.expose_secret().is_empty() {
            return Err(PublishError::Config("an OAuth client id and secret are required".into()));
        }
        Ok(OAuth { credentials, token: Mutex::new(None) })
    }

    /// The client id (for Debug output; it is not a secret).
    pub(crate) fn client_id(&self) -> &str {
        &self.credentials.client_id
    }

    /// A valid access token, fetching one if there is none or it is about to expire.
    async fn token(&self, sender: &Sender, step: Step) -> Result<SecretString, PlatformError> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires > Instant::now() + RENEW_BEFORE {
                return Ok(t.secret.clone());
            }
        }
        let req = routes::token(step);
        let c = &self.credentials;
        let answer = sender.send(&req, Some(Credential::Basic(&c.client_id, &c.client_secret))).await?;
        let body = answer.json()?;
        let access = body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let Some(access) = access else {
            return Err(PlatformError::Decode {
                step,
                message: format!("{}: no access_token in the answer", req.label()),
            });
        };
        let now = Instant::now();
        // Cannot overflow once clamped; should the clock be that odd, the token counts as expired (bought again).
        let expires = now.checked_add(lifetime(body.get("expires_in"))).unwrap_or(now);
        let secret = SecretString::from(access.to_string());
        *guard = Some(Token { secret: secret.clone(), expires });
        Ok(secret)
    }

    /// Sends a bearer request with the cached token; answered 401, it forgets the token, buys one more and sends
    /// the request once more. Requests that ask for no bearer token are sent as they are.
    pub(crate) async fn send(&self, sender: &Sender, req: &Request) -> Result<Answer, PlatformError> {
        if req.auth != Auth::Bearer {
            return sender.send(req, None).await;
        }
        let token = self.token(sender, req.step).await?;
        let answer = sender.send(req, Some(Credential::Bearer(&token))).await?;
        if answer.status != 401 {
            return Ok(answer);
        }
        *self.token.lock().await = None;
        let token = self.token(sender, req.step).await?;
        sender.send(req, Some(Credential::Bearer(&token))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_token_lifetime_is_believed_within_bounds() {
        assert_eq!(lifetime(Some(&json!(3600))), Duration::from_secs(3600));
        assert_eq!(lifetime(Some(&json!(86_400))), MAX_TTL);
        assert_eq!(lifetime(Some(&json!(u64::MAX))), MAX_TTL);
        assert_eq!(lifetime(Some(&json!(0))), MIN_TTL);
        assert_eq!(lifetime(Some(&json!(30))), MIN_TTL);
        for odd in [json!(-5), json!(1.5), json!("3600"), json!(null)] {
            assert_eq!(lifetime(Some(&odd)), DEFAULT_TTL, "{odd}");
        }
        assert_eq!(lifetime(None), DEFAULT_TTL);
        assert!(MIN_TTL > RENEW_BEFORE, "a fresh token must be usable before it is renewed");
    }
}
