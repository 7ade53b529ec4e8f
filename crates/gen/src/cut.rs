//! Cutting a snapshot document down to some of its agents, for demos and tests that want a fixture week without
//! some of its planted problems.

use serde_json::Value;

/// Where each list names the agents an entry belongs to: an entry stays only if every agent it names is kept
/// (a trade between a kept and a dropped agent goes with the dropped one).
const AGENT_REFERENCES: [(&str, &[&str]); 5] = [
    ("agents", &["/id"]),
    ("agentSchedules", &["/user/id"]),
    ("history", &["/user/id"]),
    ("timeOffRequests", &["/user/id"]),
    ("shiftTrades", &["/initiatingUser/id", "/receivingUser/id"]),
];

/// `doc` with only the agents `keep` accepts, and their schedules, history, time-off requests and the trades
/// between kept agents. Everything else in the document is left as it is.
pub fn keep_agents(doc: &Value, keep: impl Fn(&str) -> bool) -> Value {
    let mut doc = doc.clone();
    for (key, pointers) in AGENT_REFERENCES {
        if let Some(list) = doc.get_mut(key).and_then(Value::as_array_mut) {
            list.retain(|entry| pointers.iter().all(|p| entry.pointer(p).and_then(Value::as_str).is_none_or(&keep)));
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dropped_agent_takes_its_entries_and_its_trades_with_it() {
        let doc = json!({
            "schedule": {"id": "sch-1"},
            "agents": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "agentSchedules": [{"user": {"id": "a"}}, {"user": {"id": "b"}}],
            "history": [{"user": {"id": "b"}}],
            "timeOffRequests": [{"user": {"id": "a"}}, {"user": {"id": "b"}}],
            "shiftTrades": [
                {"id": "t-ab", "initiatingUser": {"id": "a"}, "receivingUser": {"id": "b"}},
                {"id": "t-ac", "initiatingUser": {"id": "a"}, "receivingUser": {"id": "c"}},
                {"id": "t-open", "initiatingUser": {"id": "a"}}]
        });
        let cut = keep_agents(&doc, |id| id != "b");
        assert_eq!(cut["agents"], json!([{"id": "a"}, {"id": "c"}]));
        assert_eq!(cut["agentSchedules"], json!([{"user": {"id": "a"}}]));
        assert_eq!(cut["history"], json!([]));
        assert_eq!(cut["timeOffRequests"], json!([{"user": {"id": "a"}}]));
        let trades: Vec<&str> =
            cut["shiftTrades"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(trades, ["t-ac", "t-open"], "a trade naming a dropped agent goes; an open one stays");
        assert_eq!(cut["schedule"], doc["schedule"]);
    }
}
