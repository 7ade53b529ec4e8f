//! # shiftgate-sim
//!
//! A local, stateful WFM API simulator for tests, `shiftgate demo` and dry runs. One axum server, bound to
//! `127.0.0.1` by default, serves **two contracts over one in-memory store** seeded from a `shiftgate.snapshot/1`
//! document: the real Genesys Cloud flow (OAuth, reads, upload/update, notifications websocket) and a simple REST
//! contract (whole snapshot under an ETag). Faults are scripted or seeded-random, a concurrent editor changes data
//! between a client's read and its write, and test routes under `/__sim/` seed, inspect and steer it.
//!
//! Key types: [`SimConfig`] → [`start`] → [`SimServer`] (address, state, journal, shutdown); [`FaultPlan`] (the
//! `--faults` grammar below); [`WriteAttempt`] and [`RequestRecord`] (what was received); [`ErrorBody`] and
//! [`Conflict`] (what was answered); [`EditRequest`] (the concurrent editor).
//!
//! **Strict by default.** It is built from the public record (research/wfm-api.md, the Genesys SDK model docs),
//! never from our client's habits, and refuses what Genesys refuses: request formats (dates are `yyyy-MM-dd`),
//! required fields, unknown units, the pre-signed upload's rules. A failed update is reported as Genesys reports
//! it (202, then an `Error` event with no reason), and an update lands only when its processing ends. Every
//! leniency is a named [`Switches`] entry; `tests/conformance.rs` pins each behaviour to its source.
//!
//! **Bounded.** Bodies are capped per route, uploads are held compressed under a byte budget and an expiry and
//! decompressed outside the state lock with a streaming cap, conflicts are found by a sweep and listed up to a
//! count ("and N more"), and the journal, tokens, channels and operations are bounded ([`Limits`]).
//!
//! Modules: `config` (set-up, switches, limits), `server` (start/stop, the test handle), `gate` (auth, rate
//! limit, faults around every request), `routes/*` (one module per contract area), `uploads` (pre-signed upload
//! slots and storage rules), `processing` (updates that take time), `apply` (judging a write), `conflicts`
//! (bounded conflict detection), `rejection` (error bodies of refused writes), `editor` (the concurrent
//! editor), `faults` (the fault grammar), `journal` (what was received), `store` (the live schedule).
//!
//! It deliberately does not: persist anything, speak TLS, model more than one business unit and one schedule,
//! teams, time-off substatuses, replay missed notification events, implement `forceAsync` queries, trade-state
//! routes, time-off PATCH/create, `timeOffRequestSyncVersion` checks or trade-integrity checks on update (see
//! "Data conflicts" for what it checks). Shift trades are never changed by a write: after an accepted update that
//! applied a trade, the trade is still listed as `Approved`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), shiftgate_sim::SimError> {
//! let snapshot = std::fs::read("fixtures/schedules/design-example.json").unwrap();
//! let config = shiftgate_sim::SimConfig {
//!     faults: shiftgate_sim::FaultPlan::parse("409-version@1,429:2s@2")?,
//!     ..Default::default()
//! };
//! let sim = shiftgate_sim::start(config, &snapshot).await?;
//! println!("{}", sim.base_url()); // http://127.0.0.1:PORT, for OAuth and API alike
//! // ... run a publisher against it ...
//! assert!(sim.attempts().len() <= 12);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## Routes
//!
//! Every route is on the one base URL. `WFM` = `/api/v2/workforcemanagement`, `S` =
//! `WFM/businessunits/{buId}/weeks/{weekId}/schedules/{scheduleId}`. *Kind* is the request kind fault plans
//! count. Refusals are `ErrorBody` (wfm-api.md §1.7) unless said otherwise; `\[D\]` marks a choice where the record
//! is silent. A `weekId`/`weekDateId` that is not `yyyy-MM-dd` answers 400; a well-formed week that is not the
//! schedule's answers 404 on `S` routes and on trades \[D\]; unknown business units, management units (the units
//! the seed's agents belong to) and schedules answer 404 `not.found`.
//!
//! | Method | Path | Auth | Kind | Body → answer |
//! |---|---|---|---|---|
//! | POST | `/oauth/token` | Basic `id:secret` | token | form `grant_type=client_credentials` → `{access_token, token_type:"bearer", expires_in}`; 401 `{error:"invalid_client", error_description}`, 400 `unsupported_grant_type` (RFC 6749 §5.2; credentials only in Basic) |
//! | GET | `WFM/businessunits/{buId}[?expand=settings]` | Bearer | read | `{id, name, selfUri, settings?:{startDayOfWeek, timeZone, metadata:{version}}}` |
//! | GET | `WFM/businessunits/{buId}/activitycodes` | Bearer | read | `{entities:[{id, name, category, countsAsPaidTime, countsAsWorkTime, active, defaultCode, agentTimeOffSelectable}]}` |
//! | GET | `WFM/businessunits/{buId}/weeks/{weekId}/schedules[?includeOnlyPublished=]` | Bearer | read | `{entities:[BuScheduleMetadata]}`: empty for another week, and for an unpublished schedule with `includeOnlyPublished=true`; a date that is not a start of the unit's week 400 \[D\]; a flag other than `true`/`false` 400 |
//! | GET | `S[?expand=managementUnits.agents]` | Bearer | read | `BuScheduleMetadata` `{id, weekDate, weekCount, description?, published, metadata:{version}, managementUnits:[{managementUnit:{id}, agentCount, agents?:[{id}]}], selfUri}` |
//! | POST | `S/agentschedules/query` | Bearer | read | `{managementUnitId, userIds?}` (BuQueryAgentSchedulesRequest: `managementUnitId` required → else 400; unknown 404; `userIds` narrows, omitted means every agent of the unit; `teamIds` 400 \[D: no teams\]) → `{status:"Complete", operationId, result:{agentSchedules:[{user:{id}, metadata:{version}, shifts:[{..., schedule:{id, weekDate}}], fullDayTimeOffMarkers}], businessUnitTimeZone}}` |
//! | POST | `WFM/managementunits/{muId}/timeoffrequests/query` | Bearer | read | `{ids?, userIds?, statuses?, dateRange?:{startDate, endDate}}` (TimeOffRequestQueryBody, DateRange): dates must be `yyyy-MM-dd` (instants 400), both given, `endDate ≥ startDate` \[D\]; inclusive, in the unit's zone (the business unit's, as the snapshot gives units none); a request matches when one of its days or start instants falls in the range as a local date; `statuses` must be PENDING/APPROVED/DENIED/CANCELED; `substatuses` 400 \[D: not modelled\] → `{entities:[TimeOffRequest wire fields + selfUri]}` |
//! | GET | `WFM/managementunits/{muId}/weeks/{weekDateId}/shifttrades` | Bearer | read | `{entities:[{trade:{...trade wire fields, weekDate, schedule:{id, weekDate, businessUnit:{id}}}}]}`; a trade between two MUs is listed under both |
//! | POST | `S/update/uploadurl` | Bearer | uploadurl | `{contentLengthBytes}` (required, 1..=[`Limits::upload_bytes`]) → `{uploadKey, url:"http://127.0.0.1:PORT/uploads/{uploadKey}", headers:{"Content-Type":"application/json","Content-Encoding":"gzip"}, uploadBodySchema:null}`; 429 past [`Limits::uploads_outstanding`] |
//! | PUT | `/uploads/{uploadKey}` | none (pre-signed) | upload | object storage, see "The pre-signed upload" → 200 empty |
//! | POST | `S/update` | Bearer | update | `{uploadKey}` → **202** `{status:"Processing", operationId}`; the outcome comes as an event when processing ends. Synchronous: 400 (bad or used key, body not gzip JSON or over the limit, malformed update), and with `errorDelivery:"sync"` the 409/400 of an update refused on arrival |
//! | POST, GET | `/api/v2/notifications/channels` | Bearer | channel | → `{id, connectUri:"ws://127.0.0.1:PORT/channels/{id}", expires}`; GET lists `{entities}`; 20 per client, the 21st replaces the oldest (unconnected first) |
//! | GET/HEAD, DELETE | `/api/v2/notifications/channels/{channelId}` | Bearer | channel | 200 channel / 404; DELETE 204 |
//! | GET, PUT, POST, DELETE | `/api/v2/notifications/channels/{channelId}/subscriptions` | Bearer | channel | PUT replaces, POST adds: `[{id:"<topic>"}]` → `{entities:[{id, state:"Permitted"|"Rejected", rejectionReason?}]}`; DELETE 204 |
//! | GET (websocket) | `/channels/{channelId}` | none | – | the notification socket; a second socket replaces the first |
//! | GET | `/api/v2/wfm/scheduling/schedules/{scheduleId}` | Bearer¹ | read | the whole snapshot (`shiftgate.snapshot/1`, current versions) with `ETag: "v<schedule version>"`; `If-None-Match` → 304 |
//! | PUT | same | Bearer¹ | restput | `If-Match` + snapshot → 200 new snapshot + new ETag; 428 no If-Match; 412 stale (weak tags never match; `*` matches); 409 conflicts; 400 bad body |
//!
//! ¹ The REST contract is the seed's, not Genesys's (wfm-api.md §4); it requires a bearer token from
//! `/oauth/token` while the switch `restRequiresAuth` is on (the default). Every response carries
//! `ININ-Correlation-ID`; bearer-authenticated and REST responses carry `inin-ratelimit-allowed`,
//! `inin-ratelimit-count` and `inin-ratelimit-reset` (seconds). A missing, unknown or expired bearer token
//! answers 401 `{message:"Invalid login credentials.", code:"bad.credentials", status:401, contextId, details:[],
//! errors:[]}`. A body over its limit answers 413 `request.entity.too.large` \[D\] after reading at most the limit:
//! [`Limits::json_body_bytes`] (1 MiB) for the small JSON routes, [`Limits::snapshot_body_bytes`] (64 MiB) for
//! the REST PUT and `/__sim/seed`.
//!
//! ### Switches (`GET`/`PUT /__sim/switches`, [`Switches`]; the defaults are the platform's behaviour)
//!
//! | Switch | Default | Effect |
//! |---|---|---|
//! | `errorDelivery` | `"async"` | `async`: a refused update is 202 then an `Error` event without detail (wfm-api.md §1.6, §6); `sync`: the seed incident's synchronous 409/400 with details when the update is already refused on arrival |
//! | `versionConflictAs400` | `false` | a stale version is 400 "... does not match the current version" instead of 409 |
//! | `explainConflicts` | `false` | add the sim-only `conflicts` array (each conflict's reason) to data-conflict bodies |
//! | `recordStates` | `false` | keep the store before and after each applied write ([`WriteAttempt`]'s `states`) |
//! | `restRequiresAuth` | `true` | the REST contract requires a bearer token |
//!
//! A `PUT` naming an unknown switch is a 400. The CLI sets `errorDelivery` with `--sync-errors` and
//! `restRequiresAuth` with `--rest-without-auth`.
//!
//! ### Test routes (`/__sim/`, no auth, not logged, not gated)
//!
//! | Method | Path | Body → answer |
//! |---|---|---|
//! | POST | `/__sim/seed` | snapshot JSON → `{scheduleVersion}`; replaces the store, forgets upload slots (updates still processing are judged against the new store) |
//! | GET | `/__sim/state` | the live snapshot with current versions (same body as the REST GET) |
//! | GET | `/__sim/attempts` | `[WriteAttempt]` ([`WriteAttempt`], camelCase) |
//! | GET | `/__sim/requests` | `[RequestRecord]` in arrival order ([`RequestRecord`]) |
//! | GET, PUT | `/__sim/faults` | PUT a spec (plain text or `{"faults": "..."}`) → `{faults: canonical, seed}`; resets counters |
//! | GET, PUT | `/__sim/switches` | any subset of the switches above → all switches |
//! | POST | `/__sim/editor` | [`EditRequest`] `{action:"bump"|"timeoff", agentId?, start?, minutes?}` → [`EditReport`] |
//! | POST | `/__sim/tokens/expire` | 204; every issued token now answers 401 (for refresh-on-401 tests) |
//! | GET | `/__sim/operations/{operationId}` | [`OperationRecord`] `{operationId, status, eventType, result?, simError?, event, deliveredTo}` |
//! | POST | `/__sim/channels/{channelId}/closing` | 204; the socket gets `v2.system.socket_closing`, then closes |
//!
//! ## The pre-signed upload
//!
//! `PUT <url>` is object storage, not the Genesys API, so its refusals are an XML `<Error><Code>…</Code>
//! <Message>…</Message><RequestId>…</RequestId></Error>` modelled on S3 (the record does not give storage's
//! answer \[D\]), checked in this order: a credential (`Authorization`, `Proxy-Authorization`, `Cookie`,
//! `X-Amz-Security-Token`, or a token-like query parameter) → 400 `InvalidArgument`, since the URL is the
//! credential and a Genesys token sent there leaks to another origin; any query → 403 `SignatureDoesNotMatch`;
//! each returned header (UpdateScheduleUploadResponse: "Required headers for the PUT request") missing or with
//! another value → 403 `SignatureDoesNotMatch`; any other header → 403 `AccessDenied` ("headers … not signed"),
//! except what every HTTP transport sends by itself: `Host`, `Content-Length`, `User-Agent`, `Accept`,
//! `Accept-Encoding`, `Connection`, `Keep-Alive`, `Expect` (the strict reading: a pre-signed URL authorises the
//! request it was signed for, and only headers the caller cannot help sending are not "other"); no
//! `Content-Length` (chunked) → 411 `MissingContentLength`; a body over [`Limits::upload_bytes`] → 400
//! `EntityTooLarge`; an unknown, expired ([`Limits::upload_ttl`]) or used key → 403 `AccessDenied`; a length other
//! than `contentLengthBytes` → 403 `SignatureDoesNotMatch`; over [`Limits::uploads_held_bytes`] → 503 `SlowDown`.
//! Storage does not look inside: a body that is not gzip JSON is refused by the update (400).
//!
//! ## The update: body, processing, checks, versions
//!
//! The upload is `UpdateScheduleUploadSchema`: `{metadata:{version}, published?, description?, agentSchedules:[
//! {userId, metadata?:{version}, delete?, shifts:[{id?, startDate, lengthMinutes, activities, manuallyEdited?,
//! delete?}], fullDayTimeOffMarkers:[{businessUnitDate, lengthMinutes, activityCodeId, timeOffRequestId?, paid?,
//! delete?}]}]}`. It is **merged**: shifts are matched by `id` within the agent (replace, else add; no id gets
//! `sim-shift-N`), `delete:true` removes by id, markers are matched by `businessUnitDate`, agent `delete:true`
//! removes the agent schedule, and what the upload does not mention is kept. All deletions are applied before any
//! addition, so a traded shift may be deleted from its old owner and added to its new one in the same upload.
//! An upload key is single-use: the update that takes it consumes it, accepted or refused; an update answered
//! by an injected fault (429, 5xx) leaves it unused.
//!
//! **Processing.** `POST S/update` decompresses the upload (outside the state lock, at most
//! [`Limits::upload_decompressed_bytes`]), judges it on arrival only to answer what is synchronous, then answers
//! 202 and publishes a `Processing` event. The update is judged again and applied, all or nothing, when its
//! processing ends — [`SimConfig::completion_delay`] later (`--processing-time`), or at once when a `settle`
//! fault (or [`SimServer::settle`]) ends every update still processing — against the store as it is then, so a
//! concurrent edit in between is caught. Reads until then see the old state. Updates end one at a time, in
//! arrival order.
//!
//! Checks, in order, all or nothing: (1) shape → 400 `bad.request` (missing `metadata.version`, missing `userId`,
//! duplicate user, missing agent `metadata` for an agent that has a schedule, un-publishing); (2) versions → the
//! schedule's and every named existing agent's `metadata.version` must equal the stored one; (3) the resulting
//! schedule must be a valid snapshot → 400 with each problem's path; (4) data conflicts → 409: of the agents
//! named in the upload, or of **every** agent of the schedule when the upload has `published: true`. On success
//! the schedule version goes up by 1, every agent whose shifts or markers changed goes up by 1 (a new agent
//! schedule starts at 1), and `published`/`description` are stored. Lists in error bodies stop at
//! [`Limits::conflicts_listed`] entries and [`Limits::conflict_text_bytes`] of text and end with "and N more".
//!
//! **Version mismatch** (409): `{message:"The version number of the modified resource must match the version
//! number in the database", code:"version.mismatch", status:409, contextId,
//! messageParams:{entity:"schedule"|"agentSchedule", userId?, expected (stored), actual (sent)}, details:[{errorCode:
//! "version.mismatch", fieldName:"agentSchedules[1].metadata.version", entityId:<userId or scheduleId>,
//! entityName:"agentSchedule"|"schedule"}], errors:[]}`. With the switch `versionConflictAs400`: 400,
//! `code:"bad.request"`, message `Version 16 of schedule sch-48 does not match the current version 17`. Codes and
//! `messageParams` are wfm-api.md §5's design choices [D]: the record shows neither.
//!
//! **Data conflicts** (409): names agents and time ranges, not why (like the platform):
//! `{message:"The schedule update conflicts with existing data: a-200 2026-12-01T14:00:00Z/2026-12-01T18:00:00Z",
//! code:"schedule.data.conflict", status:409, contextId, messageWithParams:"... {conflicts}",
//! messageParams:{conflicts:"a-200 <start>/<end>, ..."}, details:[{errorCode:"schedule.data.conflict",
//! fieldName:"agentSchedules[1]", entityId:"a-200", entityName:"2026-12-01T14:00:00Z/2026-12-01T18:00:00Z"}],
//! errors:[]}`: one detail per listed conflict, `entityName` is the ISO 8601 interval `start/end` (UTC, end
//! exclusive), `fieldName` the upload entry (absent for an agent the upload does not name). With the switch
//! `explainConflicts`, the sim-only `conflicts:[Conflict]` is added. Conflict kinds ([`ConflictKind`]):
//! `TimeOffOverlap` (a non-TimeOff activity, or an activity-less shift, overlaps a PENDING or APPROVED request of
//! the agent, reflected or not; the range is the overlap), `ShiftOverlap`, `ActivityOutsideShift`,
//! `ActivityOverlap`, `UnknownAgent` (range: the entry's shifts, else the schedule period).
//!
//! **Delivery.** By default (`errorDelivery: "async"`) every refusal other than a malformed request is the
//! update's `Error` event without detail; `GET /__sim/operations/{id}` then shows `simError` (the ErrorBody a sync
//! answer would have carried). With `errorDelivery: "sync"`, an update already refused on arrival is answered
//! with that ErrorBody at `POST S/update`; one refused only when processing ends (a concurrent write landed
//! first) is still an `Error` event.
//!
//! **REST PUT** (synchronous, no processing): the body's `agentSchedules` replace the stored ones wholesale
//! (absent agents lose their schedule), `schedule.published`/`description` are taken, everything else (agents,
//! time off, trades, versions) is server-owned and ignored. All agents are conflict-checked; 409 is the ErrorBody
//! above with `conflicts` always present: `{..., conflicts:[{agentId, start, end, kind, reason,
//! timeOffRequestId?, shiftId?}]}`.
//!
//! ## Notifications
//!
//! Create a channel, subscribe `v2.workforcemanagement.businessunits.{buId}.schedules` (topics must start with
//! `v2.`), open `connectUri`, **then** call update. Every message is `{topicName, version:"2", eventBody,
//! metadata:{CorrelationId}}`. For each update: `eventBody = {status:"Processing", operationId,
//! eventType:"Update"}` when it is accepted, then `{status:"Complete"|"Error", operationId, eventType:"Update",
//! result?: BuScheduleMetadata}` when its processing ends, each to every socket subscribed at that moment; there
//! is no replay. A concurrent editor's schedule edit (`bump`, `409-version`) is another writer's update: its own
//! operationId, `Processing` then `Complete` with the schedule's metadata ([`EditReport`]'s `operationId`). A
//! `timeoff` edit creates a time-off request, which is not a schedule operation, and announces nothing on this
//! topic. Heartbeat every [`SimConfig::heartbeat_interval`]: topic `channel.metadata`, `eventBody:{message:
//! "WebSocket Heartbeat"}`. A client text `{"message":"ping"}` gets `channel.metadata` `{message:"pong"}`.
//! `v2.system.socket_closing` (`eventBody:{message:"Socket is closing"}`) precedes a close by
//! [`SimConfig::socket_close_delay`].
//!
//! ## Rate limit and 5xx
//!
//! A fixed window per OAuth client ([`RateLimit`], default 300 per 60 s; REST calls without a token share the
//! client `anonymous`). Over the limit: 429 `{code:"too.many.requests", message:"Rate limit exceeded the maximum.
//! Retry the request in [N] seconds", limit:{key:"client.credentials.token.rate.per.minute",
//! namespace:"platform.api", value}, ...}` with `Retry-After: N` (whole seconds). Injected 5xx carry
//! `code` `internal.server.error` / `bad.gateway` / `service.unavailable` / `gateway.timeout`.
//!
//! ## `--faults` grammar
//!
//! A comma-separated list; whitespace around items is ignored. Parsed by [`FaultPlan::parse`]; `Display` gives
//! the canonical form.
//!
//! ```text
//! item     := fault | setting
//! fault    := action '@' [kind '#'] occ        kind defaults to `write` (update or restput)
//! occ      := N | N-M | N+                     1-based occurrence among requests of that kind
//! kind     := token | read | uploadurl | upload | update | restput | channel | write | any
//! action   := 409-version | bump               concurrent editor edits one agent schedule first (versions move)
//!           | timeoff                          concurrent editor adds a PENDING time-off request first
//!           | 429[:DUR]                        429 + Retry-After (default 1s), not processed
//!           | 500 | 502 | 503[:DUR] | 504      that status (503 may carry Retry-After), not processed
//!           | delay:DUR                        wait, then process (even if the client has gone)
//!           | drop                             process, then close the connection without a response
//!           | lost504                          process, then answer 504 with an empty body
//!           | noevent                          (update) process; never publish the outcome event
//!           | closing                          (update) process; send socket_closing and close sockets instead
//!           | settle                           first end every update still processing (applied or refused)
//! setting  := seed=U64 | rate409=P | rate429=P | rate500=P | rate503=P | ratedrop=P | latency=DUR
//! DUR      := N ms | N s | N                   bare numbers are seconds
//! ```
//!
//! Example: `409-version@1,429:2s@2,500@read#3,drop@4,seed=7,rate409=0.1`. A request is counted (and so can be
//! hit) only once it passed authentication and the rate limit; several faults may hit one request (delays and
//! edits first, then the first failure, else processing, then drop/lost504). Random faults are drawn per request
//! from ChaCha8 seeded by (seed, request number): `rate429`/`rate500`/`rate503`/`latency` apply to reads,
//! upload-url requests and writes; `rate409` and `ratedrop` to writes. Same seed and same request order, same
//! faults. `seed=` also seeds the concurrent editor's choices, and overrides [`SimConfig::seed`].
//!
//! The concurrent editor ([`EditAction`]): `bump` edits one agent schedule (sets `manuallyEdited` and an
//! activity description on one of its shifts) and bumps that agent's and the schedule's version; `timeoff` adds
//! `tor-sim-N`, a PENDING partial-day request, by default for the receiving user of the first approved trade over
//! the shift that trade gives them (the motivating incident), and moves no version.

#![warn(missing_docs)]

mod api_error;
mod apply;
mod body;
mod config;
mod conflicts;
mod editor;
mod error;
mod faults;
mod gate;
mod journal;
mod processing;
mod rejection;
mod routes;
mod server;
mod state;
mod store;
mod uploads;

pub use api_error::{Detail, ErrorBody, Limit};
pub use config::{ErrorDelivery, Limits, RateLimit, SimConfig, Switches};
pub use conflicts::{Conflict, ConflictKind};
pub use editor::{EditAction, EditReport, EditRequest};
pub use error::SimError;
pub use faults::{FaultAction, FaultPlan, Occurrence, RandomFaults, RequestKind, ScriptedFault};
pub use journal::{AttemptOutcome, LandedStates, RequestRecord, WriteAttempt, WriteKind};
pub use rejection::{DATA_CONFLICT_CODE, VERSION_MISMATCH_CODE, VERSION_MISMATCH_MESSAGE};
pub use server::{start, start_wire, SimServer};
pub use state::OperationRecord;
