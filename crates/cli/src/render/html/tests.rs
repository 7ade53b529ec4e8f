//! The page as a file: its policy, its escaping and its data. What a browser makes of it is tested from the live
//! DOM in `tests/tests/html_report.rs`.

use super::*;
use crate::render::hostile::{hostile_report, HOSTILE};
use serde_json::Value;
use shiftgate_model::apply_trades;

fn design() -> Snapshot {
    Snapshot::from_json(include_bytes!("../../../../../fixtures/schedules/design-example.json")).unwrap()
}

fn page(snapshot: &Snapshot, report: &Report) -> String {
    let roster = apply_trades(snapshot);
    let page = Page {
        snapshot,
        roster: &roster,
        report,
        rules: None,
        fail_on: Some(Severity::Error),
        source: Some(HOSTILE),
        publish: None,
    };
    let mut out = Vec::new();
    write(&mut out, &page).unwrap();
    String::from_utf8(out).unwrap()
}

/// The text between `open` and the next `close`.
fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).unwrap() + open.len();
    &s[start..start + s[start..].find(close).unwrap()]
}

#[test]
fn the_policy_allows_only_the_pages_own_style_and_script() {
    let (_, report) = hostile_report();
    let html = page(&design(), &report);
    let csp = between(&html, "Content-Security-Policy\" content=\"", "\"");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"), "{csp}");
    let style = between(&html, "<style>", "</style>");
    let script = between(&html, "<script>", "</script>");
    assert!(csp.contains(&format!("style-src '{}'", hash(style))), "{csp}");
    assert!(csp.contains(&format!("script-src '{}'", hash(script))), "{csp}");
    // Nothing of the page's own names a place to load from.
    for part in [STYLE, SCRIPT, BODY] {
        for needle in ["http://", "https://", "src=", "@import", "url(", "<link", "innerHTML", "eval("] {
            assert!(!part.contains(needle), "{needle:?} in the page's own code");
        }
    }
}

#[test]
fn hostile_strings_add_no_markup_and_hide_nothing() {
    let (_, report) = hostile_report();
    let html = page(&design(), &report);
    let data = between(&html, "<script type=\"application/json\" id=\"sg-data\">", "</script>");
    assert!(!data.contains('<') && !data.contains('>') && !data.contains('&'), "markup characters in the data block");
    let outside = html.replace(data, "");
    assert!(!outside.contains("<b>bold"), "the header let markup through");
    assert!(outside.contains("&lt;b&gt;bold&lt;/b&gt;"), "the hostile file name is shown escaped");
    assert!(
        html.chars().all(|c| c == '\n' || !crate::render::escape::is_hidden(c)),
        "a hidden character is printed raw"
    );
    assert_eq!(html.matches("</script>").count(), 2);
    assert_eq!(html.matches("<script").count(), 2);
}

#[test]
fn the_data_carries_every_finding_of_the_report_as_it_is() {
    let (_, report) = hostile_report();
    let html = page(&design(), &report);
    let data: Value =
        serde_json::from_str(between(&html, "<script type=\"application/json\" id=\"sg-data\">", "</script>")).unwrap();
    let findings = data["findings"].as_array().unwrap();
    assert_eq!(findings.len(), report.findings.len());
    for (drawn, f) in findings.iter().zip(&report.findings) {
        assert_eq!(drawn["severity"], f.severity.as_str());
        assert_eq!(drawn["cause"].as_array().unwrap().len(), f.cause.len());
        // Hidden characters are shown as escapes, everything else is kept.
        assert_eq!(drawn["message"].as_str().unwrap(), crate::render::escape::html::shown(&f.message));
        // The hostile agent is not in the snapshot: it still gets a row of its own.
        let agent = &data["agents"][drawn["agent"].as_u64().unwrap() as usize];
        assert_eq!(agent["id"].as_str().unwrap(), crate::render::escape::html::shown(&f.agent_id));
    }
    // The design example's week: 8 history-or-week days before the week's 7, each 24 h; minute 0 is its start.
    let days = data["days"].as_array().unwrap();
    assert_eq!(days.iter().filter(|d| d["part"] == "week").count(), 7);
    assert!(days.iter().all(|d| d["minutes"] == 1440));
    let first_week_day = days.iter().find(|d| d["part"] == "week").unwrap();
    assert_eq!(first_week_day["start"], 0);
    assert_eq!(first_week_day["date"], "2026-11-29");
}

#[test]
fn a_moved_shift_names_its_trade_and_previous_owner_and_leaves_a_ghost() {
    let snapshot = design();
    let (_, report) = hostile_report();
    let html = page(&snapshot, &report);
    let data: Value =
        serde_json::from_str(between(&html, "<script type=\"application/json\" id=\"sg-data\">", "</script>")).unwrap();
    let agent = |id: &str| data["agents"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone();
    let a200 = agent("a-200");
    let s1 = a200["shifts"].as_array().unwrap().iter().find(|s| s[0] == "s-1").unwrap();
    assert_eq!(s1[4][0][0], "tr-4");
    assert_eq!(s1[4][0][1], "a-100");
    assert_eq!(s1[4][0][3], "Fri Nov 20 10:00 CST");
    let ghost = &agent("a-100")["ghosts"][0];
    assert_eq!((ghost[0].as_str(), ghost[3].as_str(), ghost[4].as_str()), (Some("s-1"), Some("tr-4"), Some("a-200")));
    let request = &a200["requests"][0];
    assert_eq!((request["id"].as_str(), request["status"].as_str()), (Some("tor-9"), Some("PENDING")));
    assert_eq!(request["reflected"], false);
}

/// A publish run on the design week whose one write the platform refuses without a reason (the Genesys way).
fn refused_run() -> shiftgate_publish::PublishReport {
    use shiftgate_publish::fake::{FakePlatform, WriteFault};
    use shiftgate_publish::{publish, AuditLog, PublishConfig, SettlePolicy, Target, TokioClock, Validation};
    use std::time::Duration;
    let doc: Value =
        serde_json::from_slice(include_bytes!("../../../../../fixtures/schedules/design-example.json")).unwrap();
    let fake = FakePlatform::new(doc);
    fake.script_writes([WriteFault::AsyncError]);
    let s = design();
    let target = Target {
        business_unit_id: s.business_unit.id.clone(),
        week_id: s.schedule.week_date.to_string(),
        schedule_id: s.schedule.id.clone(),
    };
    let mut config = PublishConfig::new(target);
    config.settle = SettlePolicy {
        window: Duration::from_millis(20),
        base: Duration::from_millis(2),
        cap: Duration::from_millis(5),
    };
    let nothing = |_: &Snapshot, _: &[usize]| Validation::default();
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(publish(&fake, &nothing, &TokioClock::new(), &mut AuditLog::in_memory(), &config)).unwrap()
}

#[test]
fn the_timeline_of_a_refused_run_is_called_the_re_read_after_the_refusal() {
    let run = refused_run();
    assert_eq!(run.outcome, shiftgate_publish::PublishOutcome::DataConflict, "{:?}", run.story);
    let s = design();
    let roster = apply_trades(&s);
    let (_, report) = hostile_report();
    let page = Page {
        snapshot: &s,
        roster: &roster,
        report: &report,
        rules: None,
        fail_on: None,
        source: None,
        publish: Some(&run),
    };
    let mut out = Vec::new();
    write(&mut out, &page).unwrap();
    let html = String::from_utf8(out).unwrap();
    // The last validation is of the fresh read taken to explain the refusal, not the one the write was built on.
    assert!(html.contains("The timeline below is the latest validation (the re-read after the refusal)."), "{html}");
    assert!(!html.contains("acted on"), "{html}");
    // Without a validation there is no timeline to name.
    let mut out = Vec::new();
    write_run_only(&mut out, &run).unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("The timeline below"));
}
