//! Reading snapshots and configuration from files or standard input.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use shiftgate_check::{Config, Limits, RuleLibrary, RuleSet, RuleSetError};
use shiftgate_model::Snapshot;

use crate::args::RuleArgs;
use crate::exit::{Failure, WithCode, INPUT};

/// Reads bytes from a path, or from standard input for `-`.
/// Caps the threads that read snapshots (`--jobs`); checking gets its own pool of the same size from `Checker`.
pub(crate) fn limit_threads(jobs: Option<usize>) {
    if let Some(n) = jobs {
        // Fails only if the global pool already exists (a second call in one process), which changes nothing.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
}

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

/// Reads and validates a snapshot, returning the file's bytes too (to locate findings in it); every problem is
/// listed in the error.
pub(crate) fn read_snapshot_and_text(path: &Path) -> Result<(Arc<Snapshot>, Vec<u8>), Failure> {
    let bytes = read_bytes(path)?;
    let snapshot = Snapshot::from_json(&bytes)
        .map(Arc::new)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a valid snapshot", display_name(path)))
        .code(INPUT)?;
    Ok((snapshot, bytes))
}

/// Loads the rule library, configuration and selected packs.
pub(crate) fn load_rules(args: &RuleArgs) -> Result<RuleSet, Failure> {
    load_rules_and_library(args).map(|(rules, _)| rules)
}

/// Like [`load_rules`], also returning the library (whose script texts diagnostics show).
pub(crate) fn load_rules_and_library(args: &RuleArgs) -> Result<(RuleSet, RuleLibrary), Failure> {
    let library = load_library(args)?;
    let config = load_config(args)?;
    let rules = compile_rules(&library, &args.packs, &config)?;
    Ok((rules, library))
}

/// The rule files of `--rules DIR`, or the packs built into the binary.
pub(crate) fn load_library(args: &RuleArgs) -> Result<RuleLibrary, Failure> {
    match &args.rules {
        Some(dir) => RuleLibrary::from_dir(dir).code(INPUT),
        None => Ok(RuleLibrary::embedded()),
    }
}

/// The `--config` file, or the default configuration.
pub(crate) fn load_config(args: &RuleArgs) -> Result<Config, Failure> {
    match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display())).code(INPUT)?;
            Config::from_toml(&text, &path.display().to_string()).code(INPUT)
        }
        None => Ok(Config::default()),
    }
}

/// Compiles the selected packs; a broken script becomes a diagnostic that shows its source.
pub(crate) fn compile_rules(library: &RuleLibrary, packs: &[String], config: &Config) -> Result<RuleSet, Failure> {
    RuleSet::load(library, packs, config, Limits::default()).map_err(|e| {
        let error = match &e {
            RuleSetError::Load(load) => match crate::diagnostics::load_error(load, library) {
                Some(d) => anyhow::Error::new(d),
                None => e.into(),
            },
            RuleSetError::Config(_) => e.into(),
        };
        Failure { code: INPUT, error }
    })
}
