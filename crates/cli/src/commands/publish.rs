//! `shiftgate publish`: the gate in front of the platform. The state machine lives in `shiftgate-publish`; this
//! module picks the platform and credentials, adapts the checker, and prints the report.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use shiftgate_check::{Checker, Finding, Report, Severity};
use shiftgate_publish::genesys::{GenesysClient, GenesysConfig};
use shiftgate_publish::oauth::ClientCredentials;
use shiftgate_publish::rest::{RestAuth, RestClient, RestConfig};
use shiftgate_publish::{
    publish, AnyPlatform, AuditLog, HttpSettings, PublishConfig, PublishOutcome, PublishReport, Target, TokioClock,
    WriteFate,
};

use crate::args::{FailOn, LiveArgs, PlatformKind, PublishArgs};
use crate::exit::{Failure, WithCode, INPUT, RULE_FAILED};
use crate::input::load_rules;
use crate::render::escape::terminal::{visible, visible_lines};
use crate::render::{plural, waiver_text};
use crate::validator::CheckerValidator;

/// Environment variables holding the credentials (never flags: flags end up in shell history and `ps`).
pub(crate) const CLIENT_ID_ENV: &str = "SHIFTGATE_CLIENT_ID";
pub(crate) const CLIENT_SECRET_ENV: &str = "SHIFTGATE_CLIENT_SECRET";
pub(crate) const TOKEN_ENV: &str = "SHIFTGATE_TOKEN";

/// Genesys Cloud regions and their API hosts (the SDKs' region host tables; research/wfm-api.md §1.1).
const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "https://api.mypurecloud.com"),
    ("us-east-2", "https://api.use2.us-gov-pure.cloud"),
    ("us-west-2", "https://api.usw2.pure.cloud"),
    ("ca-central-1", "https://api.cac1.pure.cloud"),
    ("mx-central-1", "https://api.mxc1.pure.cloud"),
    ("sa-east-1", "https://api.sae1.pure.cloud"),
    ("eu-west-1", "https://api.mypurecloud.ie"),
    ("eu-west-2", "https://api.euw2.pure.cloud"),
    ("eu-central-1", "https://api.mypurecloud.de"),
    ("eu-central-2", "https://api.euc2.pure.cloud"),
    ("me-central-1", "https://api.mec1.pure.cloud"),
    ("ap-south-1", "https://api.aps1.pure.cloud"),
    ("ap-southeast-1", "https://api.apse1.pure.cloud"),
    ("ap-southeast-2", "https://api.mypurecloud.com.au"),
    ("ap-northeast-1", "https://api.mypurecloud.jp"),
    ("ap-northeast-2", "https://api.apne2.pure.cloud"),
    ("ap-northeast-3", "https://api.apne3.pure.cloud"),
];

/// The API host of a region name (`us-east-1` or `us_east_1`, any case).
pub(crate) fn region_host(name: &str) -> Option<&'static str> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    REGIONS.iter().find(|(r, _)| *r == name).map(|(_, h)| *h)
}

pub(crate) fn fail_on_level(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    }
}

pub(crate) fn parse_as_of(s: Option<&str>) -> Result<Option<DateTime<Utc>>, Failure> {
    s.map(|s| {
        shiftgate_model::time::parse_instant(s)
            .ok_or_else(|| anyhow!("--as-of {s:?}: expected an RFC 3339 instant such as 2026-11-22T18:00:00-06:00"))
            .code(INPUT)
    })
    .transpose()
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .code(INPUT)
}

pub(crate) fn run(args: &PublishArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let (platform, endpoint) = platform(&args.live)?;
    crate::input::limit_threads(args.jobs);
    let validator =
        CheckerValidator::new(Checker::new(load_rules(&args.rules)?, args.jobs), fail_on_level(args.fail_on));
    let mut audit = AuditLog::open(&args.audit).code(INPUT)?;
    // Created before the platform is touched, so that an unwritable path stops the run rather than its report.
    let html = args.report.as_deref().map(create_report_file).transpose()?;
    let mut config = PublishConfig::new(args.live.target());
    config.dry_run = args.dry_run;
    config.exclude_conflicting_trades = args.exclude_conflicting_trades;
    config.deadline = Duration::from_secs(args.deadline);
    config.settle.window = Duration::from_secs(args.settle_window);
    config.write_cap = args.max_writes;
    config.as_of = as_of;

    let report = runtime()?
        .block_on(publish(&platform, &validator, &TokioClock::new(), &mut audit, &config))
        .context("the publish run failed locally")
        .code(INPUT)?;

    let failure = validator.rule_failure();
    let published = matches!(report.outcome, PublishOutcome::Published { .. });
    let code = match failure {
        // A failing rule blocks (it names no trade), so nothing of this run was written.
        Some(_) if !published => RULE_FAILED,
        _ => u8::try_from(report.outcome.exit_code()).unwrap_or(INPUT),
    };
    let mut out = anstream::stdout();
    let written = if args.json {
        crate::render::escape::json::to_writer_pretty(&mut out, &report).and_then(|()| writeln!(out))
    } else {
        write_human(&mut out, &report, &endpoint, &validator, &args.audit, code)
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the report").code(INPUT)?,
    }
    if let Some(file) = html {
        write_html_report(file, &report, &validator, fail_on_level(args.fail_on))?;
    }
    if args.timings {
        let _ = write_timings(&mut anstream::stderr(), started.elapsed(), &report);
    }
    if let Some(failure) = failure.filter(|_| !published) {
        let _ = writeln!(
            anstream::stderr(),
            "\x1b[1;31merror\x1b[0m: {}; nothing was written (the gate fails closed)",
            visible(&failure)
        );
    }
    Ok(code)
}

fn create_report_file(path: &Path) -> Result<(std::fs::File, String), Failure> {
    let name = crate::render::escape::terminal::visible(&path.display().to_string()).into_owned();
    let file = std::fs::File::create(path).with_context(|| format!("--report: cannot create {name}")).code(INPUT)?;
    Ok((file, name))
}

/// `--report FILE.html`: the run's outcome, exclusions and writes over the timeline of the validation it acted on.
fn write_html_report(
    (file, name): (std::fs::File, String),
    run: &PublishReport,
    validator: &CheckerValidator,
    fail_on: Option<Severity>,
) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(file);
    let written = match validator.last_week() {
        Some(week) => {
            let page = crate::render::html::Page {
                snapshot: &week.snapshot,
                roster: &week.roster,
                report: &week.report,
                rules: Some(validator.rules()),
                fail_on,
                source: None,
                publish: Some(run),
            };
            crate::render::html::write(&mut out, &page)
        }
        // Stopped before checking (a refused read, say): the page still tells the outcome and the writes.
        None => crate::render::html::write_run_only(&mut out, run),
    };
    written.and_then(|()| out.flush()).with_context(|| format!("--report: cannot write {name}")).code(INPUT)
}

impl LiveArgs {
    /// The schedule these flags name.
    pub(crate) fn target(&self) -> Target {
        Target {
            business_unit_id: self.business_unit.clone(),
            week_id: self.week.clone(),
            schedule_id: self.schedule.clone(),
        }
    }
}

/// The platform client the flags name, and a description of where it points (for the output; never with
/// credentials). Shared by `publish` and `pull`.
pub(crate) fn platform(args: &LiveArgs) -> Result<(AnyPlatform, String), Failure> {
    let rate = args.rate.unwrap_or(0.0);
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(anyhow!("--rate must be a number of requests per second, 0 or more (0: no ceiling)")).code(INPUT);
    }
    let base = match (&args.api, &args.region) {
        (Some(api), _) => api.trim_end_matches('/').to_string(),
        (None, Some(region)) => {
            if args.platform != PlatformKind::Genesys {
                return Err(anyhow!("--region names a Genesys Cloud region; give --api for --platform rest"))
                    .code(INPUT);
            }
            match region_host(region) {
                Some(h) => h.to_string(),
                None => {
                    let known: Vec<&str> = REGIONS.iter().map(|r| r.0).collect();
                    return Err(anyhow!("unknown Genesys Cloud region {region:?}; known: {}", known.join(", ")))
                        .code(INPUT);
                }
            }
        }
        (None, None) => return Err(anyhow!("give --api URL or --region NAME")).code(INPUT),
    };
    let http = HttpSettings { requests_per_second: rate, ..HttpSettings::default() };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = match (env(CLIENT_ID_ENV), env(CLIENT_SECRET_ENV)) {
        (Some(id), Some(secret)) => Some(ClientCredentials::new(id, SecretString::from(secret))),
        (None, None) => None,
        _ => {
            return Err(anyhow!(
                "set both {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (OAuth client credentials), or neither"
            ))
            .code(INPUT)
        }
    };
    match args.platform {
        PlatformKind::Genesys => {
            let Some(credentials) = credentials else {
                return Err(anyhow!(
                    "Genesys Cloud needs OAuth client credentials: set {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} in the environment"
                ))
                .code(INPUT);
            };
            let mut config = GenesysConfig::new(base.clone(), credentials.client_id, credentials.client_secret);
            config.http = http;
            let client = GenesysClient::new(config).code(INPUT)?;
            Ok((AnyPlatform::Genesys(client), format!("genesys {base}")))
        }
        PlatformKind::Rest => {
            let mut config = RestConfig::new(base.clone());
            // A token from the same client credentials, bought at the REST base's own /oauth/token; or the user's
            // token; or none for a server that asks for none. Both would leave unclear which one is meant.
            config.auth = match (env(TOKEN_ENV), credentials) {
                (Some(_), Some(_)) => {
                    return Err(anyhow!(
                        "for --platform rest set either {TOKEN_ENV} (a bearer token) or {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV} (OAuth client credentials), not both"
                    ))
                    .code(INPUT)
                }
                (Some(token), None) => RestAuth::Token(SecretString::from(token)),
                (None, Some(credentials)) => RestAuth::ClientCredentials(credentials),
                (None, None) => RestAuth::None,
            };
            config.http = http;
            let client = RestClient::new(config).code(INPUT)?;
            Ok((AnyPlatform::Rest(client), format!("rest {base}")))
        }
    }
}

/// `--timings`: where the time went, from the report's own timings (the same figures as `--json`'s `timings`),
/// plus what the command did around the run (loading rules, printing).
fn write_timings(out: &mut dyn Write, total: Duration, report: &PublishReport) -> std::io::Result<()> {
    let t = &report.timings;
    let share = |d: Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-9);
    let line = |out: &mut dyn Write, what: &str, d: Duration| {
        writeln!(out, "  {what:<56} {:>9.3} s {:>5.1}%", d.as_secs_f64(), share(d))
    };
    writeln!(out, "timings: total {:.3} s", total.as_secs_f64())?;
    line(out, &format!("platform reads ({}), waits apart", plural(report.counters.fetches as usize, "read")), t.reads)?;
    let validated = format!("validation ({}, {} agents)", plural(t.validations as usize, "run"), t.agents_validated);
    line(out, &validated, t.validation)?;
    line(out, "building payloads", t.payload)?;
    line(
        out,
        &format!("platform writes ({}), waits apart", plural(report.counters.writes as usize, "attempt")),
        t.writes,
    )?;
    for w in &t.waits {
        line(out, w.kind.describe(), w.total)?;
    }
    line(out, "publish bookkeeping (trades for the story, diff, audit)", t.other())?;
    line(out, "rules loading, output", total.saturating_sub(t.total))?;
    writeln!(out, "requests: {} ({} answered 429)", t.requests, t.rate_limited)?;
    for r in &t.routes {
        let limited = if r.rate_limited > 0 { format!(" ({} answered 429)", r.rate_limited) } else { String::new() };
        writeln!(out, "  {:<64} {:>6}{limited}", r.route, r.requests)?;
    }
    Ok(())
}

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
/// Diff lines shown before "... and N more" (the JSON report has them all).
const DIFF_LINES: usize = 40;
/// Findings shown before "... and N more" (the JSON report and the HTML page have them all).
const FINDINGS_SHOWN: usize = 30;
/// Trades with their reasons shown before the rest are only counted (the JSON report has them all).
const TRADES_SHOWN: usize = 10;

/// A list of trades left out, with reasons: the first [`TRADES_SHOWN`], then the count of the rest and of the
/// rules that named them.
fn write_trades(
    out: &mut dyn Write,
    trades: &[shiftgate_publish::ExcludedTrade],
    title: &str,
    what: &str,
) -> std::io::Result<()> {
    if trades.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{BOLD}{title}{RESET} ({}; {what}):", plural(trades.len(), "trade"))?;
    for x in trades.iter().take(TRADES_SHOWN) {
        writeln!(out, "  {BOLD}{}{RESET}: {}", visible(&x.trade_id), visible(&x.reasons.join("; ")))?;
    }
    if trades.len() > TRADES_SHOWN {
        let mut rules: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for f in trades[TRADES_SHOWN..].iter().flat_map(|t| &t.findings) {
            *rules.entry(f.rule.as_str()).or_default() += 1;
        }
        let by_rule: Vec<String> = rules.iter().map(|(r, n)| format!("{} ×{n}", visible(r))).collect();
        writeln!(
            out,
            "  {DIM}... and {} more ({}; --json lists each with its reasons){RESET}",
            trades.len() - TRADES_SHOWN,
            by_rule.join(", ")
        )?;
    }
    Ok(())
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Info => "\x1b[1;36m",
    }
}

/// Findings grouped by agent, as `check` prints them; a waived one with its waiver (reason, approver, expiry and,
/// given the report it comes from, the days left).
pub(crate) fn write_findings(
    out: &mut dyn Write,
    findings: &[&Finding],
    indent: &str,
    report: Option<&Report>,
) -> std::io::Result<()> {
    let mut current: Option<&str> = None;
    for f in findings {
        if current != Some(f.agent_id.as_str()) {
            writeln!(out, "{indent}{BOLD}{}{RESET}", visible(&f.agent_id))?;
            current = Some(&f.agent_id);
        }
        let sev = f.severity;
        writeln!(
            out,
            "{indent}  {}{:<7}{RESET} {BOLD}{}{RESET}  {}",
            severity_colour(sev),
            sev.as_str(),
            visible(&f.rule),
            visible(&f.when)
        )?;
        writeln!(out, "{indent}          {}", visible(&f.message))?;
        for (i, c) in f.cause.iter().enumerate() {
            let lead = if i == 0 { "because:" } else { "        " };
            writeln!(out, "{indent}          {DIM}{lead}{RESET} {}", visible(c))?;
        }
        if let Some(w) = &f.waiver {
            let text = match report {
                Some(r) => waiver_text(w, r),
                None => format!("waived by {}: {}", visible(&w.name()), visible(&w.reason)),
            };
            writeln!(out, "{indent}          {text}")?;
        }
    }
    Ok(())
}

/// The publisher's story, numbered; its indented lines (the findings behind a step) continue the step above.
pub(crate) fn write_story(out: &mut dyn Write, story: &[String], indent: &str) -> std::io::Result<()> {
    let mut n = 0;
    for line in story {
        // Story lines quote platform answers and rule messages.
        let shown = visible(line);
        if line.starts_with(' ') {
            writeln!(out, "{indent}    {shown}")?;
        } else {
            n += 1;
            writeln!(out, "{indent}{n:>2}. {shown}")?;
        }
    }
    Ok(())
}

/// The outcome in one line: what the platform holds now, as far as the run knows.
pub(crate) fn outcome_line(report: &PublishReport) -> String {
    // Green when our payload is live (or nothing blocks a dry run), yellow when only time can help, red otherwise.
    let colour = match report.outcome.exit_code() {
        0 => "\x1b[1;32m",
        4 => "\x1b[1;33m",
        _ => "\x1b[1;31m",
    };
    let later = if matches!(report.outcome, PublishOutcome::GaveUp { .. }) { "; try again later" } else { "" };
    // Cut first, then escape each line: escaping turns a line break into a visible `\n`, so cutting after it
    // would see one endless line.
    let truth = first_lines(&report.live_truth(), OUTCOME_LINES);
    format!("{colour}{}{RESET}: {}{later}", report.outcome.label(), visible_lines(&truth))
}

/// Lines of a long outcome (an invalid live schedule lists every problem) shown before the rest are counted.
const OUTCOME_LINES: usize = 6;

/// `text` cut to its first `n` lines, then how many more there are (the --json report has them all).
fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= n {
        return text.to_string();
    }
    format!("{}\n  ... and {} more lines (the --json report has them all)", lines[..n].join("\n"), lines.len() - n)
}

/// The outcome line, then what happened to each write that was sent.
pub(crate) fn write_outcome(out: &mut dyn Write, report: &PublishReport) -> std::io::Result<()> {
    writeln!(out, "{}", outcome_line(report))?;
    for w in &report.writes {
        let colour = match w.fate {
            WriteFate::Landed => "\x1b[32m",
            WriteFate::Refused => "\x1b[31m",
            WriteFate::NotApplied | WriteFate::Unknown => "\x1b[33m",
        };
        writeln!(out, "  {colour}{}{RESET}", visible(&w.line()))?;
    }
    Ok(())
}

/// What the payload changes (or would change), shortened to [`DIFF_LINES`].
fn write_changes(out: &mut dyn Write, r: &PublishReport) -> std::io::Result<()> {
    let Some(diff) = &r.diff else { return Ok(()) };
    if diff.is_empty() {
        let why = match r.outcome {
            PublishOutcome::AlreadyPublished { .. } => "; the live schedule already is what this run would write",
            _ => "",
        };
        return writeln!(out, "\n{BOLD}Changes{RESET}: none{why}.");
    }
    let verb = if r.writes.iter().any(|w| w.fate == WriteFate::Landed) { "submitted" } else { "would submit" };
    let lines = diff.lines();
    writeln!(
        out,
        "\n{BOLD}Changes{RESET} ({verb}: {} moved by {}):",
        plural(diff.moves.len(), "shift"),
        plural(r.trades_applied.len(), "trade")
    )?;
    for l in lines.iter().take(DIFF_LINES) {
        writeln!(out, "  {}", visible(l))?;
    }
    if lines.len() > DIFF_LINES {
        writeln!(out, "  {DIM}... and {} more (the --json report lists them all){RESET}", lines.len() - DIFF_LINES)?;
    }
    Ok(())
}

fn write_human(
    out: &mut dyn Write,
    r: &PublishReport,
    endpoint: &str,
    validator: &CheckerValidator,
    audit: &Path,
    code: u8,
) -> std::io::Result<()> {
    let t = &r.target;
    writeln!(
        out,
        "{BOLD}shiftgate publish{RESET}: schedule {} of business unit {}, week of {}, on {}{}",
        visible(&t.schedule_id),
        visible(&t.business_unit_id),
        visible(&t.week_id),
        visible(endpoint),
        if r.dry_run { " (dry run)" } else { "" }
    )?;
    let findings = validator.last_findings();
    if !findings.is_empty() {
        // Waived findings are counted and listed apart, as `check` does: they never block.
        let (waived, open): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| f.is_waived());
        let count = |s: Severity| open.iter().filter(|f| f.severity == s).count();
        let blocking = open.iter().filter(|f| validator.blocks(f)).count();
        let waived_count = if waived.is_empty() { String::new() } else { format!("; {} waived", waived.len()) };
        writeln!(
            out,
            "\n{BOLD}Findings{RESET}: {}, {}, {}; {} publishing{waived_count}",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Info), "info"),
            if blocking == 1 { "1 blocks".to_string() } else { format!("{blocking} block") }
        )?;
        let week = validator.last_week();
        let report = week.as_ref().map(|w| &w.report);
        // Blocking findings first; a long list is cut (the --json report and --report page have them all).
        let mut shown: Vec<&Finding> = open.iter().copied().filter(|f| validator.blocks(f)).collect();
        shown.extend(open.iter().copied().filter(|f| !validator.blocks(f)));
        let more = shown.len().saturating_sub(FINDINGS_SHOWN);
        shown.truncate(FINDINGS_SHOWN);
        shown.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        write_findings(out, &shown, "  ", report)?;
        if more > 0 {
            writeln!(out, "  {DIM}... and {more} more findings (--json and --report list them all){RESET}")?;
        }
        if !waived.is_empty() {
            writeln!(out, "\n{BOLD}Waived{RESET} ({}, never blocking):", plural(waived.len(), "finding"))?;
            write_findings(out, &waived[..waived.len().min(FINDINGS_SHOWN)], "  ", report)?;
            if waived.len() > FINDINGS_SHOWN {
                let more = waived.len() - FINDINGS_SHOWN;
                writeln!(out, "  {DIM}... and {more} more waived findings (--json and --report list them all){RESET}")?;
            }
        }
    }
    write_trades(
        out,
        &r.excluded_trades,
        "Excluded trades",
        "left out of this publish for blocking findings; tell the agents involved why",
    )?;
    write_trades(
        out,
        &r.not_applicable_trades,
        "Trades that cannot apply",
        "approved, but they failed integrity: a shift they name is missing, moved or changed",
    )?;
    write_changes(out, r)?;
    if !r.conflicts.is_empty() {
        writeln!(out, "\n{BOLD}Server conflicts{RESET}:")?;
        for c in &r.conflicts {
            writeln!(out, "  {}", visible(&c.summary))?;
            for cause in &c.root_cause {
                writeln!(out, "    {DIM}because:{RESET} {}", visible(cause))?;
            }
        }
    }
    writeln!(out, "\n{BOLD}What happened{RESET}:")?;
    write_story(out, &r.story, "  ")?;
    writeln!(out)?;
    write_outcome(out, r)?;
    writeln!(
        out,
        "{DIM}run {}; audit {} (head {}); exit code {}{RESET}",
        visible(&r.run_id),
        visible(&audit.display().to_string()),
        &r.audit_head[..r.audit_head.len().min(12)],
        code
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shiftgate_publish::fake::{FakePlatform, WriteFault};
    use shiftgate_publish::{PublishFinding, SettlePolicy, Validation};

    /// a-100 and a-200 swap s-1 and s-9 (approved trade tr-4); schedule version 17, unpublished.
    fn swap_week() -> serde_json::Value {
        json!({"format": "shiftgate.snapshot/1",
          "businessUnit": {"id": "bu-chi", "timeZone": "America/Chicago"},
          "schedule": {"id": "sch-48", "weekDate": "2026-11-29", "published": false, "metadata": {"version": 17}},
          "activityCodes": [{"id": "0", "category": "OnQueueWork"}],
          "agents": [{"id": "a-100"}, {"id": "a-200"}],
          "agentSchedules": [
            {"user": {"id": "a-100"}, "metadata": {"version": 4},
             "shifts": [{"id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 480}]},
            {"user": {"id": "a-200"}, "metadata": {"version": 9},
             "shifts": [{"id": "s-9", "startDate": "2026-12-02T14:00:00Z", "lengthMinutes": 480}]}],
          "shiftTrades": [{"id": "tr-4", "state": "Approved", "initiatingUser": {"id": "a-100"}, "initiatingShiftId": "s-1",
            "receivingUser": {"id": "a-200"}, "receivingShiftId": "s-9", "reviewedDate": "2026-11-20T16:00:00Z"}]})
    }

    fn run_on(fake: &FakePlatform, validator: &dyn shiftgate_publish::Validator) -> PublishReport {
        let target =
            Target { business_unit_id: "bu-chi".into(), week_id: "2026-11-29".into(), schedule_id: "sch-48".into() };
        let mut config = PublishConfig::new(target);
        config.run_id = Some("run-test".into());
        config.jitter_seed = Some(1);
        config.transient.base = Duration::from_millis(1);
        config.rate_limit.jitter = Duration::ZERO;
        // Real time: a millisecond-sized processing window.
        config.settle = SettlePolicy {
            window: Duration::from_millis(20),
            base: Duration::from_millis(2),
            cap: Duration::from_millis(5),
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(publish(fake, validator, &TokioClock::new(), &mut AuditLog::in_memory(), &config)).unwrap()
    }

    fn outcome_text(r: &PublishReport) -> String {
        let mut out = Vec::new();
        write_outcome(&mut out, r).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Without colour, and with the window's measured milliseconds out of the way.
        let plain: String = text
            .split('\x1b')
            .enumerate()
            .map(|(i, p)| if i == 0 { p } else { p.split_once('m').map_or(p, |x| x.1) })
            .collect();
        plain
    }

    fn nothing(_: &shiftgate_model::Snapshot, _: &[usize]) -> Validation {
        Validation::default()
    }

    #[test]
    fn the_outcome_states_the_live_truth_then_every_write() {
        let fake = FakePlatform::new(swap_week());
        fake.script_writes([WriteFault::RateLimit(Some("0".into())), WriteFault::Unavailable(None)]);
        let r = run_on(&fake, &nothing);
        insta::assert_snapshot!(outcome_text(&r));

        // Run again: nothing to write, and it says so.
        let again = run_on(&fake, &nothing);
        assert_eq!(
            outcome_text(&again),
            "ALREADY PUBLISHED: schedule sch-48 is already published at version 18 as this run would leave it; nothing was written\n"
        );
    }

    #[test]
    fn nothing_was_written_only_when_nothing_was_sent() {
        let blocking = |s: &shiftgate_model::Snapshot, _: &[usize]| Validation {
            findings: vec![PublishFinding {
                rule: "core.timeoff.conflict".into(),
                severity: "error".into(),
                blocking: true,
                agent_id: "a-200".into(),
                start: s.as_of.unwrap_or_default(),
                end: s.as_of.unwrap_or_default(),
                message: "shift s-1 overlaps time-off tor-9".into(),
                trade_ids: Vec::new(),
                time_off_request_ids: Vec::new(),
                shift_ids: Vec::new(),
                cause: Vec::new(),
                waiver: None,
            }],
        };
        let r = run_on(&FakePlatform::new(swap_week()), &blocking);
        assert_eq!(outcome_text(&r), "BLOCKED: findings block the publish; nothing was written\n");

        // Refused without a reason, after the window: a write was sent, so the line never says nothing was.
        let fake = FakePlatform::new(swap_week());
        fake.script_writes([WriteFault::AsyncError]);
        let r = run_on(&fake, &nothing);
        let text = outcome_text(&r);
        assert!(text.starts_with("DATA CONFLICT: the platform refused the schedule's data; it was not resent; the live schedule is at version 17, without our payload\n"), "{text}");
        assert!(text.contains("\n  write 1 (version 17, payload sha256:") && text.contains("): refused: the update ended with an Error event, no reason given; the versions are unchanged 20 ms later"), "{text}");
        assert!(!text.contains("nothing was written"), "{text}");
    }

    #[test]
    fn an_invalid_live_schedule_is_told_in_a_few_lines_each_made_visible() {
        // A live schedule with 120 problems, the first carrying terminal escape codes from the platform.
        let mut r = run_on(&FakePlatform::new(swap_week()), &nothing);
        let mut detail: String = (1..=120).map(|i| format!("agentSchedules[{i}]: problem {i}\n")).collect();
        detail.insert_str(0, "agents[0].id: \u{1b}[31mred\u{1b}[0m\n");
        r.outcome = PublishOutcome::Rejected { step: shiftgate_publish::Step::Fetch, status: None, code: None, detail };
        let line = outcome_line(&r);
        assert_eq!(line.lines().count(), OUTCOME_LINES + 1, "cut to a few lines, then a count: {line}");
        // 121 problem lines, and the line the outcome adds ("nothing was written"): 6 shown, 116 counted.
        assert!(line.contains("... and 116 more lines"), "{line}");
        assert!(!line.contains("\u{1b}[31mred"), "escape codes from outside shown raw: {line}");
        assert!(line.contains("agents[0].id: \\u{1b}[31mred"), "{line}");
    }

    #[test]
    fn a_long_outcome_shows_its_first_lines_then_a_count() {
        let text: String = (1..=120).map(|i| format!("problem {i}\n")).collect();
        let shown = first_lines(&text, OUTCOME_LINES);
        assert_eq!(shown.lines().count(), OUTCOME_LINES + 1, "{shown}");
        assert!(shown.starts_with("problem 1\nproblem 2\n"), "{shown}");
        assert!(shown.ends_with("... and 114 more lines (the --json report has them all)"), "{shown}");
        assert_eq!(first_lines("one\ntwo", OUTCOME_LINES), "one\ntwo");
    }

    #[test]
    fn regions_map_to_the_real_hosts() {
        assert_eq!(region_host("us-east-1"), Some("https://api.mypurecloud.com"));
        assert_eq!(region_host("EU_WEST_1"), Some("https://api.mypurecloud.ie"));
        assert_eq!(region_host("ap-southeast-2"), Some("https://api.mypurecloud.com.au"));
        assert_eq!(region_host("us-east-2"), Some("https://api.use2.us-gov-pure.cloud"));
        assert_eq!(region_host("mars-1"), None);
    }
}
