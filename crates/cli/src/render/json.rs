//! `--format json`: shiftgate.report/1, one document per snapshot (an array when there are several), written
//! through [`escape::json`].

use std::io::Write;

use shiftgate_check::Report;

use crate::render::escape;

pub(crate) fn write(out: &mut dyn Write, reports: &[(String, Report)]) -> std::io::Result<()> {
    match reports {
        [(_, one)] => escape::json::to_writer_pretty(&mut *out, one)?,
        many => escape::json::to_writer_pretty(&mut *out, &many.iter().map(|(_, r)| r).collect::<Vec<_>>())?,
    }
    writeln!(out)
}
