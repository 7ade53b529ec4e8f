//! The layout of committed fixtures: one record per line, so a reviewer can read and diff them.
//!
//! Top-level keys and the elements of top-level lists each get a line, and so does every shift of an agent
//! schedule; everything inside a record stays compact. A 200-agent week stays near 1 MB this way, where fully
//! indented JSON would be three times that.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;
use shiftgate_model::format::WireSnapshot;

struct Frame {
    object: bool,
    expanded: bool,
    empty: bool,
}

#[derive(Default)]
struct RecordPerLine {
    stack: Vec<Frame>,
    key: String,
    in_key: bool,
}

impl RecordPerLine {
    fn depth(&self) -> usize {
        self.stack.iter().filter(|f| f.expanded).count()
    }

    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, object: bool) -> io::Result<()> {
        let expanded = match self.stack.last() {
            None => true,
            // Lists that are values of a top-level key, and the shifts of a schedule.
            Some(parent) => !object && parent.object && (self.stack.len() == 1 || self.key == "shifts"),
        };
        self.stack.push(Frame { object, expanded, empty: true });
        w.write_all(if object { b"{" } else { b"[" })
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, object: bool) -> io::Result<()> {
        if let Some(frame) = self.stack.pop() {
            if frame.expanded && !frame.empty {
                self.newline(w)?;
            }
        }
        w.write_all(if object { b"}" } else { b"]" })
    }

    fn newline<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth() {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        let expanded = match self.stack.last_mut() {
            Some(frame) => {
                frame.empty = false;
                frame.expanded
            }
            None => false,
        };
        if expanded {
            self.newline(w)?;
        }
        Ok(())
    }
}

impl Formatter for RecordPerLine {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, false)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, false)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, true)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, true)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.key.clear();
        self.item(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.in_key = false;
        Ok(())
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        let expanded = self.stack.last().is_some_and(|f| f.expanded);
        w.write_all(if expanded { b": " } else { b":" })
    }
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if self.in_key {
            self.key.push_str(fragment);
        }
        w.write_all(fragment.as_bytes())
    }
}

/// A snapshot as committed fixtures are written: top-level keys, list elements and shifts one per line, records
/// compact, a final newline.
pub fn to_pretty_json(snapshot: &WireSnapshot<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, RecordPerLine::default());
    // Writing plain wire types to a Vec cannot fail: every key is a string and there are no non-finite floats.
    if snapshot.serialize(&mut ser).is_ok() {
        out.push(b'\n');
    }
    out
}
