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
    /// A parameter declaration in `meta()` is not valid (a number without a range, a default outside it, ...).
    #[error("{at}: meta(): parameter `{param}`: {message}")]
    BadParam {
        /// The file (and the place, when known).
        at: ScriptLocation,
        /// The parameter.
        param: String,
        /// What is wrong.
        message: String,
    },
    /// A pack's `pack.toml` is not valid, or claims a prefix another pack has.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest file.
        path: String,
        /// What is wrong.
        message: String,
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

/// A configuration that does not fit the loaded rules (exit code 2). `file` is the configuration's path, or empty
/// for a configuration that was not read from a file.
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
    #[error("{}[rules.{rule:?}]: unknown rule (see `shiftgate rules list --all`)", in_file(file))]
    UnknownRule {
        /// The config file.
        file: String,
        /// The id.
        rule: String,
    },
    /// A parameter the rule does not declare.
    #[error("{}[rules.{rule:?}]: unknown parameter {param:?} (declared: {})", in_file(file), if declared.is_empty() { "none".to_string() } else { declared.join(", ") })]
    UnknownParam {
        /// The config file.
        file: String,
        /// The rule.
        rule: String,
        /// The parameter.
        param: String,
        /// Parameters the rule declares.
        declared: Vec<String>,
    },
    /// A parameter value of the wrong type or outside what the rule declares.
    #[error("{}[rules.{rule:?}].{param}: must be {allowed}, got {got}", in_file(file))]
    BadValue {
        /// The config file.
        file: String,
        /// The rule.
        rule: String,
        /// The parameter.
        param: String,
        /// What the rule allows, e.g. `an integer from 60 to 2880`.
        allowed: String,
        /// The value as written.
        got: String,
    },
    /// A `[[waivers]]` entry that is not a complete, consistent record, or names a rule no waiver may name.
    #[error("{}{waiver}: {message}", at(file, *line))]
    Waiver {
        /// The file it is written in.
        file: String,
        /// The line of its `[[waivers]]` header, when known.
        line: Option<usize>,
        /// Which waiver: `waiver #2 (rule "chi.rest.10h")`.
        waiver: String,
        /// What is wrong.
        message: String,
    },
    /// A top-level setting with a value it cannot take.
    #[error("{}{key}: {message}", in_file(file))]
    Setting {
        /// The config file.
        file: String,
        /// The setting.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// More than one of the above, in the order of the file's rules; one per line.
    #[error("{}", lines(.0))]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    /// One error for a list of problems: `None` for none, the problem itself for one, [`ConfigError::Several`]
    /// otherwise.
    pub(crate) fn all(mut problems: Vec<ConfigError>) -> Option<ConfigError> {
        match problems.len() {
            0 => None,
            1 => problems.pop(),
            _ => Some(ConfigError::Several(problems)),
        }
    }
}

fn lines(problems: &[ConfigError]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn at(file: &str, line: Option<usize>) -> String {
    match line {
        Some(l) if !file.is_empty() => format!("{file}:{l}: "),
        _ => in_file(file),
    }
}

fn in_file(file: &str) -> String {
    if file.is_empty() {
        String::new()
    } else {
        format!("{file}: ")
    }
}

/// What made a check run fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunErrorKind {
    /// The script failed: it threw, called something that does not exist, mixed types, ... (exit code 3).
    Script,
    /// The script ran past a sandbox limit: operations, time, value sizes, findings (exit code 3).
    Limit,
    /// An agent's own parameter (`agents[i].params`) does not fit the rule's declaration: an input error
    /// (exit code 2), found before any rule runs.
    AgentParam,
}

/// A check run that failed. For [`RunErrorKind::Script`] and [`RunErrorKind::Limit`] the gate fails closed
/// (exit code 3); for [`RunErrorKind::AgentParam`] the input is wrong (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct RunError {
    /// What kind of failure.
    pub kind: RunErrorKind,
    /// The rule id.
    pub rule: String,
    /// Where: the place in the script, or for [`RunErrorKind::AgentParam`] the JSON path in the snapshot.
    pub at: ScriptLocation,
    /// The agent being checked.
    pub agent: String,
    /// What happened.
    pub message: String,
}

impl RunError {
    /// Whether the input (not a rule) is at fault: exit code 2 rather than 3.
    pub fn is_input_error(&self) -> bool {
        self.kind == RunErrorKind::AgentParam
    }

    fn describe(&self) -> String {
        match self.kind {
            RunErrorKind::AgentParam => {
                format!("{}: {} (agent {}, rule {})", self.at, self.message, self.agent, self.rule)
            }
            _ => {
                format!("{}: rule {} failed while checking agent {}: {}", self.at, self.rule, self.agent, self.message)
            }
        }
    }
}
