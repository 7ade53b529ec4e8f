//! `shiftgate check`: the gate.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use shiftgate_check::{Checker, Report, RuleLibrary, Severity};
use shiftgate_model::{apply_trades, Roster, Snapshot};

use crate::args::{CheckArgs, FailOn, Format};
use crate::exit::{Failure, WithCode, FINDINGS, INPUT, OK};
use crate::input::{display_name, load_rules_and_library, read_snapshot_and_text};
use crate::locate::Locator;
use crate::render;
use crate::render::escape::terminal::{visible, visible_lines};

/// A checked snapshot with the roster the checker ran on (what the HTML page draws).
type Week = (Arc<Snapshot>, Arc<Roster>);

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
    if args.format == Format::Html && args.snapshots.len() > 1 {
        return Err(anyhow!("--format html draws one week per page: give one snapshot (run once per snapshot)"))
            .code(INPUT);
    }
    let (rules, library) = load_rules_and_library(&args.rules)?;
    crate::input::limit_threads(args.jobs);
    let checker = Checker::new(rules, args.jobs);
    let fail_on = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };

    let mut reports: Vec<(String, Report)> = Vec::new();
    // SARIF and GitHub annotations point into the snapshot file.
    let locate = matches!(args.format, Format::Sarif | Format::Github);
    let mut locators: Vec<Locator> = Vec::new();
    // The HTML page draws the week the checker saw: the snapshot and the roster it ran on.
    let keep_week = args.format == Format::Html;
    let mut weeks: Vec<Week> = Vec::new();
    let mut worst = OK;
    let mut stderr = anstream::stderr();
    for path in &args.snapshots {
        match check_one(&checker, &library, path, as_of, locate) {
            Ok((report, locator, week)) => {
                locators.push(locator);
                if keep_week {
                    weeks.push(week);
                }
                if fail_on.is_some_and(|s| report.at_least(s).next().is_some()) {
                    worst = worst.max(FINDINGS);
                }
                reports.push((display_name(path), report));
            }
            Err(f) => {
                // One bad snapshot does not hide the reports of the others; the exit code still says it failed.
                match f.error.downcast_ref::<crate::diagnostics::ScriptDiagnostic>() {
                    Some(d) => {
                        let _ = stderr.write_all(crate::diagnostics::render(d).as_bytes());
                    }
                    None => {
                        let _ =
                            writeln!(stderr, "\x1b[1;31merror\x1b[0m: {}", visible_lines(&format!("{:#}", f.error)));
                    }
                }
                worst = worst.max(f.code);
            }
        }
    }

    if keep_week && reports.is_empty() {
        // Nothing was checked (the error is on stderr): no page rather than an empty one.
        return Ok(worst);
    }
    let out: Box<dyn std::io::Write> = match &args.output {
        Some(p) => Box::new(
            std::fs::File::create(p)
                .with_context(|| format!("cannot create {}", visible(&p.display().to_string())))
                .code(INPUT)?,
        ),
        None => Box::new(anstream::stdout()),
    };
    // Reports of large weeks run to many megabytes: write through one buffer, not one syscall per line.
    let mut out = std::io::BufWriter::new(out);
    let written = match args.format {
        Format::Human => render::human::write(&mut out, &reports, fail_on),
        Format::Json => render::json::write(&mut out, &reports),
        Format::Sarif => render::sarif::write(&mut out, &reports, &locators, checker.rules()),
        Format::Junit => render::junit::write(&mut out, &reports, fail_on),
        Format::Github => render::github::write(&mut out, &reports, &locators, fail_on),
        Format::Html => {
            let ((name, report), (snapshot, roster)) = (&reports[0], &weeks[0]);
            let page = render::html::Page {
                snapshot,
                roster,
                report,
                rules: Some(checker.rules()),
                fail_on,
                source: Some(name),
                publish: None,
            };
            render::html::write(&mut out, &page)
        }
    };
    let written = written.and_then(|()| std::io::Write::flush(&mut out));
    match written {
        // `shiftgate check ... | head` closes the pipe early; that is not a failure of the gate.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the report").code(INPUT)?,
    }
    Ok(worst)
}

fn check_one(
    checker: &Checker,
    library: &RuleLibrary,
    path: &Path,
    as_of: Option<DateTime<Utc>>,
    locate: bool,
) -> Result<(Report, Locator, Week), Failure> {
    let started = Instant::now();
    let (snapshot, text) = read_snapshot_and_text(path)?;
    let locator = if locate { Locator::new(&text) } else { Locator::default() };
    drop(text);
    let big = snapshot.agents.len() >= 5_000;
    let mut stderr = anstream::stderr();
    let name = display_name(path);
    if big {
        let _ = writeln!(
            stderr,
            "{}: read {} agents, {} shifts in {:.1?}; checking {} rules...",
            visible(&name),
            snapshot.agents.len(),
            snapshot.shifts.len(),
            started.elapsed(),
            checker.rules().rules().iter().filter(|r| r.enabled).count()
        );
    }
    let as_of = as_of.or(snapshot.as_of).unwrap_or_else(Utc::now);
    let roster = Arc::new(apply_trades(&snapshot));
    let report = checker.check_roster(snapshot.clone(), roster.clone(), as_of).map_err(|e| Failure {
        code: crate::exit::of_run_error(&e),
        error: anyhow::Error::new(crate::diagnostics::run_error(&e, &name, library))
            .context(format!("checking {} failed closed", visible(&name))),
    })?;
    if big {
        let _ = writeln!(stderr, "{}: done in {:.1?}", visible(&name), started.elapsed());
    }
    Ok((report, locator, (snapshot, roster)))
}
