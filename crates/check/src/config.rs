//! `shiftgate.toml`: which packs run, and per-rule severity, enablement and parameters.
//!
//! ```toml
//! packs = ["core", "us-flsa"]
//!
//! [rules."core.rest.min-between-shifts"]
//! severity = "error"
//! min_minutes = 660
//!
//! [rules."core.shift.one-per-day"]
//! enabled = false
//! ```
//!
//! Parsing checks the shape; [`crate::RuleSet::load`] checks every value against what the rule's `meta()`
//! declares (type, range, allowed values), so a value a rule cannot use stops the gate before it runs.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::finding::Severity;

/// A parsed configuration; checked against the rules when a [`crate::RuleSet`] is loaded.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Packs to run (default: `core`).
    #[serde(default)]
    pub packs: Option<Vec<String>>,
    /// Per-rule settings, keyed by rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// The file it was read from, as errors name it (empty when it was not read from a file).
    #[serde(skip)]
    pub path: String,
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

impl Config {
    /// Parses TOML text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &str) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_string(), message: e.to_string() })?;
        config.path = path.to_string();
        Ok(config)
    }
}
