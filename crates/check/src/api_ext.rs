//! Natively computed helpers for the jurisdiction packs (`us-flsa`, `illinois`, `chicago-fww`, `california`,
//! `eu-wtd`): hours worked under a policy, continuous segments of a shift, the longest rest in a window or in
//! every rolling window of N local days, shifts in a window, and date arithmetic.
//!
//! Scripts could compute all of this from `shift.activities()`, but with 10,000+ agents a Rhai loop over every
//! activity costs more than the rest of a rule; here each is one native call. Instants are epoch minutes (UTC),
//! lengths elapsed minutes, dates `yyyy-MM-dd` in the business unit's zone, as in the rest of the script API
//! (documented for analysts in `rules/README.md`). Unknown category names and bad windows are script errors, so a
//! typo fails the gate instead of passing silently.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map};
use shiftgate_model::{Activity, Category, Interval, Shift};

use crate::handles::{epoch_minutes, shift_handle, ActivityHandle, AgentHandle, DayHandle, ShiftHandle, WeekHandle};
use crate::subject::runtime;
use crate::timeline::AgentFacts;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// A compiled [`WorkPolicy`] as scripts hold it (`work_policy(map)`): parsed once, cheap to pass around.
#[derive(Clone)]
pub(crate) struct PolicyHandle(Arc<WorkPolicy>);

/// Which time of a shift counts as worked. Time inside the shift that no activity covers counts (the agent is on
/// the clock); an activity counts unless its category is excluded, it is an unpaid Meal of at least
/// `unpaid_meal_from` minutes (a bona fide meal), or an unpaid Break longer than `unpaid_break_over` minutes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WorkPolicy {
    exclude: Vec<Category>,
    unpaid_meal_from: i64,
    unpaid_break_over: i64,
}

impl WorkPolicy {
    /// Reads `#{ exclude: [categories], unpaid_meal_from: int, unpaid_break_over: int }`; a missing key excludes
    /// nothing.
    fn from_map(m: &Map) -> Fallible<WorkPolicy> {
        let mut p = WorkPolicy { exclude: Vec::new(), unpaid_meal_from: i64::MAX, unpaid_break_over: i64::MAX };
        for (key, value) in m {
            let int = || value.as_int().map_err(|_| runtime(format!("work policy `{key}` must be an integer")));
            match key.as_str() {
                "exclude" => {
                    let list = value
                        .clone()
                        .try_cast::<Array>()
                        .ok_or_else(|| runtime("work policy `exclude` must be an array of category names"))?;
                    p.exclude = categories(&list)?;
                }
                "unpaid_meal_from" => p.unpaid_meal_from = int()?,
                "unpaid_break_over" => p.unpaid_break_over = int()?,
                other => {
                    return Err(runtime(format!(
                        "unknown key `{other}` in work policy (exclude, unpaid_meal_from, unpaid_break_over)"
                    )))
                }
            }
        }
        Ok(p)
    }

    fn counts(&self, a: &Activity) -> bool {
        let m = a.interval.minutes();
        !(self.exclude.contains(&a.category)
            || (a.category == Category::Meal && !a.paid && m >= self.unpaid_meal_from)
            || (a.category == Category::Break && !a.paid && m > self.unpaid_break_over))
    }
}

fn category(name: &str) -> Fallible<Category> {
    Category::ALL.into_iter().find(|c| c.as_str() == name).ok_or_else(|| {
        let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        runtime(format!("unknown activity category {name:?} (one of {})", known.join(", ")))
    })
}

fn categories(list: &Array) -> Fallible<Vec<Category>> {
    list.iter()
        .map(|v| {
            let s = v.clone().into_immutable_string().map_err(|_| runtime("category names must be strings"))?;
            category(&s)
        })
        .collect()
}

fn instant(m: i64) -> Fallible<DateTime<Utc>> {
    DateTime::from_timestamp(m.saturating_mul(60), 0).ok_or_else(|| runtime(format!("instant {m} is out of range")))
}

/// `[start, end)`; an empty window (`end == start`) is allowed and holds nothing, a reversed one is a script bug.
fn window(start: i64, end: i64, what: &str) -> Fallible<Interval> {
    if end < start {
        return Err(runtime(format!("{what}: the window ends before it starts (start {start}, end {end})")));
    }
    Ok(Interval::new(instant(start)?, instant(end)?))
}

fn span_map(iv: Interval) -> Map {
    let mut m = Map::new();
    m.insert("start".into(), Dynamic::from(epoch_minutes(iv.start)));
    m.insert("end".into(), Dynamic::from(epoch_minutes(iv.end)));
    m.insert("minutes".into(), Dynamic::from(iv.minutes()));
    m
}

/// Total length of sorted intervals, counting shared time once.
fn union_minutes(sorted: &[Interval]) -> i64 {
    let mut total = 0;
    let mut cur: Option<Interval> = None;
    for iv in sorted {
        cur = match cur {
            Some(c) if iv.start <= c.end => Some(Interval::new(c.start, c.end.max(iv.end))),
            Some(c) => {
                total += c.minutes();
                Some(*iv)
            }
            None => Some(*iv),
        };
    }
    total + cur.map_or(0, |c| c.minutes())
}

/// Worked minutes of a shift inside `within`. Excluded activities win over counted ones they overlap (bad data
/// that `core.activity.within-shift` reports), and activities sticking out of the shift are clipped to it.
pub(crate) fn minutes_worked(shift: &Shift, within: Interval, policy: &WorkPolicy) -> i64 {
    let Some(part) = shift.interval.intersection(&within) else { return 0 };
    let mut off: Vec<Interval> =
        shift.activities.iter().filter(|a| !policy.counts(a)).filter_map(|a| a.interval.intersection(&part)).collect();
    off.sort();
    part.minutes() - union_minutes(&off)
}

/// The parts of a shift not covered by activities of the `interrupting` categories, in time order.
pub(crate) fn segments(shift: &Shift, interrupting: &[Category]) -> Vec<Interval> {
    let mut cuts: Vec<Interval> = shift
        .activities
        .iter()
        .filter(|a| interrupting.contains(&a.category))
        .filter_map(|a| a.interval.intersection(&shift.interval))
        .collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut at = shift.interval.start;
    for c in cuts {
        if c.start > at {
            out.push(Interval::new(at, c.start));
        }
        at = at.max(c.end);
    }
    if at < shift.interval.end {
        out.push(Interval::new(at, shift.interval.end));
    }
    out
}

/// Length of the longest uninterrupted run of activities of the given categories (back-to-back activities join).
pub(crate) fn longest_run(shift: &Shift, of: &[Category]) -> i64 {
    let mut runs: Vec<Interval> =
        shift.activities.iter().filter(|a| of.contains(&a.category)).map(|a| a.interval).collect();
    runs.sort();
    let mut best = 0;
    let mut cur: Option<Interval> = None;
    for iv in runs {
        cur = match cur {
            Some(c) if iv.start <= c.end => Some(Interval::new(c.start, c.end.max(iv.end))),
            other => {
                best = best.max(other.map_or(0, |c| c.minutes()));
                Some(iv)
            }
        };
    }
    best.max(cur.map_or(0, |c| c.minutes()))
}

/// The longest stretch of `within` that no busy interval covers (the earliest on ties), and the length of the
/// free stretch that begins at `within.start` (0 when busy time covers the start).
pub(crate) fn longest_rest(busy: &[Interval], within: Interval) -> (Interval, i64) {
    let mut parts: Vec<Interval> = busy.iter().filter_map(|b| b.intersection(&within)).collect();
    parts.sort();
    let mut best = Interval::new(within.start, within.start);
    let mut leading = None;
    let mut at = within.start;
    for p in parts.iter().copied().chain(std::iter::once(Interval::new(within.end, within.end))) {
        if p.start > at {
            let free = Interval::new(at, p.start);
            if free.minutes() > best.minutes() {
                best = free;
            }
        }
        if leading.is_none() {
            leading = Some(if p.start > within.start { (p.start - within.start).num_minutes() } else { 0 });
        }
        at = at.max(p.end);
    }
    (best, leading.unwrap_or(0))
}

/// Whole local days before the schedule that the agent's history reaches back (as `agent.history_days`).
fn history_days(f: &AgentFacts) -> i64 {
    match f.shifts.first() {
        Some(s) if f.week_from > 0 => (f.world.snapshot.schedule.week_date - s.local_date).num_days().max(0),
        _ => 0,
    }
}

/// For each local day of the schedule period, the window of `days` consecutive local days ending with it: its
/// span, the minutes of it before the agent's known history (`unknown`), and the longest rest in the known part
/// (`minutes`, `rest_start`, `rest_end`) with the free time at the start of the known part (`leading`).
fn rest_windows(f: &AgentFacts, days: i64) -> Fallible<Array> {
    if !(1..=366).contains(&days) {
        return Err(runtime(format!("rest_windows(): days must be 1 to 366, got {days}")));
    }
    let w = &f.world;
    let known = w.zone.day_start(w.snapshot.schedule.week_date - Duration::days(history_days(f)));
    let busy: Vec<Interval> = f.shifts.iter().map(|s| s.interval).collect();
    let windows = w.period_dates().map(|last| {
        let win = w.zone.days(last - Duration::days(days - 1), days);
        let from = win.start.max(known).min(win.end);
        let (best, leading) = longest_rest(&busy, Interval::new(from, win.end));
        let mut m = span_map(win);
        m.insert("minutes".into(), Dynamic::from(best.minutes()));
        m.insert("rest_start".into(), Dynamic::from(epoch_minutes(best.start)));
        m.insert("rest_end".into(), Dynamic::from(epoch_minutes(best.end)));
        m.insert("leading".into(), Dynamic::from(leading));
        m.insert("unknown".into(), Dynamic::from((from - win.start).num_minutes()));
        Dynamic::from(m)
    });
    Ok(windows.collect())
}

fn shift_indexes_between(f: &AgentFacts, within: Interval) -> impl Iterator<Item = usize> + '_ {
    (0..f.shifts.len()).filter(move |&i| f.shifts[i].interval.overlaps(&within))
}

/// Activities of one category in the given shifts, in time order (shifts in the order given).
fn activities_of(f: &Arc<AgentFacts>, shifts: &[usize], name: &str) -> Fallible<Array> {
    let c = category(name)?;
    let mut out = Array::new();
    for &i in shifts {
        let shift = f.shift(i);
        if shift.activities.is_empty() {
            // A shift without activities is one OnQueueWork activity spanning it.
            if c == Category::OnQueueWork {
                out.push(Dynamic::from(ActivityHandle { f: f.clone(), shift: i, k: None }));
            }
            continue;
        }
        let mut ks: Vec<usize> = (0..shift.activities.len()).filter(|&k| shift.activities[k].category == c).collect();
        ks.sort_by_key(|&k| (shift.activities[k].interval, k));
        out.extend(ks.into_iter().map(|k| Dynamic::from(ActivityHandle { f: f.clone(), shift: i, k: Some(k) })));
    }
    Ok(out)
}

fn date(s: &str, what: &str) -> Fallible<chrono::NaiveDate> {
    shiftgate_model::time::parse_date(s).ok_or_else(|| runtime(format!("{what}: not a yyyy-MM-dd date: {s:?}")))
}

/// Registers the helpers on the engine (called at the end of the core API registration).
pub(crate) fn register(e: &mut Engine) {
    e.register_type_with_name::<PolicyHandle>("WorkPolicy");
    e.register_fn("work_policy", |m: Map| -> Fallible<PolicyHandle> {
        Ok(PolicyHandle(Arc::new(WorkPolicy::from_map(&m)?)))
    });
    register_worked(e);
    e.register_fn("activities_of", |s: &mut ShiftHandle, name: &str| activities_of(&s.f, &[s.k], name));
    e.register_fn("activities_of", |d: &mut DayHandle, name: &str| activities_of(&d.f, &d.f.days[d.k].shifts, name));
    e.register_fn("segments", |s: &mut ShiftHandle, interrupting: Array| -> Fallible<Array> {
        let cats = categories(&interrupting)?;
        Ok(segments(s.f.shift(s.k), &cats).into_iter().map(|iv| Dynamic::from(span_map(iv))).collect())
    });
    e.register_fn("longest_run", |s: &mut ShiftHandle, of: Array| -> Fallible<i64> {
        Ok(longest_run(s.f.shift(s.k), &categories(&of)?))
    });
    e.register_fn("shifts_between", |a: &mut AgentHandle, start: i64, end: i64| -> Fallible<Array> {
        let within = window(start, end, "shifts_between()")?;
        let f = &a.0;
        let mut ks: Vec<usize> = shift_indexes_between(f, within).collect();
        ks.sort_by_key(|&i| (f.shifts[i].interval, i));
        Ok(ks.into_iter().map(|i| shift_handle(f, i)).collect())
    });
    e.register_fn("longest_rest", |a: &mut AgentHandle, start: i64, end: i64| -> Fallible<Map> {
        let within = window(start, end, "longest_rest()")?;
        let busy: Vec<Interval> = a.0.shifts.iter().map(|s| s.interval).collect();
        let (best, leading) = longest_rest(&busy, within);
        let mut m = span_map(best);
        m.insert("leading".into(), Dynamic::from(leading));
        Ok(m)
    });
    e.register_fn("rest_windows", |a: &mut AgentHandle, days: i64| rest_windows(&a.0, days));
    e.register_fn("add_days", |d: &str, n: i64| -> Fallible<ImmutableString> {
        let d = date(d, "add_days()")?;
        let out = d
            .checked_add_signed(Duration::days(n))
            .ok_or_else(|| runtime(format!("add_days(): {d} + {n} days is out of range")))?;
        Ok(out.format("%Y-%m-%d").to_string().into())
    });
    e.register_fn("days_between", |from: &str, to: &str| -> Fallible<i64> {
        Ok((date(to, "days_between()")? - date(from, "days_between()")?).num_days())
    });
    e.register_fn("weekday_of", |d: &str| -> Fallible<ImmutableString> {
        Ok(date(d, "weekday_of()")?.format("%a").to_string().into())
    });
}

/// `minutes_worked` / `minutes_worked_in` on shifts, days, weeks and the agent, each taking a compiled policy.
fn register_worked(e: &mut Engine) {
    fn sum(f: &AgentFacts, shifts: &[usize], p: &WorkPolicy) -> i64 {
        shifts.iter().map(|&i| minutes_worked(f.shift(i), f.shifts[i].interval, p)).sum()
    }
    e.register_fn("minutes_worked", |s: &mut ShiftHandle, p: PolicyHandle| {
        let shift = s.f.shift(s.k);
        minutes_worked(shift, shift.interval, &p.0)
    });
    e.register_fn("minutes_worked", |d: &mut DayHandle, p: PolicyHandle| sum(&d.f, &d.f.days[d.k].shifts, &p.0));
    e.register_fn("minutes_worked", |w: &mut WeekHandle, p: PolicyHandle| sum(&w.f, &w.f.weeks[w.k].shifts, &p.0));
    e.register_fn("minutes_worked_in", |s: &mut ShiftHandle, start: i64, end: i64, p: PolicyHandle| -> Fallible<i64> {
        Ok(minutes_worked(s.f.shift(s.k), window(start, end, "minutes_worked_in()")?, &p.0))
    });
    e.register_fn("minutes_worked_in", |d: &mut DayHandle, start: i64, end: i64, p: PolicyHandle| -> Fallible<i64> {
        let within = window(start, end, "minutes_worked_in()")?;
        Ok(d.f.days[d.k].shifts.iter().map(|&i| minutes_worked(d.f.shift(i), within, &p.0)).sum())
    });
    e.register_fn("minutes_worked_in", |a: &mut AgentHandle, start: i64, end: i64, p: PolicyHandle| -> Fallible<i64> {
        let within = window(start, end, "minutes_worked_in()")?;
        let f = &a.0;
        Ok(shift_indexes_between(f, within).map(|i| minutes_worked(f.shift(i), within, &p.0)).sum())
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use shiftgate_model::{CodeIx, Snapshot};

    use super::*;
    use crate::{Checker, Config, Limits, RuleFile, RuleLibrary, RuleSet};

    fn at(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + m * 60, 0).unwrap()
    }

    fn iv(s: i64, e: i64) -> Interval {
        Interval::new(at(s), at(e))
    }

    fn act(s: i64, e: i64, category: Category, paid: bool) -> Activity {
        Activity {
            interval: iv(s, e),
            code: CodeIx(0),
            category,
            paid,
            paid_override: None,
            work: category == Category::OnQueueWork,
            time_off_request: None,
        }
    }

    fn shift(s: i64, e: i64, activities: Vec<Activity>) -> Shift {
        Shift {
            id: shiftgate_model::ShiftId::new("s"),
            owner: shiftgate_model::AgentIx(0),
            interval: iv(s, e),
            activities,
            origin: (0, 0),
        }
    }

    fn flsa() -> WorkPolicy {
        WorkPolicy {
            exclude: vec![Category::TimeOff, Category::Unavailable],
            unpaid_meal_from: 30,
            unpaid_break_over: 20,
        }
    }

    #[test]
    fn hours_worked_follow_the_policy() {
        use Category::*;
        // 0-120 work, 120-135 unpaid break (short: worked), 135-165 unpaid meal (bona fide: not worked),
        // 165-190 unpaid 25-min break (off duty), 190-300 uncovered (on the clock), 300-360 time off.
        let s = shift(
            0,
            360,
            vec![
                act(0, 120, OnQueueWork, true),
                act(120, 135, Break, false),
                act(135, 165, Meal, false),
                act(165, 190, Break, false),
                act(300, 360, TimeOff, true),
            ],
        );
        assert_eq!(minutes_worked(&s, s.interval, &flsa()), 360 - 30 - 25 - 60);
        assert_eq!(minutes_worked(&s, iv(100, 200), &flsa()), 100 - 30 - 25);
        assert_eq!(minutes_worked(&s, iv(400, 500), &flsa()), 0);
        // A 20-min meal is not bona fide, a paid meal counts, an empty policy counts everything.
        let short = shift(0, 100, vec![act(40, 60, Meal, false), act(60, 100, Meal, true)]);
        assert_eq!(minutes_worked(&short, short.interval, &flsa()), 100);
        let none = WorkPolicy::from_map(&Map::new()).unwrap();
        assert_eq!(minutes_worked(&s, s.interval, &none), 360);
        // Overlapping excluded activities are not subtracted twice.
        let messy = shift(0, 100, vec![act(10, 50, TimeOff, true), act(30, 70, Unavailable, false)]);
        assert_eq!(minutes_worked(&messy, messy.interval, &flsa()), 40);
    }

    #[test]
    fn segments_split_at_interrupting_activities_only() {
        use Category::*;
        let s =
            shift(0, 600, vec![act(0, 240, OnQueueWork, true), act(240, 270, Meal, false), act(400, 410, Break, true)]);
        assert_eq!(segments(&s, &[Meal]), vec![iv(0, 240), iv(270, 600)]);
        assert_eq!(segments(&s, &[Meal, Break]), vec![iv(0, 240), iv(270, 400), iv(410, 600)]);
        assert_eq!(segments(&s, &[TimeOff]), vec![iv(0, 600)]);
        let all_off = shift(0, 60, vec![act(0, 60, TimeOff, true)]);
        assert!(segments(&all_off, &[TimeOff]).is_empty());
    }

    #[test]
    fn longest_run_joins_back_to_back_pauses() {
        use Category::*;
        let s = shift(0, 600, vec![act(100, 110, Break, true), act(110, 125, Meal, false), act(300, 315, Break, true)]);
        assert_eq!(longest_run(&s, &[Break, Meal]), 25);
        assert_eq!(longest_run(&s, &[Break]), 15);
        assert_eq!(longest_run(&s, &[Training]), 0);
    }

    #[test]
    fn longest_rest_in_a_window() {
        let busy = [iv(100, 200), iv(150, 260), iv(500, 600)];
        assert_eq!(longest_rest(&busy, iv(0, 1000)), (iv(600, 1000), 100));
        assert_eq!(longest_rest(&busy, iv(120, 550)), (iv(260, 500), 0));
        assert_eq!(longest_rest(&[], iv(0, 50)), (iv(0, 50), 50));
        // Ties keep the earliest stretch; a window with no free time has an empty rest.
        assert_eq!(longest_rest(&[iv(10, 20)], iv(0, 30)), (iv(0, 10), 10));
        assert_eq!(longest_rest(&busy, iv(160, 250)), (iv(160, 160), 0));
    }

    fn run(script: &str) -> Result<Vec<(String, Option<i64>)>, crate::RunError> {
        let files = vec![RuleFile { pack: "test".into(), path: "rules/test/t.rhai".into(), source: script.into() }];
        let rules = RuleSet::load(&RuleLibrary { files }, &["test".into()], &Config::default(), Limits::default());
        let checker = Checker::new(rules.unwrap(), Some(1));
        let doc = json!({
            "format": "shiftgate.snapshot/1", "asOf": "2026-11-22T18:00:00-06:00",
            "businessUnit": {"id": "bu", "timeZone": "America/Chicago", "startDayOfWeek": "Sunday"},
            "schedule": {"id": "sch", "weekDate": "2026-11-29"},
            "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "1", "category": "Break"},
                              {"id": "2", "category": "Meal", "countsAsPaidTime": false}],
            "agents": [{"id": "a-1"}],
            "agentSchedules": [{"user": {"id": "a-1"}, "shifts": [
                {"id": "s-1", "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 510, "activities": [
                    {"startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "0"},
                    {"startDate": "2026-11-30T18:00:00Z", "lengthMinutes": 30, "activityCodeId": "2"},
                    {"startDate": "2026-11-30T18:30:00Z", "lengthMinutes": 15, "activityCodeId": "1", "paid": false},
                    {"startDate": "2026-11-30T18:45:00Z", "lengthMinutes": 225, "activityCodeId": "0"}]}]}],
            "history": [{"user": {"id": "a-1"}, "shifts": [
                {"id": "h-1", "startDate": "2026-11-28T14:00:00Z", "lengthMinutes": 480}]}]
        });
        let snapshot = Arc::new(Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap());
        let report = checker.check(snapshot.clone(), snapshot.as_of.unwrap())?;
        Ok(report.findings.into_iter().map(|f| (f.message, f.measured)).collect())
    }

    fn rule(body: &str) -> String {
        format!("fn meta() {{ #{{ id: \"test.x\", title: \"t\", severity: \"info\", params: #{{}} }} }}\nfn check(agent, params) {{ {body} }}")
    }

    #[test]
    fn scripts_see_the_helpers() {
        let found = run(&rule(
            r#"let s = agent.shifts()[0];
               let p = work_policy(#{ exclude: ["TimeOff"], unpaid_meal_from: 30, unpaid_break_over: 20 });
               report(s, "worked", #{ measured: s.minutes_worked(p) });
               report(s, "day", #{ measured: agent.days()[1].minutes_worked(p) + agent.weeks()[0].minutes_worked(p) });
               report(s, "in", #{ measured: agent.minutes_worked_in(s.start - 4320, s.start + 60, p) });
               report(s, "meals", #{ measured: s.activities_of("Meal").len() + agent.days()[1].activities_of("Meal").len() });
               report(s, "segments", #{ measured: s.segments(["Meal"]).len() });
               report(s, "pause", #{ measured: s.longest_run(["Meal", "Break"]) });
               report(s, "history", #{ measured: agent.shifts_between(s.start - 4320, s.end).len() });
               // Free from Mon 16:30 CST to the end of the week: 5 days 7 h 30 min.
               let r = agent.longest_rest(period_start(), period_end());
               report(r, `rest ${fmt_time(r.start)} ${add_days("2026-11-29", -1)} ${weekday_of("2026-11-29")}`,
                      #{ measured: r.minutes });
               report(s, "days", #{ measured: days_between("2026-11-29", "2026-12-06") });
               report(s, "empty", #{ measured: agent.longest_rest(s.end, s.end).minutes + agent.minutes_worked_in(s.start, s.start, p) });"#,
        ))
        .unwrap();
        let expect = [
            ("worked", 480),
            ("day", 960),
            ("in", 480 + 60),
            ("meals", 2),
            ("segments", 2),
            ("pause", 45),
            ("history", 2),
            ("rest Mon Nov 30 16:30 CST 2026-11-28 Sun", 7650),
            ("days", 7),
            ("empty", 0),
        ];
        // Findings come sorted by interval, not in report order.
        let mut got: Vec<(String, i64)> = found.into_iter().map(|(m, v)| (m, v.unwrap())).collect();
        let mut want: Vec<(String, i64)> = expect.map(|(m, v)| (m.to_string(), v)).to_vec();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn scripts_see_activity_code_ids() {
        // The draft shift's codes in order; the history shift has no activities, so its one implicit activity has
        // the empty code.
        let found = run(&rule(
            r#"for s in agent.shifts_between(period_start() - 4320, period_end()) {
                   let codes = [];
                   for a in s.activities() { codes.push(a.code); }
                   report(s, `${s.id}: ${codes}`);
               }"#,
        ))
        .unwrap();
        let mut got: Vec<String> = found.into_iter().map(|(m, _)| m).collect();
        got.sort();
        assert_eq!(got, [r#"h-1: [""]"#, r#"s-1: ["0", "2", "1", "0"]"#]);
    }

    #[test]
    fn rest_windows_stop_at_the_known_history() {
        // History h-1 is Sat Nov 28 08:00-16:00 CST: known from Sat 00:00, one day before the week.
        let found = run(&rule(
            r#"let ws = agent.rest_windows(3);
               report(ws[0], `${ws.len()} ${fmt_interval(ws[0].start, ws[0].end)} unknown ${ws[0].unknown}`,
                      #{ measured: ws[0].minutes });
               report(ws[1], `leading ${ws[1].leading}`, #{ measured: ws[1].minutes });"#,
        ))
        .unwrap();
        // Window Fri Nov 27 - Sun Nov 29: Fri unknown; the known part Sat 00:00 - Mon 00:00 rests from Sat 16:00.
        // Window Sat - Mon: free until Sat 08:00, longest from Sat 16:00 to Mon 08:00 (40 h).
        let mut got: Vec<(String, i64)> = found.into_iter().map(|(m, v)| (m, v.unwrap())).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("7 Fri Nov 27 00:00 - Mon Nov 30 00:00 CST unknown 1440".to_string(), 32 * 60),
                ("leading 480".to_string(), 40 * 60)
            ]
        );
    }

    #[test]
    fn typos_fail_the_rule_instead_of_passing() {
        for body in [
            r#"agent.shifts()[0].activities_of("Lunch");"#,
            r#"work_policy(#{ exclude: ["TimeOff"], paid_only: true });"#,
            r#"agent.rest_windows(0);"#,
            r#"agent.longest_rest(100, 50);"#,
            r#"add_days("Nov 29", 1);"#,
        ] {
            assert!(run(&rule(body)).is_err(), "{body} should fail");
        }
    }
}
