//! XML 1.0 content and attribute values (JUnit). Markup characters become entities; outside text is first made
//! [`visible`], which also shows the characters XML 1.0 forbids (C0 controls other than tab and line breaks,
//! U+FFFE, U+FFFF) and the ones it discourages (DEL, C1), so the document stays well-formed and, printed to a CI
//! log, forges nothing.

use super::terminal::{visible, visible_lines};

/// Element content; the text's own line breaks are kept.
pub(crate) fn text(s: &str) -> String {
    markup(&visible_lines(s))
}

/// An attribute value (one line: an attribute's line breaks would be normalised to spaces anyway).
pub(crate) fn attr(s: &str) -> String {
    markup(&visible(s))
}

fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(attr(r#"<a b="c">&'"#), "&lt;a b=&quot;c&quot;&gt;&amp;&apos;");
        assert_eq!(text("]]> \0 \u{b} \u{fffe}"), "]]&gt; \\0 \\u{b} \\u{fffe}");
        assert_eq!(text("one\ntwo"), "one\ntwo");
        assert_eq!(attr("one\ntwo\r"), "one\\ntwo\\r");
    }
}
