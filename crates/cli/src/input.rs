//! Reading snapshots, platform answers and configuration from files or standard input, each through a bounded
//! reader: nothing is read past its size limit, whatever the source (a file, a pipe, `/dev/zero`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use shiftgate_check::{Config, Limits, LoadError, RuleLibrary, RuleSet, RuleSetError};
use shiftgate_model::Snapshot;

use crate::args::RuleArgs;
use crate::exit::{Failure, WithCode, INPUT};
use crate::render::escape::terminal::visible;

/// The largest snapshot or platform answer read, in bytes: the model's document limit, said once there.
pub(crate) const MAX_DOCUMENT_BYTES: u64 = shiftgate_model::limits::MAX_DOCUMENT_BYTES as u64;

/// The largest configuration file read, in bytes: thousands of waivers and overrides fit in far less.
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Caps the threads that read snapshots (`--jobs`, already bounded by its parser); checking gets its own pool of
/// the same size from `Checker`.
pub(crate) fn limit_threads(jobs: Option<usize>) {
    if let Some(n) = jobs {
        // Fails only if the global pool already exists (a second call in one process), which changes nothing.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
}

/// Reads a snapshot or platform answer from a path, or from standard input for `-`, up to [`MAX_DOCUMENT_BYTES`].
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    read_capped(path, MAX_DOCUMENT_BYTES)
}

/// Reads at most `cap` bytes; a larger input is an input error naming the file and the limit.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Failure> {
    let name = visible(&display_name(path)).into_owned();
    if path.as_os_str() == "-" {
        return read_limited(std::io::stdin().lock(), cap, 0, &name);
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}")).code(INPUT)?;
    // A regular file's length is known: refuse one that is too large before reading it. Devices and pipes report
    // no useful length and are read through the cap.
    let known = file.metadata().ok().filter(|m| m.is_file()).map_or(0, |m| m.len());
    if known > cap {
        return Err(too_large(&name, cap));
    }
    read_limited(file, cap, known, &name)
}

/// Reads `source` to its end, failing as soon as it passes `cap` bytes. The buffer grows by doubling but never past
/// the cap (`read_to_end` would double a buffer of the cap's size once more, and zero the new half).
fn read_limited(mut source: impl Read, cap: u64, expected: u64, name: &str) -> Result<Vec<u8>, Failure> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut buf = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(cap));
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match source.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {name}"))).code(INPUT),
        };
        if n > cap - buf.len() {
            return Err(too_large(name, cap as u64));
        }
        if buf.capacity() - buf.len() < n {
            buf.reserve_exact(buf.len().max(n).min(cap - buf.len()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn too_large(name: &str, cap: u64) -> Failure {
    Failure {
        code: INPUT,
        error: anyhow!("{name}: larger than {}, the most shiftgate reads from one input", size(cap)),
    }
}

/// `256 MiB`, `4 MiB`, `512 bytes`.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes / MIB * MIB == bytes {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A display name for an input path (unescaped: renderers escape it for their target).
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
        .with_context(|| format!("{} is not a valid snapshot", visible(&display_name(path))))
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
    let rules = compile_rules(&library, &args.packs, &config).map_err(|f| in_config_file(f, args))?;
    Ok((rules, library))
}

/// Names the `--config` file in front of an error that a setting of it caused (`[rules."x"]: unknown rule`, or an
/// unknown pack in its `packs` when `--pack` did not override them).
fn in_config_file(failure: Failure, args: &RuleArgs) -> Failure {
    let from_config = match failure.error.downcast_ref::<RuleSetError>() {
        Some(RuleSetError::Config(_)) => true,
        Some(RuleSetError::Load(LoadError::UnknownPack { .. })) => args.packs.is_empty(),
        _ => false,
    };
    match &args.config {
        Some(path) if from_config => {
            Failure { code: failure.code, error: failure.error.context(visible(&display_name(path)).into_owned()) }
        }
        _ => failure,
    }
}

/// The rule files of `--rules DIR`, or the packs built into the binary.
pub(crate) fn load_library(args: &RuleArgs) -> Result<RuleLibrary, Failure> {
    match &args.rules {
        Some(dir) => RuleLibrary::from_dir(dir).code(INPUT),
        None => Ok(RuleLibrary::embedded()),
    }
}

/// The `--config` file (with the waivers file it names), or the default configuration.
pub(crate) fn load_config(args: &RuleArgs) -> Result<Config, Failure> {
    let Some(path) = &args.config else {
        return Ok(Config::default());
    };
    let name = visible(&display_name(path)).into_owned();
    let mut config = Config::from_toml(&read_text(path, &name)?, &name).code(INPUT)?;
    if let Some(file) = config.waivers_file.clone() {
        // Relative to the configuration file, wherever the command runs from.
        let waivers = if path.as_os_str() == "-" { Path::new(&file).to_path_buf() } else { beside(path, &file) };
        let waivers_name = visible(&waivers.display().to_string()).into_owned();
        let text = read_text(&waivers, &waivers_name)
            .map_err(|f| Failure { code: f.code, error: f.error.context(format!("{name}: waivers_file {file:?}")) })?;
        config.add_waivers_file(&text, &waivers_name).code(INPUT)?;
    }
    Ok(config)
}

/// `file` relative to the folder of `config` (or as it is, when absolute).
fn beside(config: &Path, file: &str) -> std::path::PathBuf {
    config.parent().unwrap_or(Path::new("")).join(file)
}

/// A configuration file's text, read up to [`MAX_CONFIG_BYTES`].
fn read_text(path: &Path, name: &str) -> Result<String, Failure> {
    String::from_utf8(read_capped(path, MAX_CONFIG_BYTES)?)
        .map_err(|e| anyhow!("{name}: not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
        .code(INPUT)
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
