//! Every rule fixture, run through the binary with only the rule under test enabled: `pass_*` must yield no
//! finding of its rule, `fail_*` at least one; then the human output and the JSON findings are snapshotted, so a
//! change in wording or numbers is reviewed. Each snapshot shows the rule under test alone, so a change to one
//! rule never rewrites another rule's snapshots. The rule's pack comes from the registry (its `pack.toml`), never
//! from a table here.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use shiftgate_check::{Config, Limits, Rule, RuleLibrary, RuleSet};

/// Every rule of every built-in pack.
fn registry() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let library = RuleLibrary::embedded();
        let set = RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).unwrap();
        set.rules().to_vec()
    })
}

/// A configuration that runs `rule` alone: its pack, with every other rule of the pack disabled.
fn alone(rule: &Rule) -> String {
    let mut toml = format!("packs = [{:?}]\n", rule.pack);
    for other in registry().iter().filter(|r| r.pack == rule.pack && r.id != rule.id) {
        toml.push_str(&format!("\n[rules.{:?}]\nenabled = false\n", other.id));
    }
    toml
}

fn run(path: &Path, config: &Path, format: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_shiftgate"))
        .args(["check", "--fail-on", "never", "--format", format, "--config"])
        .arg(config)
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn rule_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    insta::glob!("../../../fixtures/rules", "*/*.json", |path| {
        let id = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let case = path.file_name().unwrap().to_str().unwrap();
        let rule =
            registry().iter().find(|r| r.id == id).unwrap_or_else(|| panic!("fixtures/rules/{id} names no rule"));
        let config = tmp.path().join(format!("{id}.toml"));
        std::fs::write(&config, alone(rule)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&run(path, &config, "json")).unwrap();
        let ran: Vec<&serde_json::Value> = json["rules"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
        assert_eq!(ran, [id], "{id}/{case}: only the rule under test runs");
        let findings: Vec<&serde_json::Value> = json["findings"].as_array().unwrap().iter().collect();
        assert!(findings.iter().all(|f| f["rule"] == id), "{id}/{case}: {findings:?}");
        if case.starts_with("pass_") {
            assert_eq!(findings.len(), 0, "{id}/{case} must not yield {id}");
        } else {
            assert!(case.starts_with("fail_"), "{id}/{case}: fixtures are named pass_* or fail_*");
            assert!(!findings.is_empty(), "{id}/{case} must yield {id}");
        }
        let human = run(path, &config, "human");
        // The JSON part keeps what a machine reads; the `rules` list (with script hashes) is left out on purpose.
        let compact: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "rule": f["rule"], "severity": f["severity"], "agentId": f["agentId"],
                    "localStart": f["localStart"], "localEnd": f["localEnd"],
                    "measured": f.get("measured"), "limit": f.get("limit"), "refs": f["refs"], "fingerprint": f["fingerprint"],
                })
            })
            .collect();
        let body = format!(
            "{}\n--- json findings ---\n{}",
            human.replace(&*path.to_string_lossy(), "<fixture>"),
            serde_json::to_string_pretty(&compact).unwrap()
        );
        insta::assert_snapshot!(body);
    });
}
