//! Findings: what a rule reports about one agent, with the root cause spelled out.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How serious a finding is. `Error` blocks publishing; `Warning` blocks only under `--fail-on warning`;
/// `Info` never blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A note.
    Info,
    /// Needs attention; blocks only when asked to.
    Warning,
    /// Blocks publishing.
    Error,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            _ => return None,
        })
    }

    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One violation of one rule by one agent's week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable dotted rule id, e.g. `core.timeoff.pending-conflict`.
    pub rule: String,
    /// Effective severity (after configuration).
    pub severity: Severity,
    /// The agent the finding is about.
    pub agent_id: String,
    /// Start of the offending interval (UTC).
    pub start: DateTime<Utc>,
    /// End of the offending interval (UTC, exclusive).
    pub end: DateTime<Utc>,
    /// `start` in the business unit's local time (RFC 3339 with offset).
    pub local_start: String,
    /// `end` in local time.
    pub local_end: String,
    /// The interval as a supervisor reads it, e.g. `Tue Dec 1 08:00-16:30 CST`.
    pub when: String,
    /// One sentence a supervisor understands.
    pub message: String,
    /// Ids of everything involved, by kind (`shift`, `trade`, `timeOffRequest`, ...).
    pub refs: BTreeMap<String, Vec<String>>,
    /// The root-cause chain, most direct cause first.
    pub cause: Vec<String>,
    /// The measured number, when the rule compares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<i64>,
    /// The limit it was compared against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Stable hash of (rule, agent, refs, interval): the same problem keeps its fingerprint across runs.
    pub fingerprint: String,
    /// The waiver that covers it, if one does: a waived finding stays in every report and never blocks. Shared
    /// by every finding it covers, so a waiver over many findings costs its text once.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shared")]
    pub waiver: Option<Arc<crate::Waiver>>,
}

fn shared<S: serde::Serializer>(w: &Option<Arc<crate::Waiver>>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&w.as_deref(), s)
}

impl Finding {
    /// Computes the fingerprint from the identifying fields.
    pub(crate) fn compute_fingerprint(&mut self) {
        let mut h = Sha256::new();
        for part in [self.rule.as_str(), self.agent_id.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for (kind, ids) in &self.refs {
            h.update(kind.as_bytes());
            for id in ids {
                h.update([1]);
                h.update(id.as_bytes());
            }
            h.update([0]);
        }
        h.update(self.start.timestamp().to_le_bytes());
        h.update(self.end.timestamp().to_le_bytes());
        self.fingerprint = hex(&h.finalize()[..8]);
    }

    /// Whether a waiver covers it.
    pub fn is_waived(&self) -> bool {
        self.waiver.is_some()
    }

    /// The order findings are reported in: (agent, start, rule, fingerprint), never thread scheduling.
    pub fn sort_key(&self) -> (&str, DateTime<Utc>, &str, &str) {
        (&self.agent_id, self.start, &self.rule, &self.fingerprint)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
