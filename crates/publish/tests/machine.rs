//! The publish state machine against the in-memory platform, on tokio's paused clock: every classification path,
//! the budgets, and what the audit and the report say.

mod common;

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use shiftgate_model::{apply_trades_excluding, Snapshot};
use shiftgate_publish::fake::{Call, FakePlatform, ReadFault, WriteFault};
use shiftgate_publish::{
    publish, verify_chain, AuditLog, GiveUpReason, PlatformError, PublishConfig, PublishFinding, PublishOutcome,
    PublishReport, SettlePolicy, Step, TokioClock, Validation, Validator, WriteFate,
};

use common::{clean_example, example, start, target, TimeOffValidator};

fn config() -> PublishConfig {
    let mut c = PublishConfig::new(target());
    c.jitter_seed = Some(7);
    c.run_id = Some("run-test".into());
    c
}

async fn run_with(fake: &FakePlatform, validator: &dyn Validator, cfg: &PublishConfig) -> (PublishReport, AuditLog) {
    let clock = TokioClock::starting_at(start());
    let mut audit = AuditLog::in_memory();
    let report = publish(fake, validator, &clock, &mut audit, cfg).await.expect("run");
    (report, audit)
}

async fn run(fake: &FakePlatform, cfg: &PublishConfig) -> PublishReport {
    let (report, audit) = run_with(fake, &TimeOffValidator, cfg).await;
    // Whatever happened, the audit chain verifies and ends with the outcome.
    let text = audit.lines().join("\n");
    assert_eq!(verify_chain(&text).unwrap(), report.audit_head);
    let last: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], report.outcome.as_str());
    report
}

fn writes(fake: &FakePlatform) -> Vec<(Option<i64>, bool)> {
    fake.calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Submit { version, applied, .. } => Some((version, applied)),
            Call::Fetch(_) => None,
        })
        .collect()
}

fn holder_of(doc: &Value, shift: &str) -> String {
    let entries = doc["agentSchedules"].as_array().unwrap();
    let holders: Vec<&str> = entries
        .iter()
        .filter(|e| e["shifts"].as_array().unwrap().iter().any(|s| s["id"] == shift))
        .map(|e| e["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(holders.len(), 1, "{shift} held by {holders:?}");
    holders[0].to_string()
}

fn published(version: i64) -> PublishOutcome {
    PublishOutcome::Published { schedule_version: Some(version), verified: true, changed_shifts: true }
}

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

// ---- Issue #9: settled outcomes, idempotent re-runs, honest reports. ----

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The checker as `shiftgate publish` runs it: time-off conflicts, plus a blocking `core.trade.integrity` finding
/// for every approved trade that could not be applied. `already_applied_is_fine` says whether the model tells a
/// trade whose shifts already sit with their new owners from a broken one (DESIGN.md §3, the model fix).
struct Checker {
    already_applied_is_fine: bool,
}

/// Whether a trade's shifts already sit with the users they were traded to (DESIGN.md §3).
fn already_with_new_owners(s: &Snapshot, t: usize) -> bool {
    let trade = &s.trades[t];
    let holder = |shift: &str| s.shift_ix(shift).map(|ix| s.agent(s.shift(ix).owner).id.to_string());
    let given = trade.receiving_user.as_ref().map(|u| u.to_string());
    holder(trade.initiating_shift.as_str()) == given
        && trade.receiving_shift.as_ref().is_none_or(|r| holder(r.as_str()) == Some(trade.initiating_user.to_string()))
}

impl Validator for Checker {
    fn validate(&self, s: &Snapshot, excluded: &[usize]) -> Validation {
        let mut v = TimeOffValidator.validate(s, excluded);
        let roster = apply_trades_excluding(s, excluded);
        for failure in &roster.failed {
            let t = failure.trade_ix;
            if self.already_applied_is_fine && already_with_new_owners(s, t) {
                continue;
            }
            let trade = &s.trades[t];
            let at = start();
            v.findings.push(PublishFinding {
                rule: "core.trade.integrity".into(),
                severity: "error".into(),
                blocking: true,
                agent_id: trade.initiating_user.to_string(),
                start: at,
                end: at,
                message: format!("approved trade {} cannot be applied", trade.id),
                trade_ids: vec![trade.id.to_string()],
                time_off_request_ids: Vec::new(),
                shift_ids: vec![trade.initiating_shift.to_string()],
                cause: Vec::new(),
                waiver: None,
            });
        }
        v
    }
}

const TODAYS_CHECKER: Checker = Checker { already_applied_is_fine: false };
const FIXED_CHECKER: Checker = Checker { already_applied_is_fine: true };

fn says(report: &PublishReport, needle: &str) -> bool {
    report.story.iter().any(|l| l.contains(needle))
}

#[tokio::test(start_paused = true)]
async fn a_write_that_lands_while_the_socket_closes_is_reported_as_landed() {
    // Issue #9: the update is accepted, the platform closes the notification socket before the outcome event, and
    // processing ends 1.5 s later. The first re-read takes the schedule metadata before processing and the agent
    // schedules after it (a torn read: "version 17 -> 17" with our shifts already live).
    let fake = FakePlatform::new(clean_example()).with_processing(Duration::from_millis(1500)).with_read_gap(secs(2));
    fake.script_writes([WriteFault::SocketClosing]);
    let (report, _) = run_with(&fake, &TODAYS_CHECKER, &config()).await;
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
    let (first, _) = run_with(&fake, &FIXED_CHECKER, &config()).await;
    assert_eq!(first.outcome, published(18));
    let (second, _) = run_with(&fake, &FIXED_CHECKER, &config()).await;
    assert_eq!(second.outcome, PublishOutcome::AlreadyPublished { schedule_version: Some(18) }, "{:#?}", second.story);
    assert_eq!(second.outcome.exit_code(), 0);
    assert_eq!(writes(&fake).len(), 1, "the second run writes nothing");
    assert!(second.writes.is_empty());
    assert!(says(&second, "already published at version 18"), "{:#?}", second.story);
    assert!(says(&second, "tr-4 already applied"), "{:#?}", second.story);
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
    run_with(&fake, &FIXED_CHECKER, &config()).await;
    run_with(&fake, &FIXED_CHECKER, &config()).await;
    fake.edit(a_new_pick_up);
    let (third, _) = run_with(&fake, &FIXED_CHECKER, &config()).await;
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
