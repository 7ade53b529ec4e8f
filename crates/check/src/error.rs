//! Errors of the checker: rules that cannot load, configuration that does not fit the rules, and rules that fail
//! while running. None of these is a rule violation: violations are findings.

use std::path::PathBuf;

/// A place in a rule script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptLocation {
    /// The script's path, as shown to users (e.g. `rules/core/shift-overlap.rhai`).
    pub path: String,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
}

impl std::fmt::Display for ScriptLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}", self.path),
            (Some(l), None) => write!(f, "{}:{l}", self.path),
            _ => f.write_str(&self.path),
        }
    }
}

/// A rule pack or script that cannot be loaded (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A rules folder or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A script does not compile.
    #[error("{at}: {message}")]
    Compile {
        /// Where.
        at: ScriptLocation,
        /// Rhai's message.
        message: String,
    },
    /// A script has statements outside functions.
    #[error("{at}: top-level code is not allowed in a rule file; put it inside fn meta() or fn check(agent, params)")]
    TopLevelCode {
        /// Where the first such statement is.
        at: ScriptLocation,
    },
    /// A required function is missing.
    #[error("{at}: a rule file must define {signature}")]
    MissingFunction {
        /// The file.
        at: ScriptLocation,
        /// The missing function.
        signature: &'static str,
    },
    /// `meta()` returned something invalid.
    #[error("{at}: meta(): {message}")]
    BadMeta {
        /// The file.
        at: ScriptLocation,
        /// What is wrong.
        message: String,
    },
    /// Two rules declare the same id.
    #[error("{second}: rule id {id:?} is already declared by {first}")]
    DuplicateId {
        /// The id.
        id: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A script reads `params.NAME` for a parameter its `meta()` does not declare.
    #[error("{at}: undeclared parameter `{param}`: meta() declares {}", if declared.is_empty() { "no parameters".to_string() } else { declared.join(", ") })]
    UndeclaredParam {
        /// Where the script reads it.
        at: ScriptLocation,
        /// The parameter name.
        param: String,
        /// Parameters `meta()` declares.
        declared: Vec<String>,
    },
    /// A pack was asked for that does not exist.
    #[error("unknown rule pack {name:?} (available: {})", available.join(", "))]
    UnknownPack {
        /// The name asked for.
        name: String,
        /// Packs that exist.
        available: Vec<String>,
    },
}

/// A configuration that does not fit the loaded rules (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML does not parse or has unknown top-level keys.
    #[error("{path}: {message}")]
    Parse {
        /// The config file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// A `[rules."id"]` table names a rule that no pack has.
    #[error("[rules.{rule:?}]: unknown rule (see `shiftgate rules list`)")]
    UnknownRule {
        /// The id.
        rule: String,
    },
    /// A parameter the rule does not declare.
    #[error("[rules.{rule:?}]: unknown parameter {param:?} (declared: {})", if declared.is_empty() { "none".to_string() } else { declared.join(", ") })]
    UnknownParam {
        /// The rule.
        rule: String,
        /// The parameter.
        param: String,
        /// Parameters the rule declares.
        declared: Vec<String>,
    },
    /// A parameter or setting of the wrong type.
    #[error("[rules.{rule:?}].{param}: expected {expected}, got {got}")]
    BadValue {
        /// The rule.
        rule: String,
        /// The key.
        param: String,
        /// What was expected.
        expected: String,
        /// What was given.
        got: String,
    },
}

/// A rule that failed while checking an agent (exit code 3): the gate fails closed.
#[derive(Debug, thiserror::Error)]
#[error("{at}: rule {rule} failed while checking agent {agent}: {message}")]
pub struct RunError {
    /// The rule id.
    pub rule: String,
    /// Where in the script.
    pub at: ScriptLocation,
    /// The agent being checked.
    pub agent: String,
    /// What happened (a thrown error, an operation limit, a type error, ...).
    pub message: String,
}
