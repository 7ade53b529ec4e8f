//! The concurrent editor: someone else changing the live data between a publisher's read and its write.
//!
//! It either edits one agent schedule (bumping that agent's and the schedule's version, so a write carrying the
//! versions it read is stale), or adds a PENDING time-off request (no schedule version moves, so only the
//! data-conflict check can catch it: the motivating incident). Its choices come from the seeded generator.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use shiftgate_model::format::{Text, UserRef, WireTimeOffRequest};
use shiftgate_model::time::parse_instant;
use shiftgate_model::{Category, TradeState};

use crate::conflicts::rfc3339;
use crate::error::SimError;
use crate::store::Store;

/// What the concurrent editor does. As JSON (`POST /__sim/editor`): `{"action":"bump","agentId":"a-100"}` or
/// `{"action":"timeoff","agentId":"a-200","start":"2026-12-01T14:00:00Z","minutes":240}`; every field but
/// `action` is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditRequest {
    /// `bump` or `timeoff`.
    pub action: EditAction,
    /// The agent to edit; chosen by the editor when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `timeoff` only: start of the request (default: start of the chosen shift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// `timeoff` only: length in minutes (default: the shift's first 240 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
}

/// The two edits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditAction {
    /// Edit an agent schedule (description of an activity, `manuallyEdited`) and bump versions.
    #[default]
    #[serde(rename = "bump")]
    Bump,
    /// Add a PENDING partial-day time-off request overlapping a shift.
    #[serde(rename = "timeoff")]
    TimeOff,
}

/// What the editor did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditReport {
    /// The edit made.
    pub action: EditAction,
    /// The agent edited or given time off (none when a bump found no agent schedule).
    pub agent_id: Option<String>,
    /// The shift edited or overlapped.
    pub shift_id: Option<String>,
    /// The time-off request added.
    pub time_off_request_id: Option<String>,
    /// The schedule version after the edit.
    pub schedule_version: i64,
    /// The agent's schedule version after the edit.
    pub agent_version: Option<i64>,
    /// One sentence for logs.
    pub description: String,
    /// A schedule edit's own operation id, as announced on the schedules topic (`Processing`, then `Complete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
}

/// Applies an edit to the store. `n` numbers edits (1, 2, ...).
pub(crate) fn edit(
    store: &mut Store,
    req: &EditRequest,
    rng: &mut ChaCha8Rng,
    n: u64,
    now: DateTime<Utc>,
) -> Result<EditReport, SimError> {
    match req.action {
        EditAction::Bump => bump(store, req.agent_id.as_deref(), rng, n),
        EditAction::TimeOff => time_off(store, req, rng, n, now),
    }
}

fn user_of(a: &shiftgate_model::format::WireAgentSchedule<'_>) -> Option<String> {
    a.user.as_ref().and_then(|u| u.id.as_ref()).map(|t| t.as_str().to_string())
}

fn bump(store: &mut Store, agent: Option<&str>, rng: &mut ChaCha8Rng, n: u64) -> Result<EditReport, SimError> {
    let mut wire = store.wire().clone();
    let slot = match agent {
        Some(a) => Some(
            wire.agent_schedules
                .iter()
                .position(|s| user_of(s).as_deref() == Some(a))
                .ok_or_else(|| SimError::Editor(format!("agent {a} has no schedule to edit")))?,
        ),
        None => {
            let with_shifts: Vec<usize> =
                (0..wire.agent_schedules.len()).filter(|&i| !wire.agent_schedules[i].shifts.is_empty()).collect();
            let pool = if with_shifts.is_empty() { (0..wire.agent_schedules.len()).collect() } else { with_shifts };
            (!pool.is_empty()).then(|| pool[rng.random_range(0..pool.len())])
        }
    };
    let mut report = EditReport {
        action: EditAction::Bump,
        agent_id: None,
        shift_id: None,
        time_off_request_id: None,
        schedule_version: 0,
        agent_version: None,
        description: String::new(),
        operation_id: None,
    };
    if let Some(slot) = slot {
        let sched = &mut wire.agent_schedules[slot];
        report.agent_id = user_of(sched);
        if !sched.shifts.is_empty() {
            let k = rng.random_range(0..sched.shifts.len());
            let shift = &mut sched.shifts[k];
            shift.manually_edited = Some(true);
            if let Some(a) = shift.activities.first_mut() {
                a.description = Some(Text::from(format!("edited by the concurrent editor (edit {n})")));
            }
            report.shift_id = shift.id.as_ref().map(|t| t.as_str().to_string());
        }
        let meta = sched.metadata.get_or_insert_with(Default::default);
        meta.version = Some(meta.version.unwrap_or(1) + 1);
        report.agent_version = meta.version;
    }
    if let Some(meta) = wire.schedule.as_mut().map(|s| s.metadata.get_or_insert_with(Default::default)) {
        meta.version = Some(meta.version.unwrap_or(1) + 1);
    }
    *store = Store::from_wire(wire).map_err(|e| SimError::Editor(format!("edit made the schedule invalid: {e}")))?;
    report.schedule_version = store.schedule_version();
    report.description = match (&report.agent_id, &report.shift_id) {
        (Some(a), Some(s)) => format!("edited shift {s} of {a}; schedule version is now {}", report.schedule_version),
        (Some(a), None) => format!("touched the empty schedule of {a}; schedule version {}", report.schedule_version),
        _ => format!("bumped the schedule version to {}", report.schedule_version),
    };
    Ok(report)
}

fn time_off(
    store: &mut Store,
    req: &EditRequest,
    rng: &mut ChaCha8Rng,
    n: u64,
    now: DateTime<Utc>,
) -> Result<EditReport, SimError> {
    let model = store.model();
    let code = model
        .activity_codes
        .iter()
        .find(|c| c.category == Category::TimeOff)
        .ok_or_else(|| SimError::Editor("no activity code of category TimeOff".into()))?
        .id
        .to_string();
    // The shift an agent receives through an approved trade is where an unreflected request hurts.
    let received = |agent: Option<&str>| {
        model.trades.iter().filter(|t| t.state == TradeState::Approved).find_map(|t| {
            let to = t.receiving_user.as_ref()?.as_str();
            let shift = model.shift_ix(t.initiating_shift.as_str())?;
            (agent.is_none() || agent == Some(to)).then(|| (to.to_string(), shift))
        })
    };
    let own = |agent: &str| {
        let ix = model.agent_ix(agent)?;
        model.shifts.iter().position(|s| s.owner == ix).map(|p| (agent.to_string(), shiftgate_model::ShiftIx(p as u32)))
    };
    let (agent, shift) = match req.agent_id.as_deref() {
        Some(a) => {
            if model.agent_ix(a).is_none() {
                return Err(SimError::Editor(format!("{a} is not an agent")));
            }
            match received(Some(a)).or_else(|| own(a)) {
                Some((ag, s)) => (ag, Some(s)),
                None => (a.to_string(), None),
            }
        }
        None => match received(None) {
            Some((a, s)) => (a, Some(s)),
            None => {
                let pool: Vec<usize> = (0..model.shifts.len()).collect();
                if pool.is_empty() {
                    return Err(SimError::Editor("no shift to put time off on".into()));
                }
                let s = &model.shifts[pool[rng.random_range(0..pool.len())]];
                let ix = model.shift_ix(s.id.as_str()).unwrap_or(shiftgate_model::ShiftIx(0));
                (model.agent(s.owner).id.to_string(), Some(ix))
            }
        },
    };
    let shift = shift.map(|s| model.shift(s));
    let start = match (&req.start, shift) {
        (Some(s), _) => parse_instant(s).ok_or_else(|| SimError::Editor(format!("bad start instant {s:?}")))?,
        (None, Some(sh)) => sh.interval.start,
        (None, None) => return Err(SimError::Editor(format!("agent {agent} has no shift; give a start"))),
    };
    let minutes = req.minutes.unwrap_or_else(|| shift.map_or(240, |s| s.interval.minutes().min(240)));
    if !(1..=1440).contains(&minutes) {
        return Err(SimError::Editor(format!("minutes must be 1..1440, got {minutes}")));
    }
    let shift_id = shift.map(|s| s.id.to_string());
    let id = format!("tor-sim-{n}");
    let mut wire = store.wire().clone();
    wire.time_off_requests.push(WireTimeOffRequest {
        id: Some(Text::from(id.clone())),
        user: Some(UserRef { id: Some(Text::from(agent.clone())) }),
        status: Some(Text::from("PENDING".to_string())),
        is_full_day_request: Some(false),
        partial_day_start_date_times: vec![Text::from(rfc3339(start))],
        daily_duration_minutes: Some(minutes),
        activity_code_id: Some(Text::from(code)),
        submitted_date: Some(Text::from(rfc3339(now))),
        notes: Some(Text::from("added by the simulator's concurrent editor".to_string())),
        ..WireTimeOffRequest::default()
    });
    *store = Store::from_wire(wire).map_err(|e| SimError::Editor(format!("edit made the snapshot invalid: {e}")))?;
    Ok(EditReport {
        action: EditAction::TimeOff,
        agent_id: Some(agent.clone()),
        shift_id: shift_id.clone(),
        time_off_request_id: Some(id.clone()),
        schedule_version: store.schedule_version(),
        agent_version: store.agent_version(&agent),
        description: format!(
            "added PENDING time-off request {id} for {agent} at {} for {minutes} min{}",
            rfc3339(start),
            shift_id.map(|s| format!(" (over shift {s})")).unwrap_or_default()
        ),
        operation_id: None,
    })
}
