//! Parse, then validate: turns the wire document into a [`Snapshot`], reporting every problem at once.
//!
//! This module holds the entry points and the document-level checks. `document` reads the top level and hands
//! agent schedules to the rayon pool as it goes; `stream` reads each entry straight into shifts; `context` holds
//! what entries are checked against (business unit, activity codes, agents); `schedules` validates shifts,
//! activities and markers; `requests` time-off requests and trades.

mod context;
mod document;
mod requests;
mod schedules;
mod stream;

use rayon::prelude::*;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::error::{InputError, Problem};
use crate::format::{Text, WireAgentSchedule, WireSnapshot, FORMAT};
use crate::id::{IdMap, ShiftIx};
use crate::limits::{MAX_DOCUMENT_BYTES, MAX_WEEK_COUNT};
use crate::snapshot::{BusinessUnit, Lack, ScheduleInfo, Snapshot, Source};
use crate::time::{parse_date, parse_instant};
use context::Context;
use document::Listed;
use schedules::{entry, Entry};
use stream::read_entry;

impl Snapshot {
    /// Reads and validates a snapshot from JSON bytes.
    ///
    /// Agent schedules and history, nearly all of a large snapshot, are parsed and validated entry by entry on the
    /// current rayon pool, while the document is still being read when its business unit, activity codes and
    /// agents come first; each entry's wire form is freed as soon as it is validated.
    pub fn from_json(bytes: &[u8]) -> Result<Snapshot, InputError> {
        if bytes.len() > MAX_DOCUMENT_BYTES {
            let message = format!("the snapshot is {} bytes; at most {MAX_DOCUMENT_BYTES} bytes are read", bytes.len());
            return Err(InputError::Invalid(vec![Problem { path: ".".into(), message }]));
        }
        // Checking UTF-8 once up front lets serde borrow strings without re-validating each one.
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return Err(utf8_error(bytes, &e)),
        };
        let checked = document::read(text).and_then(|doc| {
            let mut v = Validator::default();
            let lists = (doc.schedules, doc.history);
            v.snapshot(&doc.wire, doc.context, lists).map(|s| (v, s))
        });
        match checked {
            Ok((v, Some(s))) if v.problems.is_empty() => Ok(s),
            Ok((v, _)) => Err(InputError::Invalid(v.problems)),
            // The fast read keeps no position inside entries; the one-pass parse locates the error in the document.
            Err(fast) => Err(match serde_json::from_str::<WireSnapshot<'_>>(text) {
                Err(e) => syntax_error(bytes, &e),
                Ok(_) => syntax_error(bytes, &fast),
            }),
        }
    }

    /// Validates an already-parsed wire document.
    pub fn from_wire(wire: &WireSnapshot<'_>) -> Result<Snapshot, InputError> {
        let mut v = Validator::default();
        match v.snapshot(wire, None, (wire.agent_schedules.as_slice(), wire.history.as_slice())) {
            Ok(Some(s)) if v.problems.is_empty() => Ok(s),
            Ok(_) => Err(InputError::Invalid(v.problems)),
            // Parsed entries cannot fail to parse; kept total rather than panicking.
            Err(e) => {
                Err(InputError::Syntax { path: ".".into(), message: e.to_string(), line: e.line(), column: e.column() })
            }
        }
    }
}

/// Agent schedules and history as they reach validation: parsed already, or (some of them) raw JSON text that is
/// parsed here, in parallel, entry by entry. Gives the validated entries of both lists, each in document order.
trait ScheduleEntries {
    fn validate(self, ctx: &Context) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error>;
}

impl ScheduleEntries for (&[WireAgentSchedule<'_>], &[WireAgentSchedule<'_>]) {
    fn validate(self, ctx: &Context) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error> {
        let validate = |list: &[WireAgentSchedule<'_>], name| -> Vec<Entry> {
            list.iter().enumerate().map(|(i, s)| entry(s, i, name, ctx)).collect()
        };
        Ok((validate(self.0, "agentSchedules"), validate(self.1, "history")))
    }
}

impl ScheduleEntries for (Listed<'_>, Listed<'_>) {
    fn validate(self, ctx: &Context) -> Result<(Vec<Entry>, Vec<Entry>), serde_json::Error> {
        let (schedules, history) = (self.0.raw(), self.1.raw());
        // One parallel pass over both raw lists, so that neither waits for the other's last entries.
        let all: Vec<(&str, usize, &str)> = schedules
            .iter()
            .enumerate()
            .map(|(i, raw)| ("agentSchedules", i, raw.get()))
            .chain(history.iter().enumerate().map(|(i, raw)| ("history", i, raw.get())))
            .collect();
        let mut entries = all
            .into_par_iter()
            .with_min_len(32)
            .map(|(name, i, raw)| read_entry(raw, i, name, ctx))
            .collect::<Result<Vec<_>, _>>()?;
        let history = entries.split_off(schedules.len());
        Ok((self.0.or_validated(entries), self.1.or_validated(history)))
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
        Err(e) => known_part(&e.path().to_string()),
        Ok(_) => ".".to_string(),
    };
    let message = fast.to_string();
    // serde_json appends " at line L column C"; we report those separately.
    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
    // serde_json counts columns from 0 right after a newline; reports count from 1.
    InputError::Syntax { path, message, line: fast.line(), column: fast.column().max(1) }
}

/// The part of a parse path before its first segment that is not a plain field name with list indices: `?` (where
/// no key could be read) says nothing, and a key of the input may hold anything, a newline included. Line and
/// column locate the error anyway.
fn known_part(path: &str) -> String {
    let plain = |s: &&str| {
        let name = s.split('[').next().unwrap_or_default();
        !name.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '[' | ']'))
    };
    let known: Vec<&str> = path.split('.').take_while(plain).collect();
    if known.is_empty() {
        ".".to_string()
    } else {
        known.join(".")
    }
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

    /// A required id: non-empty, and of the form every id must have ([`Validator::id_form`]).
    fn id<'t>(&mut self, v: &'t Option<Text<'_>>, path: impl Fn() -> String) -> Option<&'t str> {
        let id = self.text(v, &path)?;
        self.id_form(id, path).then_some(id)
    }

    /// An optional id; `None` when absent or malformed (a malformed one is a problem).
    fn optional_id<'t>(&mut self, v: &'t Option<Text<'_>>, path: impl FnOnce() -> String) -> Option<&'t str> {
        let id = v.as_ref()?.as_str();
        self.id_form(id, path).then_some(id)
    }

    /// Whether an id has the form every id must have ([`crate::id_problem`]).
    fn id_form(&mut self, id: &str, path: impl FnOnce() -> String) -> bool {
        match crate::id::id_problem(id) {
            Some(message) => {
                self.fail(path, message);
                false
            }
            None => true,
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

    /// A required instant of the schedule itself (a shift or activity start): a whole minute, as the platform's
    /// schedules are. Seconds would make an activity end a few seconds past its shift, which rules would report
    /// as "0 min outside its shift".
    fn schedule_instant(&mut self, v: &Option<Text<'_>>, path: impl Fn() -> String) -> Option<DateTime<Utc>> {
        let t = self.instant(v, &path)?;
        self.whole_minute(t, path)
    }

    /// [`Validator::schedule_instant`] for a string that is present.
    fn schedule_instant_str(&mut self, s: &str, path: impl Fn() -> String) -> Option<DateTime<Utc>> {
        let t = self.instant_str(s, &path)?;
        self.whole_minute(t, path)
    }

    fn whole_minute(&mut self, t: DateTime<Utc>, path: impl FnOnce() -> String) -> Option<DateTime<Utc>> {
        if t.timestamp().rem_euclid(60) != 0 || t.timestamp_subsec_nanos() != 0 {
            let got = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            self.fail(path, format!("must be a whole minute (schedules are minute-granular), got {got}"));
            return None;
        }
        Some(t)
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

    /// The whole document; `Err` only when an agent schedule or history entry does not parse. `context` is the
    /// one built while reading, if it was.
    fn snapshot<X>(
        &mut self,
        w: &WireSnapshot<'_, X>,
        context: Option<Context>,
        lists: impl ScheduleEntries,
    ) -> Result<Option<Snapshot>, serde_json::Error> {
        match w.format.as_ref().map(Text::as_str) {
            Some(FORMAT) => {}
            Some(other) => self.fail(|| "format".into(), format!("must be {FORMAT:?}, got {other:?}")),
            None => self.fail(|| "format".into(), format!("is required (\"{FORMAT}\")")),
        }
        let as_of = self.optional_instant(&w.as_of, || "asOf".into());
        let mut ctx = context.unwrap_or_else(|| Context::new(w.business_unit.as_ref(), &w.activity_codes, &w.agents));
        // Problems in document order: business unit, schedule, then activity codes and agents.
        self.problems.append(&mut ctx.unit_problems);
        let schedule = self.schedule(w, ctx.business_unit.as_ref());
        self.problems.append(&mut ctx.list_problems);
        let zone = ctx.zone;

        let (schedules, history) = lists.validate(&ctx)?;
        let (shifts, markers) = self.merge_entries(schedules, "agentSchedules", &mut ctx.agents, true);
        let (history, _) = self.merge_entries(history, "history", &mut ctx.agents, false);

        let mut shift_index = IdMap::with_capacity_and_hasher(shifts.len(), Default::default());
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
        let source = self.source(w);

        let Context { business_unit, codes, agents, agent_index, .. } = ctx;
        let (Some(business_unit), Some(schedule)) = (business_unit, schedule) else { return Ok(None) };
        Ok(Some(Snapshot {
            as_of,
            business_unit,
            schedule,
            activity_codes: codes,
            agents,
            shifts,
            markers,
            history,
            time_off,
            trades,
            source,
            agent_index,
            shift_index,
        }))
    }

    /// `source`: a kind, and known lists it lacks, which the document must then not have.
    fn source<X>(&mut self, w: &WireSnapshot<'_, X>) -> Option<Source> {
        let s = w.source.as_ref()?;
        let kind = self.id(&s.kind, || "source.kind".into());
        let mut lacks = Vec::new();
        for (i, name) in s.lacks.iter().enumerate() {
            let path = || format!("source.lacks[{i}]");
            let Some(lack) = Lack::parse(name.as_str()) else {
                let known: Vec<&str> = Lack::ALL.iter().map(|l| l.as_str()).collect();
                self.fail(path, format!("must be one of {known:?}, got {:?}", name.as_str()));
                continue;
            };
            if lacks.contains(&lack) {
                self.fail(path, format!("{:?} is listed twice", lack.as_str()));
                continue;
            }
            let present = match lack {
                Lack::TimeOffRequests => w.time_off_requests.len(),
                Lack::ShiftTrades => w.shift_trades.len(),
            };
            if present > 0 {
                let message = format!("says the source lacks {}, but the snapshot has {present}", lack.as_str());
                self.fail(path, message);
            }
            lacks.push(lack);
        }
        Some(Source { kind: kind?.to_string(), lacks })
    }

    fn schedule<X>(&mut self, w: &WireSnapshot<'_, X>, bu: Option<&BusinessUnit>) -> Option<ScheduleInfo> {
        let s = self.required(&w.schedule, || "schedule".into())?;
        let id = self.id(&s.id, || "schedule.id".into());
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
            Some(n) if (1..=MAX_WEEK_COUNT).contains(&n) => Some(n as u32),
            Some(n) => {
                self.fail(|| "schedule.weekCount".into(), format!("must be 1..{MAX_WEEK_COUNT}, got {n}"));
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
}
