//! Hostile-input suite, the small holes: each as a regression test sized to run in seconds.
//!
//! Before: `explain-conflict` called `{}`, `{"conflicts": []}`, a list of non-objects or `start: "garbage"`
//! "explained" and exited 0; `check -j 10000` on a 2-agent week ran for over a minute at 1.5 GB; `check /dev/zero`
//! read until memory ran out.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test hostile_input`.

mod common;
mod hostile_support;

use std::io::Write as _;
use std::process::{Output, Stdio};

use common::{shiftgate, text};
use hostile_support::DESIGN;
use serde_json::{json, Value};

/// The limit on one snapshot or platform answer, as the binary words it.
const DOCUMENT_LIMIT: &str = "larger than 256 MiB, the most shiftgate reads from one input";
const DOCUMENT_LIMIT_BYTES: u64 = 256 * 1024 * 1024;

fn explain(answer: &Value, format: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answer.json");
    std::fs::write(&file, serde_json::to_vec(answer).unwrap()).unwrap();
    shiftgate()
        .args(["explain-conflict", "--snapshot", DESIGN, "--format", format, file.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
fn explain_conflict_refuses_what_is_not_a_conflict_answer() {
    for (answer, wants) in [
        (json!({}), vec!["names no conflict: expected a `conflicts` list (REST contract) or `details` naming agents"]),
        (json!({"status": 409, "details": [], "errors": []}), vec!["names no conflict"]),
        (
            json!({"conflicts": [1, "x", [null]]}),
            vec![
                "conflicts[0]: expected an object, got the number 1",
                "conflicts[1]: expected an object, got the string \"x\"",
                "conflicts[2]: expected an object, got an array of 1 item(s)",
            ],
        ),
        (
            json!({"conflicts": [{"agentId": "a-200", "start": "garbage", "end": "2026-12-01T18:00:00Z"}]}),
            vec!["conflicts[0].start: expected an RFC 3339 instant, got \"garbage\""],
        ),
        (json!({"conflicts": [{"start": "2026-12-01T14:00:00Z"}]}), vec!["conflicts[0]: names no agent"]),
        (json!({"conflicts": "a-200"}), vec!["conflicts: expected an array of conflicts"]),
        (json!({"details": [{"errorCode": "x", "entityName": "y"}]}), vec!["details[0]: names no agent"]),
        (
            json!({"status": 409, "code": "wfm.schedule.version.mismatch", "details": [{"entityId": "sch-48"}]}),
            vec!["is a version conflict, not a data conflict"],
        ),
        (json!("conflict"), vec![": expected a JSON object"]),
    ] {
        let o = explain(&answer, "human");
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{answer}: {err}");
        assert!(o.stdout.is_empty(), "{answer}: nothing is explained: {}", text(&o.stdout));
        assert!(err.contains("answer.json"), "{answer}: the file is named: {err}");
        for want in wants {
            assert!(err.contains(want), "{answer}: no {want:?} in\n{err}");
        }
    }
}

#[test]
fn an_empty_conflict_list_explains_zero_conflicts_and_says_so() {
    let o = explain(&json!({"conflicts": []}), "human");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("lists no conflicts") && out.contains("0 conflicts: 0 explained, 0 validator gaps"), "{out}");
    let o = explain(&json!({"conflicts": []}), "json");
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"], json!({"conflicts": 0, "explained": 0, "validatorGaps": 0}));
}

/// Runs `shiftgate ARGS...` while sampling its thread count from /proc: the most it had at once, and its output.
/// A process that goes past `bound` threads is stopped there, so that the test fails at once instead of waiting.
#[cfg(target_os = "linux")]
fn peak_threads(args: &[&str], bound: usize) -> (usize, Output) {
    let mut child = shiftgate().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let tasks = format!("/proc/{}/task", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak.max(std::fs::read_dir(&tasks).map_or(0, |entries| entries.count()));
        if peak > bound {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    (peak, child.wait_with_output().unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn jobs_beyond_four_per_core_are_lowered() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // One reading pool and one checking pool of at most 4 per core each, and the main thread.
    let bound = 2 * 4 * cores + 2;
    let (peak, many) = peak_threads(&["check", "-j", "10000", DESIGN], bound);
    assert!(peak <= bound, "{peak} threads for -j 10000 on {cores} cores");
    assert_eq!(many.status.code(), Some(1), "{}", text(&many.stderr));
    let one = shiftgate().args(["check", "-j", "1", DESIGN]).output().unwrap();
    assert_eq!(many.stdout, one.stdout, "the report does not depend on the number of threads");

    let zero = shiftgate().args(["check", "-j", "0", DESIGN]).output().unwrap();
    assert_eq!(zero.status.code(), Some(2));
    assert!(text(&zero.stderr).contains("must be at least 1"), "{}", text(&zero.stderr));
    let help = text(&shiftgate().args(["check", "--help"]).output().unwrap().stdout);
    assert!(help.contains("at most 4 per core"), "{help}");
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_refused_at_the_limit() {
    let o = shiftgate().args(["check", "/dev/zero"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("/dev/zero: {DOCUMENT_LIMIT}")), "{err}");
    let o = shiftgate().args(["explain-conflict", "--snapshot", DESIGN, "/dev/zero"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains(&format!("/dev/zero: {DOCUMENT_LIMIT}")), "{}", text(&o.stderr));
}

#[test]
fn endless_standard_input_is_refused_at_the_limit() {
    let mut child = shiftgate()
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        // Bounded: the limit and a little more, or until the reader stops and the pipe breaks.
        for _ in 0..(DOCUMENT_LIMIT_BYTES >> 20) + 8 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains(&format!("<stdin>: {DOCUMENT_LIMIT}")), "{}", text(&o.stderr));
}

#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: their length is what counts, they take no disk space.
    let big = dir.path().join("big.json");
    std::fs::File::create(&big).unwrap().set_len(DOCUMENT_LIMIT_BYTES + 1).unwrap();
    let config = dir.path().join("shiftgate.toml");
    std::fs::File::create(&config).unwrap().set_len(4 * 1024 * 1024 + 1).unwrap();
    let (big, config) = (big.to_str().unwrap(), config.to_str().unwrap());
    for (args, want) in [
        (vec!["check", big], format!("{big}: {DOCUMENT_LIMIT}")),
        (vec!["explain-conflict", "--snapshot", DESIGN, big], format!("{big}: {DOCUMENT_LIMIT}")),
        (vec!["check", "--config", config, DESIGN], format!("{config}: larger than 4 MiB")),
    ] {
        let o = shiftgate().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains(&want), "{args:?}: {}", text(&o.stderr));
    }
}
