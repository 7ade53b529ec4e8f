//! Waivers as records: what one says, and checking that each `[[waivers]]` table is a complete, consistent record
//! before the gate runs.
//!
//! A waiver names a rule and an agent (or an agent tag), optionally the local dates of the findings it covers, and
//! carries a reason, who approved it, when, and when it expires. It lasts at most `waiver_max_days` (default 90)
//! from approval to expiry. Every problem of every waiver is reported at once, each naming the file, the line,
//! the waiver's position and its rule; a rule whose `meta()` says `waivable: false` cannot be named at all.
//! Applying waivers to a run's findings is [`crate::waive`]'s job.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Config, WaiverEntry, DEFAULT_WAIVER_MAX_DAYS, MAX_WAIVER_MAX_DAYS};
use crate::error::ConfigError;
use crate::finding::hex;
use crate::rule::Rule;

/// The longest `reason`, in characters: a paragraph, not an attachment.
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest `id`, `agent`, `tag` or `approved_by`, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The keys a `[[waivers]]` table may have.
const KEYS: &[&str] =
    &["id", "rule", "agent", "tag", "from", "until", "reason", "approved_by", "approved_on", "expires"];

/// Whom a waiver covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverScope {
    /// One agent, by id.
    Agent(String),
    /// Every agent carrying this tag in the snapshot.
    Tag(String),
}

impl std::fmt::Display for WaiverScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaiverScope::Agent(a) => write!(f, "agent {a}"),
            WaiverScope::Tag(t) => write!(f, "tag {t}"),
        }
    }
}

/// A validated waiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiver {
    /// The file it is written in.
    pub file: String,
    /// 1-based position among that file's `[[waivers]]`.
    pub index: usize,
    /// 1-based line of its `[[waivers]]` header, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The record's own reference, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rule it waives.
    pub rule: String,
    /// The agent or tag it covers.
    #[serde(flatten)]
    pub scope: WaiverScope,
    /// First local date of the findings it covers (none: any date up to `until`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last local date of the findings it covers (none: up to `expires`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Why the exception is granted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it was approved: it applies from this date.
    pub approved_on: NaiveDate,
    /// The last day it applies.
    pub expires: NaiveDate,
}

impl Waiver {
    /// How messages name it: `waiver #2 of shiftgate.toml`, or `waiver HR-114 (#2 of shiftgate.toml)`.
    pub fn name(&self) -> String {
        match &self.id {
            Some(id) => format!("waiver {id} (#{} of {})", self.index, self.file),
            None => format!("waiver #{} of {}", self.index, self.file),
        }
    }

    /// [`Waiver::name`] with the rule and whom it covers.
    pub fn describe(&self) -> String {
        format!("{} ({}, {})", self.name(), self.rule, self.scope)
    }

    /// How the audit log names it: its id, else `file#index`.
    pub fn key(&self) -> String {
        self.id.clone().unwrap_or_else(|| format!("{}#{}", self.file, self.index))
    }

    /// A short hash of everything the waiver says (not where it is written), so that an audit shows whether the
    /// waiver a run relied on was edited afterwards.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for part in [
            self.id.clone().unwrap_or_default(),
            self.rule.clone(),
            self.scope.to_string(),
            date(self.from),
            date(self.until),
            self.reason.clone(),
            self.approved_by.clone(),
            self.approved_on.to_string(),
            self.expires.to_string(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex(&h.finalize()[..6])
    }

    /// The last local date whose findings it covers: `until`, never past `expires`.
    pub fn last_covered_day(&self) -> NaiveDate {
        self.until.map_or(self.expires, |u| u.min(self.expires))
    }
}

/// Checks every `[[waivers]]` entry against the rules (all packs, so a waiver may name a rule of a pack that is
/// not selected); adds what is wrong to `problems` and returns the waivers that are complete.
pub(crate) fn validate(config: &Config, rules: &[Rule], problems: &mut Vec<ConfigError>) -> Vec<Waiver> {
    let max_days = match max_days(config) {
        Ok(n) => n,
        Err(e) => {
            problems.push(e);
            DEFAULT_WAIVER_MAX_DAYS
        }
    };
    let mut waivers: Vec<Waiver> = Vec::new();
    for entry in &config.waivers {
        let mut own = Vec::new();
        let waiver = read(entry, rules, max_days, &mut own);
        if let Some(w) = &waiver {
            if let Some(first) = w.id.as_ref().and_then(|id| waivers.iter().find(|o| o.id.as_ref() == Some(id))) {
                own.push(format!(
                    "id {:?} is already the id of {}",
                    first.id.as_deref().unwrap_or_default(),
                    first.name()
                ));
            }
        }
        let rule = entry.table.get("rule").and_then(|r| r.as_str());
        let label = match rule {
            Some(rule) => format!("waiver #{} (rule {rule:?})", entry.index),
            None => format!("waiver #{}", entry.index),
        };
        for message in &own {
            problems.push(ConfigError::Waiver {
                file: entry.file.clone(),
                line: entry.line,
                waiver: label.clone(),
                message: message.clone(),
            });
        }
        if let (Some(w), true) = (waiver, own.is_empty()) {
            waivers.push(w);
        }
    }
    waivers
}

fn max_days(config: &Config) -> Result<i64, ConfigError> {
    let Some(value) = &config.waiver_max_days else {
        return Ok(DEFAULT_WAIVER_MAX_DAYS);
    };
    match value.as_integer() {
        Some(n) if (1..=MAX_WAIVER_MAX_DAYS).contains(&n) => Ok(n),
        _ => Err(ConfigError::Setting {
            file: config.path.clone(),
            key: "waiver_max_days".into(),
            message: format!("must be a whole number of days from 1 to {MAX_WAIVER_MAX_DAYS}, got {value}"),
        }),
    }
}

const NEEDS: &str = "every waiver needs rule, agent or tag, reason, approved_by, approved_on and expires";

/// Reads one entry; every problem goes to `problems`, and `None` comes back when a required field is unusable.
fn read(entry: &WaiverEntry, rules: &[Rule], max_days: i64, problems: &mut Vec<String>) -> Option<Waiver> {
    let t = &entry.table;
    for key in t.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        problems.push(format!("unknown key `{key}` (a waiver has: {})", KEYS.join(", ")));
    }
    let id = text(t, "id", false, MAX_NAME_CHARS, problems);
    let rule = text(t, "rule", true, MAX_NAME_CHARS, problems);
    let scope = scope(t, problems);
    let reason = text(t, "reason", true, MAX_REASON_CHARS, problems);
    let approved_by = text(t, "approved_by", true, MAX_NAME_CHARS, problems);
    let from = date(t, "from", false, problems);
    let until = date(t, "until", false, problems);
    let approved_on = date(t, "approved_on", true, problems);
    let expires = date(t, "expires", true, problems);
    if let Some(id) = &rule {
        check_rule(id, rules, problems);
    }
    check_dates(from, until, approved_on, expires, max_days, problems);
    Some(Waiver {
        file: entry.file.clone(),
        index: entry.index,
        line: entry.line,
        id,
        rule: rule?,
        scope: scope?,
        from,
        until,
        reason: reason?,
        approved_by: approved_by?,
        approved_on: approved_on?,
        expires: expires?,
    })
}

/// A text field: a non-empty string of at most `max` characters, trimmed.
fn text(t: &toml::Table, key: &str, required: bool, max: usize, problems: &mut Vec<String>) -> Option<String> {
    let problem = match t.get(key) {
        None if required => format!("missing `{key}`: {NEEDS}"),
        None => return None,
        Some(toml::Value::String(s)) if s.trim().is_empty() => format!("`{key}` must not be empty"),
        Some(toml::Value::String(s)) if s.chars().count() > max => format!("`{key}` is longer than {max} characters"),
        Some(toml::Value::String(s)) => return Some(s.trim().to_string()),
        Some(other) => format!("`{key}` must be a string, got {other}"),
    };
    problems.push(problem);
    None
}

/// A date field: a TOML local date or a `yyyy-MM-dd` string.
fn date(t: &toml::Table, key: &str, required: bool, problems: &mut Vec<String>) -> Option<NaiveDate> {
    let Some(value) = t.get(key) else {
        if required {
            problems.push(format!("missing `{key}`: {NEEDS}"));
        }
        return None;
    };
    let parsed = toml_date(value);
    if parsed.is_none() {
        problems.push(format!("`{key}` must be a date such as 2026-12-31, got {value}"));
    }
    parsed
}

/// Whom it covers: exactly one of `agent` and `tag`.
fn scope(t: &toml::Table, problems: &mut Vec<String>) -> Option<WaiverScope> {
    let agent = text(t, "agent", false, MAX_NAME_CHARS, problems);
    let tag = text(t, "tag", false, MAX_NAME_CHARS, problems);
    match (agent, tag) {
        (Some(a), None) => Some(WaiverScope::Agent(a)),
        (None, Some(t)) => Some(WaiverScope::Tag(t)),
        (Some(_), Some(_)) => {
            problems.push("names both `agent` and `tag`: a waiver covers one agent or every agent with one tag".into());
            None
        }
        // Present but unusable: already reported.
        (None, None) if t.contains_key("agent") || t.contains_key("tag") => None,
        (None, None) => {
            problems.push("needs `agent` (an agent id) or `tag` (an agent tag): whom it covers".into());
            None
        }
    }
}

/// The dates agree: approval before expiry, within the longest a waiver may last; `from` before `until`; nothing
/// covered after the expiry.
fn check_dates(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    approved_on: Option<NaiveDate>,
    expires: Option<NaiveDate>,
    max_days: i64,
    problems: &mut Vec<String>,
) {
    if let (Some(on), Some(exp)) = (approved_on, expires) {
        let days = (exp - on).num_days();
        if days < 0 {
            problems.push(format!("expires {exp} is before approved_on {on}"));
        } else if days > max_days {
            problems.push(format!(
                "lasts {days} days, from approved_on {on} to expires {exp}; a waiver may last at most {max_days} days \
                 (waiver_max_days): renew it with a new approval when it runs out"
            ));
        }
    }
    if let (Some(f), Some(u)) = (from, until) {
        if f > u {
            problems.push(format!("from {f} is after until {u}"));
        }
    }
    if let Some(exp) = expires {
        for (key, d) in [("from", from), ("until", until)] {
            if let Some(d) = d.filter(|d| *d > exp) {
                problems.push(format!("{key} {d} is after expires {exp}: a waiver covers nothing after it expires"));
            }
        }
    }
}

fn check_rule(id: &str, rules: &[Rule], problems: &mut Vec<String>) {
    match rules.iter().find(|r| r.id == id) {
        None => problems.push(format!("names rule {id:?}, which no pack has (see `shiftgate rules list --all`)")),
        Some(r) if !r.waivable => problems.push(match r.not_waivable_because() {
            Some(why) => format!("rule {id} is not waivable: {why}"),
            None => format!("rule {id} is not waivable (its meta() says `waivable: false`)"),
        }),
        Some(_) => {}
    }
}

/// A TOML local date (`2026-12-31`) or a string holding one.
fn toml_date(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::String(s) => shiftgate_model::time::parse_date(s.trim()),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}
