//! Load-time check that a rule reads only the parameters its `meta()` declares.
//!
//! `params` only ever holds declared keys (configuration and agent overrides of unknown names are rejected or
//! ignored), so `params.x` for an undeclared `x` is a bug that would otherwise surface only at run time, on the
//! first agent that reaches that line. Scanning the rule's own AST (not the shared `rules/lib/` helpers) for
//! `params.NAME` catches it when the pack loads. Reads through another variable (`let p = params; p.x`) are not
//! seen here; the run-time error still names them.

use rhai::{ASTNode, Expr, Map, Position, AST};

/// The first `params.NAME` (or `<check's second parameter>.NAME`) whose NAME is not declared, with its position.
pub(crate) fn first_undeclared(own: &AST, declared: &Map) -> Option<(String, Position)> {
    let mut names: Vec<String> = vec!["params".to_string()];
    if let Some(check) = own.iter_functions().find(|f| f.name == "check" && f.params.len() == 2) {
        names.push(check.params[1].to_string());
    }
    let mut found: Option<(String, Position)> = None;
    own.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::Dot(x, _, _))) = path.last() {
            if let (Expr::Variable(v, _, _), Some((prop, pos))) = (&x.lhs, property(&x.rhs)) {
                if names.iter().any(|n| n.as_str() == v.1.as_str()) && !declared.contains_key(prop.as_str()) {
                    found = Some((prop, pos));
                    return false;
                }
            }
        }
        true
    });
    found
}

/// The property name at the head of the right-hand side of a dot (`.x`, `.x.y`, `.x[0]`).
fn property(rhs: &Expr) -> Option<(String, Position)> {
    match rhs {
        Expr::Property(p, pos) => Some((p.2.to_string(), *pos)),
        Expr::Dot(x, _, _) | Expr::Index(x, _, _) => property(&x.lhs),
        _ => None,
    }
}
