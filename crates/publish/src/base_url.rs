//! The API and login bases a user configures (`--api`, a region's host, a login base), checked before any
//! credential is attached to a request for them.
//!
//! Why so strict: the token request carries `Basic base64(clientId:clientSecret)` and every API call a bearer
//! token (research/wfm-api.md §1.1). Over plain `http://` both cross the network in clear text, so `http://` is
//! accepted only for a loopback host (127.0.0.0/8, ::1, `localhost`: a simulator on this machine). A base that
//! carries a user name or password (`https://user:pw@host`) is refused too: those would be sent as yet another
//! credential and printed wherever the base is named. A query or fragment would end up in front of every route's
//! path, so they are refused as well.

use std::net::IpAddr;

use crate::error::PublishError;

/// `url` as a base to send credentials to: an `https://` URL, or an `http://` URL of a loopback host, without
/// user info, query or fragment. Returns it without trailing slashes; `what` names it in the error ("the Genesys
/// API base").
pub fn checked_base(what: &str, url: &str) -> Result<String, PublishError> {
    let refuse = |why: String| Err(PublishError::Config(format!("{what} {why}")));
    let trimmed = url.trim_end_matches('/');
    let Ok(parsed) = reqwest::Url::parse(trimmed) else {
        return refuse(format!("must be an http(s) URL such as https://api.mypurecloud.com, got {}", shown(trimmed)));
    };
    // Checked before anything else is said about the URL, so that no error repeats a password.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse(
            "must not carry a user name or password (`user:password@`): credentials come from the environment, \
             never from the URL"
                .to_string(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return refuse(format!("must not carry a query or fragment, got {}", shown(trimmed)));
    }
    match parsed.scheme() {
        "https" => Ok(trimmed.to_string()),
        "http" if is_loopback(&parsed) => Ok(trimmed.to_string()),
        "http" => refuse(format!(
            "must use https:// (plain http:// would send the client secret and tokens in clear text; it is \
             accepted only for a loopback host such as 127.0.0.1 or localhost), got {}",
            shown(trimmed)
        )),
        _ => refuse(format!("must be an http(s) URL such as https://api.mypurecloud.com, got {}", shown(trimmed))),
    }
}

/// Whether the URL's host is this machine: 127.0.0.0/8, ::1 or `localhost`. (The URL parser has already written
/// an IP address in its one canonical form, brackets around IPv6.)
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The URL as an error quotes it: escaped and cut (it comes from a flag or a configuration file).
fn shown(url: &str) -> String {
    format!("{:?}", crate::http::sanitize(url, 200))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(url: &str) -> String {
        match checked_base("--api", url) {
            Err(PublishError::Config(m)) => m,
            other => panic!("{url}: expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        for ok in [
            "https://api.mypurecloud.com",
            "https://api.mypurecloud.com/",
            "https://wfm.example.com:8443/base",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000/",
            "http://localhost:3000",
            "http://LOCALHOST",
        ] {
            let base = checked_base("--api", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!base.ends_with('/'), "{base}");
        }
        for clear in [
            "http://api.mypurecloud.com",
            "http://10.0.0.5:8080",
            "http://[::2]",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "http://0.0.0.0:8080",
        ] {
            assert!(refusal(clear).contains("must use https://"), "{clear}");
        }
    }

    #[test]
    fn user_info_is_refused_without_repeating_it() {
        for url in ["https://user:pw-hunter2@api.mypurecloud.com", "https://user@host.example", "http://:pw@127.0.0.1"]
        {
            let m = refusal(url);
            assert!(m.contains("must not carry a user name or password"), "{m}");
            assert!(!m.contains("hunter2") && !m.contains("user@") && !m.contains(":pw"), "{m}");
        }
    }

    #[test]
    fn other_schemes_queries_and_garbage_are_refused() {
        assert!(refusal("ftp://api.example.com").contains("must be an http(s) URL"));
        assert!(refusal("api.mypurecloud.com").contains("must be an http(s) URL"));
        assert!(refusal("https://api.example.com/?x=1").contains("query or fragment"));
        assert!(refusal("https://api.example.com/#f").contains("query or fragment"));
        assert!(!refusal("https://a.example\n::error::x").contains('\n'));
    }
}
