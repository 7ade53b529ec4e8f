//! Hostile clients: each class that once took the simulator to gigabytes (issue #10) now gets a bounded answer,
//! and, measured in-process by a counting allocator, bounded allocation. Sized to run in seconds; no timings.
//!
//! Before the fix: one anonymous REST PUT of 2,000 overlapping activities reached 4.45 GB and a 787 MB 409 body
//! (the model now refuses more than 500 activities a shift, so the hostile PUT spreads them over several shifts);
//! six 250 KB gzip uploads held 1.84 GB decompressed; a refused gzip bomb still cost 500 MB.

mod common;

use std::time::Duration;

use common::{example, gzip, http, schedule_url, token, SCHEDULE};
use serde_json::{json, Value};
use shiftgate_sim::{Limits, SimConfig, Switches};

/// One test at a time: the memory figures are process-wide.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A field of `/proc/self/status` in bytes (Linux).
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|n| n.parse::<usize>().ok()).unwrap_or(0) * 1024
}

/// Runs `work` and returns its result with the process's peak resident memory above what was resident when it
/// began. Writing 5 to `/proc/self/clear_refs` resets the peak (VmHWM); without it the figure is an upper bound.
/// (The workspace forbids `unsafe`, so no counting allocator: resident memory is the in-process measure.)
async fn peak_during<T>(work: impl std::future::Future<Output = T>) -> (T, usize) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = status_bytes("VmRSS:");
    let out = work.await;
    (out, status_bytes("VmHWM:").saturating_sub(base))
}

const MIB: usize = 1024 * 1024;

/// `n` activities from `start` that all overlap each other (starts a minute apart within the hour, two hours
/// long), inside a shift of 3 h from `start`.
fn overlapping_activities(start: &str, n: usize) -> Value {
    let start = chrono::DateTime::parse_from_rfc3339(start).unwrap().to_utc();
    let activities: Vec<Value> = (0..n)
        .map(|k| {
            let at = start + chrono::Duration::minutes((k % 60) as i64);
            json!({ "startDate": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "lengthMinutes": 120, "activityCodeId": "0" })
        })
        .collect();
    json!(activities)
}

/// Days of the week on which a-100 has neither a shift nor time off (tor-7 is 2026-12-03 in Chicago).
const FREE_DAYS: [&str; 5] = ["2026-11-29", "2026-11-30", "2026-12-02", "2026-12-04", "2026-12-05"];

/// The design example with a-100's s-1 and five more shifts, one a day, each holding `per_shift` activities
/// that all overlap each other: the most hostile PUT the model accepts (at most
/// `shiftgate_model::limits::MAX_ACTIVITIES_PER_SHIFT` activities a shift).
fn overlapping_within_limits(per_shift: usize) -> Value {
    let mut v = example();
    let mut shifts = vec![json!({ "id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 180,
                                  "activities": overlapping_activities("2026-12-01T14:00:00Z", per_shift) })];
    for (i, day) in FREE_DAYS.iter().enumerate() {
        let start = format!("{day}T14:00:00Z");
        shifts.push(json!({ "id": format!("h-{i}"), "startDate": start, "lengthMinutes": 180,
                            "activities": overlapping_activities(&start, per_shift) }));
    }
    v["agentSchedules"][0]["shifts"] = json!(shifts);
    v
}

/// PUTs `doc` anonymously (the switch opens the REST contract) and returns (status, body, peak bytes).
async fn hostile_put(sim: &shiftgate_sim::SimServer, doc: &Value) -> (u16, Vec<u8>, usize) {
    let url = format!("{}/api/v2/wfm/scheduling/schedules/{SCHEDULE}", sim.base_url());
    let body = serde_json::to_vec(doc).unwrap();
    let client = http();
    let ((status, bytes), peak) = peak_during(async {
        let resp = client.put(&url).header("if-match", "\"v17\"").body(body.clone()).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.bytes().await.unwrap().to_vec())
    })
    .await;
    eprintln!(
        "hostile PUT: body {} KB, answer {status} of {} KB, peak {} MiB",
        body.len() / 1024,
        bytes.len() / 1024,
        peak / MIB
    );
    (status, bytes, peak)
}

#[tokio::test]
async fn a_put_of_thousands_of_overlapping_activities_gets_a_bounded_409() {
    let _one = SERIAL.lock().await;
    let switches = Switches { rest_requires_auth: false, ..Switches::default() };
    let sim = common::start(SimConfig { switches, ..common::config() }, &example()).await;
    // 6 shifts of 500 activities, pairwise overlapping within each shift: 6 * 500 * 499 / 2 pairs.
    let per_shift = shiftgate_model::limits::MAX_ACTIVITIES_PER_SHIFT;
    let (status, bytes, peak) = hostile_put(&sim, &overlapping_within_limits(per_shift)).await;
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(500)]));
    assert!(bytes.len() < 256 * 1024, "409 body of {} bytes", bytes.len());
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let pairs = 6 * (per_shift as u64) * (per_shift as u64 - 1) / 2;
    // 100 listed (Limits::conflicts_listed), the rest counted.
    let listed = v["conflicts"].as_array().unwrap();
    assert_eq!(listed.len(), 100);
    assert!(listed.iter().all(|c| c["kind"] == "ActivityOverlap" && c["agentId"] == "a-100"), "{}", listed[0]);
    assert!(v["message"].as_str().unwrap().ends_with(&format!(" and {} more", pairs - 100)), "{}", v["message"]);
    assert!(peak < 128 * MIB, "peak allocation {} MiB", peak / MIB);
    assert_eq!(sim.schedule_version().await, 17);
}

#[tokio::test]
async fn a_put_over_the_models_limits_gets_a_bounded_400_naming_the_place() {
    let _one = SERIAL.lock().await;
    let switches = Switches { rest_requires_auth: false, ..Switches::default() };
    let sim = common::start(SimConfig { switches, ..common::config() }, &example()).await;
    // Every shift 3,000 activities: six times over the per-shift limit, 18,000 activities in all.
    let (status, bytes, peak) = hostile_put(&sim, &overlapping_within_limits(3_000)).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(500)]));
    assert!(bytes.len() < 64 * 1024, "400 body of {} bytes", bytes.len());
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let message = v["message"].as_str().unwrap();
    let limit = shiftgate_model::limits::MAX_ACTIVITIES_PER_SHIFT;
    for shift in 0..6 {
        let problem = format!(
            "agentSchedules[0].shifts[{shift}].activities: in the resulting schedule: has 3000 activities, at most {limit} per shift"
        );
        assert!(message.contains(&problem), "{message}");
    }
    assert!(peak < 128 * MIB, "peak allocation {} MiB", peak / MIB);
    assert_eq!(sim.schedule_version().await, 17);
}

/// A gzip body that decompresses to `mib` MiB of spaces (a few KB compressed per MiB).
fn bomb(mib: usize) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![b' '; MIB];
    for _ in 0..mib {
        enc.write_all(&chunk).unwrap();
    }
    enc.finish().unwrap()
}

/// Issues an upload URL and PUTs `gz` to it with the returned headers; returns (uploadKey, PUT status, body).
async fn put(http: &reqwest::Client, base: &str, token: &str, gz: &[u8]) -> (String, u16, String) {
    let slot: Value = http
        .post(format!("{}/update/uploadurl", schedule_url(base)))
        .bearer_auth(token)
        .json(&json!({ "contentLengthBytes": gz.len() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut req = http.put(slot["url"].as_str().unwrap()).body(gz.to_vec());
    for (k, v) in slot["headers"].as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (slot["uploadKey"].as_str().unwrap().to_string(), status, resp.text().await.unwrap())
}

#[tokio::test]
async fn repeated_uploads_are_held_compressed_within_a_budget() {
    let _one = SERIAL.lock().await;
    let gz = bomb(64);
    let limits = Limits { uploads_held_bytes: 5 * gz.len(), ..Limits::default() };
    let sim = common::start(SimConfig { limits, ..common::config() }, &example()).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let (statuses, peak) = peak_during(async {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let (_, status, body) = put(&http, &base, &token, &gz).await;
            statuses.push((status, body.contains("<Code>SlowDown</Code>")));
        }
        statuses
    })
    .await;
    // Five fit the budget; the sixth is refused as storage refuses under load (no body decompressed at all).
    assert_eq!(statuses, [(200, false), (200, false), (200, false), (200, false), (200, false), (503, true)]);
    assert!(peak < 8 * MIB, "six uploads of {} KB peaked at {} MiB", gz.len() / 1024, peak / MIB);
    eprintln!("six uploads of {} KB (64 MiB each decompressed): peak {} KB", gz.len() / 1024, peak / 1024);
}

#[tokio::test]
async fn a_gzip_bomb_is_refused_after_reading_at_most_the_limit() {
    let _one = SERIAL.lock().await;
    let gz = bomb(64);
    let limits = Limits { upload_decompressed_bytes: 4 * MIB, uploads_held_bytes: gz.len(), ..Limits::default() };
    let sim =
        common::start(SimConfig { limits, completion_delay: Duration::from_millis(1), ..common::config() }, &example())
            .await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let (key, status, _) = put(&http, &base, &token, &gz).await;
    assert_eq!(status, 200, "storage does not look inside");
    let (resp, peak) = peak_during(async {
        let resp = http
            .post(format!("{}/update", schedule_url(&base)))
            .bearer_auth(&token)
            .json(&json!({ "uploadKey": key }))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
    })
    .await;
    assert_eq!(resp.0, 400, "{}", resp.1);
    assert!(resp.1["message"].as_str().unwrap().contains("decompresses to more than 4194304 bytes"), "{}", resp.1);
    // At most the limit (plus the growth of one buffer) was ever allocated for it, not 64 MiB.
    assert!(peak < 12 * MIB, "peak allocation {} MiB", peak / MIB);
    eprintln!("gzip bomb of {} KB (64 MiB): refused, peak {} MiB", gz.len() / 1024, peak / MIB);
    // The refused body gave its budget back: another upload of the same size fits.
    assert_eq!(put(&http, &base, &token, &gz).await.1, 200);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413_before_being_buffered() {
    let _one = SERIAL.lock().await;
    let sim = common::start(common::config(), &example()).await;
    let (http, base) = (http(), sim.base_url());
    let token = token(&http, &base).await;
    let big = vec![b' '; 2 * MIB];
    let resp = http
        .post(format!("{}/agentschedules/query", schedule_url(&base)))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!((body["status"].as_i64(), body["code"].as_str()), (Some(413), Some("request.entity.too.large")));
    // An upload URL cannot be asked for more than the upload limit.
    let too_much = http
        .post(format!("{}/update/uploadurl", schedule_url(&base)))
        .bearer_auth(&token)
        .json(&json!({ "contentLengthBytes": Limits::default().upload_bytes + 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(too_much.status(), 400);
    let _ = gzip(b"");
}
