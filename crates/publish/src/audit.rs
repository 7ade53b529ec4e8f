//! The append-only audit log: one JSON line per step of a run, hash-chained so that an edited or dropped line is
//! evident (as long as the head, which the run report carries, is kept somewhere else too).
//!
//! Each line is the canonical JSON of an [`AuditRecord`] plus `prevHash` and `hash`, where
//! `hash = sha256(prevHash || canonical line without "hash")`. The first line of a file chains from 64 zeros.
//! Records hold ids, versions, hashes and counters only: no tokens, no secrets, no names, no bodies.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::canon::{canonical_json, sha256_hex};
use crate::error::PublishError;

/// Hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audited step of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// The run (a UUID unless the caller names it).
    pub run_id: String,
    /// 1-based position within the run.
    pub seq: u64,
    /// When the step ended.
    pub ts: Option<DateTime<Utc>>,
    /// State machine step: `fetch`, `validate`, `exclude`, `plan`, `submit`, `settle` (a re-read after a write),
    /// `settled` (a write's fate), `wait`, `done`.
    pub state: String,
    /// `genesys`, `rest`, ...
    pub platform: String,
    /// Business unit id.
    pub business_unit_id: String,
    /// Week id (`yyyy-MM-dd`).
    pub week_id: String,
    /// Schedule id.
    pub schedule_id: String,
    /// Schedule version as last fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_version: Option<i64>,
    /// Schedule version the write carried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_version: Option<i64>,
    /// Hash of the live state as last fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_hash: Option<String>,
    /// Hash of the payload written (or that would be written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_hash: Option<String>,
    /// Trades the payload carries out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trades_applied: Vec<String>,
    /// Trades left out because of blocking findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trades_excluded: Vec<String>,
    /// Number of findings of the last validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<usize>,
    /// Number of blocking findings of the last validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_findings: Option<usize>,
    /// The waivers that validation relied on: findings they waived did not block.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers_relied_on: Vec<AuditWaiver>,
    /// Which platform step answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// HTTP status of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Genesys error `code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Genesys `contextId` / correlation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Genesys operation id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The classification of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// The write attempt (1-based) a `submit`, `settle` or `settled` line is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_attempt: Option<u32>,
    /// What became of that write (`landed`, `refused`, `notApplied`, `unknown`), on its `settled` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fate: Option<String>,
    /// The wait chosen before the next step, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Counters after this step.
    pub attempts: Counters,
    /// The run's outcome, on its last line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// A waiver a validation relied on, as the audit records it: how the configuration names it (its id, or
/// `file#index`), its rule, a hash of everything it says (so a later edit is evident) and how many findings it
/// waived. Its reason and approver stay in the configuration: the audit holds no personal data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditWaiver {
    /// The waiver's id, or `file#index`.
    pub waiver: String,
    /// The rule it waives.
    pub rule: String,
    /// Hash of the waiver's fields.
    pub digest: String,
    /// Findings it waived in that validation.
    pub findings: usize,
}

/// How much of each budget a run has used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Reads of the live state.
    pub fetches: u32,
    /// Write attempts (each `submit`: one REST PUT, or one Genesys upload-and-update).
    pub writes: u32,
    /// Version-conflict cycles.
    pub version_conflicts: u32,
    /// Transient failures retried (reads and writes).
    pub transient: u32,
    /// 429 answers waited out.
    pub rate_limited: u32,
}

enum Sink {
    File(File),
    Memory(Vec<String>),
}

/// An open audit log.
pub struct AuditLog {
    sink: Sink,
    path: PathBuf,
    head: String,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.path).field("head", &self.head).finish()
    }
}

impl AuditLog {
    /// Opens (or creates) a JSON-lines audit file for appending. An existing file must verify; the new lines
    /// continue its chain.
    pub fn open(path: &Path) -> Result<AuditLog, PublishError> {
        let io = |source| PublishError::Audit { path: path.to_path_buf(), source };
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let head = verify_chain(&text).map_err(|e| PublishError::AuditChain {
            path: path.to_path_buf(),
            line: e.line,
            reason: e.reason,
        })?;
        Ok(AuditLog { sink: Sink::File(file), path: path.to_path_buf(), head })
    }

    /// An in-memory log (tests, `demo`, dry runs without `--audit`).
    pub fn in_memory() -> AuditLog {
        AuditLog { sink: Sink::Memory(Vec::new()), path: PathBuf::from("<memory>"), head: GENESIS.to_string() }
    }

    /// Appends one record (fsynced for files) and returns its hash, the new head.
    pub fn append(&mut self, record: &AuditRecord) -> Result<String, PublishError> {
        let mut v = serde_json::to_value(record).unwrap_or(Value::Null);
        let Some(obj) = v.as_object_mut() else {
            return Err(self.io_error("record did not serialize to an object"));
        };
        obj.insert("prevHash".into(), Value::String(self.head.clone()));
        let hash = chain_hash(&self.head, &canonical_json(&v));
        if let Some(obj) = v.as_object_mut() {
            obj.insert("hash".into(), Value::String(hash.clone()));
        }
        let line = canonical_json(&v);
        match &mut self.sink {
            Sink::File(f) => {
                let path = self.path.clone();
                let io = |source| PublishError::Audit { path: path.clone(), source };
                f.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
                f.sync_data().map_err(io)?;
            }
            Sink::Memory(lines) => lines.push(line),
        }
        self.head = hash.clone();
        Ok(hash)
    }

    /// The hash of the last line (the chain head); [`GENESIS`] for an empty log.
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Lines written so far (in-memory logs only; empty for files).
    pub fn lines(&self) -> &[String] {
        match &self.sink {
            Sink::Memory(lines) => lines,
            Sink::File(_) => &[],
        }
    }

    fn io_error(&self, msg: &str) -> PublishError {
        PublishError::Audit { path: self.path.clone(), source: std::io::Error::other(msg.to_string()) }
    }
}

fn chain_hash(prev: &str, line: &str) -> String {
    let mut bytes = Vec::with_capacity(prev.len() + line.len());
    bytes.extend_from_slice(prev.as_bytes());
    bytes.extend_from_slice(line.as_bytes());
    sha256_hex(&bytes)
}

/// Why an audit text does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Verifies a whole audit text and returns its head ([`GENESIS`] when empty).
pub fn verify_chain(text: &str) -> Result<String, ChainError> {
    let mut head = GENESIS.to_string();
    for (i, line) in text.lines().enumerate() {
        let fail = |reason: &str| ChainError { line: i + 1, reason: reason.to_string() };
        let mut v: Value = serde_json::from_str(line).map_err(|_| fail("not JSON"))?;
        let obj = v.as_object_mut().ok_or_else(|| fail("not a JSON object"))?;
        let hash = match obj.remove("hash") {
            Some(Value::String(h)) => h,
            _ => return Err(fail("no hash")),
        };
        if obj.get("prevHash").and_then(Value::as_str) != Some(head.as_str()) {
            return Err(fail("prevHash does not match the previous line's hash (a line was removed or reordered)"));
        }
        if chain_hash(&head, &canonical_json(&v)) != hash {
            return Err(fail("hash does not match the line's content (the line was edited)"));
        }
        head = hash;
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, state: &str) -> AuditRecord {
        AuditRecord {
            run_id: "run-1".into(),
            seq,
            state: state.into(),
            platform: "rest".into(),
            schedule_id: "sch-48".into(),
            fetched_version: Some(17),
            ..AuditRecord::default()
        }
    }

    #[test]
    fn chain_verifies_and_detects_edits_drops_and_reorders() {
        let mut log = AuditLog::in_memory();
        for (i, s) in ["fetch", "validate", "submit"].iter().enumerate() {
            log.append(&record(i as u64 + 1, s)).unwrap();
        }
        let text = log.lines().join("\n");
        assert_eq!(verify_chain(&text).unwrap(), log.head());
        assert_ne!(log.head(), GENESIS);

        let edited = text.replacen("\"fetchedVersion\":17", "\"fetchedVersion\":18", 1);
        assert_eq!(verify_chain(&edited).unwrap_err().line, 1);
        let dropped = log.lines()[1..].join("\n");
        assert_eq!(verify_chain(&dropped).unwrap_err().line, 1);
        let reordered = [&log.lines()[0], &log.lines()[2], &log.lines()[1]].map(String::as_str).join("\n");
        assert_eq!(verify_chain(&reordered).unwrap_err().line, 2);
        assert_eq!(verify_chain("not json").unwrap_err().line, 1);
        assert_eq!(verify_chain("").unwrap(), GENESIS);
    }

    #[test]
    fn a_file_log_continues_its_chain_across_runs_and_refuses_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut first = AuditLog::open(&path).unwrap();
        first.append(&record(1, "fetch")).unwrap();
        drop(first);
        let mut second = AuditLog::open(&path).unwrap();
        second.append(&record(1, "fetch")).unwrap();
        let head = second.head().to_string();
        drop(second);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        assert_eq!(verify_chain(&text).unwrap(), head);

        std::fs::write(&path, text.replace("fetch", "fetcH")).unwrap();
        assert!(matches!(AuditLog::open(&path), Err(PublishError::AuditChain { line: 1, .. })));
    }

    #[test]
    fn lines_are_single_line_canonical_json_without_secrets_fields() {
        let mut log = AuditLog::in_memory();
        log.append(&record(1, "fetch")).unwrap();
        let line = &log.lines()[0];
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["prevHash"], GENESIS);
        for k in v.as_object().unwrap().keys() {
            assert!(!k.to_ascii_lowercase().contains("token") && !k.to_ascii_lowercase().contains("secret"), "{k}");
        }
    }
}
