//! Reading a week: the business unit, its activity codes, then the schedule's metadata, each management unit's
//! agent schedules, time-off requests and trades, and the metadata again.
//!
//! A read made of several requests can be torn: someone edits the schedule between the first and the last one,
//! and the snapshot mixes two states. The schedule's `metadata.version` moves with every accepted edit, so it is
//! read before and after the unit reads; when it moved, the unit reads are done again (bounded), and a schedule
//! that keeps changing is an error saying so. Cost: `3 + 3 × units + 1` requests per clean read (205 for 67
//! management units), plus the token.

use serde_json::Value;

use super::convert::{management_units, GenesysReads};
use super::routes;
use super::GenesysClient;
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
            for mu in management_units(&before) {
                check_id("the management unit", &mu)?;
                reads.agent_schedules.push((mu.clone(), self.read_agent_schedules(t, &mu).await?));
                reads.time_off.push(self.read(&routes::time_off(&mu, dates)).await?);
                reads.trades.push(self.read(&routes::shift_trades(&mu, &t.week_id)).await?);
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

    /// One unit's agent schedules: inline, or from the pre-signed `downloadUrl` when the result was too large.
    async fn read_agent_schedules(&self, t: &Target, mu: &str) -> Result<Value, PlatformError> {
        let req = routes::agent_schedules(t, mu);
        let answer = self.read(&req).await?;
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
