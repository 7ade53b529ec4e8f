//! `shiftgate sim`: a local WFM API simulator serving one snapshot until Ctrl-C.

use std::io::Write as _;

use anyhow::Context as _;
use shiftgate_model::Snapshot;
use shiftgate_sim::{ErrorDelivery, FaultPlan, SimConfig, Switches};

use crate::args::SimArgs;
use crate::commands::demo::CHICAGO_WEEK;
use crate::commands::publish::{runtime, CLIENT_ID_ENV, CLIENT_SECRET_ENV};
use crate::exit::{Failure, WithCode, INPUT, OK};
use crate::input::{display_name, read_bytes};
use crate::render::escape::terminal::visible;

/// The test routes, as the simulator documents them.
const TEST_ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/__sim/state", "the live snapshot with current versions"),
    ("GET", "/__sim/attempts", "every write attempt (versions sent, payload hash, outcome)"),
    ("GET", "/__sim/requests", "every request in arrival order (time, status)"),
    ("GET, PUT", "/__sim/faults", "read or replace the fault plan (resets counters)"),
    (
        "GET, PUT",
        "/__sim/switches",
        "{versionConflictAs400, errorDelivery: async|sync, explainConflicts, recordStates, restRequiresAuth}",
    ),
    ("POST", "/__sim/editor", "concurrent editor: {\"action\": \"bump\"|\"timeoff\", \"agentId\"?}"),
    ("POST", "/__sim/seed", "replace the store with a snapshot"),
    ("POST", "/__sim/tokens/expire", "expire every issued token"),
    ("GET", "/__sim/operations/{id}", "outcome of an update operation"),
    ("POST", "/__sim/channels/{id}/closing", "send socket_closing, then close the socket"),
];

pub(crate) fn run(args: &SimArgs) -> Result<u8, Failure> {
    let (bytes, source) = match &args.snapshot {
        Some(p) => (read_bytes(p)?, display_name(p)),
        None => (CHICAGO_WEEK.to_vec(), "the bundled Chicago week".to_string()),
    };
    let snapshot = Snapshot::from_json(&bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{source} is not a valid snapshot"))
        .code(INPUT)?;
    let faults = FaultPlan::parse(args.faults.as_deref().unwrap_or("")).context("--faults").code(INPUT)?;
    let switches = Switches {
        rest_requires_auth: !args.rest_without_auth,
        error_delivery: if args.sync_errors { ErrorDelivery::Sync } else { ErrorDelivery::Async },
        ..Switches::default()
    };
    let config = SimConfig {
        listen: args.listen,
        faults,
        seed: args.seed,
        switches,
        completion_delay: args.processing_time,
        ..SimConfig::default()
    };
    let (id, secret) = (config.client_id.clone(), config.client_secret.clone());
    let plan = config.faults.to_string();
    let (processing, sync_errors, rest_open) = (args.processing_time, args.sync_errors, args.rest_without_auth);
    runtime()?.block_on(async move {
        let sim = shiftgate_sim::start(config, &bytes).await.context("the simulator could not start").code(INPUT)?;
        let url = sim.base_url();
        let s = &snapshot;
        let mut out = std::io::stdout().lock();
        // The first line is the one scripts parse.
        let _ = writeln!(out, "shiftgate sim listening on {url}");
        let _ = writeln!(
            out,
            "  serving {}: business unit {}, schedule {} (week of {}, version {}), {} agents",
            visible(&source),
            visible(&s.business_unit.id),
            visible(&s.schedule.id),
            s.schedule.week_date,
            s.schedule.version.map_or_else(|| "1".to_string(), |v| v.to_string()),
            s.agents.len()
        );
        let _ = writeln!(out, "  Genesys Cloud API flow and the REST contract on that one base URL; Ctrl-C stops it.");
        let _ = writeln!(out, "  OAuth client credentials it accepts: {CLIENT_ID_ENV}={id} {CLIENT_SECRET_ENV}={secret}");
        let _ = writeln!(out, "  faults: {}", if plan.is_empty() { "none" } else { &plan });
        let _ = writeln!(
            out,
            "  updates process for {:?}; failed updates are reported {}; the REST contract {}",
            processing,
            if sync_errors { "synchronously (409 with details, --sync-errors)" } else { "as an Error event (as Genesys does)" },
            if rest_open { "is open to anonymous clients (--rest-without-auth)" } else { "requires a bearer token" }
        );
        let _ = writeln!(out, "\nTry:");
        let _ = writeln!(
            out,
            "  {CLIENT_ID_ENV}={id} {CLIENT_SECRET_ENV}={secret} shiftgate publish --api {url} --business-unit {} --week {} --schedule {} --dry-run",
            visible(&s.business_unit.id), s.schedule.week_date, visible(&s.schedule.id)
        );
        // The REST client buys its bearer token with the same client credentials, at this base URL.
        let _ = writeln!(
            out,
            "  {CLIENT_ID_ENV}={id} {CLIENT_SECRET_ENV}={secret} shiftgate publish --platform rest --api {url} --business-unit {} --week {} --schedule {} --exclude-conflicting-trades",
            visible(&s.business_unit.id), s.schedule.week_date, visible(&s.schedule.id)
        );
        let _ = writeln!(out, "\nTest routes (no auth):");
        for (method, path, what) in TEST_ROUTES {
            let _ = writeln!(out, "  {method:<9} {url}{path:<30} {what}");
        }
        let _ = out.flush();
        drop(out);
        let stopped = tokio::signal::ctrl_c().await;
        sim.shutdown().await;
        stopped.context("cannot wait for Ctrl-C").code(INPUT)?;
        let _ = writeln!(std::io::stdout(), "shiftgate sim stopped");
        Ok(OK)
    })
}
