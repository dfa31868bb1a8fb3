//! Served models: version discovery under each base path (TF Serving's
//! `base/<version>/saved_model.pb` layout and version policies), a scan in
//! the sandbox before any version loads, and per-version pools of
//! sandboxed workers with a bounded queue.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;
use ward_sandbox::{
    Backoff, LoadReply, LoadRequest, ModelKind, SandboxConfig, Supervisor, WorkerLimits,
};
use ward_tensor::Tensor;

use crate::config::{ModelConfig, VersionPolicy};
use crate::error::{ServeError, ServeResult, Status};
use crate::metrics::Metrics;

/// Crashes in a row after which a version is marked unavailable.
pub const MAX_CONSECUTIVE_CRASHES: u32 = 5;

/// TF Serving's ModelVersionStatus.State.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Start,
    Loading,
    Available,
    Unloading,
    End,
}

impl State {
    /// The proto enum number.
    pub fn number(self) -> i32 {
        match self {
            State::Start => 10,
            State::Loading => 20,
            State::Available => 30,
            State::Unloading => 40,
            State::End => 50,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            State::Start => "START",
            State::Loading => "LOADING",
            State::Available => "AVAILABLE",
            State::Unloading => "UNLOADING",
            State::End => "END",
        }
    }
}

/// One version's state as reported by status requests.
#[derive(Debug, Clone)]
pub struct VersionStatus {
    pub version: i64,
    pub state: State,
    /// Why a version is not served (scan refusal, load error, crashes).
    pub error: Option<ServeError>,
}

/// How workers are started (the embedding's executable and sandbox).
#[derive(Debug, Clone)]
pub struct WorkerSpawn {
    pub sandbox: SandboxConfig,
    pub backoff: Backoff,
}

/// A pool of sandboxed workers, all holding the same model version.
///
/// Cancel-safe: a request whose client goes away still owns its worker
/// and permit inside the blocking task until the run ends, and that task
/// returns the worker to the pool — never a permit without a worker.
pub struct Pool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    model: String,
    idle: Mutex<Vec<Supervisor>>,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    timeout: Duration,
    crashes: AtomicU32,
    unavailable: Mutex<Option<String>>,
    metrics: Arc<Metrics>,
}

impl Pool {
    /// Spawns `workers` workers and loads (scans, then compiles) the model
    /// in each.
    fn start(
        config: &ModelConfig,
        spawn: &WorkerSpawn,
        req: &LoadRequest,
        metrics: Arc<Metrics>,
    ) -> ServeResult<(Pool, LoadReply)> {
        let load_timeout = config.timeout.saturating_add(Duration::from_secs(60));
        let mut supervisors = Vec::new();
        let mut reply = None;
        for _ in 0..config.workers {
            let mut sup = Supervisor::new(spawn.sandbox.clone(), spawn.backoff);
            let r = sup.load(req.clone(), load_timeout)?;
            reply.get_or_insert(r);
            supervisors.push(sup);
        }
        let reply = reply.ok_or_else(|| ServeError::internal("no worker started"))?;
        let workers = supervisors.len();
        let inner = PoolInner {
            model: config.name.clone(),
            idle: Mutex::new(supervisors),
            permits: Arc::new(Semaphore::new(workers)),
            waiting: AtomicUsize::new(0),
            queue: usize::try_from(config.queue).unwrap_or(usize::MAX),
            timeout: config.timeout,
            crashes: AtomicU32::new(0),
            unavailable: Mutex::new(None),
            metrics,
        };
        Ok((
            Pool {
                inner: Arc::new(inner),
            },
            reply,
        ))
    }

    /// Why this pool no longer serves, if it gave up.
    pub fn unavailable(&self) -> Option<String> {
        self.inner.unavailable.lock().ok().and_then(|u| u.clone())
    }

    /// Process ids of the idle workers (tests and diagnostics).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.inner
            .idle
            .lock()
            .map(|idle| {
                idle.iter()
                    .filter_map(|s| s.worker().map(|w| w.pid()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs one request on a free worker, waiting in the bounded queue.
    pub async fn run(&self, inputs: Vec<(String, Tensor)>) -> ServeResult<Vec<(String, Tensor)>> {
        let inner = &self.inner;
        if let Some(reason) = self.unavailable() {
            return Err(ServeError::new(Status::Unavailable, reason));
        }
        let queued = inner.waiting.fetch_add(1, Ordering::SeqCst);
        let leave = Leave(&inner.waiting, &inner.metrics, &inner.model);
        if queued
            >= inner
                .queue
                .saturating_add(inner.permits.available_permits())
        {
            return Err(ServeError::new(
                Status::ResourceExhausted,
                format!("model '{}' is busy: its request queue is full", inner.model),
            ));
        }
        inner
            .metrics
            .queue_depth(&inner.model, inner.waiting.load(Ordering::SeqCst));
        let permit =
            tokio::time::timeout(inner.timeout, Arc::clone(&inner.permits).acquire_owned())
                .await
                .map_err(|_| {
                    ServeError::new(
                        Status::DeadlineExceeded,
                        "timed out waiting for a free worker",
                    )
                })?
                .map_err(|_| ServeError::new(Status::Unavailable, "the model is unloading"))?;
        drop(leave);
        let task_inner = Arc::clone(inner);
        let joined =
            tokio::task::spawn_blocking(move || task_inner.run_blocking(permit, inputs)).await;
        joined.map_err(|e| ServeError::internal(format!("worker task failed: {e}")))?
    }
}

impl PoolInner {
    /// Takes an idle worker, runs, and puts the worker back before the
    /// permit is released (the permit is dropped last, on return).
    fn run_blocking(
        &self,
        permit: tokio::sync::OwnedSemaphorePermit,
        inputs: Vec<(String, Tensor)>,
    ) -> ServeResult<Vec<(String, Tensor)>> {
        let mut sup = self
            .idle
            .lock()
            .map_err(|_| ServeError::internal("worker pool lock poisoned"))?
            .pop()
            .ok_or_else(|| ServeError::internal("no idle worker under a permit"))?;
        let restarts_before = sup.restarts();
        let result = sup.run(inputs, self.timeout);
        let restarts = sup.restarts().saturating_sub(restarts_before);
        if restarts > 0 {
            self.metrics.worker_restarts(&self.model, restarts);
        }
        let crashed = result.is_err() && !sup.worker().is_some_and(ward_sandbox::Worker::is_alive);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(sup);
        }
        drop(permit);
        if crashed {
            let n = self
                .crashes
                .fetch_add(1, Ordering::SeqCst)
                .saturating_add(1);
            if n >= MAX_CONSECUTIVE_CRASHES {
                let reason = format!(
                    "model '{}' is unavailable: its workers crashed {n} times in a row",
                    self.model
                );
                tracing::error!("{reason}");
                if let Ok(mut u) = self.unavailable.lock() {
                    *u = Some(reason);
                }
            }
        } else {
            self.crashes.store(0, Ordering::SeqCst);
        }
        result.map_err(ServeError::from)
    }
}

struct Leave<'a>(&'a AtomicUsize, &'a Metrics, &'a str);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let left = self.0.fetch_sub(1, Ordering::SeqCst).saturating_sub(1);
        self.1.queue_depth(self.2, left);
    }
}

/// A loaded version: its pool and signature.
pub struct Loaded {
    pub version: i64,
    pub pool: Pool,
    pub reply: LoadReply,
}

struct Slot {
    state: State,
    error: Option<ServeError>,
    loaded: Option<Arc<Loaded>>,
    /// What the version directory looked like when it was tried, so a
    /// failed version is retried only when its files change.
    stamp: Option<SystemTime>,
}

/// One configured model and its versions.
pub struct ServedModel {
    pub config: ModelConfig,
    slots: RwLock<BTreeMap<i64, Slot>>,
}

impl ServedModel {
    pub fn new(config: ModelConfig) -> Self {
        ServedModel {
            config,
            slots: RwLock::new(BTreeMap::new()),
        }
    }

    /// Every known version's status, ascending.
    pub fn statuses(&self) -> Vec<VersionStatus> {
        let Ok(slots) = self.slots.read() else {
            return Vec::new();
        };
        slots
            .iter()
            .map(|(v, s)| {
                let unavailable = s.loaded.as_ref().and_then(|l| l.pool.unavailable());
                match unavailable {
                    Some(reason) => VersionStatus {
                        version: *v,
                        state: State::End,
                        error: Some(ServeError::new(Status::Unavailable, reason)),
                    },
                    None => VersionStatus {
                        version: *v,
                        state: s.state,
                        error: s.error.clone(),
                    },
                }
            })
            .collect()
    }

    /// The version a request means: a number, a label, or the highest
    /// available one.
    pub fn resolve(&self, selector: &VersionSelector) -> ServeResult<Arc<Loaded>> {
        let slots = self
            .slots
            .read()
            .map_err(|_| ServeError::internal("model table lock poisoned"))?;
        let name = &self.config.name;
        let number = match selector {
            VersionSelector::Latest => {
                let mut reason = None;
                for slot in slots.values().rev() {
                    if let Some(l) = &slot.loaded {
                        match l.pool.unavailable() {
                            None => return Ok(Arc::clone(l)),
                            Some(r) => {
                                reason.get_or_insert(r);
                            }
                        }
                    }
                }
                return Err(ServeError::new(
                    Status::Unavailable,
                    reason.unwrap_or_else(|| format!("model '{name}' has no available version")),
                ));
            }
            VersionSelector::Number(v) => *v,
            VersionSelector::Label(label) => *self.config.labels.get(label).ok_or_else(|| {
                ServeError::invalid(format!("model '{name}' has no version label '{label}'"))
            })?,
        };
        let slot = slots.get(&number).ok_or_else(|| {
            ServeError::not_found(format!("model '{name}' has no version {number}"))
        })?;
        match (&slot.loaded, &slot.error) {
            (Some(l), _) => match l.pool.unavailable() {
                Some(reason) => Err(ServeError::new(Status::Unavailable, reason)),
                None => Ok(Arc::clone(l)),
            },
            (None, Some(e)) => Err(ServeError::new(
                Status::Unavailable,
                format!(
                    "version {number} of model '{name}' is not served: {}",
                    e.message
                ),
            )),
            (None, None) => Err(ServeError::new(
                Status::Unavailable,
                format!(
                    "version {number} of model '{name}' is {}",
                    slot.state.as_str().to_lowercase()
                ),
            )),
        }
    }

    /// Pids of every worker of every loaded version.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.slots
            .read()
            .map(|s| {
                s.values()
                    .filter_map(|s| s.loaded.as_ref())
                    .flat_map(|l| l.pool.worker_pids())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One polling pass: load wanted versions that are new (or changed
    /// since a failure), then unload versions no longer wanted. Blocking.
    pub fn poll(&self, spawn: &WorkerSpawn, metrics: &Arc<Metrics>) {
        let found = match list_versions(&self.config.base_path) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(model = %self.config.name, "cannot list versions: {e}");
                return;
            }
        };
        let wanted = choose_versions(&self.config.version_policy, &found);
        for (version, dir) in found.iter().filter(|(v, _)| wanted.contains(v)) {
            let stamp = dir_stamp(dir);
            let retry = match self.slots.read() {
                Ok(slots) => match slots.get(version) {
                    None => true,
                    Some(s) => s.loaded.is_none() && s.state == State::End && s.stamp != stamp,
                },
                Err(_) => false,
            };
            if !retry {
                continue;
            }
            self.set(*version, State::Loading, None, None, stamp);
            tracing::info!(model = %self.config.name, version, "loading");
            match self.load_version(*version, dir, spawn, metrics) {
                Ok(loaded) => {
                    tracing::info!(model = %self.config.name, version, "available");
                    self.set(
                        *version,
                        State::Available,
                        None,
                        Some(Arc::new(loaded)),
                        stamp,
                    );
                }
                Err(e) => {
                    tracing::warn!(model = %self.config.name, version, "not served: {e}");
                    self.set(*version, State::End, Some(e), None, stamp);
                }
            }
        }
        // Unload what the policy no longer wants once a wanted version is
        // available (availability first, as TF Serving does), or when no
        // version is wanted at all.
        if let Ok(mut slots) = self.slots.write() {
            let wanted_available = slots
                .iter()
                .any(|(v, s)| wanted.contains(v) && s.loaded.is_some());
            for (version, slot) in slots.iter_mut() {
                if slot.loaded.is_some()
                    && !wanted.contains(version)
                    && (wanted_available || wanted.is_empty())
                {
                    tracing::info!(model = %self.config.name, version, "unloading");
                    slot.loaded = None;
                    slot.state = State::End;
                }
            }
        }
    }

    fn set(
        &self,
        version: i64,
        state: State,
        error: Option<ServeError>,
        loaded: Option<Arc<Loaded>>,
        stamp: Option<SystemTime>,
    ) {
        if let Ok(mut slots) = self.slots.write() {
            slots.insert(
                version,
                Slot {
                    state,
                    error,
                    loaded,
                    stamp,
                },
            );
        }
    }

    fn load_version(
        &self,
        version: i64,
        dir: &Path,
        spawn: &WorkerSpawn,
        metrics: &Arc<Metrics>,
    ) -> ServeResult<Loaded> {
        let c = &self.config;
        // The supervisor only reads bytes; parsing and the scan happen in
        // the sandboxed worker.
        let files = ward_tf::files::collect_saved_model(dir, c.max_model_bytes)?;
        let req = LoadRequest {
            files,
            kind: ModelKind::SavedModel {
                tag_set: c.tag_set.clone(),
                signature: c.signature.clone(),
            },
            policy_toml: c.policy_toml.clone(),
            limits: WorkerLimits {
                memory_bytes: c.memory_bytes,
                timeout_ms: u64::try_from(c.timeout.as_millis()).unwrap_or(u64::MAX),
                max_loop_iterations: c.max_loop_iterations,
                threads: c.threads,
            },
            optimize: c.optimize,
        };
        let mut spawn = spawn.clone();
        spawn.sandbox.memory_bytes = c.memory_bytes;
        let (pool, reply) = Pool::start(c, &spawn, &req, Arc::clone(metrics))?;
        Ok(Loaded {
            version,
            pool,
            reply,
        })
    }
}

/// Which version a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    Latest,
    Number(i64),
    Label(String),
}

/// Numeric subdirectories of a base path (TF Serving ignores the rest).
pub fn list_versions(base: &Path) -> std::io::Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(base)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(version) = name.parse::<i64>() else {
            continue;
        };
        if entry.path().join("saved_model.pb").is_file() {
            out.push((version, entry.path()));
        }
    }
    out.sort_by_key(|(v, _)| *v);
    Ok(out)
}

/// Applies a version policy to the versions found.
pub fn choose_versions(policy: &VersionPolicy, found: &[(i64, PathBuf)]) -> Vec<i64> {
    match policy {
        VersionPolicy::All => found.iter().map(|(v, _)| *v).collect(),
        VersionPolicy::Latest(n) => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            found.iter().rev().take(n).map(|(v, _)| *v).collect()
        }
        VersionPolicy::Specific(set) => found
            .iter()
            .map(|(v, _)| *v)
            .filter(|v| set.contains(v))
            .collect(),
    }
}

fn dir_stamp(dir: &Path) -> Option<SystemTime> {
    let pb = std::fs::metadata(dir.join("saved_model.pb"))
        .and_then(|m| m.modified())
        .ok();
    let vars = std::fs::metadata(dir.join("variables"))
        .and_then(|m| m.modified())
        .ok();
    pb.max(vars)
}

/// Every configured model.
pub struct ModelManager {
    pub models: BTreeMap<String, Arc<ServedModel>>,
    spawn: WorkerSpawn,
    metrics: Arc<Metrics>,
}

impl ModelManager {
    pub fn new(configs: Vec<ModelConfig>, spawn: WorkerSpawn, metrics: Arc<Metrics>) -> Self {
        ModelManager {
            models: configs
                .into_iter()
                .map(|c| (c.name.clone(), Arc::new(ServedModel::new(c))))
                .collect(),
            spawn,
            metrics,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<ServedModel>> {
        self.models.get(name)
    }

    /// Polls every model once (blocking).
    pub fn poll_all(&self) {
        for model in self.models.values() {
            model.poll(&self.spawn, &self.metrics);
            self.metrics.versions_available(
                &model.config.name,
                model
                    .statuses()
                    .iter()
                    .filter(|s| s.state == State::Available)
                    .count(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn found(vs: &[i64]) -> Vec<(i64, PathBuf)> {
        vs.iter()
            .map(|v| (*v, PathBuf::from(v.to_string())))
            .collect()
    }

    #[test]
    fn version_policies() {
        let f = found(&[1, 3, 7]);
        assert_eq!(choose_versions(&VersionPolicy::Latest(1), &f), vec![7]);
        assert_eq!(choose_versions(&VersionPolicy::Latest(2), &f), vec![7, 3]);
        assert_eq!(choose_versions(&VersionPolicy::All, &f), vec![1, 3, 7]);
        assert_eq!(
            choose_versions(&VersionPolicy::Specific([3, 9].into()), &f),
            vec![3]
        );
    }

    #[test]
    fn lists_only_numeric_dirs_with_a_saved_model() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["1", "12", "abc", "3x", "5"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        for name in ["1", "12", "abc", "3x"] {
            std::fs::write(dir.path().join(name).join("saved_model.pb"), b"").unwrap();
        }
        let v: Vec<i64> = list_versions(dir.path())
            .unwrap()
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert_eq!(v, vec![1, 12]);
    }
}
