//! Terminals and CI logs: outside text made safe to print anywhere on a line, including at its start.

use std::borrow::Cow;

use super::{is_hidden, LEGACY_COMMAND};

/// `s` safe to print anywhere on a terminal or CI log line: hidden characters (see [`super::is_hidden`]) shown
/// as Rust-style escapes (`\n`, `\r`, `\t`, `\0`, `\u{1b}`), `##[` broken as `\u{23}#[`, and a leading `::`
/// (after spaces) shown as `\u{3a}:`, so that no GitHub Actions workflow command can start in it.
///
/// Backslashes and all other text are left as they are: the aim is that nothing is hidden, repainted or
/// executed, not an encoding that can be reversed (Windows paths and ordinary messages stay readable).
pub(crate) fn visible(s: &str) -> Cow<'_, str> {
    if !needs_escaping(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut at_start = true;
    for (i, c) in s.char_indices() {
        let rest = &s[i..];
        // Showing the first `:` of a leading `::`, or the first `#` of `##[`, as an escape leaves text the runner
        // ignores.
        if is_hidden(c) || at_start && rest.starts_with("::") || rest.starts_with(LEGACY_COMMAND) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
        at_start = at_start && c.is_whitespace() && !is_hidden(c);
    }
    Cow::Owned(out)
}

/// [`visible`] for a text whose own line breaks are meant (an error listing several problems): each line is made
/// visible on its own.
pub(crate) fn visible_lines(s: &str) -> Cow<'_, str> {
    if !s.contains('\n') {
        return visible(s);
    }
    Cow::Owned(s.split('\n').map(visible).collect::<Vec<_>>().join("\n"))
}

fn needs_escaping(s: &str) -> bool {
    s.chars().any(is_hidden) || s.contains(LEGACY_COMMAND) || s.trim_start().starts_with("::")
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_ansi_escapes_are_shown_not_obeyed() {
        assert_eq!(visible("s-1\n::error::x"), "s-1\\n::error::x");
        assert_eq!(visible("a\r\tb\0c"), "a\\r\\tb\\0c");
        assert_eq!(visible("\x1b[31mred\x1b[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(visible("line\u{2028}sep \u{202e}rtl \u{9b}csi"), "line\\u{2028}sep \\u{202e}rtl \\u{9b}csi");
    }

    #[test]
    fn no_workflow_command_can_start_in_the_text() {
        assert_eq!(visible("::error::forged"), "\\u{3a}:error::forged");
        assert_eq!(visible("  ::warning::x"), "  \\u{3a}:warning::x");
        // Mid-line `::` is not a command; times and ids keep their colons.
        assert_eq!(visible("08:00 a::b"), "08:00 a::b");
        // The legacy form works anywhere in a line, and hidden characters cannot disguise it.
        assert_eq!(visible("id ##[error]x"), "id \\u{23}#[error]x");
        assert_eq!(visible("###[x"), "#\\u{23}#[x");
        assert_eq!(visible("#\u{ad}#[x"), "#\\u{ad}#[x");
        assert!(visible("\u{ad}::error::x").starts_with("\\u{ad}"));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in ["a-100", "C:\\work\\week.json", "Tue Dec 1 08:00-12:00 CST", "50% über", "a # [b]"] {
            assert!(matches!(visible(s), Cow::Borrowed(t) if t == s), "{s}");
        }
    }

    #[test]
    fn visible_lines_keeps_the_line_structure_only() {
        assert_eq!(visible_lines("2 problems:\n  a: \x1b[1m\n  ::x"), "2 problems:\n  a: \\u{1b}[1m\n  \\u{3a}:x");
    }

    #[test]
    fn escaping_is_idempotent() {
        let once = visible("::a\n##[b]\x1b");
        assert_eq!(visible(&once), once);
    }
}
