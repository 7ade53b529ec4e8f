//! `--format junit`: JUnit XML as GitLab, Jenkins and most CI systems read it.
//!
//! One `<testsuite>` per snapshot and one `<testcase>` per enabled rule: `classname` is the rule id (Jenkins
//! builds its tree from the dots), `name` is `<rule id> [<snapshot>]`, unique and stable across runs (GitLab keeps
//! only the first of duplicate names). A rule with findings at or above `--fail-on` fails, with those findings as
//! the failure text; findings below it are listed in `<system-out>` and the case passes, so the report agrees with
//! the exit code. Each waived finding is a test case of its own, `<skipped>` with the waiver's reason, approver
//! and expiry (named `<rule id> [<snapshot>] waived: <agent> <fingerprint>`), so it never fails the build and is
//! never out of sight; notes about waivers (expired, unused, ...) are the suite's `<system-out>`. No timings: the
//! same input gives the same bytes. Outside text is written only through [`crate::render::escape::xml`].

use std::collections::BTreeSet;
use std::io::Write;

use super::plural;

use shiftgate_check::{Finding, Report, Severity};

use crate::render::escape::xml::{attr, text};
use crate::render::{blocks, display_path, finding_text, waiver_text};

/// Writes one JUnit document for all checked snapshots.
pub(crate) fn write(
    out: &mut dyn Write,
    reports: &[(String, Report)],
    fail_on: Option<Severity>,
) -> std::io::Result<()> {
    let tests: usize = reports.iter().map(|(_, r)| r.rules.len() + r.summary.waived).sum();
    let failures: usize = reports
        .iter()
        .map(|(_, r)| {
            r.rules.iter().filter(|rule| r.findings.iter().any(|f| f.rule == rule.id && blocks(f, fail_on))).count()
        })
        .sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="shiftgate check" tests="{tests}" failures="{failures}" errors="0">"#)?;
    let mut names = BTreeSet::new();
    for (name, report) in reports {
        let suite_failures = report
            .rules
            .iter()
            .filter(|rule| report.findings.iter().any(|f| f.rule == rule.id && blocks(f, fail_on)))
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{suite_failures}" errors="0" skipped="{}">"#,
            attr(name),
            report.rules.len() + report.summary.waived,
            report.summary.waived
        )?;
        let file = display_path(name).map(|(p, _)| p).unwrap_or_else(|| name.clone());
        for rule in &report.rules {
            let mut case = format!("{} [{name}]", rule.id);
            // The same snapshot given twice must not produce duplicate names.
            let mut n = 2;
            while !names.insert(case.clone()) {
                case = format!("{} [{name}] #{n}", rule.id);
                n += 1;
            }
            let findings: Vec<&Finding> =
                report.findings.iter().filter(|f| f.rule == rule.id && !f.is_waived()).collect();
            let (blocking, other): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| blocks(f, fail_on));
            write!(
                out,
                r#"    <testcase classname="{}" name="{}" file="{}""#,
                attr(&rule.id),
                attr(&case),
                attr(&file)
            )?;
            if blocking.is_empty() && other.is_empty() {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            if !blocking.is_empty() {
                let failure: Vec<String> = blocking.iter().map(|f| finding_text(f)).collect();
                writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    attr(&format!("{} of {}", plural(blocking.len(), "finding"), rule.id)),
                    rule.severity,
                    text(&failure.join("\n"))
                )?;
            }
            if !other.is_empty() {
                let lines: Vec<String> = other.iter().map(|f| format!("{}: {}", f.severity, finding_text(f))).collect();
                writeln!(out, "      <system-out>{}</system-out>", text(&lines.join("\n")))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        for f in report.waived() {
            write_waived(out, f, report, name, &file, &mut names)?;
        }
        let notes: Vec<String> = report.waiver_notes().map(|(_, n)| format!("{}: {}", n.severity, n.message)).collect();
        if !notes.is_empty() {
            writeln!(out, "    <system-out>{}</system-out>", text(&notes.join("\n")))?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// A waived finding: a skipped test case whose message is the waiver's reason, approver and expiry.
fn write_waived(
    out: &mut dyn Write,
    f: &Finding,
    report: &Report,
    snapshot: &str,
    file: &str,
    names: &mut BTreeSet<String>,
) -> std::io::Result<()> {
    let Some(w) = &f.waiver else { return Ok(()) };
    let mut case = format!("{} [{snapshot}] waived: {} {}", f.rule, f.agent_id, f.fingerprint);
    let mut n = 2;
    while !names.insert(case.clone()) {
        case = format!("{} [{snapshot}] waived: {} {} #{n}", f.rule, f.agent_id, f.fingerprint);
        n += 1;
    }
    writeln!(out, r#"    <testcase classname="{}" name="{}" file="{}">"#, attr(&f.rule), attr(&case), attr(file))?;
    writeln!(
        out,
        r#"      <skipped message="{}">{}</skipped>"#,
        attr(&waiver_text(w, report)),
        text(&format!("{}: {}", f.severity, finding_text(f)))
    )?;
    writeln!(out, "    </testcase>")
}
