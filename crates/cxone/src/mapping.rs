//! The mapping file (`cxone.toml`): what the exports do not say, stated once by the team, never guessed.
//!
//! - each management unit's IANA zone (an export's `TZ` column is an abbreviation at best and is never trusted to
//!   mean a zone);
//! - what every activity code is (work, break, meal or time off) and whether it is paid;
//! - the business unit the snapshot describes, and optionally agents' names, tags and (for the Export Agent
//!   Schedules API, whose answers name no unit) their management unit;
//! - how the Agent Schedule Detail export was configured: which columns hold what, the column order of files
//!   written without their `#fields` line, and the date and time notations.
//!
//! `fixtures/cxone/cxone.toml` is a documented example. Unknown keys are refused (a typo must not silently drop a
//! setting); every problem names its key.

use std::collections::BTreeMap;

use chrono::Weekday;
use serde::Deserialize;
use shiftgate_model::{id_problem, Category, Zone};

use crate::clock::{DateFormat, TimeFormat};
use crate::problem::{Place, Problems, Sink};

/// A validated mapping file.
#[derive(Clone, Debug)]
pub struct Mapping {
    /// The mapping file's name, for problems that point into it.
    pub(crate) file: String,
    pub(crate) business_unit: BusinessUnit,
    pub(crate) schedule_id: Option<String>,
    pub(crate) units: BTreeMap<String, Zone>,
    pub(crate) codes: BTreeMap<String, Code>,
    pub(crate) agents: BTreeMap<String, AgentInfo>,
    pub(crate) detail: Detail,
    pub(crate) api_unit: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct BusinessUnit {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) zone: Zone,
    pub(crate) start_day_of_week: Weekday,
}

/// An activity code as the mapping defines it.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub(crate) name: Option<String>,
    pub(crate) category: Category,
    pub(crate) paid: bool,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct AgentInfo {
    pub(crate) name: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) unit: Option<String>,
}

/// How the Agent Schedule Detail export was configured.
#[derive(Clone, Debug)]
pub(crate) struct Detail {
    /// `None`: the record's defaults, `mmddyyyy` for pipe files and ISO for JSON.
    pub(crate) date_format: Option<DateFormat>,
    pub(crate) time_format: TimeFormat,
    /// Column names in order, for pipe files without their `#fields` line.
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) columns: Columns,
}

/// Which column holds what; `None` where the record names no default and the mapping names none.
#[derive(Clone, Debug)]
pub(crate) struct Columns {
    pub(crate) agent: String,
    pub(crate) unit: String,
    pub(crate) schedule_date: String,
    pub(crate) activity_date: String,
    pub(crate) code: Option<String>,
    pub(crate) start: Option<String>,
    pub(crate) end: Option<String>,
}

/// The categories a code can have, by the mapping's names.
pub(crate) const CATEGORIES: [(&str, Category); 4] = [
    ("work", Category::OnQueueWork),
    ("break", Category::Break),
    ("meal", Category::Meal),
    ("time-off", Category::TimeOff),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    business_unit: Option<RawBusinessUnit>,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    units: BTreeMap<String, RawUnit>,
    #[serde(default)]
    codes: BTreeMap<String, RawCode>,
    #[serde(default)]
    agents: BTreeMap<String, RawAgent>,
    #[serde(default)]
    detail: RawDetail,
    #[serde(default)]
    api: RawApi,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBusinessUnit {
    id: Option<String>,
    name: Option<String>,
    time_zone: Option<String>,
    start_day_of_week: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    category: Option<String>,
    paid: Option<bool>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    unit: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDetail {
    date_format: Option<String>,
    time_format: Option<toml::Value>,
    fields: Option<Vec<String>>,
    #[serde(default)]
    columns: RawColumns,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    agent: Option<String>,
    unit: Option<String>,
    schedule_date: Option<String>,
    activity_date: Option<String>,
    code: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApi {
    unit: Option<String>,
}

impl Mapping {
    /// Reads and validates a mapping file; `file` names it in problems.
    pub fn from_toml(text: &str, file: &str) -> Result<Mapping, Problems> {
        let mut sink = Sink::default();
        let raw: Raw = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                sink.push(Place::line(file, line), e.message().trim().to_string());
                return Err(sink.finish(()).unwrap_err());
            }
        };
        let units = units(&raw.units, file, &mut sink);
        let business_unit = business_unit(raw.business_unit.as_ref(), &units, file, &mut sink);
        let schedule_id = raw.schedule.id.filter(|id| checked_id(id, Place::key(file, "schedule.id"), &mut sink));
        let codes = codes(&raw.codes, file, &mut sink);
        let agents = agents(raw.agents, &units, file, &mut sink);
        let detail = detail(raw.detail, file, &mut sink);
        let api_unit = raw.api.unit.filter(|u| known_unit(u, &units, Place::key(file, "api.unit"), &mut sink));
        let mapping = business_unit.map(|business_unit| Mapping {
            file: file.to_string(),
            business_unit,
            schedule_id,
            units,
            codes,
            agents,
            detail,
            api_unit,
        });
        sink.finish(mapping).map(|m| m.expect("a business unit when nothing is wrong"))
    }

    /// The zone of a management unit.
    pub(crate) fn zone(&self, unit: &str) -> Option<Zone> {
        self.units.get(unit).copied()
    }

    /// A place in the mapping file.
    pub(crate) fn key(&self, key: impl Into<String>) -> Place {
        Place::key(&self.file, key)
    }
}

/// `"name"` quoted as a TOML key: bare keys stay bare.
pub(crate) fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

fn checked_id(id: &str, place: Place, sink: &mut Sink) -> bool {
    let problem = if id.is_empty() { Some("must not be empty".to_string()) } else { id_problem(id) };
    match problem {
        Some(message) => {
            sink.push(place, message);
            false
        }
        None => true,
    }
}

fn known_unit(unit: &str, units: &BTreeMap<String, Zone>, place: Place, sink: &mut Sink) -> bool {
    let known = units.contains_key(unit);
    if !known {
        sink.push(place, format!("unit {unit:?} is not defined under [units]"));
    }
    known
}

fn zone(name: &str, place: Place, sink: &mut Sink) -> Option<Zone> {
    let zone = Zone::from_name(name);
    if zone.is_none() {
        sink.push(place, format!("{name:?} is not an IANA time zone such as \"America/Chicago\""));
    }
    zone
}

fn units(raw: &BTreeMap<String, RawUnit>, file: &str, sink: &mut Sink) -> BTreeMap<String, Zone> {
    let mut units = BTreeMap::new();
    for (id, unit) in raw {
        let key = |k: &str| Place::key(file, format!("units.{}{k}", toml_key(id)));
        if !checked_id(id, key(""), sink) {
            continue;
        }
        match &unit.time_zone {
            None => sink.push(key(".time_zone"), "is required: the IANA zone the unit's local times are read in"),
            Some(name) => {
                if let Some(z) = zone(name, key(".time_zone"), sink) {
                    units.insert(id.clone(), z);
                }
            }
        }
    }
    units
}

fn business_unit(
    raw: Option<&RawBusinessUnit>,
    units: &BTreeMap<String, Zone>,
    file: &str,
    sink: &mut Sink,
) -> Option<BusinessUnit> {
    let key = |k: &str| Place::key(file, format!("business_unit{k}"));
    let Some(raw) = raw else {
        sink.push(key(""), "is required ([business_unit] with id)");
        return None;
    };
    let id = match &raw.id {
        None => {
            sink.push(key(".id"), "is required");
            None
        }
        Some(id) => Some(id.clone()).filter(|id| checked_id(id, key(".id"), sink)),
    };
    let zone = match &raw.time_zone {
        Some(name) => zone(name, key(".time_zone"), sink),
        None => {
            let mut zones: Vec<&str> = units.values().map(|z| z.name()).collect();
            zones.dedup();
            match zones.as_slice() {
                [one] => Zone::from_name(one),
                [] => {
                    sink.push(key(".time_zone"), "is required when no unit under [units] has a valid time_zone");
                    None
                }
                many => {
                    let message = format!(
                        "is required: the units are in different zones ({}), and local days are judged in one",
                        many.join(", ")
                    );
                    sink.push(key(".time_zone"), message);
                    None
                }
            }
        }
    };
    let day = raw.start_day_of_week.as_deref().unwrap_or("Sunday");
    let start_day_of_week = weekday(day);
    if start_day_of_week.is_none() {
        sink.push(key(".start_day_of_week"), format!("must be a day such as \"Sunday\", got {day:?}"));
    }
    Some(BusinessUnit { id: id?, name: raw.name.clone(), zone: zone?, start_day_of_week: start_day_of_week? })
}

fn weekday(s: &str) -> Option<Weekday> {
    let days = [
        ("Sunday", Weekday::Sun),
        ("Monday", Weekday::Mon),
        ("Tuesday", Weekday::Tue),
        ("Wednesday", Weekday::Wed),
        ("Thursday", Weekday::Thu),
        ("Friday", Weekday::Fri),
        ("Saturday", Weekday::Sat),
    ];
    days.iter().find(|(n, _)| *n == s).map(|&(_, d)| d)
}

fn codes(raw: &BTreeMap<String, RawCode>, file: &str, sink: &mut Sink) -> BTreeMap<String, Code> {
    let mut codes = BTreeMap::new();
    for (id, code) in raw {
        let key = |k: &str| Place::key(file, format!("codes.{}{k}", toml_key(id)));
        if !checked_id(id, key(""), sink) {
            continue;
        }
        let names: Vec<&str> = CATEGORIES.iter().map(|(n, _)| *n).collect();
        let category = match code.category.as_deref() {
            None => {
                sink.push(key(".category"), format!("is required: one of {names:?}"));
                None
            }
            Some(c) => {
                let found = CATEGORIES.iter().find(|(n, _)| *n == c).map(|&(_, cat)| cat);
                if found.is_none() {
                    sink.push(key(".category"), format!("must be one of {names:?}, got {c:?}"));
                }
                found
            }
        };
        if code.paid.is_none() {
            sink.push(key(".paid"), "is required (true or false): whether time in this code is paid is never guessed");
        }
        if let (Some(category), Some(paid)) = (category, code.paid) {
            codes.insert(id.clone(), Code { name: code.name.clone(), category, paid });
        }
    }
    codes
}

fn agents(
    raw: BTreeMap<String, RawAgent>,
    units: &BTreeMap<String, Zone>,
    file: &str,
    sink: &mut Sink,
) -> BTreeMap<String, AgentInfo> {
    let mut agents = BTreeMap::new();
    for (id, agent) in raw {
        let key = |k: &str| Place::key(file, format!("agents.{}{k}", toml_key(&id)));
        let mut ok = checked_id(&id, key(""), sink);
        for (i, tag) in agent.tags.iter().enumerate() {
            ok &= checked_id(tag, key(&format!(".tags[{i}]")), sink);
        }
        if let Some(unit) = &agent.unit {
            ok &= known_unit(unit, units, key(".unit"), sink);
        }
        if ok {
            agents.insert(id, AgentInfo { name: agent.name, tags: agent.tags, unit: agent.unit });
        }
    }
    agents
}

fn detail(raw: RawDetail, file: &str, sink: &mut Sink) -> Detail {
    let key = |k: &str| Place::key(file, format!("detail.{k}"));
    let date_format = raw.date_format.as_deref().and_then(|name| {
        let f = DateFormat::parse(name);
        if f.is_none() {
            let names: Vec<&str> = DateFormat::ALL.iter().map(|(n, _)| *n).collect();
            sink.push(key("date_format"), format!("must be one of {names:?}, got {name:?}"));
        }
        f
    });
    let time_format = match &raw.time_format {
        None => TimeFormat::Hours24,
        Some(v) => {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(n) => n.to_string(),
                other => other.to_string(),
            };
            TimeFormat::parse(&text).unwrap_or_else(|| {
                sink.push(key("time_format"), format!("must be \"12\" or \"24\", got {text}"));
                TimeFormat::Hours24
            })
        }
    };
    if let Some(fields) = &raw.fields {
        let mut seen: Vec<String> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let lower = f.to_ascii_lowercase();
            if f.is_empty() || seen.contains(&lower) {
                sink.push(key(&format!("fields[{i}]")), format!("must be a column name not listed before, got {f:?}"));
            }
            seen.push(lower);
        }
    }
    let c = raw.columns;
    let columns = Columns {
        agent: c.agent.unwrap_or_else(|| "tvID".into()),
        unit: c.unit.unwrap_or_else(|| "muID".into()),
        schedule_date: c.schedule_date.unwrap_or_else(|| "schedDate".into()),
        activity_date: c.activity_date.unwrap_or_else(|| "excdate".into()),
        code: c.code,
        start: c.start,
        end: c.end,
    };
    Detail { date_format, time_format, fields: raw.fields, columns }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[business_unit]
id = "bu-chi"
[units."5001"]
time_zone = "America/Chicago"
[codes.OPEN]
category = "work"
paid = true
"#;

    fn problems(text: &str) -> Vec<String> {
        match Mapping::from_toml(text, "cxone.toml") {
            Ok(_) => vec![],
            Err(p) => p.listed.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_zone_of_the_units_is_the_business_units_when_they_agree() {
        let m = Mapping::from_toml(GOOD, "cxone.toml").unwrap();
        assert_eq!(m.business_unit.zone.name(), "America/Chicago");
        assert_eq!(m.business_unit.start_day_of_week, Weekday::Sun);
        assert_eq!(m.detail.time_format, TimeFormat::Hours24);
        assert_eq!(m.detail.date_format, None);
        assert_eq!(m.detail.columns.agent, "tvID");
    }

    #[test]
    fn every_problem_names_its_key_and_all_are_reported() {
        let text = r#"
[business_unit]
id = "bu-chi"
start_day_of_week = "Sun"
[units."5001"]
time_zone = "CST"
[units.x]
[codes.LUNCH]
category = "meal"
[codes.MTG]
category = "meeting"
paid = true
[api]
unit = "9"
[detail]
date_format = "dd/mm/yyyy"
time_format = 13
"#;
        assert_eq!(
            problems(text),
            [
                "cxone.toml: units.5001.time_zone: \"CST\" is not an IANA time zone such as \"America/Chicago\"",
                "cxone.toml: units.x.time_zone: is required: the IANA zone the unit's local times are read in",
                "cxone.toml: business_unit.time_zone: is required when no unit under [units] has a valid time_zone",
                "cxone.toml: business_unit.start_day_of_week: must be a day such as \"Sunday\", got \"Sun\"",
                "cxone.toml: codes.LUNCH.paid: is required (true or false): whether time in this code is paid is never guessed",
                "cxone.toml: codes.MTG.category: must be one of [\"work\", \"break\", \"meal\", \"time-off\"], got \"meeting\"",
                "cxone.toml: detail.date_format: must be one of [\"mmddyy\", \"ddmmyy\", \"mmddyyyy\", \"ddmmyyyy\", \"yyyymmdd\", \"yyyyddmm\", \"yyddmm\", \"yymmdd\", \"iso\"], got \"dd/mm/yyyy\"",
                "cxone.toml: detail.time_format: must be \"12\" or \"24\", got 13",
                "cxone.toml: api.unit: unit \"9\" is not defined under [units]",
            ]
        );
    }

    #[test]
    fn unknown_keys_and_bad_toml_name_their_line() {
        let typo = format!("{GOOD}[codes.BRK]\ncategory = \"break\"\npayed = true\n");
        let p = problems(&typo);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("cxone.toml:11: unknown field `payed`"), "{p:?}");
        assert!(problems("[business_unit\nid=1").iter().any(|p| p.starts_with("cxone.toml:1: ")));
    }

    #[test]
    fn units_in_different_zones_need_the_business_units_zone() {
        let text = format!("{GOOD}[units.\"6001\"]\ntime_zone = \"America/New_York\"\n");
        assert_eq!(
            problems(&text),
            ["cxone.toml: business_unit.time_zone: is required: the units are in different zones (America/Chicago, America/New_York), and local days are judged in one"]
        );
        let named = text.replace("id = \"bu-chi\"", "id = \"bu-chi\"\ntime_zone = \"America/Chicago\"");
        assert!(problems(&named).is_empty());
    }

    #[test]
    fn ids_with_control_characters_are_refused_where_they_are_written() {
        let text = format!("{GOOD}[agents.\"a\\u0007\"]\nname = \"x\"\n[agents.b]\ntags = [\"fww\\n\"]\n");
        assert_eq!(
            problems(&text),
            [
                "cxone.toml: agents.\"a\\u{7}\": must not contain control, line-separator or text-direction characters, found U+0007 at character 2",
                "cxone.toml: agents.b.tags[0]: must not contain control, line-separator or text-direction characters, found U+000A at character 4",
            ]
        );
    }
}
