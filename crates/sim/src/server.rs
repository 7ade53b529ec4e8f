//! Starting and stopping a simulator, and the handle tests hold.
//!
//! Connections go through a listener whose streams carry a kill switch: a `drop` fault flips it after the write
//! was applied, the response write then fails, and the client sees the connection close without an answer.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use shiftgate_model::format::WireSnapshot;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Mutex, Semaphore};
use tokio::task::JoinHandle;

use crate::config::{SimConfig, Switches};
use crate::editor::{EditReport, EditRequest};
use crate::error::SimError;
use crate::faults::FaultPlan;
use crate::journal::{Journal, RequestRecord, WriteAttempt};
use crate::state::{ConnHandle, OperationRecord, Sim, State};
use crate::store::Store;

/// Uploads decompressed and parsed at once: each may hold up to `Limits::upload_decompressed_bytes` and its parse.
const DECODERS: usize = 2;

pub(crate) struct KillableListener(TcpListener);

pub(crate) struct KillableIo {
    stream: TcpStream,
    kill: Arc<AtomicBool>,
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "connection dropped by a simulator fault")
}

impl KillableIo {
    fn is_killed(&self) -> bool {
        self.kill.load(Ordering::SeqCst)
    }
}

impl AsyncRead for KillableIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

impl Listener for KillableListener {
    type Io = KillableIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (KillableIo { stream, kill: Arc::new(AtomicBool::new(false)) }, addr);
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        ConnHandle { kill: stream.io().kill.clone() }
    }
}

/// A running simulator. Dropping it stops the server too; [`SimServer::shutdown`] waits for it.
pub struct SimServer {
    /// The bound address (`127.0.0.1:PORT`).
    pub addr: SocketAddr,
    sim: Arc<Sim>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Starts a simulator serving `snapshot` (a `shiftgate.snapshot/1` JSON document). Missing versions start at 1.
pub async fn start(config: SimConfig, snapshot: &[u8]) -> Result<SimServer, SimError> {
    let store = Store::from_json(snapshot)?;
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let (stop, stop_rx) = watch::channel(false);
    let state = State::new(store, &config);
    let config_limits = config.limits;
    let sim = Arc::new(Sim {
        config,
        addr,
        started: Instant::now(),
        state: Mutex::new(state),
        journal: StdMutex::new(Journal::new(config_limits.journal_records)),
        shutdown: stop_rx.clone(),
        processor: Mutex::new(()),
        decoders: Semaphore::new(DECODERS),
    });
    let app = crate::routes::router(sim.clone()).into_make_service_with_connect_info::<ConnHandle>();
    let mut rx = stop_rx;
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        // Serving only ends on shutdown; an I/O error of one connection never reaches here.
        let _ = axum::serve(KillableListener(listener), app).with_graceful_shutdown(stopped).await;
    });
    Ok(SimServer { addr, sim, stop, task: Some(task) })
}

/// Starts a simulator from an already-parsed snapshot.
pub async fn start_wire(config: SimConfig, snapshot: &WireSnapshot<'_>) -> Result<SimServer, SimError> {
    let json = serde_json::to_vec(snapshot).map_err(|e| SimError::Unusable(e.to_string()))?;
    start(config, &json).await
}

impl SimServer {
    /// `http://127.0.0.1:PORT`: the base of every route (OAuth and API alike).
    pub fn base_url(&self) -> String {
        self.sim.base_url()
    }

    /// The live state as a snapshot, with current schedule and agent versions.
    pub async fn state(&self) -> WireSnapshot<'static> {
        self.sim.state.lock().await.store.wire().clone()
    }

    /// The current schedule version.
    pub async fn schedule_version(&self) -> i64 {
        self.sim.state.lock().await.store.schedule_version()
    }

    /// Every write attempt received so far, in order.
    pub fn attempts(&self) -> Vec<WriteAttempt> {
        self.sim.journal().attempts.iter().cloned().collect()
    }

    /// Every request received so far (test routes excluded), in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        let mut list: Vec<RequestRecord> = self.sim.journal().requests.iter().cloned().collect();
        list.sort_by_key(|r| r.seq);
        list
    }

    /// The outcome of an update operation.
    pub async fn operation(&self, operation_id: &str) -> Option<OperationRecord> {
        self.sim.state.lock().await.operations.get(operation_id).cloned()
    }

    /// Replaces the fault plan and resets request counters (so `@1` means the next request of that kind).
    pub async fn set_faults(&self, plan: FaultPlan) {
        self.sim.state.lock().await.set_plan(plan, self.sim.config.seed);
    }

    /// Replaces the switches.
    pub async fn set_switches(&self, switches: Switches) {
        self.sim.state.lock().await.switches = switches;
    }

    /// Runs the concurrent editor now (a schedule edit is announced on the schedules topic as another writer's).
    pub async fn edit(&self, request: &EditRequest) -> Result<EditReport, SimError> {
        self.sim.state.lock().await.edit(request, self.sim.config.limits.journal_records)
    }

    /// Ends every update still processing now (applied or refused, outcome event published), as a `settle`
    /// fault does.
    pub async fn settle(&self) {
        crate::processing::finish(&self.sim, None).await;
    }

    /// Expires every issued token: the next call with one gets 401.
    pub async fn expire_tokens(&self) {
        let now = Instant::now();
        for t in self.sim.state.lock().await.tokens.values_mut() {
            t.expires_at = now;
        }
    }

    /// Replaces the store with a new snapshot (upload slots are forgotten; updates still processing are judged
    /// against the new store when they end).
    pub async fn seed(&self, snapshot: &[u8]) -> Result<(), SimError> {
        let store = Store::from_json(snapshot)?;
        let mut st = self.sim.state.lock().await;
        st.store = store;
        st.uploads.clear();
        Ok(())
    }

    /// Stops accepting, closes sockets, and waits (at most 5 s) for in-flight requests.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
