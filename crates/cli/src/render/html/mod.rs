//! `--format html` and `publish --report`: one self-contained page per checked week, for supervisors.
//!
//! The tour:
//! - [`data`] turns the snapshot, the roster the checker ran on and its report into the page's data (a JSON
//!   block): days at their real length, each agent's shifts with activities, history, full-day markers, time-off
//!   requests, shifts traded in and away, and the report's findings as they are (nothing is recomputed); [`days`]
//!   the local days at their real length, the clock changes and the zone's offsets, from the time module.
//! - [`header`] writes the top of the page as HTML: what was checked, the verdict, counts, rule packs with their
//!   hashes and, for `publish`, the outcome, excluded trades and every write.
//! - `assets/report.css` and `assets/report.js` are inlined: the script draws the timeline rows lazily, the
//!   filters, the search, the findings table and the tooltips, inserting every string as text.
//!
//! The page loads nothing: a Content-Security-Policy meta tag allows no source at all (`default-src 'none'`)
//! except the page's own style and script, named by their SHA-256 hashes. The data block is escaped by
//! [`escape::html::script_json`] so that no input can end it.

mod data;
mod days;
mod header;

use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use shiftgate_check::{Report, RuleSet, Severity};
use shiftgate_model::{Roster, Snapshot};
use shiftgate_publish::PublishReport;

use crate::render::escape;

const STYLE: &str = include_str!("assets/report.css");
const SCRIPT: &str = include_str!("assets/report.js");

/// Everything one page shows.
pub(crate) struct Page<'a> {
    /// The checked snapshot.
    pub(crate) snapshot: &'a Snapshot,
    /// The roster the checker ran on (trades applied, some perhaps excluded).
    pub(crate) roster: &'a Roster,
    /// The checker's report on it.
    pub(crate) report: &'a Report,
    /// The rules that ran (for their titles), when at hand.
    pub(crate) rules: Option<&'a RuleSet>,
    /// `--fail-on`.
    pub(crate) fail_on: Option<Severity>,
    /// The snapshot file, when there is one.
    pub(crate) source: Option<&'a str>,
    /// The publish run the validation belongs to.
    pub(crate) publish: Option<&'a PublishReport>,
}

/// The Content-Security-Policy of the page: nothing may load; only the page's own style and script run.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src 'none'; font-src 'none'; connect-src 'none'; \
         base-uri 'none'; form-action 'none'",
        hash(SCRIPT),
        hash(STYLE)
    )
}

fn hash(inline: &str) -> String {
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(inline.as_bytes())))
}

/// Writes the page.
pub(crate) fn write(out: &mut dyn Write, page: &Page<'_>) -> io::Result<()> {
    let context = header::Context {
        snapshot: page.snapshot,
        report: page.report,
        fail_on: page.fail_on,
        source: page.source,
        publish: page.publish,
    };
    let data = data::build(page.snapshot, page.roster, page.report, page.rules);
    let json = escape::html::script_json(&data).map_err(io::Error::from)?;
    write_head(out, &header::title(&context))?;
    out.write_all(b"<a class=\"skip\" href=\"#sg-tl\">Skip to the timeline</a>\n")?;
    out.write_all(header::header(&context).as_bytes())?;
    out.write_all(BODY.as_bytes())?;
    write!(out, "<script type=\"application/json\" id=\"sg-data\">{json}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
}

/// Writes the page of a publish run that stopped before any validation: its outcome, exclusions and writes only.
pub(crate) fn write_run_only(out: &mut dyn Write, run: &PublishReport) -> io::Result<()> {
    write_head(out, &header::run_title(run))?;
    out.write_all(header::run_only(run).as_bytes())?;
    out.write_all(b"</body>\n</html>\n")
}

/// The document up to the start of its body.
fn write_head(out: &mut dyn Write, title: &str) -> io::Result<()> {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"shiftgate {version}\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        csp = content_security_policy(),
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// The static part of the page: controls, legend, the timeline's frame and the findings table.
const BODY: &str = r##"<main>
<form id="sg-controls" class="controls" role="search" aria-label="Filter the findings">
<fieldset><legend>Severity</legend>
<label><input type="checkbox" name="sev" value="error" checked> <span class="sev-error"><span class="sev-mark" aria-hidden="true"></span>errors</span></label>
<label><input type="checkbox" name="sev" value="warning" checked> <span class="sev-warning"><span class="sev-mark" aria-hidden="true"></span>warnings</span></label>
<label><input type="checkbox" name="sev" value="info" checked> <span class="sev-info"><span class="sev-mark" aria-hidden="true"></span>infos</span></label>
</fieldset>
<label>Rule <select id="sg-rule"><option value="">all rules</option></select></label>
<label>Pack <select id="sg-pack"><option value="">all packs</option></select></label>
<label>Agent <input type="search" id="sg-search" placeholder="id or name" autocomplete="off"></label>
<label><input type="checkbox" id="sg-clean"> agents without findings</label>
<label>History <select id="sg-history"><option value="0">none</option><option value="2" selected>2 days</option><option value="7">7 days</option></select></label>
<label>Zoom <select id="sg-zoom"><option value="1" selected>week fits</option><option value="2">2×</option><option value="4">4×</option></select></label>
</form>
<ul class="legend" aria-label="Legend">
<li><span class="sw c-OnQueueWork"></span>work</li>
<li><span class="sw c-OffQueueWork"></span>off-queue work</li>
<li><span class="sw c-Meeting"></span>meeting, training</li>
<li><span class="sw c-Break"></span>break</li>
<li><span class="sw c-Meal"></span>meal</li>
<li><span class="sw c-TimeOff"></span>time off</li>
<li><span class="sw req PENDING"></span>PENDING request</li>
<li><span class="sw req APPROVED"></span>APPROVED request</li>
<li><span class="sw req unreflected"></span>⚑ request not in the draft</li>
<li><span class="sw shift moved"></span>⇄ shift moved by a trade</li>
<li><span class="sw ghost"></span>→ shift traded away</li>
<li><span class="sw hist"></span>published history</li>
<li><span class="sw fnd error"></span>✖ error</li>
<li><span class="sw fnd warning"></span>▲ warning</li>
<li><span class="sw fnd info"></span>ℹ info</li>
<li><span class="sw dstl-sw"></span>┆ clock change (DST)</li>
</ul>
<p id="sg-status" aria-live="polite"></p>
<div id="sg-tl" class="tl" tabindex="-1" aria-label="Week timeline, one row per agent">
<div id="sg-inner" class="tl-inner">
<div class="tl-head"><div class="who">Agent</div><div class="track" id="sg-head-track"></div></div>
<div id="sg-rows"></div>
<div id="sg-more" class="more"></div>
<p id="sg-none" class="empty" hidden>No agent to draw: none has a finding that the filters show. Tick “agents without findings” to see every agent's week.</p>
</div>
<noscript><p class="empty">The timeline needs JavaScript; the findings are listed in the header counts and in the JSON report.</p></noscript>
</div>
<section class="findings" aria-labelledby="sg-findings-title">
<h2 id="sg-findings-title">Findings</h2>
<p id="sg-findings-empty" hidden>No findings match the filters.</p>
<table><thead><tr><th>Severity</th><th>Rule</th><th>Agent</th><th>When</th><th>What</th></tr></thead><tbody id="sg-tbody"></tbody></table>
<button type="button" id="sg-table-more" hidden></button>
</section>
</main>
<div id="sg-tip" role="tooltip" hidden></div>
"##;

#[cfg(test)]
mod tests;
