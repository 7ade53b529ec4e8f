//! Running rules over agents in parallel, with deterministic output.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rhai::{CallFnOptions, Dynamic, EvalAltResult, Scope};
use shiftgate_model::{apply_trades, AgentIx, Roster, Snapshot};

use crate::engine::build_engine;
use crate::error::{RunError, RunErrorKind, ScriptLocation};
use crate::finding::Finding;
use crate::handles::AgentHandle;
use crate::report::Report;
use crate::rule::{AgentOverrides, RuleSet};
use crate::sandbox::{Limits, RunBudget, Stop, SCRIPT_STACK};
use crate::subject::{Sink, SINK};
use crate::timeline::{agent_facts, World};

/// What one run shares between its workers: the agents' own parameters, the time budget, the report's size.
struct RunState {
    world: Arc<World>,
    overrides: AgentOverrides,
    budget: RunBudget,
    report_bytes: AtomicUsize,
}

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
        // Its own threads, with the stack scripts need (`SCRIPT_STACK`); rayon's global pool is the fallback.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.map_or(0, |n| n.max(1)))
            .stack_size(SCRIPT_STACK)
            .thread_name(|i| format!("shiftgate-check-{i}"))
            .build()
            .ok();
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
        let run = self.run_state(snapshot.clone(), roster, as_of)?;
        let run_all = || self.run_all(&run);
        let per_agent = match &self.pool {
            Some(pool) => pool.install(run_all),
            None => run_all(),
        };
        let mut findings = Vec::new();
        for result in per_agent {
            findings.extend(result?);
        }
        Ok(self.report(&snapshot, as_of, findings))
    }

    fn run_state(
        &self,
        snapshot: Arc<Snapshot>,
        roster: Arc<Roster>,
        as_of: DateTime<Utc>,
    ) -> Result<RunState, RunError> {
        let overrides = AgentOverrides::read(&self.rules.rules, &snapshot.agents)?;
        Ok(RunState {
            world: Arc::new(World::new(snapshot, roster, as_of)),
            overrides,
            budget: RunBudget::start(&self.rules.limits),
            report_bytes: AtomicUsize::new(0),
        })
    }

    /// The report of a run's findings: sorted, waived, counted.
    fn report(&self, snapshot: &Snapshot, as_of: DateTime<Utc>, mut findings: Vec<Finding>) -> Report {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let waivers = crate::waive::apply(&self.rules.waivers, snapshot, as_of, &mut findings);
        Report::new(snapshot, as_of, &self.rules, findings, waivers)
    }

    /// [`Checker::check_roster`] that runs the rules only for `agents`, and takes every other agent's findings
    /// from `earlier`: the report of this checker on a snapshot whose other agents' weeks, shared parts (business
    /// unit, schedule, codes) and `as_of` equal these (the caller's to know; the publisher checks it). Findings
    /// are per agent, so the report equals a full check's; waivers are applied again to the whole list, as a full
    /// check applies them.
    pub fn check_roster_reusing(
        &self,
        snapshot: Arc<Snapshot>,
        roster: Arc<Roster>,
        as_of: DateTime<Utc>,
        earlier: &Report,
        agents: &std::collections::BTreeSet<String>,
    ) -> Result<Report, RunError> {
        let run = self.run_state(snapshot.clone(), roster, as_of)?;
        let only: Vec<usize> =
            (0..snapshot.agents.len()).filter(|&a| agents.contains(snapshot.agents[a].id.as_str())).collect();
        let run_some = || self.run_agents(&run, &only);
        let per_agent = match &self.pool {
            Some(pool) => pool.install(run_some),
            None => run_some(),
        };
        let mut findings: Vec<Finding> = earlier
            .findings
            .iter()
            .filter(|f| !agents.contains(f.agent_id.as_str()))
            .map(|f| Finding { waiver: None, ..f.clone() })
            .collect();
        for result in per_agent {
            findings.extend(result?);
        }
        Ok(self.report(&snapshot, as_of, findings))
    }

    fn run_all(&self, run: &RunState) -> Vec<Result<Vec<Finding>, RunError>> {
        let all: Vec<usize> = (0..run.world.snapshot.agents.len()).collect();
        self.run_agents(run, &all)
    }

    /// Runs every rule for the agents at these indexes, in their order.
    fn run_agents(&self, run: &RunState, agents: &[usize]) -> Vec<Result<Vec<Finding>, RunError>> {
        let new_engine = || (build_engine(&self.rules.limits, &self.rules.std), Scope::new());
        agents
            .par_iter()
            .copied()
            .with_min_len(16)
            .map(|a| {
                let agent = AgentIx(a as u32);
                // Only this thread takes its slot (nothing inside a rule runs on the pool), so the lock never waits.
                match rayon::current_thread_index().and_then(|i| self.engines.get(i)) {
                    Some(slot) => {
                        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                        let (engine, scope) = slot.get_or_insert_with(new_engine);
                        run.budget.for_agent(a, || self.run_agent(engine, scope, run, agent))
                    }
                    None => {
                        let (engine, mut scope) = new_engine();
                        run.budget.for_agent(a, || self.run_agent(&engine, &mut scope, run, agent))
                    }
                }
            })
            .collect()
    }

    fn run_agent(
        &self,
        engine: &rhai::Engine,
        scope: &mut Scope<'static>,
        run: &RunState,
        agent: AgentIx,
    ) -> Result<Vec<Finding>, RunError> {
        let world = &run.world;
        let index = agent.0 as usize;
        if run.budget.cancelled(index) {
            return Ok(Vec::new());
        }
        let facts = Arc::new(agent_facts(world, agent));
        let agent_value = Dynamic::from(AgentHandle(facts.clone()));
        let agent_id = || world.snapshot.agent(agent).id.to_string();
        let mut findings = Vec::new();
        for (r, rule) in self.rules.rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            if run.budget.cancelled(index) {
                // An earlier agent's failure is what the run reports; this agent's findings are not needed.
                return Ok(Vec::new());
            }
            let own = run.overrides.get(index, r);
            if let Some(source) = rule.loop_source.as_ref().filter(|_| self.skip_empty_loops) {
                if source.is_empty(&facts, own.unwrap_or(&rule.params)) {
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
            let params = own.cloned().unwrap_or_else(|| rule.params.clone());
            let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
            let result = run.budget.call(|| {
                engine.call_fn_with_options::<Dynamic>(
                    options,
                    scope,
                    &rule.ast,
                    "check",
                    (agent_value.clone(), params),
                )
            });
            let sink = SINK.with(|s| s.borrow_mut().take());
            if let Err(err) = result {
                if is_cancelled(&err) {
                    return Ok(Vec::new());
                }
                run.budget.failed(index);
                let limits = &self.rules.limits;
                let mut failure = run_error(&rule.id, &rule.path, &agent_id(), &err, limits);
                if failure.at.line.is_none() && failure.at.path == rule.path {
                    // Rhai sometimes has no position (e.g. a loop the optimizer emptied): point at `fn check`.
                    failure.at.line = rule.check_line;
                    failure.at.column = rule.check_line.map(|_| 1);
                }
                return Err(failure);
            }
            let new = sink.map(|s| s.findings).unwrap_or_default();
            self.count_report_bytes(run, &new, rule, index, &agent_id)?;
            findings.extend(new);
        }
        Ok(findings)
    }

    /// Adds a call's findings to the run's report size; past the cap the run fails, naming the rule that crossed it.
    fn count_report_bytes(
        &self,
        run: &RunState,
        new: &[Finding],
        rule: &crate::Rule,
        agent_index: usize,
        agent_id: &dyn Fn() -> String,
    ) -> Result<(), RunError> {
        if new.is_empty() {
            return Ok(());
        }
        let bytes: usize = new.iter().map(finding_bytes).sum();
        let max = self.rules.limits.max_report_bytes;
        if run.report_bytes.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes) > max {
            run.budget.failed(agent_index);
            return Err(RunError {
                kind: RunErrorKind::Limit,
                rule: rule.id.clone(),
                at: ScriptLocation {
                    path: rule.path.clone(),
                    line: rule.check_line,
                    column: rule.check_line.map(|_| 1),
                },
                agent: agent_id(),
                message: format!(
                    "the run's findings grew past {} (the cap on one run's report); the rule was stopped",
                    crate::sandbox::size(max)
                ),
            });
        }
        Ok(())
    }
}

/// Whether the sandbox stopped a call because an earlier agent failed.
fn is_cancelled(err: &EvalAltResult) -> bool {
    let mut e = err;
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = e {
        e = inner;
    }
    matches!(e, EvalAltResult::ErrorTerminated(token, _) if Stop::of(token) == Some(Stop::Cancelled))
}

/// What a finding costs in memory, roughly: its texts plus a fixed part.
fn finding_bytes(f: &Finding) -> usize {
    let refs: usize = f.refs.iter().map(|(k, ids)| k.len() + ids.iter().map(String::len).sum::<usize>()).sum();
    256 + f.message.len() + f.cause.iter().map(String::len).sum::<usize>() + refs
}

/// Digs through nested function-call errors to the innermost one, keeping the innermost file name.
fn run_error(rule: &str, path: &str, agent: &str, err: &EvalAltResult, limits: &Limits) -> RunError {
    let mut source = path.to_string();
    let mut e = err;
    while let EvalAltResult::ErrorInFunctionCall(_, src, inner, _) = e {
        if !src.is_empty() {
            source = src.clone();
        }
        e = inner;
    }
    let mut pos = e.position();
    let (kind, message) = match e {
        EvalAltResult::ErrorTerminated(token, _) => match Stop::of(token) {
            Some(stop) => {
                if let Stop::Cap { source: src, at, .. } = &stop {
                    pos = *at;
                    if let Some(src) = src.as_ref().filter(|s| !s.is_empty()) {
                        source.clone_from(src);
                    }
                }
                (RunErrorKind::Limit, stop.describe(limits))
            }
            None => (RunErrorKind::Limit, "stopped by the sandbox".to_string()),
        },
        EvalAltResult::ErrorDataTooLarge(what, _) => (
            RunErrorKind::Limit,
            format!(
                "{what} over the sandbox limit (strings {} bytes, arrays {} items, maps {} entries); the rule was stopped",
                limits.max_string_size, limits.max_array_size, limits.max_map_size
            ),
        ),
        EvalAltResult::ErrorTooManyVariables(_) => (
            RunErrorKind::Limit,
            format!("more than {} variables at once; the rule was stopped", limits.max_variables),
        ),
        EvalAltResult::ErrorStackOverflow(_) => (
            RunErrorKind::Limit,
            format!("calls nested deeper than {}; the rule was stopped", limits.max_call_levels),
        ),
        EvalAltResult::ErrorRuntime(v, _) => (RunErrorKind::Script, format!("script threw: {v}")),
        // Maps in rule scripts are almost always `params` (read through another variable, which the load-time scan
        // cannot follow), so name the likely cause.
        EvalAltResult::ErrorPropertyNotFound(name, _) => (
            RunErrorKind::Script,
            format!("property `{name}` not found; if it is a parameter, it is an undeclared parameter: declare it with a default in meta() params"),
        ),
        other => (RunErrorKind::Script, other.to_string().split(" (line ").next().unwrap_or_default().to_string()),
    };
    RunError {
        kind,
        rule: rule.to_string(),
        at: ScriptLocation { path: source, line: pos.line(), column: pos.position() },
        agent: agent.to_string(),
        message,
    }
}
