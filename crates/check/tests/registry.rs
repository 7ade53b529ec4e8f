//! The rule registry checks itself, as ruff's does: every pack declares its metadata once in `pack.toml`, and
//! every rule of every pack has its documentation (what, why, source, example, parameters), a pass and a fail
//! fixture, an id with its pack's prefix that is also its file name, its fixture snapshots, and `waivable: false`
//! exactly where its documentation says why it is not waivable. A new rule that skips one of these fails here,
//! with the rule named.
//!
//! That the rules predicting the platform's own refusals are the non-waivable ones is checked against the
//! simulator's conflict kinds in `tests/tests/registry.rs`, which also runs `shiftgate rules test` for every pack.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use shiftgate_check::{Config, Limits, PackManifest, Rule, RuleLibrary, RuleSet};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn library() -> RuleLibrary {
    RuleLibrary::from_dir(&repo().join("rules")).unwrap()
}

/// Every rule of every pack, loaded as the binary loads them.
fn rules() -> Vec<Rule> {
    let library = library();
    let set = RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).unwrap();
    set.rules().to_vec()
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The documentation's paragraphs.
fn paragraphs(rule: &Rule) -> Vec<String> {
    rule.doc.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

fn paragraph<'a>(paras: &'a [String], head: &str) -> Option<&'a str> {
    paras.iter().find_map(|p| p.strip_prefix(head)).map(str::trim)
}

#[test]
fn every_pack_declares_its_metadata_once_in_a_manifest() {
    let library = library();
    let manifests = library.manifests().unwrap();
    let folders: Vec<String> = library.packs();
    assert!(folders.len() >= 6, "{folders:?}");
    for pack in &folders {
        let m: &PackManifest = &manifests[pack];
        assert!(m.declared, "rules/{pack}/ has no pack.toml");
        assert_eq!(&m.name, pack);
        for (key, value) in [("title", &m.title), ("jurisdiction", &m.jurisdiction)] {
            assert!(!value.contains("TODO") && value.len() > 3, "rules/{pack}/pack.toml: {key} = {value:?}");
        }
        assert!(!m.sources.is_empty(), "rules/{pack}/pack.toml lists no sources");
        assert!(m.sources.iter().all(|s| !s.contains("TODO")), "rules/{pack}/pack.toml: {:?}", m.sources);
    }
    // lib/ holds helpers, not rules: no manifest, and not a pack.
    assert!(!folders.contains(&"lib".to_string()));
    assert!(!repo().join("rules/lib/pack.toml").exists());
}

#[test]
fn every_rule_id_has_its_packs_prefix_and_is_its_file_name() {
    let library = library();
    for rule in rules() {
        let prefix = library.prefix_of(&rule.pack);
        assert!(rule.id.starts_with(&format!("{prefix}.")), "{} is in pack {} (prefix {prefix})", rule.id, rule.pack);
        let path = Path::new(&rule.path);
        assert_eq!(path.file_name().unwrap().to_string_lossy(), format!("{}.rhai", rule.id), "{}", rule.path);
        assert_eq!(path.parent().unwrap().file_name().unwrap().to_string_lossy(), rule.pack);
    }
}

#[test]
fn every_rule_documents_what_why_source_example_and_its_parameters() {
    let mut problems = Vec::new();
    for rule in rules() {
        let paras = paragraphs(&rule);
        let mut missing = |what: &str| problems.push(format!("{} ({}): {what}", rule.id, rule.path));
        let heads = ["Why:", "Source:", "Example:", "Parameters:", "Not waivable:"];
        if paras.first().is_none_or(|p| p.len() < 20 || heads.iter().any(|h| p.starts_with(h))) {
            missing("the first paragraph must say what the rule checks");
        }
        for head in ["Why:", "Source:", "Example:", "Parameters:"] {
            match paragraph(&paras, head) {
                None => missing(&format!("no `{head}` paragraph")),
                Some(text) if text.len() < 4 || text.contains("TODO") => missing(&format!("`{head}` says nothing")),
                Some(_) => {}
            }
        }
        let params = paragraph(&paras, "Parameters:").unwrap_or_default();
        if rule.defaults.is_empty() {
            if !params.starts_with("none") {
                missing("declares no parameters, so its `Parameters:` paragraph must say `none`");
            }
        } else {
            for name in rule.defaults.keys() {
                if !params.contains(&format!("`{name}`")) {
                    missing(&format!("parameter `{name}` is not documented in `Parameters:`"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn not_waivable_is_declared_exactly_where_the_documentation_says_why() {
    let mut declared = BTreeSet::new();
    for rule in rules() {
        let says_why = rule.not_waivable_because();
        match (rule.waivable, says_why) {
            (true, None) => {}
            (false, Some(why)) => {
                assert!(why.len() > 20, "{}: `Not waivable:` must say why", rule.id);
                declared.insert(rule.id.clone());
            }
            (true, Some(_)) => panic!("{}: documents `Not waivable:` but its meta() lacks `waivable: false`", rule.id),
            (false, None) => panic!("{}: `waivable: false` without a `Not waivable:` paragraph saying why", rule.id),
        }
    }
    // The core rules the platform enforces itself (checked against the simulator in tests/tests/registry.rs).
    for id in ["core.shift.overlap", "core.timeoff.approved-conflict", "core.timeoff.pending-conflict"] {
        assert!(declared.contains(id), "{id} must not be waivable: {declared:?}");
    }
}

#[test]
fn every_rule_has_pass_and_fail_fixtures_and_every_fixture_folder_names_a_rule() {
    let fixtures = repo().join("fixtures/rules");
    let ids: BTreeSet<String> = rules().into_iter().map(|r| r.id).collect();
    let mut problems = Vec::new();
    for id in &ids {
        let dir = fixtures.join(id);
        let names = if dir.is_dir() { file_names(&dir) } else { Vec::new() };
        for kind in ["pass_", "fail_"] {
            if !names.iter().any(|n| n.starts_with(kind) && n.ends_with(".json")) {
                problems.push(format!("{id}: no fixtures/rules/{id}/{kind}*.json"));
            }
        }
        for n in names.iter().filter(|n| !(n.starts_with("pass_") || n.starts_with("fail_"))) {
            problems.push(format!("{id}: fixtures/rules/{id}/{n} is neither pass_*.json nor fail_*.json"));
        }
    }
    for folder in file_names(&fixtures) {
        if !ids.contains(&folder) {
            problems.push(format!("fixtures/rules/{folder}/ names no rule"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_has_its_snapshot_and_every_snapshot_its_fixture() {
    let prefix = "rule_fixtures__rule_fixtures@";
    let snapshots: BTreeSet<String> = file_names(&repo().join("crates/cli/tests/snapshots"))
        .into_iter()
        .filter_map(|n| n.strip_prefix(prefix).and_then(|n| n.strip_suffix(".snap")).map(str::to_string))
        .collect();
    let mut fixtures = BTreeSet::new();
    for id in file_names(&repo().join("fixtures/rules")) {
        for case in file_names(&repo().join("fixtures/rules").join(&id)) {
            fixtures.insert(format!("{id}__{case}"));
        }
    }
    let orphans: Vec<&String> = snapshots.difference(&fixtures).collect();
    let unsnapped: Vec<&String> = fixtures.difference(&snapshots).collect();
    assert!(orphans.is_empty(), "snapshots without a fixture: {orphans:?}");
    assert!(unsnapped.is_empty(), "fixtures without a snapshot (run the rule_fixtures test): {unsnapped:?}");
}

/// What a newcomer does: search the repository for a rule's id, by file name and by content.
#[test]
fn one_search_by_id_finds_a_rules_script_fixtures_and_snapshots() {
    let root = repo();
    let mut paths = Vec::new();
    for dir in ["rules", "fixtures/rules", "crates/cli/tests/snapshots"] {
        walk(&root.join(dir), &mut paths);
    }
    for rule in rules() {
        let named: Vec<String> = paths
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"))
            .filter(|p| p.contains(&rule.id))
            .collect();
        let script = format!("rules/{}/{}.rhai", rule.pack, rule.id);
        assert!(named.contains(&script), "{}: no {script} by name in {named:?}", rule.id);
        let count = |needle: &str| named.iter().filter(|p| p.contains(needle)).count();
        assert!(count("fixtures/rules/") >= 2, "{}: fixtures by name: {named:?}", rule.id);
        assert!(count("snapshots/") >= 2, "{}: snapshots by name: {named:?}", rule.id);
        for p in named.iter().filter(|p| p.ends_with(".rhai") || p.ends_with(".snap")) {
            let text = std::fs::read_to_string(root.join(p)).unwrap();
            assert!(text.contains(&rule.id), "{p} does not mention {}", rule.id);
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        }
        out.push(p);
    }
}
