//! `shiftgate waivers list`: every waiver of the configuration with its status and days left, for review.
//!
//! The configuration is loaded as `check` loads it, so a broken waiver is the same error (exit 2). With a
//! snapshot, the snapshot is checked and each waiver's use in that run is shown (how many findings it waived, or
//! why it waived none: unused, its rule did not run, its agent or tag is unknown), with dates judged in the
//! business unit's zone at the snapshot's `asOf`; without one, at `--as-of` or now, in UTC.

use std::io::Write as _;

use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use shiftgate_check::{Checker, Waiver, WaiverState, WaiverStatus};

use crate::args::{WaiversFormat, WaiversListArgs};
use crate::exit::{Failure, WithCode, INPUT, OK};
use crate::input::{display_name, load_rules_and_library, read_snapshot_and_text};
use crate::render::days_left;
use crate::render::escape::terminal::visible;

/// Where the statuses come from: a check of a snapshot, or the dates alone.
struct Listing {
    as_of: DateTime<Utc>,
    /// `(snapshot name, its zone)` when a snapshot was checked.
    run: Option<(String, String)>,
    statuses: Vec<WaiverStatus>,
}

pub(crate) fn list(args: &WaiversListArgs) -> Result<u8, Failure> {
    let config = args.rules.config.as_ref().ok_or_else(|| {
        anyhow!("waivers list needs --config FILE: the shiftgate.toml whose [[waivers]] (and waivers_file) to review")
    });
    let config_name = visible(&display_name(config.code(INPUT)?)).into_owned();
    let as_of = match &args.as_of {
        Some(s) => Some(
            shiftgate_model::time::parse_instant(s)
                .ok_or_else(|| anyhow!("--as-of {s:?}: expected an RFC 3339 instant such as 2026-11-22T18:00:00-06:00"))
                .code(INPUT)?,
        ),
        None => None,
    };
    let (rules, library) = load_rules_and_library(&args.rules)?;
    let listing = match &args.snapshot {
        Some(path) => {
            let (snapshot, _) = read_snapshot_and_text(path)?;
            let name = display_name(path);
            let zone = snapshot.zone().name().to_string();
            let as_of = as_of.or(snapshot.as_of).unwrap_or_else(Utc::now);
            let report = Checker::new(rules, None).check(snapshot, as_of).map_err(|e| Failure {
                code: crate::exit::of_run_error(&e),
                error: anyhow::Error::new(crate::diagnostics::run_error(&e, &name, &library))
                    .context(format!("checking {} failed closed", visible(&name))),
            })?;
            Listing { as_of, run: Some((name, zone)), statuses: report.waivers }
        }
        None => {
            let as_of = as_of.unwrap_or_else(Utc::now);
            let today = as_of.date_naive();
            let statuses = rules
                .waivers()
                .into_iter()
                .map(|w| {
                    let (state, days_left) = WaiverStatus::state_at(w, today);
                    WaiverStatus { waiver: w.clone(), state, days_left, waived: 0, notes: Vec::new() }
                })
                .collect();
            Listing { as_of, run: None, statuses }
        }
    };
    let mut out = anstream::stdout();
    let text = match args.format {
        WaiversFormat::Human => human(&listing, &config_name),
        WaiversFormat::Json => {
            let mut buf = Vec::new();
            crate::render::escape::json::to_writer_pretty(&mut buf, &document(&listing))
                .context("cannot write")
                .code(INPUT)?;
            buf.push(b'\n');
            String::from_utf8(buf).context("cannot write").code(INPUT)?
        }
    };
    match out.write_all(text.as_bytes()) {
        // `waivers list | head` closes the pipe early: not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write").code(INPUT)?,
    }
    Ok(OK)
}

/// `shiftgate.waivers/1`: the instant, the run (if any) and every waiver with its status; `waived` and `notes`
/// only when a snapshot was checked.
fn document(l: &Listing) -> Value {
    let waivers: Vec<Value> = l
        .statuses
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            if l.run.is_none() {
                if let Some(o) = v.as_object_mut() {
                    o.remove("waived");
                }
            }
            v
        })
        .collect();
    json!({
        "format": "shiftgate.waivers/1",
        "asOf": l.as_of,
        "snapshot": l.run.as_ref().map(|(name, _)| name),
        "timeZone": l.run.as_ref().map_or("UTC", |(_, zone)| zone.as_str()),
        "waivers": waivers,
    })
}

fn human(l: &Listing, config: &str) -> String {
    let today = match &l.run {
        Some((name, zone)) => {
            let day = shiftgate_model::Zone::from_name(zone).map_or(l.as_of.date_naive(), |z| z.local_date(l.as_of));
            format!("{day} in {} (checked {})", visible(zone), visible(name))
        }
        None => format!(
            "{} in UTC (give a snapshot to judge in its zone and see which waivers it uses)",
            l.as_of.date_naive()
        ),
    };
    let count = |state| l.statuses.iter().filter(|s| s.state == state).count();
    let mut text = format!(
        "{config}: {}, judged on {today}: {} active, {} expired, {} not yet in force",
        crate::render::plural(l.statuses.len(), "waiver"),
        count(WaiverState::Active),
        count(WaiverState::Expired),
        count(WaiverState::NotYetInForce)
    );
    if l.run.is_some() {
        let unused = l.statuses.iter().filter(|s| s.state == WaiverState::Active && s.waived == 0).count();
        text.push_str(&format!(", {unused} used by no finding"));
    }
    text.push('\n');
    for s in &l.statuses {
        text.push('\n');
        text.push_str(&entry(s, l.run.is_some()));
    }
    text
}

fn entry(s: &WaiverStatus, ran: bool) -> String {
    let w = &s.waiver;
    let mut status = match s.state {
        WaiverState::Active => format!("active, {} (expires {})", days_left(s.days_left), w.expires),
        WaiverState::Expired => format!("expired on {}, {}: it no longer applies", w.expires, days_left(s.days_left)),
        WaiverState::NotYetInForce => {
            format!("not yet in force: approved from {}; expires {}", w.approved_on, w.expires)
        }
    };
    if ran {
        match (s.state, s.waived, s.notes.first()) {
            (_, n, _) if n > 0 => {
                status.push_str(&format!("; waived {} in this run", crate::render::plural(n, "finding")))
            }
            (WaiverState::Active, _, Some(note)) => status.push_str(&format!("; {}", note_reason(note.kind))),
            _ => {}
        }
    }
    format!(
        "{}: {} for {}\n  {status}\n  dates: {}\n  reason: {}\n  approved by {} on {}\n",
        visible(&w.name()),
        visible(&w.rule),
        visible(&w.scope.to_string()),
        dates(w),
        visible(&w.reason),
        visible(&w.approved_by),
        w.approved_on
    )
}

fn note_reason(kind: shiftgate_check::NoteKind) -> &'static str {
    use shiftgate_check::NoteKind::*;
    match kind {
        Unused => "unused in this run",
        RuleNotRun => "its rule did not run",
        UnknownAgent => "its agent is not in the snapshot",
        UnknownTag => "no agent of the snapshot has its tag",
        Expired | NotYetInForce => "",
    }
}

fn dates(w: &Waiver) -> String {
    match (w.from, w.until) {
        (None, None) => format!("findings up to {} (no date range)", w.expires),
        (Some(f), None) => format!("findings from {f} to {}", w.expires),
        (None, Some(u)) => format!("findings up to {u}"),
        (Some(f), Some(u)) => format!("findings from {f} to {u}"),
    }
}
