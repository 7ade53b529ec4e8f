//! Every request the platform clients send, pinned against the public record: method, host, path, query, body
//! field formats and the credential kind, built purely (no network); then on the wire, against a recording server
//! on 127.0.0.1, that the token call carries Basic auth and a form body, API calls carry Bearer, and the upload to
//! the pre-signed URL carries exactly the headers the platform returned and no Authorization.
//!
//! Sources: research/wfm-api.md (sections cited per test) and the SDK model docs cached in /work/record/.

mod common;
mod wire;

use base64::Engine as _;
use chrono::NaiveDate;
use secrecy::SecretString;
use serde_json::{json, Map};
use shiftgate_publish::genesys::routes::{self, DateRange};
use shiftgate_publish::http::{Auth, Body, Host, Method};
use shiftgate_publish::rest::{self, RestAuth, RestClient, RestConfig};
use shiftgate_publish::{PlatformClient, Request, Response, Step};

use common::{fast, genesys, submission, target, SCHEDULE};
use wire::{genesys_org, Server};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn query(r: &Request) -> Vec<(&str, &str)> {
    r.query.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Method, host, path and credential kind of a request.
fn line(r: &Request) -> (Method, Host, &str, Auth) {
    (r.method, r.host.clone(), r.path.as_str(), r.auth)
}

#[test]
fn token_is_a_basic_authenticated_form_post_to_the_login_host() {
    // wfm-api.md §1.1: POST https://login.<domain>/oauth/token, Basic base64(id:secret), grant_type=client_credentials.
    let r = routes::token(Step::Fetch);
    assert_eq!(line(&r), (Method::Post, Host::Login, "/oauth/token", Auth::Basic));
    assert_eq!(r.body, Body::Form("grant_type=client_credentials".into()));
    assert!(r.headers.contains(&("Content-Type".into(), "application/x-www-form-urlencoded".into())));
    assert!(r.query.is_empty());
}

#[test]
fn reads_follow_the_read_routes() {
    let t = target();
    // wfm-api.md §1.2: GET /businessunits/{buId}?expand=settings (BusinessUnitSettingsResponse: timeZone, startDayOfWeek).
    let r = routes::business_unit("bu-chi");
    assert_eq!(line(&r), (Method::Get, Host::Api, "/api/v2/workforcemanagement/businessunits/bu-chi", Auth::Bearer));
    assert_eq!((query(&r), &r.body), (vec![("expand", "settings")], &Body::Empty));
    // wfm-api.md §1.3, §1.10: GET /businessunits/{buId}/activitycodes.
    let r = routes::activity_codes("bu-chi");
    assert_eq!(
        line(&r),
        (Method::Get, Host::Api, "/api/v2/workforcemanagement/businessunits/bu-chi/activitycodes", Auth::Bearer)
    );
    assert!(r.query.is_empty());
    // wfm-api.md §1.3: GET .../weeks/{weekId}/schedules/{scheduleId}?expand=managementUnits.agents (BuScheduleMetadata);
    // weekId is "first day of schedule week in yyyy-MM-dd".
    let r = routes::schedule_metadata(&t);
    assert_eq!(line(&r), (Method::Get, Host::Api, SCHEDULE, Auth::Bearer));
    assert_eq!(query(&r), vec![("expand", "managementUnits.agents")]);
    // SDK: BuQueryAgentSchedulesRequest.md — managementUnitId is required; userIds omitted = every agent of the unit.
    let r = routes::agent_schedules(&t, "mu-1");
    assert_eq!(line(&r), (Method::Post, Host::Api, format!("{SCHEDULE}/agentschedules/query").as_str(), Auth::Bearer));
    assert_eq!(r.json(), Some(&json!({"managementUnitId": "mu-1"})));
    // SDK: BuQueryAgentSchedulesRequest.md — userIds narrows the query to those agents of the unit (a re-read
    // that verifies or settles a write reads only the agents the payload changed).
    let r = routes::agent_schedules_of(&t, "mu-2", &["a-300".to_string(), "a-400".to_string()]);
    assert_eq!(line(&r), (Method::Post, Host::Api, format!("{SCHEDULE}/agentschedules/query").as_str(), Auth::Bearer));
    assert_eq!(r.json(), Some(&json!({"managementUnitId": "mu-2", "userIds": ["a-300", "a-400"]})));
    // SDK: BuAsyncAgentSchedulesQueryResponse.md — downloadUrl: fetched as it is, with no credential.
    let r = routes::agent_schedules_download("mu-1", "https://dl.example.com/r.json?sig=x");
    assert_eq!((r.method, r.auth), (Method::Get, Auth::None));
    assert_eq!(r.host, Host::Presigned("https://dl.example.com/r.json?sig=x".into()));
    // wfm-api.md §1.9: GET /managementunits/{muId}/weeks/{weekDateId}/shifttrades.
    let r = routes::shift_trades("mu-1", "2026-11-29");
    assert_eq!(
        line(&r),
        (
            Method::Get,
            Host::Api,
            "/api/v2/workforcemanagement/managementunits/mu-1/weeks/2026-11-29/shifttrades",
            Auth::Bearer
        )
    );
    assert_eq!(r.body, Body::Empty);
}

#[test]
fn the_time_off_query_sends_local_dates_not_instants() {
    // SDK: TimeOffRequestQueryBody.md — statuses list[str], dateRange DateRange.
    // SDK: DateRange.md — startDate/endDate are yyyy-MM-dd, inclusive, in the management unit's time zone.
    let r = routes::time_off("mu-1", DateRange { start: date("2026-11-27"), end: date("2026-12-07") });
    assert_eq!(
        line(&r),
        (
            Method::Post,
            Host::Api,
            "/api/v2/workforcemanagement/managementunits/mu-1/timeoffrequests/query",
            Auth::Bearer
        )
    );
    assert_eq!(
        r.json(),
        Some(
            &json!({"statuses": ["PENDING", "APPROVED"], "dateRange": {"startDate": "2026-11-27", "endDate": "2026-12-07"}})
        )
    );
}

#[test]
fn the_time_off_dates_cover_the_week_in_every_zone() {
    // The week of 2026-11-29 is Nov 29 .. Dec 5 in the business unit's zone. A management unit up to 26 h away
    // (UTC-12 vs UTC+14) sees those instants on local dates up to two days off, so two days of margin each side.
    assert_eq!(
        routes::time_off_dates(date("2026-11-29"), Some(1)),
        DateRange { start: date("2026-11-27"), end: date("2026-12-07") }
    );
    assert_eq!(
        routes::time_off_dates(date("2026-11-29"), None),
        DateRange { start: date("2026-11-27"), end: date("2026-12-07") }
    );
    assert_eq!(routes::time_off_dates(date("2026-11-29"), Some(2)).end, date("2026-12-14"));
}

#[test]
fn the_time_off_dates_are_wide_enough_by_brute_force() {
    // For every quarter-hour instant of the week (BU zone UTC-12, the westernmost) and every whole-hour offset
    // from -12 h to +14 h, the instant's local date in that zone lies inside the queried range.
    use chrono::{Duration as D, FixedOffset, TimeZone};
    let range = routes::time_off_dates(date("2026-11-29"), Some(1));
    for bu_offset in [-12, 0, 14] {
        let bu = FixedOffset::east_opt(bu_offset * 3600).unwrap();
        let start = bu.from_local_datetime(&date("2026-11-29").and_hms_opt(0, 0, 0).unwrap()).unwrap();
        for q in 0..(7 * 24 * 4) {
            let t = start + D::minutes(15 * q);
            for mu_offset in -12..=14 {
                let local = t.with_timezone(&FixedOffset::east_opt(mu_offset * 3600).unwrap()).date_naive();
                assert!(range.start <= local && local <= range.end, "{t} at {mu_offset:+} h is {local}");
            }
        }
    }
}

#[test]
fn the_update_flow_sends_what_the_record_requires() {
    let t = target();
    // SDK: UploadUrlRequestBody.md — contentLengthBytes (required): the gzip-encoded length.
    let r = routes::upload_url(&t, 1234);
    assert_eq!(line(&r), (Method::Post, Host::Api, format!("{SCHEDULE}/update/uploadurl").as_str(), Auth::Bearer));
    assert_eq!(r.json(), Some(&json!({"contentLengthBytes": 1234})));
    // SDK: UpdateScheduleUploadResponse.md — PUT the gzip body to url with exactly `headers`; pre-signed: no auth.
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), json!("application/json"));
    headers.insert("x-amz-meta-key".into(), json!("k-1"));
    let r = routes::upload("https://storage.example.com/u?sig=S", &headers, vec![31, 139]);
    assert_eq!((r.method, r.auth, r.step), (Method::Put, Auth::None, Step::Upload));
    assert_eq!(r.host, Host::Presigned("https://storage.example.com/u?sig=S".into()));
    assert_eq!(
        r.headers,
        vec![("Content-Type".to_string(), "application/json".to_string()), ("x-amz-meta-key".into(), "k-1".into())]
    );
    assert_eq!(r.body, Body::Bytes(vec![31, 139]));
    assert!(!r.label().to_string().contains("sig="), "a pre-signed URL is printed without its query");
    // SDK: ProcessScheduleUpdateUploadRequest.md — uploadKey (required).
    let r = routes::update(&t, "k-1");
    assert_eq!(line(&r), (Method::Post, Host::Api, format!("{SCHEDULE}/update").as_str(), Auth::Bearer));
    assert_eq!(r.json(), Some(&json!({"uploadKey": "k-1"})));
}

#[test]
fn the_upload_body_carries_the_required_metadata() {
    // SDK: UpdateScheduleUploadSchema.md — metadata (WfmVersionedEntityMetadata) is required; published optional.
    // SDK: BuUpdateAgentScheduleUploadSchema.md — userId required; metadata required for an existing agent schedule.
    // SDK: BuUpdateAgentScheduleShift.md — delete: bool.
    let doc = common::example();
    let snapshot = shiftgate_model::Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let plan = shiftgate_publish::plan::build_plan(&snapshot, &doc, &shiftgate_model::apply_trades(&snapshot));
    let body = shiftgate_publish::genesys::convert::upload_body(&plan);
    assert_eq!(body["metadata"], json!({"version": 17}));
    assert_eq!(body["published"], json!(true));
    for a in body["agentSchedules"].as_array().unwrap() {
        assert!(a["userId"].is_string(), "{a}");
        assert!(a["metadata"]["version"].is_i64(), "{a}");
        for s in a["shifts"].as_array().unwrap() {
            // SDK: BuUpdateAgentScheduleShift.md — startDate is a date-time: yyyy-MM-ddTHH:mm:ss[.mmm]Z.
            let start = s["startDate"].as_str().unwrap();
            assert!(chrono::DateTime::parse_from_rfc3339(start).is_ok() && start.ends_with('Z'), "{start}");
        }
    }
}

#[test]
fn notification_routes_follow_the_notifications_api() {
    // NotificationsApi: POST /api/v2/notifications/channels takes no parameters and no body; answers Channel.
    let r = routes::create_channel();
    assert_eq!(line(&r), (Method::Post, Host::Api, "/api/v2/notifications/channels", Auth::Bearer));
    assert_eq!(r.body, Body::Empty);
    // NotificationsApi: POST .../channels/{channelId}/subscriptions with list[ChannelTopic] (ChannelTopic.md: id).
    // wfm-api.md §6: BU schedule operations report on v2.workforcemanagement.businessunits.{buId}.schedules.
    let topic = routes::schedule_topic("bu-chi");
    assert_eq!(topic, "v2.workforcemanagement.businessunits.bu-chi.schedules");
    let r = routes::subscribe("ch-1", &topic);
    assert_eq!(line(&r), (Method::Post, Host::Api, "/api/v2/notifications/channels/ch-1/subscriptions", Auth::Bearer));
    assert_eq!(r.json(), Some(&json!([{"id": "v2.workforcemanagement.businessunits.bu-chi.schedules"}])));
}

#[test]
fn rest_routes_carry_the_etag_and_the_token_only_when_configured() {
    let t = target();
    let r = rest::get_schedule(&t, true);
    assert_eq!(line(&r), (Method::Get, Host::Api, "/api/v2/wfm/scheduling/schedules/sch-48", Auth::Bearer));
    assert_eq!(rest::get_schedule(&t, false).auth, Auth::None);
    let r = rest::put_schedule(&t, &json!({"a": 1}), Some("\"v17\""), true);
    assert_eq!(line(&r), (Method::Put, Host::Api, "/api/v2/wfm/scheduling/schedules/sch-48", Auth::Bearer));
    assert_eq!(r.headers, vec![("If-Match".to_string(), "\"v17\"".to_string())]);
    assert_eq!(r.json(), Some(&json!({"a": 1})));
}

#[test]
fn every_route_has_a_cap_sized_to_its_answer() {
    let t = target();
    let small =
        [routes::token(Step::Fetch), routes::upload_url(&t, 1), routes::create_channel(), routes::subscribe("c", "x")];
    for r in &small {
        assert_eq!(r.cap, routes::SMALL_ANSWER, "{}", r.purpose);
    }
    const { assert!(routes::SMALL_ANSWER <= 64 * 1024) };
    for r in [
        routes::agent_schedules(&t, "mu-1"),
        routes::time_off("mu-1", routes::time_off_dates(date("2026-11-29"), None)),
    ] {
        assert_eq!(r.cap, routes::BULK_ANSWER, "{}", r.purpose);
    }
    // A generated 10,000-agent week is about 40 MB: the bulk and snapshot caps leave room for it.
    const { assert!(routes::BULK_ANSWER >= 128 * 1024 * 1024 && rest::SNAPSHOT_ANSWER >= 128 * 1024 * 1024) };
}

#[tokio::test]
async fn on_the_wire_token_basic_form_api_bearer_upload_bare() {
    let org = Server::start(genesys_org(|_| 17)).await;
    let client = genesys(&org.base);
    client.fetch(&target()).await.expect("the scripted org reads");
    let result = client.submit(&target(), &submission()).await;
    assert_eq!(result.step, Step::Channel, "the scripted org refuses the channel after the upload: {result:?}");
    let requests = org.requests();

    let token = &requests[0];
    assert_eq!((token.method.as_str(), token.target.as_str()), ("POST", "/oauth/token"));
    let basic = base64::engine::general_purpose::STANDARD.encode("client-1:s3cret");
    assert_eq!(token.header("authorization"), Some(format!("Basic {basic}").as_str()));
    assert_eq!(token.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(token.body, b"grant_type=client_credentials");
    assert_eq!(
        requests.iter().filter(|r| r.header("authorization").is_some_and(|a| a.starts_with("Basic"))).count(),
        1
    );

    for r in requests.iter().filter(|r| r.path().starts_with("/api/")) {
        assert_eq!(r.header("authorization"), Some("Bearer tok-1"), "{} {}", r.method, r.target);
    }
    let time_off = requests.iter().find(|r| r.path().ends_with("/timeoffrequests/query")).unwrap();
    assert_eq!(time_off.json()["dateRange"], json!({"startDate": "2026-11-27", "endDate": "2026-12-07"}));
    let metadata = requests.iter().find(|r| r.path() == SCHEDULE).unwrap();
    assert_eq!(metadata.target, format!("{SCHEDULE}?expand=managementUnits.agents"));

    let upload = requests.iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(upload.target, "/upload/k-1?sig=SECRET");
    assert_eq!(upload.header("authorization"), None, "no credential goes to the pre-signed URL");
    // Exactly the returned headers, plus what HTTP itself needs.
    let transport = ["host", "content-length", "user-agent", "accept", "accept-encoding"];
    let mut ours: Vec<(&str, &str)> = upload
        .headers
        .iter()
        .filter(|(k, _)| !transport.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ours.sort();
    assert_eq!(
        ours,
        vec![("content-encoding", "gzip"), ("content-type", "application/json"), ("x-ms-blob-type", "BlockBlob")]
    );
    let uploaded = requests.iter().find(|r| r.path().ends_with("/update/uploadurl")).unwrap();
    assert_eq!(uploaded.json()["contentLengthBytes"], json!(upload.body.len()));
    assert_eq!(&upload.body[..2], &[0x1f, 0x8b], "the body is gzip");

    // The channel was refused: the result names the request and the platform's message.
    assert!(matches!(result.response, Response::Http { status: 503, .. }));
    let detail = result.detail.unwrap();
    assert!(detail.contains("creating a notification channel (POST /api/v2/notifications/channels) was refused: HTTP 503 service.unavailable: \"try later\""), "{detail}");
}

#[tokio::test]
async fn on_the_wire_rest_carries_its_bearer_and_if_match() {
    let server = Server::start(|r, _| match r.method.as_str() {
        "GET" => wire::Reply::Raw(
            200,
            vec![("ETag".into(), "\"v17\"".into())],
            serde_json::to_vec(&common::clean_example()).unwrap(),
        ),
        _ => wire::Reply::Json(200, common::clean_example()),
    })
    .await;
    let mut c = RestConfig::new(&server.base);
    c.http = fast();
    c.auth = RestAuth::Token(SecretString::from("rest-token"));
    let client = RestClient::new(c).unwrap();
    let fetched = client.fetch(&target()).await.unwrap();
    assert_eq!(fetched.etag.as_deref(), Some("\"v17\""));
    let mut s = submission();
    s.etag = fetched.etag.clone();
    client.submit(&target(), &s).await;
    let requests = server.requests();
    assert_eq!(
        server.paths(),
        ["GET /api/v2/wfm/scheduling/schedules/sch-48", "PUT /api/v2/wfm/scheduling/schedules/sch-48"]
    );
    for r in &requests {
        assert_eq!(r.header("authorization"), Some("Bearer rest-token"));
    }
    assert_eq!(requests[1].header("if-match"), Some("\"v17\""));
}

#[tokio::test]
async fn on_the_wire_rest_buys_its_bearer_with_client_credentials_on_its_own_origin() {
    // The seed's REST contract names no login host: the token comes from the REST base's own /oauth/token, by
    // the grant of wfm-api.md §1.1 (Basic id:secret, form grant_type=client_credentials, {access_token,
    // expires_in}). An answer 401 buys one more token and resends once (the first token expired).
    let tokens = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let issued = tokens.clone();
    let server = Server::start(move |r, _| match (r.method.as_str(), r.path()) {
        ("POST", "/oauth/token") => {
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            wire::Reply::Json(200, json!({"access_token": format!("tok-{n}"), "expires_in": 3600}))
        }
        _ if r.header("authorization") == Some("Bearer tok-1") && r.method == "PUT" => {
            wire::Reply::Json(401, json!({"status": 401, "code": "bad.credentials", "message": "expired"}))
        }
        ("GET", _) => wire::Reply::Raw(
            200,
            vec![("ETag".into(), "\"v17\"".into())],
            serde_json::to_vec(&common::clean_example()).unwrap(),
        ),
        _ => wire::Reply::Json(200, common::clean_example()),
    })
    .await;
    let mut c = RestConfig::new(&server.base);
    c.http = fast();
    c.auth = RestAuth::ClientCredentials(shiftgate_publish::oauth::ClientCredentials::new(
        "client-1",
        SecretString::from("s3cret"),
    ));
    let client = RestClient::new(c).unwrap();
    let fetched = client.fetch(&target()).await.unwrap();
    let mut s = submission();
    s.etag = fetched.etag.clone();
    let result = client.submit(&target(), &s).await;
    assert!(matches!(result.response, Response::Http { status: 200, .. }), "{:?}", result.response);
    let route = "/api/v2/wfm/scheduling/schedules/sch-48";
    assert_eq!(
        server.paths(),
        [
            "POST /oauth/token".to_string(),
            format!("GET {route}"),
            format!("PUT {route}"),
            "POST /oauth/token".to_string(),
            format!("PUT {route}"),
        ]
    );
    let requests = server.requests();
    let basic = base64::engine::general_purpose::STANDARD.encode("client-1:s3cret");
    for token in [&requests[0], &requests[3]] {
        assert_eq!(token.header("authorization"), Some(format!("Basic {basic}").as_str()));
        assert_eq!(token.body, b"grant_type=client_credentials");
    }
    let bearers: Vec<_> = [1, 2, 4].iter().map(|&i| requests[i].header("authorization")).collect();
    assert_eq!(bearers, [Some("Bearer tok-1"), Some("Bearer tok-1"), Some("Bearer tok-2")]);
    assert_eq!(requests[4].header("if-match"), Some("\"v17\""));
}
