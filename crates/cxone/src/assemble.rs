//! From rows to the snapshot: repeated days dropped, schedules resolved to instants, pieces cut at midnight
//! joined again, and every shift placed in the week, in `history`, or left out (said in a note).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use shiftgate_model::format::{
    Text, UserRef, WireActivity, WireActivityCode, WireAgent, WireAgentSchedule, WireBusinessUnit, WireSchedule,
    WireShift, WireSnapshot, WireSource, FORMAT,
};
use shiftgate_model::limits::{MAX_ACTIVITIES_PER_SHIFT, MAX_SHIFTS_PER_AGENT};
use shiftgate_model::{id_problem, Category, Lack, Zone};

use crate::mapping::Mapping;
use crate::problem::{Place, Sink};
use crate::resolve::resolve;
use crate::rows::{Piece, Row};

/// One activity with its instants.
#[derive(Clone, Debug)]
struct Activity {
    code: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// One agent's shift, before it is placed.
#[derive(Clone, Debug)]
struct Shift {
    agent: String,
    unit: String,
    /// The schedule date: `schedDate`, or the local date an API shift starts on.
    date: NaiveDate,
    /// The answer it came from (API), for joining pieces cut at a range's midnight.
    response: Option<usize>,
    /// Where its first row was read.
    place: Place,
    /// Its first part is missing: every row is dated after the schedule date (cut at the export's range).
    headless: bool,
    activities: Vec<Activity>,
}

impl Shift {
    fn start(&self) -> DateTime<Utc> {
        self.activities.iter().map(|a| a.start).min().expect("a shift has activities")
    }
    fn end(&self) -> DateTime<Utc> {
        self.activities.iter().map(|a| a.end).max().expect("a shift has activities")
    }
}

/// What the import gives besides the document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Agents in the snapshot.
    pub agents: usize,
    /// Shifts in the schedule week.
    pub shifts: usize,
    /// Shifts before the week, kept as `history`.
    pub history: usize,
    /// Rows dropped because another input had already given the same agent's day.
    pub repeated_rows: usize,
}

/// The week being imported.
pub(crate) struct Week {
    pub(crate) first: NaiveDate,
    pub(crate) as_of: Option<DateTime<Utc>>,
}

pub(crate) fn assemble(
    rows: Vec<Row>,
    mapping: &Mapping,
    week: &Week,
    notes: &mut Vec<String>,
    sink: &mut Sink,
) -> Option<(WireSnapshot<'static>, Tally)> {
    let mut tally = Tally::default();
    // With rows already refused, a day can differ between exports only because a row of it was refused:
    // contradictions are judged on complete input only.
    let complete = sink.is_empty();
    let rows = without_repeated_days(rows, complete, &mut tally, sink);
    let mut shifts = schedules(&rows, mapping, sink);
    if !sink.is_empty() {
        return None;
    }
    join_cut_pieces(&mut shifts, mapping);
    for s in &mut shifts {
        join_cut_activities(s, mapping);
    }
    let zone = mapping.business_unit.zone;
    let period = zone.days(week.first, 7);
    let last = week.first + Duration::days(6);
    let (mut current, mut history) = (Vec::new(), Vec::new());
    let mut after = 0;
    for s in shifts {
        let dated = s.date.format("%a %Y-%m-%d");
        if s.date > last {
            after += 1;
        } else if s.headless && s.date >= week.first {
            let message = format!(
                "holds only the part after midnight of agent {:?}'s schedule of {dated}: its first part is not in the exports (export that day too, or with disableMidnightCutOff)",
                s.agent
            );
            sink.push(s.place.clone(), message);
        } else if s.headless {
            notes.push(format!(
                "left out the part after midnight of agent {:?}'s schedule of {dated} ({}): its first part is not in the exports, so its length is unknown",
                s.agent, s.place
            ));
        } else if s.date >= week.first {
            if s.start() < period.start {
                let message = format!(
                    "agent {:?}'s schedule of {dated} starts before the week does ({})",
                    s.agent,
                    zone.format_instant(s.start())
                );
                sink.push(s.place.clone(), message);
            } else {
                current.push(s);
            }
        } else if s.start() >= period.start {
            let message = format!(
                "agent {:?}'s schedule of {dated}, before the week, starts in it ({})",
                s.agent,
                zone.format_instant(s.start())
            );
            sink.push(s.place.clone(), message);
        } else {
            history.push(s);
        }
    }
    if after > 0 {
        notes.push(format!(
            "left out {after} shift{} dated after the week (from {})",
            if after == 1 { "" } else { "s" },
            last + Duration::days(1)
        ));
    }
    let exports_end = rows.iter().map(|r| r.day).max();
    for s in &current {
        if s.end() == period.end && exports_end == Some(last) {
            notes.push(format!(
                "agent {:?}'s shift of {} ends at midnight where the exports end: if the export cut it there, export the next day too (or with disableMidnightCutOff)",
                s.agent,
                s.date.format("%a %Y-%m-%d")
            ));
        }
    }
    let doc = document(&rows, current, history, mapping, week, &mut tally, sink)?;
    sink.is_empty().then_some((doc, tally))
}

/// The day of an agent (a local date rows are listed under) comes from one input only: the first file (detail
/// export) or answer (API) that has it. A later input with the same activities for that day repeats it and is
/// dropped; one with different activities contradicts it: a problem naming both.
fn without_repeated_days(rows: Vec<Row>, judge: bool, tally: &mut Tally, sink: &mut Sink) -> Vec<Row> {
    let source = |r: &Row| match r.piece {
        Piece::Scheduled(_) => r.file,
        Piece::Shift { response, .. } => response,
    };
    let mut by_day: BTreeMap<(&str, NaiveDate), BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_day.entry((r.agent.as_str(), r.day)).or_default().entry(source(r)).or_default().push(i);
    }
    let mut keep = vec![true; rows.len()];
    for ((agent, day), sources) in &by_day {
        let mut it = sources.values();
        let Some(first) = it.next() else { continue };
        let same = |a: &[usize], b: &[usize]| {
            a.len() == b.len()
                && a.iter().zip(b).all(|(&x, &y)| {
                    let (x, y) = (&rows[x], &rows[y]);
                    (&x.code, x.start, x.end) == (&y.code, y.start, y.end)
                })
        };
        for other in it {
            if same(first, other) {
                tally.repeated_rows += other.len();
            } else if judge {
                let message = format!(
                    "gives agent {agent:?}'s {} with other activities than {} does: the exports contradict each other",
                    day.format("%a %Y-%m-%d"),
                    rows[first[0]].place
                );
                sink.push(rows[other[0]].place.clone(), message);
            }
            for &i in other {
                keep[i] = false;
            }
        }
    }
    rows.into_iter().zip(keep).filter_map(|(r, k)| k.then_some(r)).collect()
}

/// Rows grouped into schedules and resolved to instants.
fn schedules(rows: &[Row], mapping: &Mapping, sink: &mut Sink) -> Vec<Shift> {
    let mut groups: BTreeMap<(&str, Piece), Vec<&Row>> = BTreeMap::new();
    for r in rows {
        groups.entry((r.agent.as_str(), r.piece)).or_default().push(r);
    }
    let mut shifts = Vec::new();
    for ((agent, piece), mut group) in groups {
        // A schedule's rows in date order, each date's in the order its file lists them.
        group.sort_by_key(|r| (r.day, r.file));
        let first = group[0];
        if let Some(other) = group.iter().find(|r| r.unit != first.unit) {
            let message = format!(
                "puts agent {agent:?} in unit {:?}, while {} has unit {:?}",
                other.unit, first.place, first.unit
            );
            sink.push(other.place.clone(), message);
            continue;
        }
        let Some(zone) = mapping.zone(&first.unit) else { continue };
        let Some(times) = resolve(&group, zone, sink) else { continue };
        let activities: Vec<Activity> =
            group.iter().zip(times).map(|(r, (start, end))| Activity { code: r.code.clone(), start, end }).collect();
        let (date, response, headless) = match piece {
            Piece::Scheduled(d) => (d, None, group.iter().all(|r| r.day > d)),
            Piece::Shift { response, .. } => {
                let start = activities.iter().map(|a| a.start).min().expect("rows");
                (zone.local_date(start), Some(response), false)
            }
        };
        if activities.len() > MAX_ACTIVITIES_PER_SHIFT {
            let message =
                format!("a schedule of {} activities; at most {MAX_ACTIVITIES_PER_SHIFT} are read", activities.len());
            sink.push(first.place.clone(), message);
            continue;
        }
        shifts.push(Shift {
            agent: agent.to_string(),
            unit: first.unit.clone(),
            date,
            response,
            place: first.place.clone(),
            headless,
            activities,
        });
    }
    shifts
}

/// Whether an instant is a local midnight in the zone.
fn is_midnight(zone: Zone, t: DateTime<Utc>) -> bool {
    zone.day_start(zone.local_date(t)) == t
}

/// API answers each cover a range of days; a shift crossing the midnight where one answer's range ends and the
/// next one's begins may come as two pieces. Pieces of one agent from different answers that meet exactly at a
/// local midnight are one shift again (dated by the first piece). Pieces of one answer are left as they are.
fn join_cut_pieces(shifts: &mut Vec<Shift>, mapping: &Mapping) {
    shifts.sort_by(|a, b| (&a.agent, a.start()).cmp(&(&b.agent, b.start())));
    let mut joined: Vec<Shift> = Vec::with_capacity(shifts.len());
    for s in shifts.drain(..) {
        if let Some(prev) = joined.last_mut() {
            let zone = mapping.zone(&s.unit).unwrap_or(mapping.business_unit.zone);
            let meets = prev.agent == s.agent && prev.end() == s.start() && is_midnight(zone, s.start());
            if meets && prev.response.is_some() && s.response.is_some() && prev.response != s.response {
                prev.activities.extend(s.activities);
                continue;
            }
        }
        joined.push(s);
    }
    *shifts = joined;
}

/// An activity cut at midnight (by the export's range, or written as two rows) is one activity again: two
/// consecutive activities of one code that meet exactly at a local midnight are joined.
fn join_cut_activities(shift: &mut Shift, mapping: &Mapping) {
    let zone = mapping.zone(&shift.unit).unwrap_or(mapping.business_unit.zone);
    let mut out: Vec<Activity> = Vec::with_capacity(shift.activities.len());
    for a in shift.activities.drain(..) {
        if let Some(prev) = out.last_mut() {
            if prev.code == a.code && prev.end == a.start && is_midnight(zone, a.start) {
                prev.end = a.end;
                continue;
            }
        }
        out.push(a);
    }
    shift.activities = out;
}

fn text(s: impl Into<String>) -> Text<'static> {
    Text::from(s.into())
}

fn instant(t: DateTime<Utc>) -> Text<'static> {
    text(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The snapshot document, in a canonical order (agents and codes by id, shifts by start) so that every export
/// form of the same week gives the same bytes.
fn document(
    rows: &[Row],
    current: Vec<Shift>,
    history: Vec<Shift>,
    mapping: &Mapping,
    week: &Week,
    tally: &mut Tally,
    sink: &mut Sink,
) -> Option<WireSnapshot<'static>> {
    let bu = &mapping.business_unit;
    let mut units: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rows {
        units.entry(r.agent.as_str()).or_insert(r.unit.as_str());
    }
    let agents: Vec<WireAgent<'static>> = units
        .iter()
        .map(|(&id, &unit)| {
            let info = mapping.agents.get(id).cloned().unwrap_or_default();
            WireAgent {
                id: Some(text(id)),
                name: info.name.map(text),
                management_unit_id: Some(text(unit)),
                tags: info.tags.into_iter().map(text).collect(),
                ..Default::default()
            }
        })
        .collect();
    tally.agents = agents.len();
    tally.shifts = current.len();
    tally.history = history.len();
    let agent_schedules = by_agent(current, sink);
    let history = by_agent(history, sink);
    let activity_codes = mapping
        .codes
        .iter()
        .map(|(id, c)| WireActivityCode {
            id: Some(text(id.as_str())),
            name: Some(text(c.name.clone().unwrap_or_else(|| id.clone()))),
            category: Some(text(c.category.as_str())),
            counts_as_paid_time: Some(c.paid),
            counts_as_work_time: Some(c.category == Category::OnQueueWork),
        })
        .collect();
    let day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        [bu.start_day_of_week.num_days_from_monday() as usize];
    Some(WireSnapshot {
        format: Some(text(FORMAT)),
        as_of: week.as_of.map(instant),
        business_unit: Some(WireBusinessUnit {
            id: Some(text(bu.id.as_str())),
            name: bu.name.clone().map(text),
            time_zone: Some(text(bu.zone.name())),
            start_day_of_week: Some(text(day)),
        }),
        schedule: Some(WireSchedule {
            id: Some(text(mapping.schedule_id.clone().unwrap_or_else(|| format!("cxone-{}", week.first)))),
            week_date: Some(text(week.first.to_string())),
            week_count: Some(1),
            ..Default::default()
        }),
        activity_codes,
        agents,
        agent_schedules: agent_schedules?,
        history: history?,
        source: Some(WireSource {
            kind: Some(text("cxone")),
            lacks: Lack::ALL.iter().map(|l| text(l.as_str())).collect(),
        }),
        ..Default::default()
    })
}

/// One entry per agent (by id), shifts by start, ids `<agent>-<date>` (`-2`, `-3` for further shifts that day).
fn by_agent(shifts: Vec<Shift>, sink: &mut Sink) -> Option<Vec<WireAgentSchedule<'static>>> {
    let mut per_agent: BTreeMap<String, Vec<Shift>> = BTreeMap::new();
    for s in shifts {
        per_agent.entry(s.agent.clone()).or_default().push(s);
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (agent, mut shifts) in per_agent {
        shifts.sort_by_key(Shift::start);
        if shifts.len() > MAX_SHIFTS_PER_AGENT {
            let message =
                format!("agent {agent:?} has {} shifts; at most {MAX_SHIFTS_PER_AGENT} are read", shifts.len());
            sink.push(shifts[0].place.clone(), message);
            ok = false;
            continue;
        }
        let mut per_date: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        let mut wire_shifts = Vec::new();
        for s in &shifts {
            let n = per_date.entry(s.date).or_default();
            *n += 1;
            let id = if *n == 1 { format!("{agent}-{}", s.date) } else { format!("{agent}-{}-{n}", s.date) };
            if let Some(p) = id_problem(&id) {
                sink.push(s.place.clone(), format!("the shift id {p} (the agent id is too long)"));
                ok = false;
                continue;
            }
            let (start, end) = (s.start(), s.end());
            wire_shifts.push(WireShift {
                id: Some(text(id)),
                start_date: Some(instant(start)),
                length_minutes: Some((end - start).num_minutes()),
                activities: s
                    .activities
                    .iter()
                    .map(|a| WireActivity {
                        start_date: Some(instant(a.start)),
                        length_minutes: Some((a.end - a.start).num_minutes()),
                        activity_code_id: Some(text(a.code.as_str())),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            });
        }
        out.push(WireAgentSchedule {
            user: Some(UserRef { id: Some(text(agent)) }),
            shifts: wire_shifts,
            ..Default::default()
        });
    }
    ok.then_some(out)
}
