//! The fixture week (`fixtures/cxone/`, see its README) in every export form: each gives the same snapshot, the
//! DST night and the cut shifts come out as elapsed time, and the core pack finds exactly the planted problems,
//! naming the rules that had nothing to judge.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use shiftgate_check::{Checker, Config, Limits, RuleLibrary, RuleSet};
use shiftgate_cxone::{import, Export, Imported, Mapping};
use shiftgate_model::Snapshot;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cxone")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn mapping_text() -> String {
    read("cxone.toml")
}

fn week() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// Imports named texts with a mapping text.
fn import_texts(mapping: &str, files: &[(String, String)]) -> Imported {
    let mapping = Mapping::from_toml(mapping, "cxone.toml").unwrap_or_else(|p| panic!("{p}"));
    let exports: Vec<Export<'_>> =
        files.iter().map(|(name, text)| Export { name: name.as_str(), bytes: text.as_bytes() }).collect();
    import(&exports, &mapping, week(), None).unwrap_or_else(|p| panic!("{p}"))
}

fn files(names: &[&str]) -> Vec<(String, String)> {
    names.iter().map(|n| (n.to_string(), read(n))).collect()
}

fn api_folder() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("api"))
        .unwrap()
        .map(|e| format!("api/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    names.sort();
    names.iter().map(|n| (n.clone(), read(n))).collect()
}

fn pipe() -> Imported {
    import_texts(&mapping_text(), &files(&["detail-a.txt", "detail-b.txt"]))
}

#[test]
fn every_export_form_gives_the_same_snapshot() {
    let reference = pipe();
    assert!(reference.notes.is_empty(), "{:?}", reference.notes);
    let forms = [
        ("detail JSON", import_texts(&mapping_text(), &files(&["detail.json"]))),
        ("API answers, one per file", import_texts(&mapping_text(), &api_folder())),
        ("API answers, JSON lines", import_texts(&mapping_text(), &files(&["api.jsonl"]))),
    ];
    for (what, imported) in forms {
        assert_eq!(imported.json, reference.json, "{what} differs from the pipe-delimited export");
        assert_eq!(imported.notes, reference.notes, "{what}");
    }
    // The pipe exports repeat Wednesday; the API answers of 4712 repeat five days: each is read once.
    assert!(reference.tally.repeated_rows > 0);
    assert_eq!((reference.tally.agents, reference.tally.shifts, reference.tally.history), (8, 30, 1));
}

/// The pipe fixtures rewritten in another notation: dates in `format`, 12-hour times, no `#fields` line.
fn rewrite(text: &str, date: &dyn Fn(NaiveDate) -> String, twelve: bool, header: bool) -> String {
    let time = |t: &str| {
        if !twelve {
            return t.to_string();
        }
        let (h, m) = t.split_once(':').unwrap();
        let h: u32 = h.parse().unwrap();
        let (h12, half) = match h % 24 {
            0 => (12, "AM"),
            12 => (12, "PM"),
            h if h > 12 => (h - 12, "PM"),
            h => (h, "AM"),
        };
        format!("{h12}:{m} {half}")
    };
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#fields") {
            if header {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        let mut f: Vec<String> = line.split('|').map(str::to_string).collect();
        for k in [0, 1] {
            f[k] = date(NaiveDate::parse_from_str(&f[k], "%m%d%Y").unwrap());
        }
        for k in [9, 10] {
            f[k] = time(&f[k]);
        }
        out.push_str(&f.join("|"));
        out.push('\n');
    }
    out
}

#[test]
fn every_documented_date_notation_and_both_time_notations_give_the_same_snapshot() {
    let reference = pipe().json;
    let notations: [(&str, &str, &str); 9] = [
        ("mmddyy", "%m%d%y", "%m/%d/%y"),
        ("ddmmyy", "%d%m%y", "%d-%m-%y"),
        ("mmddyyyy", "%m%d%Y", "%m/%d/%Y"),
        ("ddmmyyyy", "%d%m%Y", "%d.%m.%Y"),
        ("yyyymmdd", "%Y%m%d", "%Y-%m-%d"),
        ("yyyyddmm", "%Y%d%m", "%Y/%d/%m"),
        ("yyddmm", "%y%d%m", "%y%d%m"),
        ("yymmdd", "%y%m%d", "%y-%m-%d"),
        ("iso", "%Y-%m-%d", "%Y-%m-%d"),
    ];
    let fields = "fields = [\"excdate\", \"schedDate\", \"TZ\", \"custID\", \"muID\", \"tvID\", \"acdID\", \"logonID\", \"excCode\", \"startTime\", \"endTime\"]";
    for (name, packed, separated) in notations {
        for (twelve, header, layout) in [(false, true, packed), (true, false, separated), (true, true, packed)] {
            let date = |d: NaiveDate| d.format(layout).to_string();
            let texts: Vec<(String, String)> = files(&["detail-a.txt", "detail-b.txt"])
                .into_iter()
                .map(|(n, t)| (n, rewrite(&t, &date, twelve, header)))
                .collect();
            let time = if twelve { "\"12\"" } else { "\"24\"" };
            let detail =
                format!("time_format = {time}\ndate_format = \"{name}\"\n{}", if header { "" } else { fields });
            let mapping = mapping_text().replace("time_format = \"24\"", &detail);
            let got = import_texts(&mapping, &texts).json;
            assert_eq!(got, reference, "{name} ({layout}), 12-hour: {twelve}, #fields: {header}");
        }
    }
}

fn snapshot() -> Arc<Snapshot> {
    Arc::new(Snapshot::from_json(pipe().json.as_bytes()).unwrap())
}

#[test]
fn local_times_become_exact_instants_across_dst_and_midnight() {
    let s = snapshot();
    let zone = s.zone();
    let shift = |id: &str| s.shift(s.shift_ix(id).unwrap_or_else(|| panic!("no shift {id}")));
    // Sunday 00:00 CDT - 08:00 CST lasts nine hours; the break is 15 minutes across the change.
    let dst = shift("4712-2026-11-01");
    assert_eq!(zone.format_interval(&dst.interval), "Sun Nov 1 00:00 CDT - 08:00 CST");
    assert_eq!(dst.interval.minutes(), 540);
    assert_eq!(zone.format_interval(&dst.activities[1].interval), "Sun Nov 1 01:50 CDT - 01:05 CST");
    assert_eq!(dst.activities[1].interval.minutes(), 15);
    // A night split into rows before and after midnight is one shift and one activity again, on its date.
    let night = shift("4712-2026-11-02");
    assert_eq!(zone.format_interval(&night.interval), "Mon Nov 2 22:00 - Tue Nov 3 06:00 CST");
    assert_eq!(zone.format_interval(&night.activities[0].interval), "Mon Nov 2 22:00 - Tue Nov 3 02:00 CST");
    // Cut where one export's range ends and rejoined from the next: one shift, dated Thursday.
    let cut = shift("4717-2026-11-05");
    assert_eq!(zone.format_interval(&cut.interval), "Thu Nov 5 16:00 - Fri Nov 6 02:00 CST");
    assert_eq!(cut.activities.len(), 3);
    // The schedule before the week is history.
    assert_eq!(s.history.len(), 1);
    assert_eq!(zone.format_interval(&s.history[0].interval), "Fri Oct 30 22:00 - Sat Oct 31 06:00 CDT");
    let source = s.source.as_ref().unwrap();
    assert_eq!(source.kind, "cxone");
}

#[test]
fn the_core_pack_finds_exactly_the_planted_problems_and_says_what_it_could_not_judge() {
    let library = RuleLibrary::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")).unwrap();
    let rules = RuleSet::load(&library, &["core".to_string()], &Config::default(), Limits::default()).unwrap();
    let checker = Checker::new(rules, Some(1));
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-10-25T18:00:00-05:00").unwrap().to_utc();
    let report = checker.check(snapshot(), as_of).unwrap();
    let found: Vec<(String, String, String)> =
        report.findings.iter().map(|f| (f.agent_id.clone(), f.rule.clone(), f.severity.as_str().to_string())).collect();
    let expected = [
        ("4712", "core.dst.shift-spans-transition", "info"),
        ("4713", "core.rest.min-between-shifts", "warning"),
        ("4714", "core.shift.length", "warning"),
        ("4715", "core.hours.weekly-paid", "warning"),
        ("4716", "core.days.max-consecutive", "warning"),
        ("4717", "core.shift.overlap", "error"),
        ("4718", "core.activity.within-shift", "error"),
    ]
    .map(|(a, r, s)| (a.to_string(), r.to_string(), s.to_string()));
    assert_eq!(found, expected, "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    let measured: Vec<Option<i64>> = report.findings.iter().map(|f| f.measured).collect();
    assert_eq!(measured, [Some(540), Some(480), Some(1020), Some(2700), Some(7), Some(60), Some(30)]);
    let not_judged: Vec<(&str, &str)> = report.not_judged.iter().map(|n| (n.rule.as_str(), n.lacks)).collect();
    assert_eq!(
        not_judged,
        [
            ("core.timeoff.approved-conflict", "timeOffRequests"),
            ("core.timeoff.pending-conflict", "timeOffRequests"),
            ("core.timeoff.self-overlap", "timeOffRequests"),
            ("core.timeoff.unreflected", "timeOffRequests"),
            ("core.trade.already-applied", "shiftTrades"),
            ("core.trade.integrity", "shiftTrades"),
        ]
    );
    assert_eq!(report.not_judged[0].reason, "the cxone source carries no time-off requests");
}
