//! GitHub Actions workflow commands (`::error file=F,line=L,title=T::message`), escaped as the Actions toolkit
//! and the runner's `ActionCommand` do: `%` as `%25`, CR as `%0D`, LF as `%0A` in data and properties, and also
//! `:` as `%3A`, `,` as `%2C` in properties. Outside text is first made [`visible`], so the only line breaks a
//! message carries are the renderer's own, and no character in it is hidden.

use super::terminal::{visible, visible_lines};

/// A command's message. Its own line breaks are kept (encoded as `%0A`, shown as new lines in the annotation).
pub(crate) fn data(s: &str) -> String {
    percent(&visible_lines(s))
}

/// A command's property value (`file=`, `title=`): one line, with the property delimiters encoded too.
pub(crate) fn property(s: &str) -> String {
    percent(&visible(s)).replace(':', "%3A").replace(',', "%2C")
}

fn percent(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(data("50% of a\nb: c, d"), "50%25 of a%0Ab: c, d");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn outside_line_breaks_and_escapes_cannot_end_the_command() {
        // A carriage return from outside is shown, not encoded into a line break of the annotation.
        assert_eq!(data("a\rb"), "a\\rb");
        assert_eq!(property("x\n::error::y"), "x\\n%3A%3Aerror%3A%3Ay");
        assert_eq!(property("\x1b[31m"), "\\u{1b}[31m");
        assert_eq!(data("u ##[add-mask]x"), "u \\u{23}#[add-mask]x");
    }
}
