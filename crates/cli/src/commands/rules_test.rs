//! `shiftgate rules test`: the rule author's loop, like `opa test -v`.
//!
//! For every rule of the selected packs (`--pack`, default all), each `<fixtures>/<rule-id>/pass_*.json` must give
//! no finding of that rule and each `fail_*.json` at least one. A case runs the rule alone: its file plus
//! `rules/lib/`, compiled as in production, with the `--config` settings of that rule (forced on, even if the
//! config disables it), so another rule's crash cannot fail it and only its own findings are judged. A fixture
//! without `asOf` is evaluated at the start of its schedule week, never at the current time, so results do not
//! change from one day to the next.
//!
//! Failures: a case that gets the wrong answer, a fixture that is not a valid snapshot, a rule that fails at run
//! time, a rule with no pass or no fail case, and a fixture folder naming no rule of any pack (exit 1). Unusable
//! rules, config or fixtures folder, or a `--filter` that selects nothing, exit 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use shiftgate_check::{Checker, Config, Rule, RuleLibrary};
use shiftgate_model::Snapshot;

use crate::args::{RulesTestArgs, TestFormat};
use crate::commands::rules_new::fixtures_beside;
use crate::exit::{Failure, WithCode, FINDINGS, INPUT, OK};
use crate::input::{compile_rules, load_config, load_library};
use crate::render::escape::terminal::visible;
use crate::render::escape::xml::{attr, text};
use crate::render::finding_text;

/// What happened to one case.
enum Outcome {
    Pass { findings: usize },
    Fail { reason: String, details: Vec<String> },
}

/// One line of the report: a fixture, or a missing fixture kind, or a folder naming no rule.
struct Case {
    /// Pack of the rule (`fixtures` for folders naming no rule).
    pack: String,
    /// Rule id (or folder name).
    rule: String,
    /// Fixture file name, or what is missing.
    name: String,
    /// The fixture's path, when there is a file.
    path: Option<PathBuf>,
    outcome: Outcome,
}

impl Case {
    fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fail { .. })
    }
}

fn fail(reason: impl Into<String>, details: Vec<String>) -> Outcome {
    Outcome::Fail { reason: reason.into(), details }
}

pub(crate) fn run(args: &RulesTestArgs) -> Result<u8, Failure> {
    let library = load_library(&args.rules)?;
    let config = load_config(&args.rules)?;
    let all_packs = library.packs();
    // Loading every pack validates every script, id and config entry once (exit 2 with a diagnostic).
    let everything = compile_rules(&library, &all_packs, &config)?;
    let packs = if args.rules.packs.is_empty() { all_packs } else { args.rules.packs.clone() };
    let selected = compile_rules(&library, &packs, &config)?;
    let fixtures = match (&args.fixtures, &args.rules.rules) {
        (Some(dir), _) => dir.clone(),
        (None, Some(rules)) => fixtures_beside(rules),
        (None, None) => PathBuf::from("fixtures/rules"),
    };
    if !fixtures.is_dir() {
        return Err(anyhow!("fixtures folder {} not found (give it with --fixtures DIR)", fixtures.display()))
            .code(INPUT);
    }
    let filter = args.filter.as_deref().unwrap_or("");

    let mut rules: Vec<&Rule> = selected.rules().iter().collect();
    rules.sort_by(|a, b| {
        (packs.iter().position(|p| *p == a.pack), &a.id).cmp(&(packs.iter().position(|p| *p == b.pack), &b.id))
    });
    let mut cases = Vec::new();
    for rule in rules {
        cases.extend(test_rule(rule, &library, &config, &fixtures, filter)?);
    }
    let known: Vec<&str> = everything.rules().iter().map(|r| r.id.as_str()).collect();
    for folder in subfolders(&fixtures)? {
        if !known.contains(&folder.as_str()) && folder.contains(filter) {
            let hint = closest(&folder, &known).map(|k| format!(" (did you mean {k}?)")).unwrap_or_default();
            cases.push(Case {
                pack: "fixtures".into(),
                rule: folder.clone(),
                name: "rule exists".into(),
                path: Some(fixtures.join(&folder)),
                outcome: fail(format!("{} names no rule of any pack{hint}", fixtures.join(&folder).display()), vec![]),
            });
        }
    }
    if cases.is_empty() {
        let what = if filter.is_empty() {
            "no rules to test".to_string()
        } else {
            format!("--filter {filter:?} matches no rule or fixture")
        };
        return Err(anyhow!(what)).code(INPUT);
    }

    let mut out = anstream::stdout();
    let written = match args.format {
        TestFormat::Human => write_human(&mut out, &cases, &selected_paths(&selected), args.quiet),
        TestFormat::Junit => write_junit(&mut out, &cases),
    };
    written.context("cannot write the test report").code(INPUT)?;
    Ok(if cases.iter().any(Case::failed) { FINDINGS } else { OK })
}

fn selected_paths(set: &shiftgate_check::RuleSet) -> Vec<(String, String)> {
    set.rules().iter().map(|r| (r.id.clone(), r.path.clone())).collect()
}

fn subfolders(dir: &Path) -> Result<Vec<String>, Failure> {
    let mut names = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display())).code(INPUT)?;
    for e in entries.flatten() {
        if e.path().is_dir() {
            names.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// `pass_*.json` and `fail_*.json` files of a folder, sorted.
fn fixture_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| (n.starts_with("pass_") || n.starts_with("fail_")) && n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn test_rule(
    rule: &Rule,
    library: &RuleLibrary,
    config: &Config,
    fixtures: &Path,
    filter: &str,
) -> Result<Vec<Case>, Failure> {
    let dir = fixtures.join(&rule.id);
    let files = fixture_files(&dir);
    let case = |name: String, path: Option<PathBuf>, outcome| Case {
        pack: rule.pack.clone(),
        rule: rule.id.clone(),
        name,
        path,
        outcome,
    };
    let mut cases = Vec::new();
    if filter.is_empty() || rule.id.contains(filter) {
        for (prefix, meaning) in [("pass_", "no finding of the rule"), ("fail_", "at least one finding of the rule")] {
            if !files.iter().any(|f| f.starts_with(prefix)) {
                let reason = format!(
                    "no {prefix}*.json case in {}/: every rule needs at least one {prefix} case ({meaning})",
                    dir.display()
                );
                cases.push(case(format!("{prefix}*.json"), None, fail(reason, vec![])));
            }
        }
    }
    let selected: Vec<&String> = files.iter().filter(|f| format!("{}/{f}", rule.id).contains(filter)).collect();
    if selected.is_empty() {
        return Ok(cases);
    }
    let checker = rule_alone(rule, library, config)?;
    for file in selected {
        let path = dir.join(file);
        cases.push(case(
            file.clone(),
            Some(path.clone()),
            run_case(&checker, rule, library, &path, file.starts_with("pass_")),
        ));
    }
    Ok(cases)
}

/// A checker that runs only `rule`: its file, its pack's manifest and `rules/lib/`, with the config's settings for
/// it, forced on, and no waivers (a case judges the rule, not the site's exceptions).
fn rule_alone(rule: &Rule, library: &RuleLibrary, config: &Config) -> Result<Checker, Failure> {
    let alone = library.only(&rule.path);
    let mut settings = config.rules.get(&rule.id).cloned().unwrap_or_default();
    settings.enabled = Some(true);
    let config = Config {
        rules: [(rule.id.clone(), settings)].into_iter().collect(),
        path: config.path.clone(),
        ..Config::default()
    };
    let set = compile_rules(&alone, std::slice::from_ref(&rule.pack), &config)?;
    Ok(Checker::new(set, None))
}

fn run_case(checker: &Checker, rule: &Rule, library: &RuleLibrary, path: &Path, pass: bool) -> Outcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", path.display()), vec![]),
    };
    let snapshot = match Snapshot::from_json(&bytes) {
        Ok(s) => Arc::new(s),
        Err(e) => return fail("not a valid snapshot", e.to_string().lines().map(str::to_string).collect()),
    };
    let as_of = snapshot.as_of.unwrap_or_else(|| snapshot.period().start);
    let report = match checker.check(snapshot, as_of) {
        Ok(r) => r,
        Err(e) => {
            let d = crate::diagnostics::run_error(&e, &path.display().to_string(), library);
            return fail(
                "the rule failed at run time",
                crate::diagnostics::render_plain(&d).lines().map(str::to_string).collect(),
            );
        }
    };
    let found: Vec<String> = report.findings.iter().filter(|f| f.rule == rule.id).map(finding_text).collect();
    match (pass, found.len()) {
        (true, 0) => Outcome::Pass { findings: 0 },
        (true, n) => fail(format!("expected no {} finding, got {n}", rule.id), found),
        (false, 0) => fail(format!("expected at least one {} finding, got none", rule.id), vec![]),
        (false, n) => Outcome::Pass { findings: n },
    }
}

/// The known id nearest to a folder name, if it is close (a typo rather than another name).
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let next = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
                prev = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    }
    known.iter().map(|k| (distance(name, k), *k)).filter(|(d, _)| *d <= 3).min().map(|(_, k)| k)
}

const GREEN: &str = "\x1b[1;32m";
const RED: &str = "\x1b[1;31m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn write_human(out: &mut dyn Write, cases: &[Case], paths: &[(String, String)], quiet: bool) -> std::io::Result<()> {
    let mut current: Option<&str> = None;
    for c in cases {
        if quiet && !c.failed() {
            continue;
        }
        if current != Some(c.rule.as_str()) {
            let file = paths
                .iter()
                .find(|(id, _)| *id == c.rule)
                .map(|(_, p)| format!("  {}", visible(p)))
                .unwrap_or_default();
            writeln!(out, "{BOLD}{}{RESET}{file}", visible(&c.rule))?;
            current = Some(&c.rule);
        }
        // Rule ids, fixture names, reasons and details quote scripts, files and snapshots: shown, never obeyed.
        let name = visible(&c.name);
        match &c.outcome {
            Outcome::Pass { findings: 0 } => writeln!(out, "  {GREEN}PASS{RESET}  {name}")?,
            Outcome::Pass { findings } => {
                let s = if *findings == 1 { "" } else { "s" };
                writeln!(out, "  {GREEN}PASS{RESET}  {name} ({findings} finding{s})")?
            }
            Outcome::Fail { reason, details } => {
                writeln!(out, "  {RED}FAIL{RESET}  {name}: {}", visible(reason))?;
                for d in details.iter().flat_map(|d| d.lines()) {
                    writeln!(out, "        {}", visible(d))?;
                }
            }
        }
    }
    let failed = cases.iter().filter(|c| c.failed()).count();
    writeln!(out, "{}", "-".repeat(80))?;
    let colour = if failed > 0 { RED } else { GREEN };
    writeln!(out, "{colour}{} passed, {failed} failed{RESET}", cases.len() - failed)
}

fn write_junit(out: &mut dyn Write, cases: &[Case]) -> std::io::Result<()> {
    let failed = cases.iter().filter(|c| c.failed()).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="shiftgate rules test" tests="{}" failures="{failed}" errors="0">"#,
        cases.len()
    )?;
    let mut packs: Vec<&str> = Vec::new();
    for c in cases {
        if !packs.contains(&c.pack.as_str()) {
            packs.push(&c.pack);
        }
    }
    for pack in packs {
        let in_pack: Vec<&Case> = cases.iter().filter(|c| c.pack == pack).collect();
        let failures = in_pack.iter().filter(|c| c.failed()).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
            attr(pack),
            in_pack.len()
        )?;
        for c in in_pack {
            let file =
                c.path.as_ref().map(|p| format!(r#" file="{}""#, attr(&p.display().to_string()))).unwrap_or_default();
            write!(out, r#"    <testcase classname="{}" name="{}"{file}"#, attr(&c.rule), attr(&c.name))?;
            match &c.outcome {
                Outcome::Pass { .. } => writeln!(out, "/>")?,
                Outcome::Fail { reason, details } => {
                    writeln!(out, ">")?;
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="failure">{}</failure>"#,
                        attr(reason),
                        text(&details.join("\n"))
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
