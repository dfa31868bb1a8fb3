//! Putting it together: bind (as root, before dropping privileges), then
//! run both ports, version polling, certificate reload on SIGHUP and
//! graceful shutdown.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use ward_sandbox::{Backoff, Mode, SandboxConfig};

use crate::audit::AuditLog;
use crate::auth::Authenticator;
use crate::config::{Config, SandboxLevel};
use crate::core::Core;
use crate::listener::{ListenerLimits, serve};
use crate::metrics::Metrics;
use crate::models::{ModelManager, WorkerSpawn};
use crate::rest::{RestState, router};
use crate::tls::TlsReloader;

/// How to start workers: the embedding binary and its worker subcommand.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub worker_exe: PathBuf,
    pub worker_args: Vec<String>,
}

/// Listening sockets plus the configuration, before anything runs.
pub struct BoundServer {
    config: Config,
    options: ServeOptions,
    rest: Option<TcpListener>,
    grpc: Option<TcpListener>,
    audit: AuditLog,
    rest_tls: Option<Arc<TlsReloader>>,
    grpc_tls: Option<Arc<TlsReloader>>,
}

fn bind_port(
    ip: std::net::IpAddr,
    port: Option<u16>,
    what: &str,
) -> Result<Option<TcpListener>, String> {
    let Some(port) = port else { return Ok(None) };
    let addr = SocketAddr::new(ip, port);
    let l =
        TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr} ({what}): {e}"))?;
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(Some(l))
}

/// Validates exposure rules, binds both ports (port 0 = any free port),
/// opens the audit log and reads the TLS files — everything that may need
/// the privileges the server is started with, which it then drops.
pub fn bind(config: Config, options: ServeOptions) -> Result<BoundServer, String> {
    config.check_exposure()?;
    if config.server.grpc_port.is_none() && config.server.rest_port.is_none() {
        return Err("neither grpc_port nor rest_port is set".into());
    }
    let grpc = bind_port(config.server.listen, config.server.grpc_port, "gRPC")?;
    let rest = bind_port(config.server.listen, config.server.rest_port, "REST")?;
    let audit = match &config.server.audit_log {
        Some(p) => AuditLog::open(p)
            .map_err(|e| format!("cannot open the audit log {}: {e}", p.display()))?,
        None => AuditLog::disabled(),
    };
    let tls_for = |alpn: Vec<Vec<u8>>| -> Result<Option<Arc<TlsReloader>>, String> {
        config
            .tls
            .clone()
            .map(|t| TlsReloader::new(t, alpn).map(Arc::new))
            .transpose()
    };
    let rest_tls = tls_for(vec![b"h2".to_vec(), b"http/1.1".to_vec()])?;
    let grpc_tls = tls_for(vec![b"h2".to_vec()])?;
    Ok(BoundServer {
        config,
        options,
        rest,
        grpc,
        audit,
        rest_tls,
        grpc_tls,
    })
}

/// When started as root: switch to an unprivileged user (after binding,
/// before any thread exists). Returns the user switched to.
pub fn drop_privileges(user: &str) -> Result<Option<String>, String> {
    use nix::unistd::{Gid, Uid, User, setgid, setgroups, setuid};
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let (uid, gid) =
        match User::from_name(user).map_err(|e| format!("cannot look up user '{user}': {e}"))? {
            Some(u) => (u.uid, u.gid),
            None if user == "nobody" => (Uid::from_raw(65534), Gid::from_raw(65534)),
            None => return Err(format!("no such user '{user}'")),
        };
    if uid.is_root() {
        return Err(format!(
            "user '{user}' is root; choose an unprivileged user"
        ));
    }
    setgroups(&[gid]).map_err(|e| format!("setgroups: {e}"))?;
    setgid(gid).map_err(|e| format!("setgid: {e}"))?;
    setuid(uid).map_err(|e| format!("setuid: {e}"))?;
    if setuid(Uid::from_raw(0)).is_ok() {
        return Err("could regain root after dropping privileges".into());
    }
    Ok(Some(user.to_string()))
}

impl BoundServer {
    pub fn rest_addr(&self) -> Option<SocketAddr> {
        self.rest.as_ref().and_then(|l| l.local_addr().ok())
    }
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc.as_ref().and_then(|l| l.local_addr().ok())
    }
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs until `shutdown` resolves, then stops accepting and lets open
    /// requests finish (up to the grace period).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), String> {
        let BoundServer {
            config,
            options,
            rest,
            grpc,
            audit,
            rest_tls,
            grpc_tls,
        } = self;
        let s = &config.server;
        if s.insecure && !s.listen.is_loopback() {
            tracing::warn!(
                "insecure = true: serving on {} without the TLS/authentication safeguards; anyone who can reach this address may be able to use it",
                s.listen
            );
        }
        if config.identities.is_empty() {
            tracing::warn!("no [[identity]] is configured: every request will be refused (401)");
        }
        let metrics = Arc::new(Metrics::new());
        let mut sandbox =
            SandboxConfig::new(options.worker_exe.clone(), options.worker_args.clone());
        sandbox.mode = match s.sandbox {
            SandboxLevel::Strict => Mode::Strict,
            SandboxLevel::BestEffort => Mode::BestEffort,
        };
        // A long-lived worker: the wall-clock timeout (which kills and
        // replaces a stuck worker) bounds each run, not a lifetime CPU cap.
        sandbox.cpu_seconds = 0;
        let spawn = WorkerSpawn {
            sandbox,
            backoff: Backoff::default(),
        };
        let core = Arc::new(Core {
            auth: Authenticator::new(config.identities.clone()),
            models: ModelManager::new(config.models.clone(), spawn, Arc::clone(&metrics)),
            metrics,
            audit,
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let max_body = s.max_body_bytes;
        let limits = ListenerLimits {
            max_connections: s.max_connections,
            header_timeout: s.header_timeout,
            handshake_timeout: s.header_timeout,
            request_deadline: s.request_timeout.saturating_add(Duration::from_secs(5)),
            grace: s.shutdown_grace,
            http2_only: false,
        };
        let mut tasks = Vec::new();
        if let Some(l) = rest {
            let listener = tokio::net::TcpListener::from_std(l).map_err(|e| e.to_string())?;
            let app = router(RestState {
                core: Arc::clone(&core),
                max_body_bytes: max_body,
            });
            tasks.push(tokio::spawn(serve(
                listener,
                rest_tls.clone(),
                app,
                limits,
                stop_rx.clone(),
            )));
        }
        if let Some(l) = grpc {
            let listener = tokio::net::TcpListener::from_std(l).map_err(|e| e.to_string())?;
            let app = crate::grpc::router(
                Arc::clone(&core),
                usize::try_from(max_body).unwrap_or(usize::MAX),
            )
            .await;
            let limits = ListenerLimits {
                http2_only: true,
                ..limits
            };
            tasks.push(tokio::spawn(serve(
                listener,
                grpc_tls.clone(),
                app,
                limits,
                stop_rx.clone(),
            )));
        }

        // Version polling runs on a blocking thread: loads spawn workers
        // and wait for them.
        let poll_core = Arc::clone(&core);
        let poll_interval = s.poll_interval;
        let mut poll_stop = stop_rx.clone();
        let poller = tokio::spawn(async move {
            loop {
                let c = Arc::clone(&poll_core);
                if tokio::task::spawn_blocking(move || c.models.poll_all())
                    .await
                    .is_err()
                {
                    tracing::error!("model polling failed");
                }
                tokio::select! {
                    _ = poll_stop.changed() => break,
                    () = tokio::time::sleep(poll_interval) => {}
                }
            }
        });

        // SIGHUP: reload certificates (and keys, client CA). After a
        // privilege drop the files must be readable by the server's user;
        // if not, the reload fails and the current certificate stays.
        let mut hup_stop = stop_rx.clone();
        let reloaders: Vec<Arc<TlsReloader>> = rest_tls.into_iter().chain(grpc_tls).collect();
        let hup = tokio::spawn(async move {
            let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                return;
            };
            loop {
                tokio::select! {
                    _ = hup_stop.changed() => break,
                    got = hup.recv() => {
                        if got.is_none() { break; }
                        for r in &reloaders {
                            match r.reload() {
                                Ok(()) => tracing::info!("TLS configuration reloaded"),
                                Err(e) => tracing::error!("TLS reload failed, keeping the old certificate: {e}"),
                            }
                        }
                    }
                }
            }
        });

        shutdown.await;
        tracing::info!("shutting down: no new connections; finishing open requests");
        let _ = stop_tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        poller.abort();
        hup.abort();
        Ok(())
    }
}
