//! What the hostile-input suite (`hostile_*.rs`) shares: the hostile string, and the checks that an output forges
//! nothing in a terminal or a GitHub Actions log.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// An outside string with every trick at once: a line break that starts a workflow command, a carriage return, an
/// indented command, ANSI and OSC escapes, percent escapes, markup, NUL, U+2028, a bidirectional override, the
/// runner's legacy `##[` form (also disguised by a soft hyphen) and an 8-bit CSI.
pub(crate) const HOSTILE: &str = "x\n::error file=evil.json,line=1::forged\r\n  ::warning::indented \x1b[31mred \
    \x1b]8;;http://evil.example\x07link 50%25 %0A <b>bold</b> & \"q\" \0nul \u{2028}sep \u{202e}rtl \
    ##[add-mask]secret #\u{ad}#[stop-commands]t \u{9b}31m";

/// The same for a file name (no NUL or `/`, which no file name can hold).
pub(crate) const HOSTILE_NAME: &str = "week\n::error file=evil.json::forged \x1b[31m ##[add-mask]x \u{2028} 50%25 <b>&";

/// The design example's path, from the workspace root.
pub(crate) const DESIGN: &str = "fixtures/schedules/design-example.json";

/// Whether a character does not show as itself (controls, separators, invisible formatting): what a renderer must
/// never print raw. Deliberately written apart from the binary's own list, as the reference it is checked against.
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// Asserts that `out` (printed without colour) holds no hidden character but line breaks, no legacy `##[`
/// workflow command, and no line starting a `::` workflow command, except, when `github` is set, the annotations
/// `--format github` writes itself (see [`is_own_annotation`]); returns those.
pub(crate) fn assert_forges_nothing<'a>(what: &str, out: &'a str, github: bool) -> Vec<&'a str> {
    if let Some((i, c)) = out.char_indices().find(|&(_, c)| c != '\n' && hidden(c)) {
        panic!("{what}: raw {c:?} at byte {i} in\n{out}");
    }
    assert!(!out.contains("##["), "{what}: a legacy workflow command in\n{out}");
    let mut commands = Vec::new();
    for line in out.lines() {
        if line.trim_start().starts_with("::") {
            assert!(github && is_own_annotation(line), "{what}: a forged workflow command {line:?} in\n{out}");
            commands.push(line);
        }
    }
    commands
}

/// Whether a line has exactly the shape of the annotations `--format github` writes: `::error`, `::warning` or
/// `::notice`, then `file=F,line=L,col=C,` (absent for standard input), then `title=T`, then `::` and the message,
/// with no `:` or `,` inside a property value.
pub(crate) fn is_own_annotation(line: &str) -> bool {
    let Some(rest) = ["::error ", "::warning ", "::notice "].iter().find_map(|c| line.strip_prefix(c)) else {
        return false;
    };
    let Some((props, _message)) = rest.split_once("::") else { return false };
    let pairs: Vec<(&str, &str)> = props.split(',').filter_map(|p| p.split_once('=')).collect();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    let numeric = |k: &str| pairs.iter().find(|(key, _)| *key == k).is_some_and(|(_, v)| v.parse::<u32>().is_ok());
    pairs.len() == props.split(',').count()
        && (keys == ["title"] || keys == ["file", "line", "col", "title"] && numeric("line") && numeric("col"))
}

/// A rules folder whose one rule reports every shift with `message` (and the shift's id).
pub(crate) fn rules_reporting(dir: &Path, message: &str) -> PathBuf {
    let core = dir.join("rules/core");
    std::fs::create_dir_all(&core).unwrap();
    let literal = rhai_string(message);
    std::fs::write(
        core.join("hostile.rhai"),
        format!(
            "//! Reports every shift with a hostile message.\n\
             fn meta() {{ #{{ id: \"core.hostile\", title: \"Hostile\", severity: \"error\", params: #{{}} }} }}\n\
             fn check(agent, params) {{\n    for s in agent.shifts_over(0) {{ report(s, {literal} + s.id); }}\n}}\n"
        ),
    )
    .unwrap();
    dir.join("rules")
}

/// A rules folder whose one rule's `meta()` title is `title` and whose `//!` documentation is `doc` (one line: a
/// line break would end the comment). It reports nothing.
pub(crate) fn rules_titled(dir: &Path, title: &str, doc: &str) -> PathBuf {
    let core = dir.join("rules/core");
    std::fs::create_dir_all(&core).unwrap();
    let literal = rhai_string(title);
    std::fs::write(
        core.join("titled.rhai"),
        format!(
            "//! {doc}\n\
             fn meta() {{ #{{ id: \"core.titled\", title: {literal}, severity: \"error\", params: #{{}} }} }}\n\
             fn check(agent, params) {{ }}\n"
        ),
    )
    .unwrap();
    dir.join("rules")
}

/// `s` as a Rhai string literal (every non-ASCII-printable character as a \u or \U escape).
fn rhai_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}
