//! `--format human`: findings grouped by agent, local times, the cause chain, then the waived findings apart (each
//! with its waiver's reason, approver and expiry), the notes about waivers (expired, unused, ...), and a summary
//! line that counts the waived findings.
//! Colour codes are stripped by `anstream` when the output is not a terminal (or `NO_COLOR` is set). Every string
//! from outside is printed [`visible`]: the only escape sequences are the colours written here.

use std::io::Write;

use super::escape::terminal::visible;
use super::{plural, waiver_text};

use shiftgate_check::{Finding, Report, Severity};
use shiftgate_model::Zone;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Info => "\x1b[1;36m",
    }
}

pub(crate) fn write(
    out: &mut dyn Write,
    reports: &[(String, Report)],
    fail_on: Option<Severity>,
) -> std::io::Result<()> {
    for (name, report) in reports {
        write_one(out, name, report, fail_on)?;
    }
    Ok(())
}

fn write_one(out: &mut dyn Write, name: &str, r: &Report, fail_on: Option<Severity>) -> std::io::Result<()> {
    let zone = Zone::from_name(&r.snapshot.time_zone);
    let as_of = zone.map(|z| z.format_instant(r.as_of)).unwrap_or_else(|| r.as_of.to_rfc3339());
    let name = visible(name);
    writeln!(
        out,
        "{BOLD}{name}{RESET}: schedule {} of business unit {}, week of {} ({}), as of {as_of}",
        visible(&r.snapshot.schedule_id),
        visible(&r.snapshot.business_unit_id),
        visible(&r.snapshot.week_date),
        visible(&r.snapshot.time_zone)
    )?;
    write_grouped(out, r.findings.iter().filter(|f| !f.is_waived()), r)?;
    if r.summary.waived > 0 {
        writeln!(out, "\n{BOLD}Waived{RESET} ({}, never blocking):", plural(r.summary.waived, "finding"))?;
        write_grouped(out, r.waived(), r)?;
    }
    let notes: Vec<_> = r.waiver_notes().collect();
    if !notes.is_empty() {
        writeln!(out, "\n{BOLD}Waivers{RESET}:")?;
        for (_, note) in notes {
            writeln!(
                out,
                "  {}{:<7}{RESET} {}",
                colour(note.severity),
                note.severity.as_str(),
                visible(&note.message)
            )?;
        }
    }
    write_not_judged(out, r)?;
    let s = &r.summary;
    let blocking = fail_on.map(|level| r.at_least(level).count()).unwrap_or(0);
    let verdict = match fail_on {
        None => format!("{DIM}not gating (--fail-on never){RESET}"),
        Some(level) if blocking > 0 => {
            format!("{}FAIL{RESET}: {} at or above {level}", colour(Severity::Error), plural(blocking, "finding"))
        }
        Some(level) => format!("\x1b[1;32mPASS{RESET}: nothing at or above {level}"),
    };
    // Without waivers configured, the count of waived findings is noise.
    let waived = if r.waivers.is_empty() { String::new() } else { format!("; {} waived", s.waived) };
    writeln!(
        out,
        "\n{name}: {}, {}, {} in {} of {} agents{waived}; {} run; {verdict}",
        plural(s.error, "error"),
        plural(s.warning, "warning"),
        plural(s.info, "info"),
        s.agents_with_findings,
        s.agents,
        plural(r.rules.len(), "rule")
    )
}

/// Findings under a heading per agent (they come sorted by agent).
fn write_grouped<'a>(
    out: &mut dyn Write,
    findings: impl Iterator<Item = &'a Finding>,
    r: &Report,
) -> std::io::Result<()> {
    let mut current: Option<&str> = None;
    for f in findings {
        if current != Some(f.agent_id.as_str()) {
            writeln!(out, "\n{BOLD}{}{RESET}", visible(&f.agent_id))?;
            current = Some(&f.agent_id);
        }
        write_finding(out, f)?;
        if let Some(w) = &f.waiver {
            writeln!(out, "          {}", waiver_text(w, r))?;
        }
    }
    Ok(())
}

/// Rules that had nothing to judge (the snapshot's source lacks what they read), one line per reason: their
/// silence must not read as a pass.
fn write_not_judged(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let mut reasons: Vec<&str> = r.not_judged.iter().map(|n| n.reason.as_str()).collect();
    reasons.dedup();
    for reason in reasons {
        let rules: Vec<_> = r.not_judged.iter().filter(|n| n.reason == reason).map(|n| visible(&n.rule)).collect();
        writeln!(out, "\n{DIM}not judged{RESET} ({}): {}", visible(reason), rules.join(", "))?;
    }
    Ok(())
}

fn write_finding(out: &mut dyn Write, f: &Finding) -> std::io::Result<()> {
    let sev = f.severity;
    // A waived finding keeps its severity, without the alarm colour: it does not block.
    let paint = if f.is_waived() { DIM } else { colour(sev) };
    writeln!(out, "  {}{:<7}{RESET} {BOLD}{}{RESET}  {}", paint, sev.as_str(), visible(&f.rule), visible(&f.when))?;
    writeln!(out, "          {}", visible(&f.message))?;
    for (i, c) in f.cause.iter().enumerate() {
        let lead = if i == 0 { "because:" } else { "        " };
        writeln!(out, "          {DIM}{lead}{RESET} {}", visible(c))?;
    }
    Ok(())
}
