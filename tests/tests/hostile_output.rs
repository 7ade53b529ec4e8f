//! Hostile-input suite, output side: whatever a rule script, a snapshot, a file name or a platform answer carries,
//! no output of the binary (any format, standard output or error) contains a raw control character, an ANSI
//! escape, or a line that a GitHub Actions runner would take for a workflow command the renderer did not mean.
//!
//! Before: a shift id `s-1\n::error ...` reached the human output raw (a forged annotation in a CI log), as did
//! a 409 body's `entityId`, `code` and `message` in `explain-conflict`, a file name in `--format github`'s
//! summary, and a rule's id or message in human and JUnit output; later, `publish` printed a REST 409's
//! `conflicts[].agentId` and a rule's message raw (in its conflict summaries, story and findings), and
//! `rules list` / `rules explain` a rule's title and documentation.
//!
//! Run: `cargo build -p shiftgate && cargo test -p shiftgate-tests --test hostile_output`.

mod common;
mod hostile_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};

use hostile_support::{assert_forges_nothing, rules_reporting, rules_titled, DESIGN, HOSTILE, HOSTILE_NAME};
use serde_json::{json, Value};

const FORMATS: [&str; 5] = ["human", "json", "sarif", "junit", "github"];

/// Runs the binary in `dir` (so that file names are shown relative to it), without colour.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("shiftgate runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

fn design() -> Value {
    serde_json::from_slice(&std::fs::read(common::workspace().join(DESIGN)).unwrap()).unwrap()
}

#[test]
fn a_rule_message_and_a_file_name_forge_nothing_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = format!("{HOSTILE_NAME}.json");
    std::fs::write(dir.path().join(&snapshot), serde_json::to_vec(&design()).unwrap()).unwrap();
    let rules = rules_reporting(dir.path(), HOSTILE);
    let rules = rules.to_str().unwrap();
    let mut findings = 0;
    for format in FORMATS {
        let o = run_in(dir.path(), &["check", "--rules", rules, "--format", format, &snapshot]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", String::from_utf8_lossy(&o.stderr));
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_forges_nothing(&format!("{format} stderr"), &err, false);
        let commands = assert_forges_nothing(&format!("--format {format}"), &out, format == "github");
        match format {
            "human" => {
                // Shown, not dropped: a reader sees what the rule wrote, and the file it was about.
                assert!(out.contains("x\\n::error file=evil.json,line=1::forged\\r\\n"), "{out}");
                assert!(out.contains("week\\n::error file=evil.json::forged \\u{1b}[31m"), "{out}");
            }
            "json" => {
                let report: Value = serde_json::from_str(&out).unwrap();
                let list = report["findings"].as_array().unwrap();
                findings = list.len();
                assert_eq!(findings, 2, "one per shift of the design example:\n{out}");
                // Machines get the string as the rule wrote it.
                assert!(list[0]["message"].as_str().unwrap().starts_with(HOSTILE));
            }
            "github" => {
                assert_eq!(commands.len(), findings, "one annotation per finding:\n{out}");
                for line in out.lines().filter(|l| !l.starts_with("::")) {
                    assert!(line.starts_with("shiftgate: week\\n::error"), "{line:?}");
                }
            }
            _ => {}
        }
    }
}

#[test]
fn hostile_ids_in_a_snapshot_are_refused_or_shown_never_obeyed() {
    // Until the model refuses such ids they reach the renderers; after, the input error names them. Either way
    // nothing may be forged, on standard output or standard error.
    let dir = tempfile::tempdir().unwrap();
    let hostile = serde_json::to_string(HOSTILE).unwrap();
    let doc = serde_json::to_string(&design()).unwrap().replace("\"s-1\"", &hostile).replace("\"a-200\"", &hostile);
    std::fs::write(dir.path().join("week.json"), doc).unwrap();
    for format in FORMATS {
        let o = run_in(dir.path(), &["check", "--format", format, "week.json"]);
        let code = o.status.code();
        assert!(matches!(code, Some(1 | 2)), "{format}: exit {code:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert_forges_nothing(&format!("--format {format}"), &text(&o.stdout), format == "github");
        assert_forges_nothing(&format!("{format} stderr"), &text(&o.stderr), false);
    }
}

#[test]
fn explain_conflict_shows_a_hostile_answer_without_obeying_it() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = common::workspace().join(DESIGN);
    let answers = [
        json!({"conflicts": [{"agentId": HOSTILE, "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z",
                              "reason": HOSTILE, "refId": HOSTILE, "message": HOSTILE}]}),
        json!({"status": 409, "code": HOSTILE, "message": HOSTILE,
               "details": [{"errorCode": HOSTILE, "entityId": HOSTILE, "fieldName": HOSTILE, "entityName": HOSTILE}]}),
    ];
    for (i, answer) in answers.iter().enumerate() {
        let file = format!("{HOSTILE_NAME}-{i}.json");
        std::fs::write(dir.path().join(&file), serde_json::to_vec(answer).unwrap()).unwrap();
        for format in ["human", "json"] {
            let o = run_in(
                dir.path(),
                &["explain-conflict", "--snapshot", snapshot.to_str().unwrap(), "--format", format, &file],
            );
            // Nobody local is called HOSTILE: a validator gap.
            assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
            let out = text(&o.stdout);
            assert_forges_nothing(&format!("answer {i} --format {format}"), &out, false);
            assert_forges_nothing(&format!("answer {i} stderr"), &text(&o.stderr), false);
            if format == "human" {
                assert!(out.contains("x\\n::error file=evil.json,line=1::forged"), "{out}");
            } else {
                let v: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["conflicts"][0]["conflict"]["agentId"], HOSTILE);
            }
        }
    }
}

#[test]
fn error_messages_name_a_hostile_file_without_obeying_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = format!("{HOSTILE_NAME}.json");
    std::fs::write(dir.path().join(&bad), "{\"format\": \"shiftgate.snapshot/1\", \"agents\": [").unwrap();
    let missing = format!("{HOSTILE_NAME}-missing.json");
    for args in [
        vec!["check", bad.as_str()],
        vec!["check", missing.as_str()],
        vec!["check", "--config", missing.as_str(), DESIGN],
        vec!["explain-conflict", "--snapshot", bad.as_str(), bad.as_str()],
    ] {
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = text(&o.stderr);
        assert_forges_nothing(&format!("{args:?} stderr"), &err, false);
        assert!(err.contains("week\\n::error file=evil.json::forged"), "the file is named: {err}");
    }
}

/// A REST-contract server on 127.0.0.1 (DESIGN.md §7, `rest`): `GET` answers `doc` with an ETag, `PUT` answers
/// 409 with `conflict` as its body. It serves until the test process ends.
fn hostile_rest_server(doc: Value, conflict: Value) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &doc, &conflict);
        }
    });
    base
}

/// Reads one request (head, then a body of its Content-Length) and answers it.
fn answer(stream: TcpStream, doc: &Value, conflict: &Value) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let (mut first, mut length) = (String::new(), 0usize);
    reader.read_line(&mut first)?;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, etag, reply) = match first.split(' ').next() {
        Some("GET") => ("200 OK", "ETag: \"v17\"\r\n", serde_json::to_vec(doc)?),
        _ => ("409 Conflict", "", serde_json::to_vec(conflict)?),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{etag}Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply)
}

#[test]
fn publish_shows_a_hostile_409_and_a_hostile_rule_message_without_obeying_them() {
    // The rule reports every shift with HOSTILE; `--fail-on never` lets the write go out, and the server refuses
    // it with conflicts naming HOSTILE and one that the rule's finding predicts (s-1, a-200's after trade tr-4).
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_reporting(dir.path(), HOSTILE);
    let conflict = json!({"status": 409, "code": HOSTILE, "message": HOSTILE, "conflicts": [
        {"agentId": HOSTILE, "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z",
         "reason": HOSTILE, "refId": HOSTILE, "message": HOSTILE},
        {"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z", "reason": HOSTILE}]});
    let base = hostile_rest_server(design(), conflict);
    let audit = dir.path().join("audit.jsonl");
    for json in [false, true] {
        let mut args = vec!["publish", "--platform", "rest", "--api", &base, "--rate", "0", "--fail-on", "never"];
        args.extend([
            "--business-unit",
            "bu-chi",
            "--week",
            "2026-11-29",
            "--schedule",
            "sch-48",
            "--settle-window",
            "1",
        ]);
        args.extend(["--rules", rules.to_str().unwrap(), "--audit", audit.to_str().unwrap()]);
        if json {
            args.push("--json");
        }
        let o = run_in(dir.path(), &args);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(1), "a data conflict:\n{out}\n{err}");
        assert_forges_nothing(&format!("publish --json={json}"), &out, false);
        assert_forges_nothing(&format!("publish --json={json} stderr"), &err, false);
        if json {
            // Machines get the platform's and the rule's words back exactly.
            let report: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(report["conflicts"][0]["conflict"]["agentId"], HOSTILE);
            assert!(report["findings"][0]["message"].as_str().unwrap().starts_with(HOSTILE));
        } else {
            // People see them, shown: in the conflict summaries, the story and the findings.
            assert!(out.contains("DATA CONFLICT"), "{out}");
            assert!(out.contains("x\\u{a}::error file=evil.json,line=1::forged"), "the 409's agentId: {out}");
            assert!(out.contains("predicted by core.hostile: x\\u{a}::error"), "the rule's message: {out}");
            assert!(out.contains("x\\n::error file=evil.json,line=1::forged\\r\\n"), "{out}");
        }
    }
}

#[test]
fn rules_list_and_explain_show_a_hostile_title_and_doc_without_obeying_them() {
    let dir = tempfile::tempdir().unwrap();
    // A `//!` line cannot hold a line break (Rhai ends it at CR too); every other trick of HOSTILE can sit in it raw.
    let doc = HOSTILE.replace(['\n', '\r'], " ");
    let rules = rules_titled(dir.path(), HOSTILE, &doc);
    let rules = rules.to_str().unwrap();
    for args in [vec!["rules", "list", "--rules", rules], vec!["rules", "explain", "core.titled", "--rules", rules]] {
        let o = run_in(dir.path(), &args);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(0), "{args:?}:\n{out}\n{err}");
        assert_forges_nothing(&format!("{args:?}"), &out, false);
        assert_forges_nothing(&format!("{args:?} stderr"), &err, false);
        assert!(out.contains("core.titled") && out.contains("x\\n::error file=evil.json,line=1::forged"), "{out}");
        if args[1] == "explain" {
            assert!(
                out.contains("x ::error file=evil.json,line=1::forged    ::warning::indented \\u{1b}[31m"),
                "{out}"
            );
        }
    }
}
