//! `report(subject, message[, extra])`: how a script turns a handle into a finding.
//!
//! The subject decides the interval, the ids involved and the native part of the root-cause chain (trade
//! provenance, request status and reflection), so every rule explains itself the same way.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rhai::{Dynamic, EvalAltResult, ImmutableString, Map, Position};
use shiftgate_model::{Interval, Side, TradeProblem};

use crate::finding::{Finding, Severity};
use crate::handles::*;
use crate::timeline::{AgentFacts, ShiftSource, World};

/// What the current script call reports into (one per worker thread).
pub(crate) struct Sink {
    pub(crate) rule: Arc<str>,
    pub(crate) severity: Severity,
    pub(crate) agent: Arc<AgentFacts>,
    pub(crate) findings: Vec<Finding>,
}

thread_local! {
    pub(crate) static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

pub(crate) fn current_world() -> Option<Arc<World>> {
    SINK.with(|s| s.borrow().as_ref().map(|s| s.agent.world.clone()))
}

type Refs = BTreeMap<String, Vec<String>>;

fn add(refs: &mut Refs, kind: &str, id: &str) {
    let v = refs.entry(kind.to_string()).or_default();
    if !v.iter().any(|x| x == id) {
        v.push(id.to_string());
    }
}

fn shift_refs(f: &AgentFacts, i: usize, refs: &mut Refs, cause: &mut Vec<String>) {
    let w = &f.world;
    let shift = f.shift(i);
    add(refs, "shift", shift.id.as_str());
    if f.is_history(i) {
        cause.push(format!(
            "shift {} ({}) is an already-published shift from before the schedule week (history)",
            shift.id,
            w.zone.format_interval(&shift.interval)
        ));
    }
    if let ShiftSource::Week(ix) = f.shifts[i].source {
        // Trades a publish already carried out: the draft holds the shift because of them.
        for &t in w.arrived_by(ix) {
            let trade = &w.snapshot.trades[t];
            let (from, to) = if trade.initiating_shift == shift.id {
                (&trade.initiating_user, trade.receiving_user.as_ref())
            } else {
                (trade.receiving_user.as_ref().unwrap_or(&trade.initiating_user), Some(&trade.initiating_user))
            };
            cause.push(format!(
                "shift {} ({}) had already moved from {from} to {} by approved trade {}{} before this run (already applied in the draft)",
                shift.id,
                w.zone.format_interval(&shift.interval),
                to.map_or("", |t| t.as_str()),
                trade.id,
                trade.reviewed.map(|r| format!(" (approved {})", w.zone.format_instant(r))).unwrap_or_default(),
            ));
        }
    }
    for m in f.moves(i) {
        add(refs, "trade", m.trade.as_str());
        cause.push(format!(
            "shift {} ({}) was moved from {} to {} by approved trade {} (approved {})",
            shift.id,
            w.zone.format_interval(&shift.interval),
            w.snapshot.agent(m.from).id,
            w.snapshot.agent(m.to).id,
            m.trade,
            w.zone.format_instant(m.reviewed)
        ));
    }
}

pub(crate) fn request_cause(f: &AgentFacts, r: usize) -> String {
    let w = &f.world;
    let req = &w.snapshot.time_off[r];
    let extent = match (req.intervals.first(), req.intervals.last()) {
        (Some(a), Some(b)) => w.zone.format_interval(&Interval::new(a.start, b.end)),
        _ => String::new(),
    };
    let since = match req.status {
        shiftgate_model::TimeOffStatus::Pending => req.submitted,
        _ => req.reviewed.or(req.submitted),
    };
    let since = since.map(|t| format!(" since {}", w.zone.format_instant(t))).unwrap_or_default();
    let reflected = if w.is_reflected(&req.id) { "is reflected" } else { "is not reflected" };
    let kind = if req.full_day { "full-day" } else { "partial-day" };
    format!(
        "time-off request {} of {} ({kind}, {extent}) is {}{since} and {reflected} in the draft",
        req.id,
        w.snapshot.agent(req.agent).id,
        req.status.as_str()
    )
}

fn trade_problem(f: &AgentFacts, p: &TradeProblem) -> String {
    let z = f.world.zone;
    match p {
        TradeProblem::UnknownAgent { side, agent } => {
            format!("its {} user {agent} is not an agent of this snapshot", side.as_str())
        }
        TradeProblem::UnknownShift { side, shift } => {
            format!("its {} shift {shift} does not exist in the draft", side.as_str())
        }
        TradeProblem::WrongOwner { side, shift, expected, actual } => {
            // Name the earlier trade that took the shift away, when there is one.
            let w = &f.world;
            let ix = w.snapshot.shift_ix(shift.as_str());
            let moved = ix
                .and_then(|ix| w.roster.moves[ix.get()].iter().rev().find(|m| &w.snapshot.agent(m.to).id == actual))
                .map(|m| {
                    format!(" (moved there by approved trade {}, approved {})", m.trade, z.format_instant(m.reviewed))
                });
            // Or it sits there in the draft by a trade a publish already carried out.
            let already = || {
                let &t = ix.and_then(|ix| w.arrived_by(ix).last())?;
                let t = &w.snapshot.trades[t];
                let approved = t.reviewed.map(|r| format!(", approved {}", z.format_instant(r))).unwrap_or_default();
                Some(format!(" (there by approved trade {}{approved}, already applied in the draft)", t.id))
            };
            let earlier = moved.or_else(already).unwrap_or_default();
            format!(
                "its {} shift {shift} belongs to {actual}{earlier} when the trade applies, not to {expected} as the trade says",
                side.as_str()
            )
        }
        TradeProblem::TimesChanged { side, shift, expected, actual } => format!(
            "its {} shift {shift} was traded as {} but the draft has it at {}",
            side.as_str(),
            z.format_interval(expected),
            z.format_interval(actual)
        ),
        TradeProblem::SelfTrade => "it trades a shift or an agent with itself".to_string(),
        TradeProblem::PartlyApplied { moved, shift, holder, other, other_holder } => {
            let other_side = match moved {
                Side::Initiating => Side::Receiving,
                Side::Receiving => Side::Initiating,
            };
            format!(
                "only half of it is in the draft: its {} shift {shift} already belongs to {holder}, but its {} shift {other} still belongs to {other_holder}",
                moved.as_str(),
                other_side.as_str()
            )
        }
        TradeProblem::Superseded { side, shift, by } => {
            let w = &f.world;
            let approved = w
                .snapshot
                .trades
                .iter()
                .find(|t| &t.id == by)
                .and_then(|t| t.reviewed)
                .map(|r| format!(" (approved {})", z.format_instant(r)))
                .unwrap_or_default();
            format!(
                "its {} shift {shift} was traded again by approved trade {by}{approved}, which comes later and is already applied in the draft; applying this one now would undo it",
                side.as_str()
            )
        }
    }
}

pub(crate) fn trade_failure_problems(f: &AgentFacts, k: usize) -> Vec<String> {
    let failure = &f.world.roster.failed[f.trade_failures[k]];
    failure.problems.iter().map(|p| trade_problem(f, p)).collect()
}

/// Why an approved trade counts as already applied: the draft has each of its shifts where it puts them, or
/// where later trades (also already applied) moved them on.
fn applied_trade_cause(h: &AppliedTradeHandle) -> Vec<String> {
    let w = &h.f.world;
    let t = h.trade();
    let approved = t.reviewed.map(|r| format!(" (approved {})", w.zone.format_instant(r))).unwrap_or_default();
    let give = (&t.initiating_shift, t.receiving_user.as_ref());
    let take = t.receiving_shift.as_ref().map(|s| (s, Some(&t.initiating_user)));
    let (mut there, mut moved_on) = (Vec::new(), Vec::new());
    for (shift, to) in std::iter::once(give).chain(take) {
        let Some(ix) = w.snapshot.shift_ix(shift.as_str()) else { continue };
        let holder = &w.snapshot.agent(w.snapshot.shift(ix).owner).id;
        let later: Vec<&str> = w
            .arrived_by(ix)
            .iter()
            .map(|&k| w.snapshot.trades[k].id.as_str())
            .skip_while(|&k| k != t.id.as_str())
            .skip(1)
            .collect();
        if Some(holder) == to || later.is_empty() {
            there.push(format!("shift {shift} to {holder}"));
        } else {
            let to = to.map_or("", |a| a.as_str());
            moved_on.push(format!(
                "approved trade {}{approved} gave shift {shift} to {to}, and later approved trades ({}), also already applied, moved it on to {holder}",
                t.id,
                later.join(", ")
            ));
        }
    }
    let mut cause = Vec::new();
    if !there.is_empty() {
        let them = if there.len() == 1 { "it" } else { "them" };
        cause.push(format!(
            "approved trade {}{approved} gives {}, and the draft already has {them} there",
            t.id,
            there.join(" and ")
        ));
    }
    cause.extend(moved_on);
    cause
}

/// Interval, agent, refs and native causes of a subject, or `None` if the value is not a subject.
fn describe(subject: &Dynamic, current: &Arc<AgentFacts>) -> Result<(Interval, String, Refs, Vec<String>), String> {
    let mut refs = Refs::new();
    let mut cause = Vec::new();
    let f = current;
    let agent = f.world.snapshot.agent(f.agent).id.to_string();
    macro_rules! is {
        ($t:ty) => {
            subject.clone().try_cast::<$t>()
        };
    }
    let span = if let Some(h) = is!(ShiftHandle) {
        shift_refs(&h.f, h.k, &mut refs, &mut cause);
        h.span()
    } else if let Some(h) = is!(OverlapHandle) {
        let p = h.f.overlaps[h.k];
        shift_refs(&h.f, p.first, &mut refs, &mut cause);
        shift_refs(&h.f, p.second, &mut refs, &mut cause);
        h.span()
    } else if let Some(h) = is!(ActivityIssueHandle) {
        shift_refs(&h.f, h.f.activity_issues[h.k].shift, &mut refs, &mut cause);
        h.span()
    } else if let Some(h) = is!(ActivityHandle) {
        shift_refs(&h.f, h.shift, &mut refs, &mut cause);
        h.span()
    } else if let Some(h) = is!(ConflictHandle) {
        let c = &h.f.conflicts[h.k];
        shift_refs(&h.f, c.shift, &mut refs, &mut cause);
        add(&mut refs, "timeOffRequest", h.f.world.snapshot.time_off[c.request].id.as_str());
        cause.push(request_cause(&h.f, c.request));
        h.span()
    } else if let Some(h) = is!(TimeOffHandle) {
        add(&mut refs, "timeOffRequest", h.f.world.snapshot.time_off[h.k].id.as_str());
        cause.push(request_cause(&h.f, h.k));
        h.span()
    } else if let Some(h) = is!(RequestOverlapHandle) {
        let p = h.f.request_overlaps[h.k];
        for r in [p.first, p.second] {
            let r = h.f.requests[r];
            add(&mut refs, "timeOffRequest", h.f.world.snapshot.time_off[r].id.as_str());
            cause.push(request_cause(&h.f, r));
        }
        h.span()
    } else if let Some(h) = is!(GapHandle) {
        let g = &h.f.gaps[h.k];
        shift_refs(&h.f, g.before, &mut refs, &mut cause);
        shift_refs(&h.f, g.after, &mut refs, &mut cause);
        h.span()
    } else if let Some(h) = is!(DayHandle) {
        for &s in &h.f.days[h.k].shifts {
            shift_refs(&h.f, s, &mut refs, &mut cause);
        }
        h.span()
    } else if let Some(h) = is!(WeekHandle) {
        for &s in &h.f.weeks[h.k].shifts {
            shift_refs(&h.f, s, &mut refs, &mut cause);
        }
        h.span()
    } else if let Some(h) = is!(StreakHandle) {
        let s = &h.f.streaks[h.k];
        if s.history_days > 0 {
            cause.push(format!(
                "{} of these days ({} to {}) are already-published history before the schedule week",
                s.history_days,
                s.first,
                h.f.world.snapshot.schedule.week_date.pred_opt().unwrap_or(s.first)
            ));
        }
        h.span()
    } else if let Some(h) = is!(TradeFailureHandle) {
        let w = &h.f.world;
        let t = &w.snapshot.trades[w.roster.failed[h.f.trade_failures[h.k]].trade_ix];
        add(&mut refs, "trade", t.id.as_str());
        add(&mut refs, "shift", t.initiating_shift.as_str());
        if let Some(s) = &t.receiving_shift {
            add(&mut refs, "shift", s.as_str());
        }
        let reviewed = t.reviewed.map(|r| format!(" (approved {})", w.zone.format_instant(r))).unwrap_or_default();
        for p in trade_failure_problems(&h.f, h.k) {
            cause.push(format!("approved trade {}{reviewed} was not applied: {p}", t.id));
        }
        return Ok((h.span(), t.initiating_user.to_string(), refs, cause));
    } else if let Some(h) = is!(AppliedTradeHandle) {
        let t = h.trade();
        add(&mut refs, "trade", t.id.as_str());
        for shift in std::iter::once(&t.initiating_shift).chain(&t.receiving_shift) {
            add(&mut refs, "shift", shift.as_str());
        }
        cause.extend(applied_trade_cause(&h));
        return Ok((h.span(), t.initiating_user.to_string(), refs, cause));
    } else if let Some(m) = is!(Map) {
        let minute = |key: &str| -> Result<DateTime<Utc>, String> {
            let v =
                m.get(key).and_then(|v| v.as_int().ok()).ok_or(format!("a map subject needs an integer `{key}`"))?;
            DateTime::from_timestamp(v.saturating_mul(60), 0).ok_or(format!("`{key}` is out of range"))
        };
        let (start, end) = (minute("start")?, minute("end")?);
        if end <= start {
            return Err("a map subject needs `end` after `start`".into());
        }
        Interval::new(start, end)
    } else {
        return Err(format!(
            "the first argument of report() must be a handle (shift, overlap, conflict, gap, day, ...) or a map #{{start, end}}, got {}",
            subject.type_name()
        ));
    };
    Ok((span, agent, refs, cause))
}

fn apply_extra(extra: &Map, finding: &mut Finding) -> Result<(), String> {
    for (key, value) in extra {
        match key.as_str() {
            "measured" => {
                finding.measured = Some(value.as_int().map_err(|_| "`measured` must be an integer".to_string())?)
            }
            "severity" => {
                let s = value.clone().into_immutable_string().map_err(|_| "`severity` must be a string".to_string())?;
                finding.severity =
                    Severity::parse(&s).ok_or(format!("`severity` must be error, warning or info, got {s:?}"))?;
            }
            "limit" => finding.limit = Some(value.as_int().map_err(|_| "`limit` must be an integer".to_string())?),
            "cause" => {
                if let Some(s) = value.clone().try_cast::<ImmutableString>() {
                    finding.cause.push(s.to_string());
                } else if let Some(a) = value.clone().try_cast::<rhai::Array>() {
                    finding.cause.extend(a.into_iter().map(|v| v.to_string()));
                } else {
                    return Err("`cause` must be a string or an array of strings".into());
                }
            }
            "refs" => {
                let m = value.clone().try_cast::<Map>().ok_or("`refs` must be a map of kind to id(s)")?;
                for (kind, ids) in m {
                    match ids.clone().try_cast::<rhai::Array>() {
                        Some(a) => a.iter().for_each(|id| add(&mut finding.refs, &kind, &id.to_string())),
                        None => add(&mut finding.refs, &kind, &ids.to_string()),
                    }
                }
            }
            other => {
                return Err(format!("unknown key `{other}` in report() extra (measured, limit, cause, refs, severity)"))
            }
        }
    }
    Ok(())
}

/// The native body of `report`.
pub(crate) fn report(subject: Dynamic, message: &str, extra: Option<Map>) -> Result<(), Box<EvalAltResult>> {
    SINK.with(|cell| {
        let mut guard = cell.borrow_mut();
        let sink = guard.as_mut().ok_or_else(|| runtime("report() can only be called while a rule checks an agent"))?;
        let (span, agent_id, refs, cause) = describe(&subject, &sink.agent).map_err(runtime)?;
        let zone = sink.agent.world.zone;
        let mut finding = Finding {
            rule: sink.rule.to_string(),
            severity: sink.severity,
            agent_id,
            start: span.start,
            end: span.end,
            local_start: zone.format_rfc3339(span.start),
            local_end: zone.format_rfc3339(span.end),
            when: zone.format_interval(&span),
            message: message.to_string(),
            refs,
            cause,
            measured: None,
            limit: None,
            fingerprint: String::new(),
            waiver: None,
        };
        if let Some(extra) = extra {
            apply_extra(&extra, &mut finding).map_err(runtime)?;
        }
        finding.compute_fingerprint();
        sink.findings.push(finding);
        Ok(())
    })
}

pub(crate) fn runtime(msg: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(Dynamic::from(ImmutableString::from(msg.into())), Position::NONE))
}
