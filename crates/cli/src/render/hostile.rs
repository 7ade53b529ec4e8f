//! Every renderer on a report whose every outside string is hostile: line breaks that start workflow commands,
//! carriage returns, ANSI and OSC escapes, `%`, markup, NUL, U+2028, bidirectional overrides and the runner's
//! legacy `##[` form. Findings are built directly: the renderers must be safe on their own, whatever the model
//! and the rule loader let through.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use shiftgate_check::{
    Config, Finding, Limits, NotJudged, Report, RuleFile, RuleLibrary, RuleRef, RuleSet, Severity, SnapshotRef, Summary,
};

use super::escape::is_hidden;
use crate::locate::Locator;

/// An outside string with every trick at once.
pub(crate) const HOSTILE: &str =
    "s-1\n::error file=evil.json,line=1::forged\r\n  ::warning::indented\x1b[31mred\x1b]8;;\
    http://evil.example\x07link 50%25 %0A <b>bold</b> & &amp; \"q\" 'a' \0nul \u{2028}sep \u{202e}rtl ##[add-mask]x \
    #\u{ad}#[stop-commands]t \u{9b}31m";

/// The colour codes the human renderers write themselves.
const OWN_CODES: &[&str] = &["\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[1;31m", "\x1b[1;32m", "\x1b[1;33m", "\x1b[1;36m"];

fn finding(severity: Severity, rule: &str) -> Finding {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap();
    Finding {
        rule: rule.to_string(),
        severity,
        agent_id: HOSTILE.to_string(),
        start: at,
        end: at + chrono::Duration::hours(4),
        local_start: HOSTILE.to_string(),
        local_end: HOSTILE.to_string(),
        when: HOSTILE.to_string(),
        message: HOSTILE.to_string(),
        refs: BTreeMap::from([(HOSTILE.to_string(), vec![HOSTILE.to_string()])]),
        cause: vec![HOSTILE.to_string(), HOSTILE.to_string()],
        measured: Some(1),
        limit: Some(0),
        fingerprint: HOSTILE.to_string(),
    }
}

/// A report of three findings (one per severity) whose ids, rule ids, messages and causes are [`HOSTILE`], and
/// the file name it is reported under.
pub(crate) fn hostile_report() -> (String, Report) {
    let rule = format!("core.{HOSTILE}");
    let report = Report {
        format: shiftgate_check::REPORT_FORMAT,
        snapshot: SnapshotRef {
            business_unit_id: HOSTILE.to_string(),
            schedule_id: HOSTILE.to_string(),
            week_date: HOSTILE.to_string(),
            time_zone: HOSTILE.to_string(),
            version: Some(1),
        },
        as_of: Utc.with_ymd_and_hms(2026, 11, 22, 18, 0, 0).unwrap(),
        rules: vec![RuleRef {
            id: rule.clone(),
            pack: HOSTILE.to_string(),
            severity: Severity::Error,
            hash: "h".into(),
        }],
        summary: Summary { error: 1, warning: 1, info: 1, agents: 1, agents_with_findings: 1 },
        findings: vec![
            finding(Severity::Error, &rule),
            finding(Severity::Warning, &rule),
            finding(Severity::Info, &rule),
        ],
        not_judged: vec![NotJudged { rule: rule.clone(), lacks: "shiftTrades", reason: HOSTILE.to_string() }],
    };
    (format!("fixtures/{HOSTILE}.json"), report)
}

/// A rule set whose one rule has a hostile title and documentation (its id must satisfy the loader).
fn hostile_rules() -> RuleSet {
    let source = "//! Doc \x1b[31m ##[error]x \u{2028} ::error::y\n\
        fn meta() { #{ id: \"core.hostile\", title: \"T\\n::error::t\\x1b[31m\", severity: \"error\", params: #{} } }\n\
        fn check(agent, params) { }\n";
    let library = RuleLibrary {
        files: vec![RuleFile {
            pack: "core".into(),
            path: format!("rules/core/{HOSTILE}.rhai"),
            source: source.into(),
        }],
    };
    RuleSet::load(&library, &[], &Config::default(), Limits::default()).expect("the hostile rule loads")
}

fn render(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    String::from_utf8(out).expect("renderers write UTF-8")
}

/// What every output must satisfy: no hidden character but the renderer's own line breaks (and, where allowed,
/// its own colour codes), no legacy `##[` command anywhere, and no line that starts a workflow command except
/// those `commands` says the renderer meant (returned in order).
pub(crate) fn assert_forges_nothing<'a>(out: &'a str, own_colours: bool, commands: &[&str]) -> Vec<&'a str> {
    for (i, c) in out.char_indices() {
        if c == '\x1b' && own_colours && OWN_CODES.iter().any(|code| out[i..].starts_with(code)) {
            continue;
        }
        assert!(c == '\n' || !is_hidden(c), "raw {c:?} at byte {i} in\n{out}");
    }
    assert!(!out.contains("##["), "a legacy workflow command in\n{out}");
    let mut meant = Vec::new();
    for line in out.lines() {
        let bare = line.trim_start();
        if bare.starts_with("::") {
            assert!(commands.iter().any(|c| bare.starts_with(c)), "a forged workflow command: {line:?}");
            meant.push(line);
        }
    }
    meant
}

#[test]
fn human_output_shows_outside_text_and_only_its_own_colours() {
    let reports = [hostile_report()];
    let out = render(|o| super::human::write(o, &reports, Some(Severity::Error)));
    assert_forges_nothing(&out, true, &[]);
    // Shown, not dropped: the reader sees what the input carried.
    assert!(out.contains("s-1\\n::error file=evil.json"), "{out}");
    assert!(out.contains("\\u{1b}[31mred") && out.contains("\\0nul") && out.contains("\\u{2028}sep"), "{out}");
    assert!(
        out.contains("not judged\x1b[0m (s-1\\n::error file=evil.json"),
        "the not-judged reason is shown escaped:\n{out}"
    );
}

#[test]
fn github_commands_are_only_those_meant_and_keep_their_properties() {
    let reports = [hostile_report()];
    let out = render(|o| super::github::write(o, &reports, &[Locator::default()], Some(Severity::Error)));
    let commands = assert_forges_nothing(&out, false, &["::error file=", "::warning file=", "::notice file="]);
    assert_eq!(commands.len(), 3, "one command per finding:\n{out}");
    for line in &commands {
        let (head, _message) = line[2..].split_once("::").expect("a command has a message part");
        let (_, props) = head.split_once(' ').expect("a command has properties");
        let keys: Vec<&str> = props.split(',').map(|p| p.split_once('=').map_or(p, |(k, _)| k)).collect();
        assert_eq!(keys, ["file", "line", "col", "title"], "{line}");
    }
    for line in out.lines().filter(|l| !l.starts_with("::")) {
        assert!(line.starts_with("shiftgate: fixtures/"), "{line:?}");
    }
    // The message keeps the renderer's own line breaks (between causes) as %0A, and `%` from outside as %25.
    assert!(commands[0].contains("%0A  because: ") && commands[0].contains("50%2525"), "{}", commands[0]);
}

#[test]
fn junit_is_well_formed_xml_whatever_the_strings() {
    let reports = [hostile_report()];
    let out = render(|o| super::junit::write(o, &reports, Some(Severity::Warning)));
    assert_forges_nothing(&out, false, &[]);
    let tags = xml_tags(&out);
    assert_eq!(
        tags,
        [
            "?xml",
            "testsuites",
            "testsuite",
            "testcase",
            "failure",
            "/failure",
            "system-out",
            "/system-out",
            "/testcase",
            "/testsuite",
            "/testsuites"
        ]
    );
}

#[test]
fn sarif_and_json_carry_the_strings_faithfully_in_printable_bytes() {
    let reports = [hostile_report()];
    let rules = hostile_rules();
    let sarif = render(|o| super::sarif::write(o, &reports, &[Locator::default()], &rules));
    assert_forges_nothing(&sarif, false, &[]);
    let log: Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["properties"]["agentId"], HOSTILE);
    assert_eq!(result["ruleId"], format!("core.{HOSTILE}"));
    // The message a person reads has one line per cause and no other line break.
    assert_eq!(result["message"]["text"].as_str().unwrap().lines().count(), 3);
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"], "T\n::error::t\x1b[31m");

    let json = render(|o| super::json::write(o, &reports));
    assert_forges_nothing(&json, false, &[]);
    let report: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(report["findings"][0]["message"], HOSTILE);
    assert_eq!(report["snapshot"]["scheduleId"], HOSTILE);
}

/// The tag names of a document, checking on the way that it is well-formed in the small subset the JUnit
/// renderer writes: text holds no `<` or bare `&`, attributes are `name="value"` with no `<` or `"` inside.
fn xml_tags(doc: &str) -> Vec<String> {
    let entity = |s: &str| ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| s.starts_with(e));
    let mut tags = Vec::new();
    let mut rest = doc;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        for (i, _) in text.match_indices('&') {
            assert!(entity(&text[i..]), "bare & in text {text:?}");
        }
        let tag = &rest[open + 1..];
        let name_end = tag.find(|c: char| c.is_whitespace() || c == '>').expect("a tag ends");
        let name = tag[..name_end].trim_end_matches('/').to_string();
        // Attributes: name="value" pairs up to `>`.
        let mut inside = false;
        let mut end = None;
        for (i, c) in tag.char_indices() {
            match c {
                '"' => inside = !inside,
                '<' => panic!("< inside tag {name}"),
                '&' if inside => assert!(entity(&tag[i..]), "bare & in an attribute of {name}"),
                '>' if !inside => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.expect("the tag closes");
        let attrs = tag[name_end..end].trim().trim_end_matches(['/', '?']).trim();
        for pair in split_attributes(attrs) {
            let (key, value) = pair.split_once('=').unwrap_or_else(|| panic!("attribute {pair:?} of {name}"));
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "attribute name {key:?}");
            assert!(value.starts_with('"') && value.ends_with('"') && value.len() >= 2, "{pair:?}");
        }
        tags.push(name);
        rest = &tag[end + 1..];
    }
    tags
}

fn split_attributes(attrs: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut inside) = (0, false);
    for (i, c) in attrs.char_indices() {
        match c {
            '"' => inside = !inside,
            ' ' if !inside => {
                if i > start {
                    out.push(&attrs[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < attrs.len() {
        out.push(&attrs[start..]);
    }
    out
}
