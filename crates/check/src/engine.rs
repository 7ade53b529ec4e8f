//! The hardened Rhai engine and the script API registered on it.
//!
//! One engine is built per worker thread (a shared engine does not scale across threads); compiled rules are
//! shared between them. What scripts may use of Rhai and the limits they run under are in [`crate::sandbox`].

use chrono::{DateTime, NaiveDate, Utc};
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, OptimizationLevel, Shared};

use crate::handles::*;
use crate::sandbox::{restrict, text_bytes, Limits, Stop};
use crate::subject::{current_world, report, runtime, trade_failure_problems, SINK};
use crate::timeline::{status_str, ActivityIssueKind};

/// Builds a hardened engine with the script API. `library` is the sandbox's part of Rhai's library, built once
/// and shared.
pub(crate) fn build_engine(limits: &Limits, library: &Shared<rhai::Module>) -> Engine {
    let mut e = Engine::new_raw();
    e.register_global_module(library.clone());
    restrict(&mut e, limits);
    e.set_optimization_level(OptimizationLevel::Simple);
    register_api(&mut e, limits);
    e
}

fn minutes(t: DateTime<Utc>) -> i64 {
    epoch_minutes(t)
}

fn date_text(d: NaiveDate) -> ImmutableString {
    d.format("%Y-%m-%d").to_string().into()
}

macro_rules! spanned_getters {
    ($e:expr, $($t:ty),*) => {$(
        $e.register_get("start", |h: &mut $t| minutes(h.span().start));
        $e.register_get("end", |h: &mut $t| minutes(h.span().end));
        $e.register_get("minutes", |h: &mut $t| h.span().minutes());
        $e.register_get("when", |h: &mut $t| -> ImmutableString { h.f.world.zone.format_interval(&h.span()).into() });
    )*};
}

fn register_api(e: &mut Engine, limits: &Limits) {
    e.register_type_with_name::<AgentHandle>("Agent")
        .register_type_with_name::<ShiftHandle>("Shift")
        .register_type_with_name::<ActivityHandle>("Activity")
        .register_type_with_name::<OverlapHandle>("Overlap")
        .register_type_with_name::<ActivityIssueHandle>("ActivityIssue")
        .register_type_with_name::<TimeOffHandle>("TimeOff")
        .register_type_with_name::<ConflictHandle>("Conflict")
        .register_type_with_name::<RequestOverlapHandle>("TimeOffOverlap")
        .register_type_with_name::<GapHandle>("Gap")
        .register_type_with_name::<DayHandle>("Day")
        .register_type_with_name::<WeekHandle>("Week")
        .register_type_with_name::<StreakHandle>("Streak")
        .register_type_with_name::<TradeFailureHandle>("TradeFailure");
    spanned_getters!(
        e,
        ShiftHandle,
        OverlapHandle,
        ActivityIssueHandle,
        TimeOffHandle,
        ConflictHandle,
        RequestOverlapHandle,
        GapHandle,
        DayHandle,
        WeekHandle,
        StreakHandle,
        TradeFailureHandle
    );
    e.register_get("start", |h: &mut ActivityHandle| minutes(h.span().start));
    e.register_get("end", |h: &mut ActivityHandle| minutes(h.span().end));
    e.register_get("minutes", |h: &mut ActivityHandle| h.span().minutes());
    e.register_get("when", |h: &mut ActivityHandle| -> ImmutableString {
        h.f.world.zone.format_interval(&h.span()).into()
    });

    register_agent(e);
    register_shift(e);
    register_time_off(e);
    register_pairs(e);
    register_buckets(e);
    register_globals(e);
    register_report(e, limits);
    crate::api_ext::register(e);
    crate::api_lists::register(e);
    crate::filters::register(e);
}

fn register_agent(e: &mut Engine) {
    e.register_get("id", |a: &mut AgentHandle| -> ImmutableString {
        a.0.world.snapshot.agent(a.0.agent).id.as_str().into()
    });
    e.register_get("tags", |a: &mut AgentHandle| -> Array {
        a.0.world.snapshot.agent(a.0.agent).tags.iter().map(|t| text(t)).collect()
    });
    e.register_fn("has_tag", |a: &mut AgentHandle, tag: &str| {
        a.0.world.snapshot.agent(a.0.agent).tags.iter().any(|t| t == tag)
    });
    e.register_fn("param", |a: &mut AgentHandle, name: &str, default: Dynamic| -> Dynamic {
        match a.0.world.snapshot.agent(a.0.agent).params.get(name) {
            Some(v) => json_to_dynamic(v),
            None => default,
        }
    });
    e.register_fn("shifts", |a: &mut AgentHandle| shift_list(&a.0, a.0.week_from..a.0.shifts.len()));
    e.register_fn("history_shifts", |a: &mut AgentHandle| shift_list(&a.0, 0..a.0.week_from));
    e.register_fn("all_shifts", |a: &mut AgentHandle| shift_list(&a.0, 0..a.0.shifts.len()));
    e.register_fn("shift_overlaps", |a: &mut AgentHandle| {
        list(a.0.overlaps.len(), |k| OverlapHandle { f: a.0.clone(), k })
    });
    e.register_fn("activity_issues", |a: &mut AgentHandle| {
        list(a.0.activity_issues.len(), |k| ActivityIssueHandle { f: a.0.clone(), k })
    });
    e.register_fn("time_off_requests", |a: &mut AgentHandle| -> Array {
        a.0.requests.iter().map(|&r| Dynamic::from(TimeOffHandle { f: a.0.clone(), k: r })).collect()
    });
    e.register_fn("time_off_conflicts", |a: &mut AgentHandle| {
        list(a.0.conflicts.len(), |k| ConflictHandle { f: a.0.clone(), k })
    });
    e.register_fn("time_off_overlaps", |a: &mut AgentHandle| {
        list(a.0.request_overlaps.len(), |k| RequestOverlapHandle { f: a.0.clone(), k })
    });
    e.register_fn("rest_gaps", |a: &mut AgentHandle| list(a.0.gaps.len(), |k| GapHandle { f: a.0.clone(), k }));
    e.register_fn("days", |a: &mut AgentHandle| list(a.0.days.len(), |k| DayHandle { f: a.0.clone(), k }));
    e.register_fn("weeks", |a: &mut AgentHandle| list(a.0.weeks.len(), |k| WeekHandle { f: a.0.clone(), k }));
    e.register_fn("work_streaks", |a: &mut AgentHandle| {
        list(a.0.streaks.len(), |k| StreakHandle { f: a.0.clone(), k })
    });
    e.register_fn("trade_failures", |a: &mut AgentHandle| {
        list(a.0.trade_failures.len(), |k| TradeFailureHandle { f: a.0.clone(), k })
    });
    e.register_get("history_days", |a: &mut AgentHandle| -> i64 {
        // How far back the snapshot's history reaches for this agent, in whole local days before the week.
        let w = &a.0.world;
        match a.0.shifts.first() {
            Some(s) if a.0.week_from > 0 => (w.snapshot.schedule.week_date - s.local_date).num_days().max(0),
            _ => 0,
        }
    });
}

fn register_shift(e: &mut Engine) {
    e.register_get("id", |s: &mut ShiftHandle| -> ImmutableString { s.f.shift(s.k).id.as_str().into() });
    e.register_get("paid_minutes", |s: &mut ShiftHandle| s.f.shifts[s.k].paid_minutes);
    e.register_get("work_minutes", |s: &mut ShiftHandle| s.f.shifts[s.k].work_minutes);
    e.register_get("local_date", |s: &mut ShiftHandle| date_text(s.f.shifts[s.k].local_date));
    e.register_get("local_start_minute", |s: &mut ShiftHandle| {
        s.f.world.zone.local_minute_of_day(s.f.shifts[s.k].interval.start)
    });
    e.register_get("spans_dst", |s: &mut ShiftHandle| s.f.shifts[s.k].spans_dst);
    e.register_get("history", |s: &mut ShiftHandle| s.f.is_history(s.k));
    e.register_get("moved", |s: &mut ShiftHandle| !s.f.moves(s.k).is_empty());
    e.register_get("moved_from", |s: &mut ShiftHandle| -> Dynamic {
        match s.f.moves(s.k).last() {
            Some(m) => text(s.f.world.snapshot.agent(m.from).id.as_str()),
            None => Dynamic::UNIT,
        }
    });
    e.register_get("trade_ids", |s: &mut ShiftHandle| -> Array {
        s.f.moves(s.k).iter().map(|m| text(m.trade.as_str())).collect()
    });
    e.register_fn("activities", |s: &mut ShiftHandle| activities_of(&s.f, s.k));

    e.register_get("shift", |a: &mut ActivityHandle| shift_handle(&a.f, a.shift));
    e.register_get("category", |a: &mut ActivityHandle| -> ImmutableString { a.activity().category.as_str().into() });
    e.register_get("code", |a: &mut ActivityHandle| -> ImmutableString {
        a.f.world.snapshot.activity_code(a.activity().code).map_or("", |c| c.id.as_str()).into()
    });
    e.register_get("paid", |a: &mut ActivityHandle| a.activity().paid);
    e.register_get("paid_explicit", |a: &mut ActivityHandle| {
        a.activity().paid_override.map_or(Dynamic::UNIT, Dynamic::from)
    });
    e.register_get("work", |a: &mut ActivityHandle| a.activity().work);
    e.register_get("time_off_request_id", |a: &mut ActivityHandle| -> Dynamic {
        a.activity().time_off_request.as_ref().map_or(Dynamic::UNIT, |id| text(id.as_str()))
    });
}

fn register_time_off(e: &mut Engine) {
    e.register_get("id", |r: &mut TimeOffHandle| -> ImmutableString {
        r.f.world.snapshot.time_off[r.k].id.as_str().into()
    });
    e.register_get("status", |r: &mut TimeOffHandle| -> ImmutableString {
        status_str(r.f.world.snapshot.time_off[r.k].status).into()
    });
    e.register_get("full_day", |r: &mut TimeOffHandle| r.f.world.snapshot.time_off[r.k].full_day);
    e.register_get("reflected", |r: &mut TimeOffHandle| r.f.world.is_reflected(&r.f.world.snapshot.time_off[r.k].id));
    e.register_get("daily_minutes", |r: &mut TimeOffHandle| r.f.world.snapshot.time_off[r.k].daily_duration_minutes);
    e.register_get("submitted", |r: &mut TimeOffHandle| -> Dynamic {
        r.f.world.snapshot.time_off[r.k].submitted.map_or(Dynamic::UNIT, |t| Dynamic::from(minutes(t)))
    });

    e.register_get("request", |c: &mut ConflictHandle| {
        Dynamic::from(TimeOffHandle { f: c.f.clone(), k: c.f.conflicts[c.k].request })
    });
    e.register_get("shift", |c: &mut ConflictHandle| shift_handle(&c.f, c.f.conflicts[c.k].shift));
    e.register_get("work_minutes", |c: &mut ConflictHandle| c.f.conflicts[c.k].minutes);
    e.register_get("status", |c: &mut ConflictHandle| -> ImmutableString {
        status_str(c.f.world.snapshot.time_off[c.f.conflicts[c.k].request].status).into()
    });
    e.register_get("reflected", |c: &mut ConflictHandle| {
        c.f.world.is_reflected(&c.f.world.snapshot.time_off[c.f.conflicts[c.k].request].id)
    });

    e.register_get("first", |p: &mut RequestOverlapHandle| {
        Dynamic::from(TimeOffHandle { f: p.f.clone(), k: p.f.requests[p.f.request_overlaps[p.k].first] })
    });
    e.register_get("second", |p: &mut RequestOverlapHandle| {
        Dynamic::from(TimeOffHandle { f: p.f.clone(), k: p.f.requests[p.f.request_overlaps[p.k].second] })
    });

    e.register_get("trade_id", |t: &mut TradeFailureHandle| -> ImmutableString {
        let w = &t.f.world;
        w.snapshot.trades[w.roster.failed[t.f.trade_failures[t.k]].trade_ix].id.as_str().into()
    });
    e.register_get("initiating_user", |t: &mut TradeFailureHandle| -> ImmutableString {
        let w = &t.f.world;
        w.snapshot.trades[w.roster.failed[t.f.trade_failures[t.k]].trade_ix].initiating_user.as_str().into()
    });
    e.register_get("problems", |t: &mut TradeFailureHandle| -> Array {
        trade_failure_problems(&t.f, t.k).into_iter().map(|p| Dynamic::from(ImmutableString::from(p))).collect()
    });
}

fn register_pairs(e: &mut Engine) {
    e.register_get("first", |o: &mut OverlapHandle| shift_handle(&o.f, o.f.overlaps[o.k].first));
    e.register_get("second", |o: &mut OverlapHandle| shift_handle(&o.f, o.f.overlaps[o.k].second));
    e.register_get("before", |g: &mut GapHandle| shift_handle(&g.f, g.f.gaps[g.k].before));
    e.register_get("after", |g: &mut GapHandle| shift_handle(&g.f, g.f.gaps[g.k].after));

    e.register_get("kind", |i: &mut ActivityIssueHandle| -> ImmutableString { i.kind().into() });
    e.register_get("shift", |i: &mut ActivityIssueHandle| shift_handle(&i.f, i.f.activity_issues[i.k].shift));
    e.register_get("activity", |i: &mut ActivityIssueHandle| {
        let issue = &i.f.activity_issues[i.k];
        Dynamic::from(ActivityHandle { f: i.f.clone(), shift: issue.shift, k: Some(issue.activity) })
    });
    e.register_get("other", |i: &mut ActivityIssueHandle| {
        let issue = &i.f.activity_issues[i.k];
        match (issue.kind, issue.other) {
            (ActivityIssueKind::Overlap, Some(o)) => {
                Dynamic::from(ActivityHandle { f: i.f.clone(), shift: issue.shift, k: Some(o) })
            }
            _ => Dynamic::UNIT,
        }
    });
}

fn register_buckets(e: &mut Engine) {
    e.register_get("date", |d: &mut DayHandle| date_text(d.f.days[d.k].date));
    e.register_get("weekday", |d: &mut DayHandle| -> ImmutableString {
        d.f.days[d.k].date.format("%a").to_string().into()
    });
    e.register_get("paid_minutes", |d: &mut DayHandle| d.f.days[d.k].paid_minutes);
    e.register_get("work_minutes", |d: &mut DayHandle| d.f.days[d.k].work_minutes);
    e.register_get("shift_count", |d: &mut DayHandle| d.f.days[d.k].shifts.len() as i64);
    e.register_fn("shifts", |d: &mut DayHandle| shift_list(&d.f, d.f.days[d.k].shifts.iter().copied()));

    e.register_get("first_date", |w: &mut WeekHandle| date_text(w.f.weeks[w.k].first_date));
    e.register_get("paid_minutes", |w: &mut WeekHandle| w.f.weeks[w.k].paid_minutes);
    e.register_get("work_minutes", |w: &mut WeekHandle| w.f.weeks[w.k].work_minutes);
    e.register_fn("shifts", |w: &mut WeekHandle| shift_list(&w.f, w.f.weeks[w.k].shifts.iter().copied()));

    e.register_get("first_date", |s: &mut StreakHandle| date_text(s.f.streaks[s.k].first));
    e.register_get("last_date", |s: &mut StreakHandle| date_text(s.f.streaks[s.k].last));
    e.register_get("days", |s: &mut StreakHandle| {
        let st = &s.f.streaks[s.k];
        (st.last - st.first).num_days() + 1
    });
    e.register_get("history_days", |s: &mut StreakHandle| s.f.streaks[s.k].history_days);
}

fn register_globals(e: &mut Engine) {
    e.register_fn("fmt_minutes", fmt_minutes);
    e.register_fn("fmt_time", |t: i64| -> Result<ImmutableString, Box<rhai::EvalAltResult>> {
        let w = current_world().ok_or_else(|| runtime("fmt_time() needs a running check"))?;
        let at =
            DateTime::from_timestamp(t.saturating_mul(60), 0).ok_or_else(|| runtime("fmt_time(): out of range"))?;
        Ok(w.zone.format_instant(at).into())
    });
    e.register_fn("fmt_interval", |s: i64, t: i64| -> Result<ImmutableString, Box<rhai::EvalAltResult>> {
        let w = current_world().ok_or_else(|| runtime("fmt_interval() needs a running check"))?;
        let at = |m: i64| {
            DateTime::from_timestamp(m.saturating_mul(60), 0).ok_or_else(|| runtime("fmt_interval(): out of range"))
        };
        Ok(w.zone.format_interval(&shiftgate_model::Interval::new(at(s)?, at(t)?)).into())
    });
    e.register_fn("as_of", || -> Result<i64, Box<rhai::EvalAltResult>> {
        Ok(minutes(current_world().ok_or_else(|| runtime("as_of() needs a running check"))?.as_of))
    });
    e.register_fn("period_start", || -> Result<i64, Box<rhai::EvalAltResult>> {
        Ok(minutes(current_world().ok_or_else(|| runtime("period_start() needs a running check"))?.period.start))
    });
    e.register_fn("period_end", || -> Result<i64, Box<rhai::EvalAltResult>> {
        Ok(minutes(current_world().ok_or_else(|| runtime("period_end() needs a running check"))?.period.end))
    });
    e.register_fn("local_date", |t: i64| -> Result<ImmutableString, Box<rhai::EvalAltResult>> {
        let w = current_world().ok_or_else(|| runtime("local_date() needs a running check"))?;
        let at =
            DateTime::from_timestamp(t.saturating_mul(60), 0).ok_or_else(|| runtime("local_date(): out of range"))?;
        Ok(date_text(w.zone.local_date(at)))
    });
    e.register_fn("day_start", |date: &str| -> Result<i64, Box<rhai::EvalAltResult>> {
        let w = current_world().ok_or_else(|| runtime("day_start() needs a running check"))?;
        let d = shiftgate_model::time::parse_date(date)
            .ok_or_else(|| runtime(format!("day_start(): not a yyyy-MM-dd date: {date:?}")))?;
        Ok(minutes(w.zone.day_start(d)))
    });
}

/// `report(subject, message[, extra])`, within the caps of one call: how many findings, how long a message, how
/// much `cause` and `refs` text.
fn register_report(e: &mut Engine, limits: &Limits) {
    let limits = *limits;
    let capped = move |ctx: &NativeCallContext, message: &str, extra: Option<&Map>| -> Result<(), Box<EvalAltResult>> {
        let stop = |sentence: String| {
            Stop::Cap { sentence, source: ctx.call_source().map(str::to_string), at: ctx.call_position() }.error()
        };
        if message.len() > limits.max_message_bytes {
            return Err(stop(format!(
                "report(): a message of {} bytes; the cap is {} bytes per finding",
                message.len(),
                limits.max_message_bytes
            )));
        }
        if let Some(extra) = extra {
            if text_bytes(&Dynamic::from(extra.clone())) > limits.max_extra_bytes {
                return Err(stop(format!(
                    "report(): cause and refs of over {0} bytes; the cap is {0} bytes per finding",
                    limits.max_extra_bytes
                )));
            }
        }
        let reported = SINK.with(|s| s.borrow().as_ref().map_or(0, |s| s.findings.len()));
        if reported >= limits.max_findings {
            return Err(stop(format!(
                "report(): more than {0} findings; the cap is {0} findings per rule and agent",
                limits.max_findings
            )));
        }
        Ok(())
    };
    e.register_fn("report", move |ctx: NativeCallContext, subject: Dynamic, message: &str| {
        capped(&ctx, message, None)?;
        report(subject, message, None)
    });
    e.register_fn("report", move |ctx: NativeCallContext, subject: Dynamic, message: &str, extra: Map| {
        capped(&ctx, message, Some(&extra))?;
        report(subject, message, Some(extra))
    });
}

/// `510` -> `8 h 30 min`.
pub(crate) fn fmt_minutes(m: i64) -> ImmutableString {
    let (sign, m) = if m < 0 { ("-", -m) } else { ("", m) };
    match (m / 60, m % 60) {
        (0, r) => format!("{sign}{r} min"),
        (h, 0) => format!("{sign}{h} h"),
        (h, r) => format!("{sign}{h} h {r} min"),
    }
    .into()
}

pub(crate) fn json_to_dynamic(v: &serde_json::Value) -> Dynamic {
    match v {
        serde_json::Value::Null => Dynamic::UNIT,
        serde_json::Value::Bool(b) => Dynamic::from(*b),
        serde_json::Value::Number(n) => {
            n.as_i64().map(Dynamic::from).unwrap_or_else(|| Dynamic::from(n.as_f64().unwrap_or(0.0)))
        }
        serde_json::Value::String(s) => text(s),
        serde_json::Value::Array(a) => Dynamic::from(a.iter().map(json_to_dynamic).collect::<Array>()),
        serde_json::Value::Object(o) => {
            Dynamic::from(o.iter().map(|(k, v)| (k.as_str().into(), json_to_dynamic(v))).collect::<Map>())
        }
    }
}
