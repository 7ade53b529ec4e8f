//! Every rule fixture, run through the binary: `pass_*` must yield no finding of its rule, `fail_*` at least one;
//! then the human output and the JSON findings are snapshotted, so a change in wording or numbers is reviewed.

use std::path::Path;
use std::process::Command;

fn pack_of(rule: &str) -> &'static str {
    match rule.split('.').next().unwrap_or_default() {
        "core" => "core",
        "flsa" => "us-flsa",
        "il" => "illinois",
        "chi" => "chicago-fww",
        "ca" => "california",
        "eu" => "eu-wtd",
        other => panic!("fixture folder for a rule of unknown pack {other:?}"),
    }
}

fn run(path: &Path, pack: &str, format: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_shiftgate"))
        .args(["check", "--pack", pack, "--fail-on", "never", "--format", format])
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn rule_fixtures() {
    insta::glob!("../../../fixtures/rules", "*/*.json", |path| {
        let rule = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let case = path.file_name().unwrap().to_str().unwrap();
        let json: serde_json::Value = serde_json::from_str(&run(path, pack_of(rule), "json")).unwrap();
        let findings: Vec<&serde_json::Value> = json["findings"].as_array().unwrap().iter().collect();
        let mine = findings.iter().filter(|f| f["rule"] == rule).count();
        if case.starts_with("pass_") {
            assert_eq!(mine, 0, "{rule}/{case} must not yield {rule}");
        } else {
            assert!(case.starts_with("fail_"), "{rule}/{case}: fixtures are named pass_* or fail_*");
            assert!(mine > 0, "{rule}/{case} must yield {rule}");
        }
        let human = run(path, pack_of(rule), "human");
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
