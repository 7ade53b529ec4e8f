//! The IEX WFM Integrated "Agent Schedule Detail" export, in its two output forms: pipe-delimited text (with or
//! without its `#fields` line) and JSON.
//!
//! From the record (help.incontact.com/Content/IntegratedSolutions/IEXWFMIntegrated/Export/AgentScheduleDetailExport.htm,
//! .../API/Export/Agent_Schedule__Detail_.htm and the IEX WFM Export overview, saved in /work/record/):
//! - one row per scheduled activity; `|` separates fields; the first line, when the file has a header, starts
//!   with `#fields` and names the columns (`excludePipeHeader` leaves it out);
//! - `excdate` is the activity code's date and `schedDate` the schedule's date, both in the MU's zone: they
//!   differ when a schedule crosses midnight; `TZ` is the MU's zone as text (never trusted here: the mapping
//!   names the zone); `muID` is the MU, `tvID` the agent;
//! - dates follow `dateFormat` (default `mmddyyyy`; ISO in JSON without one), times `timeFormat` (12 or 24,
//!   default 24); field names are not case sensitive;
//! - with the midnight cut-off (the default), a schedule crossing midnight at the edge of the exported range
//!   is cut there; the other part is in the export of the neighbouring range, under the same `schedDate`.
//!
//! The record reachable here does not name the columns holding the activity code and its start and end time,
//! nor the JSON form's layout. The mapping names those columns (`detail.columns`); the JSON form is read as a
//! list of records keyed by the same field names, or an object holding one such list.

use serde_json::Value;
use shiftgate_model::id_problem;

use crate::clock::{ClockTime, DateFormat};
use crate::mapping::{toml_key, Mapping};
use crate::problem::{At, Place, Sink};
use crate::rows::{Piece, Reading, Row};

/// The columns a row is read from, as the mapping names them.
struct Wanted<'m> {
    names: [(&'m str, String); 7],
}

const AGENT: usize = 0;
const UNIT: usize = 1;
const SCHEDULE_DATE: usize = 2;
const ACTIVITY_DATE: usize = 3;
const CODE: usize = 4;
const START: usize = 5;
const END: usize = 6;

impl<'m> Wanted<'m> {
    /// The seven columns, or `None` (with problems) when the mapping leaves one of them unnamed.
    fn of(mapping: &'m Mapping, sink: &mut Sink) -> Option<Wanted<'m>> {
        let c = &mapping.detail.columns;
        let mut missing = false;
        let mut required = |value: &'m Option<String>, key: &str, what: &str| -> &'m str {
            match value {
                Some(v) => v.as_str(),
                None => {
                    let message = format!(
                        "is required to read the Agent Schedule Detail export: the column that holds {what}, as your export's #fields line names it"
                    );
                    sink.push(mapping.key(format!("detail.columns.{key}")), message);
                    missing = true;
                    ""
                }
            }
        };
        let code = required(&c.code, "code", "the activity code");
        let start = required(&c.start, "start", "the activity's start time");
        let end = required(&c.end, "end", "the activity's end time");
        if missing {
            return None;
        }
        Some(Wanted {
            names: [
                (c.agent.as_str(), "agent".into()),
                (c.unit.as_str(), "unit".into()),
                (c.schedule_date.as_str(), "schedule_date".into()),
                (c.activity_date.as_str(), "activity_date".into()),
                (code, "code".into()),
                (start, "start".into()),
                (end, "end".into()),
            ],
        })
    }
}

/// Reads a pipe-delimited export.
pub(crate) fn read_pipe(text: &str, file: &str, file_ix: usize, mapping: &Mapping, sink: &mut Sink) -> Vec<Row> {
    let Some(wanted) = Wanted::of(mapping, sink) else { return Vec::new() };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let header = first.and_then(|i| lines[i].strip_prefix("#fields").map(|rest| (i, rest)));
    let columns: Vec<String> = match (header, &mapping.detail.fields) {
        (Some((_, rest)), _) => {
            let rest = rest.trim_start_matches([':', ' ', '\t', '|']);
            rest.split('|').map(|c| c.trim().to_string()).collect()
        }
        (None, Some(fields)) => fields.clone(),
        (None, None) => {
            let message = "has no #fields line (exported with excludePipeHeader): list its columns in order in the mapping's detail.fields";
            sink.push(Place::file(file), message);
            return Vec::new();
        }
    };
    let header_place = match header {
        Some((i, _)) => Place::line(file, i + 1),
        None => mapping.key("detail.fields"),
    };
    let Some(index) = locate(&columns, &wanted, &header_place, mapping, sink) else { return Vec::new() };
    let format = mapping.detail.date_format.unwrap_or(DateFormat::Mmddyyyy);
    let names = index.map(|i| columns[i].as_str());
    let in_file = Place::file(file);
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let place = in_file.at(At::Line(i + 1));
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != columns.len() {
            let message =
                format!("has {} fields; the columns are {} ({})", fields.len(), columns.len(), columns.join("|"));
            sink.push(place, message);
            continue;
        }
        let record = Record { values: index.map(|k| fields[k].trim()), columns: names, place: &|_| place.clone() };
        if let Some(row) = row(&record, &place, file_ix, format, mapping, sink) {
            rows.push(row);
        }
    }
    rows
}

/// The wanted fields of one record: values, column names, and where each value is.
struct Record<'r> {
    values: [&'r str; 7],
    columns: [&'r str; 7],
    place: &'r dyn Fn(usize) -> Place,
}

/// Reads the JSON form: a list of records, or an object whose one member is that list.
pub(crate) fn read_json(doc: &Value, file: &str, file_ix: usize, mapping: &Mapping, sink: &mut Sink) -> Vec<Row> {
    let Some(wanted) = Wanted::of(mapping, sink) else { return Vec::new() };
    let root = Place::file(file);
    let (records, list_place) = match doc {
        Value::Array(a) => (a, root.clone()),
        Value::Object(o) if o.len() == 1 && o.values().all(Value::is_array) => {
            let (k, v) = o.iter().next().expect("one member");
            (v.as_array().expect("an array"), root.then(k))
        }
        _ => {
            let message = "is not an Agent Schedule Detail JSON export: expected a list of records, or an object holding one list";
            sink.push(root, message);
            return Vec::new();
        }
    };
    let format = mapping.detail.date_format.unwrap_or(DateFormat::Iso);
    let mut rows = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let place = list_place.then(&format!("[{i}]"));
        let Some(fields) = record.as_object() else {
            sink.push(place, "must be an object (one record)");
            continue;
        };
        let keys: Vec<String> = fields.keys().cloned().collect();
        let Some(index) = locate(&keys, &wanted, &place, mapping, sink) else { continue };
        let mut bad = false;
        let texts: Vec<String> = index
            .iter()
            .map(|&k| match &fields[keys[k].as_str()] {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
                other => {
                    sink.push(place.then(&keys[k]), format!("must be a string or a whole number, got {other}"));
                    bad = true;
                    String::new()
                }
            })
            .collect();
        if bad {
            continue;
        }
        let record = Record {
            values: std::array::from_fn(|k| texts[k].as_str()),
            columns: index.map(|k| keys[k].as_str()),
            place: &|k| place.then(&keys[index[k]]),
        };
        if let Some(row) = row(&record, &place, file_ix, format, mapping, sink) {
            rows.push(row);
        }
    }
    rows
}

/// Where each wanted column is among `columns` (case-insensitively).
fn locate(
    columns: &[String],
    wanted: &Wanted<'_>,
    place: &Place,
    mapping: &Mapping,
    sink: &mut Sink,
) -> Option<[usize; 7]> {
    let mut index = [0; 7];
    let mut ok = true;
    for (k, (name, key)) in wanted.names.iter().enumerate() {
        match columns.iter().position(|c| c.eq_ignore_ascii_case(name)) {
            Some(i) => index[k] = i,
            None => {
                let set_by = format!("detail.columns.{key} in {}", mapping.file);
                let message = if matches!(place.at, At::Path(_) | At::LinePath(..)) {
                    format!("has no field {name:?} ({set_by})")
                } else {
                    format!("has no column {name:?} ({set_by}); the columns are {}", columns.join("|"))
                };
                sink.push(place.clone(), message);
                ok = false;
            }
        }
    }
    ok.then_some(index)
}

/// One record: a row, or problems naming each bad value.
fn row(
    record: &Record<'_>,
    place: &Place,
    file: usize,
    format: DateFormat,
    mapping: &Mapping,
    sink: &mut Sink,
) -> Option<Row> {
    let before = sink.count();
    let (values, columns) = (&record.values, &record.columns);
    let id = |k: usize, what: &str, sink: &mut Sink| {
        let text = values[k];
        let problem = if text.is_empty() { Some("is empty".to_string()) } else { id_problem(text) };
        if let Some(p) = problem {
            sink.push((record.place)(k), format!("{what} ({}) {p}", columns[k]));
        }
        text
    };
    let agent = id(AGENT, "the agent", sink);
    let unit = id(UNIT, "the management unit", sink);
    let code = id(CODE, "the activity code", sink);
    let date = |k: usize, sink: &mut Sink| {
        let d = format.read(values[k]);
        if d.is_none() {
            let message = format!("{} {:?} is not a date in the {} notation", columns[k], values[k], format.name());
            sink.push((record.place)(k), message);
        }
        d
    };
    let schedule_date = date(SCHEDULE_DATE, sink);
    let day = date(ACTIVITY_DATE, sink);
    let time_format = mapping.detail.time_format;
    let time = |k: usize, sink: &mut Sink| {
        let t = time_format.read(values[k]);
        if t.is_none() {
            let message =
                format!("{} {:?} is not a time in {}-hour notation", columns[k], values[k], time_format.name());
            sink.push((record.place)(k), message);
        }
        t
    };
    let start = time(START, sink);
    let end = time(END, sink);
    if !unit.is_empty() && mapping.zone(unit).is_none() && sink.count() == before {
        let message = format!(
            "management unit {unit:?} has no zone in {} (add [units.{}] with its time_zone)",
            mapping.file,
            toml_key(unit)
        );
        sink.push((record.place)(UNIT), message);
    }
    if !code.is_empty() && !mapping.codes.contains_key(code) && sink.count() == before {
        let message = format!(
            "activity code {code:?} is not in {} (add [codes.{}] with its category and paid)",
            mapping.file,
            toml_key(code)
        );
        sink.push((record.place)(CODE), message);
    }
    if start == Some(ClockTime::EndOfDay) {
        let message = format!("{} {:?} is the end of the day, not a start", columns[START], values[START]);
        sink.push((record.place)(START), message);
    }
    if sink.count() != before {
        return None;
    }
    let (day, schedule_date, start, end) = (day?, schedule_date?, start?, end?);
    let ClockTime::At(start) = start else { return None };
    let end = match end {
        ClockTime::At(t) => Reading::EndOn(day, t),
        ClockTime::EndOfDay => Reading::Local(day.succ_opt()?.and_time(chrono::NaiveTime::MIN)),
    };
    Some(Row {
        place: place.clone(),
        file,
        agent: agent.to_string(),
        unit: unit.to_string(),
        code: code.to_string(),
        day,
        start: Reading::Local(day.and_time(start)),
        end,
        piece: Piece::Scheduled(schedule_date),
    })
}
