//! How a refused write is reported: the ErrorBody for a stale version, for data conflicts, and for a bad request.
//!
//! The shape is the record's ErrorBody (wfm-api.md §1.7 [F]); the codes and `messageParams` are the simulator
//! spec's design choices (wfm-api.md §5 [D]: the record does not show what WFM answers for either), and the 409
//! message is the platform-wide version-conflict text seen elsewhere (wfm-api.md §1.6).

use axum::http::StatusCode;

use crate::api_error::{ApiError, Detail};
use crate::apply::{Rejection, VersionMismatch};
use crate::config::Limits;
use crate::journal::AttemptOutcome;

/// Code of a version mismatch (409 variant), wfm-api.md §5 [D].
pub const VERSION_MISMATCH_CODE: &str = "version.mismatch";
/// Code of a data conflict, wfm-api.md §5 [D].
pub const DATA_CONFLICT_CODE: &str = "schedule.data.conflict";
/// The platform-wide message of a version mismatch (409 variant).
pub const VERSION_MISMATCH_MESSAGE: &str =
    "The version number of the modified resource must match the version number in the database";

/// How a rejection is reported: which variant of a version mismatch, whether conflicts carry their reasons.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reporting<'l> {
    pub version_as_400: bool,
    pub explain: bool,
    pub limits: &'l Limits,
}

/// `" and N more"` when some were left out of a list.
fn and_more(unlisted: u64) -> String {
    if unlisted == 0 {
        String::new()
    } else {
        format!(" and {unlisted} more")
    }
}

/// The first items of a list whose text fits the count and byte budget, and how many were left out.
fn within_budget<'a, T>(items: &'a [T], limits: &Limits, text: impl Fn(&T) -> usize) -> (&'a [T], u64) {
    let mut left = limits.conflict_text_bytes;
    let mut n = 0;
    for item in items.iter().take(limits.conflicts_listed) {
        let t = text(item);
        if t > left {
            break;
        }
        left -= t;
        n += 1;
    }
    (&items[..n], (items.len() - n) as u64)
}

/// The error for a rejection; lists are bounded by `how.limits` and end with "and N more".
pub(crate) fn to_api_error(rej: &Rejection, schedule_id: &str, how: Reporting<'_>) -> ApiError {
    match rej {
        Rejection::BadRequest(problems) => {
            let (listed, unlisted) = within_budget(problems, how.limits, |(f, m)| f.len() + m.len());
            let summary: Vec<String> = listed.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            let mut e =
                ApiError::bad_request(format!("Invalid schedule update: {}{}", summary.join("; "), and_more(unlisted)));
            for (field, _) in listed {
                e = e.detail(Detail {
                    error_code: "bad.request".into(),
                    field_name: Some(field.clone()),
                    ..Detail::default()
                });
            }
            e
        }
        Rejection::Version(list) => version_error(list, schedule_id, how.version_as_400),
        Rejection::Conflicts { listed, unlisted } => {
            let ranges: Vec<String> =
                listed.iter().map(|(c, _)| format!("{} {}/{}", c.agent_id, c.start, c.end)).collect();
            let joined = format!("{}{}", ranges.join(", "), and_more(*unlisted));
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                DATA_CONFLICT_CODE,
                format!("The schedule update conflicts with existing data: {joined}"),
            )
            .param("conflicts", joined);
            e.body.message_with_params = Some("The schedule update conflicts with existing data: {conflicts}".into());
            for (c, field) in listed {
                e = e.detail(Detail {
                    error_code: DATA_CONFLICT_CODE.into(),
                    field_name: field.clone(),
                    entity_id: Some(c.agent_id.clone()),
                    entity_name: Some(format!("{}/{}", c.start, c.end)),
                });
            }
            if how.explain {
                e.body.conflicts = Some(listed.iter().map(|(c, _)| c.clone()).collect());
            }
            e
        }
    }
}

fn version_error(list: &[VersionMismatch], schedule_id: &str, as_400: bool) -> ApiError {
    let first =
        list.first().cloned().unwrap_or(VersionMismatch { user: None, sent: 0, current: 0, field: String::new() });
    let entity = if first.user.is_some() { "agentSchedule" } else { "schedule" };
    let mut e = if as_400 {
        let of =
            first.user.as_ref().map_or(format!("schedule {schedule_id}"), |u| format!("the schedule of agent {u}"));
        ApiError::bad_request(format!(
            "Version {} of {of} does not match the current version {}",
            first.sent, first.current
        ))
    } else {
        ApiError::new(StatusCode::CONFLICT, VERSION_MISMATCH_CODE, VERSION_MISMATCH_MESSAGE)
    };
    // wfm-api.md §5 [D]: {entity, userId?, expected, actual}: the version the platform holds (what the write had
    // to carry) and the one the write carried.
    e = e.param("entity", entity).param("expected", first.current.to_string()).param("actual", first.sent.to_string());
    if let Some(u) = &first.user {
        e = e.param("userId", u.clone());
    }
    for m in list {
        e = e.detail(Detail {
            error_code: VERSION_MISMATCH_CODE.into(),
            field_name: Some(m.field.clone()),
            entity_id: Some(m.user.clone().unwrap_or_else(|| schedule_id.to_string())),
            entity_name: Some(if m.user.is_some() { "agentSchedule" } else { "schedule" }.into()),
        });
    }
    e
}

/// The journal outcome of a rejection.
pub(crate) fn outcome(rej: &Rejection) -> AttemptOutcome {
    match rej {
        Rejection::BadRequest(_) => AttemptOutcome::BadRequest,
        Rejection::Version(_) => AttemptOutcome::VersionMismatch,
        Rejection::Conflicts { .. } => AttemptOutcome::DataConflict,
    }
}
