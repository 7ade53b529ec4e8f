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

/// A `shiftgate` command run from the workspace root, without colour.
pub(crate) fn shiftgate() -> Command {
    let mut c = Command::new(binary());
    c.current_dir(workspace()).env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
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
