//! End-to-end tests of `shiftgate publish`, `explain-conflict`, `demo` and `sim` through the built binary, against
//! simulators on 127.0.0.1 that the tests start themselves.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test publish_cli` (`cargo test --workspace`
//! builds the binary itself).

mod common;
mod publish_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shiftgate_publish::verify_chain;
use shiftgate_sim::{FaultPlan, SimConfig};

use common::{all_text, command, output, text, workspace};
use publish_support::{clean, demo_week, sim_with, small_week, with_sim_credentials, TARGET};

fn publish_args<'a>(url: &'a str, platform: &'a str, audit: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["publish", "--platform", platform, "--api", url, "--rate", "0"];
    v.extend(TARGET);
    v.extend(["--audit", audit.to_str().unwrap()]);
    v.extend(extra);
    v
}

fn write_json(dir: &Path, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

#[test]
fn demo_tells_the_whole_story_the_same_way_every_time() {
    let run = || {
        let started = Instant::now();
        let o = command(&["demo"]).output().expect("demo runs");
        assert!(started.elapsed() < Duration::from_secs(30), "demo took {:?}", started.elapsed());
        assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
        text(&o.stdout)
    };
    let out = run();
    for needle in [
        "1. The gate meets the incident",
        "4 findings block the publish, so nothing was written",
        "is PENDING since",
        // The strict simulator refuses as Genesys does: 202, then an Error event without a reason (wfm-api.md
        // §1.6, §6); shiftgate explains it from its own findings.
        "then ends it with a bare event, {\"status\":\"Error\",\"eventType\":\"Update\"}: no agent, no time, no reason",
        "(unchanged 1 s later: refused data, not a stale version)",
        "its own findings on the fresh read explain the refusal: the 4 conflicts of step 1",
        "a-00047 Tue Dec 1 08:00-16:30 CST: time off tor-00001 is PENDING under the shift trade tr-00001 gave them",
        "3. Publishing with --exclude-conflicting-trades",
        "tr-00001 (swap a-00012 -> a-00047): a-00047 has pending time off tor-00001",
        "tr-00004 (pick-up a-00150 -> a-00176)",
        "4. A concurrent edit",
        "the re-read showed version 18, not the 17 shiftgate sent",
        "re-read version 18",
        "5. Published. Schedule sch-48 is at version 19",
        "the concurrent edit kept",
        "6. The job runs again",
        "already published at version 19. Exit code 0, and nothing was sent.",
    ] {
        assert!(out.contains(needle), "no {needle:?} in\n{out}");
    }
    // Same story again, but for the port and the timing.
    let normal = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("Simulator: ") && !l.starts_with("Done in") && !l.contains("audit chain head"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(normal(&out), normal(&run()));
}

#[test]
fn demo_runs_on_the_rest_contract_too() {
    let o = command(&["demo", "--platform", "rest"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let out = text(&o.stdout);
    // The REST contract's refusal is the seed's 409 with a `conflicts` list, explained conflict by conflict.
    assert!(out.contains("the platform answers HTTP 409 schedule.data.conflict"), "{out}");
    assert!(out.contains("(4 of 4 explained)"), "{out}");
    assert!(out.contains("HTTP 412 Precondition Failed, a version mismatch: sent version 17, current 18"), "{out}");
    assert!(out.contains("5. Published. Schedule sch-48 is at version 19"), "{out}");
    assert!(out.contains("already published at version 19"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_findings_and_changes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let week = demo_week();
    for (doc, code, verdict) in [(&week, 1, "DRY RUN, BLOCKED"), (&clean(&week), 0, "DRY RUN: nothing blocks")] {
        let sim = sim_with(doc, SimConfig::default()).await;
        let url = sim.base_url();
        let mut c = command(&publish_args(&url, "genesys", &audit, &["--dry-run"]));
        c.env("SHIFTGATE_CLIENT_ID", "shiftgate-sim-client").env("SHIFTGATE_CLIENT_SECRET", "shiftgate-sim-secret");
        let o = output(c).await;
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(code), "{}", all_text(&o));
        assert!(out.contains(verdict), "{out}");
        assert!(out.contains("Changes (would submit:") && out.contains("schedule: unpublished -> published"), "{out}");
        assert!(sim.attempts().is_empty(), "a dry run wrote");
        let writes = sim
            .requests()
            .into_iter()
            .filter(|r| matches!(r.kind.as_deref(), Some("uploadurl" | "upload" | "update" | "restput")));
        assert_eq!(writes.count(), 0, "a dry run asked for an upload or an update");
        if code == 1 {
            assert!(out.contains("core.timeoff.pending-conflict") && out.contains("because: shift s-00012-2"), "{out}");
        }
    }
    let lines = std::fs::read_to_string(&audit).unwrap();
    assert!(verify_chain(&lines).is_ok(), "two runs append to one verifiable chain");
    assert!(lines.lines().any(|l| l.contains("\"state\":\"plan\"")), "{lines}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_excludes_trades_and_never_shows_the_secret() {
    const SECRET: &str = "s3cr3t-Zq8-never-print-me";
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let config = SimConfig { client_secret: SECRET.to_string(), ..SimConfig::default() };
    let sim = sim_with(&demo_week(), config).await;
    let url = sim.base_url();

    let mut c = command(&publish_args(&url, "genesys", &audit, &["--exclude-conflicting-trades", "--json"]));
    c.env("SHIFTGATE_CLIENT_ID", "shiftgate-sim-client").env("SHIFTGATE_CLIENT_SECRET", SECRET);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("--json prints the report");
    assert_eq!(report["outcome"]["kind"], "published");
    assert_eq!(report["outcome"]["verified"], true);
    let excluded: Vec<&str> =
        report["excludedTrades"].as_array().unwrap().iter().map(|x| x["tradeId"].as_str().unwrap()).collect();
    assert_eq!(excluded.len(), 4, "{excluded:?}");
    for t in ["tr-00001", "tr-00002", "tr-00003", "tr-00004"] {
        assert!(excluded.contains(&t), "{excluded:?}");
    }
    assert!(report["excludedTrades"][0]["reasons"][0].as_str().unwrap().starts_with("core.timeoff.pending-conflict: "));
    assert_eq!(sim.schedule_version().await, 18);

    // A wrong secret: refused, exit 2, and neither secret shows anywhere.
    let mut c = command(&publish_args(&url, "genesys", &audit, &[]));
    c.env("SHIFTGATE_CLIENT_ID", "shiftgate-sim-client").env("SHIFTGATE_CLIENT_SECRET", "wrong-Zq8-secret");
    let refused = output(c).await;
    assert_eq!(refused.status.code(), Some(2), "{}", all_text(&refused));
    assert!(text(&refused.stdout).contains("REJECTED"), "{}", all_text(&refused));

    let audit_text = std::fs::read_to_string(&audit).unwrap();
    assert!(verify_chain(&audit_text).is_ok());
    for hay in [all_text(&o), all_text(&refused), audit_text] {
        assert!(!hay.contains(SECRET) && !hay.contains("wrong-Zq8-secret"), "a secret leaked:\n{hay}");
        assert!(!hay.to_lowercase().contains("access_token"), "a token leaked:\n{hay}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_say_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let clean_week = clean(&demo_week());

    // 2: no credentials for Genesys; a region with the REST contract; an unknown region.
    let o = output(command(&publish_args("http://127.0.0.1:9", "genesys", &audit, &[]))).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("SHIFTGATE_CLIENT_ID and SHIFTGATE_CLIENT_SECRET"), "{}", all_text(&o));
    let mut args = vec!["publish", "--platform", "rest", "--region", "us-east-1"];
    args.extend(TARGET);
    assert_eq!(output(command(&args)).await.status.code(), Some(2));
    let mut args = vec!["publish", "--region", "mars-1"];
    args.extend(TARGET);
    let mut c = command(&args);
    c.env("SHIFTGATE_CLIENT_ID", "x").env("SHIFTGATE_CLIENT_SECRET", "y");
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("us-east-1"), "{}", all_text(&o));

    // 2: half a pair of client credentials, or a REST token beside them: which credential is meant is unclear.
    let mut c = command(&publish_args("http://127.0.0.1:9", "rest", &audit, &[]));
    c.env("SHIFTGATE_CLIENT_ID", "shiftgate-sim-client");
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("or neither"), "{}", all_text(&o));
    let mut c = with_sim_credentials(command(&publish_args("http://127.0.0.1:9", "rest", &audit, &[])));
    c.env("SHIFTGATE_TOKEN", "tok-Zq8");
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not both") && !all_text(&o).contains("tok-Zq8"), "{}", all_text(&o));

    // 2: the REST contract without a credential is refused (the simulator requires a bearer token).
    let sim = sim_with(&clean_week, SimConfig::default()).await;
    let o = output(command(&publish_args(&sim.base_url(), "rest", &audit, &[]))).await;
    assert_eq!(o.status.code(), Some(2), "{}", all_text(&o));
    assert!(text(&o.stdout).contains("REJECTED") && text(&o.stdout).contains("HTTP 401"), "{}", all_text(&o));

    // 3: a rule fails at run time: the gate fails closed.
    let o = output(with_sim_credentials(command(&publish_args(
        &sim.base_url(),
        "rest",
        &audit,
        &["--rules", "tests/fixtures/bad-rules/throw"],
    ))))
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", all_text(&o));
    assert!(text(&o.stderr).contains("the gate fails closed") && sim.attempts().is_empty(), "{}", all_text(&o));

    // 4: the platform keeps failing and the write cap is 1.
    let faults = FaultPlan::parse("500@write#1-20").unwrap();
    let sim = sim_with(&clean_week, SimConfig { faults, ..SimConfig::default() }).await;
    // A 500 leaves the write's fate unclear: a one-second processing window keeps the test short.
    let o = output(with_sim_credentials(command(&publish_args(
        &sim.base_url(),
        "rest",
        &audit,
        &["--max-writes", "1", "--settle-window", "1"],
    ))))
    .await;
    assert_eq!(o.status.code(), Some(4), "{}", all_text(&o));
    assert!(text(&o.stdout).contains("GAVE UP: the write cap of 1 was reached"), "{}", all_text(&o));

    // 1: pending time off arrives between read and write: a data conflict, explained, never resent.
    let faults = FaultPlan::parse("timeoff@write#1").unwrap();
    let sim = sim_with(&clean_week, SimConfig { faults, ..SimConfig::default() }).await;
    let o = output(with_sim_credentials(command(&publish_args(&sim.base_url(), "rest", &audit, &["--json"])))).await;
    assert_eq!(o.status.code(), Some(1), "{}", all_text(&o));
    assert_eq!(sim.attempts().len(), 1, "a data conflict is never resent");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["outcome"]["kind"], "dataConflict");
    assert_eq!(report["conflicts"][0]["validatorGap"], false);

    // The saved report feeds explain-conflict, against the state the platform had.
    let saved = write_json(dir.path(), "report.json", &report);
    let live = write_json(dir.path(), "live.json", &serde_json::to_value(sim.state().await).unwrap());
    let o = output(command(&[
        "explain-conflict",
        "--snapshot",
        live.to_str().unwrap(),
        saved.to_str().unwrap(),
        "--as-of",
        "2026-11-22T18:00:00-06:00",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    assert!(text(&o.stdout).contains("predicted by core.timeoff.pending-conflict"), "{}", all_text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waived_findings_are_marked_apart_in_human_and_json_output() {
    // fixtures/waivers: a-1's and a-3's short rests are waived (three findings), a-2's blocks. Before, publish
    // printed a waived error as an ordinary one and --json carried no waiver at all.
    let week: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("fixtures/waivers/week.json")).unwrap()).unwrap();
    let sim = sim_with(&week, SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let flags = ["--config", "fixtures/waivers/shiftgate.toml", "--as-of", "2026-11-10T18:00:00-06:00", "--dry-run"];
    let url = sim.base_url();
    let o = output(with_sim_credentials(command(&publish_args(&url, "rest", &audit, &flags)))).await;
    assert_eq!(o.status.code(), Some(1), "a-2's short rest blocks: {}", all_text(&o));
    let out = text(&o.stdout);
    assert!(out.contains("Findings: 1 error, 1 warning, 0 infos; 1 blocks publishing; 3 waived"), "{out}");
    let (open, waived) = out.split_once("Waived (3 findings, never blocking):").expect("a Waived section");
    assert!(open.contains("a-2") && !open.contains("a-1") && !open.contains("a-3"), "{open}");
    for needle in [
        "waived by waiver HR-2026-114 (#1 of fixtures/waivers/shiftgate.toml), approved by Dana Ruiz, HR on 2026-11-05, expires 2026-12-31 (51 days left): Signed Fair Workweek consent",
        "waived by waiver LR-2026-031 (#1 of fixtures/waivers/waivers.toml), approved by J. Park, Labor Relations on 2026-11-01, expires 2026-12-15 (35 days left)",
        "waived by waiver #2 of fixtures/waivers/waivers.toml, approved by Sam Lee, operations on 2026-11-09, expires 2026-12-06 (26 days left)",
    ] {
        assert!(waived.contains(needle), "no {needle:?} in\n{waived}");
    }

    let mut args = publish_args(&url, "rest", &audit, &flags);
    args.push("--json");
    let o = output(with_sim_credentials(command(&args))).await;
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", all_text(&o)));
    let findings = report["findings"].as_array().unwrap();
    let waived: Vec<&Value> = findings.iter().filter(|f| f.get("waiver").is_some()).collect();
    assert_eq!(waived.len(), 3, "{findings:#?}");
    assert!(waived.iter().all(|f| f["blocking"] == false));
    let hr = waived.iter().find(|f| f["agentId"] == "a-1" && f["rule"] == "core.rest.min-between-shifts").unwrap();
    assert_eq!(
        hr["waiver"],
        json!({"name": "waiver HR-2026-114 (#1 of fixtures/waivers/shiftgate.toml)",
               "reason": "Signed Fair Workweek consent to work with less than 10 h of rest between Mon Nov 30 and Tue Dec 1 (form FW-12)",
               "approvedBy": "Dana Ruiz, HR", "approvedOn": "2026-11-05", "expires": "2026-12-31"})
    );
    let open: Vec<&Value> = findings.iter().filter(|f| f.get("waiver").is_none()).collect();
    assert!(open.iter().all(|f| f["agentId"] == "a-2"), "{open:#?}");
}

#[test]
fn credentials_never_travel_in_clear_text_nor_show_from_the_url() {
    // Plain http to a real host would carry the Basic client secret and the bearer token unencrypted; user info
    // in --api would be printed in the "on ..." line. Both are configuration errors (exit 2) before any request.
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    for (api, platform, said) in [
        ("http://api.mypurecloud.com", "genesys", "the Genesys API base must use https://"),
        ("http://wfm.example.com", "rest", "the REST base must use https://"),
        ("https://me:hunter2-Zq8@api.mypurecloud.com", "genesys", "must not carry a user name or password"),
        ("https://me:hunter2-Zq8@wfm.example.com", "rest", "must not carry a user name or password"),
    ] {
        let o = with_sim_credentials(command(&publish_args(api, platform, &audit, &[]))).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{api}: {}", all_text(&o));
        assert!(text(&o.stderr).contains(said), "{api}: {}", all_text(&o));
        assert!(!all_text(&o).contains("hunter2"), "{api}: {}", all_text(&o));
        assert!(!audit.exists() || std::fs::read_to_string(&audit).unwrap().is_empty(), "nothing was attempted");
    }
    // `pull` builds its client the same way.
    let mut args = vec!["pull", "--api", "http://api.mypurecloud.com"];
    args.extend(TARGET);
    let o = with_sim_credentials(command(&args)).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", all_text(&o));
    assert!(text(&o.stderr).contains("must use https://"), "{}", all_text(&o));
}

#[test]
fn a_pacing_rate_too_small_to_wait_for_is_a_usage_error_not_a_crash() {
    // `--rate 1e-300` used to reach `Duration::from_secs_f64(1e300)`, a panic mid-run with no report.
    for (rate, said) in
        [("1e-300", "at least 0.001"), ("-1", "at least 0.001"), ("NaN", "at least 0.001"), ("x", "not a number")]
    {
        for sub in ["publish", "pull"] {
            let flag = format!("--rate={rate}");
            let mut args = vec![sub, "--api", "http://127.0.0.1:9", &flag];
            args.extend(TARGET);
            let o = with_sim_credentials(command(&args)).output().unwrap();
            assert_eq!(o.status.code(), Some(2), "{sub} --rate {rate}: {}", all_text(&o));
            let err = text(&o.stderr);
            assert!(err.contains("--rate") && err.contains(said), "{sub} --rate {rate}: {err}");
        }
    }
}

#[test]
fn explain_conflict_tells_explained_conflicts_from_validator_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_json(dir.path(), "week.json", &demo_week());
    let s = snapshot.to_str().unwrap();
    let predicted = json!({"agentId": "a-00047", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T22:30:00Z", "reason": "TimeOffOverlap"});
    let unknown = json!({"agentId": "a-00001", "start": "2026-12-05T14:00:00Z", "end": "2026-12-05T15:00:00Z", "reason": "ShiftOverlap"});

    let ok = write_json(dir.path(), "ok.json", &json!({"conflicts": [predicted]}));
    let o = command(&["explain-conflict", "--snapshot", s, ok.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let out = text(&o.stdout);
    assert!(out.contains("[explained] a-00047 Tue Dec 1 08:00-16:30 CST"), "{out}");
    assert!(
        out.contains("because: shift s-00012-2 (Tue Dec 1 08:00-16:30 CST) was moved from a-00012 to a-00047"),
        "{out}"
    );
    assert!(out.contains("1 conflict(s): 1 explained, 0 validator gap(s)"), "{out}");

    // The same conflict as Genesys words it: an ErrorBody naming the agent and the interval.
    let genesys = write_json(
        dir.path(),
        "genesys.json",
        &json!({"status": 409, "code": "wfm.schedule.data.conflict", "message": "The schedule update conflicts with existing data",
                "details": [{"errorCode": "wfm.schedule.data.conflict", "fieldName": "agentSchedules[3]", "entityId": "a-00047",
                             "entityName": "2026-12-01T14:00:00Z/2026-12-01T22:30:00Z"}]}),
    );
    let o = command(&["explain-conflict", "--snapshot", s, genesys.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    assert!(text(&o.stdout).contains("predicted by core.timeoff.pending-conflict"), "{}", all_text(&o));

    let gap = write_json(dir.path(), "gap.json", &json!({"conflicts": [predicted, unknown]}));
    let o =
        command(&["explain-conflict", "--snapshot", s, gap.to_str().unwrap(), "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", all_text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"], "shiftgate.conflicts/1");
    assert_eq!(v["summary"], json!({"conflicts": 2, "explained": 1, "validatorGaps": 1}));
    assert_eq!(v["conflicts"][1]["validatorGap"], true);

    // Bad input: not JSON, not an object, a missing snapshot.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "<html>502 Bad Gateway</html>").unwrap();
    let arr = write_json(dir.path(), "arr.json", &json!([1]));
    for (snap, resp) in [(s, bad.to_str().unwrap()), (s, arr.to_str().unwrap()), ("missing.json", ok.to_str().unwrap())]
    {
        let o = command(&["explain-conflict", "--snapshot", snap, resp]).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", all_text(&o));
    }
}

#[test]
fn sim_serves_until_stopped_and_publish_survives_its_concurrent_editor() {
    let dir = tempfile::tempdir().unwrap();
    let week = write_json(dir.path(), "week.json", &clean(&small_week(30)));
    let mut child = command(&["sim", "--snapshot", week.to_str().unwrap(), "--faults", "409-version@1", "--seed", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("sim starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20));
    let url = first.as_deref().ok().and_then(|l| l.strip_prefix("shiftgate sim listening on ")).map(str::to_string);
    let result = std::panic::catch_unwind(|| {
        let url = url.expect("the first line names the URL");
        let audit = dir.path().join("audit.jsonl");
        let mut args = publish_args(&url, "rest", &audit, &[]);
        args.push("--exclude-conflicting-trades");
        let o = with_sim_credentials(command(&args)).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
        let out = text(&o.stdout);
        assert!(out.contains("Version conflict 1/5") && out.contains("PUBLISHED"), "{out}");
        // The editor changed one agent: after the full re-read, only that agent and its trade partners are
        // checked again (issue #14, point 1), by the checker the binary runs.
        let again = out.split("Re-validating ").nth(1).and_then(|r| r.split_once(" of 30 agents"));
        let n: usize = again.and_then(|(n, _)| n.parse().ok()).unwrap_or_else(|| panic!("no partial re-check: {out}"));
        assert!((1..30).contains(&n), "{out}");
    });
    // The simulator is ours: stop it whatever happened.
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    let bad = command(&["sim", "--faults", "nonsense@@"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", all_text(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timings_give_each_wait_its_own_line_and_count_requests_per_route() {
    // One read answered 429 with Retry-After: 1 (wfm-api.md §1.11). The wait is its own line in --timings and
    // its own entry in the JSON report's timings, not folded into "rules loading, output"; the requests per
    // route agree with what the simulator received.
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let config = SimConfig { faults: FaultPlan::parse("429:1s@read#1").unwrap(), ..SimConfig::default() };
    let sim = sim_with(&clean(&demo_week()), config).await;
    let url = sim.base_url();
    let c = with_sim_credentials(command(&publish_args(&url, "genesys", &audit, &["--json", "--timings"])));
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", all_text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("--json prints the report");
    let timings = text(&o.stderr);

    // The client sent nothing for the Retry-After (the journal's clock); the time it stood still is reported as
    // that wait. Measured from when the next request queued, so a little under the second it was asked to wait.
    let journal = sim.requests();
    let limited = journal.iter().find(|r| r.status == Some(429)).expect("the fault answered 429");
    let next = journal.iter().find(|r| r.seq > limited.seq && r.path.starts_with("/api/")).expect("the read went on");
    assert!(next.elapsed_ms >= limited.elapsed_ms + 1000, "{next:?} went before the Retry-After of {limited:?}");
    let waits = report["timings"]["waits"].as_array().expect("timings.waits");
    let retry = waits.iter().find(|w| w["kind"] == "retryAfter").unwrap_or_else(|| panic!("{waits:#?}"));
    assert!(retry["ms"].as_f64().unwrap() >= 500.0, "{retry}");
    // --timings: the wait on its own line, and the lines add up to the total (so it is not also counted under
    // "rules loading, output").
    let seconds = |l: &str| -> f64 { l.split_whitespace().rev().nth(2).and_then(|s| s.parse().ok()).unwrap_or(0.0) };
    let line =
        timings.lines().find(|l| l.contains("waiting: Retry-After of a 429")).unwrap_or_else(|| panic!("{timings}"));
    assert!(seconds(line) >= 0.5, "{line}");
    let total: f64 = timings
        .lines()
        .find_map(|l| l.strip_prefix("timings: total "))
        .and_then(|t| t.trim_end_matches(" s").parse().ok())
        .unwrap_or_else(|| panic!("{timings}"));
    let parts: Vec<&str> = timings.lines().take_while(|l| !l.starts_with("requests: ")).skip(1).collect();
    let sum: f64 = parts.iter().map(|l| seconds(l)).sum();
    assert!((sum - total).abs() <= 0.001 * parts.len() as f64 + 1e-9, "{sum} != {total}: {timings}");

    // Requests per route: the report's count of agent-schedule queries is what the simulator received.
    let received = journal.iter().filter(|r| r.path.ends_with("/agentschedules/query")).count() as u64;
    let routes = report["timings"]["routes"].as_array().expect("timings.routes");
    let query = routes.iter().find(|r| r["route"].as_str().unwrap().ends_with("agentschedules/query")).unwrap();
    assert_eq!(query["requests"].as_u64(), Some(received), "{routes:#?}");
    assert_eq!(report["timings"]["rateLimited"].as_u64(), Some(1), "{}", report["timings"]);
    let shown = timings.lines().find(|l| l.contains("agentschedules/query")).unwrap_or_else(|| panic!("{timings}"));
    assert!(shown.trim_end().ends_with(&format!(" {received}")), "{shown}");
    assert!(timings.contains("requests: ") && timings.contains("(1 answered 429)"), "{timings}");
}
