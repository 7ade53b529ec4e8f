//! JSON documents. serde_json already escapes quotes, backslashes and C0 controls; this formatter also writes
//! every other hidden character (DEL, C1, U+2028/U+2029, bidirectional and zero-width characters, see
//! [`super::is_hidden`]) as a `\uXXXX` escape, and breaks `##[` as `\u0023#[`. The document means exactly what
//! it meant (a JSON reader gets the same strings back), but its bytes are plain printable text, safe to print to
//! a terminal or a CI log.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use super::{is_hidden, LEGACY_COMMAND};

/// Writes `value` as pretty-printed JSON with the escapes above.
pub(crate) fn to_writer_pretty<W: Write + ?Sized, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Escaping(PrettyFormatter::new()));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// A pretty formatter that escapes string contents more than serde_json does.
struct Escaping<'a>(PrettyFormatter<'a>);

impl Formatter for Escaping<'_> {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut plain = 0;
        for (i, c) in fragment.char_indices() {
            if is_hidden(c) || fragment[i..].starts_with(LEGACY_COMMAND) {
                w.write_all(&fragment.as_bytes()[plain..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                plain = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[plain..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn render(v: &Value) -> String {
        let mut out = Vec::new();
        to_writer_pretty(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hidden_characters_are_escaped_and_the_meaning_kept() {
        let hostile = "a\n\x1b[31m\u{7f}\u{9b}\u{2028}\u{202e}\u{e0041} ##[error]x\0%<&";
        let v = json!({ "id": hostile, hostile: [hostile] });
        let text = render(&v);
        assert!(
            text.contains(r#""a\n\u001b[31m\u007f\u009b\u2028\u202e\udb40\udc41 \u0023#[error]x\u0000%<&""#),
            "{text}"
        );
        assert!(text.chars().all(|c| c == '\n' || !is_hidden(c)), "{text:?}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn the_layout_is_serde_json_pretty() {
        let v = json!({"a": [1, {"b": "c"}], "d": {}});
        assert_eq!(render(&v), serde_json::to_string_pretty(&v).unwrap());
    }
}
