//! `--format github`: GitHub Actions workflow commands, one annotation per finding on the snapshot file
//! (`::error file=F,line=L,col=C,title=RULE::message`; warning for warnings, notice for infos; a waived finding
//! is a notice titled `RULE (waived)` that carries the waiver's reason, approver and expiry), one per note about
//! a waiver on the waiver's line in its configuration file (warning for an expired or not yet approved waiver,
//! notice otherwise), then a plain summary line per snapshot. Works without code scanning (private repositories on Free/Pro plans). GitHub shows
//! at most 10 annotations of each kind per step and 50 per job; the log keeps them all. Only the lines this
//! renderer starts with `::` are workflow commands: outside text goes through [`crate::render::escape::github`] inside them and
//! [`visible`] on the summary lines.

use std::io::Write;

use shiftgate_check::{Report, Severity};

use crate::locate::{Locator, Region};
use crate::render::escape::github::{data, property};
use crate::render::escape::terminal::visible;
use crate::render::{display_path, finding_text, plural, waiver_text};

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Writes annotations for all checked snapshots. `locators` holds one entry per report (same order).
pub(crate) fn write(
    out: &mut dyn Write,
    reports: &[(String, Report)],
    locators: &[Locator],
    fail_on: Option<Severity>,
) -> std::io::Result<()> {
    for (k, (name, report)) in reports.iter().enumerate() {
        let file = display_path(name).map(|(path, _)| path);
        for f in &report.findings {
            let mut props = Vec::new();
            if let Some(file) = &file {
                let region = locators.get(k).and_then(|l| l.finding(f)).unwrap_or(Region::FILE_START);
                props.push(format!("file={}", property(file)));
                props.push(format!("line={}", region.start_line));
                props.push(format!("col={}", region.start_column));
            }
            let (kind, title, text) = match &f.waiver {
                None => (command(f.severity), f.rule.clone(), finding_text(f)),
                Some(w) => {
                    let text = format!("{}: {}\n{}", f.severity, finding_text(f), waiver_text(w, report));
                    ("notice", format!("{} (waived)", f.rule), text)
                }
            };
            props.push(format!("title={}", property(&title)));
            writeln!(out, "::{kind} {}::{}", props.join(","), data(&text))?;
        }
        for (status, note) in report.waiver_notes() {
            let mut props = Vec::new();
            if let Some((path, _)) = display_path(&status.waiver.file) {
                props.push(format!("file={}", property(&path)));
                props.extend(status.waiver.line.map(|l| format!("line={l}")));
            }
            props.push(format!("title={}", property(&format!("shiftgate {}", note.kind.id()))));
            writeln!(out, "::{} {}::{}", command(note.severity), props.join(","), data(&note.message))?;
        }
        let s = &report.summary;
        let blocking = fail_on.map(|level| report.at_least(level).count()).unwrap_or(0);
        let verdict = match fail_on {
            None => "not gating (--fail-on never)".to_string(),
            Some(level) if blocking > 0 => format!("FAIL: {blocking} at or above {level}"),
            Some(level) => format!("PASS: nothing at or above {level}"),
        };
        let waived = if report.waivers.is_empty() { String::new() } else { format!("; {} waived", s.waived) };
        writeln!(
            out,
            "shiftgate: {}: {}, {}, {} in {} of {} agents{waived}; {verdict}",
            visible(name),
            plural(s.error, "error"),
            plural(s.warning, "warning"),
            plural(s.info, "info"),
            s.agents_with_findings,
            s.agents
        )?;
    }
    Ok(())
}
