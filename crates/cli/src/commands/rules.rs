//! `shiftgate rules ...`: listing and explaining rules.

use std::io::Write as _;

use anyhow::{anyhow, Context as _};

use crate::args::{RulesExplainArgs, RulesListArgs};
use crate::exit::{Failure, WithCode, INPUT, OK};
use crate::input::load_rules;
use crate::render::escape::terminal::{visible, visible_lines};

pub(crate) fn list(args: &RulesListArgs) -> Result<u8, Failure> {
    let mut rule_args = RuleArgsOwned::from(&args.rules);
    if args.all {
        rule_args.all_packs()?;
    }
    let rules = load_rules(&rule_args.0)?;
    let mut out = anstream::stdout();
    // Ids, packs and titles come from the scripts (`meta()`, folder names): shown, never obeyed.
    let width = rules.rules().iter().map(|r| visible(&r.id).chars().count()).max().unwrap_or(0);
    for r in rules.rules() {
        let off = if r.enabled { "" } else { " (disabled)" };
        let (id, pack, title) = (visible(&r.id), visible(&r.pack), visible(&r.title));
        writeln!(out, "{id:width$}  {pack:12} {:8} {title}{off}", r.severity.as_str())
            .context("cannot write")
            .code(INPUT)?;
    }
    Ok(OK)
}

pub(crate) fn explain(args: &RulesExplainArgs) -> Result<u8, Failure> {
    let mut rule_args = RuleArgsOwned::from(&args.rules);
    rule_args.all_packs()?;
    let rules = load_rules(&rule_args.0)?;
    let rule = rules
        .rules()
        .iter()
        .find(|r| r.id == args.id)
        .ok_or_else(|| anyhow!("unknown rule {:?} (see `shiftgate rules list --all`)", args.id))
        .code(INPUT)?;
    let mut out = anstream::stdout();
    let pack = rules
        .packs()
        .iter()
        .find(|p| p.name == rule.pack)
        .map(|p| format!(": {}", visible(&p.title)))
        .unwrap_or_default();
    let waivable = if rule.waivable { "yes" } else { "no (see Not waivable above)" };
    let mut text = format!(
        "{} ({}, pack {}{pack}, {})\n{}\n\n{}\n\nWaivable: {waivable}\n\nEffective parameters:\n",
        visible(&rule.id),
        rule.severity,
        visible(&rule.pack),
        visible(&rule.path),
        visible(&rule.title),
        // The `//!` text's own line breaks are meant; each line is shown on its own.
        visible_lines(&rule.doc)
    );
    if rule.params.is_empty() {
        text.push_str("  (none)\n");
    }
    for (k, v) in &rule.params {
        let default = rule.defaults.get(k).map(|d| d.to_string()).unwrap_or_default();
        let note = if default == v.to_string() { String::new() } else { format!(" (default {default})") };
        text.push_str(&format!("  {} = {}{}\n", visible(k), visible(&v.to_string()), visible(&note)));
    }
    out.write_all(text.as_bytes()).context("cannot write").code(INPUT)?;
    Ok(OK)
}

/// The rule arguments with packs widened to every pack, for lookups across packs.
struct RuleArgsOwned(crate::args::RuleArgs);

impl RuleArgsOwned {
    fn from(a: &crate::args::RuleArgs) -> Self {
        RuleArgsOwned(crate::args::RuleArgs {
            config: a.config.clone(),
            rules: a.rules.clone(),
            packs: a.packs.clone(),
        })
    }

    fn all_packs(&mut self) -> Result<(), Failure> {
        let library = match &self.0.rules {
            Some(dir) => shiftgate_check::RuleLibrary::from_dir(dir).code(INPUT)?,
            None => shiftgate_check::RuleLibrary::embedded(),
        };
        self.0.packs = library.packs();
        Ok(())
    }
}
