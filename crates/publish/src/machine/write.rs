//! Submit one payload until it settles: classify, re-read when unclear, verify, or explain a data conflict.

use super::*;

impl<P: PlatformClient> Run<'_, P> {
    /// Sends one payload until it settles. `Ok(Ok(()))` means "version conflict: start over from Fetch".
    /// Sends one payload until it settles. `Ok(Ok(()))` means "version conflict: start over from Fetch".
    pub(super) async fn submit_until_settled(&mut self, prepared: &Prepared) -> Flow<()> {
        let submission = &prepared.submission;
        loop {
            if let Some(o) = self.deadline_passed("before writing") {
                return Ok(Err(o));
            }
            if self.counters.writes >= self.cfg.write_cap {
                let detail = format!("the write cap of {} was reached", self.cfg.write_cap);
                return Ok(Err(self.give_up(GiveUpReason::WriteCap, detail)));
            }
            self.counters.writes += 1;
            self.report.submitted_version = submission.plan.schedule_version;
            let result = match tokio::time::timeout(
                self.remaining(),
                self.platform.submit(&self.cfg.target, submission),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => SubmitResult {
                    response: Response::NoResponse { reason: "the run deadline passed while waiting".into() },
                    step: Step::Update,
                    context_id: None,
                    operation_id: None,
                    detail: None,
                },
            };
            self.say(format!(
                "Submitted version {} (payload {}): {}.",
                version_text(submission.plan.schedule_version),
                short(&submission.payload_hash),
                describe(&result)
            ));
            let mut class = classify(&result.response, None);
            self.audit_submit(&result, class, submission)?;
            let mut reread = None;
            if class == Classification::NeedsRefetch {
                // A 5xx with Retry-After asks for no request at all before then, the re-read included.
                let retry_after = match &result.response {
                    Response::Http { retry_after, .. } => retry_after.as_deref(),
                    _ => None,
                };
                match self.unavailable_for(retry_after) {
                    Ok(Some(wait)) => {
                        self.say(format!(
                            "The platform is unavailable and asks to wait {}: waiting before re-reading.",
                            secs(wait)
                        ));
                        if let Err(o) = self.sleep(wait, "unavailable").await? {
                            self.say("The write's outcome is unknown; it was not resent.".to_string());
                            return Ok(Err(o));
                        }
                    }
                    Ok(None) => {}
                    Err(o) => {
                        self.say("The write's outcome is unknown; it was not resent.".to_string());
                        return Ok(Err(o));
                    }
                }
                self.say("The answer does not tell what happened: re-reading before anything else.".to_string());
                let fetched = match self.fetch("refetch").await? {
                    Ok(f) => f,
                    Err(o) => {
                        self.say("The write's outcome is unknown; it was not resent.".to_string());
                        return Ok(Err(o));
                    }
                };
                let facts =
                    compare(&submission.plan, submission.etag.as_deref(), &fetched.document, fetched.etag.as_deref());
                class = classify(&result.response, Some(facts));
                self.say(format!(
                    "Re-read: version {} -> {}; {}.",
                    version_text(submission.plan.schedule_version),
                    version_text(fetched.schedule_version()),
                    if facts.ours_live { "our payload is live" } else { "our payload is not live" }
                ));
                let mut rec = self.record("classify");
                rec.classification = Some(class.as_str().into());
                self.append(rec)?;
                reread = Some(fetched);
            }
            match class {
                Classification::Success => {
                    return Ok(Err(self.verify(submission).await?));
                }
                Classification::AlreadyApplied => {
                    self.say("Our payload is live, so the write landed: done, nothing resent.".to_string());
                    let version = reread.as_ref().and_then(Fetched::schedule_version);
                    return Ok(Err(PublishOutcome::Published {
                        schedule_version: version,
                        verified: true,
                        changed_shifts: !submission.plan.changes_no_shift(),
                    }));
                }
                Classification::VersionConflict => {
                    self.counters.version_conflicts += 1;
                    let n = self.counters.version_conflicts;
                    if n > self.cfg.version_conflict.max_attempts {
                        let detail =
                            format!("{} version conflicts in a row: the schedule is being edited concurrently", n);
                        return Ok(Err(self.give_up(GiveUpReason::VersionConflicts, detail)));
                    }
                    let delay = next_delay(&self.cfg.version_conflict, n, self.rng.random::<f64>());
                    self.say(format!(
                        "Version conflict {n}/{}: someone else changed the schedule; backing off {} then re-reading, re-applying and re-validating.",
                        self.cfg.version_conflict.max_attempts,
                        secs(delay)
                    ));
                    if let Err(o) = self.sleep(delay, "versionConflict").await? {
                        return Ok(Err(o));
                    }
                    return Ok(Ok(()));
                }
                Classification::DataConflict => {
                    return Ok(Err(self.data_conflict(prepared, &result, reread).await?));
                }
                Classification::RateLimited => {
                    let retry_after = match &result.response {
                        Response::Http { retry_after, .. } => retry_after.clone(),
                        _ => None,
                    };
                    if let Err(o) = self.wait_rate_limit(retry_after.as_deref(), "write").await? {
                        return Ok(Err(o));
                    }
                }
                Classification::Transient | Classification::NeedsRefetch => {
                    self.say(
                        "Nothing changed on the platform: the same payload (same versions) can be resent safely."
                            .to_string(),
                    );
                    // Any Retry-After was honoured before the re-read.
                    if let Err(o) = self.wait_transient(None).await? {
                        return Ok(Err(o));
                    }
                }
                Classification::Unauthorized | Classification::Rejected => {
                    let (status, body) = match &result.response {
                        Response::Http { status, body, .. } => (Some(*status), body.clone()),
                        _ => (None, None),
                    };
                    let code = body.as_ref().and_then(error_code).map(str::to_string);
                    self.report.response_body = body;
                    let detail = if class == Classification::Unauthorized {
                        "the platform refused the credentials (401 after a token refresh)".to_string()
                    } else {
                        format!("the platform refused the request ({})", describe(&result))
                    };
                    self.say(format!("Stopped: {detail}; not retried."));
                    return Ok(Err(PublishOutcome::Rejected { step: result.step, status, code, detail }));
                }
            }
        }
    }

    /// Re-reads after a success and checks our payload is live.
    pub(super) async fn verify(&mut self, submission: &Submission) -> Result<PublishOutcome, PublishError> {
        let changed_shifts = !submission.plan.changes_no_shift();
        match self.fetch("verify").await? {
            Ok(f) => {
                let facts = compare(&submission.plan, submission.etag.as_deref(), &f.document, f.etag.as_deref());
                self.say(if facts.ours_live {
                    let what = if changed_shifts { "with our changes and published" } else { "and published" };
                    format!("Verified: version {} is live {what}.", version_text(f.schedule_version()))
                } else {
                    "Accepted, but the re-read does not show our changes: another writer may have changed the schedule since.".to_string()
                });
                Ok(PublishOutcome::Published {
                    schedule_version: f.schedule_version(),
                    verified: facts.ours_live,
                    changed_shifts,
                })
            }
            Err(_) => {
                self.say("Accepted; the verification re-read failed, so it is not verified.".to_string());
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
            None => self.fetch("explain").await?.ok(),
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
        let validation = self.validator.validate(snapshot, &excluded);
        let explanations = explain_conflict(snapshot, &validation, &body);
        for e in &explanations {
            self.say(format!("  {}", e.summary));
            for c in &e.root_cause {
                self.say(format!("    because {c}"));
            }
        }
        self.report.findings = validation.findings;
        self.report.conflicts = explanations;
        self.report.response_body = Some(body).filter(|b| !b.is_null());
        Ok(PublishOutcome::DataConflict)
    }
}
