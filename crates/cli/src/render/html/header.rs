//! The top of the page, written as HTML by Rust so that it reads without the script: what was checked, the
//! verdict, counts by severity and by rule, the rule packs with their rule hashes, and for `publish` the run's
//! outcome, excluded trades and every write. Every outside string goes through [`text`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Duration;
use shiftgate_check::{Report, Severity};
use shiftgate_model::Snapshot;
use shiftgate_publish::{PublishOutcome, PublishReport, WriteFate};

use crate::render::escape::html::text;
use crate::render::plural;

/// What the page is about, for the header.
pub(crate) struct Context<'a> {
    pub(crate) snapshot: &'a Snapshot,
    pub(crate) report: &'a Report,
    pub(crate) fail_on: Option<Severity>,
    /// The snapshot file, when there is one.
    pub(crate) source: Option<&'a str>,
    pub(crate) publish: Option<&'a PublishReport>,
}

/// The document's title.
pub(crate) fn title(c: &Context<'_>) -> String {
    let s = c.snapshot;
    let unit = if s.business_unit.name.is_empty() { &s.business_unit.id } else { &s.business_unit.name };
    text(&format!("shiftgate: {unit}, schedule {}, week of {}", s.schedule.id, s.schedule.week_date))
}

/// The header element.
pub(crate) fn header(c: &Context<'_>) -> String {
    let mut h = String::with_capacity(8 * 1024);
    h.push_str("<header id=\"sg-header\">\n");
    let _ = writeln!(h, "<h1>{}</h1>", title(c));
    if let Some(p) = c.publish {
        publish_outcome(&mut h, p, Some(timeline_caption(&p.outcome)));
    }
    verdict(&mut h, c);
    facts(&mut h, c);
    counts(&mut h, c.report);
    packs(&mut h, c.report);
    if let Some(p) = c.publish {
        publish_details(&mut h, p);
    }
    h.push_str("</header>\n");
    h
}

fn verdict(h: &mut String, c: &Context<'_>) {
    let r = c.report;
    let total = r.findings.len();
    let (class, words) = match c.fail_on {
        _ if total == 0 => (
            "clean",
            format!(
                "CLEAN: no findings for the {} checked against the {} that ran.",
                plural(r.summary.agents, "agent"),
                plural(r.rules.len(), "rule")
            ),
        ),
        None => ("pass", format!("NOTHING BLOCKS (--fail-on never): {} reported.", plural(total, "finding"))),
        // The renderers' one test of what blocks (where waived findings will be left out once they exist).
        Some(level) => match r.findings.iter().filter(|f| crate::render::blocks(f, c.fail_on)).count() {
            0 => (
                "pass",
                format!(
                    "PASSES: nothing at or above {level} (--fail-on {level}); {} reported.",
                    plural(total, "finding")
                ),
            ),
            n => (
                "blocked",
                format!(
                    "BLOCKED: {} at or above {level} {} publishing (--fail-on {level}).",
                    plural(n, "finding"),
                    if n == 1 { "blocks" } else { "block" }
                ),
            ),
        },
    };
    let _ = writeln!(h, "<p class=\"verdict {class}\" id=\"sg-verdict\">{}</p>", text(&words));
}

fn facts(h: &mut String, c: &Context<'_>) {
    let s = c.snapshot;
    let zone = s.zone();
    let last = s.schedule.week_date + Duration::days(7 * i64::from(s.schedule.week_count) - 1);
    let unit = if s.business_unit.name.is_empty() {
        s.business_unit.id.clone()
    } else {
        format!("{} ({})", s.business_unit.name, s.business_unit.id)
    };
    let version = s.schedule.version.map_or_else(String::new, |v| format!(", version {v}"));
    let state = if s.schedule.published { "published" } else { "draft" };
    let mut rows = vec![
        ("Business unit", unit),
        ("Schedule", format!("{}{version} ({state})", s.schedule.id)),
        ("Week", format!("{} – {}", s.schedule.week_date.format("%a %b %-d"), last.format("%a %b %-d, %Y"))),
        ("Time zone", format!("{} (every time on this page is local)", zone.name())),
        ("As of", format!("{} ({})", zone.format_instant(c.report.as_of), c.report.as_of.to_rfc3339())),
        (
            "Agents",
            format!("{} checked, {} with findings", c.report.summary.agents, c.report.summary.agents_with_findings),
        ),
    ];
    if let Some(src) = c.source {
        rows.push(("Snapshot", src.to_string()));
    }
    h.push_str("<dl class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<div><dt>{k}</dt><dd>{}</dd></div>", text(&v));
    }
    h.push_str("</dl>\n");
}

fn counts(h: &mut String, r: &Report) {
    let s = &r.summary;
    h.push_str("<section class=\"counts\" aria-label=\"Findings by severity and by rule\">\n<ul class=\"sev-counts\">");
    for (sev, n) in [(Severity::Error, s.error), (Severity::Warning, s.warning), (Severity::Info, s.info)] {
        let _ = write!(
            h,
            "<li class=\"sev-{sev}\"><span class=\"sev-mark\" aria-hidden=\"true\"></span>{}</li>",
            plural(n, sev.as_str())
        );
    }
    h.push_str("</ul>\n");
    let mut by_rule: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
    for f in &r.findings {
        let e = by_rule.entry(&f.rule).or_insert((0, f.severity));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
    }
    if !by_rule.is_empty() {
        h.push_str("<ul class=\"by-rule\" aria-label=\"Findings by rule\">\n");
        for (rule, (n, sev)) in &by_rule {
            let pack = r.rules.iter().find(|x| x.id == *rule).map_or("", |x| x.pack.as_str());
            let _ = writeln!(
                h,
                "<li class=\"sev-{sev}\"><span class=\"sev-mark\" aria-hidden=\"true\"></span><b>{n}</b> <code>{}</code> <span class=\"dim\">{sev}, {}</span></li>",
                text(rule),
                text(pack)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

fn packs(h: &mut String, r: &Report) {
    let mut by_pack: BTreeMap<&str, Vec<&shiftgate_check::RuleRef>> = BTreeMap::new();
    for rule in &r.rules {
        by_pack.entry(&rule.pack).or_default().push(rule);
    }
    let names: Vec<String> =
        by_pack.iter().map(|(p, rules)| format!("{p} ({})", plural(rules.len(), "rule"))).collect();
    let _ = writeln!(h, "<details class=\"packs\"><summary>Rule packs: {}</summary>", text(&names.join(", ")));
    h.push_str("<table><thead><tr><th>Pack</th><th>Rule</th><th>Severity</th><th>Version (hash of script and parameters)</th></tr></thead><tbody>\n");
    for (pack, rules) in &by_pack {
        for rule in rules {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                text(pack),
                text(&rule.id),
                rule.severity,
                text(&rule.hash)
            );
        }
    }
    h.push_str("</tbody></table></details>\n");
}

/// The header of a publish run that stopped before any validation (nothing to draw): its outcome and writes.
pub(crate) fn run_only(p: &PublishReport) -> String {
    let mut h = String::with_capacity(4 * 1024);
    h.push_str("<header id=\"sg-header\">\n");
    let _ = writeln!(h, "<h1>{}</h1>", run_title(p));
    publish_outcome(&mut h, p, None);
    h.push_str("<p class=\"verdict pass\" id=\"sg-no-validation\">No validation ran: the run stopped before the week was checked, so there is no timeline to draw.</p>\n");
    publish_details(&mut h, p);
    h.push_str("</header>\n");
    h
}

/// The document's title for a run without a validation.
pub(crate) fn run_title(p: &PublishReport) -> String {
    let t = &p.target;
    text(&format!(
        "shiftgate publish: schedule {} of business unit {}, week of {}",
        t.schedule_id, t.business_unit_id, t.week_id
    ))
}

/// Which validation the page's timeline draws: the last one the run made. After a data conflict that is the
/// re-read after the refusal (what explains it), not the validation the refused write was built on.
fn timeline_caption(outcome: &PublishOutcome) -> &'static str {
    match outcome {
        PublishOutcome::DataConflict => "the latest validation (the re-read after the refusal)",
        _ => "the validation this run acted on (the last one, after exclusions)",
    }
}

/// The run's outcome, on top: what the platform holds now; `timeline` says which validation the page draws (none
/// when the run stopped before validating).
fn publish_outcome(h: &mut String, p: &PublishReport, timeline: Option<&str>) {
    // Styled as the terminal colours it: by what the exit code tells the caller to do.
    let class = match p.outcome.exit_code() {
        0 => "pass",
        4 => "gaveup",
        _ => "blocked",
    };
    let label = p.outcome.label();
    let t = &p.target;
    let _ = writeln!(
        h,
        "<p class=\"outcome {class}\" id=\"sg-outcome\"><strong>{label}</strong>: {}</p>",
        text(&p.live_truth())
    );
    let _ = writeln!(
        h,
        "<p class=\"run\">publish run <code>{}</code> on {} for schedule {} of business unit {}, week of {}{}.{}</p>",
        text(&p.run_id),
        text(&p.platform),
        text(&t.schedule_id),
        text(&t.business_unit_id),
        text(&t.week_id),
        if p.dry_run { " (dry run)" } else { "" },
        timeline.map_or_else(String::new, |t| format!(" The timeline below is {t}."))
    );
}

fn publish_details(h: &mut String, p: &PublishReport) {
    h.push_str("<section class=\"publish\" id=\"sg-publish\" aria-label=\"Publish run\">\n");
    if p.excluded_trades.is_empty() {
        h.push_str("<h2>Excluded trades</h2><p>None.</p>\n");
    } else {
        h.push_str("<h2>Excluded trades</h2><p>Left out of this publish; tell the agents involved why.</p>\n<table class=\"excluded\"><thead><tr><th>Trade</th><th>Why</th></tr></thead><tbody>\n");
        for x in &p.excluded_trades {
            let reasons: Vec<String> = x.reasons.iter().map(|r| text(r)).collect();
            let _ =
                writeln!(h, "<tr><td><code>{}</code></td><td>{}</td></tr>", text(&x.trade_id), reasons.join("<br>"));
        }
        h.push_str("</tbody></table>\n");
    }
    if !p.not_applicable_trades.is_empty() {
        h.push_str("<h2>Trades that cannot apply</h2><p>Approved, but they failed integrity (a shift they name is missing, moved or changed), so they were left out.</p>\n<table class=\"excluded\"><thead><tr><th>Trade</th><th>Why</th></tr></thead><tbody>\n");
        for x in &p.not_applicable_trades {
            let reasons: Vec<String> = x.reasons.iter().map(|r| text(r)).collect();
            let _ =
                writeln!(h, "<tr><td><code>{}</code></td><td>{}</td></tr>", text(&x.trade_id), reasons.join("<br>"));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>Write attempts</h2>\n");
    if p.writes.is_empty() {
        h.push_str("<p>None: nothing was written.</p>\n");
    } else {
        h.push_str("<ol class=\"writes\">\n");
        for w in &p.writes {
            let fate = match w.fate {
                WriteFate::Landed => "landed",
                WriteFate::Refused => "refused",
                WriteFate::NotApplied | WriteFate::Unknown => "unclear",
            };
            let _ = writeln!(h, "<li class=\"write {fate}\">{}</li>", text(&w.line()));
        }
        h.push_str("</ol>\n");
    }
    if !p.story.is_empty() {
        h.push_str("<details><summary>What happened, step by step</summary><ol class=\"story\">\n");
        for line in &p.story {
            let _ = writeln!(h, "<li>{}</li>", text(line.trim_start()));
        }
        h.push_str("</ol></details>\n");
    }
    h.push_str("</section>\n");
}
