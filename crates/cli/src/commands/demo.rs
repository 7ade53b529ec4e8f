//! `shiftgate demo`: the Sunday-publish incident, end to end, against an embedded simulator.
//!
//! The demo week is the bundled Chicago week minus the agents with problems other than the incident (an overlap,
//! a trade naming a missing shift, ...): no trade exclusion cures those, and the story is about the incident. The
//! agents left out are named in the output. Everything is seeded (simulator, jitter, run ids, the evaluation
//! instant), so the same binary tells the same story every time; only the port and the timings differ.
//!
//! The simulator runs in its strict default mode: on the Genesys flow a refused update is 202 then an `Error`
//! event without a reason, as the platform reports it (research/wfm-api.md §1.6, §6), so the story explains the
//! refusal from the gate's own findings; the REST contract (`--platform rest`) shows the seed's 409 with its
//! `conflicts` list instead. The story: 1 the gate blocks; 2 without the gate the platform refuses; 3 the
//! conflicting trades are left out; 4 a concurrent edit is a stale version, retried after a re-read; 5 published;
//! 6 the job runs again and finds nothing to write.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use secrecy::SecretString;
use serde_json::Value;
use shiftgate_check::{Checker, Finding, Severity};
use shiftgate_gen::{keep_agents, INCIDENT_RULE};
use shiftgate_model::Snapshot;
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::oauth::ClientCredentials;
use shiftgate_publish::rest::{RestAuth, RestClient, RestConfig};
use shiftgate_publish::retry::RetryPolicy;
use shiftgate_publish::{
    explain_conflict, publish, AnyPlatform, AuditLog, HttpSettings, PublishConfig, PublishOutcome, PublishReport,
    SettlePolicy, Target, TokioClock, Validation, WriteReport,
};
use shiftgate_sim::{AttemptOutcome, FaultPlan, SimConfig, SimServer};

use crate::args::{DemoArgs, PlatformKind, RuleArgs};
use crate::commands::publish::{runtime, write_findings, write_story};
use crate::exit::{Failure, WithCode, FINDINGS, INPUT, OK};
use crate::input::load_rules;
use crate::render::escape::terminal::visible;
use crate::validator::CheckerValidator;

/// The bundled Chicago week (fixtures/schedules/chicago-week.json), built into the binary.
pub(crate) const CHICAGO_WEEK: &[u8] = include_bytes!("../../../../fixtures/schedules/chicago-week.json");

/// Seed of the simulator and of the publisher's jitter.
const SEED: u64 = 48;
/// The processing window after an unclear answer. The simulator processes an update in 20 ms: a second is
/// plenty, and keeps a refusal that arrives without a reason (which is only judged when the window is over) from
/// stalling the demo.
const SETTLE: SettlePolicy =
    SettlePolicy { window: Duration::from_secs(1), base: Duration::from_millis(100), cap: Duration::from_millis(400) };

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(crate) fn run(args: &DemoArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let rules = load_rules(&RuleArgs { config: None, rules: None, packs: Vec::new() })?;
    let validator = CheckerValidator::new(Checker::new(rules, None), Some(Severity::Error));
    let week = demo_week(&validator)?;
    runtime()?.block_on(async {
        let config = SimConfig { seed: SEED, ..SimConfig::default() };
        let sim =
            shiftgate_sim::start(config, &week.json).await.context("the simulator could not start").code(INPUT)?;
        let mut out = anstream::stdout();
        let told = tell(&mut out, args, &sim, &validator, &week).await;
        sim.shutdown().await;
        let code = match told {
            Ok(()) => OK,
            Err(Deviation(why)) => {
                let _ = writeln!(out, "\n\x1b[1;31mThe demo did not go as scripted\x1b[0m: {}", visible(&why));
                FINDINGS
            }
        };
        let _ = writeln!(out, "\n{DIM}Done in {:.1} s.{RESET}", started.elapsed().as_secs_f64());
        Ok(code)
    })
}

/// The bundled week with only the incident's problems left.
pub(crate) struct DemoWeek {
    json: Vec<u8>,
    snapshot: Snapshot,
    /// Agents left out, with the rules their findings came from.
    left_out: BTreeMap<String, BTreeSet<String>>,
}

/// Builds the demo week: drops every agent with a finding other than the incident (with their schedules,
/// history, requests and trades), then checks that only the incident is left.
pub(crate) fn demo_week(validator: &CheckerValidator) -> Result<DemoWeek, Failure> {
    let internal = |what: &str| anyhow!("the bundled Chicago week {what}");
    let full = Snapshot::from_json(CHICAGO_WEEK).map_err(|e| internal(&format!("does not load: {e}"))).code(INPUT)?;
    let report = validator.check(&full, &[]).map_err(|e| internal(&format!("fails to check: {e}"))).code(INPUT)?;
    let mut left_out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.rule != INCIDENT_RULE) {
        left_out.entry(f.agent_id.clone()).or_default().insert(f.rule.clone());
    }
    let full_doc: Value = serde_json::from_slice(CHICAGO_WEEK).map_err(|e| internal(&e.to_string())).code(INPUT)?;
    let doc = keep_agents(&full_doc, |id| !left_out.contains_key(id));
    let json = serde_json::to_vec(&doc).map_err(|e| internal(&e.to_string())).code(INPUT)?;
    let snapshot =
        Snapshot::from_json(&json).map_err(|e| internal(&format!("demo cut is invalid: {e}"))).code(INPUT)?;
    let check = validator.check(&snapshot, &[]).map_err(|e| internal(&e.to_string())).code(INPUT)?;
    let only_incident = !check.findings.is_empty()
        && check.findings.iter().all(|f| f.rule == INCIDENT_RULE && f.refs.contains_key("trade"));
    if !only_incident {
        return Err(internal("demo cut does not leave exactly the incident")).code(INPUT);
    }
    Ok(DemoWeek { json, snapshot, left_out })
}

/// The script went off course (a bug somewhere): what was expected.
struct Deviation(String);

fn expect(ok: bool, why: impl FnOnce() -> String) -> Result<(), Deviation> {
    if ok {
        Ok(())
    } else {
        Err(Deviation(why()))
    }
}

fn client(kind: PlatformKind, sim: &SimServer) -> Result<AnyPlatform, Deviation> {
    let defaults = SimConfig::default();
    let http = HttpSettings {
        requests_per_second: 0.0,
        request_timeout: Duration::from_secs(10),
        outcome_timeout: Duration::from_secs(5),
        ..HttpSettings::default()
    };
    let fail = |e: shiftgate_publish::PublishError| Deviation(format!("cannot build the client: {e}"));
    Ok(match kind {
        PlatformKind::Genesys => {
            let mut c =
                GenesysConfig::new(sim.base_url(), defaults.client_id, SecretString::from(defaults.client_secret));
            c.http = http;
            AnyPlatform::Genesys(GenesysClient::new(c).map_err(fail)?)
        }
        PlatformKind::Rest => {
            let mut c = RestConfig::new(sim.base_url());
            c.auth = RestAuth::ClientCredentials(ClientCredentials::new(
                defaults.client_id,
                SecretString::from(defaults.client_secret),
            ));
            c.http = http;
            AnyPlatform::Rest(RestClient::new(c).map_err(fail)?)
        }
    })
}

fn config(s: &Snapshot, run: &str, exclude: bool) -> PublishConfig {
    let target = Target {
        business_unit_id: s.business_unit.id.clone(),
        week_id: s.schedule.week_date.to_string(),
        schedule_id: s.schedule.id.clone(),
    };
    let mut c = PublishConfig::new(target);
    // Fast backoff: the demo's rival writer is a simulator, not a person.
    let fast = RetryPolicy { max_attempts: 5, base: Duration::from_millis(50), cap: Duration::from_millis(400) };
    c.version_conflict = fast;
    c.transient = RetryPolicy { max_attempts: 3, ..fast };
    c.deadline = Duration::from_secs(60);
    c.settle = SETTLE;
    c.exclude_conflicting_trades = exclude;
    c.as_of = s.as_of;
    c.run_id = Some(run.to_string());
    c.jitter_seed = Some(SEED);
    c
}

async fn run_once(
    platform: &AnyPlatform,
    validator: &dyn shiftgate_publish::Validator,
    config: &PublishConfig,
) -> Result<PublishReport, Deviation> {
    let mut audit = AuditLog::in_memory();
    publish(platform, validator, &TokioClock::new(), &mut audit, config)
        .await
        .map_err(|e| Deviation(format!("run {} failed locally: {e}", config.run_id.as_deref().unwrap_or("?"))))
}

fn verbose(out: &mut dyn Write, on: bool, r: &PublishReport) {
    if on {
        let _ = writeln!(out, "   {DIM}publisher's story of run {}:{RESET}", r.run_id);
        let _ = write_story(out, &r.story, "     ");
    }
}

/// What became of each write, in a few words: `write 1 refused, write 2 landed as version 19`.
fn fates(writes: &[WriteReport]) -> String {
    let each: Vec<String> = writes.iter().map(|w| format!("write {} {}", w.attempt, w.fate_words())).collect();
    each.join(", ")
}

/// The live state of the simulator as a snapshot, evaluated at `as_of`.
async fn live(sim: &SimServer, as_of: Option<chrono::DateTime<chrono::Utc>>) -> Result<(Value, Snapshot), Deviation> {
    let doc = serde_json::to_value(sim.state().await).map_err(|e| Deviation(e.to_string()))?;
    let bytes = serde_json::to_vec(&doc).map_err(|e| Deviation(e.to_string()))?;
    let mut s = Snapshot::from_json(&bytes).map_err(|e| Deviation(format!("the live state does not load: {e}")))?;
    s.as_of = as_of;
    Ok((doc, s))
}

/// The shift the simulator's concurrent editor touched, as (agent, shift).
fn edited_shift(doc: &Value) -> Option<(String, String)> {
    for e in doc.get("agentSchedules")?.as_array()? {
        for s in e.get("shifts").and_then(Value::as_array).into_iter().flatten() {
            let touched =
                s.get("activities").and_then(Value::as_array).into_iter().flatten().any(|a| {
                    a.get("description").and_then(Value::as_str).is_some_and(|d| d.contains("concurrent editor"))
                });
            if touched {
                return Some((
                    e.pointer("/user/id").and_then(Value::as_str)?.to_string(),
                    s.get("id")?.as_str()?.to_string(),
                ));
            }
        }
    }
    None
}

async fn tell(
    out: &mut dyn Write,
    args: &DemoArgs,
    sim: &SimServer,
    validator: &CheckerValidator,
    week: &DemoWeek,
) -> Result<(), Deviation> {
    let s = &week.snapshot;
    let platform = client(args.platform, sim)?;
    let flow = match args.platform {
        PlatformKind::Genesys => {
            "the Genesys Cloud flow: OAuth, agent schedules, upload + update, outcome on the notifications websocket; like Genesys, it reports a refused update by an Error event without a reason"
        }
        PlatformKind::Rest => "the REST contract: a bearer token, GET with an ETag, PUT with If-Match",
    };
    let approved = shiftgate_model::approved_in_order(s).len();
    let _ = writeln!(out, "{BOLD}shiftgate demo{RESET}: the Sunday 18:00 publish incident, against a local simulator (nothing leaves this machine)\n");
    let _ = writeln!(out, "Simulator: {} ({flow}).", sim.base_url());
    let _ = writeln!(
        out,
        "Week: {} of {} ({}), week of {}, version {}: {} agents, {} shifts, {approved} approved trades, {} time-off requests.",
        visible(&s.schedule.id),
        visible(&s.business_unit.id),
        visible(&s.business_unit.name),
        s.schedule.week_date,
        s.schedule.version.unwrap_or(1),
        s.agents.len(),
        s.shifts.len(),
        s.time_off.len()
    );
    let left: Vec<String> = week
        .left_out
        .iter()
        .map(|(a, rules)| {
            format!("{} ({})", visible(a), visible(&rules.iter().cloned().collect::<Vec<_>>().join(", ")))
        })
        .collect();
    let _ = writeln!(
        out,
        "{DIM}The bundled Chicago week minus {} agents whose other problems no trade exclusion cures: {}.{RESET}",
        left.len(),
        left.join(", ")
    );

    // 1. The gate meets the incident.
    let r1 = run_once(&platform, validator, &config(s, "demo-1-gate", false)).await?;
    expect(r1.outcome == PublishOutcome::Blocked, || format!("run 1 should be blocked, got {}", r1.outcome.as_str()))?;
    expect(sim.attempts().is_empty(), || "run 1 wrote to the platform".to_string())?;
    let findings = validator.last_findings();
    let blocking: Vec<&Finding> = findings.iter().filter(|f| validator.blocks(f)).collect();
    let _ = writeln!(
        out,
        "\n{BOLD}1. The gate meets the incident.{RESET} shiftgate fetched version {}, applied the {approved} approved trades and checked every agent's week: {} findings block the publish, so nothing was written.",
        r1.fetched_version.unwrap_or_default(),
        blocking.len()
    );
    let _ = write_findings(out, &blocking, "   ", None);
    let _ = writeln!(out, "   In words: an approved swap handed each of these agents a shift on a day they had asked off; the request is still PENDING and the draft does not show it, so the schedule looked fine until the trades were applied.");
    verbose(out, args.verbose, &r1);

    // 2. What the platform says without the gate.
    let blind = |_: &Snapshot, _: &[usize]| Validation::default();
    let r2 = run_once(&platform, &blind, &config(s, "demo-2-no-gate", false)).await?;
    expect(r2.outcome == PublishOutcome::DataConflict, || {
        format!("run 2 (no gate) should meet a data conflict, got {}", r2.outcome.as_str())
    })?;
    without_the_gate(out, sim, validator, s, &r2).await?;
    verbose(out, args.verbose, &r2);

    // 3 + 4. Exclude the conflicting trades; a concurrent edit forces a version conflict on the way.
    sim.set_faults(FaultPlan::parse("409-version@1").map_err(|e| Deviation(e.to_string()))?).await;
    let writes_before = sim.attempts().len();
    let r3 = run_once(&platform, validator, &config(s, "demo-3-exclude", true)).await?;
    let attempts: Vec<_> = sim.attempts().into_iter().skip(writes_before).collect();
    let _ = writeln!(
        out,
        "\n{BOLD}3. Publishing with --exclude-conflicting-trades.{RESET} The {} trades behind those findings are left out and everything else is checked again from scratch: {} blocking findings. Tell these agents their swap waits for the time-off decision:",
        r3.excluded_trades.len(),
        validator.last_findings().iter().filter(|f| validator.blocks(f)).count()
    );
    let mut excluded_trades: Vec<_> = r3.excluded_trades.iter().collect();
    excluded_trades.sort_by(|a, b| a.trade_id.cmp(&b.trade_id));
    for x in excluded_trades {
        let who = s
            .trades
            .iter()
            .find(|t| t.id.as_str() == x.trade_id)
            .map(|t| {
                let to = t.receiving_user.as_ref().map_or("?", |u| u.as_str());
                let kind = if t.receiving_shift.is_some() { "swap" } else { "pick-up" };
                format!("{kind} {} -> {to}", t.initiating_user)
            })
            .unwrap_or_default();
        let why = x.findings.first().map_or_else(String::new, |f| {
            let tor = f.time_off_request_ids.join(", ");
            format!("{} has pending time off {tor} over the shift they would receive", f.agent_id)
        });
        let _ = writeln!(out, "   {BOLD}{}{RESET} ({}): {}", visible(&x.trade_id), visible(&who), visible(&why));
    }
    let incident: BTreeSet<&str> =
        blocking.iter().flat_map(|f| f.refs.get("trade").into_iter().flatten()).map(String::as_str).collect();
    let excluded: BTreeSet<&str> = r3.excluded_trades.iter().map(|x| x.trade_id.as_str()).collect();
    expect(excluded == incident, || format!("run 3 should exclude exactly {incident:?}, excluded {excluded:?}"))?;

    let conflict = attempts
        .iter()
        .find(|a| matches!(a.outcome, AttemptOutcome::VersionMismatch | AttemptOutcome::PreconditionFailed));
    expect(r3.counters.version_conflicts >= 1 && conflict.is_some(), || {
        format!("run 3 should meet a version conflict ({} met); story: {:?}", r3.counters.version_conflicts, r3.story)
    })?;
    let (doc, _) = live(sim, s.as_of).await?;
    let edit = edited_shift(&doc);
    if let Some(a) = conflict {
        let who = edit
            .as_ref()
            .map_or_else(String::new, |(agent, shift)| format!(" (shift {} of {})", visible(shift), visible(agent)));
        let (sent, current) = (a.schedule_version_sent.unwrap_or_default(), a.schedule_version_before);
        let answer = match (a.outcome, a.status) {
            (AttemptOutcome::PreconditionFailed, _) => format!(
                "The platform answered HTTP 412 Precondition Failed, a version mismatch: sent version {sent}, current {current}."
            ),
            (_, 409 | 400) => {
                format!("The platform answered HTTP {}, a version mismatch: sent version {sent}, current {current}.", a.status)
            }
            _ => format!(
                "The update ended with a bare Error event again, but this time the re-read showed version {current}, not the {sent} shiftgate sent: someone else had written in between."
            ),
        };
        let _ = writeln!(
            out,
            "\n{BOLD}4. A concurrent edit.{RESET} Between shiftgate's read and its write, someone changed the schedule{who} (the simulator's concurrent editor). {answer} A stale version is not bad data, so shiftgate backed off, re-read version {current}, re-applied the trades, re-validated ({} blocking) and submitted again; it never resends a payload blindly.",
            validator.last_findings().iter().filter(|f| validator.blocks(f)).count()
        );
    }

    // 5. Published.
    let PublishOutcome::Published { schedule_version, verified: true, .. } = r3.outcome else {
        return Err(Deviation(format!("run 3 should publish and verify, got {}: {:?}", r3.outcome.as_str(), r3.story)));
    };
    expect(edit.is_some(), || {
        "the concurrent edit is missing from the published schedule (a lost update)".to_string()
    })?;
    let moves = r3.diff.as_ref().map_or(0, |d| d.moves.len());
    let _ = writeln!(
        out,
        "\n{BOLD}5. Published.{RESET} Schedule {} is at version {} and published, confirmed by a re-read: {moves} shifts moved by {} trades, the concurrent edit kept; {} (audit chain head {}).",
        visible(&s.schedule.id),
        schedule_version.unwrap_or_default(),
        r3.trades_applied.len(),
        fates(&r3.writes),
        &r3.audit_head[..r3.audit_head.len().min(12)]
    );
    verbose(out, args.verbose, &r3);

    // 6. The job runs again.
    let writes_before = sim.attempts().len();
    let r4 = run_once(&platform, validator, &config(s, "demo-4-again", true)).await?;
    let PublishOutcome::AlreadyPublished { schedule_version: again } = r4.outcome else {
        return Err(Deviation(format!(
            "run 4 should find nothing to write, got {}: {:?}",
            r4.outcome.as_str(),
            r4.story
        )));
    };
    expect(sim.attempts().len() == writes_before && again == schedule_version, || {
        format!("run 4 wrote, or found version {again:?} instead of {schedule_version:?}")
    })?;
    let _ = writeln!(
        out,
        "\n{BOLD}6. The job runs again{RESET} (a re-run, or next Sunday's job resumed): the {} applied trades are already in place and the {} excluded ones still wait, so there is nothing to write: already published at version {}. Exit code 0, and nothing was sent.",
        r4.trades_already_applied.len(),
        r4.excluded_trades.len(),
        again.unwrap_or_default()
    );
    verbose(out, args.verbose, &r4);
    Ok(())
}

/// Step 2: what the platform answers when the gate is off, and how shiftgate still explains it.
async fn without_the_gate(
    out: &mut dyn Write,
    sim: &SimServer,
    validator: &CheckerValidator,
    s: &Snapshot,
    r2: &PublishReport,
) -> Result<(), Deviation> {
    let body = r2.response_body.clone().unwrap_or(Value::Null);
    let (_, fresh) = live(sim, s.as_of).await?;
    let check = validator.check(&fresh, &[]);
    if let Some(code) = body.get("code").and_then(Value::as_str) {
        // The REST contract's 409 names agents and times (the seed's `conflicts` list).
        let explained = explain_conflict(&fresh, &validator.validation(&check), &body);
        let gaps = explained.iter().filter(|e| e.validator_gap).count();
        expect(!explained.is_empty() && gaps == 0, || {
            format!("{gaps} of {} server conflicts are validator gaps", explained.len())
        })?;
        let _ = writeln!(
            out,
            "\n{BOLD}2. Without the gate{RESET} (the old job), the platform answers HTTP 409 {}: it names agents, times and the kind of conflict, but not the trade behind it. A blind retry 30 s later fails the same way, because nothing changed. shiftgate explain-conflict matches each conflict to its root cause ({} of {} explained):",
            visible(code),
            explained.len() - gaps,
            explained.len()
        );
        for e in &explained {
            let _ = writeln!(out, "   {}", visible(&e.summary));
        }
        return Ok(());
    }
    // Genesys reports a failed update as an Error event with no reason (research/wfm-api.md §1.6): the gate's own
    // findings on the fresh read are the explanation.
    let findings = check.as_ref().map(|r| r.findings.clone()).unwrap_or_default();
    let blocking: Vec<&Finding> = findings.iter().filter(|f| validator.blocks(f)).collect();
    expect(!blocking.is_empty(), || "the refused update is not explained by any local finding".to_string())?;
    // The platform's words, shown as text: they come from outside.
    let status = visible(body.get("status").and_then(Value::as_str).unwrap_or("?"));
    let kind = visible(body.get("eventType").and_then(Value::as_str).unwrap_or("?"));
    let _ = writeln!(
        out,
        "\n{BOLD}2. Without the gate{RESET} (the old job), the update goes out. The platform accepts it (202 Processing), then ends it with a bare event, {{\"status\":\"{status}\",\"eventType\":\"{kind}\"}}: no agent, no time, no reason. A blind retry 30 s later fails the same way, because nothing changed. shiftgate does not retry even with its checks off: it re-read until the versions settled (unchanged {} later: refused data, not a stale version), and its own findings on the fresh read explain the refusal: the {} conflicts of step 1.",
        secs(SETTLE.window),
        blocking.len()
    );
    for f in blocking {
        let refs = |k: &str| f.refs.get(k).map(|v| v.join(", ")).unwrap_or_default();
        let _ = writeln!(
            out,
            "   {BOLD}{}{RESET} {}: time off {} is PENDING under the shift trade {} gave them",
            visible(&f.agent_id),
            visible(&f.when),
            visible(&refs("timeOffRequest")),
            visible(&refs("trade"))
        );
    }
    Ok(())
}

/// `1 s`, `1.5 s`.
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}
