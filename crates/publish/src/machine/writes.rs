//! The fate of every write: opened as `unknown` when sent, settled once the platform has answered or a re-read
//! has told (and corrected when a resend shows that an earlier write of the same payload landed late).

use super::*;

impl<P: PlatformClient> Run<'_, P> {
    /// Records a write that was just sent, with fate `unknown` until it settles. Returns its index.
    pub(super) fn open_write(&mut self, sent: &Submission, r: &SubmitResult) -> usize {
        let attempt = u32::try_from(self.report.writes.len() + 1).unwrap_or(u32::MAX);
        self.report.writes.push(WriteReport {
            attempt,
            payload_hash: sent.payload_hash.clone(),
            sent_version: sent.plan.schedule_version,
            step: r.step,
            operation_id: r.operation_id.clone(),
            context_id: r.context_id.clone(),
            answer: describe(r),
            fate: WriteFate::Unknown,
            version: None,
            detail: "the run ended before the platform settled; it may still land".to_string(),
        });
        self.report.writes.len() - 1
    }

    /// Gives write `ix` its fate: in the report, the story and the audit (`settled`).
    pub(super) fn settle_write(
        &mut self,
        ix: usize,
        fate: WriteFate,
        version: Option<i64>,
        detail: String,
    ) -> Result<(), PublishError> {
        let w = &mut self.report.writes[ix];
        (w.fate, w.version, w.detail) = (fate, version, detail);
        let (attempt, line) = (w.attempt, w.line());
        self.say(format!("Write {}.", line.strip_prefix("write ").unwrap_or(&line)));
        let mut rec = self.record("settled");
        rec.write_attempt = Some(attempt);
        rec.fate = Some(fate.as_str().to_string());
        self.append(rec)
    }

    /// An earlier write of this run with the same payload that was judged not applied: when a resend finds our
    /// payload live, that one may be what landed (the two carry the same versions, so only one can).
    pub(super) fn earlier_same_payload(&self, ix: usize) -> Option<usize> {
        let hash = &self.report.writes[ix].payload_hash;
        self.report.writes[..ix].iter().rposition(|w| w.fate == WriteFate::NotApplied && w.payload_hash == *hash)
    }
}
