//! Rule files: finding them, compiling them once, reading and validating `meta()`, applying configuration.
//!
//! A rules folder holds one folder per pack: its `pack.toml` manifest (see [`crate::PackManifest`]) and one `.rhai`
//! file per rule, plus `lib/` with helpers merged into every rule.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rhai::{CallFnOptions, Dynamic, Engine, Map, Scope, AST};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::engine::build_engine;
use crate::error::{ConfigError, LoadError, RunError, RunErrorKind, ScriptLocation};
use crate::finding::{hex, Severity};
use crate::param_spec::{declare, Given, ParamKind};
use crate::sandbox::{sandbox_package, with_script_stack, Limits, RunBudget};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// One file of a rules folder: a `.rhai` script, or a pack's `pack.toml` manifest.
#[derive(Clone, Debug)]
pub struct RuleFile {
    /// The pack (folder name), or `lib` for shared helpers.
    pub pack: String,
    /// Path shown to users, e.g. `rules/core/core.shift.overlap.rhai`.
    pub path: String,
    /// The script (or the manifest's TOML).
    pub source: String,
}

impl RuleFile {
    /// Whether this is a pack manifest (`pack.toml`) rather than a script.
    pub fn is_manifest(&self) -> bool {
        Path::new(&self.path).file_name().is_some_and(|n| n == crate::pack::MANIFEST_FILE)
    }
}

/// Every rule file available: the packs built into the binary, or a folder given with `--rules`.
#[derive(Clone, Debug)]
pub struct RuleLibrary {
    /// All files, sorted by path.
    pub files: Vec<RuleFile>,
}

impl RuleLibrary {
    /// The packs embedded at build time from the repository's `rules/` folder.
    pub fn embedded() -> RuleLibrary {
        let files = embedded::EMBEDDED
            .iter()
            .map(|(rel, src)| RuleFile {
                pack: rel.split('/').next().unwrap_or_default().to_string(),
                path: format!("rules/{rel}"),
                source: (*src).to_string(),
            })
            .collect();
        RuleLibrary { files }
    }

    /// Reads `<dir>/<pack>/*.rhai` and `<dir>/<pack>/pack.toml` (and `<dir>/lib/*.rhai`).
    pub fn from_dir(dir: &Path) -> Result<RuleLibrary, LoadError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| LoadError::Io { path, source }
        };
        let mut files = Vec::new();
        for pack in std::fs::read_dir(dir).map_err(io(dir))? {
            let pack = pack.map_err(io(dir))?.path();
            if !pack.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&pack).map_err(io(&pack))? {
                let p = entry.map_err(io(&pack))?.path();
                let manifest = p.file_name().is_some_and(|n| n == crate::pack::MANIFEST_FILE);
                if manifest || p.extension().is_some_and(|x| x == "rhai") {
                    let source = std::fs::read_to_string(&p).map_err(io(&p))?;
                    let name = pack.file_name().unwrap_or_default().to_string_lossy().to_string();
                    files.push(RuleFile { pack: name, path: p.display().to_string(), source });
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(RuleLibrary { files })
    }

    /// The library cut down to one rule file: that file, its pack's manifest and `lib/` (to run one rule alone).
    pub fn only(&self, rule_path: &str) -> RuleLibrary {
        let pack = self.files.iter().find(|f| f.path == rule_path).map(|f| f.pack.as_str());
        let keep =
            |f: &RuleFile| f.pack == "lib" || f.path == rule_path || (Some(f.pack.as_str()) == pack && f.is_manifest());
        RuleLibrary { files: self.files.iter().filter(|f| keep(f)).cloned().collect() }
    }

    /// Names of the packs (folders other than `lib`).
    pub fn packs(&self) -> Vec<String> {
        let mut packs: Vec<String> = self.files.iter().filter(|f| f.pack != "lib").map(|f| f.pack.clone()).collect();
        packs.dedup();
        packs
    }
}

/// A compiled rule with its effective configuration.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Stable dotted id.
    pub id: String,
    /// The pack it belongs to.
    pub pack: String,
    /// One-line title.
    pub title: String,
    /// The `//!` documentation of the file.
    pub doc: String,
    /// The file.
    pub path: String,
    /// Severity declared by `meta()`.
    pub default_severity: Severity,
    /// Severity after configuration.
    pub severity: Severity,
    /// Whether the rule runs.
    pub enabled: bool,
    /// Whether a waiver may name it (`waivable` in `meta()`, default true). Rules the platform itself enforces
    /// declare `waivable: false`: a waiver could not make the platform accept the schedule.
    pub waivable: bool,
    /// Parameters declared by `meta()`, with their defaults.
    pub defaults: Map,
    /// What values each declared parameter takes.
    pub param_kinds: BTreeMap<String, ParamKind>,
    /// Effective parameters (defaults with overrides).
    pub params: Map,
    /// Hash of the script and its effective parameters, for reports.
    pub hash: String,
    pub(crate) ast: Arc<AST>,
    /// The id, shared with every finding's sink without allocating per call.
    pub(crate) shared_id: Arc<str>,
    /// 1-based line of `fn check`, for failures Rhai cannot place.
    pub(crate) check_line: Option<usize>,
    /// What `check` loops over, when that loop is all it does (agents with nothing to loop over are skipped).
    pub(crate) loop_source: Option<crate::loop_skip::LoopSource>,
    /// The lists a snapshot's source may lack that the rule reads anywhere (reports say it was not judged when
    /// the source lacks one).
    pub(crate) lacking_lists_read: Vec<shiftgate_model::Lack>,
}

impl Rule {
    /// The `Not waivable:` paragraph of the documentation, on one line: why no waiver may name the rule.
    pub fn not_waivable_because(&self) -> Option<String> {
        let paragraph = self.doc.split("\n\n").map(str::trim).find_map(|p| p.strip_prefix("Not waivable:"))?;
        Some(paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Whether `check` is a single loop over one of the agent's lists, so that agents with nothing in that list
    /// are not handed to the script at all (see `Checker::skip_empty_loops`).
    pub fn is_single_loop(&self) -> bool {
        self.loop_source.is_some()
    }
}

/// Rules ready to run.
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) limits: Limits,
    pub(crate) std: rhai::Shared<rhai::Module>,
    /// The configuration's waivers, with whether the rule each names runs.
    pub(crate) waivers: Vec<crate::waive::Configured>,
    pub(crate) packs: Vec<crate::PackManifest>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet").field("rules", &self.rules).finish_non_exhaustive()
    }
}

/// Why a rule set could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RuleSetError {
    /// A script or pack problem.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

fn location(path: &str, pos: rhai::Position) -> ScriptLocation {
    ScriptLocation { path: path.to_string(), line: pos.line(), column: pos.position() }
}

fn doc_of(source: &str) -> String {
    source
        .lines()
        .take_while(|l| l.trim_start().starts_with("//!") || l.trim().is_empty())
        .filter_map(|l| l.trim_start().strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn compile(engine: &Engine, file: &RuleFile) -> Result<AST, LoadError> {
    let mut ast = engine
        .compile(&file.source)
        .map_err(|e| LoadError::Compile { at: location(&file.path, e.1), message: e.0.to_string() })?;
    ast.set_source(file.path.as_str());
    if let Some(stmt) = ast.statements().first() {
        return Err(LoadError::TopLevelCode { at: location(&file.path, stmt.position()) });
    }
    Ok(ast)
}

impl RuleSet {
    /// Compiles the selected packs of a library and applies the configuration. `packs` overrides the config's
    /// `packs`; with neither, the `core` pack runs.
    pub fn load(
        library: &RuleLibrary,
        packs: &[String],
        config: &Config,
        limits: Limits,
    ) -> Result<RuleSet, RuleSetError> {
        with_script_stack(|| Self::load_here(library, packs, config, limits)).unwrap_or_else(|source| {
            Err(LoadError::Io { path: "(a thread to load the rules on)".into(), source }.into())
        })
    }

    fn load_here(
        library: &RuleLibrary,
        packs: &[String],
        config: &Config,
        limits: Limits,
    ) -> Result<RuleSet, RuleSetError> {
        let std = sandbox_package();
        let engine = build_engine(&limits, &std);
        let budget = RunBudget::start(&limits);
        let available = library.packs();
        let selected: Vec<String> = if !packs.is_empty() {
            packs.to_vec()
        } else {
            config.packs.clone().unwrap_or_else(|| vec!["core".to_string()])
        };
        for p in &selected {
            if !available.contains(p) {
                return Err(LoadError::UnknownPack { name: p.clone(), available: available.clone() }.into());
            }
        }
        let manifests = library.manifests()?;
        let mut lib = AST::empty();
        for file in library.files.iter().filter(|f| f.pack == "lib" && !f.is_manifest()) {
            lib = lib.merge(&compile(&engine, file)?);
        }
        // Every rule of every pack is compiled so that configuration naming a rule of an unselected pack is still
        // recognised, and ids stay unique across packs.
        let mut rules: Vec<Rule> = Vec::new();
        for file in library.files.iter().filter(|f| f.pack != "lib" && !f.is_manifest()) {
            let own = compile(&engine, file)?;
            let prefix = manifests.get(&file.pack).map_or(file.pack.as_str(), |m| m.prefix.as_str());
            let rule = read_meta(&engine, &budget, file, prefix, lib.merge(&own))?;
            if let Some((param, pos)) = crate::params_scan::first_undeclared(&own, &rule.defaults) {
                let declared = rule.defaults.keys().map(|k| k.to_string()).collect();
                return Err(LoadError::UndeclaredParam { at: location(&file.path, pos), param, declared }.into());
            }
            if let Some(first) = rules.iter().find(|r| r.id == rule.id) {
                return Err(LoadError::DuplicateId {
                    id: rule.id,
                    first: first.path.clone(),
                    second: file.path.clone(),
                }
                .into());
            }
            rules.push(rule);
        }
        // Every problem of the configuration at once, so a site fixes its file in one pass.
        let mut problems = Vec::new();
        for (id, rc) in &config.rules {
            match rules.iter_mut().find(|r| &r.id == id) {
                Some(rule) => problems.extend(configure(rule, rc, &config.path)),
                None => problems.push(ConfigError::UnknownRule { file: config.path.clone(), rule: id.clone() }),
            }
        }
        let waivers = crate::waiver::validate(config, &rules, &mut problems);
        if let Some(first) = ConfigError::all(problems) {
            return Err(first.into());
        }
        let ran = |r: &Rule| selected.contains(&r.pack) && r.enabled;
        let waivers = waivers
            .into_iter()
            .map(|w| {
                let runs = rules.iter().any(|r| r.id == w.rule && ran(r));
                crate::waive::Configured { waiver: w, rule_runs: runs }
            })
            .collect();
        rules.retain(|r| selected.contains(&r.pack));
        for r in &mut rules {
            let mut h = Sha256::new();
            h.update(library.files.iter().find(|f| f.path == r.path).map(|f| f.source.as_bytes()).unwrap_or_default());
            for (k, v) in &r.params {
                h.update(format!("{k}={v};").as_bytes());
            }
            r.hash = hex(&h.finalize()[..6]);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let packs = manifests.into_values().filter(|m| selected.contains(&m.name)).collect();
        Ok(RuleSet { rules, limits, std, waivers, packs })
    }

    /// The waivers of the configuration, validated, in the order they are written.
    pub fn waivers(&self) -> Vec<&crate::Waiver> {
        self.waivers.iter().map(|c| &c.waiver).collect()
    }

    /// The manifests of the selected packs (declared, or implied by a folder without one), by name.
    pub fn packs(&self) -> &[crate::PackManifest] {
        &self.packs
    }

    /// The selected rules, sorted by id (disabled ones included, with `enabled == false`).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// Applies one `[rules."id"]` table: severity, enablement, and parameters checked against their declarations.
/// Returns what does not fit.
fn configure(rule: &mut Rule, rc: &crate::config::RuleConfig, file: &str) -> Vec<ConfigError> {
    let mut problems = Vec::new();
    if let Some(s) = rc.severity {
        rule.severity = s;
    }
    if let Some(e) = rc.enabled {
        rule.enabled = e;
    }
    for (name, value) in &rc.params {
        let Some(kind) = rule.param_kinds.get(name) else {
            problems.push(ConfigError::UnknownParam {
                file: file.to_string(),
                rule: rule.id.clone(),
                param: name.clone(),
                declared: rule.param_kinds.keys().cloned().collect(),
            });
            continue;
        };
        match kind.accept(&Given::from_toml(value)) {
            Some(v) => {
                rule.params.insert(name.as_str().into(), v);
            }
            None => problems.push(ConfigError::BadValue {
                file: file.to_string(),
                rule: rule.id.clone(),
                param: name.clone(),
                allowed: kind.to_string(),
                got: value.to_string(),
            }),
        }
    }
    problems
}

fn read_meta(engine: &Engine, budget: &RunBudget, file: &RuleFile, prefix: &str, ast: AST) -> Result<Rule, LoadError> {
    let at = || location(&file.path, rhai::Position::NONE);
    let has = |name: &str, arity: usize| ast.iter_functions().any(|f| f.name == name && f.params.len() == arity);
    if !has("meta", 0) {
        return Err(LoadError::MissingFunction { at: at(), signature: "fn meta()" });
    }
    if !has("check", 2) {
        return Err(LoadError::MissingFunction { at: at(), signature: "fn check(agent, params)" });
    }
    let mut scope = Scope::new();
    let meta: Dynamic = budget
        .call(|| engine.call_fn_with_options(CallFnOptions::new().eval_ast(false), &mut scope, &ast, "meta", ()))
        .map_err(|e| LoadError::BadMeta {
            at: location(&file.path, e.position()),
            message: crate::sandbox::stopped(&e, budget.limits()).unwrap_or_else(|| e.to_string()),
        })?;
    let bad = |message: String| LoadError::BadMeta { at: at(), message };
    let map = meta.try_cast::<Map>().ok_or_else(|| bad("must return a map #{ id, title, severity, params }".into()))?;
    let text = |key: &str| -> Result<String, LoadError> {
        map.get(key)
            .and_then(|v| v.clone().into_immutable_string().ok())
            .map(|s| s.to_string())
            .ok_or_else(|| bad(format!("`{key}` must be a string")))
    };
    let id = text("id")?;
    if !id.starts_with(&format!("{prefix}.")) {
        return Err(bad(format!(
            "id {id:?} must start with \"{prefix}.\" (the id prefix of pack {:?}, from its {})",
            file.pack,
            crate::pack::MANIFEST_FILE
        )));
    }
    let title = text("title")?;
    let sev = text("severity")?;
    let severity =
        Severity::parse(&sev).ok_or_else(|| bad(format!("severity must be error, warning or info, got {sev:?}")))?;
    let declared = match map.get("params") {
        None => Map::new(),
        Some(p) => {
            p.clone().try_cast::<Map>().ok_or_else(|| bad("`params` must be a map of parameter declarations".into()))?
        }
    };
    let mut defaults = Map::new();
    let mut param_kinds = BTreeMap::new();
    for (name, value) in &declared {
        let (kind, default) =
            declare(value).map_err(|message| LoadError::BadParam { at: at(), param: name.to_string(), message })?;
        defaults.insert(name.clone(), default);
        param_kinds.insert(name.to_string(), kind);
    }
    for key in map.keys() {
        if !["id", "title", "severity", "params", "waivable"].contains(&key.as_str()) {
            return Err(bad(format!("unknown key `{key}` (allowed: id, title, severity, params, waivable)")));
        }
    }
    let waivable = match map.get("waivable") {
        None => true,
        Some(v) => v.as_bool().map_err(|_| {
            bad(format!("`waivable` must be true or false, got {v}: false means no waiver may name this rule"))
        })?,
    };
    Ok(Rule {
        id: id.clone(),
        pack: file.pack.clone(),
        title,
        doc: doc_of(&file.source),
        path: file.path.clone(),
        default_severity: severity,
        severity,
        enabled: true,
        waivable,
        params: defaults.clone(),
        defaults,
        param_kinds,
        hash: String::new(),
        loop_source: crate::loop_skip::single_loop(&ast),
        lacking_lists_read: crate::list_reads::lacking_lists_read(&ast),
        ast: Arc::new(ast),
        shared_id: Arc::from(id.as_str()),
        check_line: file.source.lines().position(|l| l.trim_start().starts_with("fn check")).map(|i| i + 1),
    })
}

/// Effective parameters of agents that override some (agent `params` keyed `<rule id>.<param>`), checked once
/// per run against the rules' declarations.
#[derive(Default)]
pub(crate) struct AgentOverrides {
    /// (agent index, rule index in the rule set) -> that agent's effective parameters for that rule.
    by_agent_rule: std::collections::HashMap<(usize, usize), Map>,
}

impl AgentOverrides {
    /// Reads every agent's `params` that name one of the enabled `rules` (`<rule id>.<param>`). An undeclared
    /// parameter or a value outside its declaration is an input error naming the agent and the JSON path.
    pub(crate) fn read(rules: &[Rule], agents: &[shiftgate_model::Agent]) -> Result<AgentOverrides, RunError> {
        let mut out = AgentOverrides::default();
        for (a, agent) in agents.iter().enumerate() {
            for (key, value) in &agent.params {
                let Some((r, rule)) = rules.iter().enumerate().find(|(_, r)| {
                    r.enabled && key.strip_prefix(r.id.as_str()).is_some_and(|rest| rest.starts_with('.'))
                }) else {
                    continue;
                };
                let name = &key[rule.id.len() + 1..];
                let fail = |message: String| RunError {
                    kind: RunErrorKind::AgentParam,
                    rule: rule.id.clone(),
                    at: ScriptLocation { path: format!("agents[{a}].params.{key:?}"), line: None, column: None },
                    agent: agent.id.to_string(),
                    message,
                };
                let Some(kind) = rule.param_kinds.get(name) else {
                    let declared: Vec<&str> = rule.param_kinds.keys().map(String::as_str).collect();
                    return Err(fail(format!(
                        "rule {} declares no parameter {name:?} (declared: {})",
                        rule.id,
                        if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
                    )));
                };
                let v = kind
                    .accept(&Given::from_json(value))
                    .ok_or_else(|| fail(format!("per-agent parameter must be {kind}, got {value}")))?;
                out.by_agent_rule.entry((a, r)).or_insert_with(|| rule.params.clone()).insert(name.into(), v);
            }
        }
        Ok(out)
    }

    /// The agent's own parameters for a rule, if it overrides any.
    pub(crate) fn get(&self, agent: usize, rule: usize) -> Option<&Map> {
        if self.by_agent_rule.is_empty() {
            return None;
        }
        self.by_agent_rule.get(&(agent, rule))
    }
}
