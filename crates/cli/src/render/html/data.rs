//! The page's data: the checked week as the timeline draws it, taken from the snapshot, the roster the checker ran
//! on and the checker's report (findings are copied, never recomputed).
//!
//! Times are whole minutes from the first local midnight of the schedule week (`origin`), negative before it, so
//! the page needs no time-zone arithmetic: the days (23, 24 or 25 hours long), the hour ticks and the zone's offsets
//! come from [`super::days`], and the page only subtracts. High-volume records (shifts, activities,
//! history) are arrays rather than objects to keep the file small; `report.js` names their fields where it reads
//! them. Every string from the input goes through [`shown`] here and is inserted by the page as text, never markup.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use shiftgate_check::{Finding, Report, RuleSet, Severity};
use shiftgate_model::{AgentIx, Category, CodeIx, Roster, Shift, Snapshot};

use super::days::{day, offsets, Day};
use crate::render::escape::html::shown;

/// Days of history drawn before the week (the page shows the last two unless asked for all of them).
pub(crate) const HISTORY_DAYS: i64 = 7;

/// Everything the page's script draws.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Data {
    /// Minute 0 in milliseconds since the Unix epoch (UTC).
    origin_ms: i64,
    /// The zone's offsets over the drawn range: `[from minute, offset minutes, abbreviation]`.
    offsets: Vec<(i64, i64, String)>,
    days: Vec<Day>,
    codes: Vec<Code>,
    /// Activity layouts, shared by the shifts that have the same one: `[offset from the shift's start, minutes,
    /// code, ...]` (a week's shifts repeat a few layouts, so this is most of the file saved).
    patterns: Vec<Vec<i64>>,
    rules: Vec<RuleView>,
    agents: Vec<AgentView>,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct Code {
    name: String,
    cat: &'static str,
}

#[derive(Serialize)]
struct RuleView {
    id: String,
    pack: String,
    severity: Severity,
    title: String,
}

/// `[id, start, minutes, activity pattern, moves]`.
type ShiftRow = (String, i64, i64, usize, Vec<MoveRow>);
/// `[trade, from id, from name, approved]`.
type MoveRow = (String, String, String, String);

/// An agent's row. `shifts`: `[id, start, minutes, activity pattern, moves]` with each move
/// `[trade, from id, from name, approved]`; `history`: `[id, start, minutes]`; `markers`: `[start, minutes, code,
/// request id]`; `ghosts` (shifts traded away): `[id, start, minutes, trade, to id]`.
#[derive(Serialize)]
struct AgentView {
    id: String,
    name: String,
    // Empty lists are left out (the page reads a missing one as empty): thousands of agents have no tags,
    // markers, requests or traded shifts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    shifts: Vec<ShiftRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    history: Vec<(String, i64, i64)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    markers: Vec<(i64, i64, usize, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requests: Vec<RequestView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ghosts: Vec<(String, i64, i64, String, String)>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestView {
    id: String,
    status: &'static str,
    full_day: bool,
    /// `[start, minutes]` per day or partial interval.
    spans: Vec<(i64, i64)>,
    code: String,
    reflected: bool,
    submitted: String,
}

#[derive(Serialize)]
struct FindingView {
    rule: usize,
    agent: usize,
    severity: Severity,
    start: i64,
    end: i64,
    when: String,
    message: String,
    cause: Vec<String>,
    refs: Vec<(String, Vec<String>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measured: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
    fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<WaiverView>,
}

/// A waiver on a finding, drawn distinctly (waived findings never block).
#[derive(Serialize)]
pub(crate) struct WaiverView {
    reason: String,
    approver: String,
    expires: String,
}

/// The waiver a finding carries: the page draws it as waived (hatched, labelled with approver and expiry, never
/// counted as blocking in the filters).
fn waiver_of(finding: &Finding) -> Option<WaiverView> {
    finding.waiver.as_deref().map(|w| WaiverView {
        reason: format!("{}: {}", w.name(), w.reason),
        approver: w.approved_by.clone(),
        expires: w.expires.to_string(),
    })
}

/// Builds the page's data.
pub(crate) fn build(snapshot: &Snapshot, roster: &Roster, report: &Report, rules: Option<&RuleSet>) -> Data {
    let zone = snapshot.zone();
    let week = snapshot.period();
    let origin = week.start;
    let at = |t: DateTime<Utc>| (t.timestamp() - origin.timestamp()).div_euclid(60);
    let first = snapshot.schedule.week_date - Duration::days(HISTORY_DAYS);
    let range_start = zone.day_start(first);
    let latest = snapshot.shifts.iter().map(|s| s.interval.end).max().unwrap_or(week.end);
    let week_days = 7 * i64::from(snapshot.schedule.week_count);
    let after = i64::from(latest > week.end);
    let days: Vec<Day> = (0..HISTORY_DAYS + week_days + after)
        .map(|d| day(zone, first + Duration::days(d), d, week_days, &at))
        .collect();
    let range_end = days.last().map_or(week.end, |d| origin + Duration::minutes(d.start + d.minutes));

    let mut codes: Vec<Code> =
        snapshot.activity_codes.iter().map(|c| Code { name: shown(&c.name), cat: c.category.as_str() }).collect();
    let code_ix: HashMap<&str, usize> =
        snapshot.activity_codes.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let mut uncoded: HashMap<Category, usize> = HashMap::new();
    let mut code_of = |code: CodeIx, category: Category| {
        if code != CodeIx::NONE && code.get() < snapshot.activity_codes.len() {
            return code.get();
        }
        *uncoded.entry(category).or_insert_with(|| {
            codes.push(Code { name: category.as_str().to_string(), cat: category.as_str() });
            codes.len() - 1
        })
    };

    let mut patterns: Vec<Vec<i64>> = Vec::new();
    let mut pattern_ix: HashMap<Vec<i64>, usize> = HashMap::new();
    let reflected = snapshot.reflected_requests();
    let name_of = |a: AgentIx| shown(&snapshot.agent(a).name);
    let id_of = |a: AgentIx| shown(snapshot.agent(a).id.as_str());
    let mut agents: Vec<AgentView> = snapshot
        .agents
        .iter()
        .map(|a| AgentView {
            id: shown(a.id.as_str()),
            name: shown(&a.name),
            tags: a.tags.iter().map(|t| shown(t)).collect(),
            shifts: Vec::new(),
            history: Vec::new(),
            markers: Vec::new(),
            requests: Vec::new(),
            ghosts: Vec::new(),
        })
        .collect();

    for (a, row) in agents.iter_mut().enumerate() {
        for &ix in roster.shifts_of(AgentIx(a as u32)) {
            let s = snapshot.shift(ix);
            let acts = activities(s, &mut code_of);
            let acts = *pattern_ix.entry(acts).or_insert_with_key(|acts| {
                patterns.push(acts.clone());
                patterns.len() - 1
            });
            let moves = roster.moves[ix.get()]
                .iter()
                .map(|m| (shown(m.trade.as_str()), id_of(m.from), name_of(m.from), zone.format_instant(m.reviewed)))
                .collect();
            row.shifts.push((shown(s.id.as_str()), at(s.interval.start), s.interval.minutes(), acts, moves));
        }
    }
    for (ix, moves) in roster.moves.iter().enumerate() {
        let s = &snapshot.shifts[ix];
        for m in moves {
            let ghost = (
                shown(s.id.as_str()),
                at(s.interval.start),
                s.interval.minutes(),
                shown(m.trade.as_str()),
                id_of(m.to),
            );
            agents[m.from.get()].ghosts.push(ghost);
        }
    }
    for s in snapshot.history.iter().filter(|s| s.interval.end > range_start && s.interval.start < range_end) {
        agents[s.owner.get()].history.push((shown(s.id.as_str()), at(s.interval.start), s.interval.minutes()));
    }
    for m in snapshot.markers.iter() {
        let code = code_ix.get(m.code.as_str()).copied().unwrap_or_else(|| code_of(CodeIx::NONE, Category::TimeOff));
        let request = m.time_off_request.as_ref().map_or_else(String::new, |r| shown(r.as_str()));
        agents[m.agent.get()].markers.push((at(m.interval.start), m.interval.minutes(), code, request));
    }
    for r in &snapshot.time_off {
        let spans: Vec<(i64, i64)> = r
            .intervals
            .iter()
            .filter(|iv| iv.end > range_start && iv.start < range_end)
            .map(|iv| (at(iv.start), iv.minutes()))
            .collect();
        if spans.is_empty() {
            continue;
        }
        let code = code_ix.get(r.code.as_str()).map_or_else(|| shown(r.code.as_str()), |&i| codes[i].name.clone());
        agents[r.agent.get()].requests.push(RequestView {
            id: shown(r.id.as_str()),
            status: r.status.as_str(),
            full_day: r.full_day,
            spans,
            code,
            reflected: reflected.contains(&r.id),
            submitted: r.submitted.map_or_else(String::new, |t| zone.format_instant(t)),
        });
    }

    let mut rule_views: Vec<RuleView> = report
        .rules
        .iter()
        .map(|r| RuleView {
            id: shown(&r.id),
            pack: shown(&r.pack),
            severity: r.severity,
            title: rules
                .and_then(|set| set.rules().iter().find(|x| x.id == r.id))
                .map_or_else(String::new, |x| shown(&x.title)),
        })
        .collect();
    let mut rule_ix: HashMap<String, usize> = report.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let rule = *rule_ix.entry(f.rule.clone()).or_insert_with(|| {
            let pack = f.rule.split('.').next().unwrap_or_default();
            rule_views.push(RuleView {
                id: shown(&f.rule),
                pack: shown(pack),
                severity: f.severity,
                title: String::new(),
            });
            rule_views.len() - 1
        });
        // A finding about an agent the snapshot does not list still gets a row: nothing is left undrawn.
        let agent = snapshot.agent_ix(&f.agent_id).map(AgentIx::get).unwrap_or_else(|| {
            agents.push(AgentView {
                id: shown(&f.agent_id),
                name: String::new(),
                tags: Vec::new(),
                shifts: Vec::new(),
                history: Vec::new(),
                markers: Vec::new(),
                requests: Vec::new(),
                ghosts: Vec::new(),
            });
            agents.len() - 1
        });
        findings.push(FindingView {
            rule,
            agent,
            severity: f.severity,
            start: at(f.start),
            end: at(f.end),
            when: shown(&f.when),
            message: shown(&f.message),
            cause: f.cause.iter().map(|c| shown(c)).collect(),
            refs: f.refs.iter().map(|(k, ids)| (shown(k), ids.iter().map(|i| shown(i)).collect())).collect(),
            measured: f.measured,
            limit: f.limit,
            fingerprint: shown(&f.fingerprint),
            waiver: waiver_of(f),
        });
    }

    Data {
        origin_ms: origin.timestamp_millis(),
        offsets: offsets(zone, range_start, range_end, &at),
        days,
        codes,
        patterns,
        rules: rule_views,
        agents,
        findings,
    }
}

/// Activities of a shift: `[offset from the shift's start, minutes, code]`, flattened.
fn activities(s: &Shift, code_of: &mut impl FnMut(CodeIx, Category) -> usize) -> Vec<i64> {
    let start = s.interval.start.timestamp();
    let mut flat = Vec::with_capacity(3 * s.activities.len());
    for a in &s.activities {
        flat.push((a.interval.start.timestamp() - start).div_euclid(60));
        flat.push(a.interval.minutes());
        flat.push(code_of(a.code, a.category) as i64);
    }
    flat
}
