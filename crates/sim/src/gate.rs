//! The middleware every request passes: correlation id, request log, bearer-token check, rate limit, and the
//! fault plan (delays and concurrent edits before processing, failure answers instead of it, dropped
//! responses after it). Handlers stay plain; faults live here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::api_error::{ApiError, Limit, CORRELATION};
use crate::editor::{EditAction, EditRequest};
use crate::faults::{FaultAction, RequestKind};
use crate::journal::{AttemptOutcome, RequestRecord};
use crate::state::{AttemptSeq, ClientId, ConnHandle, PostFaults, RateWindow, Sim};

/// How a path is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub kind: Option<RequestKind>,
    pub auth: bool,
    /// The REST contract: a bearer token is required while the `restRequiresAuth` switch is on.
    pub rest: bool,
    pub rate_limited: bool,
    /// `/__sim/...`: neither logged nor gated.
    pub control: bool,
}

pub(crate) fn classify(method: &Method, path: &str) -> Route {
    let r = |kind, auth, rate_limited| Route { kind: Some(kind), auth, rest: false, rate_limited, control: false };
    if path.starts_with("/__sim/") {
        return Route { kind: None, auth: false, rest: false, rate_limited: false, control: true };
    }
    if path == "/oauth/token" {
        return r(RequestKind::Token, false, false);
    }
    if path.starts_with("/uploads/") {
        return r(RequestKind::Upload, false, false);
    }
    if path.starts_with("/api/v2/workforcemanagement/") {
        let kind = match (method == Method::POST, path) {
            (true, p) if p.ends_with("/update/uploadurl") => RequestKind::UploadUrl,
            (true, p) if p.ends_with("/update") => RequestKind::Update,
            _ => RequestKind::Read,
        };
        return r(kind, true, true);
    }
    if path.starts_with("/api/v2/notifications/") {
        return r(RequestKind::Channel, true, true);
    }
    if path.starts_with("/api/v2/wfm/scheduling/schedules/") {
        let kind = if method == Method::PUT { RequestKind::RestPut } else { RequestKind::Read };
        return Route { rest: true, ..r(kind, false, true) };
    }
    Route { kind: None, auth: false, rest: false, rate_limited: false, control: false }
}

/// Rate-limit figures for the `inin-ratelimit-*` headers.
#[derive(Clone, Copy, Debug)]
struct RateInfo {
    allowed: u32,
    count: u32,
    reset_secs: u64,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn secs_ceil(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).max(1) as u64
}

fn too_many(retry_after: Duration, limit: u32) -> ApiError {
    let secs = secs_ceil(retry_after);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too.many.requests",
        format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds"),
    )
    .header("retry-after", secs.to_string());
    e.body.limit = Some(Limit {
        key: "client.credentials.token.rate.per.minute".into(),
        namespace: "platform.api".into(),
        value: u64::from(limit),
    });
    e
}

fn add_rate_headers(resp: &mut Response, rate: Option<RateInfo>) {
    if let Some(r) = rate {
        let h = resp.headers_mut();
        for (name, value) in [
            ("inin-ratelimit-allowed", r.allowed.to_string()),
            ("inin-ratelimit-count", r.count.to_string()),
            ("inin-ratelimit-reset", r.reset_secs.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    }
}

/// What the request log needs to know about a request, taken when it arrives.
struct Arrival {
    seq: u64,
    method: String,
    path: String,
    kind: Option<RequestKind>,
    received_at: DateTime<Utc>,
    elapsed_ms: u64,
    corr: String,
}

impl Arrival {
    /// Adds the correlation header and logs the request with its answer.
    fn finish(self, sim: &Sim, mut resp: Response, dropped: bool) -> Response {
        if let Ok(v) = HeaderValue::from_str(&self.corr) {
            resp.headers_mut().insert("inin-correlation-id", v);
        }
        sim.journal().push_request(RequestRecord {
            seq: self.seq,
            method: self.method,
            path: self.path,
            kind: self.kind.map(|k| k.as_str().to_string()),
            received_at: self.received_at,
            elapsed_ms: self.elapsed_ms,
            status: (!dropped).then(|| resp.status().as_u16()),
            retry_after_secs: resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .filter(|_| !dropped),
        });
        resp
    }
}

/// The middleware.
pub(crate) async fn gate(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let corr = uuid::Uuid::new_v4().to_string();
    let route = classify(req.method(), req.uri().path());
    if route.control {
        return CORRELATION.scope(corr, next.run(req)).await;
    }
    let arrival = Arrival {
        seq: sim.journal().next_request_seq(),
        method: req.method().to_string(),
        path: req.uri().path_and_query().map_or_else(|| req.uri().path().to_string(), |p| p.to_string()),
        kind: route.kind,
        received_at: Utc::now(),
        elapsed_ms: sim.elapsed_ms(),
        corr: corr.clone(),
    };
    let Some(kind) = route.kind else {
        let resp = CORRELATION.scope(corr, next.run(req)).await;
        return arrival.finish(&sim, resp, false);
    };
    // Its own task: a client that gives up (or a delay fault outliving its timeout) cannot cancel a request
    // halfway; the write still happens and is logged, as on a slow real server.
    let task = tokio::spawn(CORRELATION.scope(corr, async move {
        let received = (arrival.received_at, arrival.elapsed_ms);
        let (resp, dropped) = admit(sim.clone(), kind, route, req, next, received).await;
        arrival.finish(&sim, resp, dropped)
    }));
    task.await.unwrap_or_else(|_| ApiError::server_error(500).into_response())
}

/// Auth, rate limit and faults for a gated request; returns the response and whether the connection was dropped.
async fn admit(
    sim: Arc<Sim>,
    kind: RequestKind,
    route: Route,
    mut req: Request,
    next: Next,
    received: (DateTime<Utc>, u64),
) -> (Response, bool) {
    let token = bearer(req.headers()).map(str::to_string);
    let client = {
        let st = sim.state.lock().await;
        let valid = token.as_ref().and_then(|t| st.tokens.get(t)).filter(|t| t.expires_at > Instant::now());
        let auth = route.auth || (route.rest && st.switches.rest_requires_auth);
        match (auth, valid) {
            (true, None) => return (ApiError::unauthorized().into_response(), false),
            (_, Some(t)) => t.client_id.clone(),
            (false, None) => "anonymous".to_string(),
        }
    };
    req.extensions_mut().insert(ClientId(client.clone()));
    let rate = if route.rate_limited { rate_limit(&sim, &client).await } else { Ok(None) };
    let rate = match rate {
        Ok(r) => r,
        Err(resp) => return (resp, false),
    };
    let resolved = {
        let mut st = sim.state.lock().await;
        let counts = st.counters.count(kind);
        st.plan.resolve(kind, &counts, st.seed)
    };
    for action in &resolved.pre {
        match action {
            FaultAction::Delay(d) => tokio::time::sleep(*d).await,
            FaultAction::BumpVersion | FaultAction::AddPendingTimeOff => {
                let action = if *action == FaultAction::BumpVersion { EditAction::Bump } else { EditAction::TimeOff };
                let limit = sim.config.limits.journal_records;
                // An edit that finds nothing to edit is not the request's fault; the request goes on.
                let _ = sim.state.lock().await.edit(&EditRequest { action, ..EditRequest::default() }, limit);
            }
            FaultAction::Settle => crate::processing::finish(&sim, None).await,
            _ => {}
        }
    }
    if let Some(fail) = &resolved.fail {
        let limit = sim.config.rate_limit.map_or(0, |r| r.requests);
        let err = match fail {
            FaultAction::TooManyRequests(d) => too_many(*d, limit),
            FaultAction::ServerError { status, retry_after } => {
                let e = ApiError::server_error(*status);
                match retry_after {
                    Some(d) => e.header("retry-after", secs_ceil(*d).to_string()),
                    None => e,
                }
            }
            _ => ApiError::server_error(500),
        };
        if kind.belongs_to(RequestKind::Write) {
            record_fault_attempt(&sim, kind, req, err.body.status, received).await;
        }
        let mut resp = err.into_response();
        add_rate_headers(&mut resp, rate);
        return (resp, false);
    }
    let conn = req.extensions().get::<ConnectInfo<ConnHandle>>().map(|c| c.0.clone());
    req.extensions_mut().insert(PostFaults(resolved.post.clone()));
    let mut resp = next.run(req).await;
    let attempt = resp.extensions().get::<AttemptSeq>().copied();
    let mut dropped = false;
    for action in &resolved.post {
        match action {
            FaultAction::Drop => {
                if let Some(c) = &conn {
                    c.kill();
                    dropped = true;
                }
            }
            FaultAction::Lost504 => resp = (StatusCode::GATEWAY_TIMEOUT, Body::empty()).into_response(),
            _ => continue,
        }
        if let Some(AttemptSeq(seq)) = attempt {
            sim.journal().mark_lost(seq);
        }
    }
    add_rate_headers(&mut resp, rate);
    (resp, dropped)
}

async fn rate_limit(sim: &Sim, client: &str) -> Result<Option<RateInfo>, Response> {
    let Some(limit) = sim.config.rate_limit else { return Ok(None) };
    let now = Instant::now();
    let mut st = sim.state.lock().await;
    let w = st.rate.entry(client.to_string()).or_insert(RateWindow { started: now, count: 0 });
    if now.duration_since(w.started) >= limit.window {
        *w = RateWindow { started: now, count: 0 };
    }
    let left = limit.window.saturating_sub(now.duration_since(w.started));
    if w.count >= limit.requests {
        let mut resp = too_many(left, limit.requests).into_response();
        add_rate_headers(
            &mut resp,
            Some(RateInfo { allowed: limit.requests, count: w.count, reset_secs: secs_ceil(left) }),
        );
        return Err(resp);
    }
    w.count += 1;
    Ok(Some(RateInfo { allowed: limit.requests, count: w.count, reset_secs: secs_ceil(left) }))
}

/// Records a write that a fault answered, with what can be read of its payload.
async fn record_fault_attempt(
    sim: &Arc<Sim>,
    kind: RequestKind,
    req: Request,
    status: u16,
    received: (DateTime<Utc>, u64),
) {
    let headers = req.headers().clone();
    let limits = sim.config.limits;
    let limit = if kind == RequestKind::Update { limits.json_body_bytes } else { limits.snapshot_body_bytes };
    let body = crate::body::read_limited(req.into_body(), limit).await.unwrap_or_default();
    let mut attempt = match kind {
        RequestKind::Update => crate::routes::update::describe_faulted(sim, &body).await,
        _ => crate::routes::rest::describe(&*sim.state.lock().await, &headers, &body),
    };
    (attempt.received_at, attempt.elapsed_ms) = received;
    attempt.outcome = AttemptOutcome::Fault;
    attempt.status = status;
    sim.journal().push_attempt(attempt);
}
