//! The publish state machine against the in-memory platform, on tokio's paused clock: every classification path,
//! the budgets, and what the audit and the report say.

mod common;

use std::time::Duration;

use serde_json::{json, Value};
use shiftgate_model::{apply_trades_excluding, Snapshot};
use shiftgate_publish::fake::{Call, FakePlatform, ReadFault, WriteFault};
use shiftgate_publish::{
    publish, AuditLog, GiveUpReason, PlatformError, PublishFinding, PublishOutcome, Step, TokioClock, Validation,
    Validator, WriteFate,
};

use common::{
    clean_example, config, example, holder_of, published, run, run_with, says, start, writes, TimeOffValidator,
};

#[tokio::test(start_paused = true)]
async fn a_clean_week_is_published_once_and_verified() {
    let fake = FakePlatform::new(clean_example());
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(writes(&fake), [(Some(17), true)]);
    let doc = fake.document();
    assert_eq!((holder_of(&doc, "s-1"), holder_of(&doc, "s-9")), ("a-200".into(), "a-100".into()));
    assert_eq!(doc["schedule"]["published"], true);
    assert_eq!(report.trades_applied, ["tr-4"]);
    assert_eq!(report.counters.writes, 1);
    let w = &report.writes[0];
    assert_eq!((w.fate, w.version, w.sent_version), (WriteFate::Landed, Some(18), Some(17)));
    assert!(w.detail.contains("HTTP 200") && w.detail.contains("a re-read shows our payload live"), "{w:?}");
    assert!(says(&report, "landed as version 18"), "{:#?}", report.story);
}

#[tokio::test(start_paused = true)]
async fn blocking_findings_stop_before_any_write() {
    let fake = FakePlatform::new(example());
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::Blocked);
    assert_eq!(report.outcome.exit_code(), 1);
    assert!(writes(&fake).is_empty());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].agent_id, "a-200");
    assert!(report.story.iter().any(|l| l.contains("core.timeoff.conflict a-200")), "{:#?}", report.story);
}

#[tokio::test(start_paused = true)]
async fn excluding_the_conflicting_trade_publishes_the_rest_and_says_why() {
    let fake = FakePlatform::new(example());
    let mut cfg = config();
    cfg.exclude_conflicting_trades = true;
    let report = run(&fake, &cfg).await;
    // The only trade is excluded, so no shift moves; the schedule is still published.
    assert_eq!(
        report.outcome,
        PublishOutcome::Published { schedule_version: Some(18), verified: true, changed_shifts: false }
    );
    assert_eq!(report.excluded_trades.len(), 1);
    let ex = &report.excluded_trades[0];
    assert_eq!(ex.trade_id, "tr-4");
    assert_eq!(ex.reasons, ["core.timeoff.conflict: shift s-1 overlaps time-off tor-9"]);
    assert!(report.findings.is_empty(), "re-validated from scratch: {:?}", report.findings);
    let doc = fake.document();
    assert_eq!((holder_of(&doc, "s-1"), holder_of(&doc, "s-9")), ("a-100".into(), "a-200".into()));
    assert_eq!(doc["schedule"]["published"], true);
    assert!(report.trades_applied.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_version_conflict_re_reads_backs_off_and_succeeds() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::ConcurrentEdit]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(19));
    // The first write carried 17 and was refused (the editor made it 18); the second carried 18.
    assert_eq!(writes(&fake), [(Some(17), false), (Some(18), true)]);
    assert_eq!(report.counters.version_conflicts, 1);
    // Full jitter with base 1 s: the first backoff is under a second.
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(report.story.iter().any(|l| l.starts_with("Version conflict 1/5")), "{:#?}", report.story);
}

#[tokio::test(start_paused = true)]
async fn endless_version_conflicts_give_up_after_five_cycles() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes(vec![WriteFault::ConcurrentEdit; 10]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::VersionConflicts, .. }));
    assert_eq!(writes(&fake).len(), 6, "the first write plus five cycles");
    assert!(writes(&fake).iter().all(|(_, applied)| !applied));
}

#[tokio::test(start_paused = true)]
async fn the_write_cap_bounds_a_run() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes(vec![WriteFault::ConcurrentEdit; 10]);
    let mut cfg = config();
    cfg.write_cap = 2;
    let report = run(&fake, &cfg).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::WriteCap, .. }));
    assert_eq!(writes(&fake).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_data_conflict_is_explained_and_never_resent() {
    let fake = FakePlatform::new(clean_example());
    let body = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z",
        "kind": "TimeOffOverlap", "timeOffRequestId": "tor-12", "reason": "shift s-1 overlaps PENDING time-off request tor-12"}]});
    fake.script_writes([WriteFault::Answer(409, body.clone())]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict);
    assert_eq!(writes(&fake).len(), 1, "never resubmitted");
    assert_eq!(report.conflicts.len(), 1);
    // The local validator sees nothing on the (unchanged) live data: a validator gap, said so.
    assert!(report.conflicts[0].validator_gap);
    assert_eq!(report.response_body, Some(body));
}

#[tokio::test(start_paused = true)]
async fn a_data_conflict_caused_by_a_new_time_off_request_names_it() {
    let fake = FakePlatform::new(clean_example());
    let body = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z",
        "kind": "TimeOffOverlap", "timeOffRequestId": "tor-9"}]});
    fake.script_writes([WriteFault::Answer(409, body)]);
    // Between our read and our write, a-200 files tor-9 (the motivating incident).
    fake.before_next_write(|doc| doc["timeOffRequests"] = example()["timeOffRequests"].clone());
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict);
    let c = &report.conflicts[0];
    assert!(!c.validator_gap, "{c:#?}");
    assert_eq!(c.findings[0].rule, "core.timeoff.conflict");
    assert_eq!(
        c.root_cause,
        ["shift s-1 was moved from a-100 to a-200 by approved trade tr-4", "time-off tor-9 is PENDING"]
    );
    assert!(c.summary.contains("a-200 Tue Dec 1 08:00-12:00 CST"), "{}", c.summary);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_409_on_an_unchanged_version_is_a_data_conflict() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Answer(409, json!({"code": "something.new", "message": "?"}))]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict);
    assert_eq!(writes(&fake).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_async_error_without_detail_is_judged_by_the_re_read() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::AsyncError]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::DataConflict);
    assert!(report.story.iter().any(|l| l.contains("no reason given")), "{:#?}", report.story);

    // The same event after someone else wrote: a version conflict, retried.
    let fake = FakePlatform::new(clean_example());
    fake.before_next_write(|doc| doc["schedule"]["metadata"]["version"] = json!(18));
    fake.script_writes([WriteFault::AsyncError]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(19));
    assert_eq!(writes(&fake), [(Some(17), false), (Some(18), true)]);
}

#[tokio::test(start_paused = true)]
async fn rate_limits_wait_for_retry_after_and_give_up_on_long_waits() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::RateLimit(Some("7".into()))]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_secs(7) && waited < Duration::from_secs(8), "{waited:?}");
    assert_eq!(report.counters.rate_limited, 1);

    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::RateLimit(Some("3600".into()))]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::RateLimited, .. }));
    assert_eq!(t0.elapsed(), Duration::ZERO, "it does not wait for a wait it will not finish");
}

#[tokio::test(start_paused = true)]
async fn an_unavailable_platform_is_left_alone_for_its_retry_after() {
    // A 503 that asks for 5 s: nothing at all, not even the re-read, before then; then the same payload again.
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Unavailable(Some("5".into()))]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(writes(&fake), [(Some(17), false), (Some(17), true)]);
    let (calls, times) = (fake.calls(), fake.call_times());
    let first = calls.iter().position(|c| matches!(c, Call::Submit { .. })).unwrap();
    assert!(matches!(calls[first + 1], Call::Fetch(_)), "a re-read follows: {calls:?}");
    let gap = times[first + 1] - times[first];
    assert!(gap >= Duration::from_secs(5) && gap < Duration::from_secs(6), "re-read after {gap:?}");
    assert_eq!(report.counters.transient, 1);
    assert!(
        report.story.iter().any(|l| l.contains("asks to wait 5.0 s: waiting before re-reading")),
        "{:#?}",
        report.story
    );

    // Without Retry-After the re-read is immediate (the backoff comes after it).
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Unavailable(None)]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    let (calls, times) = (fake.calls(), fake.call_times());
    let first = calls.iter().position(|c| matches!(c, Call::Submit { .. })).unwrap();
    assert_eq!(times[first + 1], times[first]);

    // An hour is longer than a publish waits: stop at once, the write's outcome unknown and nothing resent.
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Unavailable(Some("3600".into()))]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::Transient, .. }));
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(writes(&fake).len(), 1);
    assert!(report.story.iter().any(|l| l.contains("outcome is unknown")), "{:#?}", report.story);
}

#[tokio::test(start_paused = true)]
async fn a_read_answered_503_waits_for_its_retry_after() {
    let fake = FakePlatform::new(clean_example());
    let e503 = PlatformError::Http {
        step: Step::Fetch,
        message: None,
        request: None,
        status: 503,
        code: None,
        context_id: None,
        retry_after: Some("4".into()),
    };
    fake.script_reads([ReadFault::Fail(e503)]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    let times = fake.call_times();
    let gap = times[1] - times[0];
    assert!(gap >= Duration::from_secs(4) && gap < Duration::from_secs(5), "second read after {gap:?}");
    assert_eq!((report.counters.rate_limited, report.counters.transient), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_to_an_applied_write_is_not_resent() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::ApplyThenLoseAnswer]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(writes(&fake), [(Some(17), true)]);
}

#[tokio::test(start_paused = true)]
async fn a_lost_request_is_resent_after_the_re_read_shows_nothing_changed() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::LoseRequest, WriteFault::Answer(503, json!({"code": "service.unavailable"}))]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(writes(&fake), [(Some(17), false), (Some(17), false), (Some(17), true)]);
    assert_eq!(report.counters.transient, 2);
    // Each unclear answer was followed by a re-read before the resend.
    let calls = fake.calls();
    let submits: Vec<usize> =
        calls.iter().enumerate().filter(|(_, c)| matches!(c, Call::Submit { .. })).map(|(i, _)| i).collect();
    assert!(matches!(calls[submits[0] + 1], Call::Fetch(_)) && matches!(calls[submits[1] + 1], Call::Fetch(_)));
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_followed_by_a_re_validation_never_a_blind_resend() {
    // wfm-api.md §6: after a lost answer, "treat it as not applied: re-fetch, re-validate, never blindly resend".
    // a-200 files tor-9 between our read and our write, and the write's answer is lost: the versions stay as they
    // were (time off moves no schedule version, §1.8), so only the re-validated re-read shows what changed.
    let fake = FakePlatform::new(clean_example());
    fake.before_next_write(|doc| doc["timeOffRequests"] = example()["timeOffRequests"].clone());
    fake.script_writes([WriteFault::LoseRequest]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::Blocked, "{:#?}", report.story);
    assert_eq!(writes(&fake), [(Some(17), false)], "the first payload is never sent again");
    assert_eq!(report.writes[0].fate, WriteFate::NotApplied);
    assert!(says(&report, "validating the re-read from scratch"), "{:#?}", report.story);

    // Excluding conflicting trades: the re-read gives a new payload (without tr-4), and only that one goes.
    let fake = FakePlatform::new(clean_example());
    fake.before_next_write(|doc| doc["timeOffRequests"] = example()["timeOffRequests"].clone());
    fake.script_writes([WriteFault::LoseRequest]);
    let mut cfg = config();
    cfg.exclude_conflicting_trades = true;
    let report = run(&fake, &cfg).await;
    assert!(matches!(report.outcome, PublishOutcome::Published { changed_shifts: false, .. }), "{:#?}", report.story);
    assert_eq!(report.excluded_trades[0].trade_id, "tr-4");
    let hashes: Vec<&str> = report.writes.iter().map(|w| w.payload_hash.as_str()).collect();
    assert_eq!(hashes.len(), 2);
    assert_ne!(hashes[0], hashes[1], "a new payload, not the first one again");
    assert_eq!(holder_of(&fake.document(), "s-1"), "a-100");
}

/// The fake, with every read after the first refused (the platform cannot be read again).
struct ReadOnce(FakePlatform, std::sync::atomic::AtomicU32);

impl shiftgate_publish::PlatformClient for ReadOnce {
    fn name(&self) -> &'static str {
        "read-once"
    }
    fn prepare(
        &self,
        f: &shiftgate_publish::Fetched,
        p: &shiftgate_publish::plan::UpdatePlan,
    ) -> shiftgate_publish::Submission {
        self.0.prepare(f, p)
    }
    async fn fetch(&self, t: &shiftgate_publish::Target) -> Result<shiftgate_publish::Fetched, PlatformError> {
        if self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            return Err(PlatformError::Http {
                step: Step::Fetch,
                status: 404,
                code: Some("not.found".into()),
                message: None,
                context_id: None,
                retry_after: None,
                request: None,
            });
        }
        self.0.fetch(t).await
    }
    async fn submit(
        &self,
        t: &shiftgate_publish::Target,
        s: &shiftgate_publish::Submission,
    ) -> shiftgate_publish::SubmitResult {
        self.0.submit(t, s).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_refusal_that_cannot_be_re_read_is_not_called_a_validator_gap() {
    // a-200 files tor-9 after our read; the platform names the conflict, but the schedule cannot be read again:
    // the read the payload was built from does not predict it, and nobody can tell whether the validator missed
    // it or the data changed since. The report says so instead of asking for a rule fixture.
    let fake = FakePlatform::new(clean_example());
    let body = json!({"conflicts": [{"agentId": "a-200", "start": "2026-12-01T14:00:00Z", "end": "2026-12-01T18:00:00Z",
        "kind": "TimeOffOverlap", "timeOffRequestId": "tor-9"}]});
    fake.script_writes([WriteFault::Answer(409, body)]);
    fake.before_next_write(|doc| doc["timeOffRequests"] = example()["timeOffRequests"].clone());
    let platform = ReadOnce(fake, std::sync::atomic::AtomicU32::new(0));
    let clock = TokioClock::starting_at(start());
    let report =
        publish(&platform, &TimeOffValidator, &clock, &mut AuditLog::in_memory(), &config()).await.expect("run");
    assert_eq!(report.outcome, PublishOutcome::DataConflict, "{:#?}", report.story);
    assert!(says(&report, "Could not re-read the schedule to explain the refusal (rejected)"), "{:#?}", report.story);
    let c = &report.conflicts[0];
    assert!(!c.validator_gap && c.findings.is_empty(), "{c:#?}");
    assert!(
        c.summary
            .ends_with("not explained: no fresh read, and the read the payload was built from does not predict it"),
        "{}",
        c.summary
    );
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_bounded() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes(vec![WriteFault::LoseRequest; 10]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::Transient, .. }));
    assert_eq!(writes(&fake).len(), 4, "the first write and three retries");
    // Four writes were sent and none landed: the report says so, never "nothing was written".
    assert!(report.writes.iter().all(|w| w.fate == WriteFate::NotApplied), "{:#?}", report.writes);
    let truth = report.live_truth();
    assert!(truth.ends_with("; the live schedule is at version 17, without our payload"), "{truth}");
    assert!(!truth.contains("nothing was written"), "{truth}");
}

#[tokio::test(start_paused = true)]
async fn other_refusals_stop_without_retry() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Answer(400, json!({"code": "bad.request", "message": "lengthMinutes"}))]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::Rejected { status: Some(400), .. }), "{:?}", report.outcome);
    assert_eq!(report.outcome.exit_code(), 2);
    assert_eq!(writes(&fake).len(), 1);

    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::Answer(401, json!({"code": "bad.credentials"}))]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::Rejected { status: Some(401), .. }));
}

#[tokio::test(start_paused = true)]
async fn read_failures_retry_when_transient_and_stop_otherwise() {
    let fake = FakePlatform::new(clean_example());
    let e503 = PlatformError::Http {
        step: Step::Fetch,
        message: None,
        request: None,
        status: 503,
        code: None,
        context_id: None,
        retry_after: None,
    };
    fake.script_reads([ReadFault::Fail(e503)]);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert_eq!(report.counters.transient, 1);

    let fake = FakePlatform::new(clean_example());
    let e404 = PlatformError::Http {
        step: Step::Fetch,
        message: None,
        request: None,
        status: 404,
        code: Some("not.found".into()),
        context_id: None,
        retry_after: None,
    };
    fake.script_reads([ReadFault::Fail(e404)]);
    let report = run(&fake, &config()).await;
    assert!(matches!(report.outcome, PublishOutcome::Rejected { step: Step::Fetch, status: Some(404), .. }));
    assert!(writes(&fake).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_throttled_read_waits_for_retry_after() {
    let fake = FakePlatform::new(clean_example());
    let e429 = PlatformError::Http {
        step: Step::Fetch,
        message: None,
        request: None,
        status: 429,
        code: None,
        context_id: None,
        retry_after: Some("2".into()),
    };
    fake.script_reads([ReadFault::Fail(e429)]);
    let t0 = tokio::time::Instant::now();
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, published(18));
    assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!((report.counters.rate_limited, report.counters.transient), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn an_invalid_live_schedule_is_rejected_with_its_problems() {
    let mut doc = clean_example();
    doc["agentSchedules"][0]["shifts"][0]["lengthMinutes"] = json!(-5);
    let fake = FakePlatform::new(doc);
    let report = run(&fake, &config()).await;
    match &report.outcome {
        PublishOutcome::Rejected { detail, .. } => {
            assert!(detail.contains("agentSchedules[0].shifts[0].lengthMinutes"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_live_schedule_with_many_problems_is_told_in_a_few_lines_and_reported_in_full() {
    let mut doc = many_trades(60, 0, 0);
    for e in doc["agentSchedules"].as_array_mut().unwrap() {
        e["shifts"][0]["lengthMinutes"] = json!(-5);
    }
    let report = run(&FakePlatform::new(doc), &config()).await;
    let PublishOutcome::Rejected { detail, .. } = &report.outcome else { panic!("{:?}", report.outcome) };
    assert_eq!(detail.matches(".lengthMinutes").count(), 120, "the report keeps every problem");
    assert!(report.story.len() <= 8, "{:#?}", report.story);
    assert!(report.story.iter().all(|l| l.matches(".lengthMinutes").count() <= 1), "{:#?}", report.story);
    assert!(report.story.iter().any(|l| l.contains("... and 115 more problems")), "{:#?}", report.story);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_stops_waits_that_would_pass_it() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::RateLimit(Some("30".into()))]);
    let mut cfg = config();
    cfg.deadline = Duration::from_secs(10);
    let report = run(&fake, &cfg).await;
    assert!(
        matches!(report.outcome, PublishOutcome::GaveUp { reason: GiveUpReason::Deadline, .. }),
        "{:?}",
        report.outcome
    );
}

#[tokio::test(start_paused = true)]
async fn dry_run_writes_nothing_and_shows_the_diff() {
    let fake = FakePlatform::new(clean_example());
    let mut cfg = config();
    cfg.dry_run = true;
    let report = run(&fake, &cfg).await;
    assert_eq!(report.outcome, PublishOutcome::DryRun { blocked: false });
    assert!(writes(&fake).is_empty());
    let diff = report.diff.unwrap();
    assert_eq!(diff.moves.len(), 2);
    assert_eq!(diff.lines()[0], "a-100: - s-1 Tue Dec 1 08:00-16:30 CST (to a-200, trade tr-4)");
    assert!(report.payload_hash.unwrap().starts_with("sha256:"));

    let fake = FakePlatform::new(example());
    let report = run(&fake, &cfg).await;
    assert_eq!(report.outcome, PublishOutcome::DryRun { blocked: true });
    assert_eq!(report.outcome.exit_code(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_already_published_unchanged_schedule_needs_no_write() {
    let mut doc = clean_example();
    doc["shiftTrades"] = json!([]);
    doc["schedule"]["published"] = json!(true);
    let fake = FakePlatform::new(doc);
    let report = run(&fake, &config()).await;
    assert_eq!(report.outcome, PublishOutcome::AlreadyPublished { schedule_version: Some(17) });
    assert_eq!(report.outcome.exit_code(), 0);
    assert!(writes(&fake).is_empty() && report.writes.is_empty());
    assert!(says(&report, "already published at version 17"), "{:#?}", report.story);
    assert!(report.live_truth().contains("already published at version 17"), "{}", report.live_truth());
}

#[tokio::test(start_paused = true)]
async fn the_audit_records_every_step_without_secrets() {
    let fake = FakePlatform::new(clean_example());
    fake.script_writes([WriteFault::ConcurrentEdit]);
    let (report, audit) = run_with(&fake, &TimeOffValidator, &config()).await;
    let lines: Vec<Value> = audit.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let states: Vec<&str> = lines.iter().map(|l| l["state"].as_str().unwrap()).collect();
    // The 409 needs a re-read (settle) that decides at once (classify: the version moved), then the write's fate
    // (settled); the second write is re-read once to confirm it (settle) and settles as landed.
    assert_eq!(
        states,
        [
            "fetch", "validate", "submit", "settle", "classify", "settled", "wait", "fetch", "validate", "submit",
            "settle", "settled", "done"
        ]
    );
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=13).collect::<Vec<_>>());
    let settled: Vec<(u64, &str)> = lines
        .iter()
        .filter(|l| l["state"] == "settled")
        .map(|l| (l["writeAttempt"].as_u64().unwrap(), l["fate"].as_str().unwrap()))
        .collect();
    assert_eq!(settled, [(1, "refused"), (2, "landed")]);
    let submits: Vec<&Value> = lines.iter().filter(|l| l["state"] == "submit").collect();
    assert_eq!(submits[0]["httpStatus"], 409);
    assert_eq!(submits[0]["code"], "version.mismatch");
    assert_eq!(submits[0]["submittedVersion"], 17);
    assert_eq!(submits[1]["submittedVersion"], 18);
    assert!(submits.iter().all(|s| s["payloadHash"].as_str().unwrap().starts_with("sha256:")));
    assert_eq!(lines[4]["classification"], "versionConflict");
    assert_eq!((submits[0]["writeAttempt"].as_u64(), submits[1]["writeAttempt"].as_u64()), (Some(1), Some(2)));
    assert!(lines.iter().all(|l| l["runId"] == "run-test"));
    assert_eq!(report.audit_head, lines.last().unwrap()["hash"]);
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_tells_the_same_story() {
    let go = || async {
        let fake = FakePlatform::new(clean_example());
        fake.script_writes([WriteFault::ConcurrentEdit, WriteFault::LoseRequest, WriteFault::RateLimit(None)]);
        run(&fake, &config()).await.story
    };
    let (a, b) = (go().await, go().await);
    assert_eq!(a, b);
    assert!(a.len() > 8, "{a:#?}");
}

/// One info finding per agent that names the shifts it holds after trades: per agent, in agent-id order, as the
/// checker is. Records which agents each call validated.
struct PerAgent {
    calls: std::sync::Mutex<Vec<Vec<String>>>,
}

impl Validator for PerAgent {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let roster = apply_trades_excluding(s, excluded);
        let mut agents: Vec<(String, usize)> =
            s.agents.iter().enumerate().map(|(i, a)| (a.id.as_str().to_string(), i)).collect();
        agents.sort();
        self.calls.lock().unwrap().push(agents.iter().map(|a| a.0.clone()).collect());
        let findings = agents
            .into_iter()
            .map(|(id, i)| {
                let shifts: Vec<String> =
                    roster.by_agent[i].iter().map(|&x| s.shift(x).id.as_str().to_string()).collect();
                let at = s.as_of.unwrap_or_default();
                PublishFinding {
                    rule: "test.holds".into(),
                    severity: "info".into(),
                    blocking: false,
                    agent_id: id,
                    start: at,
                    end: at,
                    message: format!("holds {}", shifts.join(", ")),
                    trade_ids: Vec::new(),
                    time_off_request_ids: Vec::new(),
                    shift_ids: shifts,
                    cause: Vec::new(),
                    waiver: None,
                }
            })
            .collect();
        Validation { findings }
    }

    fn per_agent(&self) -> bool {
        true
    }
}

#[tokio::test(start_paused = true)]
async fn after_a_version_conflict_only_the_agents_that_changed_are_validated_again() {
    // a-100 and a-200 swap (tr-4); a-300 and a-400 trade nothing. Another writer moves a-300's shift while ours
    // is on its way: a version conflict, a full re-read, and a re-validation of a-300 alone.
    let mut doc = clean_example();
    for (agent, shift, day) in [("a-300", "s-30", "03"), ("a-400", "s-40", "04")] {
        doc["agents"].as_array_mut().unwrap().push(json!({"id": agent, "managementUnitId": "mu-1"}));
        doc["agentSchedules"].as_array_mut().unwrap().push(json!({"user": {"id": agent}, "metadata": {"version": 1},
            "shifts": [{"id": shift, "startDate": format!("2026-12-{day}T14:00:00Z"), "lengthMinutes": 480}]}));
    }
    let fake = FakePlatform::new(doc);
    fake.before_next_write(|d: &mut Value| {
        let v = d["schedule"]["metadata"]["version"].as_i64().unwrap();
        d["schedule"]["metadata"]["version"] = json!(v + 1);
        d["agentSchedules"][2]["shifts"][0]["startDate"] = json!("2026-12-03T15:00:00Z");
    });
    let validator = PerAgent { calls: std::sync::Mutex::new(Vec::new()) };
    let mut cfg = config();
    cfg.as_of = Some(start()); // the same instant for every read: the shared parts are equal
    let (report, _) = run_with(&fake, &validator, &cfg).await;
    assert!(matches!(report.outcome, PublishOutcome::Published { verified: true, .. }), "{:#?}", report.story);
    assert_eq!(report.counters.version_conflicts, 1);
    let calls = validator.calls.lock().unwrap().clone();
    assert_eq!(calls, [vec!["a-100", "a-200", "a-300", "a-400"], vec!["a-300"]], "{:#?}", report.story);
    assert!(says(&report, "Re-validating 1 of 4 agents"), "{:#?}", report.story);
    assert_eq!(report.timings.agents_validated, 5);

    // What the run acted on equals a full validation of the read it acted on.
    let mut live = fake.document();
    live["schedule"]["metadata"]["version"] = json!(18); // the read before our write landed
    live["asOf"] = json!("2026-11-22T18:00:00-06:00");
    let full = PerAgent { calls: std::sync::Mutex::new(Vec::new()) };
    let before_write = {
        let mut d = live.clone();
        // Undo our landed swap: the re-read the run validated had a-100 on s-1 and a-200 on s-9.
        let (a, b) = (d["agentSchedules"][0]["shifts"].clone(), d["agentSchedules"][1]["shifts"].clone());
        d["agentSchedules"][0]["shifts"] = b;
        d["agentSchedules"][1]["shifts"] = a;
        d
    };
    let snapshot = Snapshot::from_json(&serde_json::to_vec(&before_write).unwrap()).unwrap();
    let expected = full.validate(&snapshot, &[]);
    let messages = |v: &[PublishFinding]| v.iter().map(|f| (f.agent_id.clone(), f.message.clone())).collect::<Vec<_>>();
    assert_eq!(messages(&report.findings), messages(&expected.findings));
}

/// The time-off validator plus the checker's `core.trade.integrity` (rules/core/core.trade.integrity.rhai): an
/// approved trade that cannot apply is a blocking finding naming it, attributed to its initiating user.
struct WithIntegrity;

impl Validator for WithIntegrity {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let mut v = TimeOffValidator.validate(s, excluded);
        for f in apply_trades_excluding(s, excluded).failed {
            let t = &s.trades[f.trade_ix];
            let at = s.as_of.unwrap_or_default();
            v.findings.push(PublishFinding {
                rule: "core.trade.integrity".into(),
                severity: "error".into(),
                blocking: true,
                agent_id: t.initiating_user.to_string(),
                start: at,
                end: at,
                message: format!("approved trade {} was not applied, so neither of its shifts moved", t.id),
                trade_ids: vec![t.id.to_string()],
                time_off_request_ids: Vec::new(),
                shift_ids: Vec::new(),
                cause: Vec::new(),
                waiver: None,
            });
        }
        v
    }
}

/// A week of `pairs` agent pairs in one unit, each pair swapping its shifts by an approved trade: the first
/// `conflicts` receivers have PENDING time off over the shift they would receive, and the next `broken` trades
/// name a shift that does not exist.
fn many_trades(pairs: usize, conflicts: usize, broken: usize) -> Value {
    let mut doc = clean_example();
    let (mut agents, mut schedules, mut time_off, mut trades) = (vec![], vec![], vec![], vec![]);
    for p in 0..pairs {
        let (a, b) = (format!("a-{p:03}-a"), format!("a-{p:03}-b"));
        let day = 1 + p % 5;
        for (agent, hour) in [(&a, 8), (&b, 14)] {
            agents.push(json!({"id": agent, "managementUnitId": "mu-1"}));
            schedules.push(json!({"user": {"id": agent}, "metadata": {"version": 1}, "shifts": [{
                "id": format!("s-{agent}"), "startDate": format!("2026-12-0{day}T{hour:02}:00:00Z"), "lengthMinutes": 300,
                "activities": [{"startDate": format!("2026-12-0{day}T{hour:02}:00:00Z"), "lengthMinutes": 300, "activityCodeId": "0"}]}]}));
        }
        if p < conflicts {
            // b receives a's 08:00 shift: b's pending time off covers it.
            time_off.push(json!({"id": format!("tor-{p:03}"), "user": {"id": b}, "status": "PENDING",
                "isFullDayRequest": false, "partialDayStartDateTimes": [format!("2026-12-0{day}T08:00:00Z")],
                "dailyDurationMinutes": 240, "activityCodeId": "3"}));
        }
        let initiating_shift =
            if p >= conflicts && p < conflicts + broken { format!("s-gone-{p}") } else { format!("s-{a}") };
        trades.push(json!({"id": format!("tr-{p:03}"), "state": "Approved", "initiatingUser": {"id": a},
            "initiatingShiftId": initiating_shift, "receivingUser": {"id": b}, "receivingShiftId": format!("s-{b}"),
            "reviewedDate": "2026-11-20T16:00:00Z"}));
    }
    doc["agents"] = json!(agents);
    doc["agentSchedules"] = json!(schedules);
    doc["timeOffRequests"] = json!(time_off);
    doc["shiftTrades"] = json!(trades);
    doc
}

#[tokio::test(start_paused = true)]
async fn a_large_publish_tells_a_short_story_and_keeps_every_trade_in_the_report() {
    // 60 trades: 12 conflict with pending time off (excluded), 7 name a missing shift (not applicable: they
    // failed integrity and could never apply), 41 apply. The story names a few ids and counts the rest; the
    // report keeps every trade, each in exactly one list.
    let fake = FakePlatform::new(many_trades(60, 12, 7));
    let mut cfg = config();
    cfg.exclude_conflicting_trades = true;
    let (report, _) = run_with(&fake, &WithIntegrity, &cfg).await;
    assert!(matches!(report.outcome, PublishOutcome::Published { verified: true, .. }), "{:#?}", report.story);
    let ids = |v: &[shiftgate_publish::ExcludedTrade]| v.iter().map(|t| t.trade_id.clone()).collect::<Vec<_>>();
    let excluded = ids(&report.excluded_trades);
    let cannot = ids(&report.not_applicable_trades);
    assert_eq!(excluded, (0..12).map(|p| format!("tr-{p:03}")).collect::<Vec<_>>());
    assert_eq!(cannot, (12..19).map(|p| format!("tr-{p:03}")).collect::<Vec<_>>());
    assert_eq!(report.trades_applied.len(), 41);
    assert!(cannot.iter().all(|t| report
        .not_applicable_trades
        .iter()
        .any(|x| &x.trade_id == t && x.reasons.iter().all(|r| r.starts_with("core.trade.integrity")))));
    // The story: a handful of lines, none naming more than five trade ids, each trade told once.
    assert!(report.story.len() <= 12, "{:#?}", report.story);
    for line in &report.story {
        assert!(line.matches("tr-").count() <= 5, "too many ids in {line:?}");
    }
    let told = |id: &str| report.story.iter().filter(|l| l.contains(id)).count();
    assert_eq!((told("tr-000"), told("tr-012")), (1, 1), "{:#?}", report.story);
    assert!(report.story.iter().any(|l| l.starts_with("Excluded: 12 trades (tr-000, ")), "{:#?}", report.story);
    assert!(report.story.iter().any(|l| l.starts_with("Not applicable: 7 trades (tr-012, ")), "{:#?}", report.story);
    assert!(!report.story.iter().any(|l| l.starts_with("Excluded") && l.contains("tr-012")), "{:#?}", report.story);
    // --json carries every trade (camelCase lists).
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["excludedTrades"].as_array().map(Vec::len), Some(12));
    assert_eq!(json["notApplicableTrades"].as_array().map(Vec::len), Some(7));
    assert_eq!(json["tradesApplied"].as_array().map(Vec::len), Some(41));
}
