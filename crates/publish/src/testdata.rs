//! Shared test data: the design example with a few platform-only fields, as the fake and the plan tests use it.

use serde_json::{json, Value};
use shiftgate_model::Snapshot;

pub(crate) fn example_document() -> Value {
    json!({
      "format": "shiftgate.snapshot/1",
      "asOf": "2026-11-22T18:00:00-06:00",
      "businessUnit": { "id": "bu-chi", "name": "Chicago Care", "timeZone": "America/Chicago", "startDayOfWeek": "Sunday" },
      "schedule": { "id": "sch-48", "weekDate": "2026-11-29", "weekCount": 1, "published": false, "metadata": { "version": 17 } },
      "activityCodes": [
        { "id": "0", "name": "On Queue", "category": "OnQueueWork", "countsAsPaidTime": true,  "countsAsWorkTime": true },
        { "id": "2", "name": "Meal",     "category": "Meal",        "countsAsPaidTime": false, "countsAsWorkTime": false },
        { "id": "3", "name": "Vacation", "category": "TimeOff",     "countsAsPaidTime": true,  "countsAsWorkTime": false }
      ],
      "agents": [
        { "id": "a-100", "managementUnitId": "mu-1" },
        { "id": "a-200", "managementUnitId": "mu-1" }
      ],
      "agentSchedules": [
        { "user": { "id": "a-100" }, "metadata": { "version": 4 },
          "shifts": [ { "id": "s-1", "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 510, "workPlanId": "wp-1",
                        "activities": [ { "startDate": "2026-12-01T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "0", "description": "" },
                                        { "startDate": "2026-12-01T18:00:00Z", "lengthMinutes": 30,  "activityCodeId": "2" },
                                        { "startDate": "2026-12-01T18:30:00Z", "lengthMinutes": 240, "activityCodeId": "0" } ] } ],
          "fullDayTimeOffMarkers": [ { "businessUnitDate": "2026-12-03", "lengthMinutes": 480, "activityCodeId": "3", "timeOffRequestId": "tor-7" } ] },
        { "user": { "id": "a-200" }, "metadata": { "version": 9 },
          "shifts": [ { "id": "s-9", "startDate": "2026-12-02T14:00:00Z", "lengthMinutes": 510,
                        "activities": [ { "startDate": "2026-12-02T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "0" },
                                        { "startDate": "2026-12-02T18:00:00Z", "lengthMinutes": 30,  "activityCodeId": "2" },
                                        { "startDate": "2026-12-02T18:30:00Z", "lengthMinutes": 240, "activityCodeId": "0" } ] } ] }
      ],
      "timeOffRequests": [
        { "id": "tor-7", "user": { "id": "a-100" }, "status": "APPROVED", "isFullDayRequest": true,
          "fullDayManagementUnitDates": ["2026-12-03"], "dailyDurationMinutes": 480, "activityCodeId": "3" },
        { "id": "tor-9", "user": { "id": "a-200" }, "status": "PENDING", "isFullDayRequest": false,
          "partialDayStartDateTimes": ["2026-12-01T14:00:00Z"], "dailyDurationMinutes": 240, "activityCodeId": "3" }
      ],
      "shiftTrades": [
        { "id": "tr-4", "state": "Approved", "initiatingUser": { "id": "a-100" }, "initiatingShiftId": "s-1",
          "receivingUser": { "id": "a-200" }, "receivingShiftId": "s-9", "reviewedDate": "2026-11-20T16:00:00Z" }
      ]
    })
}

pub(crate) fn snapshot_of(doc: &Value) -> Snapshot {
    crate::platform::Fetched::new(doc.clone(), None).snapshot().expect("test document is valid")
}
