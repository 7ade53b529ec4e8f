//! Every renderer on a report whose every outside string is hostile: line breaks that start workflow commands,
//! carriage returns, ANSI and OSC escapes, `%`, markup, NUL, U+2028, bidirectional overrides and the runner's
//! legacy `##[` form. Findings are built directly: the renderers must be safe on their own, whatever the model
//! and the rule loader let through.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use shiftgate_check::{
    Config, Finding, Limits, NotJudged, NoteKind, Report, RuleFile, RuleLibrary, RuleRef, RuleSet, Severity,
    SnapshotRef, Summary, Waiver, WaiverNote, WaiverScope, WaiverState, WaiverStatus,
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
        waiver: None,
    }
}

/// A waiver whose every text (and its file name) is [`HOSTILE`].
fn hostile_waiver(rule: &str) -> Waiver {
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    Waiver {
        file: format!("{HOSTILE}.toml"),
        index: 1,
        line: Some(3),
        id: Some(HOSTILE.to_string()),
        rule: rule.to_string(),
        scope: WaiverScope::Tag(HOSTILE.to_string()),
        from: None,
        until: None,
        reason: HOSTILE.to_string(),
        approved_by: HOSTILE.to_string(),
        approved_on: day(1),
        expires: day(30),
    }
}

/// A report of three findings (one per severity) and a waived one whose ids, rule ids, messages, causes and waiver
/// are [`HOSTILE`], with a note about the waiver, and the file name it is reported under.
pub(crate) fn hostile_report() -> (String, Report) {
    let rule = format!("core.{HOSTILE}");
    let mut waived = finding(Severity::Error, &rule);
    waived.waiver = Some(std::sync::Arc::new(hostile_waiver(&rule)));
    let status = WaiverStatus {
        waiver: hostile_waiver(&rule),
        state: WaiverState::Active,
        days_left: 8,
        waived: 1,
        notes: vec![WaiverNote { severity: Severity::Warning, kind: NoteKind::Expired, message: HOSTILE.to_string() }],
    };
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
        summary: Summary { error: 1, warning: 1, info: 1, waived: 1, agents: 1, agents_with_findings: 1 },
        findings: vec![
            finding(Severity::Error, &rule),
            finding(Severity::Warning, &rule),
            finding(Severity::Info, &rule),
            waived,
        ],
        waivers: vec![status],
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
    let plain = OWN_CODES.iter().fold(out.clone(), |text, code| text.replace(code, ""));
    assert!(
        plain.contains("Waived (1 finding, never blocking)") && plain.contains("waived by waiver s-1\\n::error"),
        "{plain}"
    );
    assert!(plain.contains("Waivers:\n  warning s-1\\n::error"), "{plain}");
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
    assert_eq!(commands.len(), 5, "one command per finding, waived ones included, and per note:\n{out}");
    for (i, line) in commands.iter().enumerate() {
        let (head, _message) = line[2..].split_once("::").expect("a command has a message part");
        let (_, props) = head.split_once(' ').expect("a command has properties");
        let keys: Vec<&str> = props.split(',').map(|p| p.split_once('=').map_or(p, |(k, _)| k)).collect();
        // The note about the waiver sits on the waiver's line in its configuration file.
        let want: &[&str] = if i == 4 { &["file", "line", "title"] } else { &["file", "line", "col", "title"] };
        assert_eq!(keys, want, "{line}");
    }
    assert!(commands[3].starts_with("::notice ") && commands[3].contains("(waived)::error: "), "{}", commands[3]);
    assert!(commands[4].starts_with("::warning file=s-1\\n%3A%3Aerror"), "{}", commands[4]);
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
            "testcase",
            "skipped",
            "/skipped",
            "/testcase",
            "system-out",
            "/system-out",
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
    // The waiver: its data as it is, the justification a person reads made visible, on one line.
    let suppression = &log["runs"][0]["results"][3]["suppressions"][0];
    assert_eq!(suppression["properties"]["waiver"]["reason"], HOSTILE);
    let justification = suppression["justification"].as_str().unwrap();
    assert!(
        justification.starts_with("waived by waiver s-1\\n::error") && !justification.contains('\n'),
        "{justification}"
    );
    let note = &log["runs"][0]["invocations"][0]["toolConfigurationNotifications"][0];
    assert_eq!(note["properties"]["waiver"]["approvedBy"], HOSTILE);
    assert!(!note["message"]["text"].as_str().unwrap().contains('\n'));

    let json = render(|o| super::json::write(o, &reports));
    assert_forges_nothing(&json, false, &[]);
    let report: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(report["findings"][0]["message"], HOSTILE);
    assert_eq!(report["findings"][3]["waiver"]["reason"], HOSTILE);
    assert_eq!(report["waivers"][0]["notes"][0]["message"], HOSTILE);
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
