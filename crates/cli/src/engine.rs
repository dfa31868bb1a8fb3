//! Loading and running one model from a `LoadRequest`. The same code runs
//! in-process (`--sandbox off`) and inside the sandboxed worker, so the
//! untrusted bytes — including the scan that gates them — are parsed where
//! the sandbox contains them.

use rayon::ThreadPool;
use std::sync::Arc;
use std::time::Duration;
use ward_audit::{Policy, ScanLimits, fails, graph_def_target_bytes, saved_model_target_in, scan};
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{AttrsExt, PartialShape, TypeAttr, ValueRef, prune};
use ward_sandbox::{LoadReply, LoadRequest, ModelKind, WorkerLimits};
use ward_tensor::{Budget, DType, Error, Frame, Limits, Result, ResultExt, Tensor};
use ward_tf::files::{MemFiles, ModelFiles};
use ward_tf::saved_model::{SavedModelLimits, load_saved_model_in};

/// An input the model takes.
pub struct EngineInput {
    pub key: String,
    pub value: ValueRef,
    pub dtype: DType,
    pub shape: PartialShape,
    /// Signature inputs must be fed; PlaceholderWithDefault need not be.
    pub required: bool,
}

/// A loaded, scanned and compiled model.
pub struct Engine {
    exe: Executable,
    inputs: Vec<EngineInput>,
    outputs: Vec<(String, ValueRef)>,
    output_specs: Vec<(Option<DType>, Vec<i64>)>,
    limits: WorkerLimits,
}

/// Dims as the protocol carries them: `-1` unknown, empty for unknown rank.
fn protocol_dims(shape: &PartialShape) -> Vec<i64> {
    match shape.dims() {
        Some(d) => d
            .iter()
            .map(|x| x.and_then(|x| i64::try_from(x).ok()).unwrap_or(-1))
            .collect(),
        None => Vec::new(),
    }
}

fn budget(limits: &WorkerLimits) -> Budget {
    Budget::new(&Limits {
        memory_bytes: limits.memory_bytes,
        timeout: (limits.timeout_ms > 0).then(|| Duration::from_millis(limits.timeout_ms)),
        max_loop_iterations: limits.max_loop_iterations,
    })
}

/// Refuses a model whose scan has failing findings under the policy.
fn gate(target: &ward_audit::ScanTarget, policy: &Policy, limits: &ScanLimits) -> Result<()> {
    let report = scan(target, policy, limits)?;
    if report.failing == 0 {
        return Ok(());
    }
    let failing: Vec<String> = report
        .findings
        .iter()
        .filter(|f| fails(f, policy))
        .take(3)
        .map(|f| format!("[{}] {}", f.kind, f.message))
        .collect();
    Err(Error::permission_denied(format!(
        "the scan refused this model ({} failing finding(s): {}{}); see `ward scan`, or allow them with --policy",
        report.failing,
        failing.join("; "),
        if report.failing > 3 { "; ..." } else { "" }
    )))
}

impl Engine {
    pub fn load(req: LoadRequest, pool: Option<Arc<ThreadPool>>) -> Result<Engine> {
        let limits = req.limits;
        let req_optimize = req.optimize;
        let policy = if req.policy_toml.trim().is_empty() {
            Policy::default()
        } else {
            Policy::from_toml(&req.policy_toml)?
        };
        let load_budget = Budget::new(&Limits {
            memory_bytes: limits.memory_bytes,
            ..Limits::default()
        });
        let scan_limits = ScanLimits {
            max_model_bytes: u64::MAX,
            memory_bytes: limits.memory_bytes,
            ..ScanLimits::default()
        };
        let files = MemFiles::new(req.files);
        let (model, inputs, outputs, output_specs) = match req.kind {
            ModelKind::SavedModel { tag_set, signature } => {
                let tags = tag_set.join(",");
                let mut target = saved_model_target_in(&files, "model", &tags, &scan_limits)?;
                // Only the signature runs; ward never runs init ops.
                let label = format!("signature '{signature}'");
                target.entries.retain(|e| e.label == label);
                let wanted = format!("of signature '{signature}'");
                target.inputs.retain(|i| i.label.ends_with(&wanted));
                gate(&target, &policy, &scan_limits)?;
                drop(target);
                let sm_limits = SavedModelLimits::default();
                let loaded =
                    load_saved_model_in(Arc::new(files), "model", &tags, &sm_limits, &load_budget)?;
                let runnable = loaded.runnable(&signature, &sm_limits, &load_budget)?;
                let inputs = runnable
                    .inputs
                    .iter()
                    .map(|(key, (value, spec))| {
                        let TypeAttr::Data(dtype) = spec.dtype else {
                            return Err(Error::unimplemented(format!(
                                "input '{key}' has type {}",
                                spec.dtype
                            )));
                        };
                        Ok(EngineInput {
                            key: key.clone(),
                            value: *value,
                            dtype,
                            shape: spec.shape.clone(),
                            required: true,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let outputs = runnable
                    .outputs
                    .iter()
                    .map(|(k, v, _)| (k.clone(), *v))
                    .collect();
                let specs = runnable
                    .outputs
                    .iter()
                    .map(|(_, _, spec)| {
                        let dtype = match spec.dtype {
                            TypeAttr::Data(d) => Some(d),
                            _ => None,
                        };
                        (dtype, protocol_dims(&spec.shape))
                    })
                    .collect();
                (runnable.model, inputs, outputs, specs)
            }
            ModelKind::GraphDef {
                path,
                outputs: fetch_names,
            } => {
                let bytes = files.read(&path, u64::MAX)?;
                let mut target = graph_def_target_bytes(&bytes, &path, &scan_limits)?;
                let roots = fetch_names
                    .iter()
                    .map(|f| target.model.graph.resolve_tensor(f).map(|v| v.node))
                    .collect::<Result<Vec<_>>>()?;
                for entry in &mut target.entries {
                    entry.roots.clone_from(&roots);
                    entry.label = "the fetched tensors".into();
                }
                gate(&target, &policy, &scan_limits)?;
                let full = target.model;
                let fetches = fetch_names
                    .iter()
                    .map(|n| full.graph.resolve_tensor(n))
                    .collect::<Result<Vec<_>>>()?;
                // Only what the fetches need is validated and run, as in TF.
                let (model, map) = prune(&full, &roots)?;
                let remap = |v: ValueRef| {
                    map.get(v.node)
                        .copied()
                        .flatten()
                        .map(|n| ValueRef::new(n, v.output))
                };
                let mut inputs = Vec::new();
                for (id, node) in full.graph.nodes().iter().enumerate() {
                    if node.op != "Placeholder" && node.op != "PlaceholderWithDefault" {
                        continue;
                    }
                    let Some(value) = remap(ValueRef::new(id, 0)) else {
                        continue;
                    };
                    inputs.push(EngineInput {
                        key: format!("{}:0", node.name),
                        value,
                        dtype: node.attrs.dtype("dtype").at_node(&node.name, &node.op)?,
                        shape: node
                            .attrs
                            .shape_attr("shape")
                            .at_node(&node.name, &node.op)?
                            .unwrap_or_default(),
                        required: node.op == "Placeholder",
                    });
                }
                let outputs = fetch_names
                    .iter()
                    .zip(fetches)
                    .map(|(name, v)| {
                        remap(v)
                            .map(|v| (name.clone(), v))
                            .ok_or_else(|| Error::internal("output pruned"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let specs = vec![(None, Vec::new()); outputs.len()];
                (model, inputs, outputs, specs)
            }
        };
        let threads = usize::try_from(limits.threads).unwrap_or(0);
        let exe = Executable::new(
            model,
            ward_ops::registry(),
            &ExecOptions {
                threads,
                pool,
                optimize: req_optimize,
                ..Default::default()
            },
        )?;
        Ok(Engine {
            exe,
            inputs,
            outputs,
            output_specs,
            limits,
        })
    }

    /// What the model takes and returns.
    pub fn reply(&self) -> LoadReply {
        LoadReply {
            inputs: self
                .inputs
                .iter()
                .map(|i| (i.key.clone(), i.dtype, protocol_dims(&i.shape)))
                .collect(),
            outputs: self.outputs.iter().map(|(k, _)| k.clone()).collect(),
            output_specs: self.output_specs.clone(),
        }
    }

    fn input(&self, key: &str) -> Result<&EngineInput> {
        self.inputs
            .iter()
            .find(|i| i.key == key)
            // A graph placeholder may be named without its `:0`.
            .or_else(|| {
                self.inputs
                    .iter()
                    .find(|i| i.key.strip_suffix(":0") == Some(key))
            })
            .ok_or_else(|| {
                let known: Vec<&str> = self.inputs.iter().map(|i| i.key.as_str()).collect();
                Error::not_found(format!(
                    "the model has no input '{key}' (inputs: {})",
                    known.join(", ")
                ))
            })
    }

    /// Runs once on named inputs, checking each against the model's
    /// declared dtype and shape; returns named outputs.
    pub fn run(&self, named: Vec<(String, Tensor)>) -> Result<Vec<(String, Tensor)>> {
        let mut feeds = Vec::with_capacity(named.len());
        for (key, tensor) in named {
            let input = self.input(&key)?;
            let in_input = |e: Error| e.with(Frame::Note(format!("input '{key}'")));
            if tensor.dtype() != input.dtype {
                return Err(in_input(Error::invalid_argument(format!(
                    "expected {} but the value is {}",
                    input.dtype,
                    tensor.dtype()
                ))));
            }
            if !input.shape.accepts(tensor.dims()) {
                return Err(in_input(Error::invalid_argument(format!(
                    "expected shape {} but the value has shape {}",
                    input.shape,
                    tensor.shape()
                ))));
            }
            if feeds.iter().any(|(v, _)| *v == input.value) {
                return Err(in_input(Error::invalid_argument(
                    "the input is given twice",
                )));
            }
            feeds.push((input.value, tensor));
        }
        for input in &self.inputs {
            if input.required && !feeds.iter().any(|(v, _)| *v == input.value) {
                return Err(Error::invalid_argument(format!(
                    "no value given for input '{}'",
                    input.key
                )));
            }
        }
        let fetches = self.outputs.iter().map(|(_, v)| *v).collect();
        let results = self.exe.run(
            &budget(&self.limits),
            RunRequest {
                feeds,
                fetches,
                targets: Vec::new(),
            },
        )?;
        Ok(self
            .outputs
            .iter()
            .map(|(k, _)| k.clone())
            .zip(results)
            .collect())
    }
}

/// The sandboxed worker's handler: builds thread pools before the worker
/// is locked down (after that it may not read /sys), then serves.
#[derive(Default)]
pub struct WardHandler {
    pools: Vec<Arc<ThreadPool>>,
    engine: Option<Engine>,
    /// The worker's model runs on every CPU (`__worker --full-width`): its
    /// main thread is pinned too, to the widest pool's first CPU.
    full_width: bool,
}

/// The flag `ward __worker` takes before the sandbox's own arguments.
pub const FULL_WIDTH_FLAG: &str = "--full-width";

impl WardHandler {
    pub fn new(full_width: bool) -> Self {
        WardHandler {
            full_width,
            ..WardHandler::default()
        }
    }

    /// The largest prepared pool with at most `threads` threads (0 = all).
    fn pool(&self, threads: u32) -> Option<Arc<ThreadPool>> {
        let wanted = usize::try_from(threads).unwrap_or(usize::MAX);
        let fits = |p: &&Arc<ThreadPool>| wanted == 0 || p.current_num_threads() <= wanted;
        self.pools
            .iter()
            .filter(fits)
            .max_by_key(|p| p.current_num_threads())
            .cloned()
    }
}

impl ward_sandbox::Handler for WardHandler {
    fn prepare(&mut self) -> Result<()> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut sizes: Vec<usize> = (1..=cores.min(4)).collect();
        sizes.push(cores);
        sizes.dedup();
        for size in sizes {
            // Threads start (and a pool over every CPU pins them, which the
            // seccomp filter would not allow later) before lock-down. The
            // main thread, which serves requests and runs them, is one of
            // the widest pool's threads (a pool can have it only once).
            let pool = if size > 1 && size == cores {
                ward_exec::build_pool_on_this_thread(size, self.full_width)?
            } else {
                ward_exec::build_pool(size)?
            };
            // Every thread has started before this returns.
            pool.broadcast(|_| ());
            // One-time setup that reads /sys must happen before lock-down.
            ward_ops::kernels::gemm::warm_up(&pool)?;
            self.pools.push(Arc::new(pool));
        }
        Ok(())
    }
    fn load(&mut self, req: LoadRequest) -> Result<LoadReply> {
        let pool = self.pool(req.limits.threads);
        let engine = Engine::load(req, pool)?;
        let reply = engine.reply();
        self.engine = Some(engine);
        Ok(reply)
    }
    fn scan(&mut self, req: LoadRequest) -> Result<String> {
        Ok(scan_request(req)?.to_json())
    }
    fn run(&mut self, inputs: Vec<(String, Tensor)>) -> Result<Vec<(String, Tensor)>> {
        self.engine
            .as_ref()
            .ok_or_else(|| Error::failed_precondition("no model is loaded"))?
            .run(inputs)
    }
}

/// `ward scan` on a request's files: what the worker does for a Scan.
pub fn scan_request(req: LoadRequest) -> Result<ward_audit::Report> {
    let policy = if req.policy_toml.trim().is_empty() {
        Policy::default()
    } else {
        Policy::from_toml(&req.policy_toml)?
    };
    let limits = ScanLimits {
        max_model_bytes: u64::MAX,
        memory_bytes: req.limits.memory_bytes,
        ..ScanLimits::default()
    };
    let files = MemFiles::new(req.files);
    let target = match req.kind {
        ModelKind::SavedModel { tag_set, .. } => {
            saved_model_target_in(&files, "model", &tag_set.join(","), &limits)?
        }
        ModelKind::GraphDef { path, .. } => {
            graph_def_target_bytes(&files.read(&path, u64::MAX)?, &path, &limits)?
        }
    };
    scan(&target, &policy, &limits)
}
