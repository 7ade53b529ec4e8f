//! Helpers shared by the end-to-end tests of the `shiftgate` binary.
//!
//! The binary belongs to another package, so `CARGO_BIN_EXE_shiftgate` is not set here: it is found next to the
//! test executable (`target/<profile>/deps/<test>` -> `target/<profile>/shiftgate`). `cargo test --workspace`
//! builds it before any test runs; when running only this package, build it first:
//! `cargo build -p shiftgate && cargo test -p shiftgate-tests`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root; commands run there so paths in their output are relative and stable.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The built `shiftgate` binary.
pub(crate) fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let bin = dir.join(format!("shiftgate{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: run `cargo build -p shiftgate` first (cargo test --workspace does)",
        bin.display()
    );
    bin
}

/// A `shiftgate` command run from the workspace root, without colour and without platform credentials from the
/// outer shell (a test that wants them says so).
pub(crate) fn shiftgate() -> Command {
    let mut c = Command::new(binary());
    c.current_dir(workspace())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("SHIFTGATE_CLIENT_ID")
        .env_remove("SHIFTGATE_CLIENT_SECRET")
        .env_remove("SHIFTGATE_TOKEN");
    c
}

/// `shiftgate ARGS...` as a command, not yet run.
pub(crate) fn command(args: &[&str]) -> Command {
    let mut c = shiftgate();
    c.args(args);
    c
}

/// Runs `shiftgate ARGS...` from the workspace root.
pub(crate) fn run(args: &[&str]) -> Output {
    shiftgate().args(args).output().expect("shiftgate runs")
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Standard output and standard error, one after the other (for assertion messages).
pub(crate) fn all_text(o: &Output) -> String {
    format!("{}\n{}", text(&o.stdout), text(&o.stderr))
}

/// Runs a command off the async runtime (a simulator on the same runtime serves meanwhile).
pub(crate) async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("shiftgate runs")).await.unwrap()
}
