//! Every Genesys Cloud request the client sends, built purely from typed inputs: method, host, path, query,
//! headers, body, credential kind and answer cap. Sending is elsewhere ([`crate::http::Sender`]); what is built
//! here follows the public record (research/wfm-api.md and the SDK model docs cited per route), and
//! `tests/requests.rs` pins each route against it.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Map, Value};

use crate::http::{Auth, Body, Host, Method, Request, KIB, MIB};
use crate::platform::{Step, Target};

/// The WFM API prefix (research/wfm-api.md §1.3).
pub const WFM: &str = "/api/v2/workforcemanagement";

// Answer caps. Small where the answer is a few fields; generous where it carries a week of schedules (a generated
// 10,000-agent week is about 40 MB as one snapshot, and one management unit may hold all of it).
/// Token, upload URL, upload, channel and subscription answers: a few fields.
pub const SMALL_ANSWER: u64 = 64 * KIB;
/// Business unit and activity codes.
pub const ENTITY_ANSWER: u64 = 4 * MIB;
/// Schedule metadata (with every agent id) and the update's answer (an ErrorBody may list many details).
pub const METADATA_ANSWER: u64 = 32 * MIB;
/// Agent schedules of one management unit, its time-off requests, its trades.
pub const BULK_ANSWER: u64 = 256 * MIB;

/// Time-off statuses that can conflict with work (research/wfm-api.md §1.8; DENIED and CANCELED never do).
pub const LIVE_TIME_OFF_STATUSES: [&str; 2] = ["PENDING", "APPROVED"];

/// One path segment, percent-encoded: ids come from flags and answers, and must not add segments or a query.
pub(crate) fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn schedule_path(t: &Target) -> String {
    format!(
        "{WFM}/businessunits/{}/weeks/{}/schedules/{}",
        seg(&t.business_unit_id),
        seg(&t.week_id),
        seg(&t.schedule_id)
    )
}

fn api(
    route: &'static str,
    purpose: String,
    step: Step,
    method: Method,
    path: String,
    body: Body,
    cap: u64,
) -> Request {
    Request {
        route,
        purpose,
        step,
        method,
        host: Host::Api,
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body,
        auth: Auth::Bearer,
        cap,
    }
}

/// `POST {login}/oauth/token`, Basic client credentials, form `grant_type=client_credentials`
/// (research/wfm-api.md §1.1). `step` is the step that needed a token.
pub fn token(step: Step) -> Request {
    Request {
        route: "POST /oauth/token",
        purpose: "getting an access token".into(),
        step,
        method: Method::Post,
        host: Host::Login,
        path: "/oauth/token".into(),
        query: Vec::new(),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: Body::Form("grant_type=client_credentials".into()),
        auth: Auth::Basic,
        cap: SMALL_ANSWER,
    }
}

/// `GET /businessunits/{buId}?expand=settings`: the unit's time zone and start day (research/wfm-api.md §1.2).
pub fn business_unit(bu: &str) -> Request {
    let mut r = api(
        "GET /businessunits/{buId}",
        format!("reading business unit {bu}"),
        Step::Fetch,
        Method::Get,
        format!("{WFM}/businessunits/{}", seg(bu)),
        Body::Empty,
        ENTITY_ANSWER,
    );
    r.query.push(("expand", "settings".into()));
    r
}

/// `GET /businessunits/{buId}/activitycodes` (research/wfm-api.md §1.3, §1.10).
pub fn activity_codes(bu: &str) -> Request {
    api(
        "GET /businessunits/{buId}/activitycodes",
        format!("reading the activity codes of business unit {bu}"),
        Step::Fetch,
        Method::Get,
        format!("{WFM}/businessunits/{}/activitycodes", seg(bu)),
        Body::Empty,
        ENTITY_ANSWER,
    )
}

/// `GET .../weeks/{weekId}/schedules/{scheduleId}?expand=managementUnits.agents` (`BuScheduleMetadata`,
/// research/wfm-api.md §1.3): the version and the management units with their agents.
pub fn schedule_metadata(t: &Target) -> Request {
    let mut r = api(
        "GET .../schedules/{scheduleId}",
        format!("reading the metadata of schedule {}", t.schedule_id),
        Step::Fetch,
        Method::Get,
        schedule_path(t),
        Body::Empty,
        METADATA_ANSWER,
    );
    r.query.push(("expand", "managementUnits.agents".into()));
    r
}

/// `GET .../weeks/{weekId}/schedules/{scheduleId}` without `expand`: the version and `published`, without every
/// agent id of the business unit (what a re-read of some agents needs; the agents come from the plan).
pub fn schedule_metadata_only(t: &Target) -> Request {
    api(
        "GET .../schedules/{scheduleId}",
        format!("reading the version of schedule {}", t.schedule_id),
        Step::Fetch,
        Method::Get,
        schedule_path(t),
        Body::Empty,
        METADATA_ANSWER,
    )
}

/// `POST .../agentschedules/query` with `BuQueryAgentSchedulesRequest {managementUnitId}` (required; no userIds:
/// every agent of the unit).
pub fn agent_schedules(t: &Target, mu: &str) -> Request {
    agent_schedules_query(t, mu, None)
}

/// `POST .../agentschedules/query` with `BuQueryAgentSchedulesRequest {managementUnitId, userIds}`: only these
/// agents of the unit (SDK: BuQueryAgentSchedulesRequest.md, `user_ids` "The IDs of the users to query. Omit to
/// query all user schedules in the management unit"). `managementUnitId` is required, so one request per unit
/// is the fewest this route allows. An empty list would mean "every agent" by omission, so it is never sent:
/// callers ask only for units that have agents to read.
pub fn agent_schedules_of(t: &Target, mu: &str, user_ids: &[String]) -> Request {
    agent_schedules_query(t, mu, Some(user_ids))
}

fn agent_schedules_query(t: &Target, mu: &str, user_ids: Option<&[String]>) -> Request {
    let (body, purpose) = match user_ids {
        None => (json!({ "managementUnitId": mu }), format!("reading the agent schedules of management unit {mu}")),
        Some(ids) => (
            json!({ "managementUnitId": mu, "userIds": ids }),
            format!("reading the schedules of {} agent(s) of management unit {mu}", ids.len()),
        ),
    };
    api(
        "POST .../schedules/{scheduleId}/agentschedules/query",
        purpose,
        Step::Fetch,
        Method::Post,
        format!("{}/agentschedules/query", schedule_path(t)),
        Body::Json(body),
        BULK_ANSWER,
    )
}

/// `GET <downloadUrl>` of an agent schedule query whose result was too large to inline
/// (`BuAsyncAgentSchedulesQueryResponse.downloadUrl`): pre-signed, so no credential.
pub fn agent_schedules_download(mu: &str, url: &str) -> Request {
    Request {
        route: "GET agent schedules downloadUrl (pre-signed)",
        purpose: format!("downloading the agent schedules of management unit {mu}"),
        step: Step::Fetch,
        method: Method::Get,
        host: Host::Presigned(url.to_string()),
        path: String::new(),
        query: Vec::new(),
        headers: Vec::new(),
        body: Body::Empty,
        auth: Auth::None,
        cap: BULK_ANSWER,
    }
}

/// An inclusive range of local dates (`DateRange`: yyyy-MM-dd, inclusive, in the management unit's zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// First date, inclusive.
    pub start: NaiveDate,
    /// Last date, inclusive.
    pub end: NaiveDate,
}

/// The time-off query's dates for a schedule of `week_count` weeks starting on `week_id`.
///
/// `week_id` is a local date of the business unit, but `DateRange` is read in each management unit's zone, which
/// we do not read (one more request per unit). An instant's local date differs between two zones by at most two
/// days: UTC offsets run from -12 h to +14 h, so two zones differ by at most 26 h, and a local clock in
/// [00:00, 24:00) moved by less than 26 h either way lands within two dates of where it was. (One day of margin
/// would do only for zones at most 24 h apart.) So the business unit's dates of the week, widened by two days on
/// each side, cover the week in every management unit's zone, whatever it is. A few requests outside the week may
/// come back; they cannot overlap the week's shifts wrongly, only be irrelevant.
pub fn time_off_dates(week_id: NaiveDate, week_count: Option<i64>) -> DateRange {
    let days = 7 * week_count.unwrap_or(1).clamp(1, 6);
    DateRange { start: week_id - Duration::days(2), end: week_id + Duration::days(days - 1 + 2) }
}

/// `POST /managementunits/{muId}/timeoffrequests/query` with `TimeOffRequestQueryBody {statuses, dateRange}`
/// (research/wfm-api.md §1.8): the requests that can conflict, dates as yyyy-MM-dd.
pub fn time_off(mu: &str, dates: DateRange) -> Request {
    let body = json!({
        "statuses": LIVE_TIME_OFF_STATUSES,
        "dateRange": {
            "startDate": dates.start.format("%Y-%m-%d").to_string(),
            "endDate": dates.end.format("%Y-%m-%d").to_string(),
        },
    });
    api(
        "POST /managementunits/{muId}/timeoffrequests/query",
        format!("reading time-off requests of management unit {mu}"),
        Step::Fetch,
        Method::Post,
        format!("{WFM}/managementunits/{}/timeoffrequests/query", seg(mu)),
        Body::Json(body),
        BULK_ANSWER,
    )
}

/// `GET /managementunits/{muId}/weeks/{weekDateId}/shifttrades` (research/wfm-api.md §1.9).
pub fn shift_trades(mu: &str, week_id: &str) -> Request {
    api(
        "GET /managementunits/{muId}/weeks/{weekDateId}/shifttrades",
        format!("reading the shift trades of management unit {mu}"),
        Step::Fetch,
        Method::Get,
        format!("{WFM}/managementunits/{}/weeks/{}/shifttrades", seg(mu), seg(week_id)),
        Body::Empty,
        BULK_ANSWER,
    )
}

/// `POST .../update/uploadurl` with `UploadUrlRequestBody {contentLengthBytes}` (required: the gzip length).
pub fn upload_url(t: &Target, content_length_bytes: usize) -> Request {
    api(
        "POST .../schedules/{scheduleId}/update/uploadurl",
        format!("asking for an upload URL for schedule {}", t.schedule_id),
        Step::UploadUrl,
        Method::Post,
        format!("{}/update/uploadurl", schedule_path(t)),
        Body::Json(json!({ "contentLengthBytes": content_length_bytes })),
        SMALL_ANSWER,
    )
}

/// `PUT <url>` of `UpdateScheduleUploadResponse`, with exactly its `headers` and the gzip body, and no
/// Authorization: the URL is pre-signed (research/wfm-api.md §1.5).
pub fn upload(url: &str, headers: &Map<String, Value>, gzip: Vec<u8>) -> Request {
    Request {
        route: "PUT upload url (pre-signed)",
        purpose: "uploading the schedule update".into(),
        step: Step::Upload,
        method: Method::Put,
        host: Host::Presigned(url.to_string()),
        path: String::new(),
        query: Vec::new(),
        headers: headers.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect(),
        body: Body::Bytes(gzip),
        auth: Auth::None,
        cap: SMALL_ANSWER,
    }
}

/// `POST .../update` with `ProcessScheduleUpdateUploadRequest {uploadKey}` (required).
pub fn update(t: &Target, upload_key: &str) -> Request {
    api(
        "POST .../schedules/{scheduleId}/update",
        format!("starting the update of schedule {}", t.schedule_id),
        Step::Update,
        Method::Post,
        format!("{}/update", schedule_path(t)),
        Body::Json(json!({ "uploadKey": upload_key })),
        METADATA_ANSWER,
    )
}

/// `POST /api/v2/notifications/channels`: no parameters and no body (NotificationsApi); answers `Channel`.
pub fn create_channel() -> Request {
    api(
        "POST /notifications/channels",
        "creating a notification channel".into(),
        Step::Channel,
        Method::Post,
        "/api/v2/notifications/channels".into(),
        Body::Empty,
        SMALL_ANSWER,
    )
}

/// The topic BU schedule operations report on (research/wfm-api.md §6).
pub fn schedule_topic(bu: &str) -> String {
    format!("v2.workforcemanagement.businessunits.{bu}.schedules")
}

/// `POST /api/v2/notifications/channels/{channelId}/subscriptions` with `list[ChannelTopic]` `[{id}]`.
pub fn subscribe(channel_id: &str, topic: &str) -> Request {
    api(
        "POST /notifications/channels/{channelId}/subscriptions",
        format!("subscribing the notification channel to {topic}"),
        Step::Channel,
        Method::Post,
        format!("/api/v2/notifications/channels/{}/subscriptions", seg(channel_id)),
        Body::Json(json!([{ "id": topic }])),
        SMALL_ANSWER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_add_segments_or_a_query() {
        assert_eq!(seg("bu-chi_1.x~"), "bu-chi_1.x~");
        assert_eq!(seg("../x?y=1 z"), "..%2Fx%3Fy%3D1%20z");
    }
}
