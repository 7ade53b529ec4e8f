//! Explaining a platform's conflict answer: each conflict the server names is matched to the local findings that
//! predict it (same agent, overlapping time, shared ids), and given their root cause. A conflict no local finding
//! predicts is a *validator gap*: the gate let something through that the platform refuses, so a rule or fixture
//! is missing.

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
    /// No local finding predicts this conflict.
    pub validator_gap: bool,
    /// One line for people.
    pub summary: String,
}

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
        out.extend(list.iter().map(|c| ServerConflict {
            agent_id:
                text(c, &["agentId", "userId", "entityId"]).or_else(|| c.get("user").and_then(|u| text(u, &["id"]))),
            start: text(c, &["start", "startDate"]).and_then(|s| parse_instant(&s)),
            end: text(c, &["end", "endDate"]).and_then(|s| parse_instant(&s)),
            kind: text(c, &["kind", "reason", "type", "errorCode"]),
            ref_id: text(c, &["refId", "timeOffRequestId", "shiftId", "tradeId"]),
            field: text(c, &["fieldName", "field"]),
            message: text(c, &["message"]),
        }));
        // The simulator sends `details` alongside `conflicts`; they describe the same conflicts.
        return;
    }
    if let Some(details) = body.get("details").and_then(Value::as_array) {
        out.extend(details.iter().map(|d| {
            // Data-conflict details may carry the time range as `entityName: "start/end"`.
            let name = text(d, &["entityName"]);
            let range = name
                .as_deref()
                .and_then(|n| n.split_once('/'))
                .and_then(|(s, e)| Some((parse_instant(s)?, parse_instant(e)?)));
            ServerConflict {
                agent_id: text(d, &["entityId"]),
                start: range.map(|r| r.0),
                end: range.map(|r| r.1),
                kind: text(d, &["errorCode"]),
                field: text(d, &["fieldName"]),
                message: if range.is_some() { None } else { name },
                ..ServerConflict::default()
            }
        }));
    }
    if depth < 4 {
        for e in body.get("errors").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
            collect(e, out, depth + 1);
        }
    }
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str)).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Matches each server conflict in `response_body` to the findings of `validation` (computed on `snapshot`).
pub fn explain_conflict(
    snapshot: &Snapshot,
    validation: &Validation,
    response_body: &Value,
) -> Vec<ConflictExplanation> {
    let zone = snapshot.zone();
    parse_conflicts(response_body)
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
            let who = conflict.agent_id.as_deref().unwrap_or("(no agent named)");
            let what = [conflict.kind.as_deref(), conflict.ref_id.as_deref()].into_iter().flatten().collect::<Vec<_>>();
            let head = match &when {
                Some(w) => format!("{who} {w}: the platform reports {}", describe(&what)),
                None => format!("{who}: the platform reports {}", describe(&what)),
            };
            let summary = match findings.first() {
                Some(f) => format!("{head}; predicted by {}: {}", f.rule, f.message),
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

fn describe(what: &[&str]) -> String {
    if what.is_empty() {
        "a conflict without detail".to_string()
    } else {
        format!("a conflict ({})", what.join(", "))
    }
}

/// How well a finding predicts a conflict, or `None` if it does not: same agent (when the platform names one),
/// overlapping time (when it gives one); shared ids and blocking findings rank first.
fn score(f: &PublishFinding, c: &ServerConflict, span: Option<Interval>) -> Option<i64> {
    if c.agent_id.as_deref().is_some_and(|a| a != f.agent_id) {
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
}
