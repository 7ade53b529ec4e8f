//! shiftgate-tests: the cross-crate suites. The library is empty; each file under `tests/` is one suite, run with
//! `cargo test -p shiftgate-tests --test <name>`. Most drive the built `shiftgate` binary (build it first:
//! `cargo build -p shiftgate`; `cargo test --workspace` does) and any simulator they need on 127.0.0.1.
//!
//! Suites:
//! - `rules_tooling.rs`: the rule author's tools (diagnostics of broken scripts, `rules test`, `rules new`) and
//!   the CI outputs of `check` (SARIF against its schema, JUnit, GitHub annotations).
//! - `registry.rs`: the rules that predict a platform refusal are exactly those no waiver may name.
//! - `import_cxone.rs`: `import cxone` end to end: every export form gives the same snapshot; bad input exits 2.
//! - `pull.rs`: `pull` from a simulator, and `check` of the pulled week agreeing with `check` of its seed.
//! - `publish_cli.rs`: `publish`, `explain-conflict`, `demo` and `sim` through the binary: stories, exit codes,
//!   credentials that never leave their origin.
//! - `publish_strict.rs`: issue #9's fault cases against the simulator in its strict, platform-faithful mode.
//! - `publish_faults.rs`: the publisher in process against the simulator, proptest over seeded fault plans and
//!   concurrent writers.
//! - `html_report.rs`: the HTML report opened in headless Chromium (`/usr/bin/chromium`), read from the live DOM.
//! - `hostile_input.rs`: regression tests for the small holes in input handling, each sized to run in seconds.
//! - `hostile_output.rs`: no output of any command carries a raw control character or a forged workflow command.
//! - `hostile_fuzz.rs`: proptest over the snapshot reader, the configuration loader and the 409 body parser.
//!
//! Shared modules: `common/` (finding and running the binary), `publish_support/` (the weeks the publisher tests
//! publish, the checker behind its validator seam), `hostile_support/` (the hostile string and the forgery
//! checks), `browser/` (a small DevTools-protocol client). Inputs live in `tests/fixtures/` (broken rule packs,
//! `rules test` cases, the SARIF 2.1.0 schema); insta snapshots in `tests/tests/snapshots/`.
