//! Running rules over agents in parallel, with deterministic output.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, EvalAltResult, Scope};
use shiftgate_model::{apply_trades, AgentIx, Roster, Snapshot};

use crate::engine::build_engine;
use crate::error::{RunError, ScriptLocation};
use crate::finding::Finding;
use crate::handles::AgentHandle;
use crate::report::Report;
use crate::rule::{agent_params, RuleSet};
use crate::subject::{Sink, SINK};
use crate::timeline::{agent_facts, World};

/// Runs a rule set over snapshots.
pub struct Checker {
    rules: RuleSet,
    pool: Option<rayon::ThreadPool>,
    skip_empty_loops: bool,
    /// One engine per worker thread, by thread index, built on first use and kept between runs: rayon splits a
    /// run into many more jobs than threads, and building an engine costs about 0.15 ms.
    engines: Vec<Mutex<Option<(rhai::Engine, Scope<'static>)>>>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").field("rules", &self.rules).finish_non_exhaustive()
    }
}

impl Checker {
    /// A checker over `jobs` worker threads (`None`: one per core).
    pub fn new(rules: RuleSet, jobs: Option<usize>) -> Checker {
        let pool = jobs.and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build().ok());
        let threads = pool.as_ref().map_or_else(rayon::current_num_threads, rayon::ThreadPool::current_num_threads);
        let engines = (0..threads).map(|_| Mutex::new(None)).collect();
        Checker { rules, pool, skip_empty_loops: true, engines }
    }

    /// Whether to skip a rule for an agent when the rule's `check` is a single loop over a list that is empty for
    /// that agent (on by default; the report is the same either way, which the tests show by turning it off).
    pub fn skip_empty_loops(mut self, skip: bool) -> Checker {
        self.skip_empty_loops = skip;
        self
    }

    /// The rules it runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Applies the snapshot's approved trades and checks every agent.
    pub fn check(&self, snapshot: Arc<Snapshot>, as_of: DateTime<Utc>) -> Result<Report, RunError> {
        let roster = Arc::new(apply_trades(&snapshot));
        self.check_roster(snapshot, roster, as_of)
    }

    /// Checks every agent of an already-traded roster (the publisher passes one with some trades excluded).
    pub fn check_roster(
        &self,
        snapshot: Arc<Snapshot>,
        roster: Arc<Roster>,
        as_of: DateTime<Utc>,
    ) -> Result<Report, RunError> {
        let enabled: Vec<_> = self.rules.rules.iter().filter(|r| r.enabled).cloned().collect();
        if let Some((i, key, problem)) = crate::rule::check_agent_params(&enabled, &snapshot.agents) {
            let agent = snapshot.agents[i].id.to_string();
            return Err(RunError {
                rule: key.rsplit_once('.').map(|(r, _)| r.to_string()).unwrap_or_default(),
                at: ScriptLocation { path: format!("agents[{i}].params.{key:?}"), line: None, column: None },
                agent,
                message: format!("per-agent parameter {problem}"),
            });
        }
        let world = Arc::new(World::new(snapshot.clone(), roster, as_of));
        let run = || self.run_all(&world);
        let per_agent = match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        };
        let mut findings = Vec::new();
        for result in per_agent {
            findings.extend(result?);
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Ok(Report::new(&snapshot, as_of, &self.rules, findings))
    }

    fn run_all(&self, world: &Arc<World>) -> Vec<Result<Vec<Finding>, RunError>> {
        let n = world.snapshot.agents.len();
        let new_engine = || (build_engine(&self.rules.limits, &self.rules.std), Scope::new());
        (0..n)
            .into_par_iter()
            .with_min_len(16)
            .map(|a| {
                let agent = AgentIx(a as u32);
                // Only this thread takes its slot (nothing inside a rule runs on the pool), so the lock never waits.
                match rayon::current_thread_index().and_then(|i| self.engines.get(i)) {
                    Some(slot) => {
                        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                        let (engine, scope) = slot.get_or_insert_with(new_engine);
                        self.run_agent(engine, scope, world, agent)
                    }
                    None => {
                        let (engine, mut scope) = new_engine();
                        self.run_agent(&engine, &mut scope, world, agent)
                    }
                }
            })
            .collect()
    }

    fn run_agent(
        &self,
        engine: &rhai::Engine,
        scope: &mut Scope<'static>,
        world: &Arc<World>,
        agent: AgentIx,
    ) -> Result<Vec<Finding>, RunError> {
        let facts = Arc::new(agent_facts(world, agent));
        let agent_value = Dynamic::from(AgentHandle(facts.clone()));
        let own_params = &world.snapshot.agent(agent).params;
        let mut findings = Vec::new();
        for rule in self.rules.rules.iter().filter(|r| r.enabled) {
            let own = agent_params(rule, own_params);
            if let Some(source) = rule.loop_source.as_ref().filter(|_| self.skip_empty_loops) {
                if source.is_empty(&facts, own.as_ref().unwrap_or(&rule.params)) {
                    continue;
                }
            }
            SINK.with(|s| {
                *s.borrow_mut() = Some(Sink {
                    rule: rule.shared_id.clone(),
                    severity: rule.severity,
                    agent: facts.clone(),
                    findings: Vec::new(),
                })
            });
            let params = own.unwrap_or_else(|| rule.params.clone());
            let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
            let result = engine.call_fn_with_options::<Dynamic>(
                options,
                scope,
                &rule.ast,
                "check",
                (agent_value.clone(), params),
            );
            let sink = SINK.with(|s| s.borrow_mut().take());
            if let Err(err) = result {
                let mut failure = run_error(&rule.id, &rule.path, world.snapshot.agent(agent).id.as_str(), &err);
                if failure.at.line.is_none() && failure.at.path == rule.path {
                    // Rhai sometimes has no position (e.g. a loop the optimizer emptied): point at `fn check`.
                    failure.at.line = rule.check_line;
                    failure.at.column = rule.check_line.map(|_| 1);
                }
                return Err(failure);
            }
            findings.extend(sink.map(|s| s.findings).unwrap_or_default());
        }
        Ok(findings)
    }
}

/// Digs through nested function-call errors to the innermost one, keeping the innermost file name.
fn run_error(rule: &str, path: &str, agent: &str, err: &EvalAltResult) -> RunError {
    let mut source = path.to_string();
    let mut e = err;
    while let EvalAltResult::ErrorInFunctionCall(_, src, inner, _) = e {
        if !src.is_empty() {
            source = src.clone();
        }
        e = inner;
    }
    let pos = e.position();
    let message = match e {
        EvalAltResult::ErrorTooManyOperations(_) => {
            "exceeded the operation limit (a runaway loop?); the rule was stopped".to_string()
        }
        EvalAltResult::ErrorRuntime(v, _) => format!("script threw: {v}"),
        // Maps in rule scripts are almost always `params` (read through another variable, which the load-time scan
        // cannot follow), so name the likely cause.
        EvalAltResult::ErrorPropertyNotFound(name, _) => {
            format!("property `{name}` not found; if it is a parameter, it is an undeclared parameter: declare it with a default in meta() params")
        }
        other => other.to_string().split(" (line ").next().unwrap_or_default().to_string(),
    };
    RunError {
        rule: rule.to_string(),
        at: ScriptLocation { path: source, line: pos.line(), column: pos.position() },
        agent: agent.to_string(),
        message,
    }
}
