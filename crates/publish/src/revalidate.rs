//! Re-validating only what changed, after a full re-read (a version conflict, or a write that did not land).
//!
//! A validator whose findings are per agent ([`crate::Validator::per_agent`]; the checker is: each rule looks at
//! one agent's week) gives an agent the same findings whatever other agents are in the snapshot, as long as its
//! week is the same. An agent's week after trades depends on its own schedule, history and time off, and on the
//! approved trades that reach it; a trade reaches every agent it names and every holder of a shift it names, and
//! through them every agent those agents trade with. So, between two reads whose shared parts (business unit,
//! schedule, activity codes, `asOf`, ...) are equal:
//! 1. [`changed_agents`]: the agents whose own facts differ (record, schedule, history, time-off requests, the
//!    trades that name them or a shift they hold), or that came or went;
//! 2. [`reach`]: those agents and everyone connected to them by a trade of the new read;
//! 3. [`part`]: the new read cut down to those agents and the trades among them, validated alone;
//! 4. [`merge`]: the earlier findings of every other agent, with the part's findings of those agents.
//!
//! The result equals a validation of the whole new read (`tests/revalidate.rs` checks it with the real checker
//! over random edits). When the shared parts differ (a new `asOf`, say: notice rules read it), everything is
//! validated again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::canon::value_hash;
use crate::plan::user_id;
use crate::validator::{PublishFinding, Validation};

/// The document's per-agent lists; everything else is shared by every agent's findings.
const PER_AGENT: [&str; 5] = ["agents", "agentSchedules", "history", "timeOffRequests", "shiftTrades"];

fn list<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn id_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|u| u.get("id")).and_then(Value::as_str)
}

/// Everything but the per-agent lists, hashed: two reads with equal shared parts can be validated in part. The
/// schedule's `metadata` (its version) is left out: it is the concurrency token a version conflict moves, and no
/// finding reads it.
pub fn shared_hash(doc: &Value) -> String {
    let mut shared: Map<String, Value> = doc
        .as_object()
        .map(|o| {
            o.iter().filter(|(k, _)| !PER_AGENT.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
        })
        .unwrap_or_default();
    if let Some(schedule) = shared.get_mut("schedule").and_then(Value::as_object_mut) {
        schedule.remove("metadata");
    }
    value_hash(&Value::Object(shared))
}

/// Who holds each shift id in a document.
fn holders(doc: &Value) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    for e in list(doc, "agentSchedules") {
        let Some(user) = user_id(e) else { continue };
        for s in list(e, "shifts") {
            if let Some(id) = s.get("id").and_then(Value::as_str) {
                out.insert(id, user);
            }
        }
    }
    out
}

/// The agents a trade touches: its two users and the holders of the shifts it names.
fn touched<'a>(trade: &'a Value, holders: &HashMap<&str, &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = ["initiatingUser", "receivingUser"].iter().filter_map(|k| id_of(trade, k)).collect();
    for k in ["initiatingShiftId", "receivingShiftId"] {
        if let Some(h) = trade.get(k).and_then(Value::as_str).and_then(|s| holders.get(s)) {
            out.push(h);
        }
    }
    out
}

/// Per agent id, a hash of every fact of that agent's own.
fn agent_facts(doc: &Value) -> BTreeMap<String, String> {
    let holders = holders(doc);
    let mut facts: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for a in list(doc, "agents") {
        if let Some(id) = a.get("id").and_then(Value::as_str) {
            facts.entry(id).or_default().push(a);
        }
    }
    for key in ["agentSchedules", "history", "timeOffRequests"] {
        for e in list(doc, key) {
            if let Some(user) = user_id(e) {
                facts.entry(user).or_default().push(e);
            }
        }
    }
    for t in list(doc, "shiftTrades") {
        for a in touched(t, &holders) {
            facts.entry(a).or_default().push(t);
        }
    }
    facts
        .into_iter()
        .map(|(id, mut vs)| {
            // The order of a list in the document is no fact of the agent's.
            let mut hashes: Vec<String> = vs.drain(..).map(value_hash).collect();
            hashes.sort();
            (id.to_string(), hashes.join(","))
        })
        .collect()
}

/// Agents whose own facts differ between two reads, or that are in only one of them.
pub fn changed_agents(before: &Value, after: &Value) -> BTreeSet<String> {
    let (a, b) = (agent_facts(before), agent_facts(after));
    let mut out: BTreeSet<String> = BTreeSet::new();
    for (id, f) in &a {
        if b.get(id) != Some(f) {
            out.insert(id.clone());
        }
    }
    out.extend(b.keys().filter(|id| !a.contains_key(*id)).cloned());
    out
}

/// `seeds` and every agent connected to them by a trade of `doc` (any state: a superset is only more work).
pub fn reach(doc: &Value, seeds: &BTreeSet<String>) -> BTreeSet<String> {
    let holders = holders(doc);
    let mut links: HashMap<&str, Vec<&str>> = HashMap::new();
    for t in list(doc, "shiftTrades") {
        let agents = touched(t, &holders);
        for a in &agents {
            links.entry(a).or_default().extend(agents.iter().copied());
        }
    }
    let mut out: BTreeSet<String> = seeds.clone();
    let mut todo: Vec<String> = seeds.iter().cloned().collect();
    while let Some(a) = todo.pop() {
        for b in links.get(a.as_str()).into_iter().flatten() {
            if out.insert((*b).to_string()) {
                todo.push((*b).to_string());
            }
        }
    }
    out
}

/// `doc` cut down to `agents`: their records, schedules, history and time off, and the trades that touch them
/// (which, `agents` being closed under [`reach`], touch no one else).
pub fn part(doc: &Value, agents: &BTreeSet<String>) -> Value {
    let holders = holders(doc);
    let mut out = doc.as_object().cloned().unwrap_or_default();
    let keep = |key: &str, by: &dyn Fn(&Value) -> bool| -> Value {
        Value::Array(list(doc, key).iter().filter(|v| by(v)).cloned().collect())
    };
    let mine = |v: &Value| user_id(v).is_some_and(|u| agents.contains(u));
    out.insert(
        "agents".into(),
        keep("agents", &|a| a.get("id").and_then(Value::as_str).is_some_and(|id| agents.contains(id))),
    );
    for key in ["agentSchedules", "history", "timeOffRequests"] {
        if doc.get(key).is_some() {
            out.insert(key.into(), keep(key, &mine));
        }
    }
    if doc.get("shiftTrades").is_some() {
        out.insert(
            "shiftTrades".into(),
            keep("shiftTrades", &|t| touched(t, &holders).iter().any(|a| agents.contains(*a))),
        );
    }
    Value::Object(out)
}

/// The earlier findings of agents outside `part_agents`, with `part`'s findings (of those agents), in the
/// validator's order: findings grouped by agent in agent-id order, each agent's in the order its validation gave.
pub fn merge(earlier: &Validation, part: Validation, part_agents: &BTreeSet<String>) -> Validation {
    let mut findings: Vec<PublishFinding> =
        earlier.findings.iter().filter(|f| !part_agents.contains(&f.agent_id)).cloned().collect();
    findings.extend(part.findings.into_iter().filter(|f| part_agents.contains(&f.agent_id)));
    // Stable: each agent's findings come from one validation, already in its order.
    findings.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    Validation { findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use serde_json::json;

    #[test]
    fn an_edit_reaches_the_agents_it_trades_with_and_no_one_else() {
        let mut doc = testdata::example_document();
        doc["agents"].as_array_mut().unwrap().push(json!({"id": "a-300"}));
        let before = doc.clone();
        assert!(changed_agents(&before, &doc).is_empty());
        // a-100's shift moves: a-100 changed; tr-4 swaps with a-200, so a-200 is reached; a-300 is not.
        doc["agentSchedules"][0]["shifts"][0]["lengthMinutes"] = 480.into();
        let changed = changed_agents(&before, &doc);
        assert_eq!(changed.iter().map(String::as_str).collect::<Vec<_>>(), ["a-100"]);
        let reached = reach(&doc, &changed);
        assert_eq!(reached.iter().map(String::as_str).collect::<Vec<_>>(), ["a-100", "a-200"]);
        let p = part(&doc, &reached);
        assert_eq!(p["agents"].as_array().unwrap().len(), 2);
        assert_eq!(p["shiftTrades"].as_array().unwrap().len(), 1);
        // A new time-off request of a-300 changes a-300 only; the order of lists changes no one.
        let mut later = before.clone();
        later["timeOffRequests"].as_array_mut().unwrap().push(json!({"id": "tor-new", "user": {"id": "a-300"}}));
        later["agentSchedules"].as_array_mut().unwrap().reverse();
        assert_eq!(changed_agents(&before, &later).into_iter().collect::<Vec<_>>(), ["a-300"]);
        // A new asOf is a shared change: nothing can be validated in part.
        let mut moved = before.clone();
        moved["asOf"] = "2026-11-23T00:00:00Z".into();
        assert_ne!(shared_hash(&before), shared_hash(&moved));
        assert_eq!(shared_hash(&before), shared_hash(&later));
        // Another writer's version alone is no change of data.
        let mut bumped = before.clone();
        bumped["schedule"]["metadata"]["version"] = 18.into();
        assert_eq!(shared_hash(&before), shared_hash(&bumped));
    }
}
