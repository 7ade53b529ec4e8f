//! Rule files: finding them, compiling them once, reading and validating `meta()`, applying configuration.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rhai::{CallFnOptions, Dynamic, Engine, Map, Scope, AST};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::engine::{build_engine, standard_package, Limits};
use crate::error::{ConfigError, LoadError, ScriptLocation};
use crate::finding::{hex, Severity};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// One `.rhai` file of a rules folder.
#[derive(Clone, Debug)]
pub struct RuleFile {
    /// The pack (folder name), or `lib` for shared helpers.
    pub pack: String,
    /// Path shown to users, e.g. `rules/core/shift-overlap.rhai`.
    pub path: String,
    /// The script.
    pub source: String,
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

    /// Reads `<dir>/<pack>/*.rhai` (and `<dir>/lib/*.rhai`).
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
                if p.extension().is_some_and(|x| x == "rhai") {
                    let source = std::fs::read_to_string(&p).map_err(io(&p))?;
                    let name = pack.file_name().unwrap_or_default().to_string_lossy().to_string();
                    files.push(RuleFile { pack: name, path: p.display().to_string(), source });
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(RuleLibrary { files })
    }

    /// Names of the packs (folders other than `lib`).
    pub fn packs(&self) -> Vec<String> {
        let mut packs: Vec<String> = self.files.iter().filter(|f| f.pack != "lib").map(|f| f.pack.clone()).collect();
        packs.dedup();
        packs
    }
}

/// The id prefix a pack's rules must use.
pub fn pack_prefix(pack: &str) -> &str {
    match pack {
        "us-flsa" => "flsa",
        "illinois" => "il",
        "chicago-fww" => "chi",
        "california" => "ca",
        "eu-wtd" => "eu",
        other => other,
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
    /// Parameters declared by `meta()`, with their defaults.
    pub defaults: Map,
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
}

impl Rule {
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
        let std = standard_package();
        let engine = build_engine(&limits, &std);
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
        let mut lib = AST::empty();
        for file in library.files.iter().filter(|f| f.pack == "lib") {
            lib = lib.merge(&compile(&engine, file)?);
        }
        // Every rule of every pack is compiled so that configuration naming a rule of an unselected pack is still
        // recognised, and ids stay unique across packs.
        let mut rules: Vec<Rule> = Vec::new();
        for file in library.files.iter().filter(|f| f.pack != "lib") {
            let own = compile(&engine, file)?;
            let rule = read_meta(&engine, file, lib.merge(&own))?;
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
        for (id, rc) in &config.rules {
            let rule =
                rules.iter_mut().find(|r| &r.id == id).ok_or_else(|| ConfigError::UnknownRule { rule: id.clone() })?;
            if let Some(s) = rc.severity {
                rule.severity = s;
            }
            if let Some(e) = rc.enabled {
                rule.enabled = e;
            }
            for (name, value) in &rc.params {
                let default = rule.defaults.get(name.as_str()).ok_or_else(|| ConfigError::UnknownParam {
                    rule: id.clone(),
                    param: name.clone(),
                    declared: rule.defaults.keys().map(|k| k.to_string()).collect(),
                })?;
                let v = toml_to_dynamic(value, default).ok_or_else(|| ConfigError::BadValue {
                    rule: id.clone(),
                    param: name.clone(),
                    expected: default.type_name().to_string(),
                    got: value.type_str().to_string(),
                })?;
                rule.params.insert(name.as_str().into(), v);
            }
        }
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
        Ok(RuleSet { rules, limits, std })
    }

    /// The selected rules, sorted by id (disabled ones included, with `enabled == false`).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

fn read_meta(engine: &Engine, file: &RuleFile, ast: AST) -> Result<Rule, LoadError> {
    let at = || location(&file.path, rhai::Position::NONE);
    let has = |name: &str, arity: usize| ast.iter_functions().any(|f| f.name == name && f.params.len() == arity);
    if !has("meta", 0) {
        return Err(LoadError::MissingFunction { at: at(), signature: "fn meta()" });
    }
    if !has("check", 2) {
        return Err(LoadError::MissingFunction { at: at(), signature: "fn check(agent, params)" });
    }
    let mut scope = Scope::new();
    let meta: Dynamic = engine
        .call_fn_with_options(CallFnOptions::new().eval_ast(false), &mut scope, &ast, "meta", ())
        .map_err(|e| LoadError::BadMeta { at: location(&file.path, e.position()), message: e.to_string() })?;
    let bad = |message: String| LoadError::BadMeta { at: at(), message };
    let map = meta.try_cast::<Map>().ok_or_else(|| bad("must return a map #{ id, title, severity, params }".into()))?;
    let text = |key: &str| -> Result<String, LoadError> {
        map.get(key)
            .and_then(|v| v.clone().into_immutable_string().ok())
            .map(|s| s.to_string())
            .ok_or_else(|| bad(format!("`{key}` must be a string")))
    };
    let id = text("id")?;
    let prefix = pack_prefix(&file.pack);
    if !id.starts_with(&format!("{prefix}.")) {
        return Err(bad(format!("id {id:?} must start with \"{prefix}.\" (the id prefix of pack {:?})", file.pack)));
    }
    let title = text("title")?;
    let sev = text("severity")?;
    let severity =
        Severity::parse(&sev).ok_or_else(|| bad(format!("severity must be error, warning or info, got {sev:?}")))?;
    let defaults = match map.get("params") {
        None => Map::new(),
        Some(p) => {
            p.clone().try_cast::<Map>().ok_or_else(|| bad("`params` must be a map of parameter defaults".into()))?
        }
    };
    for key in map.keys() {
        if !["id", "title", "severity", "params"].contains(&key.as_str()) {
            return Err(bad(format!("unknown key `{key}` (allowed: id, title, severity, params)")));
        }
    }
    Ok(Rule {
        id: id.clone(),
        pack: file.pack.clone(),
        title,
        doc: doc_of(&file.source),
        path: file.path.clone(),
        default_severity: severity,
        severity,
        enabled: true,
        params: defaults.clone(),
        defaults,
        hash: String::new(),
        loop_source: crate::loop_skip::single_loop(&ast),
        ast: Arc::new(ast),
        shared_id: Arc::from(id.as_str()),
        check_line: file.source.lines().position(|l| l.trim_start().starts_with("fn check")).map(|i| i + 1),
    })
}

fn toml_to_dynamic(v: &toml::Value, like: &Dynamic) -> Option<Dynamic> {
    Some(match v {
        toml::Value::Integer(i) if like.is_int() => Dynamic::from(*i),
        toml::Value::Integer(i) if like.is_float() => Dynamic::from(*i as f64),
        toml::Value::Float(f) if like.is_float() => Dynamic::from(*f),
        toml::Value::Boolean(b) if like.is_bool() => Dynamic::from(*b),
        toml::Value::String(s) if like.is_string() => Dynamic::from(rhai::ImmutableString::from(s.as_str())),
        toml::Value::Array(a) if like.is_array() => {
            Dynamic::from(a.iter().map(toml_plain).collect::<Option<rhai::Array>>()?)
        }
        _ => return None,
    })
}

fn toml_plain(v: &toml::Value) -> Option<Dynamic> {
    Some(match v {
        toml::Value::Integer(i) => Dynamic::from(*i),
        toml::Value::Float(f) => Dynamic::from(*f),
        toml::Value::Boolean(b) => Dynamic::from(*b),
        toml::Value::String(s) => Dynamic::from(rhai::ImmutableString::from(s.as_str())),
        _ => return None,
    })
}

/// Per-agent parameter overrides: agent `params` keyed `<rule id>.<param>`.
pub(crate) fn agent_params(rule: &Rule, agent: &BTreeMap<String, serde_json::Value>) -> Option<Map> {
    if agent.is_empty() {
        return None;
    }
    let mut params = rule.params.clone();
    let mut changed = false;
    for (k, v) in agent {
        if let Some(name) = k.strip_prefix(rule.id.as_str()).and_then(|r| r.strip_prefix('.')) {
            if rule.defaults.contains_key(name) {
                params.insert(name.into(), crate::engine::json_to_dynamic(v));
                changed = true;
            }
        }
    }
    changed.then_some(params)
}

/// Checks every agent's `params` that name a selected rule (`<rule id>.<param>`): the parameter must be declared
/// and have its default's type. Returns (agent index, key, problem) for the first offender.
pub(crate) fn check_agent_params(rules: &[Rule], agents: &[shiftgate_model::Agent]) -> Option<(usize, String, String)> {
    for (i, agent) in agents.iter().enumerate() {
        for (key, value) in &agent.params {
            let Some(rule) =
                rules.iter().find(|r| key.strip_prefix(r.id.as_str()).is_some_and(|rest| rest.starts_with('.')))
            else {
                continue;
            };
            let name = &key[rule.id.len() + 1..];
            let Some(default) = rule.defaults.get(name) else {
                let declared: Vec<String> = rule.defaults.keys().map(|k| k.to_string()).collect();
                return Some((
                    i,
                    key.clone(),
                    format!("rule {} declares no parameter {name:?} (declared: {})", rule.id, declared.join(", ")),
                ));
            };
            let given = crate::engine::json_to_dynamic(value);
            let fits = given.type_id() == default.type_id() || (default.is_float() && given.is_int());
            if !fits {
                let kind = match default.type_name() {
                    "i64" => "an integer",
                    "f64" => "a number",
                    "bool" => "true or false",
                    "string" | "ImmutableString" => "a string",
                    other => other,
                };
                return Some((
                    i,
                    key.clone(),
                    format!("must be {kind} like the rule's default {default}, got {value}"),
                ));
            }
        }
    }
    None
}
