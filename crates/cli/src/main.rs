//! The `shiftgate` binary: argument parsing, rendering and exit codes. The work happens in the library crates
//! (`shiftgate-model` reads snapshots, `shiftgate-check` runs the rules, `shiftgate-publish` talks to the platform,
//! `shiftgate-sim` simulates it, `shiftgate-cxone` imports CXone exports, `shiftgate-gen` makes weeks).
//!
//! A tour, in the order a command runs:
//! - `args`: the command line (clap); every subcommand's help text, flags and defaults live there.
//! - `commands`: one module per subcommand; each returns an exit code or a `exit::Failure` carrying one.
//! - `input`: snapshots, platform answers and configuration read through bounded readers, from files or stdin.
//! - `validator`: the checker adapted to the publisher's `Validator` seam (the publisher never depends on it).
//! - `render`: human, HTML, JSON, SARIF, JUnit and GitHub outputs; everything from outside is escaped there
//!   (`render::escape`), and `locate` finds a finding's line and column in the snapshot file for CI annotations.
//! - `diagnostics`: a rule script that fails to load or run, shown as `file:line:column` with its source.
//! - `exit`: the exit codes: 0 ok, 1 blocking findings, 2 usage, input or configuration error, 3 a rule failed
//!   at run time, 4 publish gave up.
//!
//! `main` only parses, runs, and prints a failure (escaped, with its cause chain) before exiting with its code.

mod args;
mod commands;
mod diagnostics;
mod exit;
mod input;
mod locate;
mod render;
mod validator;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

// Reading a large snapshot makes millions of small allocations; mimalloc measured markedly faster than the system
// allocator on them (see the benchmark notes in the issue).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::INPUT } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let mut err = anstream::stderr();
            match failure.error.downcast_ref::<diagnostics::ScriptDiagnostic>() {
                Some(d) => {
                    let _ = err.write_all(diagnostics::render(d).as_bytes());
                }
                None => {
                    let text = format!("{:#}", failure.error);
                    let _ = writeln!(err, "\x1b[1;31merror\x1b[0m: {}", render::escape::terminal::visible_lines(&text));
                }
            }
            ExitCode::from(failure.code)
        }
    }
}
