//! The `shiftgate` binary: argument parsing, rendering and exit codes. The work happens in the library crates.

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
