//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).
//!
//! One run for the whole invocation (GitHub rejects several runs of one tool in one upload), the enabled rules as
//! `tool.driver.rules` with every field GitHub requires, and one result per finding located at the JSON object of
//! the shift, time-off request, trade or agent it is about. `partialFingerprints.primaryLocationLineHash` is the
//! finding's fingerprint, so an alert survives edits that move lines around.
//!
//! A waived finding is a result with a `suppressions` entry (`kind: external`, `status: accepted`, the waiver's
//! reason, approver and expiry as `justification`, the waiver itself in `properties`). Notes about waivers
//! (expired, unused, ...) are `toolConfigurationNotifications` of the run's invocation, located at the waiver in
//! its configuration file.
//!
//! Data fields (rule ids, agent ids, refs, causes) carry outside strings as they are, JSON-escaped by
//! [`escape::json`]; the message text a person reads is composed from pieces made [`visible`], so its only line
//! breaks are the ones between causes.

use std::io::Write;

use serde_json::{json, Value};
use shiftgate_check::{Report, Rule, RuleSet, Severity, WaiverNote, WaiverStatus};

use crate::locate::{Locator, Region};
use crate::render::escape::{self, terminal::visible};
use crate::render::{artifact_uri, waiver_text};

/// The official schema location of SARIF 2.1.0.
const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Where SARIF viewers link for more about the tool. A placeholder until the project has a public home.
const INFORMATION_URI: &str = "https://github.com/shiftgate/shiftgate";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `problem.severity` vocabulary.
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "recommendation",
    }
}

/// The first paragraph of a rule's documentation: what it checks.
fn summary(doc: &str) -> &str {
    doc.split("\n\n").next().unwrap_or(doc).trim()
}

fn rule_descriptor(r: &Rule) -> Value {
    let mut help = r.doc.clone();
    if !r.params.is_empty() {
        help.push_str("\n\nParameters in effect:");
        for (k, v) in &r.params {
            help.push_str(&format!("\n  {k} = {v}"));
        }
    }
    let full = match summary(&r.doc) {
        "" => r.title.as_str(),
        s => s,
    };
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": full },
        "help": { "text": if help.trim().is_empty() { r.title.clone() } else { help } },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": [r.pack],
            "precision": "very-high",
            "problem.severity": problem_severity(r.severity),
            "file": r.path,
            "hash": r.hash,
        }
    })
}

/// Writes one SARIF log for all checked snapshots. `locators` holds one entry per report (same order).
pub(crate) fn write(
    out: &mut dyn Write,
    reports: &[(String, Report)],
    locators: &[Locator],
    rules: &RuleSet,
) -> std::io::Result<()> {
    let enabled: Vec<&Rule> = rules.rules().iter().filter(|r| r.enabled).collect();
    let mut results = Vec::new();
    let mut snapshots = Vec::new();
    let mut notifications = Vec::new();
    for (k, (name, report)) in reports.iter().enumerate() {
        let uri = artifact_uri(name).unwrap_or_else(|| "stdin".to_string());
        snapshots.push(json!({
            "uri": uri,
            "businessUnitId": report.snapshot.business_unit_id,
            "scheduleId": report.snapshot.schedule_id,
            "weekDate": report.snapshot.week_date,
            "asOf": report.as_of,
            "summary": report.summary,
        }));
        for f in &report.findings {
            let region = locators.get(k).and_then(|l| l.finding(f)).unwrap_or(Region::FILE_START);
            let mut text = format!("{} {}: {}", visible(&f.agent_id), visible(&f.when), visible(&f.message));
            for c in &f.cause {
                text.push_str("\nbecause: ");
                text.push_str(&visible(c));
            }
            let mut properties = json!({ "agentId": f.agent_id, "when": f.when, "refs": f.refs, "cause": f.cause });
            if let (Some(m), Some(l)) = (f.measured, f.limit) {
                properties["measured"] = m.into();
                properties["limit"] = l.into();
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": region.start_line,
                            "startColumn": region.start_column,
                            "endLine": region.end_line,
                            "endColumn": region.end_column,
                        }
                    }
                }],
                "partialFingerprints": { "primaryLocationLineHash": f.fingerprint },
                "properties": properties,
            });
            if let Some(i) = enabled.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = i.into();
            }
            if let Some(w) = &f.waiver {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": waiver_text(w, report),
                    "properties": { "waiver": &**w },
                }]);
            }
            results.push(result);
        }
        notifications.extend(report.waiver_notes().map(|(status, note)| notification(status, note, &uri)));
    }
    let version = env!("CARGO_PKG_VERSION");
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "shiftgate",
                    "version": version,
                    "semanticVersion": version,
                    "informationUri": INFORMATION_URI,
                    "rules": enabled.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "utf16CodeUnits",
            "results": results,
            "properties": { "snapshots": snapshots },
        }]
    });
    let mut log = log;
    if !notifications.is_empty() {
        log["runs"][0]["invocations"] =
            json!([{ "executionSuccessful": true, "toolConfigurationNotifications": notifications }]);
    }
    escape::json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// A note about a waiver as a configuration notification, located at the waiver in its file.
fn notification(status: &WaiverStatus, note: &WaiverNote, snapshot_uri: &str) -> Value {
    let w = &status.waiver;
    let mut located = json!({ "artifactLocation": { "uri": artifact_uri(&w.file).unwrap_or_else(|| "stdin".into()) } });
    if let Some(line) = w.line {
        located["region"] = json!({ "startLine": line });
    }
    json!({
        "level": level(note.severity),
        "message": { "text": format!("{}: {}", visible(snapshot_uri), visible(&note.message)) },
        "descriptor": { "id": note.kind.id() },
        "associatedRule": { "id": w.rule },
        "locations": [{ "physicalLocation": located }],
        "properties": { "snapshot": snapshot_uri, "waiver": w, "state": status.state, "daysLeft": status.days_left },
    })
}
