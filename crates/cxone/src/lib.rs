//! # shiftgate-cxone
//!
//! Reads NICE CXone schedule exports and writes the week as a `shiftgate.snapshot/1` document, so that CXone
//! schedules can be checked with the same rule packs as Genesys Cloud ones. Read-only by nature: CXone publishes
//! no public API for writing schedules, time off or trades (see /work/shared/research/wfm-api.md §2).
//!
//! Tour:
//! - [`Mapping`] (`mapping`): the team's `cxone.toml`, what the exports do not say: each management unit's IANA
//!   zone, what each activity code is and whether it is paid, the business unit, agents' names and tags, and how
//!   the detail export was configured. The import never guesses what the mapping leaves out.
//! - `api`: answers of the CXone Mpower Export Agent Schedules API (one agent, up to seven days each);
//!   `detail`: the IEX WFM Integrated Agent Schedule Detail export, pipe-delimited (with or without `#fields`,
//!   any documented date notation, 12- or 24-hour times) or JSON; `clock` reads those notations. Both produce
//!   `rows`: one scheduled activity each, its times as written.
//! - `resolve`: local times to instants in the unit's zone through the model's one time module. A time in the
//!   skipped spring hour is an input error; one in the repeated autumn hour is placed by the export's order, or
//!   reported when the order does not decide it.
//! - `assemble`: repeated days of overlapping exports dropped (contradicting ones reported), schedules cut at
//!   midnight joined again, shifts that cross midnight kept on their schedule date, each shift placed in the
//!   week, in `history` (before it), or left out with a note (after it); then the document, in canonical order.
//!   It says `source: {kind: "cxone", lacks: ["timeOffRequests", "shiftTrades"]}`: the exports carry neither, so
//!   reports name the rules that had nothing to judge rather than passing them.
//! - `problem`: every problem names its file and line (or JSON path, or mapping key) and the offending value;
//!   all are collected and returned together ([`Problems`]).
//!
//! No I/O: inputs arrive as bytes with the names problems should use; no clock: the week and `asOf` are given.
//! The document is read back with [`shiftgate_model::Snapshot::from_json`] before it is returned, so what this
//! crate gives is what `shiftgate check` accepts.
//!
//! Sources (saved verbatim in /work/record/): the CXone Mpower "Export Agent Schedules API" page
//! (help.nice-incontact.com/content/workforcemanagement/apiexportagentschedules.htm), the IEX WFM Integrated
//! "Agent Schedule Detail" export module (help.incontact.com/Content/IntegratedSolutions/IEXWFMIntegrated/Export/AgentScheduleDetailExport.htm)
//! and its SMARTSync exporter API (.../IEXWFMIntegrated/API/Export/Agent_Schedule__Detail_.htm). Where they are
//! silent (the API answer's nesting and time notation, the detail export's code and time columns and JSON
//! layout), each module says what it reads and refuses anything else with its location.

#![warn(missing_docs)]

mod api;
mod assemble;
pub mod clock;
mod detail;
mod mapping;
mod problem;
mod resolve;
mod rows;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::Value;

pub use assemble::Tally;
pub use mapping::Mapping;
pub use problem::{At, Place, Problem, Problems, MAX_LISTED_PROBLEMS};

use problem::Sink;
use rows::Row;

/// One export file as the caller read it.
#[derive(Clone, Copy, Debug)]
pub struct Export<'a> {
    /// The name problems use for it (a path, or `<stdin>`).
    pub name: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// A successful import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The `shiftgate.snapshot/1` document, pretty-printed, ending in a newline.
    pub json: String,
    /// What the import left out or could not be sure of, one sentence each (shifts after the week, a shift that
    /// may continue past the exported range).
    pub notes: Vec<String>,
    /// Counts for a summary line.
    pub tally: Tally,
}

/// Imports the week starting on `week` (a local date of the business unit, on its first day of the week) from
/// the exports, in the order given. Each export's kind is told from its content: a JSON object with `shifts`,
/// a list of them, or one per line (JSON lines) is an Export Agent Schedules answer; other JSON is the detail
/// export's JSON form; anything else is its pipe-delimited form.
pub fn import(
    exports: &[Export<'_>],
    mapping: &Mapping,
    week: NaiveDate,
    as_of: Option<DateTime<Utc>>,
) -> Result<Imported, Problems> {
    let mut sink = Sink::default();
    let first_day = mapping.business_unit.start_day_of_week;
    if week.weekday() != first_day {
        let message = format!(
            "the week given ({week}) starts on a {:?}, but the business unit's week starts on {first_day:?}",
            week.weekday()
        );
        sink.push(mapping.key("business_unit.start_day_of_week"), message);
        return Err(sink.refused());
    }
    let mut rows = Vec::new();
    let mut responses = 0;
    for (ix, export) in exports.iter().enumerate() {
        rows.extend(read(export, ix, &mut responses, mapping, &mut sink));
    }
    if exports.is_empty() {
        sink.push(Place::file("(command line)"), "no export was given");
    }
    // Rows that were read go on to have their times placed even when others were refused, so that problems of
    // both kinds are reported together.
    let mut notes = Vec::new();
    let week = assemble::Week { first: week, as_of };
    let built = assemble::assemble(rows, mapping, &week, &mut notes, &mut sink);
    let Some((doc, tally)) = built.filter(|_| sink.is_empty()) else {
        return Err(sink.refused());
    };
    let mut json = serde_json::to_string_pretty(&doc).expect("wire documents serialise");
    json.push('\n');
    if let Err(e) = shiftgate_model::Snapshot::from_json(json.as_bytes()) {
        // The checks above are meant to catch everything the reader refuses; say so if one slipped through.
        for p in e.problems() {
            sink.push(Place::file("(the imported snapshot)"), format!("{p} (an importer defect: please report it)"));
        }
        return Err(sink.refused());
    }
    Ok(Imported { json, notes, tally })
}

/// Reads one export into rows, telling its kind from its content.
fn read(export: &Export<'_>, ix: usize, responses: &mut usize, mapping: &Mapping, sink: &mut Sink) -> Vec<Row> {
    let name = export.name;
    let Ok(text) = std::str::from_utf8(export.bytes) else {
        sink.push(Place::file(name), "is not UTF-8 text");
        return Vec::new();
    };
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.is_empty() {
        sink.push(Place::file(name), "is empty");
        return Vec::new();
    }
    if !body.starts_with(['{', '[']) {
        return detail::read_pipe(text, name, ix, mapping, sink);
    }
    match serde_json::from_str::<Value>(body) {
        Ok(doc) => {
            let root = Place::file(name);
            let answers: Vec<(Place, &Value)> = match &doc {
                Value::Array(items) if items.first().is_some_and(api::is_response) => {
                    items.iter().enumerate().map(|(i, v)| (root.then(&format!("[{i}]")), v)).collect()
                }
                v if api::is_response(v) => vec![(root.clone(), v)],
                _ => return detail::read_json(&doc, name, ix, mapping, sink),
            };
            let mut rows = Vec::new();
            for (place, answer) in answers {
                rows.extend(api::read_response(answer, &place, ix, *responses, mapping, sink));
                *responses += 1;
            }
            rows
        }
        Err(whole) if body.starts_with('{') => json_lines(text, name, ix, responses, mapping, sink, &whole),
        Err(e) => {
            sink.push(Place::line(name, e.line()), format!("is not JSON: {e}"));
            Vec::new()
        }
    }
}

/// A file of answers, one JSON object per line.
fn json_lines(
    text: &str,
    name: &str,
    ix: usize,
    responses: &mut usize,
    mapping: &Mapping,
    sink: &mut Sink,
    whole: &serde_json::Error,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        let place = Place::file(name).at(At::LinePath(i + 1, String::new()));
        match serde_json::from_str::<Value>(line) {
            Ok(v) if api::is_response(&v) => {
                rows.extend(api::read_response(&v, &place, ix, *responses, mapping, sink));
                *responses += 1;
            }
            Ok(_) => sink.push(place, "is not an Export Agent Schedules answer (an object with userID and shifts)"),
            // Not JSON lines either: the whole-document error says more than the first line's.
            Err(_) if i == 0 => {
                sink.push(Place::line(name, whole.line()), format!("is not JSON: {whole}"));
                return Vec::new();
            }
            Err(e) => sink.push(place, format!("is not JSON: {e}")),
        }
    }
    rows
}
