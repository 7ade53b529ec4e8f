//! Skipping rule calls that cannot report anything.
//!
//! Most rules are one loop over one of the agent's lists, `for o in agent.shift_overlaps() { report(...) }`, and
//! most agents have no overlaps, no conflicts and no short rest: for them the call does nothing but cost an
//! interpreter round trip, which on a large roster is most of the rule phase. When a rule's `check` is exactly one
//! `for` loop over an agent list, or over a filter with a literal or `params.NAME` limit, the checker asks the
//! facts natively whether that list is empty and skips the call if it is. The result is the same by construction:
//! a loop over nothing runs nothing. Any other shape (a second statement, a computed limit, a script function of
//! the same name) and the rule is called for every agent.

use rhai::{ASTNode, Expr, Map, Stmt, AST};
use shiftgate_model::Lack;

use crate::filters::{dst_shifts, limit_value, Filter};
use crate::timeline::AgentFacts;

/// What a rule's single loop iterates over.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LoopSource {
    List(AgentList),
    DstShifts,
    Filtered(Filter, Limit),
}

/// The agent's plain lists, by script method name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgentList {
    Shifts,
    HistoryShifts,
    AllShifts,
    ShiftOverlaps,
    ActivityIssues,
    TimeOffRequests,
    TimeOffConflicts,
    TimeOffOverlaps,
    RestGaps,
    Days,
    Weeks,
    WorkStreaks,
    TradeFailures,
    AlreadyAppliedTrades,
}

impl AgentList {
    pub(crate) const ALL: [(&'static str, AgentList); 14] = [
        ("shifts", AgentList::Shifts),
        ("history_shifts", AgentList::HistoryShifts),
        ("all_shifts", AgentList::AllShifts),
        ("shift_overlaps", AgentList::ShiftOverlaps),
        ("activity_issues", AgentList::ActivityIssues),
        ("time_off_requests", AgentList::TimeOffRequests),
        ("time_off_conflicts", AgentList::TimeOffConflicts),
        ("time_off_overlaps", AgentList::TimeOffOverlaps),
        ("rest_gaps", AgentList::RestGaps),
        ("days", AgentList::Days),
        ("weeks", AgentList::Weeks),
        ("work_streaks", AgentList::WorkStreaks),
        ("trade_failures", AgentList::TradeFailures),
        ("already_applied_trades", AgentList::AlreadyAppliedTrades),
    ];

    /// The snapshot list this list's items all come from, when a source can lack that list (what
    /// [`crate::list_reads`] looks for).
    pub(crate) fn lack(self) -> Option<Lack> {
        match self {
            AgentList::TimeOffRequests | AgentList::TimeOffConflicts | AgentList::TimeOffOverlaps => {
                Some(Lack::TimeOffRequests)
            }
            AgentList::TradeFailures | AgentList::AlreadyAppliedTrades => Some(Lack::ShiftTrades),
            _ => None,
        }
    }

    /// How many items the script method returns.
    fn len(self, f: &AgentFacts) -> usize {
        match self {
            AgentList::Shifts => f.shifts.len() - f.week_from,
            AgentList::HistoryShifts => f.week_from,
            AgentList::AllShifts => f.shifts.len(),
            AgentList::ShiftOverlaps => f.overlaps.len(),
            AgentList::ActivityIssues => f.activity_issues.len(),
            AgentList::TimeOffRequests => f.requests.len(),
            AgentList::TimeOffConflicts => f.conflicts.len(),
            AgentList::TimeOffOverlaps => f.request_overlaps.len(),
            AgentList::RestGaps => f.gaps.len(),
            AgentList::Days => f.days.len(),
            AgentList::Weeks => f.weeks.len(),
            AgentList::WorkStreaks => f.streaks.len(),
            AgentList::TradeFailures => f.trade_failures.len(),
            AgentList::AlreadyAppliedTrades => f.already_applied.len(),
        }
    }
}

/// A filter's limit as the script writes it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Limit {
    Literal(f64),
    Param(String),
}

impl LoopSource {
    /// Whether the loop has nothing to iterate for this agent. A parameter that is missing or not a number gives
    /// `false`: the script runs and reports the problem itself.
    pub(crate) fn is_empty(&self, f: &AgentFacts, params: &Map) -> bool {
        match self {
            LoopSource::List(list) => list.len(f) == 0,
            LoopSource::DstShifts => dst_shifts(f).next().is_none(),
            LoopSource::Filtered(filter, limit) => {
                let value = match limit {
                    Limit::Literal(v) => Some(*v),
                    Limit::Param(name) => params.get(name.as_str()).and_then(limit_value),
                };
                value.is_some_and(|v| filter.select(f, v).next().is_none())
            }
        }
    }
}

/// The source of `check`'s loop, if `check(agent, params)` is one `for` loop over an agent list.
pub(crate) fn single_loop(ast: &AST) -> Option<LoopSource> {
    let def = ast.iter_fn_def().find(|d| d.name == "check" && d.params.len() == 2)?;
    let (agent, params) = (def.params[0].as_str(), def.params[1].as_str());
    // An AST of `check` alone, walked: its body's top-level statements are the nodes with no ancestors. (Rhai's
    // `clone_functions_only_filtered` ignores its filter when cloning into an empty module, so build it here.)
    let mut module = rhai::Module::new();
    module.set_script_fn(def.clone());
    let check = AST::new([], module);
    let mut top: Vec<Stmt> = Vec::new();
    check.walk(&mut |path| {
        if let [ASTNode::Stmt(s)] = path {
            top.push((*s).clone());
        }
        true
    });
    let [Stmt::For(for_loop, _)] = top.as_slice() else { return None };
    let source = loop_source(&for_loop.2.expr, agent, params)?;
    let method = match &source {
        LoopSource::List(list) => AgentList::ALL.iter().find(|(_, l)| l == list).map(|(n, _)| *n)?,
        LoopSource::DstShifts => "dst_shifts",
        LoopSource::Filtered(filter, _) => filter.name(),
    };
    // A script function of the same name would be what the loop calls.
    if ast.iter_fn_def().any(|d| d.name == method) {
        return None;
    }
    Some(source)
}

fn loop_source(expr: &Expr, agent: &str, params: &str) -> Option<LoopSource> {
    let Expr::Dot(dot, _, _) = expr else { return None };
    if variable(&dot.lhs)? != agent {
        return None;
    }
    let Expr::MethodCall(call, _) = &dot.rhs else { return None };
    let name = call.name.as_str();
    match call.args.as_slice() {
        [] if name == "dst_shifts" => Some(LoopSource::DstShifts),
        [] => AgentList::ALL.iter().find(|(n, _)| *n == name).map(|(_, l)| LoopSource::List(*l)),
        [arg] => {
            let filter = Filter::ALL.into_iter().find(|f| f.name() == name)?;
            Some(LoopSource::Filtered(filter, limit(arg, params)?))
        }
        _ => None,
    }
}

fn limit(expr: &Expr, params: &str) -> Option<Limit> {
    match expr {
        Expr::IntegerConstant(n, _) => Some(Limit::Literal(*n as f64)),
        Expr::FloatConstant(x, _) => Some(Limit::Literal(**x)),
        Expr::Dot(dot, _, _) if variable(&dot.lhs)? == params => match &dot.rhs {
            Expr::Property(p, _) => Some(Limit::Param(p.2.to_string())),
            _ => None,
        },
        _ => None,
    }
}

fn variable(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Variable(v, _, _) => Some(v.1.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::Filter;

    fn shape(check: &str) -> Option<LoopSource> {
        let ast = rhai::Engine::new_raw().compile(format!("fn helper(x) {{ x }}\n{check}")).expect("compiles");
        single_loop(&ast)
    }

    #[test]
    fn one_loop_over_an_agent_list_is_recognised() {
        assert_eq!(
            shape("fn check(agent, params) { for o in agent.shift_overlaps() { report(o, 1); } }"),
            Some(LoopSource::List(AgentList::ShiftOverlaps))
        );
        assert_eq!(
            shape("fn check(a, p) { for g in a.rest_gaps_under(p.min_minutes) { report(g, 1); } }"),
            Some(LoopSource::Filtered(Filter::RestGapsUnder, Limit::Param("min_minutes".into())))
        );
        assert_eq!(
            shape("fn check(agent, params) { for s in agent.shifts_over(600) {} }"),
            Some(LoopSource::Filtered(Filter::ShiftsOver, Limit::Literal(600.0)))
        );
        assert_eq!(shape("fn check(agent, params) { for s in agent.dst_shifts() {} }"), Some(LoopSource::DstShifts));
    }

    #[test]
    fn anything_more_is_always_called() {
        for check in [
            // A second statement.
            "fn check(agent, params) { let n = 1; for o in agent.shift_overlaps() {} }",
            "fn check(agent, params) { for o in agent.shift_overlaps() {} report(agent, 1); }",
            // Not the agent parameter, not an agent list, a computed limit, another object's list.
            "fn check(agent, params) { let a = agent; }",
            "fn check(agent, params) { for t in agent.tags {} }",
            "fn check(agent, params) { for s in agent.shifts_over(params.max * 2) {} }",
            "fn check(agent, params) { for s in agent.shifts_over(helper(600)) {} }",
            "fn check(agent, params) { for d in agent.days()[0].shifts() {} }",
            // A script function shadowing the list.
            "fn shift_overlaps(a) { [1] } fn check(agent, params) { for o in agent.shift_overlaps() {} }",
        ] {
            assert_eq!(shape(check), None, "{check}");
        }
    }
}
