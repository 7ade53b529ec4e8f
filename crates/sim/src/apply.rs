//! Applying a write to the store, all or nothing: the Genesys upload (merge by shift id, `delete: true`) and the
//! REST PUT (whole replacement of the agent schedules). Both check, in order: request shape (400), versions (409),
//! the resulting schedule's validity (400), data conflicts (409); then bump versions.

use std::collections::{BTreeMap, HashSet};

use serde::de::IgnoredAny;
use serde::Deserialize;
use shiftgate_model::format::{Metadata, Text, UserRef, WireActivity, WireAgentSchedule, WireShift, WireSnapshot};
use shiftgate_model::time::parse_instant;
use shiftgate_model::{AgentIx, Interval};

use crate::config::Limits;
use crate::conflicts::{self, Collector, Conflict};
use crate::store::Store;

// The upload's models accept exactly the fields of their SDK models (the docs cached in /work/record/, and
// research/wfm-api.md §1.4-§1.5 for the activity and marker models) and refuse any other with a 400 naming it
// (serde's "unknown field `x`, expected one of ..."). The record does not say how Genesys treats an unknown field:
// refusing is the stricter reading, so that a client sending a field the platform does not know (a shift's
// `workPlanId`, say) learns it here rather than from the platform. Fields the simulator does not model are read
// and ignored (`IgnoredAny`).

/// `UpdateScheduleUploadSchema` (UpdateScheduleUploadSchema.md), the gzip JSON body of a Genesys schedule update.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, bound(deserialize = "'de: 'a"))]
pub(crate) struct UploadBody<'a> {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub published: Option<bool>,
    #[serde(default)]
    pub description: Option<Text<'a>>,
    #[serde(default)]
    pub agent_schedules: Vec<UploadAgentSchedule<'a>>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    short_term_forecast: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    headcount_forecast: Option<IgnoredAny>,
}

/// `BuUpdateAgentScheduleUploadSchema` (BuUpdateAgentScheduleUploadSchema.md).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, bound(deserialize = "'de: 'a"))]
pub(crate) struct UploadAgentSchedule<'a> {
    #[serde(default)]
    pub user_id: Option<Text<'a>>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub delete: Option<bool>,
    #[serde(default)]
    pub shifts: Vec<UploadShift<'a>>,
    #[serde(default)]
    pub full_day_time_off_markers: Vec<UploadMarker<'a>>,
    /// `ValueWrapperString`: the agent's work plan (not modelled).
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    work_plan_id: Option<IgnoredAny>,
    /// `ListWrapperString` (not modelled).
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    work_plan_ids_per_week: Option<IgnoredAny>,
}

/// `BuUpdateAgentScheduleShift` (BuUpdateAgentScheduleShift.md): a shift plus `delete`. It has no `workPlanId` or
/// `workPlanShiftId` (those are read-only fields of the read model, `BuAgentScheduleShift`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, bound(deserialize = "'de: 'a"))]
pub(crate) struct UploadShift<'a> {
    #[serde(default)]
    pub id: Option<Text<'a>>,
    #[serde(default)]
    pub start_date: Option<Text<'a>>,
    #[serde(default)]
    pub length_minutes: Option<i64>,
    #[serde(default)]
    pub activities: Vec<UploadActivity<'a>>,
    #[serde(default)]
    pub manually_edited: Option<bool>,
    #[serde(default)]
    pub delete: Option<bool>,
    /// `BuScheduleReference` (not modelled).
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    schedule: Option<IgnoredAny>,
}

/// `BuAgentScheduleActivity` (wfm-api.md §1.4).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, bound(deserialize = "'de: 'a"))]
pub(crate) struct UploadActivity<'a> {
    #[serde(default)]
    start_date: Option<Text<'a>>,
    #[serde(default)]
    length_minutes: Option<i64>,
    #[serde(default)]
    description: Option<Text<'a>>,
    #[serde(default)]
    activity_code_id: Option<Text<'a>>,
    #[serde(default)]
    paid: Option<bool>,
    #[serde(default)]
    time_off_request_id: Option<Text<'a>>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    payable_minutes: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    time_off_request_sync_version: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    external_activity_id: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    external_activity_type: Option<IgnoredAny>,
}

impl<'a> UploadActivity<'a> {
    /// The activity as the store keeps it.
    fn wire(&self) -> WireActivity<'a> {
        WireActivity {
            start_date: self.start_date.clone(),
            length_minutes: self.length_minutes,
            activity_code_id: self.activity_code_id.clone(),
            description: self.description.clone(),
            paid: self.paid,
            time_off_request_id: self.time_off_request_id.clone(),
        }
    }
}

/// `BuFullDayTimeOffMarker` (wfm-api.md §1.4), with `delete`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, bound(deserialize = "'de: 'a"))]
pub(crate) struct UploadMarker<'a> {
    #[serde(default)]
    pub business_unit_date: Option<Text<'a>>,
    #[serde(default)]
    pub length_minutes: Option<i64>,
    #[serde(default)]
    pub activity_code_id: Option<Text<'a>>,
    #[serde(default)]
    pub description: Option<Text<'a>>,
    #[serde(default)]
    pub paid: Option<bool>,
    #[serde(default)]
    pub time_off_request_id: Option<Text<'a>>,
    #[serde(default)]
    pub delete: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    payable_minutes: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // accepted as the record allows, not modelled
    time_off_request_sync_version: Option<IgnoredAny>,
}

/// A version the client sent that is not the stored one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VersionMismatch {
    /// `None` for the schedule itself.
    pub user: Option<String>,
    pub sent: i64,
    pub current: i64,
    pub field: String,
}

/// Why a write was refused.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rejection {
    /// (field, message) pairs.
    BadRequest(Vec<(String, String)>),
    Version(Vec<VersionMismatch>),
    /// Data conflicts: the listed ones (within [`Limits::conflicts_listed`] and the text budget), each with the
    /// request field it concerns if any, and how many more were found.
    Conflicts {
        listed: Vec<(Conflict, Option<String>)>,
        unlisted: u64,
    },
}

/// An accepted write: the new store and what changed.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub store: Store,
    pub changed_agents: Vec<String>,
}

fn user_of<'w>(a: &'w WireAgentSchedule<'_>) -> Option<&'w str> {
    a.user.as_ref().and_then(|u| u.id.as_ref()).map(Text::as_str)
}

fn same_content(a: &WireAgentSchedule<'_>, b: &WireAgentSchedule<'_>) -> bool {
    a.shifts == b.shifts && a.full_day_time_off_markers == b.full_day_time_off_markers
}

/// Applies a Genesys upload. `next_id` numbers shifts that arrive without an id.
pub(crate) fn apply_upload(
    store: &Store,
    body: &UploadBody<'static>,
    next_id: &mut u64,
    limits: &Limits,
) -> Result<Accepted, Rejection> {
    let mut bad = Vec::new();
    let mut stale = Vec::new();
    match body.metadata.as_ref().and_then(|m| m.version) {
        None => bad.push(("metadata.version".to_string(), "is required".to_string())),
        Some(v) if v != store.schedule_version() => stale.push(VersionMismatch {
            user: None,
            sent: v,
            current: store.schedule_version(),
            field: "metadata.version".into(),
        }),
        Some(_) => {}
    }
    let mut seen = HashSet::new();
    let mut known = Vec::new(); // (upload index, user)
    let mut unknown = Vec::new();
    for (i, a) in body.agent_schedules.iter().enumerate() {
        let Some(user) = a.user_id.as_ref().map(Text::as_str).filter(|u| !u.is_empty()) else {
            bad.push((format!("agentSchedules[{i}].userId"), "is required".into()));
            continue;
        };
        if !seen.insert(user) {
            bad.push((format!("agentSchedules[{i}].userId"), format!("a second entry for user {user}")));
            continue;
        }
        if store.model().agent_ix(user).is_none() {
            unknown.push((i, user));
            continue;
        }
        if let Some(current) = store.agent_version(user) {
            match a.metadata.as_ref().and_then(|m| m.version) {
                None => bad.push((
                    format!("agentSchedules[{i}].metadata.version"),
                    format!("is required when updating the existing schedule of {user}"),
                )),
                Some(sent) if sent != current => stale.push(VersionMismatch {
                    user: Some(user.to_string()),
                    sent,
                    current,
                    field: format!("agentSchedules[{i}].metadata.version"),
                }),
                Some(_) => {}
            }
        }
        known.push((i, user));
    }
    if store.published() && body.published == Some(false) {
        bad.push(("published".into(), "a published schedule cannot be un-published".into()));
    }
    if !bad.is_empty() {
        return Err(Rejection::BadRequest(bad));
    }
    if !stale.is_empty() {
        return Err(Rejection::Version(stale));
    }

    let before = store.wire().clone();
    let mut wire = before.clone();
    // Deletions first, so a shift a trade moves can be deleted from one agent and added to another in one upload.
    for &(i, user) in &known {
        let a = &body.agent_schedules[i];
        let slot = entry(&mut wire, user);
        if a.delete == Some(true) {
            wire.agent_schedules[slot].shifts.clear();
            wire.agent_schedules[slot].full_day_time_off_markers.clear();
            continue;
        }
        let target = &mut wire.agent_schedules[slot];
        for (j, sh) in a.shifts.iter().enumerate().filter(|(_, s)| s.delete == Some(true)) {
            let path = format!("agentSchedules[{i}].shifts[{j}]");
            match &sh.id {
                None => bad.push((format!("{path}.id"), "is required to delete a shift".into())),
                Some(id) => match target.shifts.iter().position(|s| s.id.as_ref() == Some(id)) {
                    Some(p) => {
                        target.shifts.remove(p);
                    }
                    None => bad.push((format!("{path}.id"), format!("shift {id:?} is not in the schedule of {user}"))),
                },
            }
        }
        for (j, m) in a.full_day_time_off_markers.iter().enumerate().filter(|(_, m)| m.delete == Some(true)) {
            let date = m.business_unit_date.as_ref();
            match target.full_day_time_off_markers.iter().position(|x| x.business_unit_date.as_ref() == date) {
                Some(p) => {
                    target.full_day_time_off_markers.remove(p);
                }
                None => bad.push((
                    format!("agentSchedules[{i}].fullDayTimeOffMarkers[{j}].businessUnitDate"),
                    format!("no marker on {:?} in the schedule of {user}", date.map(Text::as_str).unwrap_or("")),
                )),
            }
        }
    }
    for &(i, user) in &known {
        let a = &body.agent_schedules[i];
        if a.delete == Some(true) {
            continue;
        }
        let slot = entry(&mut wire, user);
        let target = &mut wire.agent_schedules[slot];
        for sh in a.shifts.iter().filter(|s| s.delete != Some(true)) {
            let mut shift = WireShift {
                id: sh.id.clone(),
                start_date: sh.start_date.clone(),
                length_minutes: sh.length_minutes,
                activities: sh.activities.iter().map(UploadActivity::wire).collect(),
                manually_edited: sh.manually_edited,
            };
            if shift.id.is_none() {
                *next_id += 1;
                shift.id = Some(Text::from(format!("sim-shift-{next_id}")));
            }
            match target.shifts.iter_mut().find(|s| s.id == shift.id) {
                Some(existing) => *existing = shift,
                None => target.shifts.push(shift),
            }
        }
        for m in a.full_day_time_off_markers.iter().filter(|m| m.delete != Some(true)) {
            let marker = shiftgate_model::format::WireMarker {
                business_unit_date: m.business_unit_date.clone(),
                length_minutes: m.length_minutes,
                activity_code_id: m.activity_code_id.clone(),
                description: m.description.clone(),
                paid: m.paid,
                time_off_request_id: m.time_off_request_id.clone(),
            };
            let list = &mut target.full_day_time_off_markers;
            match list.iter_mut().find(|x| x.business_unit_date == marker.business_unit_date) {
                Some(existing) => *existing = marker,
                None => list.push(marker),
            }
        }
    }
    if !bad.is_empty() {
        return Err(Rejection::BadRequest(bad));
    }
    // Deleted agent schedules leave the store; empty ones created by a failed lookup never reach it.
    let deleted: HashSet<&str> =
        known.iter().filter(|(i, _)| body.agent_schedules[*i].delete == Some(true)).map(|(_, u)| *u).collect();
    wire.agent_schedules.retain(|a| !user_of(a).is_some_and(|u| deleted.contains(u)));
    if let Some(s) = wire.schedule.as_mut() {
        if let Some(p) = body.published {
            s.published = Some(p);
        }
        if let Some(d) = &body.description {
            s.description = Some(d.clone());
        }
    }

    let mut field_of: BTreeMap<String, String> =
        known.iter().map(|(i, u)| (u.to_string(), format!("agentSchedules[{i}]"))).collect();
    let mut found = Collector::new(limits.conflicts_listed, limits.conflict_text_bytes);
    for (i, user) in &unknown {
        let span = upload_span(&body.agent_schedules[*i]).unwrap_or_else(|| store.model().period());
        found.add(|| conflicts::unknown_agent(user, span));
        field_of.insert(user.to_string(), format!("agentSchedules[{i}].userId"));
    }
    // Publishing makes the whole schedule live, so every agent's schedule is checked, not only the upload's.
    let checked: Vec<String> = if body.published == Some(true) {
        wire.agent_schedules.iter().filter_map(user_of).map(str::to_string).collect()
    } else {
        known.iter().map(|(_, u)| *u).filter(|u| !deleted.contains(u)).map(str::to_string).collect()
    };
    finish(&before, wire, &checked, found, |agent| field_of.get(agent).cloned())
}

/// Applies a REST PUT: the body's agent schedules replace the stored ones; everything else stays server-owned.
pub(crate) fn apply_rest(store: &Store, body: &WireSnapshot<'static>, limits: &Limits) -> Result<Accepted, Rejection> {
    let mut bad = Vec::new();
    let mut unknown = Vec::new();
    let mut kept = Vec::new();
    let mut seen = HashSet::new();
    for (i, a) in body.agent_schedules.iter().enumerate() {
        match user_of(a).filter(|u| !u.is_empty()) {
            None => bad.push((format!("agentSchedules[{i}].user.id"), "is required".to_string())),
            Some(u) if !seen.insert(u) => {
                bad.push((format!("agentSchedules[{i}].user.id"), format!("a second entry for agent {u}")))
            }
            Some(u) if store.model().agent_ix(u).is_none() => unknown.push((i, u)),
            Some(_) => kept.push(a.clone()),
        }
    }
    let published = body.schedule.as_ref().and_then(|s| s.published);
    if store.published() && published == Some(false) {
        bad.push(("schedule.published".into(), "a published schedule cannot be un-published".into()));
    }
    if !bad.is_empty() {
        return Err(Rejection::BadRequest(bad));
    }
    let before = store.wire().clone();
    let mut wire = before.clone();
    wire.agent_schedules = kept;
    if let Some(s) = wire.schedule.as_mut() {
        if let Some(p) = published {
            s.published = Some(p);
        }
        if let Some(d) = body.schedule.as_ref().and_then(|s| s.description.clone()) {
            s.description = Some(d);
        }
    }
    let mut found = Collector::new(limits.conflicts_listed, limits.conflict_text_bytes);
    let mut field_of: BTreeMap<String, String> = BTreeMap::new();
    for (i, u) in &unknown {
        let span = schedule_span(&body.agent_schedules[*i]).unwrap_or_else(|| store.model().period());
        found.add(|| conflicts::unknown_agent(u, span));
        field_of.insert(u.to_string(), format!("agentSchedules[{i}].user.id"));
    }
    let users: Vec<String> = wire.agent_schedules.iter().filter_map(user_of).map(str::to_string).collect();
    finish(&before, wire, &users, found, |agent| field_of.get(agent).cloned())
}

/// Sets versions, validates, checks conflicts of `checked` agents.
fn finish(
    before: &WireSnapshot<'static>,
    mut wire: WireSnapshot<'static>,
    checked: &[String],
    mut found: Collector,
    field_of: impl Fn(&str) -> Option<String>,
) -> Result<Accepted, Rejection> {
    let mut changed = Vec::new();
    for a in &mut wire.agent_schedules {
        let Some(user) = user_of(a).map(str::to_string) else { continue };
        let old = before.agent_schedules.iter().find(|b| user_of(b) == Some(&user));
        let old_version = old.and_then(|o| o.metadata.as_ref()).and_then(|m| m.version).unwrap_or(0);
        let differs = match old {
            Some(o) => !same_content(o, a),
            None => true,
        };
        a.metadata = Some(Metadata { version: Some(old_version + i64::from(differs)) });
        if differs {
            changed.push(user);
        }
    }
    for b in &before.agent_schedules {
        if let Some(u) = user_of(b) {
            if !wire.agent_schedules.iter().any(|a| user_of(a) == Some(u)) {
                changed.push(u.to_string());
            }
        }
    }
    if let Some(meta) = wire.schedule.as_mut().and_then(|s| s.metadata.as_mut()) {
        meta.version = Some(meta.version.unwrap_or(1) + 1);
    }
    let store = Store::from_wire(wire).map_err(|e| {
        Rejection::BadRequest(
            e.problems().into_iter().map(|p| (p.path, format!("in the resulting schedule: {}", p.message))).collect(),
        )
    })?;
    let agents: Vec<AgentIx> = checked.iter().filter_map(|u| store.model().agent_ix(u)).collect();
    conflicts::find(store.model(), &agents, &mut found);
    let found = found.finish();
    if !found.listed.is_empty() || found.unlisted > 0 {
        let listed = found
            .listed
            .into_iter()
            .map(|c| {
                let field = field_of(&c.agent_id);
                (c, field)
            })
            .collect();
        return Err(Rejection::Conflicts { listed, unlisted: found.unlisted });
    }
    changed.sort();
    Ok(Accepted { store, changed_agents: changed })
}

/// Index of the user's agent schedule, created empty (version 0) if missing.
fn entry(wire: &mut WireSnapshot<'static>, user: &str) -> usize {
    if let Some(p) = wire.agent_schedules.iter().position(|a| user_of(a) == Some(user)) {
        return p;
    }
    wire.agent_schedules.push(WireAgentSchedule {
        user: Some(UserRef { id: Some(Text::from(user.to_string())) }),
        metadata: Some(Metadata { version: Some(0) }),
        ..WireAgentSchedule::default()
    });
    wire.agent_schedules.len() - 1
}

fn span<'s>(shifts: impl Iterator<Item = (Option<&'s Text<'static>>, Option<i64>)>) -> Option<Interval> {
    shifts
        .filter_map(|(start, len)| Some(Interval::from_length(parse_instant(start?.as_str())?, len?.clamp(0, 10_080))))
        .reduce(|a, b| Interval::new(a.start.min(b.start), a.end.max(b.end)))
}

fn upload_span(a: &UploadAgentSchedule<'static>) -> Option<Interval> {
    span(a.shifts.iter().map(|s| (s.start_date.as_ref(), s.length_minutes)))
}

fn schedule_span(a: &WireAgentSchedule<'static>) -> Option<Interval> {
    span(a.shifts.iter().map(|s| (s.start_date.as_ref(), s.length_minutes)))
}
