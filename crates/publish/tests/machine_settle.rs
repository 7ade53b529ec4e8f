//! The publish state machine settling what became of a write (issue #9), against the in-memory platform on
//! tokio's paused clock: updates that land while the socket closes or after the answer is lost, the processing
//! window before a refusal is believed, idempotent re-runs, and a property that the report is honest whatever
//! fault script the platform plays.

mod common;

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use shiftgate_publish::fake::{Call, FakePlatform, WriteFault};
use shiftgate_publish::{GiveUpReason, PublishOutcome, SettlePolicy, Step, WriteFate};

use common::{
    clean_example, config, example, holder_of, published, run, run_with, says, writes, TimeOffValidator, TradeChecker,
};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn a_write_that_lands_while_the_socket_closes_is_reported_as_landed() {
    // Issue #9: the update is accepted, the platform closes the notification socket before the outcome event, and
    // processing ends 1.5 s later. The first re-read takes the schedule metadata before processing and the agent
    // schedules after it (a torn read: "version 17 -> 17" with our shifts already live).
    let fake = FakePlatform::new(clean_example()).with_processing(Duration::from_millis(1500)).with_read_gap(secs(2));
    fake.script_writes([WriteFault::SocketClosing]);
    let (report, _) = run_with(&fake, &TradeChecker, &config()).await;
    assert_eq!(report.outcome, published(18), "{:#?}", report.story);
    assert_eq!(report.outcome.exit_code(), 0);
    assert_eq!(writes(&fake), [(Some(17), true)]);
    assert_eq!(report.counters.version_conflicts, 0, "an unchanged schedule version is never a version conflict");
    assert!(!says(&report, "Version conflict") && !says(&report, "Nothing was written"), "{:#?}", report.story);
    // The torn read was seen and not acted on.
    assert!(
        says(&report, "Re-read 1, 2.0 s after the answer: version 17 -> 17; our shifts are live"),
        "{:#?}",
        report.story
    );
    let w = &report.writes[0];
    assert_eq!((w.attempt, w.fate, w.version, w.step), (1, WriteFate::Landed, Some(18), Step::Outcome));
    assert_eq!((w.operation_id.as_deref(), w.context_id.as_deref()), (Some("op-2"), Some("ctx-2")));
    assert!(w.answer.contains("socket_closing"), "{w:?}");
    assert!(report.live_truth().starts_with("schedule sch-48 is published at version 18 with our changes"));
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_not_resent_while_the_update_may_still_be_processing() {
    let fake = FakePlatform::new(clean_example()).with_processing(secs(20));
    fake.script_writes([WriteFault::SocketClosing]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18), "{:#?}", report.story);
    assert_eq!(writes(&fake), [(Some(17), true)], "one write, not resent while it may still be processing");
}

#[tokio::test(start_paused = true)]
async fn another_writer_during_processing_is_a_version_conflict_once_the_window_is_over() {
    // Ours is accepted and its answer lost; someone else's write lands 2 s later, so ours (processed at 5 s)
    // carries a stale version and is refused.
    let fake = FakePlatform::new(clean_example()).with_processing(secs(5));
    fake.script_writes([WriteFault::SocketClosing]);
    fake.edit_after(secs(2), |doc| doc["schedule"]["metadata"]["version"] = json!(18));
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(19), "{:#?}", report.story);
    assert_eq!(writes(&fake), [(Some(17), false), (Some(18), true)], "{:#?}", report.story);
    assert_eq!(report.counters.version_conflicts, 1);
    let times = fake.call_times();
    let submits: Vec<usize> =
        fake.calls().iter().enumerate().filter(|(_, c)| matches!(c, Call::Submit { .. })).map(|(i, _)| i).collect();
    assert!(times[submits[1]] - times[submits[0]] >= secs(90), "the version conflict waited for the window");
    let fates: Vec<(WriteFate, Option<i64>)> = report.writes.iter().map(|w| (w.fate, w.version)).collect();
    assert_eq!(fates, [(WriteFate::NotApplied, Some(18)), (WriteFate::Landed, Some(19))]);
    assert!(report.writes[0].detail.contains("another writer moved the schedule to version 18"));
}

#[tokio::test(start_paused = true)]
async fn a_reasonless_error_on_unchanged_versions_is_a_refusal_only_after_the_window() {
    let fake = FakePlatform::new(clean_example()).with_processing(secs(2));
    fake.script_writes([WriteFault::AsyncError]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict, "{:#?}", report.story);
    assert_eq!(writes(&fake).len(), 1, "never resent");
    let (calls, times) = (fake.calls(), fake.call_times());
    let submit = calls.iter().position(|c| matches!(c, Call::Submit { .. })).unwrap();
    let last_read = calls.iter().rposition(|c| matches!(c, Call::Fetch(_))).unwrap();
    let waited = times[last_read] - times[submit];
    assert!(waited >= secs(90), "decided {waited:?} after the write, inside the processing window");
    let w = &report.writes[0];
    assert_eq!((w.fate, w.version), (WriteFate::Refused, Some(17)));
    assert!(w.detail.contains("no reason given") && w.detail.contains("unchanged 90.0 s later"), "{w:?}");
    assert!(report.live_truth().contains("the live schedule is at version 17, without our payload"));
}

#[tokio::test(start_paused = true)]
async fn running_the_weekly_job_twice_converges() {
    let fake = FakePlatform::new(clean_example());
    let (first, _) = run_with(&fake, &TradeChecker, &config()).await;
    assert_eq!(first.outcome, published(18));
    let (second, _) = run_with(&fake, &TradeChecker, &config()).await;
    assert_eq!(second.outcome, PublishOutcome::AlreadyPublished { schedule_version: Some(18) }, "{:#?}", second.story);
    assert_eq!(second.outcome.exit_code(), 0);
    assert_eq!(writes(&fake).len(), 1, "the second run writes nothing");
    assert!(second.writes.is_empty());
    assert!(says(&second, "already published at version 18"), "{:#?}", second.story);
    assert!(says(&second, "1 trade already applied (tr-4)"), "{:#?}", second.story);
    assert_eq!(second.trades_already_applied, ["tr-4"]);
    assert!(second.trades_applied.is_empty());
}

/// a-300 joins with shift s-30 and gives it to a-200 (an approved pick-up, tr-5).
fn a_new_pick_up(doc: &mut Value) {
    doc["agents"].as_array_mut().unwrap().push(json!({"id": "a-300", "managementUnitId": "mu-1"}));
    doc["agentSchedules"].as_array_mut().unwrap().push(json!({"user": {"id": "a-300"}, "metadata": {"version": 1},
        "shifts": [{"id": "s-30", "startDate": "2026-12-03T14:00:00Z", "lengthMinutes": 480,
                    "activities": [{"startDate": "2026-12-03T14:00:00Z", "lengthMinutes": 480, "activityCodeId": "0"}]}]}));
    doc["shiftTrades"].as_array_mut().unwrap().push(json!({"id": "tr-5", "state": "Approved",
        "initiatingUser": {"id": "a-300"}, "initiatingShiftId": "s-30", "receivingUser": {"id": "a-200"},
        "reviewedDate": "2026-11-23T10:00:00Z"}));
    let v = doc["schedule"]["metadata"]["version"].as_i64().unwrap();
    doc["schedule"]["metadata"]["version"] = json!(v + 1);
}

#[tokio::test(start_paused = true)]
async fn a_third_run_after_a_concurrent_edit_sends_only_what_is_missing() {
    let fake = FakePlatform::new(clean_example());
    run_with(&fake, &TradeChecker, &config()).await;
    run_with(&fake, &TradeChecker, &config()).await;
    fake.edit(a_new_pick_up);
    let (third, _) = run_with(&fake, &TradeChecker, &config()).await;
    assert_eq!(third.outcome, published(20), "{:#?}", third.story);
    assert_eq!(third.trades_applied, ["tr-5"]);
    assert_eq!(third.trades_already_applied, ["tr-4"]);
    let sent: Vec<Vec<String>> = fake
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Submit { agents, .. } => Some(agents),
            Call::Fetch(_) => None,
        })
        .collect();
    assert_eq!(sent, [vec!["a-100", "a-200"], vec!["a-200", "a-300"]], "the third run carries only a-200 and a-300");
    let doc = fake.document();
    assert_eq!((holder_of(&doc, "s-1"), holder_of(&doc, "s-9")), ("a-200".into(), "a-100".into()));
    assert_eq!(holder_of(&doc, "s-30"), "a-200");
}

#[tokio::test(start_paused = true)]
async fn the_deadline_inside_the_processing_window_leaves_the_write_unknown_not_resent() {
    let fake = FakePlatform::new(clean_example()).with_processing(secs(200));
    fake.script_writes([WriteFault::SocketClosing]);
    let mut cfg = config();
    cfg.deadline = secs(60);
    let report = run(&fake, &cfg).await;
    assert!(
        matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::Deadline, .. }),
        "{:?}: {:#?}",
        report.outcome,
        report.story
    );
    assert_eq!(writes(&fake).len(), 1, "not resent while it may still be processing");
    assert!(!says(&report, "Nothing was written"), "{:#?}", report.story);
    assert_eq!(report.writes[0].fate, WriteFate::Unknown);
    assert_eq!(report.outcome.exit_code(), 4);
    let truth = report.live_truth();
    assert!(truth.contains("a write may still land") && !truth.contains("nothing was written"), "{truth}");
}

#[tokio::test(start_paused = true)]
async fn a_write_that_stopped_before_the_update_is_resent_without_waiting() {
    // Genesys: uploadurl -> PUT upload -> update (research/wfm-api.md §1.5). A failed upload changes nothing.
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::LostBefore(Step::Upload)]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(writes(&fake), [(Some(17), false), (Some(17), true)]);
    let calls = fake.calls();
    let first = calls.iter().position(|c| matches!(c, Call::Submit { .. })).unwrap();
    assert!(matches!(calls[first + 1], Call::Submit { .. }), "no re-read needed: {calls:?}");
    assert!(t0.elapsed() < secs(2), "{:?}", t0.elapsed());
    let w = &report.writes[0];
    assert_eq!((w.fate, w.step), (WriteFate::NotApplied, Step::Upload));
    assert!(w.detail.contains("stopped before the update"), "{w:?}");
}

#[tokio::test(start_paused = true)]
async fn a_503_before_the_update_is_left_alone_for_its_retry_after() {
    // Nothing reached the schedule, so no re-read is needed; but nothing at all goes before the Retry-After.
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::UnavailableAt(Step::UploadUrl, Some("5".into()))]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    let (calls, times) = (fake.calls(), fake.call_times());
    let submits: Vec<usize> =
        calls.iter().enumerate().filter(|(_, c)| matches!(c, Call::Submit { .. })).map(|(i, _)| i).collect();
    assert_eq!(submits.len(), 2);
    let gap = times[submits[0] + 1] - times[submits[0]];
    assert!(gap >= secs(5), "the next request came {gap:?} after a 503 asking for 5 s");
    assert_eq!((report.writes[0].fate, report.writes[0].step), (WriteFate::NotApplied, Step::UploadUrl));

    // Asked to wait an hour: the run stops, and the write is known not to have reached the schedule.
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::UnavailableAt(Step::UploadUrl, Some("3600".into()))]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::Transient, .. }));
    assert_eq!(report.writes[0].fate, WriteFate::NotApplied, "{:#?}", report.writes);
    assert!(report.live_truth().contains("without our payload"), "{}", report.live_truth());
}

#[tokio::test(start_paused = true)]
async fn a_resend_refused_because_the_first_write_landed_late_credits_the_first() {
    // Processing takes longer than the window: write 1 looks not applied at 90 s, the same payload goes again,
    // write 1 lands at 150 s, and write 2 is refused (stale) when it is processed.
    let fake = FakePlatform::new(clean_example()).with_processing(secs(150));
    fake.script_writes([WriteFault::SocketClosing]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18), "{:#?}", report.story);
    assert_eq!(writes(&fake), [(Some(17), true), (Some(17), false)]);
    let fates: Vec<WriteFate> = report.writes.iter().map(|w| w.fate).collect();
    assert_eq!(fates, [WriteFate::Landed, WriteFate::Refused], "{:#?}", report.writes);
    assert!(report.writes[0].detail.contains("landed late"), "{:?}", report.writes[0]);
    assert!(report.writes[1].detail.contains("the same payload as write 1"), "{:?}", report.writes[1]);
}

#[tokio::test(start_paused = true)]
async fn a_reasonless_refusal_is_explained_from_local_findings() {
    // The strict simulator's way (DESIGN.md §8): 202, then an Error event with no reason. Between our read and
    // our write, a-200 filed the PENDING request tor-9 that s-1 overlaps once tr-4 hands it over.
    let fake = FakePlatform::new(clean_example()).with_processing(secs(2));
    fake.before_next_write(|doc| doc["timeOffRequests"] = example()["timeOffRequests"].clone());
    fake.script_writes([WriteFault::AsyncError]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict, "{:#?}", report.story);
    assert_eq!(writes(&fake).len(), 1, "never resent");
    assert!(says(&report, "The platform gave no reason; on the fresh read the gate finds 1 blocking finding(s)"));
    assert!(says(&report, "core.timeoff.conflict a-200: shift s-1 overlaps time-off tor-9"), "{:#?}", report.story);
    assert!(says(&report, "because time-off tor-9 is PENDING"), "{:#?}", report.story);
    assert!(!report.conflicts.is_empty() && report.conflicts.iter().all(|c| !c.validator_gap));
    assert_eq!(report.writes[0].fate, WriteFate::Refused);
}

#[tokio::test(start_paused = true)]
async fn every_write_is_reported_with_its_fate() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::RateLimit(Some("2".into())), WriteFault::Unavailable(None)]);
    let (report, audit) = run_with(&fake, &TimeOffValidator, &config()).await;
    assert_eq!(report.outcome, published(18));
    let fates: Vec<(u32, WriteFate, Option<i64>)> =
        report.writes.iter().map(|w| (w.attempt, w.fate, w.version)).collect();
    assert_eq!(
        fates,
        [(1, WriteFate::Refused, Some(17)), (2, WriteFate::NotApplied, Some(17)), (3, WriteFate::Landed, Some(18))]
    );
    assert!(report.writes[0].detail.starts_with("rate limited (HTTP 429"), "{:?}", report.writes[0]);
    assert!(report.writes.iter().all(|w| w.payload_hash == report.payload_hash.clone().unwrap()));
    assert_eq!(report.writes.len(), writes(&fake).len());
    // The audit says the same, write by write.
    let settled: Vec<(u64, String)> = audit
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["state"] == "settled")
        .map(|l| (l["writeAttempt"].as_u64().unwrap(), l["fate"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(settled, [(1, "refused".into()), (2, "notApplied".into()), (3, "landed".into())]);
    // The JSON result carries the list.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["writes"][1]["fate"], "notApplied");
    assert_eq!(json["writes"][1]["step"], "put");
    assert_eq!(json["writes"][2]["version"], 18);
}

#[tokio::test(start_paused = true)]
async fn the_processing_window_is_a_setting() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::AsyncError]);
    let mut cfg = config();
    cfg.settle = SettlePolicy { window: secs(10), ..SettlePolicy::DEFAULT };
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &cfg).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict);
    assert_eq!(t0.elapsed(), secs(10), "decided when the 10 s window ended");
    // Re-reads at 0, 1, 3 and 7 s, then at the end of the window.
    let times = fake.call_times();
    let reads: Vec<Duration> = fake
        .calls()
        .iter()
        .zip(&times)
        .skip(2)
        .filter(|(c, _)| matches!(c, Call::Fetch(_)))
        .map(|(_, t)| *t - times[1])
        .collect();
    assert_eq!(reads, [secs(0), secs(1), secs(3), secs(7), secs(10)]);
}

// ---- The report is honest whatever happens: a property over random fault scripts. ----

fn any_write_fault() -> impl Strategy<Value = WriteFault> {
    prop_oneof![
        Just(WriteFault::ConcurrentEdit),
        Just(WriteFault::ApplyThenLoseAnswer),
        Just(WriteFault::LoseRequest),
        Just(WriteFault::RateLimit(Some("1".into()))),
        Just(WriteFault::Unavailable(None)),
        Just(WriteFault::Unavailable(Some("3".into()))),
        Just(WriteFault::AsyncError),
        Just(WriteFault::SocketClosing),
        Just(WriteFault::LostBefore(Step::Upload)),
        Just(WriteFault::Answer(409, json!({"code": "version.mismatch"}))),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    processing_ms: u64,
    read_gap_ms: u64,
    faults: Vec<WriteFault>,
    other_writer_at_ms: Option<u64>,
    seed: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![Just(0u64), 500u64..60_000],
        prop_oneof![Just(0u64), 100u64..5_000],
        prop::collection::vec(any_write_fault(), 0..7),
        prop::option::of(0u64..120_000),
        any::<u64>(),
    )
        .prop_map(|(processing_ms, read_gap_ms, faults, other_writer_at_ms, seed)| Scenario {
            processing_ms,
            read_gap_ms,
            faults,
            other_writer_at_ms,
            seed,
        })
}

/// The swap of tr-4 is live and the schedule published.
fn swap_live(doc: &Value) -> bool {
    holder_of(doc, "s-1") == "a-200" && holder_of(doc, "s-9") == "a-100" && doc["schedule"]["published"] == true
}

fn check_honesty(sc: &Scenario) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    let (report, audit, fake) = rt.block_on(async {
        let fake = FakePlatform::new(clean_example())
            .with_processing(Duration::from_millis(sc.processing_ms))
            .with_read_gap(Duration::from_millis(sc.read_gap_ms));
        fake.script_writes(sc.faults.clone());
        if let Some(at) = sc.other_writer_at_ms {
            fake.edit_after(Duration::from_millis(at), |doc| {
                let v = doc["schedule"]["metadata"]["version"].as_i64().unwrap();
                doc["schedule"]["metadata"]["version"] = json!(v + 1);
            });
        }
        let mut cfg = config();
        cfg.jitter_seed = Some(sc.seed);
        let (report, audit) = run_with(&fake, &TimeOffValidator, &cfg).await;
        // Let anything still processing finish: the truth the report is judged against.
        tokio::time::sleep(secs(3600)).await;
        (report, audit, fake)
    });
    let why = || format!("{sc:?}\n{:#?}\n{:#?}", report.story, report.writes);
    let applied: Vec<(bool, String)> = fake
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Submit { applied, payload_hash, .. } => Some((applied, payload_hash)),
            Call::Fetch(_) => None,
        })
        .collect();

    // Every write sent is in the report, in order, with what it carried.
    prop_assert_eq!(report.writes.len(), applied.len(), "{}", why());
    for (i, (w, (landed, hash))) in report.writes.iter().zip(&applied).enumerate() {
        prop_assert_eq!(w.attempt as usize, i + 1);
        prop_assert_eq!(&w.payload_hash, hash);
        match w.fate {
            // Landed: this write, or one that carried the very same payload (only one of them can have).
            WriteFate::Landed => prop_assert!(
                *landed || applied.iter().any(|(a, h)| *a && h == hash),
                "write {} reported landed, but nothing with its payload landed; {}",
                w.attempt,
                why()
            ),
            WriteFate::Refused | WriteFate::NotApplied => {
                prop_assert!(!landed, "write {} reported {:?} but it landed; {}", w.attempt, w.fate, why())
            }
            WriteFate::Unknown => {}
        }
    }
    // The exit code follows the live state.
    let live = swap_live(&fake.document());
    if report.outcome.exit_code() == 0 {
        prop_assert!(live, "exit 0 but our payload is not live; {}", why());
    }
    if live && report.writes.iter().all(|w| w.fate != WriteFate::Unknown) {
        prop_assert_eq!(report.outcome.exit_code(), 0, "our payload is live but the exit code is not 0; {}", why());
    }
    // "Nothing was written" only when nothing was.
    let nothing = report.live_truth().contains("nothing was written")
        || report.story.iter().any(|l| l.contains("Nothing was written"));
    prop_assert!(!nothing || report.writes.is_empty(), "says nothing was written; {}", why());
    // The audit tells each write's fate, as the report does.
    let settled: Vec<(u32, String)> = audit
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["state"] == "settled")
        .map(|l| (l["writeAttempt"].as_u64().unwrap() as u32, l["fate"].as_str().unwrap().to_string()))
        .collect();
    for w in report.writes.iter().filter(|w| w.fate != WriteFate::Unknown) {
        let last = settled.iter().rev().find(|(a, _)| *a == w.attempt).map(|(_, f)| f.as_str());
        prop_assert_eq!(last, Some(w.fate.as_str()), "{}", why());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_write_is_reported_as_what_became_of_it(sc in scenario()) {
        check_honesty(&sc)?;
    }
}
