//! `shiftgate explain-conflict`: root causes for a platform's 409 answer, from a local check of the snapshot.
//!
//! The answer is read strictly ([`read_conflicts`]): one that is not a recognisable conflict body is an input
//! error naming what is wrong where, never "explained". Everything printed from the answer or the snapshot goes
//! through the renderers' escaping.

use std::io::Write;

use anyhow::{anyhow, Context as _};
use serde::Serialize;
use serde_json::Value;
use shiftgate_check::Checker;
use shiftgate_publish::explain::{explain_conflicts, read_conflicts};
use shiftgate_publish::{ConflictExplanation, REPORT_FORMAT};

use crate::args::{ExplainConflictArgs, ExplainFormat};
use crate::commands::publish::{fail_on_level, parse_as_of};
use crate::exit::{Failure, WithCode, FINDINGS, INPUT, OK, RULE_FAILED};
use crate::input::{display_name, load_rules, read_bytes, read_snapshot_and_text};
use crate::render::escape::json;
use crate::render::escape::terminal::visible;
use crate::validator::CheckerValidator;

/// Format tag of the JSON output.
pub(crate) const CONFLICTS_FORMAT: &str = "shiftgate.conflicts/1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    format: &'static str,
    snapshot: SnapshotIds<'a>,
    summary: Summary,
    conflicts: &'a [ConflictExplanation],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotIds<'a> {
    business_unit_id: &'a str,
    schedule_id: &'a str,
    week_date: String,
    version: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    conflicts: usize,
    explained: usize,
    validator_gaps: usize,
}

/// Reads the platform's answer: a raw error body, or a saved `publish --json` report that carries one.
pub(crate) fn response_body(bytes: &[u8], name: &str) -> Result<Value, Failure> {
    let name = visible(name);
    let body: Value = serde_json::from_slice(bytes).with_context(|| format!("{name} is not JSON")).code(INPUT)?;
    if !body.is_object() {
        return Err(anyhow!("{name}: expected a JSON object (the platform's error body)")).code(INPUT);
    }
    if body.get("format").and_then(Value::as_str) == Some(REPORT_FORMAT) {
        return match body.get("responseBody") {
            Some(b) if b.is_object() => Ok(b.clone()),
            _ => Err(anyhow!("{name} is a publish report without a platform answer (its run was not refused)"))
                .code(INPUT),
        };
    }
    Ok(body)
}

pub(crate) fn run(args: &ExplainConflictArgs) -> Result<u8, Failure> {
    if args.snapshot.as_os_str() == "-" && args.response.as_os_str() == "-" {
        return Err(anyhow!("`-` (standard input) can be given only once")).code(INPUT);
    }
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let response_name = display_name(&args.response);
    let body = response_body(&read_bytes(&args.response)?, &response_name)?;
    // Read the answer before checking anything: an unreadable one needs no rules run.
    let conflicts = read_conflicts(&body)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a conflict answer shiftgate can explain", visible(&response_name)))
        .code(INPUT)?;
    let (snapshot, _) = read_snapshot_and_text(&args.snapshot)?;
    let mut snapshot = (*snapshot).clone();
    if as_of.is_some() {
        snapshot.as_of = as_of;
    }
    let validator = CheckerValidator::new(Checker::new(load_rules(&args.rules)?, None), fail_on_level(args.fail_on));
    let result = validator.check(&snapshot, &[]);
    if let Err(e) = &result {
        return Err(Failure {
            code: RULE_FAILED,
            error: anyhow!("{e}").context(format!("checking {} failed closed", visible(&display_name(&args.snapshot)))),
        });
    }
    let explanations = explain_conflicts(&snapshot, &validator.validation(&result), conflicts);
    let gaps = explanations.iter().filter(|e| e.validator_gap).count();
    let summary = Summary { conflicts: explanations.len(), explained: explanations.len() - gaps, validator_gaps: gaps };
    let mut out = anstream::stdout();
    let written = match args.format {
        ExplainFormat::Json => {
            let output = Output {
                format: CONFLICTS_FORMAT,
                snapshot: SnapshotIds {
                    business_unit_id: &snapshot.business_unit.id,
                    schedule_id: &snapshot.schedule.id,
                    week_date: snapshot.schedule.week_date.to_string(),
                    version: snapshot.schedule.version,
                },
                summary,
                conflicts: &explanations,
            };
            json::to_writer_pretty(&mut out, &output).and_then(|()| writeln!(out))
        }
        ExplainFormat::Human => write_human(&mut out, &explanations, &summary, &response_name, &args.snapshot),
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the explanation").code(INPUT)?,
    }
    Ok(if gaps > 0 { FINDINGS } else { OK })
}

fn write_human(
    out: &mut dyn Write,
    explanations: &[ConflictExplanation],
    summary: &Summary,
    response: &str,
    snapshot: &std::path::Path,
) -> std::io::Result<()> {
    const BOLD: &str = "\x1b[1m";
    const DIM: &str = "\x1b[2m";
    const RESET: &str = "\x1b[0m";
    let (response, snapshot) = (visible(response), display_name(snapshot));
    if explanations.is_empty() {
        return writeln!(
            out,
            "{BOLD}{response}{RESET}: the platform's answer lists no conflicts (an empty list): nothing to explain \
             against {}\n\n0 conflicts: 0 explained, 0 validator gaps",
            visible(&snapshot)
        );
    }
    writeln!(
        out,
        "{BOLD}{response}{RESET}: {} conflict(s), checked against {}",
        explanations.len(),
        visible(&snapshot)
    )?;
    for (i, e) in explanations.iter().enumerate() {
        let mark = if e.validator_gap { "\x1b[1;33mvalidator gap\x1b[0m" } else { "\x1b[1;32mexplained\x1b[0m" };
        writeln!(out, "\n{:>3}. [{mark}] {}", i + 1, visible(&e.summary))?;
        if let Some(m) = &e.conflict.message {
            writeln!(out, "     {DIM}platform said:{RESET} {}", visible(m))?;
        }
        for (j, c) in e.root_cause.iter().enumerate() {
            let lead = if j == 0 { "because:" } else { "        " };
            writeln!(out, "     {DIM}{lead}{RESET} {}", visible(c))?;
        }
    }
    writeln!(
        out,
        "\n{} conflict(s): {} explained, {} validator gap(s){}",
        summary.conflicts,
        summary.explained,
        summary.validator_gaps,
        if summary.validator_gaps > 0 {
            " (the gate let through something the platform refuses: add a rule or a fixture)"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::hostile::{assert_forges_nothing, HOSTILE};
    use shiftgate_publish::ServerConflict;

    fn render(explanations: &[ConflictExplanation], response: &str) -> String {
        let gaps = explanations.iter().filter(|e| e.validator_gap).count();
        let summary =
            Summary { conflicts: explanations.len(), explained: explanations.len() - gaps, validator_gaps: gaps };
        let mut out = Vec::new();
        write_human(&mut out, explanations, &summary, response, std::path::Path::new(HOSTILE)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn what_the_platform_said_is_shown_not_obeyed() {
        let conflict = ServerConflict {
            agent_id: Some(HOSTILE.into()),
            kind: Some(HOSTILE.into()),
            ref_id: Some(HOSTILE.into()),
            message: Some(HOSTILE.into()),
            ..ServerConflict::default()
        };
        let explanation = ConflictExplanation {
            conflict,
            when: Some(HOSTILE.into()),
            findings: Vec::new(),
            root_cause: vec![HOSTILE.into(), HOSTILE.into()],
            validator_gap: true,
            summary: format!("{HOSTILE}: the platform reports a conflict ({HOSTILE})"),
        };
        let out = render(&[explanation.clone(), explanation], HOSTILE);
        assert_forges_nothing(&out, true, &[]);
        assert!(out.contains("platform said:\x1b[0m s-1\\n::error file=evil.json"), "{out}");
        assert!(out.contains("2 conflict(s): 0 explained, 2 validator gap(s)"), "{out}");
    }

    #[test]
    fn an_empty_conflict_list_says_there_is_nothing_to_explain() {
        let out = render(&[], "answer.json");
        assert!(
            out.contains("lists no conflicts") && out.contains("0 conflicts: 0 explained, 0 validator gaps"),
            "{out}"
        );
    }
}
