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
                    let as_of = *self.as_of.get_or_insert_with(|| self.cfg.as_of.unwrap_or_else(|| self.clock.now()));
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
                // The outcome's detail keeps every problem (--json, audit); the story names the first few.
                let detail = format!("the live schedule is not a valid snapshot: {e}");
                let problems: Vec<String> = e.problems().iter().map(|p| format!("  {p}")).collect();
                self.say(format!(
                    "Stopped: the live schedule is not a valid snapshot ({} problem(s)):",
                    problems.len()
                ));
                self.say_few(problems, "problems");
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
        let excluded = match self.validate(&snapshot, Some(&fetched.document))? {
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
    pub(super) fn validate(&mut self, snapshot: &Snapshot, document: Option<&Value>) -> Flow<Vec<usize>> {
        self.report.excluded.clear();
        self.report.not_applicable.clear();
        self.report.trades_excluded.clear();
        let mut excluded: Vec<usize> = Vec::new();
        let mut validation = match document {
            Some(doc) if self.validator.per_agent() => self.validate_changed(snapshot, doc),
            _ => self.run_validator(snapshot, &excluded),
        };
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
                let lines: Vec<String> =
                    validation.blocking().map(|f| format!("  {} {}: {}", f.rule, f.agent_id, f.message)).collect();
                self.say_few(lines, "blocking findings");
                return Ok(Err(if self.cfg.dry_run {
                    PublishOutcome::DryRun { blocked: true }
                } else {
                    PublishOutcome::Blocked
                }));
            }
            round += 1;
            fresh.sort_unstable();
            // A trade that failed integrity never applied: it is left out so that its finding stops blocking, and
            // reported as not applicable, not as a trade excluded for a conflict.
            let failed: Vec<usize> =
                apply_trades_excluding(snapshot, &excluded).failed.iter().map(|f| f.trade_ix).collect();
            let (mut left_out, mut cannot) = (Vec::new(), Vec::new());
            for &ix in &fresh {
                let id = snapshot.trades[ix].id.as_str().to_string();
                let findings: Vec<PublishFinding> =
                    blocking.iter().filter(|f| f.trade_ids.contains(&id)).map(|f| (*f).clone()).collect();
                let reasons: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.rule, f.message)).collect();
                let trade = ExcludedTrade { trade_id: id, reasons, findings };
                if failed.contains(&ix) {
                    cannot.push(trade);
                } else {
                    self.report.trades_excluded.push(trade.trade_id.clone());
                    left_out.push(trade);
                }
            }
            self.tell_left_out(&left_out, "Excluded", "excluded for blocking findings");
            self.tell_left_out(&cannot, "Not applicable", "not applicable: it failed integrity and cannot apply");
            self.report.excluded.extend(left_out);
            self.report.not_applicable.extend(cannot);
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
        if !ids.is_empty() {
            self.say(format!(
                "{} already applied{}: their shifts already sit with their new owners, nothing moves.",
                plural_trades(ids.len()),
                list_suffix(&ids)
            ));
        }
        self.report.trades_already_applied = ids;
    }

    /// One story line per trade left out when there are a few; past [`IDS_NAMED`], one line with the count, the
    /// first ids and how many findings of each rule named them (the report lists every trade with its reasons).
    fn tell_left_out(&mut self, trades: &[ExcludedTrade], lead: &str, what: &str) {
        if trades.len() <= IDS_NAMED {
            for t in trades {
                self.say(format!("{lead}: trade {} ({}): {}.", t.trade_id, what, t.reasons.join("; ")));
            }
            return;
        }
        let ids: Vec<String> = trades.iter().map(|t| t.trade_id.clone()).collect();
        let mut rules: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for f in trades.iter().flat_map(|t| &t.findings) {
            *rules.entry(f.rule.as_str()).or_default() += 1;
        }
        let by_rule: Vec<String> = rules.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        self.say(format!(
            "{lead}: {}{} ({what}; the report lists each with its reasons): {}.",
            plural_trades(trades.len()),
            list_suffix(&ids),
            by_rule.join(", ")
        ));
    }

    /// Indented lines under the story line above: the first [`IDS_NAMED`], then how many more.
    pub(super) fn say_few(&mut self, lines: Vec<String>, what: &str) {
        let n = lines.len();
        for l in lines.into_iter().take(IDS_NAMED) {
            self.say(l);
        }
        if n > IDS_NAMED {
            self.say(format!(
                "  ... and {} more {what} (the --json report and the audit list them all)",
                n - IDS_NAMED
            ));
        }
    }

    /// Validates a full read with no trade excluded: only the agents that changed since the last such validation
    /// (and those they trade with) when the shared parts are equal, everything otherwise ([`crate::revalidate`]).
    fn validate_changed(&mut self, snapshot: &Snapshot, document: &Value) -> Validation {
        use crate::revalidate::{changed_agents, reach, shared_hash};
        let shared = shared_hash(document);
        let earlier = self.validated.take().filter(|v| v.shared == shared);
        let validation = match earlier {
            None => self.run_validator(snapshot, &[]),
            Some(earlier) => {
                let agents = reach(document, &changed_agents(&earlier.document, document));
                self.say(format!(
                    "Re-validating {} of {} agents: those whose schedules, time off or trades changed since the last read, and those they trade with; the others' findings stand.",
                    agents.len(),
                    snapshot.agents.len()
                ));
                match agents.is_empty() {
                    true => earlier.validation.clone(),
                    false => self.run_validator_on(snapshot, document, &agents, &earlier.validation),
                }
            }
        };
        self.validated = Some(Validated { shared, document: document.clone(), validation: validation.clone() });
        validation
    }

    /// The validator on some agents of `whole` ([`Validator::validate_agents`]), timed.
    fn run_validator_on(
        &mut self,
        whole: &Snapshot,
        document: &Value,
        agents: &std::collections::BTreeSet<String>,
        earlier: &Validation,
    ) -> Validation {
        let t0 = self.clock.now();
        let v = self.validator.validate_agents(whole, document, agents, earlier);
        self.watch.validation += elapsed(self.clock.now(), t0);
        self.watch.validations += 1;
        self.watch.agents_validated += whole.agents.iter().filter(|a| agents.contains(a.id.as_str())).count() as u64;
        v
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
