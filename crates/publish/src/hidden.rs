//! Text from outside (platform answers, rule scripts' messages, snapshot ids) and the characters in it that do
//! not show as themselves. One list for the whole workspace: [`sanitize`] here (the publisher's error messages and
//! conflict summaries) and every renderer of the CLI use [`is_hidden`], so nothing one of them lets through can
//! forge what another prints.
//!
//! What they guard against: a raw line break lets an outside string start a new line, which in a GitHub Actions
//! log becomes a workflow command when it begins with `::`; the runner's legacy form `##[command]` is recognised
//! *anywhere* in a line; ANSI escapes repaint a terminal; U+2028/U+2029 end a line for some readers; bidirectional
//! controls reorder what a reader sees; and characters the runner's culture-aware string search ignores (soft
//! hyphen, zero-width joiners, ...) can hide a `##[` from a naive check.

/// The runner's legacy workflow-command prefix, recognised anywhere in a log line.
pub const LEGACY_COMMAND: &str = "##[";

/// Whether a character does not show as itself: controls (C0, DEL, C1), line and paragraph separators, Unicode
/// format characters (bidirectional controls, zero-width characters, the byte-order mark, tags) and the other
/// default-ignorable code points, and the noncharacters U+FFFE/U+FFFF.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{FFFE}'..='\u{FFFF}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Text from outside made safe to print: every [`is_hidden`] character is shown as a `\u{..}` escape (it could
/// rewrite a terminal line, start a log line or reorder what a reader sees), the legacy command prefix `##[` is
/// broken as `\u{23}#[`, and the text is cut at `max` characters (an ellipsis marks the cut).
pub fn sanitize(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, (i, c)) in text.char_indices().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if is_hidden(c) || text[i..].starts_with(LEGACY_COMMAND) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_controls_separators_and_invisible_formatting() {
        for c in ['\0', '\n', '\r', '\t', '\x1b', '\x7f', '\u{85}', '\u{9b}', '\u{2028}', '\u{2029}', '\u{202E}'] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['\u{AD}', '\u{200B}', '\u{200D}', '\u{2066}', '\u{FEFF}', '\u{E0041}'] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['a', ' ', ':', '#', '[', '%', '<', '&', '"', '\\', 'é', '€', '中', '\u{A0}'] {
            assert!(!is_hidden(c), "{c:?}");
        }
    }

    #[test]
    fn server_text_cannot_rewrite_the_terminal_or_the_log() {
        assert_eq!(sanitize("bad\x1b[2Jdate\r\n", 100), "bad\\u{1b}[2Jdate\\u{d}\\u{a}");
        assert_eq!(sanitize("a\u{202E}b", 100), "a\\u{202e}b");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        // Before, these went through raw: the legacy command anywhere on a line, a line separator, a soft hyphen
        // hiding a `##[` from a naive search.
        assert_eq!(sanitize("x ##[add-mask]y", 100), "x \\u{23}#[add-mask]y");
        assert_eq!(sanitize("###[", 100), "#\\u{23}#[");
        assert_eq!(sanitize("a\u{2028}b\u{2029}c", 100), "a\\u{2028}b\\u{2029}c");
        assert_eq!(sanitize("#\u{ad}#[x", 100), "#\\u{ad}#[x");
        assert_eq!(sanitize("Zoë 中 08:00 a::b 50%", 100), "Zoë 中 08:00 a::b 50%");
    }
}
