//! Submit one payload until it settles: classify, wait for an unclear answer to settle, verify, or explain a
//! data conflict. Every write gets its fate ([`WriteFate`]) here.

use super::settle::Settled;
use super::*;
use crate::classify::{awaiting, judge, reaches_the_schedule, Awaiting};

impl<P: PlatformClient> Run<'_, P> {
    /// Sends one payload until it settles. `Ok(Ok(next))` means "start over": from a fresh fetch (`None`, after
    /// a version conflict) or from the re-read that settled a lost write (`Some`).
    pub(super) async fn submit_until_settled(&mut self, prepared: &Prepared) -> Flow<Option<Fetched>> {
        let submission = &prepared.submission;
        let changed_shifts = !submission.plan.changes_no_shift();
        loop {
            if let Some(o) = self.deadline_passed("before writing") {
                return Ok(Err(o));
            }
            if self.counters.writes >= self.cfg.write_cap {
                let detail = format!("the write cap of {} was reached", self.cfg.write_cap);
                return Ok(Err(self.give_up(GiveUpReason::WriteCap, detail)));
            }
            let (ix, result) = self.send(submission).await?;
            let attempt = self.report.writes[ix].attempt;
            let (class, what, settled) = match classify(&result.response) {
                Classification::NeedsRefetch => match self.await_settling(attempt, submission, &result).await? {
                    Ok(x) => x,
                    Err(o) => return Ok(Err(o)),
                },
                c => (c, None, None),
            };
            let answer = describe(&result);
            let live_version = settled.as_ref().and_then(|s| s.fetched.schedule_version());
            let sent_version = submission.plan.schedule_version;
            match class {
                Classification::Success => return Ok(Err(self.verify(ix, submission, &answer).await?)),
                Classification::AlreadyApplied => {
                    self.settle_live_payload(ix, what, &answer, live_version)?;
                    let outcome =
                        PublishOutcome::Published { schedule_version: live_version, verified: true, changed_shifts };
                    return Ok(Err(outcome));
                }
                Classification::VersionConflict => {
                    self.settle_version_conflict(ix, what, &answer, live_version)?;
                    return Ok(self.back_off_version_conflict().await?.map(|()| None));
                }
                Classification::DataConflict => {
                    let window = secs(self.cfg.settle.window);
                    let detail = match what {
                        Some(_) => format!(
                            "{answer}; the versions are unchanged {window} later, so the platform refuses the data"
                        ),
                        None => format!("the platform refuses the data ({answer})"),
                    };
                    self.settle_write(ix, WriteFate::Refused, live_version.or(sent_version), detail)?;
                    // Explaining validates: a read of some agents cannot, so the explanation reads the week.
                    let reread = settled.map(|s| s.fetched).filter(|f| !f.partial);
                    return Ok(Err(self.data_conflict(prepared, &result, reread).await?));
                }
                Classification::RateLimited => {
                    let detail = format!("rate limited ({answer}); nothing was applied, the same payload goes again");
                    self.settle_write(ix, WriteFate::Refused, sent_version, detail)?;
                    let retry_after = match &result.response {
                        Response::Http { retry_after, .. } => retry_after.clone(),
                        _ => None,
                    };
                    if let Err(o) = self.wait_rate_limit(retry_after.as_deref(), "write").await? {
                        return Ok(Err(o));
                    }
                }
                Classification::Transient => {
                    self.settle_not_applied(ix, &answer, settled.is_some(), live_version.or(sent_version))?;
                    // Any Retry-After was honoured before the re-read.
                    if let Err(o) = self.wait_transient(None).await? {
                        return Ok(Err(o));
                    }
                    // Unchanged versions do not mean unchanged data: time off moves no schedule version
                    // (research/wfm-api.md §1.8), and a lost answer may have hidden a refusal of the data. So the
                    // re-read is validated from scratch before anything goes again (wfm-api.md §6: "treat it as
                    // not applied: re-fetch, re-validate, never blindly resend").
                    // Settling read only the plan's agents: the next cycle reads the whole week to validate it.
                    if let Some(s) = settled {
                        return Ok(Ok(Some(s.fetched).filter(|f| !f.partial)));
                    }
                }
                Classification::Unauthorized | Classification::Rejected | Classification::NeedsRefetch => {
                    return Ok(Err(self.rejected(ix, class, &result, sent_version)?));
                }
            }
        }
    }

    /// Sends one write, opens its entry in the report, tells and audits it.
    async fn send(&mut self, submission: &Submission) -> Result<(usize, SubmitResult), PublishError> {
        self.counters.writes += 1;
        self.report.submitted_version = submission.plan.schedule_version;
        let (t0, waited0) = (self.clock.now(), self.platform.traffic().waited());
        let submitted = self.platform.submit(&self.cfg.target, submission);
        let result = tokio::time::timeout(self.remaining(), submitted).await;
        let waited = self.platform.traffic().waited().saturating_sub(waited0);
        self.watch.writes += elapsed(self.clock.now(), t0).saturating_sub(waited);
        let result = result.unwrap_or_else(|_| SubmitResult {
            response: Response::NoResponse { reason: "the run deadline passed while waiting".into() },
            step: Step::Update,
            context_id: None,
            operation_id: None,
            detail: None,
        });
        let ix = self.open_write(submission, &result);
        let attempt = self.report.writes[ix].attempt;
        self.say(format!(
            "Write {attempt}: sent version {} (payload {}): {}.",
            version_text(submission.plan.schedule_version),
            short(&submission.payload_hash),
            with_context(&result)
        ));
        self.audit_submit(&result, classify(&result.response), submission, attempt)?;
        Ok((ix, result))
    }

    /// The fate of a write that met a version conflict: refused outright, or (after an unclear answer) not live
    /// once the window was over.
    fn settle_version_conflict(
        &mut self,
        ix: usize,
        what: Option<Awaiting>,
        answer: &str,
        live_version: Option<i64>,
    ) -> Result<(), PublishError> {
        let moved = format!("another writer moved the schedule to version {}", version_text(live_version));
        if what == Some(Awaiting::Outcome) {
            let window = secs(self.cfg.settle.window);
            let detail = format!("our payload is not live {window} after the answer, and {moved}");
            self.settle_write(ix, WriteFate::NotApplied, live_version, detail)
        } else {
            self.settle_write(ix, WriteFate::Refused, live_version, format!("a version conflict ({answer}): {moved}"))
        }
    }

    /// The fate of a write that did not land and left the versions as they were: the same payload may go again.
    fn settle_not_applied(
        &mut self,
        ix: usize,
        answer: &str,
        re_read: bool,
        version: Option<i64>,
    ) -> Result<(), PublishError> {
        let detail = if re_read {
            let window = secs(self.cfg.settle.window);
            format!("{answer}; {window} later the versions are unchanged and our payload is not live")
        } else {
            format!("{answer}; the write stopped before the update, so nothing reached the schedule")
        };
        self.settle_write(ix, WriteFate::NotApplied, version, detail)?;
        self.say(if re_read {
            "The versions did not move, but the data may have (time off moves no version, and a lost answer may hide a refusal): validating the re-read from scratch before sending anything again; the same payload goes again only if that gives it back.".to_string()
        } else {
            "Nothing changed on the platform: the same payload (same versions) can be resent safely.".to_string()
        });
        Ok(())
    }

    /// A refusal no retry cures (credentials, permissions, a malformed request): the write's fate and the outcome.
    fn rejected(
        &mut self,
        ix: usize,
        class: Classification,
        result: &SubmitResult,
        sent_version: Option<i64>,
    ) -> Result<PublishOutcome, PublishError> {
        let (status, body) = match &result.response {
            Response::Http { status, body, .. } => (Some(*status), body.clone()),
            _ => (None, None),
        };
        let code = body.as_ref().and_then(error_code).map(str::to_string);
        self.report.response_body = body;
        let detail = if class == Classification::Unauthorized {
            "the platform refused the credentials (401 after a token refresh)".to_string()
        } else {
            format!("the platform refused the request ({})", describe(result))
        };
        self.settle_write(ix, WriteFate::Refused, sent_version, detail.clone())?;
        self.say(format!("Stopped: {detail}; not retried."));
        Ok(PublishOutcome::Rejected { step: result.step, status, code, detail })
    }

    /// After an answer that does not tell what happened: wait out a 5xx's `Retry-After`, then re-read until the
    /// platform settles. Returns the decision, what the write awaited, and the settling read.
    async fn await_settling(
        &mut self,
        attempt: u32,
        submission: &Submission,
        result: &SubmitResult,
    ) -> Flow<(Classification, Option<Awaiting>, Option<Settled<Classification>>)> {
        let since = self.clock.now();
        let what = awaiting(&result.response).unwrap_or(Awaiting::Outcome);
        // A 5xx with Retry-After asks for no request at all before then: the re-read, or the resend.
        let retry_after = match &result.response {
            Response::Http { retry_after, .. } => retry_after.as_deref(),
            _ => None,
        };
        let before_update = what == Awaiting::Outcome && !reaches_the_schedule(result.step);
        let gave_up = match self.unavailable_for(retry_after) {
            Ok(Some(wait)) => {
                let then = if before_update { "sending again" } else { "re-reading" };
                self.say(format!(
                    "The platform is unavailable and asks to wait {}: waiting before {then}.",
                    secs(wait)
                ));
                self.sleep(wait, "unavailable").await?.err()
            }
            Ok(None) => None,
            Err(o) => Some(o),
        };
        if let Some(o) = gave_up {
            if before_update {
                let detail =
                    format!("{}; it stopped before the update, so nothing reached the schedule", describe(result));
                let ix = self.report.writes.len() - 1;
                self.settle_write(ix, WriteFate::NotApplied, submission.plan.schedule_version, detail)?;
            } else {
                self.say("The write's outcome is unknown; it was not resent.".to_string());
            }
            return Ok(Err(o));
        }
        if what == Awaiting::Outcome && !reaches_the_schedule(result.step) {
            return Ok(Ok((Classification::Transient, Some(what), None)));
        }
        self.say(match what {
            Awaiting::Outcome => "The answer does not tell whether the write landed, and the platform may still be processing it: re-reading until it settles, never resending before.",
            Awaiting::Reason => "The refusal does not say why: re-reading to tell a stale version from refused data.",
        }.to_string());
        match self.settle(attempt, submission, since, |f, over| judge(what, f, over)).await? {
            Ok(s) => {
                let mut rec = self.record("classify");
                rec.write_attempt = Some(attempt);
                rec.classification = Some(s.decision.as_str().into());
                self.append(rec)?;
                Ok(Ok((s.decision, Some(what), Some(s))))
            }
            Err(o) => {
                self.say("The write's outcome is unknown; it was not resent.".to_string());
                Ok(Err(o))
            }
        }
    }

    /// Our payload is live after write `ix`'s unclear answer or refusal. Normally that write landed; but if an
    /// earlier write of the same payload was judged not applied (it was still processing when its window ended),
    /// a refused resend means the earlier one landed late, and an unclear one cannot tell which of the two did.
    fn settle_live_payload(
        &mut self,
        ix: usize,
        what: Option<Awaiting>,
        answer: &str,
        version: Option<i64>,
    ) -> Result<(), PublishError> {
        let attempt = self.report.writes[ix].attempt;
        match (self.earlier_same_payload(ix), what) {
            (Some(e), Some(Awaiting::Reason)) => {
                let first = self.report.writes[e].attempt;
                let late = format!(
                    "judged not applied when its window ended, but it landed late: after write {attempt} a re-read shows our payload live"
                );
                self.settle_write(e, WriteFate::Landed, version, late)?;
                let dup = format!("{answer}: the same payload as write {first}, which had landed in the meantime");
                self.settle_write(ix, WriteFate::Refused, version, dup)
            }
            (Some(e), _) => {
                let first = self.report.writes[e].attempt;
                let detail = format!(
                    "{answer}; a re-read shows our payload live (this write or write {first}, which carried the same payload and versions: only one of them can have landed)"
                );
                self.settle_write(ix, WriteFate::Landed, version, detail)
            }
            (None, _) => {
                self.settle_write(ix, WriteFate::Landed, version, format!("{answer}; a re-read shows our payload live"))
            }
        }
    }

    /// Counts a version-conflict cycle and backs off before the caller starts over from Fetch.
    async fn back_off_version_conflict(&mut self) -> Flow<()> {
        self.counters.version_conflicts += 1;
        let n = self.counters.version_conflicts;
        if n > self.cfg.version_conflict.max_attempts {
            let detail = format!("{} version conflicts in a row: the schedule is being edited concurrently", n);
            return Ok(Err(self.give_up(GiveUpReason::VersionConflicts, detail)));
        }
        let delay = next_delay(&self.cfg.version_conflict, n, self.rng.random::<f64>());
        self.say(format!(
            "Version conflict {n}/{}: someone else changed the schedule; backing off {} then re-reading, re-applying and re-validating.",
            self.cfg.version_conflict.max_attempts,
            secs(delay)
        ));
        self.sleep(delay, "versionConflict").await
    }

    /// After the platform accepted a write: re-read until our payload shows (or the window is over).
    async fn verify(
        &mut self,
        ix: usize,
        submission: &Submission,
        answer: &str,
    ) -> Result<PublishOutcome, PublishError> {
        let changed_shifts = !submission.plan.changes_no_shift();
        let attempt = self.report.writes[ix].attempt;
        let since = self.clock.now();
        let confirm = |f: LiveFacts, over: bool| {
            if f.ours_live && (f.schedule_moved || over) {
                Some(true)
            } else {
                over.then_some(false)
            }
        };
        match self.settle(attempt, submission, since, confirm).await? {
            Ok(Settled { decision: verified, fetched, .. }) => {
                let version = fetched.schedule_version();
                let detail = if verified {
                    format!("{answer}; a re-read shows our payload live")
                } else {
                    format!(
                        "{answer}, but {} later a re-read does not show our payload: another writer may have changed the schedule since",
                        secs(self.cfg.settle.window)
                    )
                };
                self.settle_write(ix, WriteFate::Landed, version, detail)?;
                Ok(PublishOutcome::Published { schedule_version: version, verified, changed_shifts })
            }
            Err(_) => {
                let detail = format!("{answer}; no re-read could confirm it, so it is not verified");
                self.settle_write(ix, WriteFate::Landed, None, detail)?;
                Ok(PublishOutcome::Published { schedule_version: None, verified: false, changed_shifts })
            }
        }
    }

    /// Stops on a data conflict, explaining each server conflict against a fresh validation.
    pub(super) async fn data_conflict(
        &mut self,
        prepared: &Prepared,
        result: &SubmitResult,
        reread: Option<Fetched>,
    ) -> Result<PublishOutcome, PublishError> {
        let body = match &result.response {
            Response::Http { body, .. } => body.clone(),
            Response::AsyncError { detail } => detail.clone(),
            _ => None,
        }
        .unwrap_or(Value::Null);
        self.say("Data conflict: the platform refuses this schedule. It will not be resent.".to_string());
        // Explain against the freshest state: the root cause is often something that changed after our read
        // (a new time-off request).
        let fresh = match reread {
            Some(f) => Some(f),
            None => match self.fetch("explain").await? {
                Ok(f) => Some(f),
                Err(stopped) => {
                    self.say(format!(
                        "Could not re-read the schedule to explain the refusal ({}): explaining it against the read the payload was built from, which may predate its cause.",
                        stopped.as_str()
                    ));
                    None
                }
            },
        };
        let fresh_snapshot = fresh.as_ref().and_then(|f| f.snapshot().ok());
        let (snapshot, excluded) = match &fresh_snapshot {
            Some(s) => {
                let ids: Vec<&str> =
                    prepared.excluded.iter().map(|&i| prepared.snapshot.trades[i].id.as_str()).collect();
                let excluded = (0..s.trades.len()).filter(|&i| ids.contains(&s.trades[i].id.as_str())).collect();
                (s, excluded)
            }
            None => (&prepared.snapshot, prepared.excluded.clone()),
        };
        let validation = self.run_validator(snapshot, &excluded);
        let mut explanations = explain_conflict(snapshot, &validation, &body);
        if fresh_snapshot.is_none() {
            // Without a fresh read nobody can tell a validator gap from a change since our read (a new time-off
            // request): say that, rather than ask for a rule fixture that may not be missing.
            for e in explanations.iter_mut().filter(|e| e.validator_gap) {
                e.validator_gap = false;
                e.summary = match e.summary.split_once("; validator gap") {
                    Some((head, _)) => format!(
                        "{head}; not explained: no fresh read, and the read the payload was built from does not predict it"
                    ),
                    None => e.summary.clone(),
                };
            }
        }
        let reasonless =
            parse_conflicts(&body).iter().all(|c| c.agent_id.is_none() && c.kind.is_none() && c.start.is_none());
        if reasonless {
            // Genesys says only "Error" (research/wfm-api.md §1.6): the gate's own findings on the fresh read are
            // the explanation there is.
            self.explain_from_findings(&validation);
        } else {
            for e in explanations.iter().take(IDS_NAMED) {
                self.say(format!("  {}", e.summary));
                for c in &e.root_cause {
                    self.say(format!("    because {c}"));
                }
            }
            if explanations.len() > IDS_NAMED {
                let more = explanations.len() - IDS_NAMED;
                self.say(format!("  ... and {more} more server conflict(s) (the --json report explains each)"));
            }
        }
        self.report.findings = validation.findings;
        self.report.conflicts = explanations;
        self.report.response_body = Some(body).filter(|b| !b.is_null());
        Ok(PublishOutcome::DataConflict)
    }

    /// Explains a refusal that names nothing from the findings on the fresh read: the blocking ones, or, when
    /// nothing blocks, the warnings (a site may report as a warning what the platform refuses, e.g. pending time
    /// off with `severity_when_pending = "warning"`).
    fn explain_from_findings(&mut self, validation: &Validation) {
        let blocking: Vec<&PublishFinding> = validation.blocking().collect();
        let (likely, lead) = if blocking.is_empty() {
            let warned: Vec<&PublishFinding> =
                validation.findings.iter().filter(|f| f.severity == "warning" || f.severity == "error").collect();
            let lead = format!(
                "  The platform gave no reason; on the fresh read nothing blocks, but the gate warned: {} finding(s) reported without blocking (at this site's severity settings) are the likely cause:",
                warned.len()
            );
            (warned, lead)
        } else {
            let lead = format!(
                "  The platform gave no reason; on the fresh read the gate finds {} blocking finding(s), the likely cause:",
                blocking.len()
            );
            (blocking, lead)
        };
        if likely.is_empty() {
            self.say("  The platform gave no reason, and the gate finds nothing blocking or warned on the fresh read: a validator gap (add a rule fixture for this case).".to_string());
            return;
        }
        self.say(lead);
        let n = likely.len();
        let lines: Vec<(String, Vec<String>)> = likely
            .iter()
            .take(IDS_NAMED)
            .map(|f| (format!("  {} {}: {}", f.rule, f.agent_id, f.message), f.cause.clone()))
            .collect();
        for (line, cause) in lines {
            self.say(line);
            for c in cause {
                self.say(format!("    because {c}"));
            }
        }
        if n > IDS_NAMED {
            self.say(format!("  ... and {} more (the --json report lists every finding)", n - IDS_NAMED));
        }
    }
}
