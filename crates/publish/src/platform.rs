//! The seam between the state machine and a WFM platform: read the live state, write one plan, report what came
//! back without judging it. Judging (classification) is pure and lives in [`crate::classify`].

use std::fmt;
use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shiftgate_model::format::WireSnapshot;
use shiftgate_model::{InputError, Snapshot};

use crate::canon::value_hash;
use crate::plan::{version_of, UpdatePlan};

/// Which schedule a run reads and publishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Business unit id (Genesys `buId`).
    pub business_unit_id: String,
    /// First local day of the schedule week, `yyyy-MM-dd` (Genesys `weekId`).
    pub week_id: String,
    /// Schedule id.
    pub schedule_id: String,
}

/// The live state as read: a `shiftgate.snapshot/1` document whose `agentSchedules` entries are the platform's
/// own objects (unknown fields kept), plus the concurrency token if the platform uses ETags.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    /// The snapshot document.
    pub document: Value,
    /// The `ETag` of the read (REST contract), sent back as `If-Match`.
    pub etag: Option<String>,
    /// `sha256:` of the canonical document without `asOf`: equal live states hash equal.
    pub live_hash: String,
    /// How many of the read's requests were answered 429 and sent again after their `Retry-After` (a read made
    /// of many requests waits per request rather than starting over, which a limit below its request count
    /// would never let finish).
    pub throttled: u32,
    /// A read of only some agents ([`PlatformClient::fetch_agents`]): the schedule's metadata and those agents'
    /// schedules, enough to tell whether a payload is live, never to validate or to build a payload from.
    pub partial: bool,
}

impl Fetched {
    /// Wraps a document read from a platform.
    pub fn new(mut document: Value, etag: Option<String>) -> Fetched {
        if let Some(o) = document.as_object_mut() {
            o.entry("format").or_insert_with(|| shiftgate_model::format::FORMAT.into());
        }
        let mut hashed = document.clone();
        if let Some(o) = hashed.as_object_mut() {
            o.remove("asOf");
        }
        Fetched { live_hash: value_hash(&hashed), document, etag, throttled: 0, partial: false }
    }

    /// Validates the document into a [`Snapshot`].
    pub fn snapshot(&self) -> Result<Snapshot, InputError> {
        let wire = WireSnapshot::deserialize(&self.document).map_err(|e| InputError::Syntax {
            path: ".".into(),
            message: e.to_string(),
            line: 0,
            column: 0,
        })?;
        Snapshot::from_wire(&wire)
    }

    /// The schedule's `metadata.version`.
    pub fn schedule_version(&self) -> Option<i64> {
        self.document.get("schedule").and_then(version_of)
    }
}

/// One write, ready to send: the plan, the platform body built from it, and its hash.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// What the write intends.
    pub plan: UpdatePlan,
    /// The platform's JSON body (for Genesys: the upload body before gzip).
    pub body: Value,
    /// `sha256:` of the canonical body: the audit's and dedupe's name for this payload.
    pub payload_hash: String,
    /// `If-Match` to send (REST contract).
    pub etag: Option<String>,
}

/// The step of a platform flow a request belongs to (audited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Reading the live state.
    Fetch,
    /// Genesys: asking for a pre-signed upload URL.
    UploadUrl,
    /// Genesys: uploading the gzip body.
    Upload,
    /// Genesys: creating and subscribing the notification channel.
    Channel,
    /// Genesys: starting the update.
    Update,
    /// Genesys: waiting for the update's outcome on the notification channel.
    Outcome,
    /// REST: the conditional PUT.
    Put,
}

impl Step {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Fetch => "fetch",
            Step::UploadUrl => "uploadUrl",
            Step::Upload => "upload",
            Step::Channel => "channel",
            Step::Update => "update",
            Step::Outcome => "outcome",
            Step::Put => "put",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What came back from a write, unjudged.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// An HTTP response (any status) to the step that answered last.
    Http {
        /// Status code.
        status: u16,
        /// JSON body, if it parsed.
        body: Option<Value>,
        /// The raw `Retry-After` header.
        retry_after: Option<String>,
    },
    /// Genesys: the notification channel reported `Complete` for our operation.
    AsyncComplete,
    /// Genesys: the notification channel reported `Error` (or `Canceled`) for our operation. Genesys gives no
    /// reason; a simulator may attach one.
    AsyncError {
        /// Whatever detail came with the event (the simulator's `simError`), if any.
        detail: Option<Value>,
    },
    /// No answer: timeout, connection reset, or the notification socket was lost before the outcome. The write may
    /// or may not have been applied.
    NoResponse {
        /// What happened, for the story and the audit.
        reason: String,
    },
}

/// The result of [`PlatformClient::submit`].
#[derive(Clone, Debug, PartialEq)]
pub struct SubmitResult {
    /// What came back.
    pub response: Response,
    /// Which step answered (or failed).
    pub step: Step,
    /// Correlation id (`ININ-Correlation-ID` / ErrorBody `contextId`), for support tickets.
    pub context_id: Option<String>,
    /// Genesys operation id of the update, once known.
    pub operation_id: Option<String>,
    /// For people, when the answer was not a success: which request answered and what it said (the platform's
    /// sanitised message, or the Location of a redirect that was not followed).
    pub detail: Option<String>,
}

/// A request as errors name it: what it was for, its method and path (never a pre-signed URL's query, which is a
/// credential). Prints as `reading the schedule metadata (GET /api/v2/...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLabel {
    /// What the request was for.
    pub purpose: String,
    /// HTTP method.
    pub method: &'static str,
    /// Path (for a pre-signed URL: scheme, host and path, without the query).
    pub path: String,
}

impl fmt::Display for RequestLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.purpose, self.method, self.path)
    }
}

/// Why a read failed. Everything the server sent that is printed here has been sanitised (control characters
/// escaped, length cut) by the client that built it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlatformError {
    /// The platform answered with a non-success status.
    #[error("{}", http_text(*step, *status, code.as_deref(), message.as_deref(), context_id.as_deref(), request.as_ref()))]
    Http {
        /// Which step.
        step: Step,
        /// Status code.
        status: u16,
        /// Genesys error `code`, if any.
        code: Option<String>,
        /// The platform's `message` (ErrorBody), if any.
        message: Option<String>,
        /// Correlation id.
        context_id: Option<String>,
        /// The raw `Retry-After` header.
        retry_after: Option<String>,
        /// Which request was refused (absent only for test doubles).
        request: Option<RequestLabel>,
    },
    /// The platform answered 3xx. Redirects are never followed: the request carried a credential for its own
    /// origin only.
    #[error("{request} was redirected (HTTP {status}) to {location}; redirects are not followed, so no credential leaves its origin: check the API base URL")]
    Redirect {
        /// Which step.
        step: Step,
        /// Status code.
        status: u16,
        /// Where it pointed: scheme, host and path, sanitised.
        location: String,
        /// Which request.
        request: RequestLabel,
    },
    /// The answer was longer than this request may read.
    #[error("{request}: the answer is larger than the {} limit for this request; reading stopped there", bytes(*cap))]
    TooLarge {
        /// Which step.
        step: Step,
        /// The cap in bytes.
        cap: u64,
        /// Which request.
        request: RequestLabel,
    },
    /// No usable answer: connection refused or reset, or a timeout.
    #[error("{step}: {message}")]
    Transport {
        /// Which step.
        step: Step,
        /// What happened (naming the request).
        message: String,
    },
    /// The platform answered success with a body we cannot use.
    #[error("{step}: unexpected response: {message}")]
    Decode {
        /// Which step.
        step: Step,
        /// What was wrong with it.
        message: String,
    },
    /// A read made of several requests kept being torn: the schedule's version moved between its first and last
    /// request every time.
    #[error("the schedule kept changing while it was read: its version moved during each of {attempts} reads in a row ({versions}); try again when it is not being edited")]
    Unstable {
        /// Which step.
        step: Step,
        /// How many reads were tried.
        attempts: u32,
        /// The versions seen, in order.
        versions: String,
    },
}

fn http_text(
    step: Step,
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    context_id: Option<&str>,
    request: Option<&RequestLabel>,
) -> String {
    let mut out = match request {
        Some(r) => format!("{r} was refused: HTTP {status}"),
        None => format!("{step}: HTTP {status}"),
    };
    if let Some(c) = code {
        out.push_str(&format!(" {c}"));
    }
    if let Some(m) = message {
        out.push_str(&format!(": \"{m}\""));
    }
    if let Some(c) = context_id {
        out.push_str(&format!(" (contextId {c})"));
    }
    out
}

/// `65536` -> `64 KiB`, `268435456` -> `256 MiB`.
fn bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    // Powers of two divide evenly exactly when the low bits are zero.
    if n >= MIB && n.trailing_zeros() >= 20 {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n.trailing_zeros() >= 10 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

impl PlatformError {
    /// Whether a retry can cure it: 408, 5xx, a transport failure, or a read torn by concurrent edits.
    pub fn is_transient(&self) -> bool {
        match self {
            PlatformError::Http { status, .. } => *status == 408 || *status >= 500,
            PlatformError::Transport { .. } | PlatformError::Unstable { .. } => true,
            PlatformError::Redirect { .. } | PlatformError::TooLarge { .. } | PlatformError::Decode { .. } => false,
        }
    }

    /// The step it happened at.
    pub fn step(&self) -> Step {
        match self {
            PlatformError::Http { step, .. }
            | PlatformError::Redirect { step, .. }
            | PlatformError::TooLarge { step, .. }
            | PlatformError::Transport { step, .. }
            | PlatformError::Decode { step, .. }
            | PlatformError::Unstable { step, .. } => *step,
        }
    }
}

/// A WFM platform, as the publisher needs it. Implementations do I/O only; every decision is the caller's.
///
/// `fetch` and `submit` must not retry on their own, except the one token refresh after a 401 (an expired token
/// is not a property of the request). Counting, waiting and re-reading belong to the state machine.
pub trait PlatformClient: Send + Sync {
    /// `genesys`, `rest`, ...: for the audit and the story.
    fn name(&self) -> &'static str;

    /// Builds the body for a plan read from `fetched` (pure).
    fn prepare(&self, fetched: &Fetched, plan: &UpdatePlan) -> Submission;

    /// Reads the live state of the target.
    fn fetch(&self, target: &Target) -> impl Future<Output = Result<Fetched, PlatformError>> + Send;

    /// Reads what tells whether `plan` is live: the schedule's metadata and the schedules of the plan's agents
    /// (a [`Fetched::partial`] read where the platform can read agents apart; by default the whole week). Used to
    /// verify a write and to settle an unclear answer, so it costs requests in proportion to what changed.
    fn fetch_agents(
        &self,
        target: &Target,
        plan: &UpdatePlan,
    ) -> impl Future<Output = Result<Fetched, PlatformError>> + Send {
        let _ = plan;
        self.fetch(target)
    }

    /// What the client has sent so far, per route, and how long it stood still for the rate limit (none for a
    /// client that keeps no count).
    fn traffic(&self) -> crate::pacing::Traffic {
        crate::pacing::Traffic::default()
    }

    /// Writes one submission and reports what came back.
    fn submit(&self, target: &Target, submission: &Submission) -> impl Future<Output = SubmitResult> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn the_live_hash_ignores_the_evaluation_instant_but_not_the_data() {
        let doc = testdata::example_document();
        let mut later = doc.clone();
        later["asOf"] = "2026-11-29T00:00:00Z".into();
        assert_eq!(Fetched::new(doc.clone(), None).live_hash, Fetched::new(later, None).live_hash);
        let mut edited = doc.clone();
        edited["agentSchedules"][0]["shifts"][0]["lengthMinutes"] = 480.into();
        assert_ne!(Fetched::new(doc.clone(), None).live_hash, Fetched::new(edited, None).live_hash);
        // A document without a format tag (a REST server that omits it) still reads.
        let mut bare = doc;
        bare.as_object_mut().unwrap().remove("format");
        assert_eq!(Fetched::new(bare, None).snapshot().unwrap().schedule.version, Some(17));
    }

    #[test]
    fn a_refusal_names_the_request_and_what_the_platform_said() {
        let e = PlatformError::Http {
            step: Step::Fetch,
            status: 400,
            code: Some("bad.request".into()),
            message: Some("dateRange.startDate must be yyyy-MM-dd".into()),
            context_id: Some("7f3e".into()),
            retry_after: None,
            request: Some(RequestLabel {
                purpose: "reading time-off requests of management unit mu-1".into(),
                method: "POST",
                path: "/api/v2/workforcemanagement/managementunits/mu-1/timeoffrequests/query".into(),
            }),
        };
        assert_eq!(
            e.to_string(),
            "reading time-off requests of management unit mu-1 (POST /api/v2/workforcemanagement/managementunits/mu-1/timeoffrequests/query) was refused: HTTP 400 bad.request: \"dateRange.startDate must be yyyy-MM-dd\" (contextId 7f3e)"
        );
        assert_eq!(bytes(64 * 1024), "64 KiB");
        assert_eq!(bytes(256 * 1024 * 1024), "256 MiB");
        assert_eq!(bytes(1000), "1000 bytes");
    }
}
