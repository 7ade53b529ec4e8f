//! `shiftgate schema`: the JSON Schema of the snapshot format.

use std::io::Write as _;

use anyhow::Context as _;

use crate::exit::{Failure, WithCode, INPUT, OK};

pub(crate) fn run() -> Result<u8, Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(shiftgate_model::format::JSON_SCHEMA.as_bytes()).context("cannot write the schema").code(INPUT)?;
    Ok(OK)
}
