//! An in-memory platform for tests: a versioned store that enforces optimistic concurrency like a real server,
//! plus a script of faults to play, one per call. With tokio's paused clock it runs the whole state machine in
//! microseconds; the simulator (`shiftgate-sim`) covers the real wire formats.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{json, Value};

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
    /// The Genesys async flow: accepted, then an `Error` event with no detail; nothing applied.
    AsyncError,
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
        /// Whether it changed the store.
        applied: bool,
    },
}

type Edit = Box<dyn FnOnce(&mut Value) + Send>;

struct State {
    document: Value,
    edits: VecDeque<Edit>,
    writes: VecDeque<WriteFault>,
    reads: VecDeque<ReadFault>,
    calls: Vec<Call>,
    /// When each call arrived (tokio time, so paused-time tests can check waits).
    times: Vec<tokio::time::Instant>,
}

impl State {
    fn record(&mut self, call: Call) {
        self.calls.push(call);
        self.times.push(tokio::time::Instant::now());
    }
}

/// The in-memory platform.
pub struct FakePlatform {
    state: Mutex<State>,
}

impl FakePlatform {
    /// A store holding this snapshot document.
    pub fn new(document: Value) -> FakePlatform {
        FakePlatform {
            state: Mutex::new(State {
                document,
                edits: VecDeque::new(),
                writes: VecDeque::new(),
                reads: VecDeque::new(),
                calls: Vec::new(),
                times: Vec::new(),
            }),
        }
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
        f(&mut self.lock().document);
    }

    /// Changes the store just before the next write is processed (another user acting between our read and our
    /// write: a new time-off request, a version bump). Queued edits run one per write.
    pub fn before_next_write(&self, f: impl FnOnce(&mut Value) + Send + 'static) {
        self.lock().edits.push_back(Box::new(f));
    }

    /// The store as it is now.
    pub fn document(&self) -> Value {
        self.lock().document.clone()
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// When each of [`FakePlatform::calls`] arrived.
    pub fn call_times(&self) -> Vec<tokio::time::Instant> {
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
        let mut s = self.lock();
        if let Some(ReadFault::Fail(e)) = s.reads.pop_front() {
            s.record(Call::Fetch(None));
            return Err(e);
        }
        let version = s.document.get("schedule").and_then(version_of);
        s.record(Call::Fetch(version));
        Ok(Fetched::new(s.document.clone(), Some(etag(&s.document))))
    }

    async fn submit(&self, _: &Target, submission: &Submission) -> SubmitResult {
        let mut s = self.lock();
        if let Some(edit) = s.edits.pop_front() {
            edit(&mut s.document);
        }
        let fault = s.writes.pop_front();
        if fault == Some(WriteFault::ConcurrentEdit) {
            if let Some(sch) = s.document.get_mut("schedule") {
                sch["metadata"]["version"] = json!(version_of(sch).unwrap_or(0) + 1);
            }
        }
        let mut applied = false;
        let response = match fault {
            Some(WriteFault::LoseRequest) => Response::NoResponse { reason: "connection reset".into() },
            Some(WriteFault::Answer(status, body)) => Response::Http { status, body: Some(body), retry_after: None },
            Some(WriteFault::RateLimit(retry_after)) => {
                Response::Http { status: 429, body: Some(json!({"code": "too.many.requests"})), retry_after }
            }
            Some(WriteFault::Unavailable(retry_after)) => {
                Response::Http { status: 503, body: Some(json!({"code": "service.unavailable"})), retry_after }
            }
            Some(WriteFault::AsyncError) => Response::AsyncError { detail: None },
            None | Some(WriteFault::ConcurrentEdit) | Some(WriteFault::ApplyThenLoseAnswer) => {
                match apply_plan_checked(&s.document, &submission.plan, true) {
                    Some(doc) => {
                        s.document = doc;
                        applied = true;
                        if fault == Some(WriteFault::ApplyThenLoseAnswer) {
                            Response::NoResponse { reason: "timed out".into() }
                        } else {
                            Response::Http { status: 200, body: Some(json!({})), retry_after: None }
                        }
                    }
                    None => Response::Http {
                        status: 409,
                        body: Some(json!({"status": 409, "code": "version.mismatch",
                            "message": "The version number of the modified resource must match the version number in the database."})),
                        retry_after: None,
                    },
                }
            }
        };
        s.record(Call::Submit {
            version: submission.plan.schedule_version,
            payload_hash: submission.payload_hash.clone(),
            applied,
        });
        SubmitResult {
            response,
            step: Step::Put,
            context_id: Some(format!("ctx-{}", s.calls.len())),
            operation_id: None,
            detail: None,
        }
    }
}
