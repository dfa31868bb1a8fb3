//! The accept loop shared by both ports: a connection cap (excess
//! connections are closed at once), TLS handshakes and header reads under
//! timeouts, a whole-request deadline (slow bodies cannot hold a worker),
//! and graceful shutdown that lets in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::auth::sha256;
use crate::core::ConnInfo;
use crate::tls::TlsReloader;

#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    pub max_connections: u32,
    pub header_timeout: Duration,
    pub handshake_timeout: Duration,
    /// Whole-request deadline (body read + run + response).
    pub request_deadline: Duration,
    pub grace: Duration,
    /// gRPC ports speak only HTTP/2.
    pub http2_only: bool,
}

/// Serves `app` on `listener` until `shutdown` turns true, then waits up
/// to `grace` for open requests.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<TlsReloader>>,
    app: Router,
    limits: ListenerLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(
        usize::try_from(limits.max_connections).unwrap_or(1024),
    ));
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // e.g. EMFILE: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                    tracing::warn!(%peer, "connection limit reached; closing");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let tls = tls.clone();
                let app = app.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let _permit = permit;
                    match tls.and_then(|t| t.acceptor()) {
                        None => {
                            let info = ConnInfo { peer, tls: false, client_cert_sha256: None };
                            serve_connection(TokioIo::new(stream), app, info, limits, watcher).await;
                        }
                        Some(acceptor) => {
                            let tls_stream = match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await {
                                Ok(Ok(s)) => s,
                                Ok(Err(e)) => {
                                    tracing::debug!(%peer, "TLS handshake failed: {e}");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!(%peer, "TLS handshake timed out");
                                    return;
                                }
                            };
                            let cert = tls_stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .map(|c| sha256(c.as_ref()));
                            let info = ConnInfo { peer, tls: true, client_cert_sha256: cert };
                            serve_connection(TokioIo::new(tls_stream), app, info, limits, watcher).await;
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!("shutdown grace period over; closing open connections");
        }
    }
}

async fn serve_connection<I>(
    io: TokioIo<I>,
    app: Router,
    info: ConnInfo,
    limits: ListenerLimits,
    watcher: Watcher,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(info.clone());
            let app = app.clone();
            async move {
                let req = req.map(Body::new);
                match tokio::time::timeout(limits.request_deadline, app.oneshot(req)).await {
                    Ok(resp) => resp,
                    Err(_) => {
                        let mut resp = http::Response::new(Body::from(
                            "{\"error\":\"the request took too long\"}",
                        ));
                        *resp.status_mut() = http::StatusCode::GATEWAY_TIMEOUT;
                        Ok(resp)
                    }
                }
            }
        });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        .max_header_list_size(64 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    let builder = if limits.http2_only {
        builder.http2_only()
    } else {
        builder
    };
    let conn = builder.serve_connection(io, service).into_owned();
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!("connection ended: {e}");
    }
}
