//! Escaping what comes from outside (snapshot ids, rule scripts' messages and ids, file names, platform answers)
//! before it is printed, one module per target:
//!
//! - [`terminal`]: terminals and CI logs (human output, the plain lines of `--format github`, error messages).
//! - [`github`]: GitHub Actions workflow commands (`::error file=F,title=T::message`).
//! - [`xml`]: XML content and attribute values (JUnit).
//! - [`json`]: JSON documents (`--format json`, SARIF, `explain-conflict --format json`).
//! - [`html`]: HTML content and attributes, and JSON data embedded in a script block (`--format html`).
//!
//! What they guard against, besides the target's own syntax: a raw line break lets an outside string start a new
//! line, which in a GitHub Actions log becomes a workflow command when it begins with `::`; the runner's legacy
//! form `##[command]` is recognised *anywhere* in a line; ANSI escapes repaint a terminal; bidirectional controls
//! reorder what a reader sees; and characters the runner's culture-aware string search ignores (soft hyphen,
//! zero-width joiners, ...) can hide a `##[` or `::` from a naive check. So every such character is made visible
//! (or encoded) instead of printed raw, and `##[` is always broken.

pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod terminal;
pub(crate) mod xml;

/// The runner's legacy workflow-command prefix, recognised anywhere in a log line.
pub(crate) const LEGACY_COMMAND: &str = "##[";

/// Whether a character does not show as itself: controls (C0, DEL, C1), line and paragraph separators, Unicode
/// format characters (bidirectional controls, zero-width characters, the byte-order mark, tags) and the other
/// default-ignorable code points, and the noncharacters U+FFFE/U+FFFF.
pub(crate) fn is_hidden(c: char) -> bool {
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
}
