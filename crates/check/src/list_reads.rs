//! Which of the agent's lists that a snapshot's source may lack (`source.lacks`: time-off requests, shift trades)
//! a rule reads, found in its AST when it loads.
//!
//! A rule that reads such a list has, on a snapshot without it, nothing to judge about it: the list is empty, and
//! the rule's silence must not read as a pass. So every read counts, wherever it is: in `check` or in any script
//! function `check` reaches (the `rules/lib/` helpers merged into the rule included), inside a loop, an `if` or an
//! expression, written as a method (`agent.time_off_requests()`), a function (`time_off_requests(agent)`), a
//! property, or a name handed to `Fn`/`call`. Reading one anywhere marks the rule not judged on such a
//! snapshot, even if it also judges other things: failing closed costs a note, passing silently costs trust.

use std::collections::BTreeSet;

use rhai::{ASTNode, Expr, Stmt, AST};
use shiftgate_model::Lack;

use crate::loop_skip::AgentList;

/// The lists a source may lack that the rule's `check` reads, directly or through the script functions it calls,
/// in [`Lack::ALL`] order. Empty for a rule without `check`.
pub(crate) fn lacking_lists_read(ast: &AST) -> Vec<Lack> {
    let mut read: BTreeSet<&'static str> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut to_walk = vec!["check".to_string()];
    while let Some(name) = to_walk.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        // Every overload of the name: which one a call reaches is decided at run time.
        for def in ast.iter_fn_def().filter(|d| d.name == name.as_str()) {
            let mut module = rhai::Module::new();
            module.set_script_fn(def.clone());
            AST::new([], module).walk(&mut |path| {
                if let Some(word) = path.last().and_then(name_used) {
                    if let Some(lack) = lack_of(&word) {
                        read.insert(lack.as_str());
                    }
                    if ast.iter_fn_def().any(|d| d.name == word.as_str()) {
                        to_walk.push(word);
                    }
                }
                true
            });
        }
    }
    Lack::ALL.into_iter().filter(|l| read.contains(l.as_str())).collect()
}

/// The name a node uses: a call's or method's name (a call standing alone is a statement), a property's, a
/// function pointer's (`Fn("name")` is one once compiled), or a string (a name for `Fn`/`call` built later).
fn name_used(node: &ASTNode<'_>) -> Option<String> {
    match node {
        ASTNode::Stmt(Stmt::FnCall(call, _)) => Some(call.name.to_string()),
        ASTNode::Expr(Expr::FnCall(call, _) | Expr::MethodCall(call, _)) => Some(call.name.to_string()),
        ASTNode::Expr(Expr::Property(p, _)) => Some(p.2.to_string()),
        ASTNode::Expr(Expr::StringConstant(s, _)) => Some(s.to_string()),
        ASTNode::Expr(Expr::DynamicConstant(d, _)) => d.read_lock::<rhai::FnPtr>().map(|f| f.fn_name().to_string()),
        _ => None,
    }
}

/// The list a source may lack that the agent method `name` returns, if it is one of those.
fn lack_of(name: &str) -> Option<Lack> {
    AgentList::ALL.iter().find(|(n, _)| *n == name).and_then(|(_, list)| list.lack())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(script: &str) -> Vec<Lack> {
        let ast = rhai::Engine::new_raw().compile(script).expect("compiles");
        lacking_lists_read(&ast)
    }

    #[test]
    fn a_read_counts_wherever_it_is() {
        let time_off = vec![Lack::TimeOffRequests];
        for script in [
            // The single loop (what was recognised before).
            "fn check(agent, params) { for r in agent.time_off_requests() { report(r, 1); } }",
            // Inside an `if`, after other statements, as a function call, in an expression.
            "fn check(agent, params) { let n = 1; if n > 0 { for c in agent.time_off_conflicts() {} } }",
            "fn check(agent, params) { for s in agent.shifts() {} let x = time_off_overlaps(agent); }",
            "fn check(agent, params) { if agent.time_off_requests().len() > 0 { report(agent, 1); } }",
            // Through a helper, two calls deep, and by name.
            "fn pending(a) { a.time_off_requests() } fn mid(a) { pending(a) } fn check(agent, params) { mid(agent); }",
            "fn check(agent, params) { let f = Fn(\"time_off_requests\"); f.call(agent); }",
        ] {
            assert_eq!(reads(script), time_off, "{script}");
        }
        assert_eq!(
            reads("fn check(agent, params) { agent.trade_failures(); if true { agent.time_off_conflicts(); } }"),
            [Lack::TimeOffRequests, Lack::ShiftTrades]
        );
        assert_eq!(reads("fn check(a, p) { for t in a.already_applied_trades() {} }"), [Lack::ShiftTrades]);
    }

    #[test]
    fn other_lists_and_unreached_helpers_are_not_reads() {
        for script in [
            "fn check(agent, params) { for o in agent.shift_overlaps() {} for g in agent.rest_gaps() {} }",
            // A helper that reads time off, never called from check (a lib helper merged into every rule).
            "fn unused(a) { a.time_off_requests() } fn check(agent, params) { for s in agent.shifts() {} }",
            // Trade provenance on a shift explains causes; it is not the trade list.
            "fn check(agent, params) { for s in agent.shifts() { if s.moved { report(s, s.moved_from); } } }",
            "fn meta() { #{} }",
        ] {
            assert_eq!(reads(script), [], "{script}");
        }
    }
}
