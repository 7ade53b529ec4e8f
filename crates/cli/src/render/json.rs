//! `--format json`: shiftgate.report/1, one document per snapshot (an array when there are several).

use std::io::Write;

use shiftgate_check::Report;

pub(crate) fn write(out: &mut dyn Write, reports: &[(String, Report)]) -> std::io::Result<()> {
    match reports {
        [(_, one)] => serde_json::to_writer_pretty(&mut *out, one)?,
        many => serde_json::to_writer_pretty(&mut *out, &many.iter().map(|(_, r)| r).collect::<Vec<_>>())?,
    }
    writeln!(out)
}
