//! `--format github`: GitHub Actions workflow commands, one annotation per finding on the snapshot file
//! (`::error file=F,line=L,col=C,title=RULE::message`; warning for warnings, notice for infos), then a plain
//! summary line per snapshot. Works without code scanning (private repositories on Free/Pro plans). GitHub shows
//! at most 10 annotations of each kind per step and 50 per job; the log keeps them all. Only the lines this
//! renderer starts with `::` are workflow commands: outside text goes through [`crate::render::escape::github`] inside them and
//! [`visible`] on the summary lines.

use std::io::Write;

use shiftgate_check::{Report, Severity};

use crate::locate::{Locator, Region};
use crate::render::escape::github::{data, property};
use crate::render::escape::terminal::visible;
use crate::render::{display_path, finding_text, plural};

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
            props.push(format!("title={}", property(&f.rule)));
            writeln!(out, "::{} {}::{}", command(f.severity), props.join(","), data(&finding_text(f)))?;
        }
        let s = &report.summary;
        let blocking = fail_on.map(|level| report.at_least(level).count()).unwrap_or(0);
        let verdict = match fail_on {
            None => "not gating (--fail-on never)".to_string(),
            Some(level) if blocking > 0 => format!("FAIL: {blocking} at or above {level}"),
            Some(level) => format!("PASS: nothing at or above {level}"),
        };
        writeln!(
            out,
            "shiftgate: {}: {}, {}, {} in {} of {} agents; {verdict}",
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
