//! Classifying a write's response: the one decision that separates "retry after a re-read" from "stop".
//!
//! Pure. Some responses cannot be judged alone (a 409 may be a stale version or a data conflict; a 503 may hide a
//! write that landed): [`classify`] then answers [`Classification::NeedsRefetch`], the caller re-reads, compares
//! with what it sent ([`crate::plan::compare`]) and asks again with the facts.

use serde::Serialize;
use serde_json::Value;

use crate::plan::LiveFacts;
use crate::platform::Response;

/// What a write's outcome means for the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Classification {
    /// Accepted: verify and finish.
    Success,
    /// The answer was an error or missing, but the re-read shows our plan is live: finish.
    AlreadyApplied,
    /// Someone else wrote since our read: re-fetch, re-apply, re-validate, back off, resubmit a new payload.
    VersionConflict,
    /// The platform rejects the data itself (or an unexplained conflict on an unchanged version): stop and explain;
    /// never resubmit the same payload.
    DataConflict,
    /// 429: wait for `Retry-After`, then send the same payload again (nothing was applied).
    RateLimited,
    /// 408, 5xx or no answer, and the re-read shows nothing changed: resubmit the same payload (it carries the same
    /// version, so a duplicate cannot apply twice).
    Transient,
    /// 401 after the client's one token refresh: stop (credentials).
    Unauthorized,
    /// Any other refusal (400, 403, 404, 422, 428, ...): stop (configuration or a bug).
    Rejected,
    /// Cannot tell without re-reading the live state.
    NeedsRefetch,
}

impl Classification {
    /// The wire name (as in the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Success => "success",
            Classification::AlreadyApplied => "alreadyApplied",
            Classification::VersionConflict => "versionConflict",
            Classification::DataConflict => "dataConflict",
            Classification::RateLimited => "rateLimited",
            Classification::Transient => "transient",
            Classification::Unauthorized => "unauthorized",
            Classification::Rejected => "rejected",
            Classification::NeedsRefetch => "needsRefetch",
        }
    }
}

/// Classifies a write's response, given the re-read facts when the caller has them.
pub fn classify(response: &Response, refetch: Option<LiveFacts>) -> Classification {
    // Unclear answers: decided by what the re-read shows. `stale` is what an unchanged version means.
    let after_refetch = |unchanged: Classification| match refetch {
        None => Classification::NeedsRefetch,
        Some(f) if f.ours_live => Classification::AlreadyApplied,
        Some(f) if f.version_moved => Classification::VersionConflict,
        Some(_) => unchanged,
    };
    match response {
        Response::AsyncComplete => Classification::Success,
        Response::Http { status, .. } if (200..300).contains(status) => Classification::Success,
        Response::Http { status: 429, .. } => Classification::RateLimited,
        Response::Http { status: 401, .. } => Classification::Unauthorized,
        Response::Http { status, body, .. } if names_data_conflict(*status, body.as_ref()) => {
            Classification::DataConflict
        }
        Response::Http { status: 409 | 412, .. } => after_refetch(Classification::DataConflict),
        Response::Http { status: 400, body: Some(b), .. } if is_version_mismatch(b) => {
            after_refetch(Classification::DataConflict)
        }
        Response::AsyncError { detail } => match detail {
            Some(d) if names_data_conflict(409, Some(d)) => Classification::DataConflict,
            _ => after_refetch(Classification::DataConflict),
        },
        Response::Http { status, .. } if *status == 408 || *status >= 500 => after_refetch(Classification::Transient),
        Response::NoResponse { .. } => after_refetch(Classification::Transient),
        Response::Http { .. } => Classification::Rejected,
    }
}

/// Whether an error body says the data conflicts (rather than the version): a non-empty `conflicts` list, a
/// `*data.conflict` code (the simulator's `wfm.schedule.data.conflict`), or (on a 409) `details` that are not about
/// the version.
pub fn names_data_conflict(status: u16, body: Option<&Value>) -> bool {
    let Some(b) = body else { return false };
    if b.get("conflicts").and_then(Value::as_array).is_some_and(|c| !c.is_empty()) {
        return true;
    }
    if error_code(b).is_some_and(|c| c.ends_with("data.conflict")) {
        return true;
    }
    status == 409
        && !is_version_mismatch(b)
        && b.get("details").and_then(Value::as_array).is_some_and(|d| !d.is_empty())
}

/// Whether an error body says the version is stale: a `*version*` code (not a data code), or the messages Genesys
/// uses ("does not match the current version", "must match the version number").
pub fn is_version_mismatch(body: &Value) -> bool {
    let code = error_code(body).unwrap_or_default().to_ascii_lowercase();
    let message = body.get("message").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    (code.contains("version") && !code.contains("data"))
        || message.contains("does not match the current version")
        || message.contains("must match the version number")
}

/// The Genesys `ErrorBody.code` (or a REST body's `code`).
pub fn error_code(body: &Value) -> Option<&str> {
    body.get("code").and_then(Value::as_str)
}

/// The Genesys `ErrorBody.contextId`.
pub fn context_id(body: &Value) -> Option<&str> {
    body.get("contextId").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use Classification as C;

    fn http(status: u16, body: Value) -> Response {
        Response::Http { status, body: Some(body), retry_after: None }
    }
    const NOTHING: LiveFacts = LiveFacts { version_moved: false, ours_live: false };
    const MOVED: LiveFacts = LiveFacts { version_moved: true, ours_live: false };
    const OURS: LiveFacts = LiveFacts { version_moved: true, ours_live: true };

    #[test]
    fn success_and_immediate_stops() {
        assert_eq!(classify(&http(200, json!({})), None), C::Success);
        assert_eq!(classify(&http(202, json!({"status": "Processing"})), None), C::Success);
        assert_eq!(classify(&Response::AsyncComplete, None), C::Success);
        assert_eq!(classify(&http(429, json!({"code": "too.many.requests"})), None), C::RateLimited);
        assert_eq!(classify(&http(401, json!({})), None), C::Unauthorized);
        for status in [400, 403, 404, 422, 428] {
            assert_eq!(classify(&http(status, json!({"code": "bad.request"})), None), C::Rejected, "{status}");
        }
    }

    #[test]
    fn a_conflict_list_is_a_data_conflict_without_rereading() {
        let rest = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z"}]});
        assert_eq!(classify(&http(409, rest), None), C::DataConflict);
        let genesys = json!({"status": 409, "code": "wfm.schedule.data.conflict", "details": [{"entityId": "a-200"}]});
        assert_eq!(classify(&http(409, genesys.clone()), None), C::DataConflict);
        assert_eq!(classify(&Response::AsyncError { detail: Some(genesys) }, None), C::DataConflict);
    }

    #[test]
    fn version_answers_are_judged_by_the_reread() {
        let stale = json!({"code": "wfm.schedule.version.mismatch", "message": "The version number of the modified resource must match the version number in the database."});
        for r in [
            http(409, stale.clone()),
            http(412, json!({})),
            http(400, json!({"message": "Version 17 does not match the current version"})),
            Response::AsyncError { detail: None },
        ] {
            assert_eq!(classify(&r, None), C::NeedsRefetch, "{r:?}");
            assert_eq!(classify(&r, Some(MOVED)), C::VersionConflict, "{r:?}");
            assert_eq!(classify(&r, Some(OURS)), C::AlreadyApplied, "{r:?}");
            // Same version and not ours: the platform objects to the data, whatever the code says.
            assert_eq!(classify(&r, Some(NOTHING)), C::DataConflict, "{r:?}");
        }
    }

    #[test]
    fn an_unknown_409_is_never_a_blind_retry() {
        let r = http(409, json!({"code": "something.new"}));
        assert_eq!(classify(&r, Some(NOTHING)), C::DataConflict);
        assert_eq!(classify(&http(409, json!("not an object")), Some(NOTHING)), C::DataConflict);
    }

    #[test]
    fn lost_answers_re_read_before_any_resend() {
        for r in [
            http(500, json!({})),
            http(503, json!({"code": "service.unavailable"})),
            http(408, json!({})),
            Response::Http { status: 502, body: None, retry_after: None },
            Response::NoResponse { reason: "timeout".into() },
        ] {
            assert_eq!(classify(&r, None), C::NeedsRefetch, "{r:?}");
            assert_eq!(classify(&r, Some(NOTHING)), C::Transient, "{r:?}");
            assert_eq!(classify(&r, Some(MOVED)), C::VersionConflict, "{r:?}");
            assert_eq!(classify(&r, Some(OURS)), C::AlreadyApplied, "{r:?}");
        }
    }

    #[test]
    fn a_400_about_a_data_field_is_not_a_version_problem() {
        assert!(!is_version_mismatch(&json!({"code": "bad.request", "message": "lengthMinutes must be > 0"})));
        assert!(!is_version_mismatch(&json!({"code": "wfm.schedule.data.conflict"})));
        assert_eq!(classify(&http(400, json!({"code": "bad.request"})), Some(NOTHING)), C::Rejected);
    }
}
