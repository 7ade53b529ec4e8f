//! The pre-signed upload: the slots `update/uploadurl` hands out, the object-storage rules of `PUT <url>`, and
//! the bounded holding and decompression of what was uploaded.
//!
//! Bodies are held **compressed**, under a total byte budget ([`Limits::uploads_held_bytes`]) and an expiry
//! ([`Limits::upload_ttl`]); they are decompressed only when an update judges them, outside the state lock, with
//! a streaming cap ([`Limits::upload_decompressed_bytes`]), so a gzip bomb is refused after reading at most the
//! cap. The bytes of an upload stay counted until the update that took it has finished processing.
//!
//! What storage answers to a refused `PUT` is **not in the public record** (wfm-api.md §1.5 only says the URL is
//! pre-signed and the `headers` of the `uploadurl` answer must be sent). The refusals below are modelled on how
//! S3-style object storage answers a pre-signed URL (an XML `<Error>` with `Code` and `Message`, 400/403/411/
//! 503), never a Genesys `ErrorBody`: a client that parses them as an ErrorBody is wrong either way.

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api_error::{correlation_id, ApiError};
use crate::config::Limits;

/// The headers the `uploadurl` answer tells the client to send with its `PUT` (UpdateScheduleUploadResponse.md:
/// "Required headers for the PUT request to the url"; the values are ours \[D\]). The `PUT` must carry each with
/// exactly this value.
pub(crate) const UPLOAD_HEADERS: [(&str, &str); 2] =
    [("Content-Type", "application/json"), ("Content-Encoding", "gzip")];

/// Headers any HTTP client's transport adds by itself; a `PUT` may carry them besides [`UPLOAD_HEADERS`].
/// The strict reading: a pre-signed URL authorises exactly the request it was signed for, so whatever the caller
/// adds on purpose (a credential, a tracing or custom header) is refused; only what the HTTP stack cannot help
/// sending is not "other". `Content-Length` is required (storage refuses chunked uploads).
pub(crate) const TRANSPORT_HEADERS: [&str; 8] =
    ["host", "content-length", "user-agent", "accept", "accept-encoding", "connection", "keep-alive", "expect"];

/// Headers that carry a credential: storage refuses a second auth mechanism on a pre-signed URL, and a client
/// that sends its Genesys token there leaks it to another origin.
const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "x-amz-security-token"];

/// An upload slot handed out by `update/uploadurl`.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    /// `(buId, weekId, scheduleId)` the key was issued for.
    pub target: (String, String, String),
    pub content_length: u64,
    pub issued: Instant,
    /// The gzip body as uploaded, until an update takes it.
    pub gzip: Option<Bytes>,
    /// Taken by an update (accepted or refused): the key cannot be used again.
    pub used: bool,
}

/// Every upload slot, and the gzip bytes held for them and for updates still processing.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    slots: HashMap<String, Upload>,
    held_bytes: usize,
}

/// A storage refusal: status, S3-style code, message (XML-escaped when sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StorageRefusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl StorageRefusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        StorageRefusal { status, code, message: message.into() }
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        let message = format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes");
        StorageRefusal::new(StatusCode::BAD_REQUEST, "EntityTooLarge", message)
    }
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if c.is_control() => format!("&#{};", c as u32),
            c => c.to_string(),
        })
        .collect()
}

impl IntoResponse for StorageRefusal {
    fn into_response(self) -> Response {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            self.code,
            xml_escape(&self.message),
            correlation_id()
        );
        (self.status, [("content-type", "application/xml")], body).into_response()
    }
}

/// Checks a `PUT`'s headers and query against what the slot was signed for (before its body is read).
pub(crate) fn check_request(headers: &HeaderMap, query: Option<&str>) -> Result<(), StorageRefusal> {
    let credential = headers.keys().map(|k| k.as_str()).find(|k| CREDENTIAL_HEADERS.contains(k));
    let query_credential = query.is_some_and(|q| {
        q.split('&').any(|kv| {
            let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
            k.contains("token") || k.contains("signature") || k.contains("credential") || k.contains("auth")
        })
    });
    if credential.is_some() || query_credential {
        return Err(StorageRefusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            format!(
                "Only one auth mechanism allowed; the pre-signed URL is the credential, and this request also carries {}",
                credential.map_or("a credential in its query".to_string(), |h| format!("a {h} header"))
            ),
        ));
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        return Err(StorageRefusal::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            format!("The request's query {q:?} is not the one the URL was signed with (none)"),
        ));
    }
    for (name, value) in UPLOAD_HEADERS {
        let sent = headers.get(name).map(|v| v.to_str().unwrap_or("(not text)"));
        if sent != Some(value) {
            return Err(StorageRefusal::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                format!("The request must carry {name}: {value} as the upload URL answer said; got {sent:?}"),
            ));
        }
    }
    let signed = |k: &str| UPLOAD_HEADERS.iter().any(|(n, _)| n.eq_ignore_ascii_case(k));
    if let Some(other) = headers.keys().map(|k| k.as_str()).find(|k| !signed(k) && !TRANSPORT_HEADERS.contains(k)) {
        return Err(StorageRefusal::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            format!("There were headers present in the request which were not signed: {other}"),
        ));
    }
    if !headers.contains_key("content-length") {
        return Err(StorageRefusal::new(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        ));
    }
    Ok(())
}

impl Uploads {
    /// Forgets slots older than the TTL, with their held bytes.
    fn prune(&mut self, now: Instant, ttl: Duration) {
        let held = &mut self.held_bytes;
        self.slots.retain(|_, u| {
            let keep = now.duration_since(u.issued) < ttl;
            if !keep {
                *held -= u.gzip.as_ref().map_or(0, Bytes::len);
            }
            keep
        });
    }

    /// Forgets every slot (a re-seed); bytes of updates still processing stay counted until they finish.
    pub(crate) fn clear(&mut self) {
        for u in self.slots.values() {
            self.held_bytes -= u.gzip.as_ref().map_or(0, Bytes::len);
        }
        self.slots.clear();
    }

    /// A new slot for `length` gzip bytes; 429 when too many slots are outstanding.
    pub(crate) fn issue(
        &mut self,
        target: (String, String, String),
        length: u64,
        limits: &Limits,
    ) -> Result<String, ApiError> {
        let now = Instant::now();
        self.prune(now, limits.upload_ttl);
        if self.slots.len() >= limits.uploads_outstanding {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too.many.requests",
                format!("{} upload URLs are outstanding; use or let them expire first", self.slots.len()),
            )
            .header("retry-after", limits.upload_ttl.as_secs().max(1).to_string()));
        }
        let key = uuid::Uuid::new_v4().simple().to_string();
        self.slots.insert(key.clone(), Upload { target, content_length: length, issued: now, gzip: None, used: false });
        Ok(key)
    }

    /// Stores a `PUT` body for `key`, within the held-bytes budget.
    pub(crate) fn put(&mut self, key: &str, body: Bytes, limits: &Limits) -> Result<(), StorageRefusal> {
        self.prune(Instant::now(), limits.upload_ttl);
        let denied = |m: &str| StorageRefusal::new(StatusCode::FORBIDDEN, "AccessDenied", m);
        let Some(up) = self.slots.get_mut(key) else {
            return Err(denied("Request has expired, or the URL was never issued"));
        };
        if up.used {
            return Err(denied("This upload URL was already consumed by an update"));
        }
        if body.len() as u64 != up.content_length {
            return Err(StorageRefusal::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                format!(
                    "The body is {} bytes but the URL was signed for contentLengthBytes {}",
                    body.len(),
                    up.content_length
                ),
            ));
        }
        let replaced = up.gzip.as_ref().map_or(0, Bytes::len);
        let after = self.held_bytes - replaced + body.len();
        if after > limits.uploads_held_bytes {
            return Err(StorageRefusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                format!(
                    "Uploads held would exceed {} bytes; use or let earlier uploads expire",
                    limits.uploads_held_bytes
                ),
            ));
        }
        self.held_bytes = after;
        up.gzip = Some(body);
        Ok(())
    }

    /// The body uploaded for `key`, for an update of `target`: the key is consumed, the bytes stay counted until
    /// [`Uploads::release`]. Every refusal is a 400 (a malformed update request).
    pub(crate) fn take(
        &mut self,
        key: &str,
        target: &(String, String, String),
        ttl: Duration,
    ) -> Result<Bytes, ApiError> {
        self.prune(Instant::now(), ttl);
        let up = self
            .slots
            .get_mut(key)
            .ok_or_else(|| ApiError::bad_request(format!("unknown or expired uploadKey {key}")))?;
        if &up.target != target {
            return Err(ApiError::bad_request("uploadKey was issued for another schedule"));
        }
        if up.used {
            return Err(ApiError::bad_request("uploadKey was already used"));
        }
        let gzip = up.gzip.take().ok_or_else(|| ApiError::bad_request("nothing was uploaded for this uploadKey"))?;
        up.used = true;
        Ok(gzip)
    }

    /// The gzip body behind a key, without taking it (the journal of a faulted update).
    pub(crate) fn peek(&self, key: &str) -> Option<Bytes> {
        self.slots.get(key).and_then(|u| u.gzip.clone())
    }

    /// Gives back the budget of a taken body once its update finished (or was refused).
    pub(crate) fn release(&mut self, bytes: usize) {
        self.held_bytes = self.held_bytes.saturating_sub(bytes);
    }

    /// Gzip bytes held now.
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.held_bytes
    }
}

/// Decompresses at most `limit` bytes; a body that would decompress to more is refused after reading `limit + 1`.
pub(crate) fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    // Reserved whole: untouched pages cost nothing, and growth by doubling would copy (and briefly double) the
    // buffer right at the limit.
    let mut out = Vec::with_capacity(limit.saturating_add(1));
    let mut dec = flate2::read::GzDecoder::new(body).take(limit as u64 + 1);
    dec.read_to_end(&mut out).map_err(|e| format!("the upload is not valid gzip: {e}"))?;
    if out.len() > limit {
        return Err(format!("the upload decompresses to more than {limit} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gunzip_stops_at_the_limit() {
        let bomb = gz(&vec![b'a'; 10 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let err = gunzip(&bomb, 1024 * 1024).unwrap_err();
        assert!(err.contains("more than 1048576"), "{err}");
        assert_eq!(gunzip(&gz(b"{}"), 2).unwrap(), b"{}");
        assert!(gunzip(b"{}", 100).unwrap_err().contains("not valid gzip"));
    }

    #[test]
    fn held_bytes_are_budgeted_and_given_back() {
        let limits = Limits { uploads_held_bytes: 10, ..Limits::default() };
        let mut u = Uploads::default();
        let t = ("bu".to_string(), "w".to_string(), "s".to_string());
        let a = u.issue(t.clone(), 6, &limits).unwrap();
        let b = u.issue(t.clone(), 6, &limits).unwrap();
        u.put(&a, Bytes::from(vec![0; 6]), &limits).unwrap();
        u.put(&a, Bytes::from(vec![1; 6]), &limits).unwrap(); // a replacement, not an addition
        assert_eq!(u.put(&b, Bytes::from(vec![0; 6]), &limits).unwrap_err().code, "SlowDown");
        let taken = u.take(&a, &t, limits.upload_ttl).unwrap();
        assert_eq!(u.held_bytes(), 6, "a taken body stays counted while its update processes");
        u.release(taken.len());
        u.put(&b, Bytes::from(vec![0; 6]), &limits).unwrap();
        assert!(u.take(&a, &t, limits.upload_ttl).is_err(), "single use");
    }

    #[test]
    fn xml_refusals_escape_what_the_client_sent() {
        assert_eq!(xml_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    }
}
