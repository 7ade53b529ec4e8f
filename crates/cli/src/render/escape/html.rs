//! HTML documents (`--format html`, `publish --report`): element content and attribute values, and JSON data
//! embedded in a `<script type="application/json">` block.
//!
//! Markup characters become character references; hidden characters (see [`super::is_hidden`]: controls,
//! bidirectional overrides, zero-width characters) are shown as `\u{..}` escapes, so an outside string can neither
//! add markup nor make a reader see something other than what it holds. Inside a script block HTML character
//! references mean nothing, so the data is JSON whose `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026`:
//! no `</script>`, `<!--` or `<script` can appear in the block's text, and a JSON reader gets the same strings back.

use std::fmt::Write as _;

use serde::Serialize;

use super::is_hidden;

/// Element content or a quoted attribute value.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hidden(c) => push_shown(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// An outside string as it is shown in the page (hidden characters as `\u{..}` escapes), before any markup
/// escaping: what the data block carries, for the page's script to insert as text.
pub(crate) fn shown(s: &str) -> String {
    if !s.chars().any(is_hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            push_shown(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

fn push_shown(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// `value` as compact JSON that is safe as the text of a `<script type="application/json">` element.
///
/// `<`, `>`, `&` and the line separators U+2028/U+2029 only ever occur inside JSON strings, so replacing them with
/// their `\uXXXX` escapes after serialising keeps the meaning exactly.
pub(crate) fn script_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Hidden characters (U+2028/2029 end a JavaScript line; bidi overrides reorder what a reader of the
            // source sees) can only stand inside JSON strings here, where a \u escape means the same.
            c if super::is_hidden(c) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn markup_is_escaped_and_hidden_characters_shown() {
        assert_eq!(
            text(r#"</script><img src=x onerror="alert(1)">&'"#),
            "&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
        assert_eq!(text("a\u{202e}b\nc\u{200b}"), "a\\u{202e}b\\u{a}c\\u{200b}");
        assert_eq!(text("Zoë 中 08:00"), "Zoë 中 08:00");
        assert_eq!(shown("x\u{1b}[1m"), "x\\u{1b}[1m");
    }

    #[test]
    fn script_data_cannot_end_its_block_and_keeps_its_meaning() {
        let hostile = "</script><script>alert(1)</script><!-- <SCRIPT & \u{2028}\u{2029}";
        let v = json!({ "name": hostile, hostile: [hostile, 1, null] });
        let block = script_json(&v).unwrap();
        let lower = block.to_ascii_lowercase();
        for bad in ["</script", "<!--", "<script", "<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!lower.contains(bad), "{bad:?} in {block}");
        }
        assert_eq!(serde_json::from_str::<Value>(&block).unwrap(), v);
    }
}
