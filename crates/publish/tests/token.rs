//! A token answer is outside input too: whatever `expires_in` the login host sends, the publisher neither panics
//! nor buys a token per request. Each test runs a scripted Genesys org on 127.0.0.1 whose token answer carries a
//! hostile `expires_in` (research/wfm-api.md §1.1: `{access_token, expires_in}`), reads the week, and counts the
//! token requests.

mod common;
mod wire;

use serde_json::json;
use shiftgate_publish::PlatformClient;

use common::{genesys, target};
use wire::{genesys_org, Reply, Server};

/// The scripted org, with `expires_in` set to `expires_in` in the token answer.
async fn org_whose_tokens_expire_in(expires_in: serde_json::Value) -> Server {
    let org = genesys_org(|_| 17);
    Server::start(move |r, base| {
        if r.method == "POST" && r.path() == "/oauth/token" {
            return Reply::Json(
                200,
                json!({"access_token": "tok-1", "token_type": "bearer", "expires_in": expires_in}),
            );
        }
        org(r, base)
    })
    .await
}

fn token_requests(server: &Server) -> usize {
    server.paths().iter().filter(|p| *p == "POST /oauth/token").count()
}

#[tokio::test]
async fn an_endless_token_lifetime_neither_panics_nor_stops_the_read() {
    // Before: `Instant::now() + Duration::from_secs(u64::MAX)` panicked ("overflow when adding duration to
    // instant"), ending the run with no report and no audited outcome.
    for huge in [json!(u64::MAX), json!(u64::MAX / 2), json!(1u64 << 40)] {
        let server = org_whose_tokens_expire_in(huge.clone()).await;
        let fetched = genesys(&server.base).fetch(&target()).await;
        assert!(fetched.is_ok(), "expires_in {huge}: {fetched:?}");
        assert_eq!(token_requests(&server), 1, "expires_in {huge}: {:?}", server.paths());
    }
}

#[tokio::test]
async fn a_token_said_to_expire_at_once_is_not_bought_per_request() {
    // Before: `expires_in: 0` made every request (8 for this week) buy a token first.
    for short in [json!(0), json!(1), json!(59)] {
        let server = org_whose_tokens_expire_in(short.clone()).await;
        genesys(&server.base).fetch(&target()).await.unwrap();
        let reads = server.paths().len() - token_requests(&server);
        assert!(reads >= 6, "{:?}", server.paths());
        assert_eq!(token_requests(&server), 1, "expires_in {short}: {:?}", server.paths());
    }
}
