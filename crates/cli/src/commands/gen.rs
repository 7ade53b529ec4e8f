//! `shiftgate gen`: a synthetic snapshot.

use std::io::Write as _;

use anyhow::Context as _;
use shiftgate_gen::{generate_json, GenOptions};

use crate::args::GenArgs;
use crate::exit::{Failure, WithCode, INPUT, OK};

pub(crate) fn run(args: &GenArgs) -> Result<u8, Failure> {
    let opts = GenOptions {
        agents: args.agents,
        seed: args.seed,
        weeks: args.weeks,
        problems: !args.clean,
        ..GenOptions::default()
    };
    let bytes = generate_json(&opts);
    match &args.output {
        Some(p) => std::fs::write(p, &bytes).with_context(|| format!("cannot write {}", p.display())).code(INPUT)?,
        None => std::io::stdout().lock().write_all(&bytes).context("cannot write to standard output").code(INPUT)?,
    }
    Ok(OK)
}
