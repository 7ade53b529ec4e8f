//! Reading snapshots and configuration from files or standard input.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use shiftgate_check::{Config, Limits, RuleLibrary, RuleSet};
use shiftgate_model::Snapshot;

use crate::args::RuleArgs;
use crate::exit::{Failure, WithCode, INPUT};

/// Reads bytes from a path, or from standard input for `-`.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("cannot read standard input").code(INPUT)?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display())).code(INPUT)
}

/// A display name for an input path.
pub(crate) fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads and validates a snapshot; every problem is listed in the error.
pub(crate) fn read_snapshot(path: &Path) -> Result<Arc<Snapshot>, Failure> {
    let bytes = read_bytes(path)?;
    Snapshot::from_json(&bytes)
        .map(Arc::new)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a valid snapshot", display_name(path)))
        .code(INPUT)
}

/// Loads the rule library, configuration and selected packs.
pub(crate) fn load_rules(args: &RuleArgs) -> Result<RuleSet, Failure> {
    let library = match &args.rules {
        Some(dir) => RuleLibrary::from_dir(dir).code(INPUT)?,
        None => RuleLibrary::embedded(),
    };
    let config = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display())).code(INPUT)?;
            Config::from_toml(&text, &path.display().to_string()).code(INPUT)?
        }
        None => Config::default(),
    };
    RuleSet::load(&library, &args.packs, &config, Limits::default()).code(INPUT)
}
