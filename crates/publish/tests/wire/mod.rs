//! A tiny HTTP/1.1 server on 127.0.0.1 for wire tests: it records every request (method, target, headers, body)
//! and answers what a test's handler says, including redirects and an endless chunked body. One request per
//! connection (`Connection: close`), so what it records is exactly what arrived.

#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// What to answer.
pub enum Reply {
    /// A JSON body with this status.
    Json(u16, Value),
    /// A status, extra headers and a body.
    Raw(u16, Vec<(String, String)>, Vec<u8>),
    /// 200, chunked, never ending (until the client hangs up or 1 GiB has gone out).
    Endless,
    /// 200 declaring this Content-Length, then a few bytes and a hang-up.
    Declared(u64),
}

impl Reply {
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Raw(status, vec![("Location".into(), location.into())], Vec::new())
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A running recorder.
pub struct Server {
    pub base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server; the handler also gets the server's own base URL.
    pub async fn start(handler: impl Fn(&Recorded, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (log, own) = (requests.clone(), base.clone());
        let handler: Arc<Handler> = Arc::new(move |r: &Recorded| handler(r, &own));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, handler) = (log.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, log, handler).await;
                });
            }
        });
        Server { base, requests, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.requests().iter().map(|r| format!("{} {}", r.method, r.path())).collect()
    }
}

async fn serve(mut stream: TcpStream, log: Arc<Mutex<Vec<Recorded>>>, handler: Arc<Handler>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (first.next().unwrap_or_default().to_string(), first.next().unwrap_or_default().to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let recorded = Recorded { method, target, headers, body };
    log.lock().unwrap().push(recorded.clone());
    match handler(&recorded) {
        Reply::Json(status, v) => {
            let body = serde_json::to_vec(&v).unwrap();
            let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
            write_reply(&mut stream, status, &headers, &body).await
        }
        Reply::Raw(status, headers, body) => write_reply(&mut stream, status, &headers, &body).await,
        Reply::Declared(n) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n{{");
            stream.write_all(head.as_bytes()).await?;
            stream.shutdown().await
        }
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            let mut frame = format!("{:x}\r\n", 64 * 1024).into_bytes();
            frame.extend(std::iter::repeat_n(b' ', 64 * 1024));
            frame.extend_from_slice(b"\r\n");
            for _ in 0..16 * 1024 {
                stream.write_all(&frame).await?;
            }
            Ok(())
        }
    }
}

async fn write_reply(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// A scripted Genesys org serving the design example's week (research/wfm-api.md §1): `metadata_version` gives the
/// schedule version for the n-th metadata read (0-based). The upload URL points back here, at
/// `/upload/k-1?sig=SECRET`; creating a channel answers 503, so a write stops after the upload.
pub fn genesys_org(
    metadata_version: impl Fn(usize) -> i64 + Send + Sync + 'static,
) -> impl Fn(&Recorded, &str) -> Reply + Send + Sync + 'static {
    let reads = Arc::new(Mutex::new(0usize));
    move |r: &Recorded, base: &str| {
        let doc = super::common::clean_example();
        let path = r.path();
        let wfm = "/api/v2/workforcemanagement";
        match (r.method.as_str(), path) {
            ("POST", "/oauth/token") => {
                Reply::Json(200, json!({"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600}))
            }
            ("GET", p) if p == format!("{wfm}/businessunits/bu-chi") => Reply::Json(
                200,
                json!({"id": "bu-chi", "name": "Chicago Care",
                "settings": {"timeZone": "America/Chicago", "startDayOfWeek": "Sunday", "metadata": {"version": 1}}}),
            ),
            ("GET", p) if p.ends_with("/activitycodes") => Reply::Json(200, json!({"entities": doc["activityCodes"]})),
            ("GET", p) if p.ends_with("/schedules/sch-48") => {
                let mut n = reads.lock().unwrap();
                let version = metadata_version(*n);
                *n += 1;
                Reply::Json(
                    200,
                    json!({"id": "sch-48", "weekDate": "2026-11-29", "weekCount": 1, "published": false,
                    "metadata": {"version": version},
                    "managementUnits": [{"managementUnit": {"id": "mu-1"}, "agentCount": 2, "agents": [{"id": "a-100"}, {"id": "a-200"}]}]}),
                )
            }
            ("POST", p) if p.ends_with("/agentschedules/query") => Reply::Json(
                200,
                json!({"status": "Complete", "operationId": "op-q",
                "result": {"agentSchedules": doc["agentSchedules"], "businessUnitTimeZone": "America/Chicago"}}),
            ),
            ("POST", p) if p.ends_with("/timeoffrequests/query") => Reply::Json(200, json!({"entities": []})),
            ("GET", p) if p.ends_with("/shifttrades") => Reply::Json(200, json!({"entities": []})),
            ("POST", p) if p.ends_with("/update/uploadurl") => Reply::Json(
                200,
                json!({"uploadKey": "k-1",
                "url": format!("{base}/upload/k-1?sig=SECRET"),
                "headers": {"Content-Type": "application/json", "Content-Encoding": "gzip", "x-ms-blob-type": "BlockBlob"},
                "uploadBodySchema": null}),
            ),
            ("PUT", "/upload/k-1") => Reply::Raw(201, vec![], vec![]),
            ("POST", "/api/v2/notifications/channels") => {
                Reply::Json(503, json!({"status": 503, "code": "service.unavailable", "message": "try later"}))
            }
            _ => Reply::Json(404, json!({"status": 404, "code": "not.found", "message": format!("no route {path}")})),
        }
    }
}
