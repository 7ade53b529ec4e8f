//! Conformance: the simulator answers as the public record says Genesys Cloud answers. Every request here is
//! built by hand from the record (raw reqwest and tungstenite, never shiftgate-publish's client), and every
//! assertion names its source: `wfm-api.md §N` (/work/shared/research/wfm-api.md) or an SDK model doc
//! (`X.md` = MyPureCloud/platform-client-sdk-python docs/X.md). [F] marks a documented fact, [D] a design choice
//! of the simulator where the record is silent (the stricter reading, unless said otherwise).

mod common;

use std::time::Duration;

use common::{
    example, gzip, http, next_on, schedule_path, start, subscribed_socket, token, upload_and_update, BU, SCHEDULE,
    SCHEDULES_TOPIC, WEEK,
};
use futures_util::StreamExt;
use serde_json::{json, Value};
use shiftgate_sim::{ErrorDelivery, FaultPlan, SimConfig, SimServer, Switches};
use tokio_tungstenite::tungstenite::Message;

const WFM: &str = "/api/v2/workforcemanagement";

/// A simulator serving `snapshot`, a client, its base URL and a bearer token.
async fn sim_with(config: SimConfig, snapshot: &Value) -> (SimServer, reqwest::Client, String, String) {
    let sim = start(config, snapshot).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    (sim, http, base, token)
}

/// A processing time long enough that only a `settle` ends an update (the test decides when it lands).
fn slow() -> SimConfig {
    SimConfig { completion_delay: Duration::from_secs(60), ..SimConfig::default() }
}

/// Asserts the ErrorBody shape (ErrorBody.md, wfm-api.md §1.7 [F]) and returns it.
async fn error_body(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status(), status);
    let correlation = resp.headers().get("inin-correlation-id").map(|v| v.to_str().unwrap().to_string());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], status, "{body}");
    assert!(body["code"].is_string() && body["message"].is_string(), "{body}");
    // wfm-api.md §1.7 [F]: contextId is the correlation id.
    assert_eq!(body["contextId"].as_str(), correlation.as_deref(), "{body}");
    body
}

async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> reqwest::Response {
    http.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap()
}

async fn post(http: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> reqwest::Response {
    http.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap()
}

/// UpdateScheduleUploadSchema.md [F]: `metadata` (the schedule's version) is required; agent entries carry
/// `userId` and, for an existing agent schedule, its `metadata` (BuUpdateAgentScheduleUploadSchema.md).
fn upload_of_a100(schedule: i64, agent: i64, published: Option<bool>) -> Value {
    let shift = example()["agentSchedules"][0]["shifts"][0].clone();
    let mut body = json!({
        "metadata": { "version": schedule },
        "agentSchedules": [ { "userId": "a-100", "metadata": { "version": agent }, "shifts": [shift] } ],
    });
    if let Some(p) = published {
        body["published"] = json!(p);
    }
    body
}

/// The next `eventBody` on the schedules topic (heartbeats skipped), within 5 s.
async fn next_event<S>(ws: &mut S) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let v = next_on(ws, SCHEDULES_TOPIC).await;
    // wfm-api.md §6.4 [F]: the envelope {topicName, version, eventBody, metadata}.
    assert!(v["metadata"]["CorrelationId"].is_string(), "{v}");
    v["eventBody"].clone()
}

// ---- auth and errors -------------------------------------------------------------------------------------------

#[tokio::test]
async fn oauth_token_and_the_401_error_body() {
    let (sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    // wfm-api.md §1.1 [F]: `access_token` and `expires_in`; `token_type` [D].
    let answer: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("shiftgate-sim-client", Some("shiftgate-sim-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["expires_in"].as_u64().unwrap() > 0 && answer["access_token"].is_string());
    // wfm-api.md §5 [F shape]: a missing token is 401 with an ErrorBody.
    let anonymous = http.get(format!("{base}{WFM}/businessunits/{BU}")).send().await.unwrap();
    error_body(anonymous, 401).await;
    // An unknown route is 404 `not.found` with the documented message (wfm-api.md §1.7 [F]).
    let body = error_body(get(&http, &base, &token, "/api/v2/workforcemanagement/nothing/here").await, 404).await;
    assert_eq!(
        (body["code"].as_str(), body["message"].as_str()),
        (Some("not.found"), Some("The requested operation failed with status 404"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_token_call_takes_basic_credentials_only_and_refuses_as_oauth_does() {
    let (_sim, http, base, _) = sim_with(SimConfig::default(), &example()).await;
    let token = |form: Vec<(&'static str, &'static str)>, basic: Option<(&'static str, &'static str)>| {
        let mut req = http.post(format!("{base}/oauth/token")).form(&form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        req.send()
    };
    let refusal = |resp: reqwest::Response, status: u16| async move {
        assert_eq!(resp.status(), status);
        // No Genesys login error body is in the record: RFC 6749 §5.2's error response [D], nothing else.
        let body: Value = resp.json().await.unwrap();
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["error", "error_description"], "{body}");
        body["error"].as_str().unwrap().to_string()
    };
    let good = Some(("shiftgate-sim-client", "shiftgate-sim-secret"));
    // wfm-api.md §1.1 [F]: Basic base64(id:secret). The same credentials in the form body (RFC 6749 §2.3.1 allows
    // it, the record's call never does it) are refused [D].
    let in_form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", "shiftgate-sim-client"),
        ("client_secret", "shiftgate-sim-secret"),
    ];
    assert_eq!(refusal(token(in_form, None).await.unwrap(), 401).await, "invalid_client");
    let wrong = Some(("shiftgate-sim-client", "wrong"));
    assert_eq!(
        refusal(token(vec![("grant_type", "client_credentials")], wrong).await.unwrap(), 401).await,
        "invalid_client"
    );
    let grant = vec![("grant_type", "password")];
    assert_eq!(refusal(token(grant, good).await.unwrap(), 400).await, "unsupported_grant_type");
    assert_eq!(token(vec![("grant_type", "client_credentials")], good).await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_rest_contract_requires_a_bearer_token_unless_switched_off() {
    let (sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    let url = format!("{base}/api/v2/wfm/scheduling/schedules/{SCHEDULE}");
    // [D] the seed's contract is not Genesys (wfm-api.md §4), but no route of a platform is anonymous.
    error_body(http.get(&url).send().await.unwrap(), 401).await;
    assert_eq!(http.get(&url).bearer_auth(&token).send().await.unwrap().status(), 200);
    let off =
        http.put(format!("{base}/__sim/switches")).json(&json!({ "restRequiresAuth": false })).send().await.unwrap();
    assert_eq!(off.json::<Value>().await.unwrap()["restRequiresAuth"], false);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let typo =
        http.put(format!("{base}/__sim/switches")).json(&json!({ "restRequiresAuthh": true })).send().await.unwrap();
    assert_eq!(typo.status(), 400, "a misspelt switch is refused, not ignored");
    sim.shutdown().await;
}

// ---- reads -----------------------------------------------------------------------------------------------------

#[tokio::test]
async fn business_unit_and_activity_codes() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    // wfm-api.md §1.2 [F]: settings.startDayOfWeek (Sunday..Saturday) and settings.timeZone (Olson).
    let bu: Value =
        get(&http, &base, &token, &format!("{WFM}/businessunits/{BU}?expand=settings")).await.json().await.unwrap();
    assert_eq!((bu["id"].as_str(), bu["settings"]["startDayOfWeek"].as_str()), (Some(BU), Some("Sunday")));
    assert_eq!(bu["settings"]["timeZone"], "America/Chicago");
    // wfm-api.md §1.10 [F]: {entities:[{id, name, category, countsAsPaidTime, countsAsWorkTime, ...}]}.
    let codes: Value =
        get(&http, &base, &token, &format!("{WFM}/businessunits/{BU}/activitycodes")).await.json().await.unwrap();
    let categories: Vec<&str> =
        codes["entities"].as_array().unwrap().iter().map(|c| c["category"].as_str().unwrap()).collect();
    assert_eq!(categories, ["OnQueueWork", "Break", "Meal", "TimeOff"]);
    error_body(get(&http, &base, &token, &format!("{WFM}/businessunits/bu-nope")).await, 404).await;
}

#[tokio::test]
async fn the_schedule_list_honours_include_only_published() {
    let (sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    let list = |q: &'static str| {
        let url = format!("{WFM}/businessunits/{BU}/weeks/{WEEK}/schedules{q}");
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move { get(&http, &base, &token, &url).await.json::<Value>().await.unwrap() }
    };
    // wfm-api.md §1.3 [F]: {entities:[BuScheduleListItem]}.
    assert_eq!(list("").await["entities"][0]["id"], SCHEDULE);
    assert_eq!(list("?includeOnlyPublished=false").await["entities"][0]["published"], false);
    // [F] the flag's name says it: an unpublished schedule is not listed.
    assert_eq!(list("?includeOnlyPublished=true").await["entities"], json!([]));
    // Published by an update, it is listed.
    let op = upload_and_update(&http, &base, &token, &upload_of_a100(17, 4, Some(true))).await;
    assert_eq!(op.status(), 202);
    sim.settle().await;
    assert_eq!(list("?includeOnlyPublished=true").await["entities"][0]["published"], true);
    // [D] a flag that is neither true nor false is a 400.
    error_body(
        get(&http, &base, &token, &format!("{WFM}/businessunits/{BU}/weeks/{WEEK}/schedules?includeOnlyPublished=yes"))
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn week_ids_are_dates_and_other_weeks_are_not_found() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    // wfm-api.md §1.2 [F]: {weekId} = "first day of schedule week in yyyy-MM-dd".
    for bad in ["2026-11-29T00:00:00Z", "20261129", "2026-11-29x", "recent-ish"] {
        let path = format!("{WFM}/businessunits/{BU}/weeks/{bad}/schedules/{SCHEDULE}");
        error_body(get(&http, &base, &token, &path).await, 400).await;
        let path = format!("{WFM}/managementunits/mu-1/weeks/{bad}/shifttrades");
        error_body(get(&http, &base, &token, &path).await, 400).await;
    }
    // A well-formed week that is not the schedule's: the schedule is not found there [F shape, D status].
    let other = format!("{WFM}/businessunits/{BU}/weeks/2026-12-06/schedules/{SCHEDULE}");
    error_body(get(&http, &base, &token, &other).await, 404).await;
    let query = format!("{WFM}/businessunits/{BU}/weeks/2026-12-06/schedules/{SCHEDULE}/agentschedules/query");
    error_body(post(&http, &base, &token, &query, json!({ "managementUnitId": "mu-1" })).await, 404).await;
    error_body(
        get(&http, &base, &token, &format!("{WFM}/managementunits/mu-1/weeks/2026-12-06/shifttrades")).await,
        404,
    )
    .await;
    // Happy path: BuScheduleMetadata (wfm-api.md §1.4 [F]).
    let meta: Value = get(&http, &base, &token, &format!("{}?expand=managementUnits.agents", schedule_path()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((meta["weekDate"].as_str(), meta["metadata"]["version"].as_i64()), (Some(WEEK), Some(17)));
    assert_eq!(meta["managementUnits"][0]["agents"], json!([{ "id": "a-100" }, { "id": "a-200" }]));
}

#[tokio::test]
async fn the_agent_schedules_query_requires_a_known_management_unit_and_honours_user_ids() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    let path = format!("{}/agentschedules/query", schedule_path());
    // BuQueryAgentSchedulesRequest.md [F]: managementUnitId is required.
    error_body(post(&http, &base, &token, &path, json!({})).await, 400).await;
    error_body(post(&http, &base, &token, &path, json!({ "userIds": ["a-100"] })).await, 400).await;
    // [F shape, D status] an unknown management unit is not found.
    error_body(post(&http, &base, &token, &path, json!({ "managementUnitId": "mu-9" })).await, 404).await;
    // [F] "Omit [userIds] to query all user schedules in the management unit."
    let users = |v: &Value| -> Vec<String> {
        v["result"]["agentSchedules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["user"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Value =
        post(&http, &base, &token, &path, json!({ "managementUnitId": "mu-1" })).await.json().await.unwrap();
    assert_eq!(users(&all), ["a-100", "a-200"]);
    // BuAsyncAgentSchedulesQueryResponse.md [F]: status, operationId, result (Complete only).
    assert_eq!(all["status"], "Complete");
    assert!(all["operationId"].is_string());
    assert_eq!(all["result"]["businessUnitTimeZone"], "America/Chicago");
    // [F] userIds narrows to those users.
    let one: Value = post(&http, &base, &token, &path, json!({ "managementUnitId": "mu-1", "userIds": ["a-200"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users(&one), ["a-200"]);
    assert_eq!(one["result"]["agentSchedules"][0]["metadata"]["version"], 9, "per-agent version, wfm-api.md §1.4");
    // [D] teams are not modelled: refused rather than answered wrongly.
    error_body(post(&http, &base, &token, &path, json!({ "managementUnitId": "mu-1", "teamIds": ["t-1"] })).await, 400)
        .await;
}

#[tokio::test]
async fn the_time_off_query_takes_inclusive_local_dates_only() {
    // tor-9 starts 2026-12-02T03:00:00Z, which is 2026-12-01 21:00 in America/Chicago.
    let mut snapshot = example();
    snapshot["timeOffRequests"][1]["partialDayStartDateTimes"] = json!(["2026-12-02T03:00:00Z"]);
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &snapshot).await;
    let path = format!("{WFM}/managementunits/mu-1/timeoffrequests/query");
    let ids = |v: Value| -> Vec<String> {
        v["entities"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
    };
    let range = |start: &str, end: &str| json!({ "dateRange": { "startDate": start, "endDate": end } });
    // DateRange.md [F]: "yyyy-MM-dd format"; anything else, an instant included, is refused.
    for (start, end) in [
        ("2026-11-29T00:00:00Z", "2026-12-05T23:59:59Z"),
        ("2026-11-29", "2026-12-05T00:00:00-06:00"),
        ("11/29/2026", "2026-12-05"),
    ] {
        let body = error_body(post(&http, &base, &token, &path, range(start, end)).await, 400).await;
        assert!(body["message"].as_str().unwrap().contains("yyyy-MM-dd"), "{body}");
    }
    // [D] a reversed range and a half-open one are refused (the record does not say what they mean).
    error_body(post(&http, &base, &token, &path, range("2026-12-05", "2026-11-29")).await, 400).await;
    error_body(post(&http, &base, &token, &path, json!({ "dateRange": { "startDate": "2026-11-29" } })).await, 400)
        .await;
    // DateRange.md [F]: inclusive, "interpreted in the management unit's configured time zone".
    assert_eq!(
        ids(post(&http, &base, &token, &path, range("2026-12-01", "2026-12-01")).await.json().await.unwrap()),
        ["tor-9"]
    );
    assert!(
        ids(post(&http, &base, &token, &path, range("2026-12-02", "2026-12-02")).await.json().await.unwrap())
            .is_empty(),
        "a UTC reading would match here"
    );
    // Full-day requests match by their local dates (wfm-api.md §1.8 [F]: fullDayManagementUnitDates).
    assert_eq!(
        ids(post(&http, &base, &token, &path, range("2026-12-03", "2026-12-03")).await.json().await.unwrap()),
        ["tor-7"]
    );
    assert_eq!(
        ids(post(&http, &base, &token, &path, range("2026-11-29", "2026-12-05")).await.json().await.unwrap()),
        ["tor-7", "tor-9"]
    );
    // TimeOffRequestQueryBody.md [F]: userIds and statuses filter.
    let by_user = json!({ "userIds": ["a-100"], "dateRange": { "startDate": "2026-11-29", "endDate": "2026-12-05" } });
    assert_eq!(ids(post(&http, &base, &token, &path, by_user).await.json().await.unwrap()), ["tor-7"]);
    assert_eq!(
        ids(post(&http, &base, &token, &path, json!({ "statuses": ["PENDING"] })).await.json().await.unwrap()),
        ["tor-9"]
    );
    // wfm-api.md §1.8 [F]: status is one of PENDING, APPROVED, DENIED, CANCELED.
    error_body(post(&http, &base, &token, &path, json!({ "statuses": ["pending"] })).await, 400).await;
    // [F shape, D status] an unknown management unit is not found.
    error_body(
        post(&http, &base, &token, &format!("{WFM}/managementunits/mu-9/timeoffrequests/query"), json!({})).await,
        404,
    )
    .await;
    // TimeOffRequestResponse fields (wfm-api.md §1.8 [F]).
    let all: Value = post(&http, &base, &token, &path, json!({})).await.json().await.unwrap();
    let tor9 = &all["entities"][1];
    assert_eq!(
        (tor9["user"]["id"].as_str(), tor9["status"].as_str(), tor9["isFullDayRequest"].as_bool()),
        (Some("a-200"), Some("PENDING"), Some(false))
    );
}

#[tokio::test]
async fn shift_trades_are_listed_by_management_unit_and_week() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    // wfm-api.md §1.9 [F]: {entities:[{trade: ShiftTradeResponse}]}, users as objects {id}.
    let trades: Value = get(&http, &base, &token, &format!("{WFM}/managementunits/mu-1/weeks/{WEEK}/shifttrades"))
        .await
        .json()
        .await
        .unwrap();
    let trade = &trades["entities"][0]["trade"];
    assert_eq!((trade["id"].as_str(), trade["state"].as_str()), (Some("tr-4"), Some("Approved")));
    assert_eq!(
        (trade["initiatingUser"]["id"].as_str(), trade["receivingUser"]["id"].as_str()),
        (Some("a-100"), Some("a-200"))
    );
    assert!(trade.get("receivingUserId").is_none(), "wfm-api.md §1.9: no *UserId fields in the reply");
    error_body(get(&http, &base, &token, &format!("{WFM}/managementunits/mu-9/weeks/{WEEK}/shifttrades")).await, 404)
        .await;
}

// ---- the update: upload URL, pre-signed PUT, processing --------------------------------------------------------

#[tokio::test]
async fn the_upload_url_answer_has_the_documented_shape() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    let path = format!("{}/update/uploadurl", schedule_path());
    // UploadUrlRequestBody.md [F]: contentLengthBytes is required.
    error_body(post(&http, &base, &token, &path, json!({})).await, 400).await;
    // UpdateScheduleUploadResponse.md [F]: uploadKey, url, headers, uploadBodySchema "Always null".
    let slot: Value =
        post(&http, &base, &token, &path, json!({ "contentLengthBytes": 10 })).await.json().await.unwrap();
    assert!(slot["uploadKey"].is_string() && slot["url"].is_string());
    assert_eq!(slot["uploadBodySchema"], Value::Null);
    // [D values]: the headers the PUT must carry.
    assert_eq!(slot["headers"], json!({ "Content-Type": "application/json", "Content-Encoding": "gzip" }));
}

/// A PUT to the pre-signed URL of a fresh slot, with `extra` headers on top of the returned ones minus `without`.
async fn put_upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    extra: &[(&str, &str)],
    without: Option<&str>,
) -> reqwest::Response {
    let gz = gzip(&serde_json::to_vec(&upload_of_a100(17, 4, None)).unwrap());
    let path = format!("{}/update/uploadurl", schedule_path());
    let slot: Value =
        post(http, base, token, &path, json!({ "contentLengthBytes": gz.len() })).await.json().await.unwrap();
    let mut put = http.put(slot["url"].as_str().unwrap()).body(gz);
    for (k, v) in slot["headers"].as_object().unwrap() {
        if Some(k.as_str()) != without {
            put = put.header(k.as_str(), v.as_str().unwrap());
        }
    }
    for (k, v) in extra {
        put = put.header(*k, *v);
    }
    put.send().await.unwrap()
}

/// A storage refusal: XML `<Error><Code>`, not a Genesys ErrorBody. The record does not give storage's exact
/// answer (wfm-api.md §1.5 only says the URL is pre-signed); S3's codes are the model [D].
async fn storage_refusal(resp: reqwest::Response, status: u16, code: &str) {
    assert_eq!(resp.status(), status);
    assert_eq!(resp.headers()["content-type"], "application/xml");
    let text = resp.text().await.unwrap();
    assert!(text.contains(&format!("<Code>{code}</Code>")), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "not an ErrorBody: {text}");
}

#[tokio::test]
async fn the_pre_signed_put_takes_exactly_the_returned_headers_and_no_credential() {
    let (_sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    // UpdateScheduleUploadResponse.md [F]: headers are the "Required headers for the PUT request to the url".
    assert_eq!(put_upload(&http, &base, &token, &[], None).await.status(), 200);
    // A credential on a pre-signed URL: storage refuses a second auth mechanism, and the token would leak [D].
    let bearer = format!("Bearer {token}");
    storage_refusal(
        put_upload(&http, &base, &token, &[("Authorization", &bearer)], None).await,
        400,
        "InvalidArgument",
    )
    .await;
    storage_refusal(put_upload(&http, &base, &token, &[("Cookie", "session=1")], None).await, 400, "InvalidArgument")
        .await;
    // A header the answer did not list (transport headers aside) [D]; a listed one missing or changed [F].
    storage_refusal(put_upload(&http, &base, &token, &[("X-Trace", "1")], None).await, 403, "AccessDenied").await;
    storage_refusal(
        put_upload(&http, &base, &token, &[], Some("Content-Encoding")).await,
        403,
        "SignatureDoesNotMatch",
    )
    .await;
    // UploadUrlRequestBody.md [F]: the length announced is the length of the gzip data.
    let path = format!("{}/update/uploadurl", schedule_path());
    let slot: Value = post(&http, &base, &token, &path, json!({ "contentLengthBytes": 5 })).await.json().await.unwrap();
    let wrong = http
        .put(slot["url"].as_str().unwrap())
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(gzip(b"{}"))
        .send()
        .await
        .unwrap();
    storage_refusal(wrong, 403, "SignatureDoesNotMatch").await;
}

#[tokio::test]
async fn an_update_is_processing_until_it_ends_and_reads_see_the_old_state_meanwhile() {
    let (sim, http, base, token) = sim_with(slow(), &example()).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    let resp = upload_and_update(&http, &base, &token, &upload_of_a100(17, 4, None)).await;
    // BuAsyncScheduleResponse.md [F body], wfm-api.md §5 [D code 202]: {status: Processing, operationId}.
    assert_eq!(resp.status(), 202);
    let started: Value = resp.json().await.unwrap();
    assert_eq!(started["status"], "Processing");
    let op = started["operationId"].as_str().unwrap().to_string();
    // wfm-api.md §6.3 [F]: events carry status, operationId, eventType; Processing precedes the outcome.
    assert_eq!(next_event(&mut ws).await, json!({ "status": "Processing", "operationId": op, "eventType": "Update" }));
    // [D] processing takes time; the store changes when it ends.
    let meta: Value = get(&http, &base, &token, &schedule_path()).await.json().await.unwrap();
    assert_eq!(meta["metadata"]["version"], 17, "still processing: the old state");
    sim.settle().await;
    let done = next_event(&mut ws).await;
    assert_eq!(
        (done["status"].as_str(), done["operationId"].as_str(), done["eventType"].as_str()),
        (Some("Complete"), Some(op.as_str()), Some("Update"))
    );
    // wfm-api.md §6.3 [F]: result is the schedule's metadata.
    assert_eq!(done["result"]["metadata"]["version"], 18);
    let meta: Value = get(&http, &base, &token, &schedule_path()).await.json().await.unwrap();
    assert_eq!(meta["metadata"]["version"], 18);
    // [D] an unknown upload key is a malformed request.
    let again =
        post(&http, &base, &token, &format!("{}/update", schedule_path()), json!({ "uploadKey": "0000" })).await;
    error_body(again, 400).await;
}

#[tokio::test]
async fn a_stale_version_is_202_then_an_error_event_without_a_reason() {
    let (sim, http, base, token) = sim_with(slow(), &example()).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    // wfm-api.md §1.6, §6.3 [F]: a failed async update is only {status: Error, operationId, eventType}.
    let resp = upload_and_update(&http, &base, &token, &upload_of_a100(16, 4, None)).await;
    assert_eq!(resp.status(), 202);
    let op = resp.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    assert_eq!(next_event(&mut ws).await["status"], "Processing");
    sim.settle().await;
    assert_eq!(next_event(&mut ws).await, json!({ "status": "Error", "operationId": op, "eventType": "Update" }));
    assert_eq!(sim.schedule_version().await, 17);
    // Malformed requests stay synchronous 400s (wfm-api.md §5 [D]): no metadata (UpdateScheduleUploadSchema.md [F]: required).
    let no_metadata = upload_and_update(&http, &base, &token, &json!({ "agentSchedules": [] })).await;
    error_body(no_metadata, 400).await;
}

#[tokio::test]
async fn an_upload_field_its_model_does_not_have_is_refused_by_name() {
    let (sim, http, base, token) = sim_with(slow(), &example()).await;
    // BuUpdateAgentScheduleShift.md [F]: id, startDate, lengthMinutes, activities, manuallyEdited, schedule,
    // delete; no workPlanId (the read model BuAgentScheduleShift has one, wfm-api.md §1.4). How Genesys answers
    // an unknown field is not in the record: a 400 naming it is the stricter reading [D].
    let mut body = upload_of_a100(17, 4, None);
    body["agentSchedules"][0]["shifts"][0]["workPlanId"] = json!({ "value": "wp-1" });
    let refused = error_body(upload_and_update(&http, &base, &token, &body).await, 400).await;
    assert_eq!(refused["code"], "bad.request");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("unknown field `workPlanId`"), "{message}");
    // The same for the upload's other models: the body (UpdateScheduleUploadSchema.md), an agent entry
    // (BuUpdateAgentScheduleUploadSchema.md), an activity (BuAgentScheduleActivity, wfm-api.md §1.4) and a
    // full-day marker (BuFullDayTimeOffMarker, wfm-api.md §1.4).
    for (pointer, field) in [
        ("", "scheduleVersion"),
        ("/agentSchedules/0", "user"),
        ("/agentSchedules/0/shifts/0/activities/0", "category"),
    ] {
        let mut body = upload_of_a100(17, 4, None);
        body.pointer_mut(pointer).unwrap()[field] = json!(1);
        let refused = error_body(upload_and_update(&http, &base, &token, &body).await, 400).await;
        assert!(refused["message"].as_str().unwrap().contains(&format!("unknown field `{field}`")), "{refused}");
    }
    let mut body = upload_of_a100(17, 4, None);
    body["agentSchedules"][0]["fullDayTimeOffMarkers"] =
        json!([{ "businessUnitDate": "2026-12-03", "lengthMinutes": 480, "activityCodeId": "3", "reason": "x" }]);
    let refused = error_body(upload_and_update(&http, &base, &token, &body).await, 400).await;
    assert!(refused["message"].as_str().unwrap().contains("unknown field `reason`"), "{refused}");
    assert!(sim.attempts().iter().all(|a| a.status == 400), "nothing was taken for processing");
    // What the models do have is accepted: the agent-level work plan (ValueWrapperString) and the shift's
    // schedule reference, an activity's payableMinutes and externalActivityType.
    let mut body = upload_of_a100(17, 4, None);
    body["agentSchedules"][0]["workPlanId"] = json!({ "value": "wp-1" });
    body["agentSchedules"][0]["shifts"][0]["schedule"] = json!({ "id": SCHEDULE, "weekDate": WEEK });
    body["agentSchedules"][0]["shifts"][0]["activities"][0]["payableMinutes"] = json!(240);
    body["agentSchedules"][0]["shifts"][0]["activities"][0]["externalActivityType"] = json!("Coaching");
    assert_eq!(upload_and_update(&http, &base, &token, &body).await.status(), 202);
}

#[tokio::test]
async fn the_sync_switch_keeps_the_seed_incidents_409_with_details() {
    let switches = Switches { error_delivery: ErrorDelivery::Sync, ..Switches::default() };
    let (sim, http, base, token) = sim_with(SimConfig { switches, ..slow() }, &example()).await;
    let body = error_body(upload_and_update(&http, &base, &token, &upload_of_a100(16, 4, None)).await, 409).await;
    // wfm-api.md §1.6 [F text seen elsewhere].
    assert_eq!(
        body["message"],
        "The version number of the modified resource must match the version number in the database"
    );
    assert_eq!(body["details"][0]["fieldName"], "metadata.version");
    assert_eq!(sim.schedule_version().await, 17);
}

#[tokio::test]
async fn publishing_checks_every_agent_not_only_the_uploaded_ones() {
    // a-200's own shift s-9 already overlaps PENDING tor-9; the upload names only a-100.
    let mut snapshot = example();
    snapshot["timeOffRequests"][1]["partialDayStartDateTimes"] = json!(["2026-12-02T14:00:00Z"]);
    let (sim, http, base, token) = sim_with(slow(), &snapshot).await;
    // [D] without publishing, only the named agents are judged.
    let plain = upload_and_update(&http, &base, &token, &upload_of_a100(17, 4, None)).await;
    let plain = plain.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    sim.settle().await;
    assert_eq!(sim.operation(&plain).await.unwrap().status, "Complete");
    // UpdateScheduleUploadSchema.md [F]: `published` publishes the schedule, so all of it must hold [D].
    // (a-100's content did not change, so its version did not move [D].)
    let publish = upload_and_update(&http, &base, &token, &upload_of_a100(18, 4, Some(true))).await;
    let publish = publish.json::<Value>().await.unwrap()["operationId"].as_str().unwrap().to_string();
    sim.settle().await;
    let record = sim.operation(&publish).await.unwrap();
    assert_eq!(record.status, "Error");
    let why = record.sim_error.unwrap();
    assert_eq!((why.code.as_str(), why.details[0].entity_id.as_deref()), ("schedule.data.conflict", Some("a-200")));
    assert_eq!(sim.schedule_version().await, 18);
}

#[tokio::test]
async fn settle_lands_a_write_between_two_reads_of_one_multi_request_read() {
    // Reads #1 and #2 are the agent query and the metadata re-read of one torn read; the write lands before #2.
    let faults = FaultPlan::parse("settle@read#2").unwrap();
    let (_sim, http, base, token) = sim_with(SimConfig { faults, ..slow() }, &example()).await;
    let resp = upload_and_update(&http, &base, &token, &upload_of_a100(17, 4, None)).await;
    assert_eq!(resp.status(), 202);
    let query = format!("{}/agentschedules/query", schedule_path());
    let agents: Value =
        post(&http, &base, &token, &query, json!({ "managementUnitId": "mu-1" })).await.json().await.unwrap();
    assert_eq!(agents["result"]["agentSchedules"][0]["metadata"]["version"], 4, "read #1: before the write");
    let meta: Value = get(&http, &base, &token, &schedule_path()).await.json().await.unwrap();
    assert_eq!(meta["metadata"]["version"], 18, "read #2: after it");
}

#[tokio::test]
async fn another_writers_edit_is_announced_under_its_own_operation_id() {
    let (sim, http, base, token) = sim_with(SimConfig::default(), &example()).await;
    let mut ws = subscribed_socket(&http, &base, &token).await;
    let report: Value = http
        .post(format!("{base}/__sim/editor"))
        .json(&json!({ "action": "bump" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let theirs = report["operationId"].as_str().expect("the edit's own operation").to_string();
    // wfm-api.md §6.3, §6 "Re-reading as a fallback" [F]: other writers' operations appear on the same topic.
    assert_eq!(
        next_event(&mut ws).await,
        json!({ "status": "Processing", "operationId": theirs, "eventType": "Update" })
    );
    let done = next_event(&mut ws).await;
    assert_eq!((done["status"].as_str(), done["operationId"].as_str()), (Some("Complete"), Some(theirs.as_str())));
    assert_eq!(done["result"]["metadata"]["version"], 18);
    // [D] a time-off request is not a schedule update: nothing on the schedules topic.
    let _ = http.post(format!("{base}/__sim/editor")).json(&json!({ "action": "timeoff" })).send().await.unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), next_event(&mut ws)).await;
    assert!(quiet.is_err(), "{quiet:?}");
    drop(sim);
}
