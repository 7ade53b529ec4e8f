//! `shiftgate pull`: read the live week the way `publish` does (same flags, same client factory) and write it as
//! a `shiftgate.snapshot/1` file, so the live schedule can be checked with any pack and conflicts explained
//! against it. Reads only; the clock is read here, at the edge, when no `--as-of` is given.

use std::io::Write;

use anyhow::{anyhow, Context as _};
use chrono::{SecondsFormat, Utc};
use serde_json::Value;
use shiftgate_publish::{PlatformClient, PlatformError};

use super::publish::{parse_as_of, platform, runtime};
use crate::args::PullArgs;
use crate::exit::{Failure, WithCode, GAVE_UP, INPUT, OK};
use crate::render::escape::terminal::visible;

pub(crate) fn run(args: &PullArgs) -> Result<u8, Failure> {
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let (client, endpoint) = platform(&args.live)?;
    let target = args.live.target();
    let deadline = std::time::Duration::from_secs(args.deadline);
    let read = runtime()?.block_on(async { tokio::time::timeout(deadline, client.fetch(&target)).await });
    let mut fetched = match read {
        Ok(Ok(f)) => f,
        Err(_) => {
            return Err(anyhow!(
                "pulling schedule {} from {endpoint}: the read did not end within --deadline {} s; try again later",
                target.schedule_id,
                args.deadline
            ))
            .code(GAVE_UP);
        }
        Ok(Err(e)) => {
            let code = if later(&e) { GAVE_UP } else { INPUT };
            return Err(anyhow!("pulling schedule {} from {endpoint}: {e}", target.schedule_id)).code(code);
        }
    };
    let as_of = as_of.unwrap_or_else(Utc::now);
    if let Some(doc) = fetched.document.as_object_mut() {
        doc.insert("asOf".into(), Value::String(as_of.to_rfc3339_opts(SecondsFormat::Secs, true)));
    }
    let mut text =
        serde_json::to_string_pretty(&fetched.document).context("cannot serialise the snapshot").code(INPUT)?;
    text.push('\n');
    let to = if args.output.as_os_str() == "-" {
        "standard output".to_string()
    } else {
        visible(&args.output.display().to_string()).into_owned()
    };
    let written = if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    } else {
        std::fs::write(&args.output, &text)
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.with_context(|| format!("cannot write {to}")).code(INPUT)?,
    }
    let mut err = anstream::stderr();
    match fetched.snapshot() {
        Ok(s) => {
            let _ = writeln!(
                err,
                "Pulled schedule {} version {} from {} into {to}: {} agents, {} shifts, {} time-off requests, {} trades; asOf {}.",
                visible(&s.schedule.id),
                s.schedule.version.map_or_else(|| "(none)".to_string(), |v| v.to_string()),
                visible(&endpoint),
                s.agents.len(),
                s.shifts.len(),
                s.time_off.len(),
                s.trades.len(),
                as_of.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
            Ok(OK)
        }
        Err(e) => Err(anyhow!(
            "the week read from {endpoint} is not a valid snapshot ({e}); it was written to {to} anyway, so `shiftgate check` can show every problem"
        ))
        .code(INPUT),
    }
}

/// Whether asking again later may work: the platform was unreachable, overloaded or rate-limiting, or the schedule
/// kept changing while it was read.
fn later(e: &PlatformError) -> bool {
    e.is_transient() || matches!(e, PlatformError::Http { status: 429, .. })
}
