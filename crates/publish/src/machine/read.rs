//! Fetch (with read retries), validate (with trade exclusion), and build the payload.

use super::*;

impl<P: PlatformClient> Run<'_, P> {
    /// Reads the whole live state, waiting out 429s and retrying transient failures within their budgets.
    pub(super) async fn fetch(&mut self, state: &str) -> Flow<Fetched> {
        self.read_live(state, None).await
    }

    /// Reads what tells whether `plan` is live: the schedule's metadata and the plan's agents only, where the
    /// platform can read agents apart ([`Fetched::partial`]).
    pub(super) async fn fetch_agents(&mut self, state: &str, plan: &UpdatePlan) -> Flow<Fetched> {
        self.read_live(state, Some(plan)).await
    }

    /// One read, timed: its rate-limit waits count as waits, the rest as reading.
    async fn timed_read(&mut self, plan: Option<&UpdatePlan>) -> Option<Result<Fetched, PlatformError>> {
        let (t0, waited0) = (self.clock.now(), self.platform.traffic().waited());
        let target = &self.cfg.target;
        let read = async {
            match plan {
                Some(p) => self.platform.fetch_agents(target, p).await,
                None => self.platform.fetch(target).await,
            }
        };
        let result = tokio::time::timeout(self.remaining(), read).await.ok();
        let waited = self.platform.traffic().waited().saturating_sub(waited0);
        self.watch.reads += elapsed(self.clock.now(), t0).saturating_sub(waited);
        result
    }

    async fn read_live(&mut self, state: &str, plan: Option<&UpdatePlan>) -> Flow<Fetched> {
        loop {
            if let Some(o) = self.deadline_passed(&format!("before {state}")) {
                return Ok(Err(o));
            }
            self.counters.fetches += 1;
            let Some(result) = self.timed_read(plan).await else {
                return Ok(Err(self.give_up(GiveUpReason::Deadline, format!("the deadline passed during {state}"))));
            };
            match result {
                Ok(mut fetched) => {
                    if fetched.throttled > 0 {
                        self.counters.rate_limited += fetched.throttled;
                        self.say(format!(
                            "Rate limited (429) {} time(s) while reading: each request waited as asked, then went on.",
                            fetched.throttled
                        ));
                    }
                    let as_of = self.cfg.as_of.unwrap_or_else(|| self.clock.now());
                    if let Some(o) = fetched.document.as_object_mut() {
                        o.insert("asOf".into(), Value::String(crate::plan::rfc3339(as_of)));
                    }
                    self.report.fetched_version = fetched.schedule_version();
                    if !fetched.partial {
                        // A read of some agents is not the live state's hash.
                        self.report.live_hash = Some(fetched.live_hash.clone());
                    }
                    let mut rec = self.record(state);
                    rec.step = Some(Step::Fetch.as_str().into());
                    self.append(rec)?;
                    return Ok(Ok(fetched));
                }
                Err(e) => {
                    let mut rec = self.record(state);
                    rec.step = Some(Step::Fetch.as_str().into());
                    if let PlatformError::Http { status, code, context_id, .. } = &e {
                        rec.http_status = Some(*status);
                        rec.code.clone_from(code);
                        rec.context_id.clone_from(context_id);
                    }
                    match &e {
                        PlatformError::Http { status: 429, retry_after, .. } => {
                            rec.classification = Some(Classification::RateLimited.as_str().into());
                            self.append(rec)?;
                            let retry_after = retry_after.clone();
                            if let Err(o) = self.wait_rate_limit(retry_after.as_deref(), state).await? {
                                return Ok(Err(o));
                            }
                        }
                        e if e.is_transient() => {
                            rec.classification = Some(Classification::Transient.as_str().into());
                            self.append(rec)?;
                            self.say(format!("Reading the schedule failed ({e})."));
                            let retry_after = match e {
                                PlatformError::Http { retry_after, .. } => retry_after.clone(),
                                _ => None,
                            };
                            if let Err(o) = self.wait_transient(retry_after.as_deref()).await? {
                                return Ok(Err(o));
                            }
                        }
                        e => {
                            rec.classification = Some(Classification::Rejected.as_str().into());
                            self.append(rec)?;
                            let (status, code) = match e {
                                PlatformError::Http { status, code, .. } => (Some(*status), code.clone()),
                                _ => (None, None),
                            };
                            let detail = format!("reading the schedule failed: {e}");
                            self.say(format!("Stopped: {detail}."));
                            return Ok(Err(PublishOutcome::Rejected { step: Step::Fetch, status, code, detail }));
                        }
                    }
                }
            }
        }
    }

    /// Validate (with exclusions if asked), build the plan and the payload.
    pub(super) fn prepare(&mut self, fetched: &Fetched) -> Flow<Prepared> {
        let snapshot = match fetched.snapshot() {
            Ok(s) => s,
            Err(e) => {
                let detail = format!("the live schedule is not a valid snapshot: {e}");
                self.say(format!("Stopped: {detail}"));
                return Ok(Err(PublishOutcome::Rejected { step: Step::Fetch, status: None, code: None, detail }));
            }
        };
        let approved = shiftgate_model::approved_in_order(&snapshot).len();
        self.say(format!(
            "Fetched schedule {} version {} ({} agents, {} shifts, {} approved trades, {} time-off requests).",
            snapshot.schedule.id,
            version_text(snapshot.schedule.version),
            snapshot.agents.len(),
            snapshot.shifts.len(),
            approved,
            snapshot.time_off.len()
        ));
        // Excluding trades never touches one already applied: no finding names it.
        self.note_already_applied(&snapshot, &apply_trades_excluding(&snapshot, &[]));
        let excluded = match self.validate(&snapshot)? {
            Ok(x) => x,
            Err(o) => {
                // What the run would have changed, for the report.
                self.report.diff = Some(ScheduleDiff::between(&snapshot, &apply_trades_excluding(&snapshot, &[])));
                return Ok(Err(o));
            }
        };
        let t0 = self.clock.now();
        let roster = apply_trades_excluding(&snapshot, &excluded);
        let plan = build_plan(&snapshot, &fetched.document, &roster);
        let diff = ScheduleDiff::between(&snapshot, &roster);
        let submission = self.platform.prepare(fetched, &plan);
        self.watch.payload += elapsed(self.clock.now(), t0);
        self.say(format!(
            "Applied {} trade(s){}; the payload moves {} shift(s) of {} agent(s) (payload {}).",
            plan.trades_applied.len(),
            list_suffix(&plan.trades_applied),
            diff.moves.len(),
            plan.agents.len(),
            short(&submission.payload_hash)
        ));
        self.report.trades_applied.clone_from(&plan.trades_applied);
        self.report.payload_hash = Some(submission.payload_hash.clone());
        self.report.diff = Some(diff);
        if self.cfg.dry_run {
            let mut rec = self.record("plan");
            rec.payload_hash = Some(submission.payload_hash.clone());
            self.append(rec)?;
        }
        Ok(Ok(Prepared { snapshot, excluded, submission }))
    }

    /// Validates from scratch; with exclusion on, drops the trades blocking findings name and validates again.
    /// Returns the excluded trade indexes, or the Blocked (or blocked dry-run) outcome.
    pub(super) fn validate(&mut self, snapshot: &Snapshot) -> Flow<Vec<usize>> {
        self.report.excluded.clear();
        self.report.trades_excluded.clear();
        let mut excluded: Vec<usize> = Vec::new();
        let mut validation = self.run_validator(snapshot, &excluded);
        self.note_validation("validate", &validation)?;
        let mut round = 0;
        while validation.blocking_count() > 0 {
            let blocking: Vec<&PublishFinding> = validation.blocking().collect();
            let untradeable = blocking.iter().filter(|f| f.trade_ids.is_empty()).count();
            let mut fresh: Vec<usize> = Vec::new();
            for f in &blocking {
                for t in &f.trade_ids {
                    if let Some(ix) = snapshot.trades.iter().position(|x| x.id.as_str() == t) {
                        if !excluded.contains(&ix) && !fresh.contains(&ix) {
                            fresh.push(ix);
                        }
                    }
                }
            }
            let why_stop = if !self.cfg.exclude_conflicting_trades {
                Some(String::new())
            } else if untradeable > 0 {
                Some(format!("; {untradeable} of them involve no trade, so excluding trades cannot clear them"))
            } else if fresh.is_empty() || round >= self.cfg.max_exclusion_rounds {
                Some("; excluding the trades they name did not clear them".to_string())
            } else {
                None
            };
            if let Some(why) = why_stop {
                let written = match self.report.writes.len() {
                    0 => "Nothing was written.".to_string(),
                    n => format!("Nothing more is sent ({n} earlier write(s) of this run: see their fates)."),
                };
                self.say(format!("Blocked: {} blocking finding(s){why}. {written}", validation.blocking_count()));
                for f in validation.blocking() {
                    let line = format!("  {} {}: {}", f.rule, f.agent_id, f.message);
                    self.say(line);
                }
                return Ok(Err(if self.cfg.dry_run {
                    PublishOutcome::DryRun { blocked: true }
                } else {
                    PublishOutcome::Blocked
                }));
            }
            round += 1;
            fresh.sort_unstable();
            for &ix in &fresh {
                let id = snapshot.trades[ix].id.as_str().to_string();
                let findings: Vec<PublishFinding> =
                    blocking.iter().filter(|f| f.trade_ids.contains(&id)).map(|f| (*f).clone()).collect();
                let reasons: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.rule, f.message)).collect();
                self.say(format!("Excluded trade {id}: {}.", reasons.join("; ")));
                self.report.trades_excluded.push(id.clone());
                self.report.excluded.push(ExcludedTrade { trade_id: id, reasons, findings });
            }
            excluded.extend(fresh);
            excluded.sort_unstable();
            validation = self.run_validator(snapshot, &excluded);
            self.note_validation("exclude", &validation)?;
        }
        Ok(Ok(excluded))
    }

    /// Story lines and the report field for approved trades whose shifts already sit with their new owners.
    fn note_already_applied(&mut self, snapshot: &Snapshot, roster: &shiftgate_model::Roster) {
        let ids: Vec<String> = roster.already_applied.iter().map(|&t| snapshot.trades[t].id.to_string()).collect();
        for id in ids.iter().take(IDS_NAMED) {
            self.say(format!("{id} already applied: its shifts already sit with their new owners, nothing moves."));
        }
        if ids.len() > IDS_NAMED {
            self.say(format!("... and {} more trades already applied.", ids.len() - IDS_NAMED));
        }
        self.report.trades_already_applied = ids;
    }

    /// The validator, timed.
    pub(super) fn run_validator(&mut self, snapshot: &Snapshot, excluded: &[usize]) -> Validation {
        let t0 = self.clock.now();
        let v = self.validator.validate(snapshot, excluded);
        self.watch.validation += elapsed(self.clock.now(), t0);
        self.watch.validations += 1;
        self.watch.agents_validated += snapshot.agents.len() as u64;
        v
    }

    pub(super) fn note_validation(&mut self, state: &str, v: &Validation) -> Result<(), PublishError> {
        let blocking = v.blocking_count();
        self.say(format!(
            "{} {} finding(s), {blocking} blocking.",
            if state == "validate" { "Validated:" } else { "Re-validated from scratch:" },
            v.findings.len()
        ));
        self.report.findings.clone_from(&v.findings);
        let mut rec = self.record(state);
        rec.findings = Some(v.findings.len());
        rec.blocking_findings = Some(blocking);
        rec.waivers_relied_on = self.validator.waivers_relied_on();
        self.append(rec)
    }
}
