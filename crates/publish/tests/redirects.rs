//! Credentials stay with their origin (issue #10, point 1): no platform call follows a redirect. Each test builds
//! a two-hop chain on loopback (A answers 3xx to B, B answers 3xx to C) and checks that B and C receive nothing,
//! and that the error names the Location (without its query, which may be a credential).

mod common;
mod wire;

use secrecy::SecretString;
use serde_json::json;
use shiftgate_publish::rest::{RestAuth, RestClient, RestConfig};
use shiftgate_publish::{PlatformClient, PlatformError, Response, Step};

use common::{fast, genesys, submission, target};
use wire::{genesys_org, Recorded, Reply, Server};

fn rest(base: &str) -> RestClient {
    let mut c = RestConfig::new(base);
    c.http = fast();
    c.auth = RestAuth::Token(SecretString::from("rest-token"));
    RestClient::new(c).unwrap()
}

/// B redirects everything to C; C answers 200. Neither may ever be asked.
async fn second_and_third_hosts() -> (Server, Server) {
    let c = Server::start(|_, _| Reply::Json(200, json!({"access_token": "stolen", "expires_in": 3600}))).await;
    let to_c = format!("{}/third", c.base);
    let b = Server::start(move |_, _| Reply::redirect(302, &to_c)).await;
    (b, c)
}

fn nobody_asked(b: &Server, c: &Server) {
    assert!(b.requests().is_empty(), "the second host got {:?}", b.paths());
    assert!(c.requests().is_empty(), "the third host got {:?}", c.paths());
}

fn redirect_to(err: &PlatformError, b: &Server, purpose: &str) {
    match err {
        PlatformError::Redirect { status: 307, location, request, .. } => {
            assert_eq!(location, &format!("{}/elsewhere", b.base), "the Location, without its query");
            assert!(request.purpose.starts_with(purpose), "{request}");
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&format!("to {}/elsewhere;", b.base)) && !text.contains("token=abc"), "{text}");
}

#[tokio::test]
async fn the_token_request_does_not_follow_a_redirect() {
    let (b, c) = second_and_third_hosts().await;
    let to_b = format!("{}/elsewhere?token=abc", b.base);
    let a = Server::start(move |_, _| Reply::redirect(307, &to_b)).await;
    let err = genesys(&a.base).fetch(&target()).await.unwrap_err();
    redirect_to(&err, &b, "getting an access token");
    assert_eq!(a.paths(), ["POST /oauth/token"]);
    nobody_asked(&b, &c);
    assert!(!err.is_transient(), "a redirect is not cured by retrying");
}

#[tokio::test]
async fn an_api_read_does_not_follow_a_redirect() {
    let (b, c) = second_and_third_hosts().await;
    let to_b = format!("{}/elsewhere?token=abc", b.base);
    let a = Server::start(move |r: &Recorded, _| match r.path() {
        "/oauth/token" => Reply::Json(200, json!({"access_token": "tok-1", "expires_in": 3600})),
        _ => Reply::redirect(307, &to_b),
    })
    .await;
    let err = genesys(&a.base).fetch(&target()).await.unwrap_err();
    redirect_to(&err, &b, "reading business unit bu-chi");
    nobody_asked(&b, &c);
}

#[tokio::test]
async fn the_upload_does_not_follow_a_redirect() {
    let (b, c) = second_and_third_hosts().await;
    let to_b = format!("{}/elsewhere?token=abc", b.base);
    let org = genesys_org(|_| 17);
    let a = Server::start(move |r: &Recorded, base: &str| match (r.method.as_str(), r.path()) {
        ("PUT", _) => Reply::redirect(307, &to_b),
        _ => org(r, base),
    })
    .await;
    let result = genesys(&a.base).submit(&target(), &submission()).await;
    assert_eq!(result.step, Step::Upload);
    assert!(matches!(result.response, Response::Http { status: 307, .. }), "{:?}", result.response);
    let detail = result.detail.unwrap();
    assert!(
        detail.contains("uploading the schedule update (PUT http://127.0.0.1:") && !detail.contains("SECRET"),
        "{detail}"
    );
    assert!(detail.contains(&format!("to {}/elsewhere;", b.base)), "{detail}");
    nobody_asked(&b, &c);
}

#[tokio::test]
async fn rest_get_and_put_do_not_follow_a_redirect() {
    let (b, c) = second_and_third_hosts().await;
    let to_b = format!("{}/elsewhere?token=abc", b.base);
    let a = Server::start(move |_, _| Reply::redirect(307, &to_b)).await;
    let client = rest(&a.base);
    let err = client.fetch(&target()).await.unwrap_err();
    redirect_to(&err, &b, "reading schedule sch-48");
    let result = client.submit(&target(), &submission()).await;
    assert!(matches!(result.response, Response::Http { status: 307, .. }), "{:?}", result.response);
    assert!(result.detail.unwrap().contains(&format!("to {}/elsewhere;", b.base)));
    assert_eq!(a.paths().len(), 2);
    nobody_asked(&b, &c);
}

#[tokio::test]
async fn the_rest_token_request_does_not_follow_a_redirect() {
    let (b, c) = second_and_third_hosts().await;
    let to_b = format!("{}/elsewhere?token=abc", b.base);
    let a = Server::start(move |_, _| Reply::redirect(307, &to_b)).await;
    let mut config = RestConfig::new(&a.base);
    config.http = fast();
    config.auth = RestAuth::ClientCredentials(shiftgate_publish::oauth::ClientCredentials::new(
        "client-1",
        SecretString::from("s3cret"),
    ));
    let err = RestClient::new(config).unwrap().fetch(&target()).await.unwrap_err();
    redirect_to(&err, &b, "getting an access token");
    assert_eq!(a.paths(), ["POST /oauth/token"], "the token is asked of the REST base's own origin");
    nobody_asked(&b, &c);
}
