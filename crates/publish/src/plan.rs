//! The update plan: what the publisher will write, derived purely from the fetched document and the roster after
//! trades, and the comparison that tells whether a plan is live on the platform.
//!
//! Shifts travel as the platform's own JSON objects (taken from the fetched document by their origin), so fields the
//! model does not know (`timeOffRequestSyncVersion`, `externalActivityId`, work plan ids) survive the round trip.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use shiftgate_model::time::parse_instant;
use shiftgate_model::{Roster, Shift, Snapshot};

/// Everything one publish attempt writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePlan {
    /// The schedule.
    pub schedule_id: String,
    /// The schedule's `metadata.version` as fetched (the optimistic-concurrency token).
    pub schedule_version: Option<i64>,
    /// Publish the schedule (always true for `shiftgate publish`).
    pub published: bool,
    /// Agents whose shifts change, by agent id.
    pub agents: Vec<AgentPlan>,
    /// Ids of the trades this plan carries out, in application order.
    pub trades_applied: Vec<String>,
}

impl UpdatePlan {
    /// Whether the plan changes no shift (it may still publish).
    pub fn changes_no_shift(&self) -> bool {
        self.agents.is_empty()
    }
}

/// One agent's part of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPlan {
    /// The agent (Genesys user id).
    pub agent_id: String,
    /// The agent's management unit, where the platform groups agents (Genesys reads agents per unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management_unit_id: Option<String>,
    /// The agent schedule's `metadata.version` as fetched; `None` when the agent had no schedule entry.
    pub version: Option<i64>,
    /// Every shift the agent holds after trades, as platform JSON, in (start, end, id) order.
    pub shifts: Vec<Value>,
    /// Shifts that trades moved away from the agent, as platform JSON.
    pub deleted: Vec<Value>,
    /// The agent's full-day time-off markers, unchanged.
    pub markers: Vec<Value>,
}

/// Builds the plan from the snapshot, the document it was read from, and the roster after trades.
pub fn build_plan(snapshot: &Snapshot, document: &Value, roster: &Roster) -> UpdatePlan {
    let entries = document.get("agentSchedules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let entry_of = |agent_id: &str| entries.iter().find(|e| user_id(e) == Some(agent_id));
    let raw = |shift: &Shift| {
        let (i, j) = shift.origin;
        entries
            .get(i as usize)
            .and_then(|e| e.get("shifts"))
            .and_then(|s| s.get(j as usize))
            .cloned()
            .unwrap_or_else(|| shift_json(snapshot, shift))
    };

    let mut changed = vec![false; snapshot.agents.len()];
    for (ix, shift) in snapshot.shifts.iter().enumerate() {
        let now = roster.owner.get(ix).copied().unwrap_or(shift.owner);
        if now != shift.owner {
            changed[shift.owner.get()] = true;
            changed[now.get()] = true;
        }
    }
    let mut agents = Vec::new();
    for (a, agent) in snapshot.agents.iter().enumerate() {
        if !changed[a] {
            continue;
        }
        let entry = entry_of(agent.id.as_str());
        let shifts = roster.by_agent[a].iter().map(|&s| raw(snapshot.shift(s))).collect();
        let mut deleted: Vec<&Shift> = snapshot
            .shifts
            .iter()
            .enumerate()
            .filter(|(ix, s)| s.owner.get() == a && roster.owner.get(*ix).is_some_and(|o| o.get() != a))
            .map(|(_, s)| s)
            .collect();
        deleted.sort_by(|x, y| (x.interval, x.id.as_str()).cmp(&(y.interval, y.id.as_str())));
        agents.push(AgentPlan {
            agent_id: agent.id.as_str().to_string(),
            management_unit_id: agent.management_unit_id.as_ref().map(|m| m.to_string()),
            version: entry.and_then(version_of),
            shifts,
            deleted: deleted.into_iter().map(raw).collect(),
            markers: entry
                .and_then(|e| e.get("fullDayTimeOffMarkers"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        });
    }
    agents.sort_by(|x, y| x.agent_id.cmp(&y.agent_id));
    UpdatePlan {
        schedule_id: snapshot.schedule.id.clone(),
        schedule_version: snapshot.schedule.version,
        published: true,
        agents,
        trades_applied: roster.applied.iter().map(|&t| snapshot.trades[t].id.as_str().to_string()).collect(),
    }
}

/// A shift as Genesys JSON, for shifts whose original object is not at hand.
fn shift_json(snapshot: &Snapshot, shift: &Shift) -> Value {
    let activities: Vec<Value> = shift
        .activities
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("startDate".into(), json!(rfc3339(a.interval.start)));
            o.insert("lengthMinutes".into(), json!(a.interval.minutes()));
            let code = snapshot.activity_code(a.code).map_or("", |c| c.id.as_str());
            o.insert("activityCodeId".into(), json!(code));
            if let Some(p) = a.paid_override {
                o.insert("paid".into(), json!(p));
            }
            if let Some(t) = &a.time_off_request {
                o.insert("timeOffRequestId".into(), json!(t.as_str()));
            }
            Value::Object(o)
        })
        .collect();
    json!({
        "id": shift.id.as_str(),
        "startDate": rfc3339(shift.interval.start),
        "lengthMinutes": shift.interval.minutes(),
        "activities": activities,
    })
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn user_id(entry: &Value) -> Option<&str> {
    entry.get("user").and_then(|u| u.get("id")).and_then(Value::as_str)
}

pub(crate) fn version_of(entity: &Value) -> Option<i64> {
    entity.get("metadata").and_then(|m| m.get("version")).and_then(Value::as_i64)
}

/// What a re-read says about a plan that was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveFacts {
    /// A version token we sent no longer matches the live one (schedule, a sent agent, or the ETag).
    pub version_moved: bool,
    /// The schedule's own `metadata.version` moved (a multi-request read takes it first, so a read torn across
    /// an update shows the agents after it and this version before it).
    pub schedule_moved: bool,
    /// Every planned agent holds exactly the shifts the plan intended, published or not.
    pub ours_on_agents: bool,
    /// [`LiveFacts::ours_on_agents`], and the schedule is published if the plan publishes.
    pub ours_live: bool,
}

/// Compares a sent plan (and the ETag sent with it, if any) with a freshly read document and ETag.
///
/// Shifts are compared by content (start, length, activities), not id, because a platform may give a shift that
/// changed owner a new id.
pub fn compare(plan: &UpdatePlan, sent_etag: Option<&str>, live: &Value, live_etag: Option<&str>) -> LiveFacts {
    let live_schedule = live.get("schedule").unwrap_or(&Value::Null);
    let entries = live.get("agentSchedules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let entry_of = |agent_id: &str| entries.iter().find(|e| user_id(e) == Some(agent_id));

    let schedule_moved = plan.schedule_version.is_some() && version_of(live_schedule) != plan.schedule_version;
    let mut version_moved = schedule_moved || matches!((sent_etag, live_etag), (Some(a), Some(b)) if a != b);
    let mut ours_on_agents = true;
    for agent in &plan.agents {
        let entry = entry_of(&agent.agent_id);
        if agent.version.is_some() && entry.and_then(version_of) != agent.version {
            version_moved = true;
        }
        let live_shifts: Vec<ShiftKey> = entry
            .and_then(|e| e.get("shifts"))
            .and_then(Value::as_array)
            .map(|s| s.iter().filter(|s| !is_deleted(s)).map(shift_key).collect())
            .unwrap_or_default();
        ours_on_agents &= sorted(live_shifts) == sorted(agent.shifts.iter().map(shift_key).collect());
    }
    let published = live_schedule.get("published").and_then(Value::as_bool) == Some(true);
    let ours_live = ours_on_agents && (!plan.published || published);
    LiveFacts { version_moved, schedule_moved, ours_on_agents, ours_live }
}

fn is_deleted(shift: &Value) -> bool {
    shift.get("delete").and_then(Value::as_bool) == Some(true)
}

/// A shift's content: start, length and activities (start, length, code), instants normalised to UTC.
type ShiftKey = (Option<i64>, Option<i64>, Vec<(Option<i64>, Option<i64>, Option<String>)>);

fn instant(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str).and_then(parse_instant).map(|t| t.timestamp())
}

fn shift_key(shift: &Value) -> ShiftKey {
    let mut acts: Vec<_> = shift
        .get("activities")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|a| {
                    (
                        instant(a.get("startDate")),
                        a.get("lengthMinutes").and_then(Value::as_i64),
                        a.get("activityCodeId").and_then(Value::as_str).map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    acts.sort();
    (instant(shift.get("startDate")), shift.get("lengthMinutes").and_then(Value::as_i64), acts)
}

fn sorted(mut v: Vec<ShiftKey>) -> Vec<ShiftKey> {
    v.sort();
    v
}

/// Raw shifts of each agent in a document, by agent id (for diffs and tests).
pub fn shifts_by_agent(document: &Value) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    for e in document.get("agentSchedules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(id) = user_id(e) {
            let shifts = e.get("shifts").and_then(Value::as_array).cloned().unwrap_or_default();
            out.insert(id.to_string(), shifts);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::apply_plan;
    use crate::testdata;
    use shiftgate_model::apply_trades;

    #[test]
    fn a_swap_changes_both_agents_and_keeps_platform_fields() {
        let doc = testdata::example_document();
        let snapshot = testdata::snapshot_of(&doc);
        let plan = build_plan(&snapshot, &doc, &apply_trades(&snapshot));
        assert_eq!(plan.schedule_version, Some(17));
        assert_eq!(plan.trades_applied, ["tr-4"]);
        let ids = |v: &[Value]| v.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let a100 = &plan.agents[0];
        assert_eq!((a100.agent_id.as_str(), a100.version), ("a-100", Some(4)));
        assert_eq!((ids(&a100.shifts), ids(&a100.deleted)), (vec!["s-9".to_string()], vec!["s-1".to_string()]));
        assert_eq!(a100.markers.len(), 1, "markers ride along unchanged");
        let a200 = &plan.agents[1];
        assert_eq!((ids(&a200.shifts), ids(&a200.deleted)), (vec!["s-1".to_string()], vec!["s-9".to_string()]));
        // A field the model does not know survives.
        assert_eq!(a200.shifts[0]["workPlanId"], "wp-1");
    }

    #[test]
    fn no_trades_means_no_agent_changes() {
        let doc = testdata::example_document();
        let snapshot = testdata::snapshot_of(&doc);
        let plan = build_plan(&snapshot, &doc, &shiftgate_model::apply_trades_excluding(&snapshot, &[0]));
        assert!(plan.changes_no_shift());
        assert!(plan.trades_applied.is_empty());
    }

    #[test]
    fn compare_tells_landed_from_moved() {
        let doc = testdata::example_document();
        let snapshot = testdata::snapshot_of(&doc);
        let plan = build_plan(&snapshot, &doc, &apply_trades(&snapshot));
        let facts = |moved, schedule_moved, on_agents, live| LiveFacts {
            version_moved: moved,
            schedule_moved,
            ours_on_agents: on_agents,
            ours_live: live,
        };
        // Unchanged live state: nothing moved, not ours.
        assert_eq!(compare(&plan, None, &doc, None), facts(false, false, false, false));
        // Our plan applied (ids changed by the platform, versions bumped): ours.
        let landed = apply_plan(&doc, &plan, true);
        assert_eq!(compare(&plan, None, &landed, None), facts(true, true, true, true));
        // Someone else bumped the version only: moved, not ours.
        let mut bumped = doc.clone();
        bumped["schedule"]["metadata"]["version"] = json!(18);
        assert_eq!(compare(&plan, None, &bumped, None), facts(true, true, false, false));
        // A read torn across our update: the schedule metadata from before it, the agent schedules from after.
        let mut torn = landed.clone();
        torn["schedule"] = doc["schedule"].clone();
        assert_eq!(compare(&plan, None, &torn, None), facts(true, false, true, false));
        // An ETag change alone counts as moved.
        assert!(compare(&plan, Some("\"1\""), &doc, Some("\"2\"")).version_moved);
    }
}
