//! Rendering reports for people (`human`, and `html`: a self-contained timeline page), machines (`json`) and CI
//! systems (`sarif`, `junit`, `github`).
//!
//! Everything a report carries from outside (snapshot ids, rule ids and messages, causes, file names) is printed
//! only through the [`escape`] module of the renderer's target; text composed for people ([`finding_text`]) is
//! built from pieces already made visible, so its only line breaks are the renderer's own.

pub(crate) mod escape;
pub(crate) mod github;
#[cfg(test)]
pub(crate) mod hostile;
pub(crate) mod html;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod sarif;

use std::path::Path;

use shiftgate_check::{Finding, Report, Severity, Waiver, WaiverStatus};

use escape::terminal::visible;

/// A finding as plain text: `agent when: message`, then one `because:` line per cause. Every piece is made
/// [`visible`], so the line breaks are only those between the causes.
pub(crate) fn finding_text(f: &Finding) -> String {
    let mut text = format!("{} {}: {}", visible(&f.agent_id), visible(&f.when), visible(&f.message));
    for (i, c) in f.cause.iter().enumerate() {
        text.push_str(if i == 0 { "\n  because: " } else { "\n           " });
        text.push_str(&visible(c));
    }
    text
}

/// A snapshot's path relative to the working directory when it is inside it (forward slashes, no leading `./`),
/// else as given; `None` for standard input.
pub(crate) fn display_path(name: &str) -> Option<(String, bool)> {
    if name == "<stdin>" {
        return None;
    }
    let path = Path::new(name);
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).map(Path::to_path_buf).ok(),
        _ if path.is_absolute() => None,
        _ => Some(path.to_path_buf()),
    };
    Some(match relative {
        Some(rel) => (rel.to_string_lossy().replace('\\', "/").trim_start_matches("./").to_string(), true),
        None => (path.to_string_lossy().replace('\\', "/"), false),
    })
}

/// A snapshot's path as a URI reference relative to the working directory (percent-encoded), as GitHub code
/// scanning expects, or a `file://` URI outside it; `None` for standard input.
pub(crate) fn artifact_uri(name: &str) -> Option<String> {
    let (text, relative) = display_path(name)?;
    let mut uri = String::from(if relative { "" } else { "file://" });
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => uri.push(b as char),
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    Some(uri)
}

/// Whether a finding reaches the `--fail-on` level and no waiver covers it.
pub(crate) fn blocks(f: &Finding, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|level| f.severity >= level) && !f.is_waived()
}

/// What a waived finding's waiver says, for people: `waived by waiver ID (#2 of FILE), approved by X on D,
/// expires E (N days left): REASON`. Every piece is made [`visible`].
pub(crate) fn waiver_text(w: &Waiver, report: &Report) -> String {
    let left = status_of(w, report).map(|s| format!(" ({})", days_left(s.days_left))).unwrap_or_default();
    format!(
        "waived by {}, approved by {} on {}, expires {}{left}: {}",
        visible(&w.name()),
        visible(&w.approved_by),
        w.approved_on,
        w.expires,
        visible(&w.reason)
    )
}

/// The status of a finding's waiver in its report.
pub(crate) fn status_of<'a>(w: &Waiver, report: &'a Report) -> Option<&'a WaiverStatus> {
    report.waivers.iter().find(|s| s.waiver.file == w.file && s.waiver.index == w.index)
}

/// `12 days left`, `last day`, `expired 3 days ago`.
pub(crate) fn days_left(days: i64) -> String {
    match days {
        0 => "last day".to_string(),
        1 => "1 day left".to_string(),
        d if d > 1 => format!("{d} days left"),
        -1 => "expired 1 day ago".to_string(),
        d => format!("expired {} days ago", -d),
    }
}

/// `1 error`, `2 errors`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waived_finding_never_blocks_at_any_level() {
        let (_, report) = hostile::hostile_report();
        let waived = report.findings.iter().find(|f| f.is_waived()).unwrap();
        let open = report.findings.iter().find(|f| !f.is_waived() && f.severity == Severity::Error).unwrap();
        assert_eq!(waived.severity, Severity::Error);
        for level in [Severity::Info, Severity::Warning, Severity::Error] {
            assert!(!blocks(waived, Some(level)), "{level}");
            assert!(blocks(open, Some(level)), "{level}");
        }
        assert!(!blocks(open, None));
        assert_eq!(days_left(0), "last day");
        assert_eq!(days_left(-3), "expired 3 days ago");
    }

    #[test]
    fn artifact_uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("./fixtures/my week #2.json").as_deref(), Some("fixtures/my%20week%20%232.json"));
        assert_eq!(artifact_uri("<stdin>"), None);
        let cwd = std::env::current_dir().unwrap();
        let inside = cwd.join("a/b.json");
        assert_eq!(artifact_uri(inside.to_str().unwrap()).as_deref(), Some("a/b.json"));
        if cfg!(unix) && !cwd.starts_with("/nowhere") {
            assert_eq!(artifact_uri("/nowhere/x y.json").as_deref(), Some("file:///nowhere/x%20y.json"));
        }
    }
}
