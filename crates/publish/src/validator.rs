//! The validation seam: publish never depends on the checker; the CLI adapts the checker to [`Validator`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shiftgate_model::Snapshot;

/// Judges a snapshot after its approved trades, minus `excluded_trades` (indexes into [`Snapshot::trades`]).
///
/// Implementations must be pure: the publisher calls it again from scratch after excluding trades and after every
/// re-fetch, and relies on equal inputs giving equal findings.
pub trait Validator: Send + Sync {
    /// Findings for the snapshot with the given trades left out.
    fn validate(&self, snapshot: &Snapshot, excluded_trades: &[usize]) -> Validation;

    /// The waivers the latest [`Validator::validate`] relied on (findings they waived did not block), which the
    /// audit log records with that validation. A validator without waivers relies on none.
    fn waivers_relied_on(&self) -> Vec<crate::AuditWaiver> {
        Vec::new()
    }

    /// Whether each agent's findings depend only on that agent's week (its record, schedule, history and time
    /// off, and the trades that reach it) and on what every agent shares, and come grouped by agent in agent-id
    /// order. Then, after a full re-read, the publisher validates only the agents that changed and those they
    /// trade with, and keeps the earlier findings of the rest ([`crate::revalidate`]): the result equals a full
    /// validation. A validator that keeps state of its own from the last full validation (a page to draw, the
    /// waivers relied on) should say no. Default: no.
    fn per_agent(&self) -> bool {
        false
    }

    /// For a [`Validator::per_agent`] validator: validates again only `agents` (not empty) of `whole`, read as
    /// `document` (those whose week changed since `earlier`, the validation of the previous read, and those they
    /// trade with), keeping every other agent's findings of `earlier`. Default: validate the document cut down to
    /// those agents and the trades among them ([`crate::revalidate::part`]), and merge. A validator that keeps
    /// state of its own overrides this to keep that state whole.
    fn validate_agents(
        &self,
        whole: &Snapshot,
        document: &serde_json::Value,
        agents: &std::collections::BTreeSet<String>,
        earlier: &Validation,
    ) -> Validation {
        use crate::revalidate::{merge, part};
        match crate::platform::Fetched::new(part(document, agents), None).snapshot() {
            Ok(p) => merge(earlier, self.validate(&p, &[]), agents),
            // Cannot happen for a part of a valid read; validating everything is always right.
            Err(_) => self.validate(whole, &[]),
        }
    }
}

/// What a validation found. Only `blocking` findings stop a publish.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// Every finding, blocking or not, in the validator's (deterministic) order.
    pub findings: Vec<PublishFinding>,
}

impl Validation {
    /// The findings that block publishing.
    pub fn blocking(&self) -> impl Iterator<Item = &PublishFinding> {
        self.findings.iter().filter(|f| f.blocking)
    }

    /// Number of blocking findings.
    pub fn blocking_count(&self) -> usize {
        self.blocking().count()
    }
}

/// A finding as the publisher sees it: enough to decide, exclude trades, explain server conflicts and report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishFinding {
    /// Stable dotted rule id, e.g. `core.timeoff.conflict`.
    pub rule: String,
    /// `error`, `warning` or `info`, as configured.
    pub severity: String,
    /// Whether this finding blocks the publish (the CLI decides, from `--fail-on`).
    pub blocking: bool,
    /// The agent concerned.
    pub agent_id: String,
    /// Start of the offending interval (UTC).
    pub start: DateTime<Utc>,
    /// End of the offending interval (UTC, exclusive).
    pub end: DateTime<Utc>,
    /// One sentence a supervisor understands.
    pub message: String,
    /// Trades involved; with `--exclude-conflicting-trades` these are the ones dropped.
    #[serde(default)]
    pub trade_ids: Vec<String>,
    /// Time-off requests involved.
    #[serde(default)]
    pub time_off_request_ids: Vec<String>,
    /// Shifts involved.
    #[serde(default)]
    pub shift_ids: Vec<String>,
    /// The root-cause chain, most direct cause first.
    #[serde(default)]
    pub cause: Vec<String>,
    /// The waiver that covers it, if one does: a waived finding never blocks, and reports list it apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<PublishWaiver>,
}

/// A waiver as the publisher reports it: who granted which exception, why, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishWaiver {
    /// How people name it: `waiver HR-2026-114 (#1 of shiftgate.toml)`.
    pub name: String,
    /// Why the exception is granted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it was approved.
    pub approved_on: NaiveDate,
    /// The last day it applies.
    pub expires: NaiveDate,
}

/// Any `Fn(&Snapshot, &[usize]) -> Validation` is a validator (handy for tests and small adapters).
impl<F> Validator for F
where
    F: Fn(&Snapshot, &[usize]) -> Validation + Send + Sync,
{
    fn validate(&self, snapshot: &Snapshot, excluded_trades: &[usize]) -> Validation {
        self(snapshot, excluded_trades)
    }
}
