//! Explaining a platform's conflict answer: each conflict the server names is matched to the local findings that
//! predict it (same agent, overlapping time, shared ids), and given their root cause. A conflict no local finding
//! predicts is a *validator gap*: the gate let something through that the platform refuses, so a rule or fixture
//! is missing.
//!
//! Two readers share one notion of the body: [`parse_conflicts`] is lenient (the publisher stops on any 409 and
//! must report even an answer it cannot read), [`read_conflicts`] is strict (`explain-conflict` refuses an answer
//! that is not a recognisable conflict body, and says what is wrong where).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use shiftgate_model::time::parse_instant;
use shiftgate_model::{Interval, Snapshot};

use crate::error::PublishError;
use crate::validator::{PublishFinding, Validation};

/// One conflict as the platform reported it, from either contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerConflict {
    /// The agent (REST `agentId`, Genesys `details[].entityId` or `messageParams.userId`).
    pub agent_id: Option<String>,
    /// Start of the conflicting interval, if given.
    pub start: Option<DateTime<Utc>>,
    /// End of the conflicting interval, if given.
    pub end: Option<DateTime<Utc>>,
    /// The platform's kind or reason (`TimeOffOverlap`, an `errorCode`, ...).
    pub kind: Option<String>,
    /// The entity the platform points at (a time-off request, shift or trade id).
    pub ref_id: Option<String>,
    /// Genesys `fieldName`, e.g. `agentSchedules[1].shifts[0].activities[0]`.
    pub field: Option<String>,
    /// The platform's own words, if any.
    pub message: Option<String>,
}

/// A server conflict with its local explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictExplanation {
    /// What the platform said.
    pub conflict: ServerConflict,
    /// The interval in the business unit's zone, when the platform gave one.
    pub when: Option<String>,
    /// Local findings that predict it, best match first.
    pub findings: Vec<PublishFinding>,
    /// The root-cause chain of the best match (empty for a validator gap).
    pub root_cause: Vec<String>,
    /// No local finding predicts this conflict. The publisher leaves it false, and says so in `summary`, when it
    /// could not re-read the live schedule to judge (a change since its read may be the cause).
    pub validator_gap: bool,
    /// One line for people.
    pub summary: String,
}

/// Keys naming the agent of a conflict (REST) or detail (Genesys `entityId`).
const AGENT_KEYS: &[&str] = &["agentId", "userId", "entityId"];
const START_KEYS: &[&str] = &["start", "startDate"];
const END_KEYS: &[&str] = &["end", "endDate"];
const KIND_KEYS: &[&str] = &["kind", "reason", "type", "errorCode"];
const REF_KEYS: &[&str] = &["refId", "timeOffRequestId", "shiftId", "tradeId"];
const FIELD_KEYS: &[&str] = &["fieldName", "field"];
/// How deep nested `errors[]` are followed.
const MAX_NESTING: u32 = 4;
/// Problems listed in a [`ConflictBodyError`] before the rest are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// Reads the conflicts out of a platform answer: a REST `{"conflicts": [...]}` body, a Genesys `ErrorBody` with
/// `details[]` (or nested `errors[]`), or a simulator `simError` wrapper. An answer that names nothing yields one
/// conflict carrying only its message, so that it is still reported.
pub fn parse_conflicts(body: &Value) -> Vec<ServerConflict> {
    let body = body.get("simError").filter(|v| v.is_object()).unwrap_or(body);
    let mut out = Vec::new();
    collect(body, &mut out, 0);
    if out.is_empty() {
        let params = body.get("messageParams");
        out.push(ServerConflict {
            agent_id: params.and_then(|p| text(p, &["userId", "agentId"])),
            kind: text(body, &["code"]),
            message: text(body, &["message", "messageWithParams"]),
            ..ServerConflict::default()
        });
    }
    out
}

fn collect(body: &Value, out: &mut Vec<ServerConflict>, depth: u32) {
    if let Some(list) = body.get("conflicts").and_then(Value::as_array) {
        out.extend(list.iter().map(rest_conflict));
        // The simulator sends `details` alongside `conflicts`; they describe the same conflicts.
        return;
    }
    if let Some(details) = body.get("details").and_then(Value::as_array) {
        out.extend(details.iter().map(detail_conflict));
    }
    if depth < MAX_NESTING {
        for e in body.get("errors").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            collect(e, out, depth + 1);
        }
    }
}

/// One entry of a REST `conflicts` list.
fn rest_conflict(c: &Value) -> ServerConflict {
    ServerConflict {
        agent_id: agent_of(c),
        start: text(c, START_KEYS).and_then(|s| parse_instant(&s)),
        end: text(c, END_KEYS).and_then(|s| parse_instant(&s)),
        kind: text(c, KIND_KEYS),
        ref_id: text(c, REF_KEYS),
        field: text(c, FIELD_KEYS),
        message: text(c, &["message"]),
    }
}

/// One Genesys `Detail`. Data-conflict details may carry the time range as `entityName: "start/end"`.
fn detail_conflict(d: &Value) -> ServerConflict {
    let name = text(d, &["entityName"]);
    let range =
        name.as_deref().and_then(|n| n.split_once('/')).and_then(|(s, e)| Some((parse_instant(s)?, parse_instant(e)?)));
    ServerConflict {
        agent_id: text(d, &["entityId"]),
        start: range.map(|r| r.0),
        end: range.map(|r| r.1),
        kind: text(d, &["errorCode"]),
        field: text(d, &["fieldName"]),
        message: if range.is_some() { None } else { name },
        ..ServerConflict::default()
    }
}

fn agent_of(c: &Value) -> Option<String> {
    text(c, AGENT_KEYS).or_else(|| c.get("user").and_then(|u| text(u, &["id"])))
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A platform answer that is not a conflict body [`read_conflicts`] can read: each problem with its JSON path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_problems(.0))]
pub struct ConflictBodyError(pub Vec<BodyProblem>);

/// One problem of a [`ConflictBodyError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyProblem {
    /// JSON path in the answer, e.g. `conflicts[2].start` (`.` for the answer itself).
    pub path: String,
    /// What is wrong, quoting the offending value.
    pub message: String,
}

fn describe_problems(problems: &[BodyProblem]) -> String {
    let mut lines: Vec<String> =
        problems.iter().take(MAX_PROBLEMS_SHOWN).map(|p| format!("  {}: {}", p.path, p.message)).collect();
    if problems.len() > MAX_PROBLEMS_SHOWN {
        lines.push(format!("  ... and {} more", problems.len() - MAX_PROBLEMS_SHOWN));
    }
    format!("{} problem(s) in the answer:\n{}", problems.len(), lines.join("\n"))
}

/// Reads the conflicts of a platform's 409 answer strictly: a REST `{"conflicts": [...]}` body whose entries are
/// objects naming an agent (with valid `start`/`end` when given), or a Genesys `ErrorBody` whose `details[]` (also
/// in nested `errors[]`, or inside a simulator `simError`) name agents. An empty `conflicts` list is zero
/// conflicts. Anything else (no such list, a version mismatch, entries of the wrong type, a bad instant) is an
/// error listing every problem with its path.
pub fn read_conflicts(body: &Value) -> Result<Vec<ServerConflict>, ConflictBodyError> {
    let (body, at) = match body.get("simError") {
        Some(inner) if inner.is_object() => (inner, "simError."),
        _ => (body, ""),
    };
    let whole = if at.is_empty() { ".".to_string() } else { at.trim_end_matches('.').to_string() };
    let fail = |path: String, message: String| Err(ConflictBodyError(vec![BodyProblem { path, message }]));
    if !body.is_object() {
        return fail(whole, format!("expected a JSON object (the platform's error body), got {}", kind(body)));
    }
    if let Some(code) = text(body, &["code"]).filter(|c| c.contains("version.mismatch")) {
        return fail(
            format!("{at}code"),
            format!(
                "{code:?} is a version conflict, not a data conflict: the schedule changed after it was read; \
                 publish again (it re-reads) rather than explaining it"
            ),
        );
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let recognised = strict_walk(body, at, 0, &mut out, &mut problems);
    if !problems.is_empty() {
        return Err(ConflictBodyError(problems));
    }
    if !recognised {
        return fail(
            whole,
            "names no conflict: expected a `conflicts` list (REST contract) or `details` naming agents (Genesys \
             ErrorBody)"
                .to_string(),
        );
    }
    Ok(out)
}

/// Checks one body (or nested error) and collects its conflicts; whether it had a conflict list to read.
fn strict_walk(
    body: &Value,
    at: &str,
    depth: u32,
    out: &mut Vec<ServerConflict>,
    problems: &mut Vec<BodyProblem>,
) -> bool {
    if let Some(list) = body.get("conflicts") {
        let Some(list) = list.as_array() else {
            push(problems, format!("{at}conflicts"), format!("expected an array of conflicts, got {}", kind(list)));
            return true;
        };
        for (i, c) in list.iter().enumerate() {
            if check_entry(c, &format!("{at}conflicts[{i}]"), Entry::Rest, problems) {
                out.push(rest_conflict(c));
            }
        }
        return true;
    }
    let mut recognised = false;
    match body.get("details") {
        None | Some(Value::Null) => {}
        Some(Value::Array(details)) => {
            recognised = !details.is_empty();
            for (i, d) in details.iter().enumerate() {
                if check_entry(d, &format!("{at}details[{i}]"), Entry::Detail, problems) {
                    out.push(detail_conflict(d));
                }
            }
        }
        Some(other) => push(problems, format!("{at}details"), format!("expected an array, got {}", kind(other))),
    }
    match body.get("errors") {
        None | Some(Value::Null) => {}
        Some(Value::Array(errors)) if depth < MAX_NESTING => {
            for (i, e) in errors.iter().enumerate() {
                let path = format!("{at}errors[{i}]");
                if e.is_object() {
                    recognised |= strict_walk(e, &format!("{path}."), depth + 1, out, problems);
                } else {
                    push(problems, path, format!("expected an error object, got {}", kind(e)));
                }
            }
        }
        Some(Value::Array(_)) => {}
        Some(other) => push(problems, format!("{at}errors"), format!("expected an array, got {}", kind(other))),
    }
    recognised
}

/// Which list an entry comes from: they name the agent differently.
#[derive(Clone, Copy)]
enum Entry {
    /// REST `conflicts[]`: `agentId`, `userId`, `entityId` or `user.id`.
    Rest,
    /// Genesys `details[]`: `entityId`.
    Detail,
}

/// Checks one conflict or detail: an object whose known fields are strings, naming its agent, with valid
/// instants. Whether it is usable.
fn check_entry(v: &Value, path: &str, entry: Entry, problems: &mut Vec<BodyProblem>) -> bool {
    let before = problems.len();
    let Some(fields) = v.as_object() else {
        push(problems, path.to_string(), format!("expected an object, got {}", kind(v)));
        return false;
    };
    let known = [AGENT_KEYS, START_KEYS, END_KEYS, KIND_KEYS, REF_KEYS, FIELD_KEYS, &["message", "entityName"]];
    for key in known.iter().flat_map(|keys| keys.iter()) {
        match fields.get(*key) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => push(problems, format!("{path}.{key}"), format!("expected a string, got {}", kind(other))),
        }
    }
    let (agent, expected) = match entry {
        Entry::Rest => (agent_of(v), "agentId, userId, entityId or user.id"),
        Entry::Detail => (text(v, &["entityId"]), "entityId"),
    };
    if agent.is_none() {
        push(problems, path.to_string(), format!("names no agent (expected a non-empty {expected})"));
    }
    let start = instant(fields, START_KEYS, path, problems);
    let end = instant(fields, END_KEYS, path, problems);
    if let (Some(start), Some(end)) = (start, end) {
        if end <= start {
            push(problems, format!("{path}.end"), "must be after start".to_string());
        }
    }
    problems.len() == before
}

/// The first of `keys` that holds a string, parsed as an instant (a problem if it does not parse).
fn instant(
    fields: &serde_json::Map<String, Value>,
    keys: &[&str],
    path: &str,
    problems: &mut Vec<BodyProblem>,
) -> Option<DateTime<Utc>> {
    let (key, raw) = keys.iter().find_map(|k| Some((*k, fields.get(*k)?.as_str()?)))?;
    let parsed = parse_instant(raw);
    if parsed.is_none() {
        push(problems, format!("{path}.{key}"), format!("expected an RFC 3339 instant, got {}", quote(raw)));
    }
    parsed
}

fn push(problems: &mut Vec<BodyProblem>, path: String, message: String) {
    problems.push(BodyProblem { path, message });
}

/// A JSON value's kind for messages, quoting short scalars.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(a) => format!("an array of {} item(s)", a.len()),
        Value::Object(_) => "an object".to_string(),
    }
}

/// An outside string quoted for a message: escaped (`{:?}`) and cut to a readable length.
fn quote(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}...", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// Matches each server conflict in `response_body` (read leniently, see [`parse_conflicts`]) to the findings of
/// `validation` (computed on `snapshot`).
pub fn explain_conflict(
    snapshot: &Snapshot,
    validation: &Validation,
    response_body: &Value,
) -> Vec<ConflictExplanation> {
    explain_conflicts(snapshot, validation, parse_conflicts(response_body))
}

/// Matches each of `conflicts` to the findings of `validation` (computed on `snapshot`).
pub fn explain_conflicts(
    snapshot: &Snapshot,
    validation: &Validation,
    conflicts: Vec<ServerConflict>,
) -> Vec<ConflictExplanation> {
    let zone = snapshot.zone();
    conflicts
        .into_iter()
        .map(|conflict| {
            let span = match (conflict.start, conflict.end) {
                (Some(s), Some(e)) if s < e => Some(Interval::new(s, e)),
                (Some(s), _) => Some(Interval::from_length(s, 1)),
                _ => None,
            };
            let mut scored: Vec<(i64, &PublishFinding)> =
                validation.findings.iter().filter_map(|f| score(f, &conflict, span).map(|s| (s, f))).collect();
            scored.sort_by_key(|s| std::cmp::Reverse(s.0));
            let findings: Vec<PublishFinding> = scored.into_iter().map(|(_, f)| f.clone()).collect();
            let root_cause = findings
                .first()
                .map(|f| if f.cause.is_empty() { vec![f.message.clone()] } else { f.cause.clone() })
                .unwrap_or_default();
            let when = span.map(|iv| zone.format_interval(&iv));
            // The summary is read by people and printed to terminals and CI logs: what the platform sent (and what
            // a rule script wrote) is shown, never obeyed.
            let who = conflict.agent_id.as_deref().map_or_else(|| "(no agent named)".to_string(), shown);
            let what = [conflict.kind.as_deref(), conflict.ref_id.as_deref()].into_iter().flatten().map(shown);
            let what = what.collect::<Vec<_>>();
            let head = match &when {
                Some(w) => format!("{who} {w}: the platform reports {}", describe(&what)),
                None => format!("{who}: the platform reports {}", describe(&what)),
            };
            let summary = match findings.first() {
                Some(f) => format!("{head}; predicted by {}: {}", shown(&f.rule), shown(&f.message)),
                None => {
                    format!("{head}; validator gap: no local finding predicts it (add a rule fixture for this case)")
                }
            };
            ConflictExplanation { validator_gap: findings.is_empty(), conflict, when, findings, root_cause, summary }
        })
        .collect()
}

/// [`explain_conflict`] on raw response bytes (the `explain-conflict` command's input).
pub fn explain_conflict_bytes(
    snapshot: &Snapshot,
    validation: &Validation,
    response_body: &[u8],
) -> Result<Vec<ConflictExplanation>, PublishError> {
    let body: Value = serde_json::from_slice(response_body).map_err(|e| PublishError::ResponseBody(e.to_string()))?;
    Ok(explain_conflict(snapshot, validation, &body))
}

/// An outside string as a summary quotes it: hidden characters and `##[` escaped, cut at 300 characters.
fn shown(s: &str) -> String {
    crate::hidden::sanitize(s, 300)
}

fn describe(what: &[String]) -> String {
    if what.is_empty() {
        "a conflict without detail".to_string()
    } else {
        format!("a conflict ({})", what.join(", "))
    }
}

/// How well a finding predicts a conflict, or `None` if it does not: same agent (when the platform names one),
/// overlapping time (when it gives one); shared ids and blocking findings rank first. A conflict that names
/// nothing (Genesys's reasonless `Error`, research/wfm-api.md §1.6) can only be predicted by an error or a warning:
/// an info finding says nothing is wrong.
fn score(f: &PublishFinding, c: &ServerConflict, span: Option<Interval>) -> Option<i64> {
    if c.agent_id.as_deref().is_some_and(|a| a != f.agent_id) {
        return None;
    }
    let names_nothing = c.agent_id.is_none() && span.is_none() && c.ref_id.is_none();
    if names_nothing && !f.blocking && f.severity != "warning" && f.severity != "error" {
        return None;
    }
    let mut s = 0;
    if let Some(span) = span {
        let fi = Interval::new(f.start, f.end.max(f.start + chrono::Duration::minutes(1)));
        s += fi.intersection(&span)?.minutes().min(10_000);
    }
    if let Some(r) = &c.ref_id {
        if f.trade_ids.contains(r) || f.time_off_request_ids.contains(r) || f.shift_ids.contains(r) {
            s += 1_000_000;
        }
    }
    if f.blocking {
        s += 100_000;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use serde_json::json;

    fn finding(agent: &str, start: &str, end: &str, rule: &str, tor: &[&str]) -> PublishFinding {
        PublishFinding {
            rule: rule.into(),
            severity: "error".into(),
            blocking: true,
            agent_id: agent.into(),
            start: parse_instant(start).unwrap(),
            end: parse_instant(end).unwrap(),
            message: format!("{rule} for {agent}"),
            trade_ids: vec!["tr-4".into()],
            time_off_request_ids: tor.iter().map(|s| s.to_string()).collect(),
            shift_ids: vec!["s-1".into()],
            cause: vec!["shift s-1 was moved from a-100 to a-200 by approved trade tr-4".into()],
            waiver: None,
        }
    }

    fn validation() -> Validation {
        Validation {
            findings: vec![
                finding("a-200", "2026-12-01T14:00:00Z", "2026-12-01T18:00:00Z", "core.timeoff.conflict", &["tor-9"]),
                finding("a-100", "2026-12-02T14:00:00Z", "2026-12-02T15:00:00Z", "core.shift.overlap", &[]),
            ],
        }
    }

    #[test]
    fn a_reasonless_refusal_is_predicted_by_errors_and_warnings_never_by_infos() {
        // Genesys's failed update is `{"status":"Error"}` and nothing else (research/wfm-api.md §1.6).
        let snapshot = testdata::snapshot_of(&testdata::example_document());
        let mut info = finding("a-200", "2026-12-01T14:00:00Z", "2026-12-01T18:00:00Z", "core.info", &[]);
        (info.severity, info.blocking) = ("info".into(), false);
        let only_info = Validation { findings: vec![info.clone()] };
        let ex = explain_conflict(&snapshot, &only_info, &Value::Null);
        assert!(ex[0].validator_gap, "{ex:#?}");
        let mut warning =
            finding("a-200", "2026-12-01T14:00:00Z", "2026-12-01T18:00:00Z", "core.timeoff.conflict", &[]);
        (warning.severity, warning.blocking) = ("warning".into(), false);
        let warned = Validation { findings: vec![info, warning] };
        let ex = explain_conflict(&snapshot, &warned, &Value::Null);
        assert!(!ex[0].validator_gap);
        assert_eq!(ex[0].findings.len(), 1);
        assert_eq!(ex[0].findings[0].rule, "core.timeoff.conflict");
    }

    #[test]
    fn a_hostile_answer_or_rule_message_forges_nothing_in_the_summary() {
        // A 409's agentId, reason and refId, and a rule's message, reach terminals and CI logs through `summary`.
        let snapshot = testdata::snapshot_of(&testdata::example_document());
        let forge = "x\n::error file=evil.json::forged \u{1b}[31m ##[add-mask]s \u{2028} \u{202e}";
        let body = json!({"conflicts": [{"agentId": forge, "reason": forge, "refId": forge},
            {"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z"}]});
        let mut v = validation();
        v.findings[0].message = forge.to_string();
        let ex = explain_conflict(&snapshot, &v, &body);
        assert!(ex[0].validator_gap && !ex[1].validator_gap, "{ex:#?}");
        for e in &ex {
            let raw = e.summary.chars().find(|&c| crate::hidden::is_hidden(c));
            assert!(raw.is_none() && !e.summary.contains("##["), "{:?}", e.summary);
        }
        assert!(ex[0].summary.starts_with("x\\u{a}::error file=evil.json::forged \\u{1b}[31m \\u{23}#[add-mask]"));
        assert!(ex[1].summary.contains("predicted by core.timeoff.conflict: x\\u{a}::error"), "{}", ex[1].summary);
        // The conflict itself keeps the platform's words for machines (JSON output escapes them its own way).
        assert_eq!(ex[0].conflict.agent_id.as_deref(), Some(forge));
    }

    #[test]
    fn rest_conflicts_match_by_agent_and_time() {
        let snapshot = testdata::snapshot_of(&testdata::example_document());
        let body = json!({"conflicts": [
            {"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z", "reason": "TimeOffOverlap", "refId": "tor-9"},
            {"agentId": "a-200", "start": "2026-12-05T14:00:00Z", "end": "2026-12-05T18:00:00Z", "reason": "ShiftOverlap"}
        ]});
        let ex = explain_conflict(&snapshot, &validation(), &body);
        assert_eq!(ex.len(), 2);
        assert!(!ex[0].validator_gap);
        assert_eq!(ex[0].findings[0].rule, "core.timeoff.conflict");
        assert_eq!(ex[0].root_cause, ["shift s-1 was moved from a-100 to a-200 by approved trade tr-4"]);
        assert_eq!(
            ex[0].summary,
            "a-200 Tue Dec 1 08:00-12:00 CST: the platform reports a conflict (TimeOffOverlap, tor-9); \
             predicted by core.timeoff.conflict: core.timeoff.conflict for a-200"
        );
        // Same agent, other day: nothing local predicts it.
        assert!(ex[1].validator_gap && ex[1].findings.is_empty());
        assert!(ex[1].summary.contains("validator gap"), "{}", ex[1].summary);
    }

    #[test]
    fn genesys_error_bodies_match_by_agent() {
        let snapshot = testdata::snapshot_of(&testdata::example_document());
        let body = json!({"status": 409, "code": "wfm.schedule.data.conflict", "message": "conflict", "contextId": "c-1",
            "details": [{"errorCode": "wfm.schedule.data.conflict", "entityId": "a-100", "fieldName": "agentSchedules[0]",
                         "entityName": "2026-12-02T14:00:00Z/2026-12-02T18:00:00Z"},
                        {"errorCode": "wfm.schedule.data.conflict", "entityId": "a-100", "fieldName": "agentSchedules[0]",
                         "entityName": "2026-12-05T14:00:00Z/2026-12-05T18:00:00Z"}]});
        let ex = explain_conflict(&snapshot, &validation(), &body);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].conflict.field.as_deref(), Some("agentSchedules[0]"));
        assert_eq!(ex[0].when.as_deref(), Some("Wed Dec 2 08:00-12:00 CST"));
        assert_eq!(ex[0].findings.len(), 1);
        assert_eq!(ex[0].findings[0].rule, "core.shift.overlap");
        // The time range rules out a finding of the same agent on another day.
        assert!(ex[1].validator_gap);
        // Nested errors[] are read too, and the simulator's async wrapper.
        let nested = json!({"code": "bad", "errors": [body.clone()]});
        assert_eq!(parse_conflicts(&nested).len(), 2);
        assert_eq!(parse_conflicts(&json!({"status": "Error", "simError": body})).len(), 2);
    }

    #[test]
    fn an_answer_without_detail_is_still_reported() {
        let c = parse_conflicts(&json!({"status": 409, "code": "version.mismatch", "message": "must match",
            "messageParams": {"userId": "a-100"}}));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].agent_id.as_deref(), c[0].kind.as_deref()), (Some("a-100"), Some("version.mismatch")));
        let snapshot = testdata::snapshot_of(&testdata::example_document());
        assert!(explain_conflict_bytes(&snapshot, &validation(), b"<html>").is_err());
    }

    #[test]
    fn strict_reading_accepts_both_contracts() {
        let rest = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z",
            "end": "2026-12-01T18:00:00Z", "reason": "TimeOffOverlap", "refId": "tor-9"}]});
        assert_eq!(read_conflicts(&rest).unwrap(), parse_conflicts(&rest));
        let genesys = json!({"status": 409, "code": "wfm.schedule.data.conflict", "details": [{"entityId": "a-100",
            "entityName": "2026-12-02T14:00:00Z/2026-12-02T18:00:00Z"}], "errors": []});
        assert_eq!(read_conflicts(&genesys).unwrap(), parse_conflicts(&genesys));
        assert_eq!(read_conflicts(&json!({"simError": genesys.clone()})).unwrap().len(), 1);
        assert_eq!(read_conflicts(&json!({"code": "x", "errors": [genesys]})).unwrap().len(), 1);
        // An empty list is zero conflicts, not an error and not a made-up conflict.
        assert_eq!(read_conflicts(&json!({"conflicts": []})).unwrap(), []);
    }

    #[test]
    fn strict_reading_says_what_is_wrong_where() {
        let err = |v: Value| read_conflicts(&v).unwrap_err().to_string();
        assert!(err(json!({})).contains(".: names no conflict: expected a `conflicts` list"), "{}", err(json!({})));
        assert!(err(json!([1])).contains(".: expected a JSON object"));
        assert!(err(json!({"details": [], "errors": []})).contains("names no conflict"));
        let e = err(json!({"conflicts": [1, "x", {"agentId": "a", "start": "garbage"}, {"start": 5}]}));
        for want in [
            "5 problem(s) in the answer",
            "conflicts[0]: expected an object, got the number 1",
            "conflicts[1]: expected an object, got the string \"x\"",
            "conflicts[2].start: expected an RFC 3339 instant, got \"garbage\"",
            "conflicts[3].start: expected a string, got the number 5",
            "conflicts[3]: names no agent",
        ] {
            assert!(e.contains(want), "no {want:?} in\n{e}");
        }
        let e = err(json!({"simError": {"details": [{"errorCode": "x"}]}}));
        assert!(e.contains("simError.details[0]: names no agent (expected a non-empty entityId)"), "{e}");
        let e = err(
            json!({"conflicts": [{"agentId": "a", "start": "2026-12-01T18:00:00Z", "end": "2026-12-01T14:00:00Z"}]}),
        );
        assert!(e.contains("conflicts[0].end: must be after start"), "{e}");
        let e =
            err(json!({"status": 409, "code": "wfm.schedule.version.mismatch", "details": [{"entityId": "sch-48"}]}));
        assert!(e.contains("code: \"wfm.schedule.version.mismatch\" is a version conflict"), "{e}");
        let long = "x".repeat(500);
        assert!(err(json!({"conflicts": [{"agentId": "a", "start": long}]}))
            .contains(&format!("\"{}\"...", "x".repeat(60))));
    }
}
