//! Rendering reports for people (`human`), machines (`json`) and CI systems (`sarif`, `junit`, `github`).

pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod sarif;

use std::path::Path;

use shiftgate_check::{Finding, Severity};

/// A finding as plain text: `agent when: message`, then one `because:` line per cause.
pub(crate) fn finding_text(f: &Finding) -> String {
    let mut text = format!("{} {}: {}", f.agent_id, f.when, f.message);
    for (i, c) in f.cause.iter().enumerate() {
        text.push_str(if i == 0 { "\n  because: " } else { "\n           " });
        text.push_str(c);
    }
    text
}

/// A snapshot's path as a URI reference relative to the working directory (forward slashes, percent-encoded),
/// as GitHub code scanning expects; `None` for standard input.
pub(crate) fn artifact_uri(name: &str) -> Option<String> {
    if name == "<stdin>" {
        return None;
    }
    let path = Path::new(name);
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).map(Path::to_path_buf).ok(),
        _ if path.is_absolute() => None,
        _ => Some(path.to_path_buf()),
    };
    let (prefix, text) = match relative {
        Some(rel) => ("", rel.to_string_lossy().replace('\\', "/")),
        None => ("file://", path.to_string_lossy().replace('\\', "/")),
    };
    let text = text.trim_start_matches("./");
    let mut uri = String::from(prefix);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => uri.push(b as char),
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    Some(uri)
}

/// Whether a finding reaches the `--fail-on` level.
pub(crate) fn blocks(f: &Finding, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|level| f.severity >= level)
}
