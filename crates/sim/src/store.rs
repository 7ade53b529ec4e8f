//! The one in-memory store: the live schedule as an owned wire snapshot, with its validated view.
//!
//! Versions live where the wire format puts them (`schedule.metadata.version`, `agentSchedules[].metadata.version`),
//! so the state the test routes show is exactly what the REST contract serves.

use serde::Deserialize;
use shiftgate_model::format::{Metadata, WireSnapshot};
use shiftgate_model::{InputError, Snapshot};

use crate::error::SimError;

/// Parses JSON into a type whose strings must not borrow from the input.
pub(crate) fn parse_owned<T: Deserialize<'static>>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    T::deserialize(value)
}

/// The live schedule.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    wire: WireSnapshot<'static>,
    model: Snapshot,
}

impl Store {
    /// Reads a seed snapshot. Missing versions start at 1.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Store, SimError> {
        // The model's own reader gives the best messages (JSON path, line, column).
        Snapshot::from_json(bytes)?;
        let mut wire: WireSnapshot<'static> =
            parse_owned(bytes).map_err(|e| SimError::Unusable(format!("cannot re-read the snapshot: {e}")))?;
        let schedule = wire.schedule.get_or_insert_with(Default::default);
        let meta = schedule.metadata.get_or_insert_with(Metadata::default);
        meta.version = Some(meta.version.unwrap_or(1));
        for a in &mut wire.agent_schedules {
            let meta = a.metadata.get_or_insert_with(Metadata::default);
            meta.version = Some(meta.version.unwrap_or(1));
        }
        Store::from_wire(wire).map_err(SimError::Snapshot)
    }

    /// Validates and adopts a wire snapshot.
    pub(crate) fn from_wire(wire: WireSnapshot<'static>) -> Result<Store, InputError> {
        let model = Snapshot::from_wire(&wire)?;
        Ok(Store { wire, model })
    }

    pub(crate) fn wire(&self) -> &WireSnapshot<'static> {
        &self.wire
    }

    pub(crate) fn model(&self) -> &Snapshot {
        &self.model
    }

    pub(crate) fn bu_id(&self) -> &str {
        &self.model.business_unit.id
    }

    pub(crate) fn schedule_id(&self) -> &str {
        &self.model.schedule.id
    }

    /// The schedule's first day, `yyyy-MM-dd`.
    pub(crate) fn week_date(&self) -> String {
        self.model.schedule.week_date.to_string()
    }

    pub(crate) fn schedule_version(&self) -> i64 {
        self.model.schedule.version.unwrap_or(1)
    }

    /// The stored version of an agent's schedule, if the agent has one.
    pub(crate) fn agent_version(&self, user: &str) -> Option<i64> {
        self.wire
            .agent_schedules
            .iter()
            .find(|a| a.user.as_ref().and_then(|u| u.id.as_ref()).is_some_and(|id| id.as_str() == user))
            .map(|a| a.metadata.as_ref().and_then(|m| m.version).unwrap_or(1))
    }

    pub(crate) fn published(&self) -> bool {
        self.model.schedule.published
    }

    /// The strong ETag of the REST contract: `"v<schedule version>"`.
    pub(crate) fn etag(&self) -> String {
        format!("\"v{}\"", self.schedule_version())
    }

    /// Agents of a management unit (all agents when `mu` is `None`).
    pub(crate) fn agents_of(&self, mu: Option<&str>) -> Vec<String> {
        self.model
            .agents
            .iter()
            .filter(|a| mu.is_none() || a.management_unit_id.as_deref() == mu)
            .map(|a| a.id.to_string())
            .collect()
    }

    /// Management unit ids in first-seen order.
    pub(crate) fn management_units(&self) -> Vec<String> {
        let mut mus: Vec<String> = Vec::new();
        for a in &self.model.agents {
            if let Some(mu) = &a.management_unit_id {
                if !mus.contains(mu) {
                    mus.push(mu.clone());
                }
            }
        }
        mus
    }
}
