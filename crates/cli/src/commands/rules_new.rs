//! `shiftgate rules new ID`: scaffolds a rule file with its documentation template and a pass and a fail example
//! fixture, like `cargo dev new_lint`.
//!
//! The file is `<rules>/<pack>/<id>.rhai`, so that one search for the id finds the script, its fixtures and its
//! snapshots. The pack is the one whose manifest (`pack.toml`) declares the id's first segment as its prefix,
//! in the target folder or among the built-in packs; a pack folder without a manifest gets one (the built-in
//! pack's, or a template for a new pack).
//!
//! The scaffold loads and runs as it is: `meta()` is valid and `check()` reports nothing. So its pass example
//! passes and its fail example FAILS under `shiftgate rules test` until the author writes `check()` and edits
//! the fail example to break the rule: a new rule starts red, never silently green.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use shiftgate_check::{Config, Limits, RuleLibrary, RuleSet, MANIFEST_FILE};

use crate::args::RulesNewArgs;
use crate::exit::{Failure, WithCode, INPUT, OK};

/// The pack a rule id belongs to: the pack whose manifest declares its first segment as prefix, in the target
/// rules folder or else among the built-in packs; with neither, a new pack named after the segment.
pub(crate) fn pack_of(id: &str, target: Option<&RuleLibrary>) -> String {
    target
        .and_then(|lib| lib.pack_of_id(id))
        .or_else(|| RuleLibrary::embedded().pack_of_id(id))
        .unwrap_or_else(|| id.split('.').next().unwrap_or_default().to_string())
}

/// The manifest a new pack folder gets: the built-in pack's, or a template naming the prefix.
fn manifest_for(pack: &str, prefix: &str) -> String {
    let builtin = RuleLibrary::embedded();
    if let Some(file) = builtin.files.iter().find(|f| f.pack == pack && f.is_manifest()) {
        return file.source.clone();
    }
    format!(
        "# The pack's metadata, said once: `rules new`, the id check at load and the registry tests read it.\n\
         name = {pack:?}\n\
         title = \"TODO: the law, contract or practice this pack checks\"\n\
         jurisdiction = \"TODO: where it applies\"\n\
         prefix = {prefix:?}\n\
         sources = [\"TODO: statute, regulation or policy, with a link\"]\n"
    )
}

fn valid_id(id: &str) -> bool {
    let segments: Vec<&str> = id.split('.').collect();
    segments.len() >= 2
        && segments.iter().all(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// The fixtures folder that goes with a rules folder: `<parent of rules>/fixtures/rules`.
pub(crate) fn fixtures_beside(rules: &Path) -> PathBuf {
    rules.parent().unwrap_or(Path::new("")).join("fixtures").join("rules")
}

pub(crate) fn run(args: &RulesNewArgs) -> Result<u8, Failure> {
    let id = args.id.as_str();
    if !valid_id(id) {
        return Err(anyhow!(
            "{id:?} is not a rule id: use dotted lower-case segments such as core.shift.max-hours (letters, digits, '-')"
        ))
        .code(INPUT);
    }
    let target = RuleLibrary::from_dir(&args.rules).ok();
    let pack = pack_of(id, target.as_ref());
    let script = args.rules.join(&pack).join(format!("{id}.rhai"));
    let manifest = args.rules.join(&pack).join(MANIFEST_FILE);
    let fixtures = args.fixtures.clone().unwrap_or_else(|| fixtures_beside(&args.rules)).join(id);
    let mut files = vec![
        (script.clone(), rule_template(id)),
        (fixtures.join("pass_example.json"), snapshot_template(id, true)),
        (fixtures.join("fail_example.json"), snapshot_template(id, false)),
    ];
    if !manifest.exists() {
        files.insert(0, (manifest, manifest_for(&pack, id.split('.').next().unwrap_or_default())));
    }
    let existing: Vec<String> =
        files.iter().filter(|(p, _)| p.exists()).map(|(p, _)| p.display().to_string()).collect();
    if !existing.is_empty() {
        return Err(anyhow!("not overwriting existing files: {}", existing.join(", "))).code(INPUT);
    }
    if let Some(other) = declared_elsewhere(&args.rules, id) {
        return Err(anyhow!("rule id {id:?} is already declared by {other}")).code(INPUT);
    }
    let mut out = anstream::stdout();
    for (path, text) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display())).code(INPUT)?;
        }
        // create_new: never clobber a file that appeared since the check above.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))
            .code(INPUT)?;
        f.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display())).code(INPUT)?;
        writeln!(out, "created {}", path.display()).context("cannot write").code(INPUT)?;
    }
    writeln!(
        out,
        "\nNext: fill in the //! documentation, write check(), and edit fail_example.json so that it breaks the rule.\n\
         Until then `shiftgate rules test --rules {} --filter {id}` reports fail_example.json as FAIL (a fresh rule reports nothing).",
        args.rules.display()
    )
    .context("cannot write")
    .code(INPUT)?;
    Ok(OK)
}

/// The file that already declares `id` in the rules folder, if the folder loads.
fn declared_elsewhere(rules: &Path, id: &str) -> Option<String> {
    let library = RuleLibrary::from_dir(rules).ok()?;
    let set = RuleSet::load(&library, &library.packs(), &Config::default(), Limits::default()).ok()?;
    set.rules().iter().find(|r| r.id == id).map(|r| r.path.clone())
}

fn rule_template(id: &str) -> String {
    format!(
        r#"//! TODO: one sentence saying what this rule checks, as a supervisor would say it. (Everything in these `//!`
//! lines is what `shiftgate rules explain {id}` shows.)
//!
//! Why: TODO: the law, contract or business reason, and the reading of it this rule follows (elapsed time or
//! wall clock? inclusive limits? which week or window?).
//!
//! Source: TODO: statute, regulation or policy section, with a link.
//!
//! Example: TODO: a week that breaks the rule, in local time (e.g. "s-1 Mon 07:00-19:00 CST is 12 h against 10 h").
//!
//! Parameters: none yet. Declare each in meta() `params` with its default and list it here, e.g. `max_minutes`
//! (600); sites override it in shiftgate.toml under [rules."{id}"].

fn meta() {{
    #{{ id: "{id}", title: "TODO: short title", severity: "warning", params: #{{}} }}
}}

fn check(agent, params) {{
    // Called once per agent with read-only facts (see rules/README.md): agent.shifts(), agent.rest_gaps(),
    // agent.days(), agent.weeks(), agent.time_off_conflicts(), ... Decide, then report each violation, e.g.:
    //
    // for s in agent.shifts() {{
    //     if s.minutes > 600 {{
    //         report(s, `shift ${{s.id}} (${{s.when}}) lasts ${{fmt_minutes(s.minutes)}}; the limit is 10 h`,
    //                #{{ measured: s.minutes, limit: 600 }});
    //     }}
    // }}
}}
"#
    )
}

fn snapshot_template(id: &str, pass: bool) -> String {
    let comment = if pass {
        format!("PASS example for {id}: a week that follows the rule, so it must give no {id} finding. Make it the closest case that must still pass (e.g. exactly at the limit).")
    } else {
        format!("FAIL example for {id}: TODO: change this week so that it breaks the rule; it must give at least one {id} finding. Until check() reports something, `shiftgate rules test` marks this case FAIL.")
    };
    let comment = serde_json::to_string(&comment).unwrap_or_default();
    format!(
        r#"{{
  "format": "shiftgate.snapshot/1",
  "_comment": {comment},
  "asOf": "2026-11-22T18:00:00-06:00",
  "businessUnit": {{ "id": "bu-1", "name": "Example Care", "timeZone": "America/Chicago", "startDayOfWeek": "Sunday" }},
  "schedule": {{ "id": "sch-1", "weekDate": "2026-11-29", "weekCount": 1, "published": false, "metadata": {{ "version": 1 }} }},
  "activityCodes": [
    {{ "id": "0", "name": "On Queue", "category": "OnQueueWork", "countsAsPaidTime": true, "countsAsWorkTime": true }},
    {{ "id": "2", "name": "Meal", "category": "Meal", "countsAsPaidTime": false, "countsAsWorkTime": false }}
  ],
  "agents": [ {{ "id": "a-1", "name": "Ana Diaz" }} ],
  "agentSchedules": [
    {{
      "user": {{ "id": "a-1" }},
      "shifts": [
        {{
          "id": "s-1", "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 510,
          "activities": [
            {{ "startDate": "2026-11-30T14:00:00Z", "lengthMinutes": 240, "activityCodeId": "0" }},
            {{ "startDate": "2026-11-30T18:00:00Z", "lengthMinutes": 30, "activityCodeId": "2" }},
            {{ "startDate": "2026-11-30T18:30:00Z", "lengthMinutes": 240, "activityCodeId": "0" }}
          ]
        }}
      ]
    }}
  ],
  "history": [],
  "timeOffRequests": [],
  "shiftTrades": []
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_pick_their_pack_from_the_manifests() {
        let builtin = RuleLibrary::embedded();
        // Every built-in pack is found from its own prefix, and the pack picked is the one whose prefix the
        // checker requires.
        for manifest in builtin.manifests().unwrap().values() {
            let id = format!("{}.x.y", manifest.prefix);
            assert_eq!(pack_of(&id, None), manifest.name, "{id}");
            assert_eq!(builtin.prefix_of(&pack_of(&id, None)), manifest.prefix);
        }
        assert_eq!(pack_of("flsa.overtime.weekly", None), "us-flsa");
        assert_eq!(pack_of("acme.coverage.min", None), "acme");
        // A site's folder with its own manifest wins.
        let site = RuleLibrary {
            files: vec![shiftgate_check::RuleFile {
                pack: "acme-policy".into(),
                path: "rules/acme-policy/pack.toml".into(),
                source: manifest_for("acme-policy", "acme").replace("TODO: ", ""),
            }],
        };
        assert_eq!(pack_of("acme.coverage.min", Some(&site)), "acme-policy");
        assert!(manifest_for("us-flsa", "flsa").contains("prefix = \"flsa\""));
        assert!(valid_id("core.shift.max-hours"));
        for bad in ["core", "Core.x", "core..x", "core.x y", "core.-x", ""] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn templates_are_a_valid_snapshot_and_a_loadable_rule() {
        for pass in [true, false] {
            let text = snapshot_template("core.x.y", pass);
            assert!(shiftgate_model::Snapshot::from_json(text.as_bytes()).is_ok(), "{text}");
        }
        let library = RuleLibrary {
            files: vec![shiftgate_check::RuleFile {
                pack: "core".into(),
                path: "rules/core/x-y.rhai".into(),
                source: rule_template("core.x.y"),
            }],
        };
        let set = RuleSet::load(&library, &["core".into()], &Config::default(), Limits::default()).unwrap();
        assert_eq!(set.rules()[0].id, "core.x.y");
        assert!(set.rules()[0].doc.starts_with("TODO: one sentence"));
    }
}
