//! Waiting within budgets and the deadline, and the bookkeeping every step shares (audit records, the story).

use super::*;

impl<P: PlatformClient> Run<'_, P> {
    pub(super) async fn wait_rate_limit(&mut self, retry_after: Option<&str>, what: &str) -> Flow<()> {
        self.counters.rate_limited += 1;
        let r = self.rng.random::<f64>();
        match rate_limit_wait(&self.cfg.rate_limit, retry_after, self.clock.now(), r) {
            RateLimitDecision::GiveUp { asked } => {
                let detail = format!(
                    "rate limited during {what}; the platform asks to wait {}, more than the {} allowed",
                    secs(asked),
                    secs(self.cfg.rate_limit.max_wait)
                );
                Ok(Err(self.give_up(GiveUpReason::RateLimited, detail)))
            }
            RateLimitDecision::Wait(d) => {
                self.say(format!("Rate limited (429) during {what}: waiting {} as asked.", secs(d)));
                self.sleep(d, "rateLimited").await
            }
        }
    }

    /// Waits before retrying after a 5xx, a timeout or a lost answer: the transient backoff, or the 5xx's
    /// `Retry-After` when that is longer (RFC 9110 §10.2.3: how long the service expects to be unavailable).
    pub(super) async fn wait_transient(&mut self, retry_after: Option<&str>) -> Flow<()> {
        self.counters.transient += 1;
        let n = self.counters.transient;
        if n > self.cfg.transient.max_attempts {
            let detail = format!("{} transient failures (5xx, timeouts, lost answers)", n);
            return Ok(Err(self.give_up(GiveUpReason::Transient, detail)));
        }
        let backoff = next_delay(&self.cfg.transient, n, self.rng.random::<f64>());
        let asked = match self.unavailable_for(retry_after) {
            Ok(asked) => asked,
            Err(o) => return Ok(Err(o)),
        };
        let delay = asked.map_or(backoff, |a| a.max(backoff));
        let max = self.cfg.transient.max_attempts;
        self.say(match asked {
            Some(a) => format!(
                "Transient failure {n}/{max}: the platform asks to wait {}; retrying in {}.",
                secs(a),
                secs(delay)
            ),
            None => format!("Transient failure {n}/{max}: retrying in {}.", secs(delay)),
        });
        self.sleep(delay, "transient").await
    }

    /// How long a 5xx answer asks us to stay away, from its `Retry-After` (either form), if it says. A longer
    /// ask than the rate-limit policy's `max_wait` stops the run: the platform is down for longer than a publish
    /// should wait.
    pub(super) fn unavailable_for(&mut self, retry_after: Option<&str>) -> Result<Option<Duration>, PublishOutcome> {
        let asked = retry_after.and_then(|h| parse_retry_after(h, self.clock.now()));
        match asked {
            Some(a) if a > self.cfg.rate_limit.max_wait => {
                let detail = format!(
                    "the platform is unavailable and asks to wait {}, more than the {} allowed",
                    secs(a),
                    secs(self.cfg.rate_limit.max_wait)
                );
                Err(self.give_up(GiveUpReason::Transient, detail))
            }
            _ => Ok(asked),
        }
    }

    /// Sleeps unless that would pass the deadline.
    pub(super) async fn sleep(&mut self, d: Duration, why: &str) -> Flow<()> {
        let until = self.clock.now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1));
        let mut rec = self.record("wait");
        rec.delay_ms = Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        rec.classification = Some(why.to_string());
        self.append(rec)?;
        if until > self.deadline {
            let detail = format!("waiting {} would pass the run deadline", secs(d));
            return Ok(Err(self.give_up(GiveUpReason::Deadline, detail)));
        }
        self.clock.sleep(d).await;
        self.watch.slept(WaitKind::of_sleep(why), d);
        Ok(Ok(()))
    }

    pub(super) fn deadline_passed(&mut self, when: &str) -> Option<PublishOutcome> {
        (self.clock.now() >= self.deadline)
            .then(|| self.give_up(GiveUpReason::Deadline, format!("the run deadline passed {when}")))
    }

    pub(super) fn remaining(&self) -> Duration {
        (self.deadline - self.clock.now()).to_std().unwrap_or(Duration::ZERO)
    }

    pub(super) fn give_up(&mut self, reason: GiveUpReason, detail: String) -> PublishOutcome {
        self.say(format!("Gave up: {detail}."));
        PublishOutcome::GaveUp { reason, detail }
    }

    pub(super) fn audit_submit(
        &mut self,
        r: &SubmitResult,
        class: Classification,
        s: &Submission,
        attempt: u32,
    ) -> Result<(), PublishError> {
        let mut rec = self.record("submit");
        rec.write_attempt = Some(attempt);
        rec.step = Some(r.step.as_str().into());
        rec.payload_hash = Some(s.payload_hash.clone());
        rec.context_id.clone_from(&r.context_id);
        rec.operation_id.clone_from(&r.operation_id);
        rec.classification = Some(class.as_str().into());
        if let Response::Http { status, body, .. } = &r.response {
            rec.http_status = Some(*status);
            rec.code = body.as_ref().and_then(error_code).map(str::to_string);
        }
        if let Response::AsyncError { detail } = &r.response {
            rec.code = detail.as_ref().and_then(error_code).map(str::to_string);
        }
        self.append(rec)
    }

    pub(super) fn record(&mut self, state: &str) -> AuditRecord {
        self.seq += 1;
        AuditRecord {
            run_id: self.run_id.clone(),
            seq: self.seq,
            ts: Some(self.clock.now()),
            state: state.to_string(),
            platform: self.platform.name().to_string(),
            business_unit_id: self.cfg.target.business_unit_id.clone(),
            week_id: self.cfg.target.week_id.clone(),
            schedule_id: self.cfg.target.schedule_id.clone(),
            fetched_version: self.report.fetched_version,
            submitted_version: self.report.submitted_version,
            live_hash: self.report.live_hash.clone(),
            payload_hash: self.report.payload_hash.clone(),
            trades_applied: self.report.trades_applied.clone(),
            trades_excluded: self.report.trades_excluded.clone(),
            attempts: self.counters,
            ..AuditRecord::default()
        }
    }

    pub(super) fn append(&mut self, rec: AuditRecord) -> Result<(), PublishError> {
        self.audit.append(&rec).map(|_| ())
    }

    pub(super) fn say(&mut self, line: String) {
        self.report.story.push(line);
    }
}
