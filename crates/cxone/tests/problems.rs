//! Bad input: every problem names its file and line (or JSON path, or mapping key) and the offending value, and
//! all of them come back together. Nothing is guessed: unmapped codes and units, times the clocks skip, times the
//! export's order does not place, exports that contradict each other are errors; what is left out is said.

use chrono::NaiveDate;
use shiftgate_cxone::{import, Export, Imported, Mapping, Problems};

const MAPPING: &str = r#"
[business_unit]
id = "bu-chi"
[units."5001"]
time_zone = "America/Chicago"
[codes.OPEN]
category = "work"
paid = true
[codes.LUNCH]
category = "meal"
paid = false
[api]
unit = "5001"
[detail.columns]
code = "excCode"
start = "startTime"
end = "endTime"
"#;

const HEADER: &str = "#fields:excdate|schedDate|TZ|muID|tvID|excCode|startTime|endTime";

fn run_with(mapping: &str, week: &str, files: &[(&str, &str)]) -> Result<Imported, Problems> {
    let mapping = Mapping::from_toml(mapping, "cxone.toml").unwrap_or_else(|p| panic!("{p}"));
    let exports: Vec<Export<'_>> = files.iter().map(|(n, t)| Export { name: n, bytes: t.as_bytes() }).collect();
    import(&exports, &mapping, NaiveDate::parse_from_str(week, "%Y-%m-%d").unwrap(), None)
}

fn run(files: &[(&str, &str)]) -> Result<Imported, Problems> {
    run_with(MAPPING, "2026-03-08", files)
}

fn problems(r: Result<Imported, Problems>) -> Vec<String> {
    match r {
        Ok(i) => panic!("imported without problems:\n{}", i.json),
        Err(p) => p.listed.iter().map(ToString::to_string).collect(),
    }
}

fn pipe(rows: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn every_problem_of_a_file_is_reported_at_once_with_line_and_value() {
    let text = pipe(&[
        "03092026|03092026|CST|5001|4711|OPEN|08:00|12:00",
        "03092026|03092026|CST|5001|4711|LNCH|12:00|12:30",
        "03082026|03082026|CST|5001|4712|OPEN|02:30|06:00",
        "13092026|03092026|CST|5001|4713|OPEN|08:00|12:00",
        "03092026|03092026|CST|6001|4714|OPEN|08:00|12:00",
        "03092026|03092026|CST|5001|4715|OPEN|8am|12:00",
        "03092026|03092026|CST|5001|4716|OPEN|08:00",
        "03092026|03092026|CST|5001|47\u{1b}17|OPEN|08:00|12:00",
    ]);
    assert_eq!(
        problems(run(&[("week.txt", &text)])),
        [
            "week.txt:3: activity code \"LNCH\" is not in cxone.toml (add [codes.LNCH] with its category and paid)",
            "week.txt:4: start 02:30 on Sun 2026-03-08 does not exist in America/Chicago: the clocks skip that hour for daylight-saving time",
            "week.txt:5: excdate \"13092026\" is not a date in the mmddyyyy notation",
            "week.txt:6: management unit \"6001\" has no zone in cxone.toml (add [units.6001] with its time_zone)",
            "week.txt:7: startTime \"8am\" is not a time in 24-hour notation",
            "week.txt:8: has 7 fields; the columns are 8 (excdate|schedDate|TZ|muID|tvID|excCode|startTime|endTime)",
            "week.txt:9: the agent (tvID) must not contain control, line-separator or text-direction characters, found U+001B at character 3",
        ]
    );
}

#[test]
fn a_time_in_the_repeated_hour_that_the_order_does_not_place_is_reported() {
    let text =
        pipe(&["11012026|11012026|CST|5001|4711|OPEN|00:30|01:30", "11012026|11012026|CST|5001|4711|OPEN|01:30|03:00"]);
    let p = problems(run_with(MAPPING, "2026-11-01", &[("fall.txt", &text)]));
    assert_eq!(
        p,
        [
            "fall.txt:2: end 01:30 on Sun 2026-11-01 happens twice in America/Chicago (CDT and CST), and the export's order does not tell which is meant",
            "fall.txt:3: start 01:30 on Sun 2026-11-01 happens twice in America/Chicago (CDT and CST), and the export's order does not tell which is meant",
        ]
    );
}

#[test]
fn exports_that_disagree_about_a_day_are_an_error_naming_both() {
    let a = pipe(&["03092026|03092026|CST|5001|4711|OPEN|08:00|16:00"]);
    let b = pipe(&["03092026|03092026|CST|5001|4711|OPEN|09:00|17:00"]);
    assert_eq!(
        problems(run(&[("a.txt", &a), ("b.txt", &b)])),
        ["b.txt:2: gives agent \"4711\"'s Mon 2026-03-09 with other activities than a.txt:2 does: the exports contradict each other"]
    );
    // The same day twice is read once.
    let twice = run(&[("a.txt", &a), ("a-again.txt", &a)]).unwrap();
    assert_eq!(twice.tally.repeated_rows, 1);
    assert_eq!(twice.json, run(&[("a.txt", &a)]).unwrap().json);
}

#[test]
fn a_schedule_whose_first_part_is_missing_is_an_error_in_the_week_and_a_note_before_it() {
    // Only the after-midnight rows of Monday's and of Saturday-before's night shifts.
    let text = pipe(&[
        "03082026|03072026|CST|5001|4711|OPEN|00:00|06:00",
        "03102026|03092026|CST|5001|4711|OPEN|00:00|06:00",
        "03112026|03112026|CST|5001|4711|OPEN|08:00|16:00",
    ]);
    assert_eq!(
        problems(run(&[("cut.txt", &text)])),
        ["cut.txt:3: holds only the part after midnight of agent \"4711\"'s schedule of Mon 2026-03-09: its first part is not in the exports (export that day too, or with disableMidnightCutOff)"]
    );
    let before =
        pipe(&["03082026|03072026|CST|5001|4711|OPEN|00:00|06:00", "03152026|03152026|CST|5001|4711|OPEN|08:00|16:00"]);
    let imported = run(&[("cut.txt", &before)]).unwrap();
    assert_eq!(
        imported.notes,
        [
            "left out the part after midnight of agent \"4711\"'s schedule of Sat 2026-03-07 (cut.txt:2): its first part is not in the exports, so its length is unknown",
            "left out 1 shift dated after the week (from 2026-03-15)",
        ]
    );
    assert_eq!(imported.tally.shifts, 0);
}

#[test]
fn the_detail_export_needs_its_columns_named() {
    let no_columns =
        MAPPING.replace("[detail.columns]\ncode = \"excCode\"\nstart = \"startTime\"\nend = \"endTime\"\n", "");
    let text = pipe(&["03092026|03092026|CST|5001|4711|OPEN|08:00|12:00"]);
    assert_eq!(
        problems(run_with(&no_columns, "2026-03-08", &[("w.txt", &text)])),
        [
            "cxone.toml: detail.columns.code: is required to read the Agent Schedule Detail export: the column that holds the activity code, as your export's #fields line names it",
            "cxone.toml: detail.columns.start: is required to read the Agent Schedule Detail export: the column that holds the activity's start time, as your export's #fields line names it",
            "cxone.toml: detail.columns.end: is required to read the Agent Schedule Detail export: the column that holds the activity's end time, as your export's #fields line names it",
        ]
    );
    let renamed = text.replace("startTime", "start");
    assert_eq!(
        problems(run(&[("w.txt", &renamed)])),
        ["w.txt:1: has no column \"startTime\" (detail.columns.start in cxone.toml); the columns are excdate|schedDate|TZ|muID|tvID|excCode|start|endTime"]
    );
    let headless = "03092026|03092026|CST|5001|4711|OPEN|08:00|12:00\n";
    assert_eq!(
        problems(run(&[("w.txt", headless)])),
        ["w.txt: has no #fields line (exported with excludePipeHeader): list its columns in order in the mapping's detail.fields"]
    );
}

const ANSWER: &str = r#"{"userID": "u-1", "shifts": [{"activityIntervals": [
  {"baseActivityCode": {"title": "OPEN"}, "start": "2026-03-09T08:00:00-05:00", "end": "2026-03-09T12:00:00-05:00"},
  {"baseActivityCode": {"title": "LUNCH"}, "start": "2026-03-09T12:00:00-05:00", "end": "2026-03-09T12:30:30-05:00"},
  {"baseActivityCode": {"title": "NAP"}, "start": "2026-03-09T12:30:00-05:00", "end": "2026-03-09T13:00:00"},
  {"baseActivityCode": {"name": "OPEN"}, "start": "2026-03-09T13:00", "end": "9th March, 2pm"}
]}]}"#;

#[test]
fn api_answers_name_the_json_path_of_each_problem() {
    assert_eq!(
        problems(run(&[("api/u-1.json", ANSWER)])),
        [
            "api/u-1.json: shifts[0].activityIntervals[1].end: \"2026-03-09T12:30:30-05:00\" is not a whole minute (schedules are minute-granular)",
            "api/u-1.json: shifts[0].activityIntervals[2].baseActivityCode.title: activity code \"NAP\" is not in cxone.toml (add [codes.NAP] with its category and paid)",
            "api/u-1.json: shifts[0].activityIntervals[3].baseActivityCode.title: must be the activity code's title, got nothing",
        ]
    );
    let lines =
        format!("{}\n{{\"userID\": \"u-2\"}}\n{{\"userID\": \"u-3\", \"shifts\": 4}}\n", ANSWER.replace('\n', " "));
    let p = problems(run(&[("answers.jsonl", &lines)]));
    assert_eq!(p[3], "answers.jsonl:2: is not an Export Agent Schedules answer (an object with userID and shifts)");
    assert_eq!(p[4], "answers.jsonl:3: shifts: must be a list of shifts");
}

#[test]
fn an_agent_without_a_unit_cannot_have_its_local_times_read() {
    let no_unit = MAPPING.replace("[api]\nunit = \"5001\"\n", "");
    let answer = r#"{"userID": "u-1", "shifts": []}"#;
    assert_eq!(
        problems(run_with(&no_unit, "2026-03-08", &[("a.json", answer)])),
        ["a.json: userID: agent \"u-1\": the API's answers name no management unit; set [api] unit, or unit under [agents.u-1], in cxone.toml"]
    );
}

#[test]
fn broken_files_and_weeks_are_refused() {
    assert_eq!(
        problems(run(&[("a.json", "{\"userID\": \"u-1\",\n \"shifts\": [}")]))[0].split(": is not JSON").next(),
        Some("a.json:2")
    );
    assert_eq!(problems(run(&[("e.txt", "  \n")])), ["e.txt: is empty"]);
    let mapping = Mapping::from_toml(MAPPING, "cxone.toml").unwrap();
    let binary = [Export { name: "b.bin", bytes: &[0x31, 0xff, 0xfe] }];
    let week = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
    assert_eq!(problems(import(&binary, &mapping, week, None)), ["b.bin: is not UTF-8 text"]);
    assert_eq!(
        problems(run_with(MAPPING, "2026-03-09", &[("a.txt", &pipe(&[]))])),
        ["cxone.toml: business_unit.start_day_of_week: the week given (2026-03-09) starts on a Mon, but the business unit's week starts on Sun"]
    );
}

#[test]
fn an_end_in_the_skipped_hour_is_an_error_not_a_time_on_the_next_day() {
    let text = pipe(&["03082026|03082026|CST|5001|4711|OPEN|01:00|02:30"]);
    assert_eq!(
        problems(run(&[("spring.txt", &text)])),
        ["spring.txt:2: end 02:30 on Sun 2026-03-08 does not exist in America/Chicago: the clocks skip that hour for daylight-saving time"]
    );
}

fn answer(user: &str, shifts: &[&[(&str, &str, &str)]]) -> String {
    let shifts: Vec<serde_json::Value> = shifts
        .iter()
        .map(|intervals| {
            let intervals: Vec<serde_json::Value> = intervals
                .iter()
                .map(|(code, start, end)| serde_json::json!({"baseActivityCode": {"title": code}, "start": start, "end": end}))
                .collect();
            serde_json::json!({"shiftNotes": "", "activityIntervals": intervals})
        })
        .collect();
    serde_json::json!({"userID": user, "shifts": shifts}).to_string()
}

#[test]
fn pieces_meeting_at_midnight_are_one_shift_only_when_two_answers_cut_them() {
    let before = ("OPEN", "2026-03-13T20:00:00-05:00", "2026-03-14T00:00:00-05:00");
    let after = ("OPEN", "2026-03-14T00:00:00-05:00", "2026-03-14T04:00:00-05:00");
    // One answer with two shifts that meet at midnight: two shifts, as the answer says.
    let one = run(&[("a.json", &answer("u-1", &[&[before], &[after]]))]).unwrap();
    assert_eq!(one.tally.shifts, 2);
    // The same pieces from two answers (one range ends Friday, the next begins Saturday): one shift, dated Friday,
    // and one activity.
    let two = run(&[("a.json", &answer("u-1", &[&[before]])), ("b.json", &answer("u-1", &[&[after]]))]).unwrap();
    assert_eq!(two.tally.shifts, 1);
    let doc: serde_json::Value = serde_json::from_str(&two.json).unwrap();
    let shift = &doc["agentSchedules"][0]["shifts"][0];
    assert_eq!(shift["id"], "u-1-2026-03-13");
    assert_eq!(shift["lengthMinutes"], 480);
    assert_eq!(shift["activities"].as_array().unwrap().len(), 1);
}

#[test]
fn a_shift_ending_where_the_exports_end_is_noted() {
    let text = pipe(&["03142026|03142026|CST|5001|4711|OPEN|16:00|24:00"]);
    let imported = run(&[("sat.txt", &text)]).unwrap();
    assert_eq!(
        imported.notes,
        ["agent \"4711\"'s shift of Sat 2026-03-14 ends at midnight where the exports end: if the export cut it there, export the next day too (or with disableMidnightCutOff)"]
    );
}

#[test]
fn detail_json_problems_name_the_json_path() {
    let doc = serde_json::json!({"agentScheduleDetail": [
        {"excdate": "2026-03-09", "schedDate": "2026-03-09", "muID": 5001, "tvID": 4711, "excCode": "OPEN", "startTime": "08:00", "endTime": "12:00"},
        {"excdate": "2026-03-09", "schedDate": "2026-03-09", "muID": 5001, "tvID": 4711, "excCode": "OPEN", "startTime": "12:00", "endTime": "25:00"},
        {"excdate": "2026-03-09", "schedDate": "2026-03-09", "muID": 5001, "tvID": [4711], "excCode": "OPEN", "startTime": "13:00", "endTime": "14:00"},
        {"excdate": "2026-03-09", "schedDate": "2026-03-09", "muID": 5001, "tvID": 4711, "excCode": "OPEN"}
    ]});
    assert_eq!(
        problems(run(&[("w.json", &doc.to_string())])),
        [
            "w.json: agentScheduleDetail[1].endTime: endTime \"25:00\" is not a time in 24-hour notation",
            "w.json: agentScheduleDetail[2].tvID: must be a string or a whole number, got [4711]",
            "w.json: agentScheduleDetail[3]: has no field \"startTime\" (detail.columns.start in cxone.toml)",
            "w.json: agentScheduleDetail[3]: has no field \"endTime\" (detail.columns.end in cxone.toml)",
        ]
    );
}
