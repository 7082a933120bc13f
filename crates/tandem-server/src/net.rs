//! The listening socket and its limits: how many connections at once (in all and per client
//! address), how long a client may take to send a request's headers, and how long to send its
//! body. `axum::serve` has none of these (a connection that sends nothing stays open forever),
//! so the server runs its own accept loop over hyper's HTTP/1 connection with a timer.
//!
//! | limit | default | when it is hit |
//! |---|---|---|
//! | connections at once | [`MAX_CONNECTIONS`] | new connections wait in the kernel's backlog |
//! | connections per client address | [`MAX_CONNECTIONS_PER_CLIENT`] | further ones are closed at once (not applied to trusted proxies) |
//! | request headers | [`HEADER_READ_TIMEOUT`] | the connection is closed; an idle keep-alive connection too |
//! | request body | [`BODY_READ_TIMEOUT`] | reading the body fails and the request is answered 408 |

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt as _;

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 1024;
/// Connections at once from one client address (a proxy in `--trusted-proxy` is exempt).
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 64;
/// How long a client may take to send a request's headers, counted from the moment the
/// server waits for them (a new connection, or the end of the previous response).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body (16 MiB at 1 Mbit/s takes 134 s).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(180);

/// How the server listens.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// See [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// See [`MAX_CONNECTIONS_PER_CLIENT`].
    pub max_connections_per_client: usize,
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
}

impl ServeOptions {
    /// The defaults, listening on `listen`.
    pub fn new(listen: SocketAddr) -> ServeOptions {
        ServeOptions {
            listen,
            trusted_proxies: Vec::new(),
            max_connections: MAX_CONNECTIONS,
            max_connections_per_client: MAX_CONNECTIONS_PER_CLIENT,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
        }
    }
}

/// Open connections per client address.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// A connection counted in [`PerClient`] until dropped.
struct ClientSlot {
    table: Arc<PerClient>,
    ip: IpAddr,
}

impl PerClient {
    fn take(table: &Arc<PerClient>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut map = table.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            table: table.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.table.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    options: &ServeOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn_with_state(
        options.body_read_timeout,
        body_timeout,
    ));
    let connections = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let per_client = Arc::new(PerClient::default());
    // Dropped at shutdown: every connection task then finishes its request and closes.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = if options.trusted_proxies.contains(&peer.ip()) {
            None
        } else {
            match PerClient::take(&per_client, peer.ip(), options.max_connections_per_client) {
                Some(slot) => Some(slot),
                None => continue, // dropping `stream` closes it
            }
        };
        let conn = Connection {
            app: app.clone(),
            peer,
            header_read_timeout: options.header_read_timeout,
            stop: stop_rx.clone(),
        };
        tokio::spawn(async move {
            conn.run(stream).await;
            drop((permit, slot));
        });
    }
    drop(stop_rx);
    drop(stop_tx);
    // Wait for open connections to finish (each holds a permit).
    let _ = connections
        .acquire_many(options.max_connections.max(1) as u32)
        .await;
    Ok(())
}

/// One accepted connection.
struct Connection {
    app: Router,
    peer: SocketAddr,
    header_read_timeout: Duration,
    stop: watch::Receiver<()>,
}

impl Connection {
    async fn run(mut self, stream: tokio::net::TcpStream) {
        let peer = self.peer;
        let app = self.app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = self.stop.changed() => conn.as_mut().graceful_shutdown(),
        }
        let _ = conn.await;
    }
}

/// Gives the request's body a deadline: a client that trickles a body is cut off after
/// `limit` and answered 408, instead of holding a connection and a handler.
async fn body_timeout(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = Body::new(TimedBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep(limit)),
        limit,
        timed_out: timed_out.clone(),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body took longer than {} s to arrive; send it again",
                limit.as_secs()
            ),
        )
            .into_response();
    }
    response
}

/// A body that fails once its deadline passes.
struct TimedBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
    timed_out: Arc<std::sync::atomic::AtomicBool>,
}

impl http_body::Body for TimedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.timed_out
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let message = format!("request body not received within {:?}", self.limit);
            return Poll::Ready(Some(Err(axum::Error::new(message))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
