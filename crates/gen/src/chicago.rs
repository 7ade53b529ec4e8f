//! The bundled Chicago fixture (`fixtures/schedules/chicago-week.json`): the README's main example.
//!
//! About 200 agents of "Chicago Care" for the week of Sunday 2026-11-29, as pulled by the Sunday 18:00 publish job
//! a week earlier. Most agents come from the generator with `problems: false`; a cast of named agents carries the
//! story: four approved trades that hand a shift to an agent with a PENDING time-off request the draft does not
//! reflect (the 409 incident), exactly one clear case of every other core problem, and near misses that must not be
//! reported. `fixtures/schedules/README.md` tells the story agent by agent; [`chicago_week_labeled`] returns it as
//! data.

use chrono::{Duration, NaiveDate};

use crate::catalog::{PERSONAL, VACATION};
use crate::tile::Carve;
use crate::timeoff::add_time_off;
use crate::trades::add_trades;
use crate::wire::to_wire;
use crate::world::{stream, Band, Contract, GMarker, GRequest, GTrade, Plan, World, FT_5X85, PT_4X8};
use crate::{GenOptions, Labeled};

const SEED: u64 = 20_261_129;
const AGENTS: usize = 200;

// Days of the schedule week, as offsets from Sunday 2026-11-29 (negative: history).
const SUN: i64 = 0;
const MON: i64 = 1;
const TUE: i64 = 2;
const WED: i64 = 3;
const THU: i64 = 4;
const FRI: i64 = 5;
const SAT: i64 = 6;

fn hm(h: i64, m: i64) -> i64 {
    h * 60 + m
}

fn bits(days: &[i64]) -> u8 {
    days.iter().fold(0, |b, d| b | 1 << d)
}

/// Gives agent `num` a fixed regular week (no day-to-day variation) and keeps it out of the random phases.
fn recast(w: &mut World, num: usize, contract: Contract, band: Band, start: i64, days: &[i64]) -> usize {
    recast_rotated(w, num, contract, band, start, days, days)
}

fn recast_rotated(
    w: &mut World,
    num: usize,
    contract: Contract,
    band: Band,
    start: i64,
    days: &[i64],
    history_days: &[i64],
) -> usize {
    let ix = num - 1;
    let mut agent = w.agents[ix].clone();
    agent.plan = Plan { contract, band, start, days: bits(days), history_days: bits(history_days) };
    agent.tags.retain(|t| *t != "part-time");
    if contract.part_time {
        agent.tags.push("part-time");
    }
    w.materialize(&mut agent, None);
    agent.busy = true;
    w.agents[ix] = agent;
    ix
}

/// Index of agent `ix`'s draft shift starting on day `d`.
fn on(w: &World, ix: usize, d: i64) -> Option<usize> {
    let date: NaiveDate = w.day(d);
    w.agents[ix].shifts.iter().position(|s| w.local_date(s.start) == date)
}

struct Story<'w> {
    w: &'w mut World,
}

impl Story<'_> {
    fn request(&mut self, agent: usize, status: &'static str, code: &'static str, span: Span) -> u32 {
        let id = self.w.new_tor();
        let (dates, starts, daily) = match span {
            Span::Days(days) => (days.iter().map(|&d| self.w.day(d)).collect(), vec![], 480),
            Span::Part(d, minute, len) => (vec![], vec![self.w.at(d, minute)], len),
        };
        self.w.requests.push(GRequest {
            id,
            agent,
            status,
            dates,
            starts,
            daily,
            code,
            submitted: self.w.at(-30, hm(9, 0)),
            reviewed: None,
            notes: None,
        });
        id
    }

    /// Sets when the last request was submitted and reviewed (days relative to Sunday 2026-11-29, local minutes).
    fn dated(&mut self, submitted: (i64, i64), reviewed: Option<(i64, i64)>, notes: Option<&'static str>) {
        let (s, r) = (self.w.at(submitted.0, submitted.1), reviewed.map(|(d, m)| self.w.at(d, m)));
        if let Some(last) = self.w.requests.last_mut() {
            last.submitted = s;
            last.reviewed = r;
            last.notes = notes;
        }
    }

    /// A trade of `a`'s shift on day `da` for `b`'s shift on day `db` (a pick-up without `db`).
    fn trade(
        &mut self,
        state: &'static str,
        a: usize,
        da: i64,
        b: usize,
        db: Option<i64>,
        reviewed: Option<(i64, i64)>,
    ) {
        let w = &mut *self.w;
        let Some(ia) = on(w, a, da) else { return };
        let sa = &w.agents[a].shifts[ia];
        let (initiating_shift, initiating_times) = (w.agents[a].shift_id(sa), Some((sa.start, sa.end())));
        let (mut receiving_shift, mut receiving_times) = (None, None);
        if let Some(ib) = db.and_then(|db| on(w, b, db)) {
            let sb = &w.agents[b].shifts[ib];
            (receiving_shift, receiving_times) = (Some(w.agents[b].shift_id(sb)), Some((sb.start, sb.end())));
        }
        let id = w.new_trade();
        let reviewed = reviewed.map(|(d, m)| w.at(d, m));
        w.trades.push(GTrade {
            id,
            state,
            initiating: a,
            initiating_shift,
            initiating_times,
            receiving: Some(b),
            receiving_shift,
            receiving_times,
            reviewed,
        });
    }

    fn label(&mut self, rule: &'static str, agent: usize, what: &str) {
        self.w.label(rule, agent, what.to_string());
    }
}

/// What a request covers: whole local days, or `(day, local start minute, minutes)`.
enum Span {
    Days(Vec<i64>),
    Part(i64, i64, i64),
}

/// The incident: four approved trades that each hand a shift to an agent with a PENDING, unreflected request.
fn incident(st: &mut Story<'_>) {
    const PENDING: &str = crate::INCIDENT_RULE;
    let w = &mut *st.w;
    let (a12, a47) = (
        recast(w, 12, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]),
        recast(w, 47, FT_5X85, Band::Day, hm(8, 0), &[SUN, MON, THU, FRI, SAT]),
    );
    let (a63, a108) = (
        recast(w, 63, FT_5X85, Band::Evening, hm(14, 0), &[SUN, MON, TUE, WED, THU]),
        recast(w, 108, FT_5X85, Band::Evening, hm(14, 0), &[SUN, MON, THU, FRI, SAT]),
    );
    let (a85, a131) = (
        recast(w, 85, FT_5X85, Band::Day, hm(7, 0), &[MON, TUE, WED, THU, FRI]),
        recast(w, 131, FT_5X85, Band::Day, hm(7, 0), &[SUN, MON, TUE, FRI, SAT]),
    );
    let (a150, a176) = (
        recast(w, 150, FT_5X85, Band::Day, hm(10, 0), &[MON, TUE, WED, THU, FRI]),
        recast(w, 176, PT_4X8, Band::Day, hm(10, 0), &[MON, TUE, WED, THU]),
    );

    st.trade("Approved", a12, TUE, a47, Some(SAT), Some((-9, hm(16, 0))));
    st.request(a47, "PENDING", PERSONAL, Span::Part(TUE, hm(8, 0), 510));
    st.dated((-8, hm(9, 12)), None, Some("medical appointment"));
    st.label(PENDING, a47, "takes Tue Dec 1 08:00-16:30 from a-00012 by tr-00001; PENDING tor-00001 covers it");

    st.trade("Approved", a63, WED, a108, Some(FRI), Some((-9, hm(10, 30))));
    st.request(a108, "PENDING", VACATION, Span::Days(vec![WED]));
    st.dated((-10, hm(11, 40)), None, Some("family event"));
    st.label(PENDING, a108, "takes Wed Dec 2 14:00-22:30 from a-00063 by tr-00002; PENDING tor-00002 is all of Dec 2");

    st.trade("Approved", a85, THU, a131, Some(SUN), Some((-11, hm(15, 0))));
    st.request(a131, "PENDING", PERSONAL, Span::Part(THU, hm(12, 0), 240));
    st.dated((-7, hm(8, 5)), None, None);
    st.label(PENDING, a131, "takes Thu Dec 3 07:00-15:30 from a-00085 by tr-00003; PENDING tor-00003 is 12:00-16:00");

    st.trade("Approved", a150, FRI, a176, None, Some((-8, hm(11, 0))));
    st.request(a176, "PENDING", VACATION, Span::Days(vec![FRI]));
    st.dated((-9, hm(19, 25)), None, Some("travel"));
    st.label(
        PENDING,
        a176,
        "picks up Fri Dec 4 10:00-18:30 from a-00150 by tr-00004; PENDING tor-00004 is all of Dec 4",
    );
}

/// Exactly one clear case of every other core problem.
fn one_of_each(st: &mut Story<'_>) {
    let w = &mut *st.w;

    // Overlap: an extra early shift on Thursday starts an hour before the Wednesday night shift ends.
    let a21 = recast(w, 21, PT_4X8, Band::Night, hm(22, 0), &[SUN, MON, TUE, WED]);
    let start = w.at(THU, hm(5, 0));
    let extra = w.agents[a21].new_shift(start, 240, 0x0100, false);
    w.agents[a21].shifts.push(extra);
    st.label(
        "core.shift.overlap",
        a21,
        "s-00021-5 Thu Dec 3 05:00-09:00 overlaps s-00021-4 (Wed 22:00-Thu 06:00) by 60 min",
    );

    // An activity outside its shift: Wednesday was cut to 09:00-17:00 by hand, the last On Queue block still ends 17:30.
    let w = &mut *st.w;
    let a34 = recast(w, 34, FT_5X85, Band::Day, hm(9, 0), &[MON, TUE, WED, THU, FRI]);
    if let Some(i) = on(w, a34, WED) {
        let s = &mut w.agents[a34].shifts[i];
        s.len = 480;
        s.manual = true;
    }
    st.label("core.activity.within-shift", a34, "s-00034-3 Wed Dec 2 09:00-17:00; its last activity runs to 17:30");

    // Approved time off against work: the marker for tor-00005 is there, the Thursday shift was never removed.
    let w = &mut *st.w;
    let a56 = recast(w, 56, PT_4X8, Band::Day, hm(8, 0), &[MON, TUE, WED, THU]);
    let id = st.request(a56, "APPROVED", VACATION, Span::Days(vec![THU]));
    st.dated((-27, hm(10, 0)), Some((-24, hm(14, 0))), Some("family event"));
    let date = st.w.day(THU);
    st.w.agents[a56].markers.push(GMarker { date, len: 480, code: VACATION, tor: Some(id) });
    st.label(
        "core.timeoff.approved-conflict",
        a56,
        "APPROVED tor-00005 (all of Thu Dec 3, reflected) vs shift s-00056-4 08:00-16:00",
    );

    // Two live requests of one agent overlap, on a day off (so they conflict with no work).
    let a71 = recast(st.w, 71, FT_5X85, Band::Day, hm(8, 30), &[SUN, MON, TUE, WED, THU]);
    st.request(a71, "PENDING", VACATION, Span::Days(vec![FRI]));
    st.dated((-12, hm(13, 0)), None, None);
    st.request(a71, "PENDING", PERSONAL, Span::Part(FRI, hm(10, 0), 240));
    st.dated((-8, hm(17, 45)), None, Some("school conference"));
    st.label("core.timeoff.self-overlap", a71, "PENDING tor-00006 (all of Fri Dec 4) and tor-00007 (10:00-14:00)");

    // Approved but not in the draft: no marker or TimeOff activity carries tor-00008; Saturday is a day off anyway.
    let a92 = recast(st.w, 92, FT_5X85, Band::Day, hm(7, 30), &[MON, TUE, WED, THU, FRI]);
    st.request(a92, "APPROVED", VACATION, Span::Days(vec![SAT]));
    st.dated((-10, hm(9, 0)), Some((-8, hm(12, 0))), None);
    st.label("core.timeoff.unreflected", a92, "APPROVED tor-00008 for Sat Dec 5 has no marker");

    // Trade integrity: one approved trade names a deleted shift, another recorded times the shift no longer has.
    let w = &mut *st.w;
    let a103 = recast(w, 103, FT_5X85, Band::Evening, hm(15, 0), &[MON, TUE, WED, THU, FRI]);
    let a117 = recast(w, 117, PT_4X8, Band::Evening, hm(15, 0), &[SUN, MON, TUE, WED]);
    let id = w.new_trade();
    let reviewed = Some(w.at(-10, hm(12, 0)));
    w.trades.push(GTrade {
        id,
        state: "Approved",
        initiating: a103,
        initiating_shift: "s-00103-9".into(),
        initiating_times: None,
        receiving: Some(a117),
        receiving_shift: None,
        receiving_times: None,
        reviewed,
    });
    st.label("core.trade.integrity", a103, "approved tr-00005 names shift s-00103-9, which is not in the draft");
    let w = &mut *st.w;
    let a124 = recast(w, 124, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    let a139 = recast(w, 139, FT_5X85, Band::Day, hm(8, 0), &[SUN, MON, TUE, FRI, SAT]);
    st.trade("Approved", a124, THU, a139, Some(SUN), Some((-9, hm(9, 0))));
    // After approval, the Thursday shift was moved an hour later.
    let w = &mut *st.w;
    if let Some(i) = on(w, a124, THU) {
        w.agents[a124].shifts[i].start += Duration::hours(1);
    }
    st.label(
        "core.trade.integrity",
        a124,
        "approved tr-00006 recorded s-00124-4 as 08:00-16:30; it is now 09:00-17:30",
    );

    // Short rest: Monday moved to a closing shift, Tuesday still opens at 07:00.
    let w = &mut *st.w;
    let a142 = recast(w, 142, FT_5X85, Band::Day, hm(7, 0), &[MON, TUE, WED, THU, FRI]);
    if let Some(i) = on(w, a142, MON) {
        w.agents[a142].shifts[i].start = w.at(MON, hm(14, 0));
    }
    st.label("core.rest.min-between-shifts", a142, "510 min between Mon Nov 30 14:00-22:30 and Tue Dec 1 07:00");

    // Over 40 paid hours: a sixth 8.5-hour evening shift on Friday.
    let w = &mut *st.w;
    let a155 = recast(w, 155, FT_5X85, Band::Evening, hm(13, 0), &[SUN, MON, TUE, WED, THU]);
    let start = w.at(FRI, hm(13, 0));
    let extra = w.agents[a155].new_shift(start, 510, 0x0200, false);
    w.agents[a155].shifts.push(extra);
    st.label("core.hours.weekly-paid", a155, "2880 paid minutes: six 8.5-hour shifts");

    // Seven days in a row: days off rotated from Sun/Mon (history week) to Tue/Wed (this week).
    let a163 =
        recast_rotated(st.w, 163, FT_5X85, Band::Day, hm(8, 0), &[SUN, MON, THU, FRI, SAT], &[TUE, WED, THU, FRI, SAT]);
    st.label("core.days.max-consecutive", a163, "works Tue Nov 24 through Mon Nov 30, 7 days");

    // Two shifts starting on one day, 10.5 hours apart (so only this rule fires).
    let w = &mut *st.w;
    let a182 = recast(w, 182, PT_4X8, Band::Day, hm(8, 0), &[MON, TUE, WED, THU]);
    for (minute, variant) in [(hm(6, 0), 0x0300), (hm(20, 30), 0x0400)] {
        let start = w.at(SAT, minute);
        let s = w.agents[a182].new_shift(start, 240, variant, false);
        w.agents[a182].shifts.push(s);
    }
    st.label("core.shift.one-per-day", a182, "Sat Dec 5 06:00-10:00 and 20:30-00:30");

    // A 17-hour double on Thursday, with Friday off.
    let w = &mut *st.w;
    let a195 = recast(w, 195, PT_4X8, Band::Day, hm(6, 0), &[MON, TUE, WED, THU]);
    if let Some(i) = on(w, a195, THU) {
        let s = &mut w.agents[a195].shifts[i];
        s.len = 1020;
        s.tiled_len = 1020;
    }
    st.label("core.shift.length", a195, "s-00195-4 Thu Dec 3 06:00-23:00 is 1020 min");
}

/// Look like problems, are not: each must produce no finding.
fn near_misses(st: &mut Story<'_>) {
    let w = &mut *st.w;
    let a9 = recast(w, 9, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    st.request(a9, "DENIED", VACATION, Span::Days(vec![WED]));
    st.dated((-20, hm(10, 0)), Some((-18, hm(9, 30))), None);

    let a18 = recast(st.w, 18, FT_5X85, Band::Day, hm(9, 0), &[MON, TUE, WED, THU, FRI]);
    st.request(a18, "CANCELED", PERSONAL, Span::Part(MON, hm(13, 0), 240));
    st.dated((-15, hm(16, 0)), None, None);

    // A matched (not approved) trade that would hand a-00038 a shift on the day of its pending request.
    let w = &mut *st.w;
    let a29 = recast(w, 29, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    let a38 = recast(w, 38, FT_5X85, Band::Day, hm(8, 0), &[SUN, WED, THU, FRI, SAT]);
    st.trade("Matched", a29, TUE, a38, Some(SUN), None);
    st.request(a38, "PENDING", VACATION, Span::Days(vec![TUE]));
    st.dated((-9, hm(9, 0)), None, None);

    // A denied trade that would double-book a-00044 on Wednesday.
    let w = &mut *st.w;
    let a41 = recast(w, 41, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    let a44 = recast(w, 44, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    st.trade("Denied", a41, WED, a44, Some(THU), Some((-9, hm(13, 0))));

    // Approved partial day off, reflected by a TimeOff activity over the last 3.5 hours of Friday (after the meal).
    let w = &mut *st.w;
    let a50 = recast(w, 50, FT_5X85, Band::Day, hm(8, 0), &[MON, TUE, WED, THU, FRI]);
    let id = st.request(a50, "APPROVED", PERSONAL, Span::Part(FRI, hm(13, 0), 210));
    st.dated((-21, hm(11, 0)), Some((-20, hm(15, 0))), Some("school conference"));
    let w = &mut *st.w;
    if let Some(i) = on(w, a50, FRI) {
        w.agents[a50].shifts[i].carve = Some(Carve { offset: 300, len: 210, code: PERSONAL, tor: Some(id) });
    }

    // Approved full day off on Monday: the shift is gone and a marker carries the request.
    let w = &mut *st.w;
    let a67 = recast(w, 67, FT_5X85, Band::Evening, hm(12, 0), &[MON, TUE, WED, THU, FRI]);
    let id = st.request(a67, "APPROVED", VACATION, Span::Days(vec![MON]));
    st.dated((-40, hm(10, 0)), Some((-38, hm(10, 0))), None);
    let w = &mut *st.w;
    if let Some(i) = on(w, a67, MON) {
        w.agents[a67].shifts.remove(i);
    }
    let date = w.day(MON);
    w.agents[a67].markers.push(GMarker { date, len: 480, code: VACATION, tor: Some(id) });
}

/// The fixture, with the problems it was built to contain.
pub fn chicago_week_labeled() -> Labeled {
    let opts = GenOptions { agents: AGENTS, seed: SEED, ..GenOptions::default() };
    let mut w = World::new(&opts);
    w.bu_id = "bu-chi".into();
    w.bu_name = "Chicago Care".into();
    w.schedule_id = "sch-48".into();
    w.schedule_version = 17;
    {
        let mut st = Story { w: &mut w };
        incident(&mut st);
        one_of_each(&mut st);
        near_misses(&mut st);
    }
    for a in &mut w.agents {
        a.shifts.sort_by_key(|s| s.start);
    }
    // The rest of the roster: clean requests and trades from the generator.
    add_time_off(&mut w, &mut stream(SEED, 2));
    add_trades(&mut w, &mut stream(SEED, 3));
    Labeled { snapshot: to_wire(&w), injected: std::mem::take(&mut w.injected) }
}

/// The bundled Chicago fixture as a wire document (see the module docs and `fixtures/schedules/README.md`).
pub fn chicago_week() -> shiftgate_model::format::WireSnapshot<'static> {
    chicago_week_labeled().snapshot
}
