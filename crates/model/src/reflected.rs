//! Whether the draft reflects a time-off request (DESIGN.md §3): a TimeOff activity or a full-day marker carries
//! the request's id. A marker on the same date without the id does not reflect it, and neither does a work
//! activity that carries the id (it is not time off). The checker, the HTML report and the simulator all ask here.

use std::collections::HashSet;

use crate::id::TimeOffRequestId;
use crate::snapshot::{Activity, Category, FullDayMarker, Shift, Snapshot};

impl Activity {
    /// The time-off request this activity reflects: its `timeOffRequestId`, only if it is a TimeOff activity.
    pub fn reflected_request(&self) -> Option<&TimeOffRequestId> {
        self.time_off_request.as_ref().filter(|_| self.category == Category::TimeOff)
    }
}

impl FullDayMarker {
    /// The time-off request this marker reflects: its `timeOffRequestId`, if it has one.
    pub fn reflected_request(&self) -> Option<&TimeOffRequestId> {
        self.time_off_request.as_ref()
    }
}

/// The requests that `shifts` (through their TimeOff activities) and `markers` reflect.
pub fn reflected_requests<'a>(
    shifts: impl IntoIterator<Item = &'a Shift>,
    markers: impl IntoIterator<Item = &'a FullDayMarker>,
) -> HashSet<&'a TimeOffRequestId> {
    let activities = shifts.into_iter().flat_map(|s| &s.activities).filter_map(Activity::reflected_request);
    activities.chain(markers.into_iter().filter_map(FullDayMarker::reflected_request)).collect()
}

impl Snapshot {
    /// The requests the draft reflects, in any agent's shifts or markers (before trades: trades move shifts,
    /// and with them what they reflect, never the ids).
    pub fn reflected_requests(&self) -> HashSet<&TimeOffRequestId> {
        reflected_requests(&self.shifts, &self.markers)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Snapshot;

    #[test]
    fn only_time_off_activities_and_markers_carrying_the_id_reflect_a_request() {
        let doc = json!({"format": "shiftgate.snapshot/1",
          "businessUnit": {"id": "bu", "timeZone": "America/Chicago"},
          "schedule": {"id": "s", "weekDate": "2026-11-29"},
          "activityCodes": [{"id": "0", "category": "OnQueueWork"}, {"id": "3", "category": "TimeOff"}],
          "agents": [{"id": "a-1"}],
          "agentSchedules": [{"user": {"id": "a-1"},
            "shifts": [{"id": "s-1", "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 480, "activities": [
              {"startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "3", "timeOffRequestId": "tor-off"},
              {"startDate": "2026-11-30T18:00:00Z", "lengthMinutes": 240, "activityCodeId": "0", "timeOffRequestId": "tor-work"}]}],
            "fullDayTimeOffMarkers": [
              {"businessUnitDate": "2026-12-02", "lengthMinutes": 480, "activityCodeId": "3", "timeOffRequestId": "tor-day"},
              {"businessUnitDate": "2026-12-03", "lengthMinutes": 480, "activityCodeId": "3"}]}],
          "timeOffRequests": [
            {"id": "tor-off", "user": {"id": "a-1"}, "status": "PENDING", "isFullDayRequest": false,
             "partialDayStartDateTimes": ["2026-11-30T14:00:00Z"], "dailyDurationMinutes": 240, "activityCodeId": "3"},
            {"id": "tor-work", "user": {"id": "a-1"}, "status": "PENDING", "isFullDayRequest": false,
             "partialDayStartDateTimes": ["2026-11-30T18:00:00Z"], "dailyDurationMinutes": 240, "activityCodeId": "3"},
            {"id": "tor-day", "user": {"id": "a-1"}, "status": "APPROVED", "isFullDayRequest": true,
             "fullDayManagementUnitDates": ["2026-12-02"], "dailyDurationMinutes": 480, "activityCodeId": "3"},
            {"id": "tor-unmarked", "user": {"id": "a-1"}, "status": "APPROVED", "isFullDayRequest": true,
             "fullDayManagementUnitDates": ["2026-12-03"], "dailyDurationMinutes": 480, "activityCodeId": "3"}]});
        let s = Snapshot::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
        let mut reflected: Vec<&str> = s.reflected_requests().into_iter().map(|id| id.as_str()).collect();
        reflected.sort_unstable();
        // tor-work sits on an On Queue activity: work over the request, not the request reflected.
        // tor-unmarked has a marker on its date, but the marker does not carry its id.
        assert_eq!(reflected, ["tor-day", "tor-off"]);
    }
}
