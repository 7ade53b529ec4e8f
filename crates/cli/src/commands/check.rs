//! `shiftgate check`: the gate.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use shiftgate_check::{Checker, Report, Severity};

use crate::args::{CheckArgs, FailOn, Format};
use crate::exit::{Failure, WithCode, FINDINGS, INPUT, OK, RULE_FAILED};
use crate::input::{display_name, load_rules, read_snapshot};
use crate::render;

pub(crate) fn run(args: &CheckArgs) -> Result<u8, Failure> {
    let as_of = match &args.as_of {
        Some(s) => Some(
            shiftgate_model::time::parse_instant(s)
                .ok_or_else(|| anyhow!("--as-of {s:?}: expected an RFC 3339 instant such as 2026-11-22T18:00:00-06:00"))
                .code(INPUT)?,
        ),
        None => None,
    };
    if args.snapshots.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(anyhow!("`-` (standard input) can be given only once")).code(INPUT);
    }
    let rules = load_rules(&args.rules)?;
    let checker = Checker::new(rules, args.jobs);
    let fail_on = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };

    let mut reports: Vec<(String, Report)> = Vec::new();
    let mut worst = OK;
    let mut stderr = anstream::stderr();
    for path in &args.snapshots {
        match check_one(&checker, path, as_of) {
            Ok(report) => {
                if fail_on.is_some_and(|s| report.at_least(s).next().is_some()) {
                    worst = worst.max(FINDINGS);
                }
                reports.push((display_name(path), report));
            }
            Err(f) => {
                // One bad snapshot does not hide the reports of the others; the exit code still says it failed.
                let _ = writeln!(stderr, "\x1b[1;31merror\x1b[0m: {:#}", f.error);
                worst = worst.max(f.code);
            }
        }
    }

    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(p) => {
            Box::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display())).code(INPUT)?)
        }
        None => Box::new(anstream::stdout()),
    };
    let written = match args.format {
        Format::Human => render::human::write(&mut out, &reports, fail_on),
        Format::Json => render::json::write(&mut out, &reports),
    };
    match written {
        // `shiftgate check ... | head` closes the pipe early; that is not a failure of the gate.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the report").code(INPUT)?,
    }
    Ok(worst)
}

fn check_one(checker: &Checker, path: &PathBuf, as_of: Option<DateTime<Utc>>) -> Result<Report, Failure> {
    let started = Instant::now();
    let snapshot = read_snapshot(path)?;
    let big = snapshot.agents.len() >= 5_000;
    let mut stderr = anstream::stderr();
    if big {
        let _ = writeln!(
            stderr,
            "{}: read {} agents, {} shifts in {:.1?}; checking {} rules...",
            display_name(path),
            snapshot.agents.len(),
            snapshot.shifts.len(),
            started.elapsed(),
            checker.rules().rules().iter().filter(|r| r.enabled).count()
        );
    }
    let as_of = as_of.or(snapshot.as_of).unwrap_or_else(Utc::now);
    let report = checker
        .check(snapshot, as_of)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("checking {} failed closed", display_name(path)))
        .code(RULE_FAILED)?;
    if big {
        let _ = writeln!(stderr, "{}: done in {:.1?}", display_name(path), started.elapsed());
    }
    Ok(report)
}
