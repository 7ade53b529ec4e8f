//! Parse, then validate: turns the wire document into a [`Snapshot`], reporting every problem at once.
//!
//! This module holds the entry points and the document-level checks; `schedules` validates agent schedules
//! (shifts, activities, markers) and `requests` time-off requests and trades.

mod requests;
mod schedules;

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::value::RawValue;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::error::{InputError, Problem};
use crate::format::{Text, UserRef, WireAgentSchedule, WireSnapshot, FORMAT};
use crate::id::{ActivityCodeId, AgentId, AgentIx, CodeIx, ShiftIx};
use crate::snapshot::{ActivityCode, Agent, BusinessUnit, Category, ScheduleInfo, Snapshot};
use crate::time::{parse_date, parse_instant, Zone};
use schedules::{entry, Entry};

/// Longest interval accepted for a shift or activity: one week. Anything longer is a data error, and the bound
/// keeps instant arithmetic far from overflow.
pub const MAX_LENGTH_MINUTES: i64 = 7 * 24 * 60;

impl Snapshot {
    /// Reads and validates a snapshot from JSON bytes.
    ///
    /// Agent schedules and history, nearly all of a large snapshot, are read in two passes: the first only finds
    /// where each entry starts and ends, the second parses and validates the entries in parallel (on the current
    /// rayon pool) and frees each one's wire form as soon as it is validated.
    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, InputError> {
        // Checking UTF-8 once up front lets serde borrow strings without re-validating each one.
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return Err(utf8_error(bytes, &e)),
        };
        let mut wire: WireSnapshot<'_, &RawValue> = match serde_json::from_str(text) {
            Ok(w) => w,
            Err(e) => return Err(syntax_error(bytes, &e)),
        };
        let schedules = std::mem::take(&mut wire.agent_schedules);
        let history = std::mem::take(&mut wire.history);
        let mut v = Validator::default();
        match v.snapshot(&wire, schedules, history) {
            Ok(Some(s)) if v.problems.is_empty() => Ok(s),
            Ok(_) => Err(InputError::Invalid(v.problems)),
            // An entry has a value of the wrong type. The one-pass parse locates it in the whole document.
            Err(entry_error) => Err(match serde_json::from_str::<WireSnapshot<'_>>(text) {
                Err(e) => syntax_error(bytes, &e),
                Ok(_) => syntax_error(bytes, &entry_error),
            }),
        }
    }

    /// Validates an already-parsed wire document.
    pub fn from_wire(wire: &WireSnapshot<'_>) -> Result<Snapshot, InputError> {
        let mut v = Validator::default();
        match v.snapshot(wire, wire.agent_schedules.as_slice(), wire.history.as_slice()) {
            Ok(Some(s)) if v.problems.is_empty() => Ok(s),
            Ok(_) => Err(InputError::Invalid(v.problems)),
            // Parsed entries cannot fail to parse; kept total rather than panicking.
            Err(e) => {
                Err(InputError::Syntax { path: ".".into(), message: e.to_string(), line: e.line(), column: e.column() })
            }
        }
    }
}

/// Agent schedules and history as they reach validation: parsed already, or raw JSON text that is parsed here, in
/// parallel, entry by entry. Gives the validated entries of both lists, each in document order.
trait ScheduleEntries: Sized {
    fn validate(schedules: Self, history: Self, ctx: &Ctx<'_>) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error>;
}

impl ScheduleEntries for &[WireAgentSchedule<'_>] {
    fn validate(schedules: Self, history: Self, ctx: &Ctx<'_>) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error> {
        let validate = |list: &[WireAgentSchedule<'_>], name| -> Vec<Entry> {
            list.iter().enumerate().map(|(i, s)| entry(s, i, name, ctx)).collect()
        };
        Ok((validate(schedules, "agentSchedules"), validate(history, "history")))
    }
}

impl ScheduleEntries for Vec<&RawValue> {
    fn validate(schedules: Self, history: Self, ctx: &Ctx<'_>) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error> {
        // One parallel pass over both lists, so that neither waits for the other's last entries.
        let all: Vec<(&str, usize, &str)> = schedules
            .iter()
            .enumerate()
            .map(|(i, &raw)| ("agentSchedules", i, raw.get()))
            .chain(history.iter().enumerate().map(|(i, &raw)| ("history", i, raw.get())))
            .collect();
        let mut entries = all
            .into_par_iter()
            .with_min_len(32)
            .map(|(name, i, raw)| serde_json::from_str::<WireAgentSchedule<'_>>(raw).map(|s| entry(&s, i, name, ctx)))
            .collect::<Result<Vec<_>, _>>()?;
        let history = entries.split_off(schedules.len());
        Ok((entries, history))
    }
}

fn utf8_error(bytes: &[u8], e: &std::str::Utf8Error) -> InputError {
    let good = &bytes[..e.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    InputError::Syntax { path: ".".into(), message: "the snapshot is not valid UTF-8".into(), line, column }
}

/// The fast parse keeps no path; on failure parse again, slowly, to say where.
fn syntax_error(bytes: &[u8], fast: &serde_json::Error) -> InputError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let path = match serde_path_to_error::deserialize::<_, WireSnapshot<'_>>(&mut de) {
        Err(e) => e.path().to_string(),
        Ok(_) => ".".to_string(),
    };
    let message = fast.to_string();
    // serde_json appends " at line L column C"; we report those separately.
    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
    InputError::Syntax { path, message, line: fast.line(), column: fast.column() }
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "Sunday" => Weekday::Sun,
        "Monday" => Weekday::Mon,
        "Tuesday" => Weekday::Tue,
        "Wednesday" => Weekday::Wed,
        "Thursday" => Weekday::Thu,
        "Friday" => Weekday::Fri,
        "Saturday" => Weekday::Sat,
        _ => return None,
    })
}

fn weekday_name(d: Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][d.num_days_from_monday() as usize]
}

impl Validator {
    fn fail(&mut self, path: impl FnOnce() -> String, message: impl Into<String>) {
        self.problems.push(Problem { path: path(), message: message.into() });
    }

    fn required<'t, T>(&mut self, v: &'t Option<T>, path: impl FnOnce() -> String) -> Option<&'t T> {
        if v.is_none() {
            self.fail(path, "is required");
        }
        v.as_ref()
    }

    fn text<'t>(&mut self, v: &'t Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<&'t str> {
        match v {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(t) if t.as_str().is_empty() => {
                self.fail(path, "must not be empty");
                None
            }
            Some(t) => Some(t.as_str()),
        }
    }

    fn instant(&mut self, v: &Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        let s = v.as_ref();
        match s {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(t) => self.instant_str(t.as_str(), path),
        }
    }

    fn instant_str(&mut self, s: &str, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        let t = parse_instant(s);
        if t.is_none() {
            self.fail(path, format!("must be an RFC 3339 instant with Z or an offset, got {s:?}"));
        }
        t
    }

    fn optional_instant(&mut self, v: &Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        v.as_ref().and_then(|t| self.instant_str(t.as_str(), path))
    }

    fn date(&mut self, s: &str, path: impl FnOnce() -> String) -> Option<NaiveDate> {
        let d = parse_date(s);
        if d.is_none() {
            self.fail(path, format!("must be a yyyy-MM-dd date, got {s:?}"));
        }
        d
    }

    fn length(&mut self, v: Option<i64>, max: i64, path: impl FnOnce() -> String) -> Option<i64> {
        match v {
            None => {
                self.fail(path, "is required");
                None
            }
            Some(n) if n <= 0 => {
                self.fail(path, format!("must be > 0, got {n}"));
                None
            }
            Some(n) if n > max => {
                self.fail(path, format!("must be at most {max}, got {n}"));
                None
            }
            Some(n) => Some(n),
        }
    }

    /// The whole document; `Err` only when an agent schedule or history entry does not parse.
    fn snapshot<X, E: ScheduleEntries>(
        &mut self,
        w: &WireSnapshot<'_, X>,
        schedules: E,
        history: E,
    ) -> Result<Option<Snapshot>, serde_json::Error> {
        match w.format.as_ref().map(Text::as_str) {
            Some(FORMAT) => {}
            Some(other) => self.fail(|| "format".into(), format!("must be {FORMAT:?}, got {other:?}")),
            None => self.fail(|| "format".into(), format!("is required (\"{FORMAT}\")")),
        }
        let as_of = self.optional_instant(&w.as_of, || "asOf".into());
        let business_unit = self.business_unit(w);
        let schedule = self.schedule(w, business_unit.as_ref());
        let codes = self.activity_codes(w);
        let (agents, agent_index) = self.agents(w);
        let zone = business_unit.as_ref().map(|b| b.zone);

        let code_index: HashMap<&str, (CodeIx, &ActivityCode)> =
            codes.iter().enumerate().map(|(i, (k, c))| (k.as_str(), (CodeIx(i as u32), c))).collect();
        let ctx = Ctx { codes: &code_index, agent_index: &agent_index, zone };
        let mut agents = agents;
        let (schedules, history) = E::validate(schedules, history, &ctx)?;
        let (shifts, markers) = self.merge_entries(schedules, "agentSchedules", &mut agents, true);
        let (history, _) = self.merge_entries(history, "history", &mut agents, false);

        let mut shift_index = HashMap::with_capacity(shifts.len());
        for (i, s) in shifts.iter().enumerate() {
            if shift_index.insert(s.id.clone(), ShiftIx(i as u32)).is_some() {
                let (a, b) = s.origin;
                self.fail(
                    || format!("agentSchedules[{a}].shifts[{b}].id"),
                    format!("duplicate shift id {:?}", s.id.as_str()),
                );
            }
        }
        if let (Some(zone), Some(sch)) = (zone, schedule.as_ref()) {
            self.shifts_in_their_period(zone, sch, &shifts, &history);
        }
        let time_off = self.time_off_requests(w, &ctx);
        let trades = self.trades(w);

        let (Some(business_unit), Some(schedule)) = (business_unit, schedule) else { return Ok(None) };
        Ok(Some(Snapshot {
            as_of,
            business_unit,
            schedule,
            activity_codes: codes.into_iter().map(|(_, c)| c).collect(),
            agents,
            shifts,
            markers,
            history,
            time_off,
            trades,
            agent_index,
            shift_index,
        }))
    }

    fn business_unit<X>(&mut self, w: &WireSnapshot<'_, X>) -> Option<BusinessUnit> {
        let bu = self.required(&w.business_unit, || "businessUnit".into())?;
        let id = self.text(&bu.id, || "businessUnit.id".into());
        let zone = match self.text(&bu.time_zone, || "businessUnit.timeZone".into()) {
            Some(name) => {
                let z = Zone::from_name(name);
                if z.is_none() {
                    self.fail(|| "businessUnit.timeZone".into(), format!("unknown IANA time zone {name:?}"));
                }
                z
            }
            None => None,
        };
        let start_day_of_week = match bu.start_day_of_week.as_ref().map(Text::as_str) {
            None => Some(Weekday::Sun),
            Some(s) => {
                let d = weekday(s);
                if d.is_none() {
                    self.fail(|| "businessUnit.startDayOfWeek".into(), format!("must be Sunday..Saturday, got {s:?}"));
                }
                d
            }
        };
        Some(BusinessUnit {
            id: id?.to_string(),
            name: bu.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
            zone: zone?,
            start_day_of_week: start_day_of_week?,
        })
    }

    fn schedule<X>(&mut self, w: &WireSnapshot<'_, X>, bu: Option<&BusinessUnit>) -> Option<ScheduleInfo> {
        let s = self.required(&w.schedule, || "schedule".into())?;
        let id = self.text(&s.id, || "schedule.id".into());
        let week_date = self
            .text(&s.week_date, || "schedule.weekDate".into())
            .and_then(|d| self.date(d, || "schedule.weekDate".into()));
        if let (Some(d), Some(bu)) = (week_date, bu) {
            if d.weekday() != bu.start_day_of_week {
                self.fail(
                    || "schedule.weekDate".into(),
                    format!(
                        "{d} is a {}, but the business unit's week starts on {}",
                        weekday_name(d.weekday()),
                        weekday_name(bu.start_day_of_week)
                    ),
                );
            }
        }
        let week_count = match s.week_count {
            None => Some(1),
            Some(n) if (1..=6).contains(&n) => Some(n as u32),
            Some(n) => {
                self.fail(|| "schedule.weekCount".into(), format!("must be 1..6, got {n}"));
                None
            }
        };
        Some(ScheduleInfo {
            id: id?.to_string(),
            week_date: week_date?,
            week_count: week_count?,
            published: s.published.unwrap_or(false),
            version: s.metadata.as_ref().and_then(|m| m.version),
        })
    }

    fn activity_codes<X>(&mut self, w: &WireSnapshot<'_, X>) -> Vec<(String, ActivityCode)> {
        let mut out: Vec<(String, ActivityCode)> = Vec::new();
        for (i, c) in w.activity_codes.iter().enumerate() {
            let Some(id) = self.text(&c.id, || format!("activityCodes[{i}].id")) else { continue };
            let category = match self.text(&c.category, || format!("activityCodes[{i}].category")) {
                Some(s) => match Category::parse(s) {
                    Some(cat) => cat,
                    None => {
                        self.fail(
                            || format!("activityCodes[{i}].category"),
                            format!(
                                "unknown category {s:?} (one of {})",
                                Category::ALL.map(Category::as_str).join(", ")
                            ),
                        );
                        continue;
                    }
                },
                None => continue,
            };
            if out.iter().any(|(k, _)| k == id) {
                self.fail(|| format!("activityCodes[{i}].id"), format!("duplicate activity code id {id:?}"));
                continue;
            }
            // Genesys defaults: work categories count as work, and everything but Meal and unpaid time off is paid.
            let default_work = matches!(
                category,
                Category::OnQueueWork | Category::OffQueueWork | Category::Meeting | Category::Training
            );
            out.push((
                id.to_string(),
                ActivityCode {
                    id: ActivityCodeId::new(id),
                    name: c.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                    category,
                    counts_as_paid_time: c.counts_as_paid_time.unwrap_or(category != Category::Meal),
                    counts_as_work_time: c.counts_as_work_time.unwrap_or(default_work),
                },
            ));
        }
        out
    }

    fn agents<X>(&mut self, w: &WireSnapshot<'_, X>) -> (Vec<Agent>, HashMap<AgentId, AgentIx>) {
        let mut agents = Vec::with_capacity(w.agents.len());
        let mut index = HashMap::with_capacity(w.agents.len());
        for (i, a) in w.agents.iter().enumerate() {
            let Some(id) = self.text(&a.id, || format!("agents[{i}].id")) else { continue };
            let id = AgentId::new(id);
            if index.contains_key(&id) {
                self.fail(|| format!("agents[{i}].id"), format!("duplicate agent id {:?}", id.as_str()));
                continue;
            }
            index.insert(id.clone(), AgentIx(agents.len() as u32));
            agents.push(Agent {
                id,
                name: a.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                management_unit_id: a.management_unit_id.as_ref().map(|m| m.as_str().to_string()),
                tags: a.tags.iter().map(|t| t.as_str().to_string()).collect(),
                skills: a.skills.iter().map(|t| t.as_str().to_string()).collect(),
                params: a.params.clone(),
                schedule_version: None,
            });
        }
        (agents, index)
    }

    fn user(&mut self, u: &Option<UserRef<'_>>, ctx: &Ctx<'_>, path: impl Fn() -> String) -> Option<AgentIx> {
        let id = match u {
            Some(UserRef { id: Some(id) }) => id.as_str(),
            _ => {
                self.fail(|| format!("{}.id", path()), "is required");
                return None;
            }
        };
        let ix = ctx.agent_index.get(id).copied();
        if ix.is_none() {
            self.fail(|| format!("{}.id", path()), format!("unknown agent {id:?} (not in agents)"));
        }
        ix
    }

    fn code<'c>(
        &mut self,
        v: &Option<Text<'_>>,
        ctx: &Ctx<'c>,
        path: impl Fn() -> String,
    ) -> Option<(CodeIx, &'c ActivityCode)> {
        let id = self.text(v, &path)?;
        let code = ctx.codes.get(id).copied();
        if code.is_none() {
            self.fail(path, format!("unknown activity code {id:?} (not in activityCodes)"));
        }
        code
    }
}

struct Ctx<'c> {
    codes: &'c HashMap<&'c str, (CodeIx, &'c ActivityCode)>,
    agent_index: &'c HashMap<AgentId, AgentIx>,
    zone: Option<Zone>,
}
