//! Diagnostics for rule authors: a rule script that does not load or fails while running is shown as
//! `file:line:column` with the offending source line underlined (miette's graphical report), coloured only when
//! standard error is a terminal and `NO_COLOR` is unset.
//!
//! The checker reports a point (`ScriptLocation`); this module turns it into a byte span over the script text
//! (one token, or the rest of the statement), and finds a place to point at for errors that carry none (a bad
//! `severity`, a duplicate id, a missing function) by scanning the source.

use std::fmt;
use std::io::IsTerminal as _;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use shiftgate_check::{Limits, LoadError, RuleLibrary, RunError, RunErrorKind, ScriptLocation};

use crate::render::escape::terminal::{visible, visible_lines};
use crate::render::escape::{is_hidden, LEGACY_COMMAND};

/// A diagnostic about one rule script, with the script's text so it can be shown.
#[derive(Debug)]
pub(crate) struct ScriptDiagnostic {
    code: &'static str,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<ScriptDiagnostic>,
    advice: bool,
}

impl fmt::Display for ScriptDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScriptDiagnostic {}

impl Diagnostic for ScriptDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.advice { miette::Severity::Advice } else { miette::Severity::Error })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)) as Box<dyn Iterator<Item = _>>)
    }
}

/// A script's text, found in the library by the path the checker reports.
struct Script<'a> {
    path: &'a str,
    text: &'a str,
}

impl<'a> Script<'a> {
    fn find(library: &'a RuleLibrary, path: &str) -> Option<Script<'a>> {
        library.files.iter().find(|f| f.path == path).map(|f| Script { path: &f.path, text: &f.source })
    }

    /// The script as the diagnostic shows it: its path made visible, and every hidden character of its text
    /// except line breaks and tabs replaced by `?` (one per byte, so that spans still point where they did). The
    /// text is a rule author's file, but it reaches terminals and CI logs; `##[` is broken the same way.
    fn named(&self) -> NamedSource<String> {
        NamedSource::new(visible(self.path), shown_source(self.text)).with_language("Rhai")
    }

    /// Byte offset of a 1-based line and character column (clamped to the text).
    fn offset(&self, line: usize, column: usize) -> usize {
        let mut start = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let within: usize = l.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
                return start + within;
            }
            start += l.len();
        }
        self.text.len()
    }

    fn at(&self, at: &ScriptLocation) -> Option<usize> {
        at.line.map(|l| self.offset(l, at.column.unwrap_or(1)))
    }

    /// The token at `offset`: an identifier or number, a string literal, or one character.
    fn token(&self, offset: usize) -> (usize, usize) {
        let rest = &self.text[offset..];
        let mut chars = rest.char_indices();
        let len = match chars.next() {
            None => 0,
            Some((_, c)) if c.is_alphanumeric() || c == '_' => {
                rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
            }
            Some((_, q @ ('"' | '`'))) => {
                let mut escaped = false;
                let mut end = rest.len();
                for (i, c) in chars {
                    match c {
                        '\n' => {
                            end = i;
                            break;
                        }
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        c if c == q => {
                            end = i + 1;
                            break;
                        }
                        _ => {}
                    }
                }
                end
            }
            Some((_, open @ ('#' | '['))) => {
                // A map `#{ ... }` or an array `[ ... ]` literal: to its matching bracket.
                let (open, close) = if open == '#' { ('{', '}') } else { ('[', ']') };
                let mut depth = 0usize;
                let mut end = 1;
                for (i, c) in rest.char_indices() {
                    if c == open {
                        depth += 1;
                    } else if c == close {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                }
                end
            }
            Some((_, c)) => c.len_utf8(),
        };
        (offset, len)
    }

    /// From `offset` to the end of its line, without trailing blanks.
    fn to_line_end(&self, offset: usize) -> (usize, usize) {
        let rest = &self.text[offset..];
        let line = rest.split('\n').next().unwrap_or_default();
        (offset, line.trim_end().len().max(1).min(rest.len()))
    }

    /// The first occurrence of `needle` at or after `from`, as a span.
    fn find_from(&self, from: usize, needle: &str) -> Option<(usize, usize)> {
        self.text.get(from..)?.find(needle).map(|i| (from + i, needle.len()))
    }

    /// Where `fn NAME(` is defined.
    fn function(&self, name: &str) -> Option<(usize, usize)> {
        let needle = format!("fn {name}(");
        self.text
            .match_indices(&needle)
            .find(|(i, _)| self.text[..*i].rsplit('\n').next().is_some_and(|before| before.trim().is_empty()))
            .map(|(i, _)| (i, needle.len() - 1))
    }

    /// Every `fn NAME(...)` header at the start of a line: (name, span of the header).
    fn functions(&self) -> Vec<(String, (usize, usize))> {
        let mut out = Vec::new();
        let mut start = 0;
        for line in self.text.split_inclusive('\n') {
            if let Some(rest) = line.strip_prefix("fn ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let header = line.find(')').map(|i| i + 1).unwrap_or(line.trim_end().len());
                out.push((name, (start, header)));
            }
            start += line.len();
        }
        out
    }

    /// The declaration of parameter `name` inside `meta()`'s `params`: its value, or the name.
    fn param_declaration(&self, name: &str) -> Option<(usize, usize)> {
        let (params, _) = self.meta_key("params")?;
        let (k, len) = self.find_from(params, &format!("{name}:"))?;
        let after = k + len;
        let value = after + self.text[after..].len() - self.text[after..].trim_start().len();
        match self.token(value) {
            (o, l) if l > 0 => Some((o, l)),
            _ => Some((k, len - 1)),
        }
    }

    /// The value of `key:` inside `fn meta()`, or the key itself.
    fn meta_key(&self, key: &str) -> Option<(usize, usize)> {
        let from = self.function("meta").map(|(i, _)| i).unwrap_or(0);
        let (k, len) = self.find_from(from, &format!("{key}:"))?;
        let after = k + len;
        let value = after + self.text[after..].len() - self.text[after..].trim_start().len();
        match self.token(value) {
            (o, l) if l > 0 => Some((o, l)),
            _ => Some((k, len - 1)),
        }
    }
}

/// A script's text with every hidden character but `\n`, `\t` and the `\r` of a `\r\n` replaced by `?` (one per
/// byte), and the first `#` of `##[` too: byte offsets are unchanged.
fn shown_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let rest = &text[i..];
        let kept = matches!(c, '\n' | '\t') || rest.starts_with("\r\n");
        if kept || !(is_hidden(c) || rest.starts_with(LEGACY_COMMAND)) {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    out
}

/// A diagnostic; its message quotes scripts, ids and thrown values, so it is made visible line by line.
fn diag(code: &'static str, message: String) -> ScriptDiagnostic {
    let message = visible_lines(&message).into_owned();
    ScriptDiagnostic { code, message, help: None, source: None, labels: Vec::new(), related: Vec::new(), advice: false }
}

impl ScriptDiagnostic {
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(visible_lines(&help.into()).into_owned());
        self
    }

    /// Attaches the script and a primary label; without a span the message names the file instead.
    fn at(
        mut self,
        script: Option<&Script<'_>>,
        at: &ScriptLocation,
        span: Option<(usize, usize)>,
        label: &str,
    ) -> Self {
        match (script, span) {
            (Some(s), Some(span)) => {
                self.source = Some(s.named());
                self.labels.push(LabeledSpan::new_primary_with_span(Some(visible(label).into_owned()), span));
            }
            _ => self.message = format!("{}: {}", visible(&at.to_string()), self.message),
        }
        self
    }

    fn also(mut self, span: Option<(usize, usize)>, label: String) -> Self {
        if let (Some(span), Some(_)) = (span, &self.source) {
            self.labels.push(LabeledSpan::new_with_span(Some(visible(&label).into_owned()), span));
        }
        self
    }
}

const API_HELP: &str = "the rule file contract and the script API are documented in rules/README.md";

/// A diagnostic for a rule that cannot load, or `None` when the error is not about a script's text.
pub(crate) fn load_error(err: &LoadError, library: &RuleLibrary) -> Option<ScriptDiagnostic> {
    Some(match err {
        LoadError::Compile { at, message } => {
            let script = Script::find(library, &at.path);
            let span = script.as_ref().and_then(|s| s.at(at).map(|o| s.token(o)));
            diag("rule::syntax", format!("the rule script does not compile: {message}"))
                .at(script.as_ref(), at, span, "here")
                .help(API_HELP)
        }
        LoadError::TopLevelCode { at } => {
            let script = Script::find(library, &at.path);
            let span = script.as_ref().and_then(|s| s.at(at).map(|o| s.to_line_end(o)));
            diag("rule::top-level-code", "top-level code is not allowed in a rule file".into())
                .at(script.as_ref(), at, span, "outside any function")
                .help("put it inside fn meta() or fn check(agent, params); rule files only define functions")
        }
        LoadError::MissingFunction { at, signature } => missing_function(library, at, signature),
        LoadError::BadMeta { at, message } => bad_meta(library, at, message),
        LoadError::DuplicateId { id, first, second } => {
            let literal = format!("{id:?}");
            let place = |path: &str| {
                let script = Script::find(library, path);
                let span = script.as_ref().and_then(|s| s.find_from(s.function("meta")?.0, &literal));
                (script, span)
            };
            let (s2, span2) = place(second);
            let (s1, span1) = place(first);
            let at2 = ScriptLocation { path: second.clone(), line: None, column: None };
            let at1 = ScriptLocation { path: first.clone(), line: None, column: None };
            let mut d = diag("rule::duplicate-id", format!("rule id {literal} is declared twice"))
                .at(s2.as_ref(), &at2, span2, "declared again here")
                .help("rule ids are unique across all packs and stable (reports, fingerprints and shiftgate.toml use them): give one of the rules a new id");
            let mut first_d = diag("", format!("{literal} is first declared in {first}")).at(
                s1.as_ref(),
                &at1,
                span1,
                "first declared here",
            );
            first_d.advice = true;
            d.related.push(first_d);
            d
        }
        LoadError::UndeclaredParam { at, param, declared } => {
            let script = Script::find(library, &at.path);
            let span = script.as_ref().and_then(|s| s.at(at).map(|o| s.token(o)));
            let params_span = script.as_ref().and_then(|s| s.meta_key("params"));
            let known = if declared.is_empty() { "none".to_string() } else { declared.join(", ") };
            diag("rule::undeclared-parameter", format!("undeclared parameter `{param}`"))
                .at(script.as_ref(), at, span, "not declared in meta() params")
                .also(params_span, format!("declared parameters: {known}"))
                .help(format!(
                    "declare it in meta() with its default, e.g. params: #{{ {param}: ... }}, or use a declared one"
                ))
        }
        LoadError::BadParam { at, param, message } => {
            let script = Script::find(library, &at.path);
            let span = script.as_ref().and_then(|s| s.param_declaration(param));
            diag("rule::parameter", format!("meta(): parameter `{param}`: {message}"))
                .at(script.as_ref(), at, span, "declared here")
                .help("a number declares its range, e.g. max_days: #{ value: 6, min: 1, max: 31 }; a string may list its values with one_of; booleans, strings and lists of strings may be bare defaults (rules/README.md, section 9)")
        }
        LoadError::Io { .. } | LoadError::UnknownPack { .. } | LoadError::Manifest { .. } => return None,
    })
}

fn missing_function(library: &RuleLibrary, at: &ScriptLocation, signature: &str) -> ScriptDiagnostic {
    let script = Script::find(library, &at.path);
    let wanted = if signature.starts_with("fn meta") { "meta" } else { "check" };
    let d = diag("rule::missing-function", format!("a rule file must define {signature}"));
    let (span, label) = match &script {
        Some(s) => {
            let fns = s.functions();
            if let Some((_, span)) = fns.iter().find(|(n, _)| n == wanted) {
                (Some(*span), format!("{wanted} is defined here with the wrong parameters; expected {signature}"))
            } else if let Some((name, span)) =
                fns.iter().find(|(n, _)| n != "meta" && n != "check").or_else(|| fns.first())
            {
                (Some(*span), format!("this file defines {name}(...), but no {signature}"))
            } else {
                (Some(s.to_line_end(0)), format!("no {signature} in this file"))
            }
        }
        None => (None, String::new()),
    };
    let help = if wanted == "meta" {
        "add fn meta() { #{ id: \"<pack prefix>.<area>.<name>\", title: \"...\", severity: \"error\", params: #{} } }"
    } else {
        "add fn check(agent, params) { ... }: it is called once per agent and calls report(subject, message) for each violation"
    };
    d.at(script.as_ref(), at, span, &label).help(help)
}

fn bad_meta(library: &RuleLibrary, at: &ScriptLocation, message: &str) -> ScriptDiagnostic {
    let script = Script::find(library, &at.path);
    // meta() validation names the key its message is about as the first word (`id`, `severity`, ...), or says
    // "unknown key `x`".
    let first = message.split_whitespace().next().unwrap_or_default().trim_matches('`');
    let key = match message.strip_prefix("unknown key `") {
        Some(rest) => rest.split('`').next().unwrap_or_default(),
        None if ["id", "title", "severity", "params"].contains(&first) => first,
        None => "",
    };
    let span = script.as_ref().and_then(|s| match s.at(at) {
        Some(o) => Some(s.token(o)),
        None if !key.is_empty() => s.meta_key(key),
        None => s.function("meta"),
    });
    let label = match key {
        "" => "here",
        _ if message.starts_with("unknown key") => "unknown key",
        "severity" => "not a severity",
        k => k,
    };
    let help = match key {
        "severity" => {
            "severity is \"error\" (blocks publishing), \"warning\" (blocks only under --fail-on warning) or \"info\""
        }
        "id" => "ids are dotted, lower case, and start with the pack's prefix (core., flsa., il., chi., ca., eu., ...)",
        "params" => "params is a map of parameter names to their defaults, e.g. params: #{ min_minutes: 600 }",
        "title" => "title is a short string shown by `shiftgate rules list`",
        _ if message.starts_with("unknown key") => "meta() returns exactly #{ id, title, severity, params }",
        _ => "meta() returns #{ id: \"...\", title: \"...\", severity: \"error\", params: #{} }",
    };
    diag("rule::meta", format!("meta(): {message}")).at(script.as_ref(), at, span, label).help(help)
}

/// A diagnostic for a rule that failed while checking an agent of `snapshot` (the gate fails closed), or for an
/// agent's own parameter that does not fit the rule (an input error).
pub(crate) fn run_error(err: &RunError, snapshot: &str, library: &RuleLibrary) -> ScriptDiagnostic {
    if err.kind == RunErrorKind::AgentParam {
        return diag("input::agent-parameter", format!("{snapshot}: {}: {}", err.at, err.message))
            .help(format!(
                "agent {} overrides a parameter of rule {}: fix the value in the snapshot, or remove it to use the rule's setting (`shiftgate rules explain {}` lists the parameters)",
                err.agent, err.rule, err.rule
            ));
    }
    let script = Script::find(library, &err.at.path);
    let start = script.as_ref().and_then(|s| s.at(&err.at));
    let limits = Limits::default();
    let limit = limits.max_operations;
    // Rhai does not always know where a script was when it is stopped; the checker then points at `fn check`.
    let at_function = start.is_some_and(|o| script.as_ref().is_some_and(|s| s.text[o..].starts_with("fn ")));
    let line_span = start.and_then(|o| script.as_ref().map(|s| s.to_line_end(o)));
    let token_span = start.and_then(|o| script.as_ref().map(|s| s.token(o)));
    let (code, label, help, span) = if err.message.starts_with("exceeded the operation limit") {
        (
            "rule::operation-limit",
            if at_function {
                format!("this call ran out of its {limit} operations (the exact place is unknown)")
            } else {
                format!("still running here after {limit} operations")
            },
            format!("check(agent, params) may run at most {limit} operations per agent: look for a loop that never ends, or work the checker already does natively (rules/README.md)"),
            line_span,
        )
    } else if err.kind == RunErrorKind::Limit && err.message.contains("time limit") {
        (
            "rule::time-limit",
            if at_function { "this call ran out of time (the exact place is unknown)".to_string() } else { "still running here".to_string() },
            format!(
                "a call may take at most {} s and a run {} s: look for a loop that sorts, searches or copies large arrays or strings over and over (rules/README.md, section 11)",
                limits.call_time.as_secs_f64(),
                limits.run_time.as_secs_f64()
            ),
            line_span,
        )
    } else if err.kind == RunErrorKind::Limit && err.message.starts_with("report()") {
        (
            "rule::findings-cap",
            "reported here".to_string(),
            "report one finding per problem with a short message (details go in measured, limit, cause and refs); a rule that finds that many problems in one agent's week has a bug".to_string(),
            line_span,
        )
    } else if err.kind == RunErrorKind::Limit {
        (
            "rule::sandbox-limit",
            "stopped here".to_string(),
            "rule scripts run with limits on value sizes, variables and call depth (rules/README.md, section 11): keep the work in the checker's native functions".to_string(),
            line_span,
        )
    } else if err.message.starts_with("script threw") {
        (
            "rule::throw",
            "thrown here".to_string(),
            "a throw stops the whole check (exit 3, nothing is published): report a finding with report(subject, message) instead".to_string(),
            line_span,
        )
    } else if err.message.starts_with("Function not found") {
        (
            "rule::unknown-function",
            "no such function".to_string(),
            "rule scripts can call the script API (rules/README.md, sections 3-6) and Rhai's functions for numbers, strings, arrays and maps; nothing that reads the clock, waits, exits or reads files (section 11)".to_string(),
            token_span,
        )
    } else if err.message.contains("undeclared parameter") {
        (
            "rule::undeclared-parameter",
            "not a key of this map".to_string(),
            "every params.NAME a rule reads must be declared with its default in meta() params".to_string(),
            token_span,
        )
    } else {
        (
            "rule::runtime",
            "failed here".to_string(),
            "the gate fails closed (exit 3): fix the rule, or disable it with `enabled = false` under its [rules.\"id\"] table in shiftgate.toml".to_string(),
            token_span,
        )
    };
    diag(code, format!("rule {} failed while checking agent {} in {snapshot}: {}", err.rule, err.agent, err.message))
        .at(script.as_ref(), &err.at, span, &label)
        .help(help)
}

/// Whether diagnostics on standard error may use colour.
fn colour() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Renders for standard error: unicode and colour on a terminal, plain ASCII otherwise.
pub(crate) fn render(d: &ScriptDiagnostic) -> String {
    render_with(d, if colour() { GraphicalTheme::unicode() } else { GraphicalTheme::none() })
}

/// Renders as plain ASCII (for embedding in reports such as `rules test` output).
pub(crate) fn render_plain(d: &ScriptDiagnostic) -> String {
    render_with(d, GraphicalTheme::none())
}

fn render_with(d: &ScriptDiagnostic, theme: GraphicalTheme) -> String {
    let handler =
        GraphicalReportHandler::new_themed(theme).with_links(false).with_wrap_lines(false).with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("error: {}\n", d.message);
    }
    out
}
