//! `shiftgate import cxone`: CXone exports and a mapping file in, a `shiftgate.snapshot/1` document out. The
//! conversion is `shiftgate-cxone`'s; this is the edge: reading files and folders (bounded), writing the result,
//! and saying on stderr what was read and what was left out.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use shiftgate_cxone::{Export, Mapping};
use shiftgate_model::time::{parse_date, parse_instant};

use crate::args::ImportCxoneArgs;
use crate::exit::{Failure, WithCode, INPUT, OK};
use crate::input::{display_name, read_capped, MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES};
use crate::render::escape::terminal::visible;

/// At most this many export files are read in one run: a year of daily exports of a dozen units.
const MAX_EXPORT_FILES: usize = 10_000;

pub(crate) fn run(args: &ImportCxoneArgs) -> Result<u8, Failure> {
    let week = parse_date(&args.week)
        .ok_or_else(|| anyhow!("--week {:?}: expected a date such as 2026-11-01", args.week))
        .code(INPUT)?;
    let as_of = match &args.as_of {
        Some(s) => Some(
            parse_instant(s)
                .ok_or_else(|| anyhow!("--as-of {s:?}: expected an RFC 3339 instant such as 2026-10-25T18:00:00-05:00"))
                .code(INPUT)?,
        ),
        None => None,
    };
    if args.exports.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(anyhow!("`-` (standard input) can be given only once")).code(INPUT);
    }
    let mapping = read_mapping(&args.mapping)?;
    let files = export_files(&args.exports)?;
    let mut read = Vec::with_capacity(files.len());
    let mut budget = MAX_DOCUMENT_BYTES;
    for path in &files {
        // One cap for all exports together: the snapshot they make is held in memory at once.
        let bytes = read_capped(path, budget).map_err(|f| {
            if budget < MAX_DOCUMENT_BYTES && f.error.to_string().contains("larger than") {
                let all =
                    format!("the exports together hold more than {MAX_DOCUMENT_BYTES} bytes, the most read at once");
                Failure { code: f.code, error: anyhow!(all) }
            } else {
                f
            }
        })?;
        budget -= bytes.len() as u64;
        read.push((display_name(path), bytes));
    }
    let exports: Vec<Export<'_>> = read.iter().map(|(name, bytes)| Export { name, bytes }).collect();
    let imported = shiftgate_cxone::import(&exports, &mapping, week, as_of).map_err(anyhow::Error::new).code(INPUT)?;

    let to = if args.output.as_os_str() == "-" { "standard output".to_string() } else { display_name(&args.output) };
    let written = if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(imported.json.as_bytes()).and_then(|()| out.flush())
    } else {
        std::fs::write(&args.output, &imported.json)
    };
    match written {
        // `import ... | head` closes the pipe early; the snapshot was complete and valid.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.with_context(|| format!("cannot write {}", visible(&to))).code(INPUT)?,
    }
    let mut err = anstream::stderr();
    let t = &imported.tally;
    let _ = writeln!(
        err,
        "Imported the week of {week} from {} CXone export{} into {}: {} agents, {} shifts, {} before the week as history{}.",
        exports.len(),
        if exports.len() == 1 { "" } else { "s" },
        visible(&to),
        t.agents,
        t.shifts,
        t.history,
        if t.repeated_rows > 0 { format!("; {} repeated rows read once", t.repeated_rows) } else { String::new() },
    );
    for note in &imported.notes {
        let _ = writeln!(err, "note: {}", visible(note));
    }
    let _ = writeln!(
        err,
        "The exports carry no time-off requests or shift trades: `check` lists the rules that had nothing to judge."
    );
    Ok(OK)
}

fn read_mapping(path: &Path) -> Result<Mapping, Failure> {
    let name = display_name(path);
    let bytes = read_capped(path, MAX_CONFIG_BYTES)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| anyhow!("{}: not UTF-8 text (byte {})", visible(&name), e.utf8_error().valid_up_to()))
        .code(INPUT)?;
    Mapping::from_toml(&text, &name).map_err(anyhow::Error::new).code(INPUT)
}

/// The files to read, in order: each file as given, each folder's files by name (not recursing, skipping names
/// that start with `.`), `-` as itself.
fn export_files(given: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in given {
        let is_dir = path.as_os_str() != "-" && path.is_dir();
        if !is_dir {
            files.push(path.clone());
        } else {
            let name = visible(&display_name(path)).into_owned();
            let mut inside: Vec<PathBuf> = Vec::new();
            for entry in
                std::fs::read_dir(path).with_context(|| format!("cannot read the folder {name}")).code(INPUT)?
            {
                let entry = entry.with_context(|| format!("cannot read the folder {name}")).code(INPUT)?;
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if !hidden && entry.path().is_file() {
                    inside.push(entry.path());
                }
                if inside.len() > MAX_EXPORT_FILES {
                    break;
                }
            }
            if inside.is_empty() {
                return Err(anyhow!("the folder {name} holds no export files")).code(INPUT);
            }
            inside.sort();
            files.extend(inside);
        }
        if files.len() > MAX_EXPORT_FILES {
            return Err(anyhow!("more than {MAX_EXPORT_FILES} export files; import fewer at a time")).code(INPUT);
        }
    }
    Ok(files)
}
