//! The accept loop shared by the HTTP and MCP listeners.
//!
//! axum's `serve` cannot bound what a client costs, so this loop is hyper's
//! connection builder with the bounds set:
//! - connections per listener, in total and per client address (past them a
//!   new connection is closed at once);
//! - a header-read timeout (slowloris);
//! - an idle timeout: a connection with no request in progress (before its
//!   first request, between requests, an HTTP/2 connection with no stream)
//!   is closed; a streaming response counts as in progress;
//! - HTTP/2 keep-alive pings, so a dead peer is noticed;
//! - back-off on accept errors (out of file descriptors);
//! - graceful shutdown: on `stop`, no new connections, and open ones finish
//!   their current requests.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// What bounds a listener's connections.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub header_timeout: Duration,
    /// Before the first request.
    pub first_request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_addr: usize,
    pub max_h2_streams: u32,
}

/// Serves `app` until `stop` fires, then lets open connections finish their
/// current requests (streams end when their jobs do) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: CancellationToken,
    options: ServeOptions,
) {
    let connections = TaskTracker::new();
    let counts = Arc::new(Counts::default());
    let mut backoff = Duration::from_millis(5);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => {
                    backoff = Duration::from_millis(5);
                    pair
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        let Some(slot) = counts.admit(peer.ip(), &options) else {
            crate::metrics::connections_refused();
            tracing::debug!(peer = %peer, "connection refused: too many connections");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let service = Tracked {
            inner: app.clone(),
            peer,
            activity: activity.clone(),
        };
        let service = TowerToHyperService::new(service);
        let stop = stop.clone();
        let options = options.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(options.header_timeout);
            // HTTP/2 (h2c) lets one client carry many SSE subscriptions on one
            // connection, far cheaper than one HTTP/1.1 connection each.
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_concurrent_streams(options.max_h2_streams)
                .keep_alive_interval(Some(Duration::from_secs(30)))
                .keep_alive_timeout(Duration::from_secs(20));
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
                _ = activity.idle(&options) => {
                    // An HTTP/2 client gets its GOAWAY; one that never said
                    // which protocol it speaks is simply dropped.
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
                }
            }
        });
    }
    connections.close();
    connections.wait().await;
}

/// Open connections of one listener.
#[derive(Default)]
struct Counts {
    total: AtomicUsize,
    per_addr: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection's place in the counts; dropping it frees the place.
struct Slot {
    counts: Arc<Counts>,
    addr: IpAddr,
}

impl Counts {
    fn admit(self: &Arc<Self>, addr: IpAddr, options: &ServeOptions) -> Option<Slot> {
        let mut per_addr = self.per_addr.lock().unwrap_or_else(|e| e.into_inner());
        let mine = per_addr.entry(addr).or_insert(0);
        if self.total.load(Ordering::Relaxed) >= options.max_connections
            || *mine >= options.max_connections_per_addr
        {
            if *mine == 0 {
                per_addr.remove(&addr);
            }
            return None;
        }
        *mine += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            counts: self.clone(),
            addr,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::Relaxed);
        let mut per_addr = self
            .counts
            .per_addr
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = per_addr.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                per_addr.remove(&self.addr);
            }
        }
    }
}

/// Whether a connection has work in progress, and since when it has none.
/// Requests only touch two atomics; the watchdog looks at them when its
/// timer is due, so no request wakes anything.
struct Activity {
    /// Requests whose response (body included) is not finished.
    live: AtomicUsize,
    /// Milliseconds since `start` at which the last request finished.
    idle_since: AtomicU64,
    served: AtomicBool,
    start: Instant,
}

impl Activity {
    fn new() -> Self {
        Self {
            live: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            served: AtomicBool::new(false),
            start: Instant::now(),
        }
    }

    fn begin(&self) {
        self.served.store(true, Ordering::Relaxed);
        self.live.fetch_add(1, Ordering::AcqRel);
    }

    fn end(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.idle_since.store(ms, Ordering::Relaxed);
        self.live.fetch_sub(1, Ordering::AcqRel);
    }

    /// Resolves once the connection has been idle for its limit.
    async fn idle(&self, options: &ServeOptions) {
        let mut deadline = self.start + options.first_request_timeout;
        loop {
            tokio::time::sleep_until(deadline).await;
            let limit = if self.served.load(Ordering::Relaxed) {
                options.idle_timeout
            } else {
                options.first_request_timeout
            };
            if self.live.load(Ordering::Acquire) > 0 {
                deadline = Instant::now() + limit;
                continue;
            }
            let since = self.start + Duration::from_millis(self.idle_since.load(Ordering::Relaxed));
            if Instant::now() >= since + limit {
                return;
            }
            deadline = since + limit;
        }
    }
}

/// The router, with the peer's address on each request and each request's
/// lifetime (to the end of its response body) counted as activity.
#[derive(Clone)]
struct Tracked {
    inner: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

impl tower::Service<hyper::Request<Incoming>> for Tracked {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: hyper::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        self.activity.begin();
        let guard = ActivityGuard(self.activity.clone());
        let router = self.inner.clone();
        Box::pin(async move {
            let response = router.oneshot(req.map(Body::new)).await?;
            Ok(response.map(|body| {
                Body::new(Guarded {
                    body,
                    _guard: guard,
                })
            }))
        })
    }
}

/// Ends a request's activity when dropped (with its response body, or with
/// the request's future if the client left before an answer).
struct ActivityGuard(Arc<Activity>);

impl Drop for ActivityGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A response body that holds its request's activity until it is done.
struct Guarded {
    body: Body,
    _guard: ActivityGuard,
}

impl hyper::body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
