//! `shiftgate pull` end to end: a simulator on 127.0.0.1 seeded with a fixture week, the live week pulled through
//! the built binary, and `check` of the pulled file agreeing with `check` of the seed at the same `--as-of`.
//!
//! The seed is the bundled Chicago week without `history`: a Genesys pull reads no history (see `pull --help`),
//! so with history in the seed the look-back rules would see more in the seed than in the pull.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test pull`.

mod common;
mod publish_support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use shiftgate_sim::{SimConfig, SimServer};

use common::{command, output, text};
use publish_support::{chicago, sim_with, with_sim_credentials, TARGET};

const AS_OF: &str = "2026-11-22T18:00:00-06:00";

/// `shiftgate ARGS...` with the simulator's client credentials.
fn shiftgate(args: &[&str]) -> Command {
    with_sim_credentials(command(args))
}

/// The bundled Chicago week without history.
fn seed() -> Value {
    let mut doc = chicago();
    doc.as_object_mut().unwrap().remove("history");
    doc
}

async fn sim(doc: &Value) -> SimServer {
    sim_with(doc, SimConfig::default()).await
}

/// `check FILE --as-of AS_OF --format json`: the findings, and the exit code.
async fn findings(file: &Path) -> (Vec<Value>, i32) {
    let o = output(shiftgate(&["check", file.to_str().unwrap(), "--as-of", AS_OF, "--format", "json"])).await;
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    (report["findings"].as_array().unwrap().clone(), o.status.code().unwrap())
}

async fn round_trip(platform: &str) {
    let seed = seed();
    let server = sim(&seed).await;
    let dir = tempfile::tempdir().unwrap();
    let (seed_file, pulled_file) = (dir.path().join("seed.json"), dir.path().join("pulled.json"));
    std::fs::write(&seed_file, serde_json::to_vec(&seed).unwrap()).unwrap();

    let url = server.base_url();
    let mut args = vec!["pull", "--platform", platform, "--api", url.as_str(), "--rate", "0", "-o"];
    args.push(pulled_file.to_str().unwrap());
    args.extend(TARGET);
    let o = output(shiftgate(&args)).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Pulled schedule sch-48 version 17"), "{}", text(&o.stderr));
    let pulled: Value = serde_json::from_slice(&std::fs::read(&pulled_file).unwrap()).unwrap();
    assert_eq!(pulled["format"], "shiftgate.snapshot/1");
    assert!(pulled.get("history").is_none());
    assert_eq!(pulled["agentSchedules"].as_array().unwrap().len(), seed["agentSchedules"].as_array().unwrap().len());

    let (from_seed, seed_code) = findings(&seed_file).await;
    let (from_pull, pull_code) = findings(&pulled_file).await;
    assert!(!from_seed.is_empty(), "the week has findings to compare");
    assert_eq!(from_pull, from_seed, "the pulled week checks exactly like the seed");
    assert_eq!(pull_code, seed_code);
    assert!(server.attempts().is_empty(), "pull writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulled_genesys_week_checks_like_its_seed() {
    round_trip("genesys").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulled_rest_week_checks_like_its_seed() {
    round_trip("rest").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_to_stdout_takes_as_of_from_the_flag() {
    let server = sim(&seed()).await;
    let url = server.base_url();
    let mut args = vec!["pull", "--api", url.as_str(), "--rate", "0", "--as-of", "2026-11-20T12:00:00Z"];
    args.extend(TARGET);
    let o = output(shiftgate(&args)).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("the snapshot on stdout");
    assert_eq!(doc["asOf"], "2026-11-20T12:00:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_pull_names_the_request_and_writes_nothing() {
    let server = sim(&seed()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pulled.json");
    let url = server.base_url();
    let args = [
        "pull",
        "--api",
        url.as_str(),
        "--rate",
        "0",
        "-o",
        out.to_str().unwrap(),
        "--business-unit",
        "bu-chi",
        "--week",
        "2026-11-29",
        "--schedule",
        "sch-nope",
    ];
    let o = output(shiftgate(&args)).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("reading the metadata of schedule sch-nope (GET /api/v2/workforcemanagement/businessunits/bu-chi/weeks/2026-11-29/schedules/sch-nope) was refused: HTTP 404 not.found"),
        "{err}"
    );
    assert!(!out.exists());
    // Missing credentials are a usage error before any request.
    let mut no_secret =
        shiftgate(&["pull", "--api", url.as_str(), "--business-unit", "b", "--week", "2026-11-29", "--schedule", "s"]);
    no_secret.env_remove("SHIFTGATE_CLIENT_SECRET");
    let o = output(no_secret).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("SHIFTGATE_CLIENT_SECRET"));
}

#[tokio::test]
async fn a_platform_that_keeps_the_pull_waiting_ends_it_at_its_deadline() {
    // A server on loopback that takes connections and never answers: the pull gives up at --deadline (exit 4,
    // try again later) instead of waiting as long as the platform likes, and writes nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pulled.json");
    let mut args = vec!["pull", "--api", url.as_str(), "--deadline", "1", "-o", out.to_str().unwrap()];
    args.extend(TARGET);
    let o = output(shiftgate(&args)).await;
    held.abort();
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("the read did not end within --deadline 1 s; try again later"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn pull_help_says_what_it_does_not_read() {
    let o = shiftgate(&["pull", "--help"]).output().unwrap();
    let help = text(&o.stdout);
    assert!(
        help.contains("no `history`") && help.contains("-o, --output <FILE>") && help.contains("--as-of <TIME>"),
        "{help}"
    );
}
