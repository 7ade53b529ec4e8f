//! Where a finding is in the snapshot file: the line and column of the JSON object of the shift, time-off request,
//! trade or agent it refers to, for SARIF regions and GitHub annotations.
//!
//! `serde_json` keeps no positions, so one pass over the text indexes the objects of `agents[]`,
//! `agentSchedules[].shifts[]`, `history[].shifts[]`, `timeOffRequests[]` and `shiftTrades[]` by their `"id"`. The
//! text has already parsed as a snapshot, so the scanner can be simple; on anything unexpected a lookup just
//! finds nothing and the caller falls back to line 1. Columns count UTF-16 code units from 1 (SARIF's default
//! `columnKind`); `end_column` is exclusive.

use std::collections::HashMap;

use shiftgate_check::Finding;

/// A span of the snapshot text, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) start_line: usize,
    pub(crate) start_column: usize,
    pub(crate) end_line: usize,
    pub(crate) end_column: usize,
}

impl Region {
    /// The start of the file, for findings that cannot be placed.
    pub(crate) const FILE_START: Region = Region { start_line: 1, start_column: 1, end_line: 1, end_column: 2 };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Root,
    Agent,
    Schedule,
    Shift,
    Request,
    Trade,
    Other,
}

/// Objects of one snapshot file by (kind, id).
#[derive(Debug, Default)]
pub(crate) struct Locator {
    objects: HashMap<(Kind, String), Region>,
}

#[derive(Clone, Copy)]
struct Pos {
    line: usize,
    column: usize,
}

enum Frame {
    Object { kind: Kind, start: Pos, key: Option<String>, expect_key: bool, id: Option<String> },
    Array { kind: Kind },
}

fn element_kind(parent: Kind, key: Option<&str>) -> Kind {
    match (parent, key) {
        (Kind::Root, Some("agents")) => Kind::Agent,
        (Kind::Root, Some("agentSchedules" | "history")) => Kind::Schedule,
        (Kind::Root, Some("timeOffRequests")) => Kind::Request,
        (Kind::Root, Some("shiftTrades")) => Kind::Trade,
        (Kind::Schedule, Some("shifts")) => Kind::Shift,
        _ => Kind::Other,
    }
}

/// A JSON string literal (with its quotes) as text.
fn decode(raw: &[u8]) -> Option<String> {
    match raw {
        [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => std::str::from_utf8(inner).ok().map(str::to_string),
        _ => serde_json::from_slice::<String>(raw).ok(),
    }
}

impl Locator {
    /// Indexes a snapshot's text.
    pub(crate) fn new(text: &[u8]) -> Locator {
        let mut objects = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let (mut line, mut column) = (1usize, 0usize); // column: UTF-16 units before the current byte
        let mut i = 0;
        // The array or object a new value belongs to decides its kind.
        let value_kind = |stack: &[Frame]| match stack.last() {
            None => Kind::Root,
            Some(Frame::Array { kind }) => *kind,
            Some(Frame::Object { .. }) => Kind::Other,
        };
        while i < text.len() {
            let b = text[i];
            let here = Pos { line, column: column + 1 };
            match b {
                b'{' => {
                    let kind = value_kind(&stack);
                    stack.push(Frame::Object { kind, start: here, key: None, expect_key: true, id: None });
                }
                b'[' => {
                    let kind = match stack.last() {
                        Some(Frame::Object { kind, key, .. }) => element_kind(*kind, key.as_deref()),
                        _ => Kind::Other,
                    };
                    stack.push(Frame::Array { kind });
                }
                b'}' | b']' => {
                    if let Some(Frame::Object { kind, start, id: Some(id), .. }) = stack.pop() {
                        if matches!(kind, Kind::Agent | Kind::Shift | Kind::Request | Kind::Trade) {
                            let end = Region {
                                start_line: start.line,
                                start_column: start.column,
                                end_line: line,
                                end_column: column + 2,
                            };
                            objects.entry((kind, id)).or_insert(end);
                        }
                    }
                }
                b',' => {
                    if let Some(Frame::Object { expect_key, key, .. }) = stack.last_mut() {
                        *expect_key = true;
                        *key = None;
                    }
                }
                b'"' => {
                    let start = i;
                    i += 1;
                    while i < text.len() && text[i] != b'"' {
                        if text[i] == b'\\' {
                            i += 1;
                            column += 1;
                        }
                        if text.get(i).is_some_and(|c| c & 0xC0 != 0x80) {
                            column += if text[i] >= 0xF0 { 2 } else { 1 };
                        }
                        i += 1;
                    }
                    column += 1; // the closing quote
                    let raw = &text[start..(i + 1).min(text.len())];
                    if let Some(Frame::Object { kind, expect_key, key, id, .. }) = stack.last_mut() {
                        if *expect_key {
                            // Keys matter only where an interesting array or an id can follow; most keys of a big
                            // snapshot are inside activities and are skipped without decoding.
                            *key = if *kind == Kind::Other { None } else { decode(raw) };
                            *expect_key = false;
                        } else if key.as_deref() == Some("id") && id.is_none() {
                            *id = decode(raw);
                        }
                    }
                }
                _ => {}
            }
            if b == b'\n' {
                line += 1;
                column = 0;
            } else if b & 0xC0 != 0x80 {
                column += if b >= 0xF0 { 2 } else { 1 };
            }
            i += 1;
        }
        Locator { objects }
    }

    /// The object a finding is about: its first shift, else its time-off request, else its trade, else the agent.
    pub(crate) fn finding(&self, f: &Finding) -> Option<Region> {
        let order: [(&str, Kind); 3] =
            [("shift", Kind::Shift), ("timeOffRequest", Kind::Request), ("trade", Kind::Trade)];
        // A trade-integrity finding is about the trade; its shifts may not even exist.
        let order: Vec<(&str, Kind)> = if f.rule.starts_with("core.trade.") {
            let mut o = order.to_vec();
            o.rotate_right(1);
            o
        } else {
            order.to_vec()
        };
        order
            .iter()
            .flat_map(|(name, kind)| f.refs.get(*name).into_iter().flatten().map(move |id| (*kind, id)))
            .find_map(|(kind, id)| self.objects.get(&(kind, id.clone())).copied())
            .or_else(|| self.objects.get(&(Kind::Agent, f.agent_id.clone())).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "agents": [ { "id": "a-1" }, { "name": "é\"x", "id": "a-2" } ],
  "agentSchedules": [
    { "user": { "id": "a-1" }, "shifts": [
      { "id": "s-1", "activities": [ { "id": "not-a-shift" } ] }
    ] }
  ],
  "history": [ { "user": { "id": "a-1" }, "shifts": [ { "id": "h-1" } ] } ],
  "timeOffRequests": [ { "user": { "id": "a-1" }, "id": "tor-1" } ],
  "shiftTrades": [
    {
      "id": "tr-1"
    }
  ]
}"#;

    fn at(l: &Locator, kind: Kind, id: &str) -> Option<(usize, usize, usize, usize)> {
        l.objects.get(&(kind, id.to_string())).map(|r| (r.start_line, r.start_column, r.end_line, r.end_column))
    }

    #[test]
    fn objects_are_found_in_their_arrays_only() {
        let l = Locator::new(TEXT.as_bytes());
        assert_eq!(at(&l, Kind::Agent, "a-1"), Some((2, 15, 2, 30)));
        // Non-ASCII and escaped quotes before the object do not shift columns: é is one UTF-16 unit.
        assert_eq!(at(&l, Kind::Agent, "a-2"), Some((2, 32, 2, 63)));
        assert_eq!(at(&l, Kind::Shift, "s-1"), Some((5, 7, 5, 65)));
        assert_eq!(at(&l, Kind::Shift, "h-1"), Some((8, 55, 8, 70)));
        assert_eq!(at(&l, Kind::Request, "tor-1"), Some((9, 24, 9, 66)));
        assert_eq!(at(&l, Kind::Trade, "tr-1"), Some((11, 5, 13, 6)));
        assert_eq!(at(&l, Kind::Shift, "not-a-shift"), None);
        assert_eq!(at(&l, Kind::Agent, "a-9"), None);
    }
}
