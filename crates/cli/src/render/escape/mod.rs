//! Escaping what comes from outside (snapshot ids, rule scripts' messages and ids, file names, platform answers)
//! before it is printed, one module per target:
//!
//! - [`terminal`]: terminals and CI logs (human output, the plain lines of `--format github`, error messages).
//! - [`github`]: GitHub Actions workflow commands (`::error file=F,title=T::message`).
//! - [`xml`]: XML content and attribute values (JUnit).
//! - [`json`]: JSON documents (`--format json`, SARIF, `explain-conflict --format json`).
//! - [`html`]: HTML content and attributes, and JSON data embedded in a script block (`--format html`).
//!
//! What they guard against, besides the target's own syntax: a raw line break lets an outside string start a new
//! line, which in a GitHub Actions log becomes a workflow command when it begins with `::`; the runner's legacy
//! form `##[command]` is recognised *anywhere* in a line; ANSI escapes repaint a terminal; bidirectional controls
//! reorder what a reader sees; and characters the runner's culture-aware string search ignores (soft hyphen,
//! zero-width joiners, ...) can hide a `##[` or `::` from a naive check. So every such character is made visible
//! (or encoded) instead of printed raw, and `##[` is always broken.

pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod terminal;
pub(crate) mod xml;

/// Which characters do not show as themselves, and the runner's legacy command prefix: one list for the whole
/// workspace, owned by the publisher (whose error messages quote platform answers) and used by every renderer here.
pub(crate) use shiftgate_publish::hidden::{is_hidden, LEGACY_COMMAND};
