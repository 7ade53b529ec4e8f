//! The sandbox a rule script runs in: which parts of Rhai it gets, how large a value it may build, and what one
//! call and one run may spend.
//!
//! Scripts get the language, arithmetic, strings, arrays, maps and function pointers; not Rhai's time package
//! (`timestamp`), its core package (`sleep`, `exit`, `parse_json`, reflection), blobs or bit fields. Nothing they
//! can call reads the clock, the environment, a file or the network.
//!
//! Rhai's own operation limit does not see work done inside native callbacks (`sort`, `map`, `filter` with a
//! closure run on a copy of the counter), so operations are counted here, in `on_progress`, which every script
//! operation passes through. The same hook enforces the wall-clock budgets. A native function is one operation
//! however long it runs, so the value sizes are chosen to keep each one short: on the largest values the limits
//! allow, the slowest (`sort` of 10,000 items) takes about a millisecond in a release build (rules/README.md,
//! section 11, has the figures: scripts calling each function 1,000 times, timed with `shiftgate check`). The
//! clock is read every 16 operations, so a call overruns its budget by a few tens of milliseconds at most.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage,
};
use rhai::{def_package, Dynamic, Engine, EvalAltResult, ImmutableString, Position};

/// Sandbox limits: value sizes, and the budgets of one `check` call (one rule, one agent) and of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Operations per call, counting those inside callbacks of native functions.
    pub max_operations: u64,
    /// Maximum call depth.
    pub max_call_levels: usize,
    /// Variables alive at once in one call (all its function frames together).
    pub max_variables: usize,
    /// Maximum string size in bytes (for an array or map: all its strings together).
    pub max_string_size: usize,
    /// Maximum array length (for nested arrays: all their items together).
    pub max_array_size: usize,
    /// Maximum map size (for nested maps: all their entries together).
    pub max_map_size: usize,
    /// Wall-clock budget of one call.
    pub call_time: Duration,
    /// Wall-clock budget of one run over all agents.
    pub run_time: Duration,
    /// Findings one call may report.
    pub max_findings: usize,
    /// Bytes of one finding's message.
    pub max_message_bytes: usize,
    /// Bytes of one finding's `cause` and `refs` given to `report()` (each item counts 16 bytes more).
    pub max_extra_bytes: usize,
    /// Bytes of all findings of one run (messages, causes and refs, plus 256 per finding).
    pub max_report_bytes: usize,
}

impl Default for Limits {
    /// The heaviest shipped rule runs about 1,000 operations per call on real rosters: 250,000 leaves room for
    /// rules that loop over months of history, and stops a runaway loop long before the time budget, even in a
    /// debug build on a busy machine, so a runaway loop always reads as one.
    fn default() -> Self {
        Limits {
            max_operations: 250_000,
            max_call_levels: 32,
            max_variables: 128,
            max_string_size: 4 * 1024,
            max_array_size: 10_000,
            max_map_size: 500,
            call_time: Duration::from_secs(2),
            run_time: Duration::from_secs(120),
            max_findings: 1_000,
            max_message_bytes: 2 * 1024,
            max_extra_bytes: 4 * 1024,
            max_report_bytes: 512 * 1024 * 1024,
        }
    }
}

def_package! {
    /// What scripts get of Rhai's standard library.
    SandboxPackage(_lib):
        ArithmeticPackage,
        LogicPackage,
        BasicStringPackage,
        MoreStringPackage,
        BasicIteratorPackage,
        BasicFnPackage,
        BasicMathPackage,
        BasicArrayPackage,
        BasicMapPackage
    {
    }
}

/// The sandbox's part of Rhai's library, built once and shared by every engine.
pub(crate) fn sandbox_package() -> rhai::Shared<rhai::Module> {
    use rhai::packages::Package as _;
    SandboxPackage::new().as_shared_module()
}

/// Why the sandbox stopped a script: the token of Rhai's `ErrorTerminated`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The call's operation budget.
    Operations,
    /// The call's wall-clock budget.
    CallTime,
    /// The run's wall-clock budget.
    RunTime,
    /// A cap on what `report()` takes: the sentence that says which, and where `report()` was called (Rhai
    /// drops the position of an error that stops a script).
    Cap {
        /// What was capped.
        sentence: String,
        /// The script the call is in, if known.
        source: Option<String>,
        /// The call.
        at: Position,
    },
    /// The check of an earlier agent failed; this one need not finish.
    Cancelled,
}

impl Stop {
    /// The error that stops a script.
    pub(crate) fn error(self) -> Box<EvalAltResult> {
        Box::new(EvalAltResult::ErrorTerminated(Dynamic::from(self), Position::NONE))
    }

    /// The reason a stopped script carries, if the sandbox stopped it.
    pub(crate) fn of(token: &Dynamic) -> Option<Stop> {
        token.clone().try_cast::<Stop>()
    }

    /// What happened, for the rule author.
    pub(crate) fn describe(&self, limits: &Limits) -> String {
        match self {
            Stop::Operations => format!(
                "exceeded the operation limit of {} per call (a runaway loop?); the rule was stopped",
                limits.max_operations
            ),
            Stop::CallTime => format!(
                "exceeded the time limit of {} per call (slow work on large values in a loop?); the rule was stopped",
                seconds(limits.call_time)
            ),
            Stop::RunTime => format!(
                "the run exceeded its time limit of {} for all agents; the rule was stopped",
                seconds(limits.run_time)
            ),
            Stop::Cap { sentence, .. } => sentence.clone(),
            Stop::Cancelled => "stopped because the check of an earlier agent failed".to_string(),
        }
    }
}

/// What stopped a script, if the sandbox did (looking through the calls it was stopped in).
pub(crate) fn stopped(err: &EvalAltResult, limits: &Limits) -> Option<String> {
    let mut e = err;
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = e {
        e = inner;
    }
    match e {
        EvalAltResult::ErrorTerminated(token, _) => Stop::of(token).map(|s| s.describe(limits)),
        _ => None,
    }
}

/// `512 MiB`, or bytes for what is not a whole number of MiB.
pub(crate) fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Stack of the threads scripts run on. Rhai formats, compares, copies and drops nested arrays and maps
/// recursively, and a script may nest them as deep as the size limits allow (10,000 levels); on an ordinary 2 MiB
/// thread stack that overflows and aborts the process. The stack is reserved, not committed: only what a call
/// uses becomes memory.
pub(crate) const SCRIPT_STACK: usize = 256 * 1024 * 1024;

/// Runs `f` on a thread with [`SCRIPT_STACK`] (for scripts called outside the checker's pool: `meta()` at load).
/// Fails only if no thread can be started.
pub(crate) fn with_script_stack<T: Send>(f: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|s| {
        let handle =
            std::thread::Builder::new().name("shiftgate-load".into()).stack_size(SCRIPT_STACK).spawn_scoped(s, f)?;
        Ok(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Longer budgets are taken as a year, which `Instant` can always add.
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// How often (in operations) the clock is read: a clock read costs about as much as 20 simple operations.
const CLOCK_EVERY: u64 = 16;

/// The deadline of the running call, and whether it is the run's (which ends before the call's own would).
#[derive(Clone, Copy)]
struct Deadline {
    at: Instant,
    run: bool,
}

thread_local! {
    /// Operations of the running call so far, and its budget (0: no call is running). Touched on every operation,
    /// so it holds only what every operation needs.
    static OPS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// The deadline of the running call, read every [`CLOCK_EVERY`] operations.
    static DEADLINE: Cell<Option<Deadline>> = const { Cell::new(None) };
    /// The run's first failure and the index of the agent this thread checks, to stop once an earlier agent failed.
    static AGENT: RefCell<Option<(Arc<AtomicUsize>, usize)>> = const { RefCell::new(None) };
}

/// Counts one operation against the running call's budget; `Some` stops the script.
fn progress() -> Option<Stop> {
    let (ops, max) = OPS.with(|cell| {
        let (ops, max) = cell.get();
        cell.set((ops + 1, max));
        (ops + 1, max)
    });
    // Fail closed: a script running outside a budgeted call (max 0) is stopped at once.
    if ops > max {
        return Some(Stop::Operations);
    }
    if ops % CLOCK_EVERY != 0 {
        return None;
    }
    if AGENT.with(|a| a.borrow().as_ref().is_some_and(|(first, me)| first.load(Ordering::Relaxed) < *me)) {
        return Some(Stop::Cancelled);
    }
    let deadline = DEADLINE.with(Cell::get)?;
    (Instant::now() >= deadline.at).then_some(if deadline.run { Stop::RunTime } else { Stop::CallTime })
}

/// The budgets of one run; every script call goes through [`RunBudget::call`]. Once the check of an agent fails,
/// the checks of later agents stop (the run fails anyway, and reports the failure of the earliest agent, so the
/// error does not depend on thread timing).
#[derive(Clone, Debug)]
pub(crate) struct RunBudget {
    limits: Limits,
    deadline: Instant,
    /// Index of the earliest agent whose check failed so far (`usize::MAX`: none).
    first_failure: Arc<AtomicUsize>,
}

impl RunBudget {
    /// A run starting now.
    pub(crate) fn start(limits: &Limits) -> RunBudget {
        RunBudget {
            limits: *limits,
            deadline: Instant::now() + limits.run_time.min(YEAR),
            first_failure: Arc::new(AtomicUsize::new(usize::MAX)),
        }
    }

    /// The limits it enforces.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Records that the check of an agent failed.
    pub(crate) fn failed(&self, agent: usize) {
        self.first_failure.fetch_min(agent, Ordering::Relaxed);
    }

    /// Whether an earlier agent's check failed, so this one need not finish.
    pub(crate) fn cancelled(&self, agent: usize) -> bool {
        self.first_failure.load(Ordering::Relaxed) < agent
    }

    /// Runs the checks of one agent (its calls stop early once an earlier agent fails).
    pub(crate) fn for_agent<T>(&self, agent: usize, f: impl FnOnce() -> T) -> T {
        let outer = AGENT.with(|a| a.replace(Some((self.first_failure.clone(), agent))));
        let result = f();
        AGENT.with(|a| *a.borrow_mut() = outer);
        result
    }

    /// Runs one script call under its budget (and what is left of the run's).
    pub(crate) fn call<T>(&self, f: impl FnOnce() -> Result<T, Box<EvalAltResult>>) -> Result<T, Box<EvalAltResult>> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(Stop::RunTime.error());
        }
        let own = now + self.limits.call_time.min(YEAR);
        let run = own >= self.deadline;
        let deadline = Deadline { at: if run { self.deadline } else { own }, run };
        let outer_ops = OPS.with(|c| c.replace((0, self.limits.max_operations)));
        let outer_deadline = DEADLINE.with(|c| c.replace(Some(deadline)));
        let result = f();
        OPS.with(|c| c.set(outer_ops));
        DEADLINE.with(|c| c.set(outer_deadline));
        result
    }
}

/// Applies the limits to an engine: value sizes, depths, and the budget hook.
pub(crate) fn restrict(e: &mut Engine, limits: &Limits) {
    // Operations are counted by `progress`, which also sees callbacks; Rhai's own count would not.
    e.set_max_operations(0);
    e.on_progress(|_| progress().map(Dynamic::from));
    e.set_max_call_levels(limits.max_call_levels);
    e.set_max_variables(limits.max_variables);
    e.set_max_expr_depths(64, 32);
    e.set_max_string_size(limits.max_string_size);
    e.set_max_array_size(limits.max_array_size);
    e.set_max_map_size(limits.max_map_size);
    e.set_max_modules(0);
    e.set_strict_variables(true);
    e.set_fail_on_invalid_map_property(true);
    e.disable_symbol("eval");
    register_bounded_replace(e, limits.max_string_size);
}

/// `replace` builds its whole result before Rhai checks its size: replacing `""` in a 4 KiB string with a 4 KiB
/// string would allocate 16 MiB (and 1 TiB under a 1 MiB limit). These versions (registered on the engine, so
/// they shadow the library's) refuse a result over the string limit before building it.
fn register_bounded_replace(e: &mut Engine, max: usize) {
    fn replaced(s: &mut ImmutableString, find: &str, with: &str, max: usize) -> Result<(), Box<EvalAltResult>> {
        if s.is_empty() {
            return Ok(());
        }
        let grows = with.len().saturating_sub(find.len());
        if grows > 0 {
            let matches = s.matches(find).count();
            if s.len().saturating_add(matches.saturating_mul(grows)) > max {
                return Err(Box::new(EvalAltResult::ErrorDataTooLarge("Length of string".into(), Position::NONE)));
            }
        }
        *s = s.replace(find, with).into();
        Ok(())
    }
    e.register_fn("replace", move |s: &mut ImmutableString, find: &str, with: &str| replaced(s, find, with, max));
    e.register_fn("replace", move |s: &mut ImmutableString, find: &str, with: char| {
        replaced(s, find, with.encode_utf8(&mut [0; 4]), max)
    });
    e.register_fn("replace", move |s: &mut ImmutableString, find: char, with: &str| {
        replaced(s, find.encode_utf8(&mut [0; 4]), with, max)
    });
}

/// Bytes of text in a value given to `report()` (strings, map keys), plus 16 per item, for the finding caps. A
/// value nested deeper than `report()` reads (a map of arrays of strings) counts as too large.
pub(crate) fn text_bytes(v: &Dynamic) -> usize {
    fn walk(v: &Dynamic, depth: usize) -> usize {
        if depth > 4 {
            return usize::MAX;
        }
        let inner = if let Some(s) = v.read_lock::<ImmutableString>() {
            s.len()
        } else if let Some(a) = v.read_lock::<rhai::Array>() {
            a.iter().fold(0usize, |n, x| n.saturating_add(walk(x, depth + 1)))
        } else if let Some(m) = v.read_lock::<rhai::Map>() {
            m.iter().fold(0usize, |n, (k, x)| n.saturating_add(k.len()).saturating_add(walk(x, depth + 1)))
        } else {
            0
        };
        inner.saturating_add(16)
    }
    walk(v, 0)
}
