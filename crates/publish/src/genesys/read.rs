//! Reading a week: the business unit, its activity codes, then the schedule's metadata, each management unit's
//! agent schedules, time-off requests and trades, and the metadata again. And reading only some agents: the
//! metadata, the agents' schedules (one query per management unit that has any of them), and the metadata again.
//!
//! A read made of several requests can be torn: someone edits the schedule between the first and the last one,
//! and the snapshot mixes two states. The schedule's `metadata.version` moves with every accepted edit, so it is
//! read before and after the unit reads; when it moved, the unit reads are done again (bounded), and a schedule
//! that keeps changing is an error saying so. Cost: `3 + 3 × units + 1` requests per clean read of the week (205
//! for 67 management units), `2 + units with agents to read` for some agents (the query's `managementUnitId` is
//! required, so one request per unit is the floor), plus the token.
//!
//! Units are independent, so up to [`crate::HttpSettings::concurrent_reads`] of them are read at once; the
//! rate-limit budget ([`crate::pacing`]) decides how many requests actually go out. Answers are put together in
//! the units' order, so the document does not depend on which answer came first.

use std::collections::BTreeMap;

use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::Value;

use super::convert::{management_units, query_agent_schedules, GenesysReads};
use super::routes;
use super::GenesysClient;
use crate::plan::{user_id, UpdatePlan};
use crate::platform::{PlatformError, Step, Target};

/// How many times the unit reads are made before a moving schedule is an error.
pub(crate) const MAX_READS: u32 = 3;

/// An id that a path may carry: `.` and `..` would be read as path steps even when percent-encoded.
fn check_id(what: &str, id: &str) -> Result<(), PlatformError> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(PlatformError::Decode { step: Step::Fetch, message: format!("{what} {id:?} is not a usable id") });
    }
    Ok(())
}

fn version(metadata: &Value) -> Option<i64> {
    metadata.get("metadata").and_then(|m| m.get("version")).and_then(Value::as_i64)
}

fn version_text(v: Option<i64>) -> String {
    v.map_or_else(|| "none".into(), |v| v.to_string())
}

impl GenesysClient {
    /// Reads the target week, checking that the unit reads were not torn by a concurrent edit.
    pub(super) async fn read_week(&self, t: &Target) -> Result<GenesysReads, PlatformError> {
        check_id("the business unit", &t.business_unit_id)?;
        check_id("the week", &t.week_id)?;
        check_id("the schedule", &t.schedule_id)?;
        let week = shiftgate_model::time::parse_date(&t.week_id).ok_or_else(|| PlatformError::Decode {
            step: Step::Fetch,
            message: format!("the week {:?} is not a yyyy-MM-dd date", t.week_id),
        })?;
        let business_unit = self.read(&routes::business_unit(&t.business_unit_id)).await?;
        let activity_codes = self.read(&routes::activity_codes(&t.business_unit_id)).await?;
        let mut before = self.read(&routes::schedule_metadata(t)).await?;
        let mut seen = vec![version(&before)];
        for _ in 0..MAX_READS {
            let dates = routes::time_off_dates(week, before.get("weekCount").and_then(Value::as_i64));
            let mut reads = GenesysReads {
                business_unit: business_unit.clone(),
                activity_codes: activity_codes.clone(),
                ..GenesysReads::default()
            };
            let units = management_units(&before);
            for mu in &units {
                check_id("the management unit", mu)?;
            }
            // Owned ids: a stream of futures borrowing from the iterator is not `Send` for every lifetime.
            let per_unit: Vec<(Value, Value, Value)> = stream::iter(units.clone())
                .map(|mu| async move {
                    let schedules = self.read_agent_schedules(&routes::agent_schedules(t, &mu), &mu).await?;
                    let time_off = self.read(&routes::time_off(&mu, dates)).await?;
                    let trades = self.read(&routes::shift_trades(&mu, &t.week_id)).await?;
                    Ok::<_, PlatformError>((schedules, time_off, trades))
                })
                .buffered(self.settings.concurrent_reads.max(1))
                .try_collect()
                .await?;
            for (mu, (schedules, time_off, trades)) in units.iter().zip(per_unit) {
                reads.agent_schedules.push((mu.clone(), schedules));
                reads.time_off.push(time_off);
                reads.trades.push(trades);
            }
            let after = self.read(&routes::schedule_metadata(t)).await?;
            seen.push(version(&after));
            let same_units = management_units(&after) == management_units(&before);
            if version(&after) == version(&before) && same_units {
                reads.schedule = after;
                return Ok(reads);
            }
            before = after;
        }
        Err(PlatformError::Unstable {
            step: Step::Fetch,
            attempts: MAX_READS,
            versions: seen.into_iter().map(version_text).collect::<Vec<_>>().join(" -> "),
        })
    }

    /// Reads the schedule's metadata and the schedules of the plan's agents, torn-read checked like the week.
    /// `None` when an agent's management unit is unknown, or a unit's answer lacks one of its agents (the caller
    /// reads the whole week instead).
    pub(super) async fn read_agents(
        &self,
        t: &Target,
        plan: &UpdatePlan,
    ) -> Result<Option<(Value, Vec<(String, Value)>)>, PlatformError> {
        let mut by_unit: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in &plan.agents {
            let Some(mu) = a.management_unit_id.as_deref() else { return Ok(None) };
            check_id("the management unit", mu)?;
            by_unit.entry(mu.to_string()).or_default().push(a.agent_id.clone());
        }
        let mut before = self.read(&routes::schedule_metadata_only(t)).await?;
        let mut seen = vec![version(&before)];
        for _ in 0..MAX_READS {
            let answers: Vec<(String, Value)> = stream::iter(by_unit.clone())
                .map(|(mu, users)| async move {
                    let answer = self.read_agent_schedules(&routes::agent_schedules_of(t, &mu, &users), &mu).await?;
                    Ok::<_, PlatformError>((mu, answer))
                })
                .buffered(self.settings.concurrent_reads.max(1))
                .try_collect()
                .await?;
            let after = self.read(&routes::schedule_metadata_only(t)).await?;
            seen.push(version(&after));
            if version(&after) == version(&before) {
                // An agent its unit did not return (moved to another unit, or left out) was not read: "holds no
                // shifts" must never be concluded from silence, so the whole week is read instead.
                let all_read = by_unit.iter().all(|(mu, users)| {
                    let answer = answers.iter().find(|(m, _)| m == mu).map(|(_, a)| a);
                    let returned: Vec<&str> =
                        answer.map(query_agent_schedules).unwrap_or_default().iter().filter_map(user_id).collect();
                    users.iter().all(|u| returned.contains(&u.as_str()))
                });
                return Ok(all_read.then_some((after, answers)));
            }
            before = after;
        }
        Err(PlatformError::Unstable {
            step: Step::Fetch,
            attempts: MAX_READS,
            versions: seen.into_iter().map(version_text).collect::<Vec<_>>().join(" -> "),
        })
    }

    /// One unit's agent schedules: inline, or from the pre-signed `downloadUrl` when the result was too large.
    async fn read_agent_schedules(&self, req: &crate::http::Request, mu: &str) -> Result<Value, PlatformError> {
        let answer = self.read(req).await?;
        if answer.get("result").is_some() || answer.get("agentSchedules").is_some() {
            return Ok(answer);
        }
        if let Some(url) = answer.get("downloadUrl").and_then(Value::as_str) {
            return self.read(&routes::agent_schedules_download(mu, url)).await;
        }
        let status = answer.get("status").and_then(Value::as_str).unwrap_or("unknown");
        Err(PlatformError::Decode {
            step: Step::Fetch,
            message: format!("{}: came back {:?} without a result", req.label(), crate::http::sanitize(status, 40)),
        })
    }
}
