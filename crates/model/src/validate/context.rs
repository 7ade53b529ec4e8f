//! What every agent-schedule entry and time-off request is validated against: the business unit (its zone), the
//! activity codes and the agents. Built on its own so that reading can start validating entries as soon as these
//! three parts of the document have been read.

use std::collections::HashSet;

use chrono::Weekday;

use super::{weekday, Validator};
use crate::error::Problem;
use crate::format::{Text, UserRef, WireActivityCode, WireAgent, WireBusinessUnit};
use crate::id::{ActivityCodeId, AgentId, AgentIx, CodeIx, IdMap};
use crate::snapshot::{ActivityCode, Agent, BusinessUnit, Category};
use crate::time::Zone;

/// The validated business unit, activity codes and agents, with their problems kept apart so that they can be
/// reported in document order around the schedule's own.
pub(super) struct Context {
    pub(super) business_unit: Option<BusinessUnit>,
    pub(super) zone: Option<Zone>,
    pub(super) codes: Vec<ActivityCode>,
    code_index: IdMap<ActivityCodeId, CodeIx>,
    pub(super) agents: Vec<Agent>,
    pub(super) agent_index: IdMap<AgentId, AgentIx>,
    /// Problems of `businessUnit`.
    pub(super) unit_problems: Vec<Problem>,
    /// Problems of `activityCodes` and `agents`.
    pub(super) list_problems: Vec<Problem>,
}

impl Context {
    pub(super) fn new(
        unit: Option<&WireBusinessUnit<'_>>,
        codes: &[WireActivityCode<'_>],
        agents: &[WireAgent<'_>],
    ) -> Self {
        let mut v = Validator::default();
        let business_unit = v.business_unit(unit);
        let unit_problems = std::mem::take(&mut v.problems);
        let codes = v.activity_codes(codes);
        let (agents, agent_index) = v.agents(agents);
        let code_index = codes.iter().enumerate().map(|(i, c)| (c.id.clone(), CodeIx(i as u32))).collect();
        Context {
            zone: business_unit.as_ref().map(|b| b.zone),
            business_unit,
            codes,
            code_index,
            agents,
            agent_index,
            unit_problems,
            list_problems: v.problems,
        }
    }
}

impl Validator {
    fn business_unit(&mut self, bu: Option<&WireBusinessUnit<'_>>) -> Option<BusinessUnit> {
        let Some(bu) = bu else {
            self.fail(|| "businessUnit".into(), "is required");
            return None;
        };
        let id = self.id(&bu.id, || "businessUnit.id".into());
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

    fn activity_codes(&mut self, codes: &[WireActivityCode<'_>]) -> Vec<ActivityCode> {
        let mut out: Vec<ActivityCode> = Vec::new();
        let mut ids = HashSet::new();
        for (i, c) in codes.iter().enumerate() {
            let Some(id) = self.id(&c.id, || format!("activityCodes[{i}].id")) else { continue };
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
            if !ids.insert(id) {
                self.fail(|| format!("activityCodes[{i}].id"), format!("duplicate activity code id {id:?}"));
                continue;
            }
            // Genesys defaults: work categories count as work, and everything but Meal and unpaid time off is paid.
            let default_work = matches!(
                category,
                Category::OnQueueWork | Category::OffQueueWork | Category::Meeting | Category::Training
            );
            out.push(ActivityCode {
                id: ActivityCodeId::new(id),
                name: c.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                category,
                counts_as_paid_time: c.counts_as_paid_time.unwrap_or(category != Category::Meal),
                counts_as_work_time: c.counts_as_work_time.unwrap_or(default_work),
            });
        }
        out
    }

    fn agents(&mut self, list: &[WireAgent<'_>]) -> (Vec<Agent>, IdMap<AgentId, AgentIx>) {
        let mut agents = Vec::with_capacity(list.len());
        let mut index = IdMap::with_capacity_and_hasher(list.len(), Default::default());
        for (i, a) in list.iter().enumerate() {
            let Some(id) = self.id(&a.id, || format!("agents[{i}].id")) else { continue };
            let id = AgentId::new(id);
            if index.contains_key(&id) {
                self.fail(|| format!("agents[{i}].id"), format!("duplicate agent id {:?}", id.as_str()));
                continue;
            }
            index.insert(id.clone(), AgentIx(agents.len() as u32));
            agents.push(Agent {
                id,
                name: a.name.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                management_unit_id: self
                    .optional_id(&a.management_unit_id, || format!("agents[{i}].managementUnitId"))
                    .map(str::to_string),
                tags: a.tags.iter().map(|t| t.as_str().to_string()).collect(),
                skills: a.skills.iter().map(|t| t.as_str().to_string()).collect(),
                params: a.params.clone(),
                schedule_version: None,
            });
        }
        (agents, index)
    }

    pub(super) fn user(
        &mut self,
        u: Option<&UserRef<'_>>,
        ctx: &Context,
        path: impl Fn() -> String,
    ) -> Option<AgentIx> {
        let id = match u {
            Some(UserRef { id: Some(id) }) => id.as_str(),
            _ => {
                self.fail(|| format!("{}.id", path()), "is required");
                return None;
            }
        };
        if !self.id_form(id, || format!("{}.id", path())) {
            return None;
        }
        let ix = ctx.agent_index.get(id).copied();
        if ix.is_none() {
            self.fail(|| format!("{}.id", path()), format!("unknown agent {id:?} (not in agents)"));
        }
        ix
    }

    pub(super) fn code<'c>(
        &mut self,
        v: &Option<Text<'_>>,
        ctx: &'c Context,
        path: impl Fn() -> String,
    ) -> Option<(CodeIx, &'c ActivityCode)> {
        let id = self.id(v, &path)?;
        let code = ctx.code_index.get(id).map(|&ix| (ix, &ctx.codes[ix.get()]));
        if code.is_none() {
            self.fail(path, format!("unknown activity code {id:?} (not in activityCodes)"));
        }
        code
    }
}
