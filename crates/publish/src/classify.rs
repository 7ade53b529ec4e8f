//! Classifying a write's response: the one decision that separates "retry after a re-read" from "stop".
//!
//! Pure. Some responses cannot be judged alone (a 409 may be a stale version or a data conflict; a 503 or a lost
//! socket may hide a write that landed, or one the platform is still processing): [`classify`] then answers
//! [`Classification::NeedsRefetch`]. The caller re-reads, compares with what it sent ([`crate::plan::compare`]),
//! and asks [`judge`] with the facts and whether the processing window is over, until it gets an answer.
//!
//! The rules [`judge`] follows (DESIGN.md §7, issue #9):
//! - our payload live on every agent it changed, with the schedule's version moved, means the write landed;
//! - an unchanged version is never a version conflict: it is "not yet" until the window is over, then "it did
//!   not land" (resend the same payload after a lost answer; a refusal of the data after a refusal);
//! - versions moved without our payload mean someone else wrote, but after an unclear answer only once the window
//!   says ours is not still processing.

use serde::Serialize;
use serde_json::Value;

use crate::plan::LiveFacts;
use crate::platform::{Response, Step};

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
    /// 408, 5xx or no answer, and the platform settled without our payload and with the same versions: resubmit
    /// the same payload (it carries the same versions, so a duplicate cannot apply twice).
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

/// Classifies a write's response on its own; [`Classification::NeedsRefetch`] when only the live state can tell.
pub fn classify(response: &Response) -> Classification {
    match response {
        Response::AsyncComplete => Classification::Success,
        Response::Http { status, .. } if (200..300).contains(status) => Classification::Success,
        Response::Http { status: 429, .. } => Classification::RateLimited,
        Response::Http { status: 401, .. } => Classification::Unauthorized,
        Response::Http { status, body, .. } if names_data_conflict(*status, body.as_ref()) => {
            Classification::DataConflict
        }
        Response::AsyncError { detail: Some(d) } if names_data_conflict(409, Some(d)) => Classification::DataConflict,
        r if awaiting(r).is_some() => Classification::NeedsRefetch,
        Response::Http { .. } | Response::AsyncError { .. } | Response::NoResponse { .. } => Classification::Rejected,
    }
}

/// What re-reads must settle for a response that [`classify`] cannot judge alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Awaiting {
    /// No usable answer (a lost or closed socket, a timeout, 408, 5xx): the platform may still be processing the
    /// write, so it may yet land.
    Outcome,
    /// A refusal that does not say whether the version or the data was refused (409, 412, 400 "does not match the
    /// current version", an `Error` event without a reason): the write is over, the live versions tell why.
    Reason,
}

/// Which re-read question a response leaves open, if any.
pub fn awaiting(response: &Response) -> Option<Awaiting> {
    match response {
        Response::NoResponse { .. } => Some(Awaiting::Outcome),
        Response::Http { status, .. } if *status == 408 || *status >= 500 => Some(Awaiting::Outcome),
        Response::Http { status: 409 | 412, .. } => Some(Awaiting::Reason),
        Response::Http { status: 400, body: Some(b), .. } if is_version_mismatch(b) => Some(Awaiting::Reason),
        Response::AsyncError { detail } if !detail.as_ref().is_some_and(|d| names_data_conflict(409, Some(d))) => {
            Some(Awaiting::Reason)
        }
        _ => None,
    }
}

/// Whether a write that stopped at `step` can have changed anything. Only the Genesys update and the REST PUT
/// write; asking for a channel or an upload URL, or uploading the body, leaves the schedule as it was.
pub fn reaches_the_schedule(step: Step) -> bool {
    matches!(step, Step::Update | Step::Outcome | Step::Put)
}

/// Judges one re-read after a response awaiting `what`. `None`: not settled yet, read again (unless the window
/// is over, in which case this never answers `None`).
pub fn judge(what: Awaiting, facts: LiveFacts, window_over: bool) -> Option<Classification> {
    // Our payload with the schedule version unmoved is a read torn across the update (or a platform that keeps
    // the version): only the window settles it.
    if facts.ours_live && (facts.schedule_moved || window_over) {
        return Some(Classification::AlreadyApplied);
    }
    match what {
        // A refused write is over: moved versions can only be someone else's.
        Awaiting::Reason if facts.version_moved && !facts.ours_on_agents => Some(Classification::VersionConflict),
        _ if !window_over => None,
        _ if facts.version_moved => Some(Classification::VersionConflict),
        Awaiting::Outcome => Some(Classification::Transient),
        Awaiting::Reason => Some(Classification::DataConflict),
    }
}

/// Whether an error body says the data conflicts (rather than the version): a non-empty `conflicts` list, a
/// `*data.conflict` code (the simulator's `schedule.data.conflict`, wfm-api.md §5), or (on a 409) `details` that are not about
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
    const fn facts(version_moved: bool, schedule_moved: bool, ours_on_agents: bool, ours_live: bool) -> LiveFacts {
        LiveFacts { version_moved, schedule_moved, ours_on_agents, ours_live }
    }
    const NOTHING: LiveFacts = facts(false, false, false, false);
    const MOVED: LiveFacts = facts(true, true, false, false);
    const OURS: LiveFacts = facts(true, true, true, true);
    /// The schedule metadata read before our update was processed, the agent schedules after it.
    const TORN: LiveFacts = facts(true, false, true, false);

    #[test]
    fn success_and_immediate_stops() {
        assert_eq!(classify(&http(200, json!({}))), C::Success);
        assert_eq!(classify(&http(202, json!({"status": "Processing"}))), C::Success);
        assert_eq!(classify(&Response::AsyncComplete), C::Success);
        assert_eq!(classify(&http(429, json!({"code": "too.many.requests"}))), C::RateLimited);
        assert_eq!(classify(&http(401, json!({}))), C::Unauthorized);
        for status in [400, 403, 404, 422, 428] {
            assert_eq!(classify(&http(status, json!({"code": "bad.request"}))), C::Rejected, "{status}");
        }
    }

    #[test]
    fn a_conflict_list_is_a_data_conflict_without_rereading() {
        let rest = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z"}]});
        assert_eq!(classify(&http(409, rest)), C::DataConflict);
        // wfm-api.md §5 [D]: the simulator's code; any `*data.conflict` code reads the same.
        let genesys = json!({"status": 409, "code": "schedule.data.conflict", "details": [{"entityId": "a-200"}]});
        assert_eq!(classify(&http(409, genesys.clone())), C::DataConflict);
        assert_eq!(classify(&Response::AsyncError { detail: Some(genesys) }), C::DataConflict);
    }

    #[test]
    fn refusals_without_a_reason_are_judged_by_the_reread() {
        let stale = json!({"code": "version.mismatch", "message": "The version number of the modified resource must match the version number in the database."});
        for r in [
            http(409, stale.clone()),
            http(412, json!({})),
            http(400, json!({"message": "Version 17 does not match the current version"})),
            // research/wfm-api.md §1.6: a failed async update is only {"status":"Error","operationId":...}.
            Response::AsyncError { detail: None },
        ] {
            assert_eq!(classify(&r), C::NeedsRefetch, "{r:?}");
            assert_eq!(awaiting(&r), Some(Awaiting::Reason), "{r:?}");
        }
        let j = |f, over| judge(Awaiting::Reason, f, over);
        // The write is over: moved versions are someone else's at once.
        assert_eq!(j(MOVED, false), Some(C::VersionConflict));
        assert_eq!(j(OURS, false), Some(C::AlreadyApplied));
        // Same versions and not ours: not a version conflict, ever; a refusal of the data once the window is over.
        assert_eq!(j(NOTHING, false), None);
        assert_eq!(j(NOTHING, true), Some(C::DataConflict));
    }

    #[test]
    fn an_unknown_409_is_never_a_blind_retry() {
        for r in [http(409, json!({"code": "something.new"})), http(409, json!("not an object"))] {
            assert_eq!(judge(awaiting(&r).unwrap(), NOTHING, true), Some(C::DataConflict));
        }
    }

    #[test]
    fn lost_answers_wait_for_the_processing_window() {
        for r in [
            http(500, json!({})),
            http(503, json!({"code": "service.unavailable"})),
            http(408, json!({})),
            Response::Http { status: 502, body: None, retry_after: None },
            Response::NoResponse { reason: "the platform announced v2.system.socket_closing".into() },
        ] {
            assert_eq!(classify(&r), C::NeedsRefetch, "{r:?}");
            assert_eq!(awaiting(&r), Some(Awaiting::Outcome), "{r:?}");
        }
        let j = |f, over| judge(Awaiting::Outcome, f, over);
        assert_eq!(j(OURS, false), Some(C::AlreadyApplied));
        // Ours may still be processing: nothing is decided inside the window.
        for f in [NOTHING, MOVED, TORN] {
            assert_eq!(j(f, false), None, "{f:?}");
        }
        assert_eq!(j(NOTHING, true), Some(C::Transient));
        assert_eq!(j(MOVED, true), Some(C::VersionConflict));
    }

    #[test]
    fn a_torn_read_decides_nothing_until_the_window_is_over() {
        assert_eq!(judge(Awaiting::Reason, TORN, false), None);
        assert_eq!(judge(Awaiting::Outcome, TORN, false), None);
        // Our shifts live and published while the version stayed: the platform keeps versions; it landed.
        let kept = facts(false, false, true, true);
        assert_eq!(judge(Awaiting::Outcome, kept, false), None);
        assert_eq!(judge(Awaiting::Outcome, kept, true), Some(C::AlreadyApplied));
    }

    #[test]
    fn only_the_update_and_the_put_can_change_the_schedule() {
        for step in [Step::Channel, Step::UploadUrl, Step::Upload, Step::Fetch] {
            assert!(!reaches_the_schedule(step), "{step}");
        }
        for step in [Step::Update, Step::Outcome, Step::Put] {
            assert!(reaches_the_schedule(step), "{step}");
        }
    }

    #[test]
    fn a_400_about_a_data_field_is_not_a_version_problem() {
        assert!(!is_version_mismatch(&json!({"code": "bad.request", "message": "lengthMinutes must be > 0"})));
        assert!(!is_version_mismatch(&json!({"code": "wfm.schedule.data.conflict"})));
        assert_eq!(classify(&http(400, json!({"code": "bad.request"}))), C::Rejected);
    }
}
