//! An in-memory platform for tests: a versioned store that enforces optimistic concurrency like a real server,
//! plus a script of faults to play, one per call. With tokio's paused clock it runs the whole state machine in
//! microseconds; the simulator (`shiftgate-sim`) covers the real wire formats.
//!
//! Two switches make it behave like Genesys in time (research/wfm-api.md §1.5, §6):
//! - [`FakePlatform::with_processing`]: an update is accepted, then processed that long later (versions checked
//!   then, not at acceptance), and its outcome arrives as an event ([`Response::AsyncComplete`] or a reasonless
//!   [`Response::AsyncError`]) unless the socket closes first ([`WriteFault::SocketClosing`]).
//! - [`FakePlatform::with_read_gap`]: a read is several requests: the schedule metadata first, the agent
//!   schedules that long later. A write processed in between makes the read torn, as the real multi-request read
//!   can be.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::canon::value_hash;
use crate::plan::{user_id, version_of, UpdatePlan};
use crate::platform::{Fetched, PlatformClient, PlatformError, Response, Step, Submission, SubmitResult, Target};

/// What the fake does with one write.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteFault {
    /// Another writer bumps the schedule version just before ours arrives (so ours is stale).
    ConcurrentEdit,
    /// Apply the write (if its versions match), then lose the answer.
    ApplyThenLoseAnswer,
    /// Lose the request: nothing applied, no answer.
    LoseRequest,
    /// Answer with this status and body; nothing applied.
    Answer(u16, Value),
    /// Answer 429 with this `Retry-After`; nothing applied.
    RateLimit(Option<String>),
    /// Answer 503 with this `Retry-After`; nothing applied.
    Unavailable(Option<String>),
    /// The Genesys async flow: accepted, then an `Error` event with no detail; nothing applied (a refusal of the
    /// data). With processing time, the event comes when processing ends.
    AsyncError,
    /// Accepted (the update is processed as usual), but the platform sends `v2.system.socket_closing` and closes
    /// the notification socket before the outcome event: the answer is lost at the outcome step.
    SocketClosing,
    /// The connection fails at this step, before the update is started (opening the channel, asking for the
    /// upload URL, uploading): nothing reaches the schedule, no answer.
    LostBefore(Step),
    /// Answer 503 with this `Retry-After` at this step of the flow; nothing applied.
    UnavailableAt(Step, Option<String>),
}

/// What the fake does with one read.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadFault {
    /// Fail with this error.
    Fail(PlatformError),
}

/// One call the fake saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// A read, and the schedule version it returned (if it succeeded).
    Fetch(Option<i64>),
    /// A write: the schedule version it carried, its payload hash, and whether the store applied it.
    Submit {
        /// `metadata.version` the write carried.
        version: Option<i64>,
        /// The payload hash.
        payload_hash: String,
        /// Whether it changed the store (with processing time: updated when the write is processed).
        applied: bool,
        /// The agents the write carried, by id.
        agents: Vec<String>,
    },
}

type Edit = Box<dyn FnOnce(&mut Value) + Send>;

/// Something the store does at a given time: process an accepted write, or apply another user's edit.
enum Job {
    Write { plan: UpdatePlan, call: usize, refuse: bool },
    Edit(Edit),
}

struct State {
    document: Value,
    edits: VecDeque<Edit>,
    writes: VecDeque<WriteFault>,
    reads: VecDeque<ReadFault>,
    calls: Vec<Call>,
    /// When each call arrived (tokio time, so paused-time tests can check waits).
    times: Vec<Instant>,
    /// Jobs due at an instant, in (due, order of scheduling) order once sorted.
    jobs: Vec<(Instant, u64, Job)>,
    next_job: u64,
}

impl State {
    fn record(&mut self, call: Call) -> usize {
        self.calls.push(call);
        self.times.push(Instant::now());
        self.calls.len() - 1
    }

    fn schedule(&mut self, due: Instant, job: Job) {
        self.next_job += 1;
        self.jobs.push((due, self.next_job, job));
    }

    /// Runs every job due by now, in order: the store as it is at this instant.
    fn catch_up(&mut self) {
        let now = Instant::now();
        self.jobs.sort_by_key(|(due, n, _)| (*due, *n));
        while self.jobs.first().is_some_and(|(due, _, _)| *due <= now) {
            let (_, _, job) = self.jobs.remove(0);
            match job {
                Job::Edit(f) => f(&mut self.document),
                Job::Write { plan, call, refuse } => {
                    let applied = if refuse { None } else { apply_plan_checked(&self.document, &plan, true) };
                    if let Some(doc) = applied {
                        self.document = doc;
                        if let Some(Call::Submit { applied, .. }) = self.calls.get_mut(call) {
                            *applied = true;
                        }
                    }
                }
            }
        }
    }

    fn applied(&self, call: usize) -> bool {
        matches!(self.calls.get(call), Some(Call::Submit { applied: true, .. }))
    }
}

/// The in-memory platform.
pub struct FakePlatform {
    state: Mutex<State>,
    processing: Duration,
    read_gap: Duration,
}

impl FakePlatform {
    /// A store holding this snapshot document; writes apply at once, reads are one consistent request.
    pub fn new(document: Value) -> FakePlatform {
        FakePlatform {
            state: Mutex::new(State {
                document,
                edits: VecDeque::new(),
                writes: VecDeque::new(),
                reads: VecDeque::new(),
                calls: Vec::new(),
                times: Vec::new(),
                jobs: Vec::new(),
                next_job: 0,
            }),
            processing: Duration::ZERO,
            read_gap: Duration::ZERO,
        }
    }

    /// Writes are accepted, then processed `d` later; the outcome comes as an event (the Genesys flow).
    pub fn with_processing(mut self, d: Duration) -> FakePlatform {
        self.processing = d;
        self
    }

    /// A read takes the schedule metadata, then the agent schedules and the rest `d` later.
    pub fn with_read_gap(mut self, d: Duration) -> FakePlatform {
        self.read_gap = d;
        self
    }

    /// Queues faults for the next writes (a write with no fault queued is handled normally).
    pub fn script_writes(&self, faults: impl IntoIterator<Item = WriteFault>) {
        self.lock().writes.extend(faults);
    }

    /// Queues faults for the next reads.
    pub fn script_reads(&self, faults: impl IntoIterator<Item = ReadFault>) {
        self.lock().reads.extend(faults);
    }

    /// Changes the store, as another user of the platform would.
    pub fn edit(&self, f: impl FnOnce(&mut Value)) {
        let mut s = self.lock();
        s.catch_up();
        f(&mut s.document);
    }

    /// Changes the store just before the next write is processed (another user acting between our read and our
    /// write: a new time-off request, a version bump). Queued edits run one per write.
    pub fn before_next_write(&self, f: impl FnOnce(&mut Value) + Send + 'static) {
        self.lock().edits.push_back(Box::new(f));
    }

    /// Changes the store `d` from now (another writer landing while ours is processing, say).
    pub fn edit_after(&self, d: Duration, f: impl FnOnce(&mut Value) + Send + 'static) {
        self.lock().schedule(Instant::now() + d, Job::Edit(Box::new(f)));
    }

    /// The store as it is now.
    pub fn document(&self) -> Value {
        let mut s = self.lock();
        s.catch_up();
        s.document.clone()
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        let mut s = self.lock();
        s.catch_up();
        s.calls.clone()
    }

    /// When each of [`FakePlatform::calls`] arrived.
    pub fn call_times(&self) -> Vec<Instant> {
        self.lock().times.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Applies a plan to a snapshot document as a platform would: planned agents get the planned shifts, every
/// written version goes up by one, and the schedule is published. With `check_versions`, a stale schedule or agent
/// version refuses the write (`None` returned).
pub fn apply_plan_checked(document: &Value, plan: &UpdatePlan, check_versions: bool) -> Option<Value> {
    let mut doc = document.clone();
    if check_versions {
        if plan.schedule_version.is_some() && doc.get("schedule").and_then(version_of) != plan.schedule_version {
            return None;
        }
        for a in &plan.agents {
            let live = entries(&doc).iter().find(|e| user_id(e) == Some(a.agent_id.as_str())).and_then(version_of);
            if a.version.is_some() && live != a.version {
                return None;
            }
        }
    }
    let bump = |entity: &mut Value| {
        let v = version_of(entity).unwrap_or(0) + 1;
        entity["metadata"] = json!({ "version": v });
    };
    if let Some(list) = doc.get_mut("agentSchedules").and_then(Value::as_array_mut) {
        for a in &plan.agents {
            match list.iter_mut().find(|e| user_id(e) == Some(a.agent_id.as_str())) {
                Some(entry) => {
                    entry["shifts"] = Value::Array(a.shifts.clone());
                    bump(entry);
                }
                None => list.push(json!({"user": {"id": a.agent_id}, "metadata": {"version": 1}, "shifts": a.shifts})),
            }
        }
    }
    if let Some(s) = doc.get_mut("schedule") {
        bump(s);
        if plan.published {
            s["published"] = json!(true);
        }
    }
    Some(doc)
}

/// [`apply_plan_checked`] without the version check.
pub fn apply_plan(document: &Value, plan: &UpdatePlan, bump: bool) -> Value {
    let applied = apply_plan_checked(document, plan, false).unwrap_or_else(|| document.clone());
    if bump {
        applied
    } else {
        let mut d = applied;
        d["schedule"]["metadata"] = document["schedule"]["metadata"].clone();
        d
    }
}

fn entries(doc: &Value) -> &[Value] {
    doc.get("agentSchedules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn etag(doc: &Value) -> String {
    format!("\"{}\"", doc.get("schedule").and_then(version_of).unwrap_or(0))
}

impl PlatformClient for FakePlatform {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission {
        let body = serde_json::to_value(plan).unwrap_or(Value::Null);
        Submission { payload_hash: value_hash(&body), body, plan: plan.clone(), etag: fetched.etag.clone() }
    }

    async fn fetch(&self, _: &Target) -> Result<Fetched, PlatformError> {
        let schedule = {
            let mut s = self.lock();
            s.catch_up();
            if let Some(ReadFault::Fail(e)) = s.reads.pop_front() {
                s.record(Call::Fetch(None));
                return Err(e);
            }
            let schedule = s.document.get("schedule").cloned();
            s.record(Call::Fetch(schedule.as_ref().and_then(version_of)));
            schedule
        };
        if !self.read_gap.is_zero() {
            tokio::time::sleep(self.read_gap).await;
        }
        let mut s = self.lock();
        s.catch_up();
        let mut doc = s.document.clone();
        if let (Some(o), Some(schedule)) = (doc.as_object_mut(), schedule) {
            o.insert("schedule".into(), schedule);
        }
        let etag = etag(&doc);
        Ok(Fetched::new(doc, Some(etag)))
    }

    async fn submit(&self, _: &Target, submission: &Submission) -> SubmitResult {
        let (result, call) = self.accept(submission);
        let Some(call) = call.filter(|_| !self.processing.is_zero()) else { return result };
        // The Genesys flow: the outcome event comes once the update has been processed.
        tokio::time::sleep(self.processing).await;
        let mut s = self.lock();
        s.catch_up();
        let response = if s.applied(call) { Response::AsyncComplete } else { Response::AsyncError { detail: None } };
        SubmitResult { response, step: Step::Outcome, ..result }
    }
}

impl FakePlatform {
    /// Takes one write: answers at once, or (with processing time) queues it and returns the call to wait on.
    fn accept(&self, submission: &Submission) -> (SubmitResult, Option<usize>) {
        let mut s = self.lock();
        s.catch_up();
        if let Some(edit) = s.edits.pop_front() {
            edit(&mut s.document);
        }
        let fault = s.writes.pop_front();
        if fault == Some(WriteFault::ConcurrentEdit) {
            if let Some(sch) = s.document.get_mut("schedule") {
                sch["metadata"]["version"] = json!(version_of(sch).unwrap_or(0) + 1);
            }
        }
        let agents = submission.plan.agents.iter().map(|a| a.agent_id.clone()).collect();
        let call = s.record(Call::Submit {
            version: submission.plan.schedule_version,
            payload_hash: submission.payload_hash.clone(),
            applied: false,
            agents,
        });
        let n = s.calls.len();
        let mut result = SubmitResult {
            response: Response::NoResponse { reason: "connection reset".into() },
            step: Step::Put,
            context_id: Some(format!("ctx-{n}")),
            operation_id: None,
            detail: None,
        };
        let closing = "the platform announced v2.system.socket_closing and closed the notification socket";
        let http = |status, body| Response::Http { status, body: Some(body), retry_after: None };
        result.response = match fault {
            Some(WriteFault::LoseRequest) => return (result, None),
            Some(WriteFault::LostBefore(step)) => {
                result.step = step;
                return (result, None);
            }
            Some(WriteFault::UnavailableAt(step, retry_after)) => {
                result.step = step;
                Response::Http { status: 503, body: Some(json!({"code": "service.unavailable"})), retry_after }
            }
            Some(WriteFault::Answer(status, body)) => http(status, body),
            Some(WriteFault::RateLimit(retry_after)) => {
                Response::Http { status: 429, body: Some(json!({"code": "too.many.requests"})), retry_after }
            }
            Some(WriteFault::Unavailable(retry_after)) => {
                Response::Http { status: 503, body: Some(json!({"code": "service.unavailable"})), retry_after }
            }
            Some(WriteFault::AsyncError) if self.processing.is_zero() => Response::AsyncError { detail: None },
            _ if !self.processing.is_zero() => {
                // Accepted: processed later, versions checked then.
                let refuse = fault == Some(WriteFault::AsyncError);
                let due = Instant::now() + self.processing;
                s.schedule(due, Job::Write { plan: submission.plan.clone(), call, refuse });
                result.step = Step::Update;
                result.operation_id = Some(format!("op-{n}"));
                if matches!(fault, Some(WriteFault::SocketClosing | WriteFault::ApplyThenLoseAnswer)) {
                    result.step = Step::Outcome;
                    result.response = Response::NoResponse { reason: closing.into() };
                    return (result, None);
                }
                return (result, Some(call));
            }
            None | Some(WriteFault::ConcurrentEdit | WriteFault::ApplyThenLoseAnswer | WriteFault::SocketClosing) => {
                match apply_plan_checked(&s.document, &submission.plan, true) {
                    Some(doc) => {
                        s.document = doc;
                        if let Some(Call::Submit { applied, .. }) = s.calls.get_mut(call) {
                            *applied = true;
                        }
                        match fault {
                            Some(WriteFault::ApplyThenLoseAnswer) => {
                                Response::NoResponse { reason: "timed out".into() }
                            }
                            Some(WriteFault::SocketClosing) => Response::NoResponse { reason: closing.into() },
                            _ => http(200, json!({})),
                        }
                    }
                    None => http(
                        409,
                        json!({"status": 409, "code": "version.mismatch",
                            "message": "The version number of the modified resource must match the version number in the database."}),
                    ),
                }
            }
            Some(WriteFault::AsyncError) => Response::AsyncError { detail: None },
        };
        (result, None)
    }
}
