//! `shiftgate.toml`: which packs run, per-rule severity, enablement and parameters, and waivers.
//!
//! ```toml
//! packs = ["core", "us-flsa"]
//! waiver_max_days = 90            # the longest a waiver may last, from approved_on to expires (default 90)
//! waivers_file = "waivers.toml"   # more [[waivers]] in a file of their own, relative to this one (optional)
//!
//! [rules."core.rest.min-between-shifts"]
//! severity = "error"
//! min_minutes = 660
//!
//! [rules."core.shift.one-per-day"]
//! enabled = false
//!
//! [[waivers]]
//! id = "HR-2026-114"              # optional: the record's own reference
//! rule = "chi.rest.10h"
//! agent = "a-100"                 # or: tag = "cba-local-7"
//! from = 2026-11-30               # optional local dates (the business unit's zone), inclusive
//! until = 2026-12-01
//! reason = "Signed Fair Workweek consent to work with less than 10 h of rest (form FW-12)"
//! approved_by = "Dana Ruiz, HR"
//! approved_on = 2026-11-20
//! expires = 2026-12-31            # the last day it applies
//! ```
//!
//! Parsing checks the shape; [`crate::RuleSet::load`] checks every value against what the rule's `meta()`
//! declares (type, range, allowed values) and every waiver field (see [`crate::Waiver`]), so a value a rule cannot
//! use or a waiver that is not a complete record stops the gate before it runs.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::finding::Severity;

/// A parsed configuration; checked against the rules when a [`crate::RuleSet`] is loaded.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Packs to run (default: `core`).
    pub packs: Option<Vec<String>>,
    /// Per-rule settings, keyed by rule id.
    pub rules: BTreeMap<String, RuleConfig>,
    /// The file it was read from, as errors name it (empty when it was not read from a file).
    pub path: String,
    /// `[[waivers]]` tables as written (in this file and in the waivers file), checked when the rules load.
    pub waivers: Vec<WaiverEntry>,
    /// `waivers_file`: another file of `[[waivers]]`, relative to this one; the caller reads it and hands it to
    /// [`Config::add_waivers_file`].
    pub waivers_file: Option<String>,
    /// `waiver_max_days`: the longest a waiver may last (default [`DEFAULT_WAIVER_MAX_DAYS`]).
    pub waiver_max_days: Option<toml::Value>,
}

/// The longest a waiver may last, in days, unless `waiver_max_days` says otherwise.
pub const DEFAULT_WAIVER_MAX_DAYS: i64 = 90;

/// The most `waiver_max_days` may be set to: a waiver is an exception, reviewed at least yearly.
pub const MAX_WAIVER_MAX_DAYS: i64 = 366;

/// One `[[waivers]]` table as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct WaiverEntry {
    /// The file, as errors and reports name it.
    pub file: String,
    /// 1-based position among that file's `[[waivers]]`.
    pub index: usize,
    /// 1-based line of its `[[waivers]]` header, when known.
    pub line: Option<usize>,
    /// The table's keys and values.
    pub table: toml::Table,
}

/// Settings of one rule.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuleConfig {
    /// Severity override.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// `false` turns the rule off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Parameter overrides.
    #[serde(flatten)]
    pub params: BTreeMap<String, toml::Value>,
}

/// The file's shape, as TOML gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    packs: Option<Vec<String>>,
    #[serde(default)]
    rules: BTreeMap<String, RuleConfig>,
    #[serde(default)]
    waivers: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    waivers_file: Option<String>,
    #[serde(default)]
    waiver_max_days: Option<toml::Value>,
}

/// A waivers file holds waivers and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiversFile {
    #[serde(default)]
    waivers: Vec<toml::Spanned<toml::Table>>,
}

impl Config {
    /// Parses TOML text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| parse_error(path, e))?;
        Ok(Config {
            packs: file.packs,
            rules: file.rules,
            path: path.to_string(),
            waivers: entries(file.waivers, text, path),
            waivers_file: file.waivers_file,
            waiver_max_days: file.waiver_max_days,
        })
    }

    /// Adds the `[[waivers]]` of the file `waivers_file` names (read by the caller: the checker does no I/O).
    pub fn add_waivers_file(&mut self, text: &str, path: &str) -> Result<(), ConfigError> {
        let file: WaiversFile = toml::from_str(text).map_err(|e| parse_error(path, e))?;
        self.waivers.extend(entries(file.waivers, text, path));
        Ok(())
    }
}

fn parse_error(path: &str, e: toml::de::Error) -> ConfigError {
    ConfigError::Parse { path: path.to_string(), message: e.to_string() }
}

fn entries(tables: Vec<toml::Spanned<toml::Table>>, text: &str, path: &str) -> Vec<WaiverEntry> {
    const HEADER: &[u8] = b"[[waivers]]";
    // Byte offsets where lines start, to turn offsets into line numbers by a binary search (a file of thousands
    // of waivers must not be rescanned for each).
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1)).collect();
    tables
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let at = t.span().start.min(text.len());
            // Its `[[waivers]]` header is the last one that starts at or before the span (which may begin at the
            // header or at the first key, depending on the parser); a table is short, so look back a little.
            let from = at.saturating_sub(64 * 1024);
            let window = &text.as_bytes()[from..(at + HEADER.len()).min(text.len())];
            let header = window.windows(HEADER.len()).rposition(|w| w == HEADER).map_or(at, |p| from + p);
            WaiverEntry {
                file: path.to_string(),
                index: i + 1,
                line: Some(line_starts.partition_point(|&s| s <= header)),
                table: t.into_inner(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waivers_keep_their_file_position_and_line() {
        let text = "packs = [\"core\"]\n\n[[waivers]]\nrule = \"a\"\n\n# note\n[[waivers]]\nrule = \"b\"\n";
        let mut c = Config::from_toml(text, "shiftgate.toml").unwrap();
        let got: Vec<(usize, Option<usize>)> = c.waivers.iter().map(|w| (w.index, w.line)).collect();
        assert_eq!(got, [(1, Some(3)), (2, Some(7))]);
        c.add_waivers_file("\n[[waivers]]\nrule = \"c\"\n", "waivers.toml").unwrap();
        let last = c.waivers.last().unwrap();
        assert_eq!((last.file.as_str(), last.index, last.line), ("waivers.toml", 1, Some(2)));
        assert_eq!(last.table["rule"].as_str(), Some("c"));
    }

    #[test]
    fn a_waivers_file_holds_only_waivers_and_unknown_keys_are_errors() {
        let mut c = Config::default();
        let err = c.add_waivers_file("packs = [\"core\"]\n", "waivers.toml").unwrap_err().to_string();
        assert!(err.starts_with("waivers.toml: ") && err.contains("unknown field `packs`"), "{err}");
        let err = Config::from_toml("waiver = 1\n", "shiftgate.toml").unwrap_err().to_string();
        assert!(err.contains("unknown field `waiver`"), "{err}");
    }
}
