//! Executes a validated model under a Budget.

use crate::optimize::{self, OptimizeStats};
use crate::plan::{Estimate, Plan, estimate, plan};
use rayon::ThreadPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use ward_graph::{
    Function, Graph, GraphLimits, Model, NodeId, ValueRef, validate_ops, validate_structure,
};
use ward_ops::{EvalCtx, FunctionRunner, Kernel, Registry, ValueInfo};
use ward_tensor::{Budget, Error, Frame, Result, ResultExt, Tensor};

/// How an executable is built.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Optimize the main graph at load (see [`crate::optimize`]).
    pub optimize: bool,
    /// Intra-op threads; 0 means the number of available cores.
    pub threads: usize,
    pub graph_limits: GraphLimits,
    /// A pool built beforehand (see [`build_pool`]), e.g. by a sandboxed
    /// worker before it loses the right to read /sys; `threads` is then ignored.
    pub pool: Option<Arc<ThreadPool>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            optimize: true,
            threads: 0,
            graph_limits: GraphLimits::default(),
            pool: None,
        }
    }
}

/// The intra-op pool: `threads` workers (0 = available cores) that flush
/// denormals like TF. A pool of two or more threads that spans every CPU
/// this process may use has each thread pinned to its own CPU.
pub fn build_pool(threads: usize) -> Result<ThreadPool> {
    build(threads, false, false)
}

/// [`build_pool`] with the calling thread as the pool's thread 0: a run
/// started on that thread executes in place, where a run from outside the
/// pool hands off to a pool thread and sleeps until woken at the end (two
/// cross-thread wake-ups, 25-35 µs each on a VM). For a thread that does
/// nothing but run models, like the sandboxed worker's main thread. Rayon
/// never frees such a pool: build it once per process.
///
/// The calling thread is pinned to the first CPU, as the other threads are
/// to theirs, only if `pin_caller` (and the pool spans every CPU): right
/// for a process that runs its models on every CPU, wrong where it also
/// runs one-thread models beside other such processes, which would then
/// all stack on that CPU.
pub fn build_pool_on_this_thread(threads: usize, pin_caller: bool) -> Result<ThreadPool> {
    build(threads, true, pin_caller)
}

fn build(threads: usize, on_this_thread: bool, pin_caller: bool) -> Result<ThreadPool> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let cpus = affinity::allowed_cpus();
    let pin = threads > 1 && cpus.len() == threads;
    if on_this_thread
        && pin
        && pin_caller
        && let Some(&cpu) = cpus.first()
    {
        affinity::pin_this_thread(cpu);
    }
    let builder = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ward-intra-op-{i}"))
        // Not called for the calling thread when it joins the pool.
        .start_handler(move |i| {
            ward_ops::kernels::fpenv::flush_denormals_on_this_thread();
            if pin && let Some(&cpu) = cpus.get(i) {
                affinity::pin_this_thread(cpu);
            }
        });
    let builder = if on_this_thread {
        builder.use_current_thread()
    } else {
        builder
    };
    builder
        .build()
        .map_err(|e| Error::internal(format!("cannot start the thread pool: {e}")))
}

/// Why pin: a new process's pool threads were often woken on one CPU, and
/// the scheduler took 10-13 runs of MobileNetV2 (about 40 ms) to move one
/// away, each at one thread's speed; the sandboxed worker, a new process
/// per model, showed it on most starts. Only a pool that uses every allowed
/// CPU is pinned: its threads want one CPU each anyway, whereas pinning a
/// smaller pool could stack several processes' pools on the same CPUs.
#[cfg(target_os = "linux")]
mod affinity {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;

    /// The CPUs this process may run on, in order (empty if unknown).
    pub(super) fn allowed_cpus() -> Vec<usize> {
        let Ok(set) = sched_getaffinity(Pid::from_raw(0)) else {
            return Vec::new();
        };
        (0..CpuSet::count())
            .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
            .collect()
    }

    /// Best effort: a refused pin leaves the thread where it is.
    pub(super) fn pin_this_thread(cpu: usize) {
        let mut set = CpuSet::new();
        if set.set(cpu).is_ok() {
            let _ = sched_setaffinity(Pid::from_raw(0), &set);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod affinity {
    pub(super) fn allowed_cpus() -> Vec<usize> {
        Vec::new()
    }
    pub(super) fn pin_this_thread(_: usize) {}
}

/// What kernels of one graph may keep from its constants at load (packed
/// weights: about the size of the weights again).
const PREPARED_MAX_BYTES: usize = 1 << 30;

/// One graph with a kernel built for each node.
struct CompiledGraph {
    graph: Graph,
    kernels: Vec<Box<dyn Kernel>>,
    output_counts: Vec<usize>,
    /// Bytes the kernels keep prepared from constants.
    prepared_bytes: usize,
}

impl CompiledGraph {
    fn plan(&self, feeds: &[ValueRef], fetches: &[ValueRef], targets: &[NodeId]) -> Result<Plan> {
        plan(&self.graph, &self.output_counts, feeds, fetches, targets)
    }

    /// Builds every node's kernel; with `prepare`, kernels are given their
    /// constant inputs to prepare (weights packed) within
    /// [`PREPARED_MAX_BYTES`].
    fn new(graph: Graph, registry: &Registry, prepare: bool) -> Result<Self> {
        let mut kernels = Vec::with_capacity(graph.len());
        let mut output_counts = Vec::with_capacity(graph.len());
        for node in graph.nodes() {
            let in_node = |e: Error| e.at_node(&node.name, &node.op);
            let def = registry.get(&node.op).ok_or_else(|| {
                in_node(Error::unimplemented(format!(
                    "op '{}' is not supported by ward",
                    node.op
                )))
            })?;
            let count = def.spec.num_outputs(node).map_err(in_node)?;
            let count = count
                .exact()
                .ok_or_else(|| in_node(Error::internal("op has no fixed output count")))?;
            output_counts.push(count);
            kernels.push((def.build)(node).map_err(in_node)?);
        }
        let mut room = PREPARED_MAX_BYTES;
        if prepare {
            for (id, node) in graph.nodes().iter().enumerate() {
                let constants: Vec<Option<Tensor>> = node
                    .inputs
                    .iter()
                    .map(|v| {
                        let source = kernels.get(v.node).filter(|_| v.output == 0);
                        source.and_then(|k| k.constant()).cloned()
                    })
                    .collect();
                if constants.iter().all(Option::is_none) {
                    continue;
                }
                let constants: Vec<Option<&Tensor>> =
                    constants.iter().map(Option::as_ref).collect();
                if let Some(kernel) = kernels.get_mut(id) {
                    kernel.prepare(&constants, &mut room);
                }
            }
        }
        Ok(CompiledGraph {
            graph,
            kernels,
            output_counts,
            prepared_bytes: PREPARED_MAX_BYTES.saturating_sub(room),
        })
    }
}

/// A model ready to run: validated, with kernels built, and a private pool.
pub struct Executable {
    /// The main graph, optimized when `original` is set.
    main: CompiledGraph,
    /// The main graph as loaded, for requests that feed a node other than a
    /// `Placeholder` (an optimization may have bypassed it).
    original: Option<CompiledGraph>,
    stats: OptimizeStats,
    /// The last request's plan and memory estimate: a server runs the same
    /// signature with the same shapes over and over.
    last_run: Mutex<Option<Arc<PlannedRun>>>,
    functions: HashMap<String, (Function, CompiledGraph)>,
    pool: Arc<ThreadPool>,
    max_call_depth: usize,
}

impl std::fmt::Debug for Executable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executable")
            .field("nodes", &self.main.graph.len())
            .field("functions", &self.functions.len())
            .field("threads", &self.pool.current_num_threads())
            .finish()
    }
}

/// Runs whose estimated peak of live values is below this run on the
/// calling thread alone, whatever the pool size. On the 2-core benchmark
/// machine, splitting made the 2-layer transformer (0.56 MB estimated) and
/// the small MLP and CNN (under 64 KB) slower than one thread (0.39 vs
/// 0.32 ms, 0.011 vs 0.003 ms, 0.057 vs 0.042 ms); MobileNetV2 (6 MB)
/// gains 1.6x from two threads.
const PARALLEL_RUN_MIN_BYTES: u64 = 1 << 20;

/// What identifies a request's plan and estimate: which graph, which values
/// are fed (with their dtypes and shapes: inference sees nothing else of
/// them), fetched and run.
#[derive(Debug, PartialEq)]
struct RunKey {
    original: bool,
    feeds: Vec<(ValueRef, ward_tensor::DType, Vec<usize>)>,
    fetches: Vec<ValueRef>,
    targets: Vec<NodeId>,
}

#[derive(Debug)]
struct PlannedRun {
    key: RunKey,
    plan: Plan,
    peak_bytes: u64,
}

/// Which values a run feeds and fetches.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub feeds: Vec<(ValueRef, Tensor)>,
    pub fetches: Vec<ValueRef>,
    /// Nodes to run for their effects only.
    pub targets: Vec<NodeId>,
}

impl Executable {
    /// Validates the model (structure, then every node against its spec) and
    /// builds its kernels.
    pub fn new(model: Model, registry: &Registry, options: &ExecOptions) -> Result<Self> {
        validate_structure(&model, &options.graph_limits)?;
        validate_ops(&model, registry)?;
        let pool = match &options.pool {
            Some(pool) => Arc::clone(pool),
            None => Arc::new(build_pool(options.threads)?),
        };
        let optimized = if options.optimize {
            optimize::optimized(
                &model,
                registry,
                &pool,
                options.graph_limits.max_total_nodes,
            )
        } else {
            None
        };
        let Model { graph, mut library } = model;
        // The rewrite is checked like the model was (with the library its
        // inlined bodies still call); one that does not pass is not used.
        let optimized = optimized.and_then(|(optimized, stats)| {
            let check = Model {
                graph: optimized,
                library: std::mem::take(&mut library),
            };
            let valid = validate_structure(&check, &options.graph_limits)
                .and_then(|()| validate_ops(&check, registry))
                .is_ok();
            let Model {
                graph: optimized,
                library: checked_library,
            } = check;
            library = checked_library;
            valid.then_some((optimized, stats))
        });
        let (main, original, stats) = match optimized {
            Some((optimized, stats)) => (
                CompiledGraph::new(optimized, registry, true)?,
                // Kept for rare requests: nothing prepared.
                Some(CompiledGraph::new(graph, registry, false)?),
                stats,
            ),
            None => (
                CompiledGraph::new(graph, registry, true)?,
                None,
                OptimizeStats::default(),
            ),
        };
        let mut functions = HashMap::with_capacity(library.len());
        for (name, mut function) in library {
            let body = std::mem::take(&mut function.body);
            let compiled =
                CompiledGraph::new(body, registry, false).ctx(Frame::Function(name.clone()))?;
            functions.insert(name, (function, compiled));
        }
        Ok(Executable {
            main,
            original,
            stats,
            last_run: Mutex::new(None),
            functions,
            pool,
            max_call_depth: options.graph_limits.max_call_depth,
        })
    }

    /// The main graph as loaded.
    pub fn graph(&self) -> &Graph {
        &self.original.as_ref().unwrap_or(&self.main).graph
    }

    /// The graph as the optimizer rewrote it, when it did.
    pub fn optimized_graph(&self) -> Option<&Graph> {
        self.original.as_ref().map(|_| &self.main.graph)
    }

    /// Bytes the kernels keep prepared from the model's constants (weights
    /// packed for the f32 product at load).
    pub fn prepared_bytes(&self) -> usize {
        self.main.prepared_bytes
    }

    /// What the load-time optimizer did.
    pub fn optimize_stats(&self) -> &OptimizeStats {
        &self.stats
    }

    /// The graph a request runs on: the optimized one unless it feeds a
    /// node that is not a `Placeholder`.
    fn graph_for(&self, feeds: &[ValueRef], fetches: &[ValueRef]) -> &CompiledGraph {
        let Some(original) = &self.original else {
            return &self.main;
        };
        fn op_of<'g>(g: &'g CompiledGraph, v: &ValueRef) -> Option<&'g str> {
            g.graph.node(v.node).ok().map(|n| n.op.as_str())
        }
        // A feed past a rewrite would be skipped by the fused op, and a
        // rewritten node (a fused BatchNorm) lost its outputs after the first.
        let fed_past = feeds
            .iter()
            .any(|v| op_of(original, v).is_none_or(|op| op != "Placeholder"));
        let fetched_lost = fetches
            .iter()
            .any(|v| v.output > 0 && op_of(original, v) != op_of(&self.main, v));
        if fed_past || fetched_lost {
            original
        } else {
            &self.main
        }
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Plans a run and estimates its peak memory without running it.
    pub fn estimate(&self, request: &RunRequest) -> Result<Estimate> {
        let feeds: Vec<ValueRef> = request.feeds.iter().map(|(v, _)| *v).collect();
        let compiled = self.graph_for(&feeds, &request.fetches);
        let plan = compiled.plan(&feeds, &request.fetches, &request.targets)?;
        Self::estimate_plan(compiled, &plan, request, None)
    }

    fn estimate_plan(
        compiled: &CompiledGraph,
        plan: &Plan,
        request: &RunRequest,
        limit: Option<u64>,
    ) -> Result<Estimate> {
        let infos: Vec<(ValueRef, ValueInfo)> = request
            .feeds
            .iter()
            .map(|(v, t)| (*v, ValueInfo::constant(t.clone())))
            .map(|(v, mut info)| {
                // Feeds are data, not constants the planner may fold.
                info.value = None;
                (v, info)
            })
            .collect();
        estimate(&compiled.graph, &compiled.kernels, plan, &infos, limit)
    }

    /// Runs the graph: validates shapes by inference, refuses a run whose
    /// known peak memory cannot fit the budget, then executes.
    pub fn run(&self, budget: &Budget, request: RunRequest) -> Result<Vec<Tensor>> {
        let feeds: Vec<ValueRef> = request.feeds.iter().map(|(v, _)| *v).collect();
        let compiled = self.graph_for(&feeds, &request.fetches);
        for v in &feeds {
            let node = compiled.graph.node(v.node)?;
            let count = compiled.output_counts.get(v.node).copied().unwrap_or(0);
            if v.output >= count {
                return Err(Error::invalid_argument(format!(
                    "feed refers to output {} of '{}', which has {count} outputs",
                    v.output, node.name
                )));
            }
        }
        let key = RunKey {
            original: !std::ptr::eq(compiled, &self.main),
            feeds: request
                .feeds
                .iter()
                .map(|(v, t)| (*v, t.dtype(), t.dims().to_vec()))
                .collect(),
            fetches: request.fetches.clone(),
            targets: request.targets.clone(),
        };
        let remaining = budget.remaining();
        let cached = self
            .last_run
            .lock()
            .ok()
            .and_then(|last| last.as_ref().filter(|r| r.key == key).cloned());
        let planned = match cached {
            // The same request fits as it did: inference would repeat itself.
            Some(planned) if planned.peak_bytes <= remaining => planned,
            _ => {
                let plan = compiled.plan(&feeds, &request.fetches, &request.targets)?;
                // Refuses a run that cannot fit before anything is allocated.
                let estimate = Self::estimate_plan(compiled, &plan, &request, Some(remaining))?;
                let planned = Arc::new(PlannedRun {
                    key,
                    plan,
                    peak_bytes: estimate.peak_bytes,
                });
                if let Ok(mut last) = self.last_run.lock() {
                    *last = Some(Arc::clone(&planned));
                }
                planned
            }
        };
        let plan = &planned.plan;
        // TF semantics: denormals flush to zero while the model runs.
        let _denormals = ward_ops::kernels::fpenv::FlushDenormals::enable();
        let runner = Runner {
            exe: self,
            depth: 0,
        };
        let ctx = EvalCtx {
            budget,
            pool: &self.pool,
            functions: &runner,
        };
        // The whole run executes on the pool: a kernel that splits its work
        // shares it with the pool's other threads while this one takes a
        // share, instead of waking them all and idling (on a machine with
        // as many cores as pool threads, an idle caller competes with them).
        // With one thread nothing is shared, and the hand-off would cost.
        let run = || execute(compiled, plan, &ctx, request.feeds, &request.fetches);
        if self.pool.current_num_threads() > 1 && planned.peak_bytes >= PARALLEL_RUN_MIN_BYTES {
            self.pool.install(run)
        } else {
            // A small model's ops are too short to split: every hand-off
            // between threads would cost more than it saves.
            ward_ops::kernels::gemm::sequential(run)
        }
    }
}

/// A value slot during execution. `Dead` is TensorFlow's dead tensor: the
/// untaken output of a `Switch`, and everything computed from it.
#[derive(Clone)]
enum Slot {
    Pending,
    Live(Tensor),
    Dead,
}

/// Executes one planned graph.
fn execute(
    compiled: &CompiledGraph,
    plan: &Plan,
    ctx: &EvalCtx<'_>,
    feeds: Vec<(ValueRef, Tensor)>,
    fetches: &[ValueRef],
) -> Result<Vec<Tensor>> {
    let graph = &compiled.graph;
    // Every node's output slots and remaining reads, flat (two allocations
    // per run, not two per node): node `n`'s start at `offsets[n]`.
    let mut offsets = Vec::with_capacity(compiled.output_counts.len().saturating_add(1));
    let mut total = 0usize;
    for &c in &compiled.output_counts {
        offsets.push(total);
        total = total.saturating_add(c);
    }
    offsets.push(total);
    let mut values = Values {
        offsets: &offsets,
        slots: vec![Slot::Pending; total],
        remaining: vec![0usize; total],
    };
    for (node, uses) in plan.uses.iter().enumerate() {
        let start = offsets.get(node).copied().unwrap_or(total);
        if let Some(dst) = values
            .remaining
            .get_mut(start..)
            .and_then(|r| r.get_mut(..uses.len()))
        {
            dst.copy_from_slice(uses);
        }
    }
    // Nodes skipped because an input was dead; their control edges carry deadness.
    let mut dead_nodes = vec![false; graph.len()];
    let fed: HashMap<ValueRef, Tensor> = feeds.into_iter().collect();

    for &id in &plan.order {
        ctx.budget.check()?;
        let node = graph.node(id)?;
        let kernel = compiled
            .kernels
            .get(id)
            .ok_or_else(|| Error::internal("missing kernel"))?;
        let mut inputs = Vec::with_capacity(node.inputs.len());
        for (i, input) in node.inputs.iter().enumerate() {
            let value = if let Some(t) = fed.get(input) {
                Some(t.clone())
            } else {
                values
                    .take(*input)
                    .map_err(|e| e.at_input(i).at_node(&node.name, &node.op))?
            };
            inputs.push(value);
        }
        let control_dead = node
            .control_inputs
            .iter()
            .any(|&c| dead_nodes.get(c) == Some(&true));
        let expected = compiled.output_counts.get(id).copied().unwrap_or(0);
        let outputs: Vec<Slot> = match node.op.as_str() {
            "Merge" => merge(inputs),
            _ if control_dead || inputs.iter().any(Option::is_none) => vec![Slot::Dead; expected],
            "Switch" => switch(inputs).at_node(&node.name, &node.op)?,
            _ => {
                let live: Vec<Tensor> = inputs.into_iter().flatten().collect();
                kernel
                    .eval(ctx, live)
                    .at_node(&node.name, &node.op)?
                    .into_iter()
                    .map(Slot::Live)
                    .collect()
            }
        };
        if outputs.len() != expected {
            return Err(Error::internal(format!(
                "kernel produced {} outputs, {expected} expected",
                outputs.len()
            ))
            .at_node(&node.name, &node.op));
        }
        let is_dead = outputs.iter().all(|o| matches!(o, Slot::Dead)) && expected > 0
            || control_dead && node.op != "Merge";
        if is_dead && let Some(d) = dead_nodes.get_mut(id) {
            *d = true;
        }
        let range = values.range(id)?;
        let Values {
            slots, remaining, ..
        } = &mut values;
        let (Some(slots), Some(uses)) = (slots.get_mut(range.clone()), remaining.get(range)) else {
            return Err(Error::internal("missing value slots"));
        };
        for ((slot, value), &count) in slots.iter_mut().zip(outputs).zip(uses) {
            // Unread outputs are dropped at once, returning their memory.
            if count > 0 {
                *slot = value;
            }
        }
    }
    let mut results = Vec::with_capacity(fetches.len());
    for fetch in fetches {
        let tensor = match fed.get(fetch) {
            Some(t) => Some(t.clone()),
            None => values.take(*fetch)?,
        };
        let name = graph
            .node(fetch.node)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        results.push(tensor.ok_or_else(|| {
            Error::invalid_argument(format!(
                "fetched value '{name}:{}' was not computed: it is on a branch that was not taken",
                fetch.output
            ))
        })?);
    }
    Ok(results)
}

/// Merge: forwards the first live input and its index; dead if none is.
fn merge(inputs: Vec<Option<Tensor>>) -> Vec<Slot> {
    match inputs
        .into_iter()
        .enumerate()
        .find_map(|(i, v)| v.map(|t| (i, t)))
    {
        Some((index, tensor)) => {
            let index = i32::try_from(index).unwrap_or(i32::MAX);
            vec![Slot::Live(tensor), Slot::Live(Tensor::scalar(index))]
        }
        None => vec![Slot::Dead, Slot::Dead],
    }
}

/// Switch: the data goes to output 1 when the predicate holds, else to
/// output 0; the other output is dead.
fn switch(inputs: Vec<Option<Tensor>>) -> Result<Vec<Slot>> {
    let mut inputs = inputs.into_iter().flatten();
    let (Some(data), Some(pred)) = (inputs.next(), inputs.next()) else {
        return Err(Error::invalid_argument("Switch needs data and a predicate"));
    };
    if pred.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "Switch predicate must be a scalar, got shape {}",
            pred.shape()
        ))
        .at_input(1));
    }
    let taken = pred
        .as_slice::<bool>()
        .map_err(|e| e.at_input(1))?
        .first()
        .copied()
        .unwrap_or(false);
    Ok(if taken {
        vec![Slot::Dead, Slot::Live(data)]
    } else {
        vec![Slot::Live(data), Slot::Dead]
    })
}

/// Reads a value (None if dead), moving it out on its last use so its
/// buffer can be reused in place or freed.
/// The run's values: each output's slot and how many reads remain.
struct Values<'a> {
    offsets: &'a [usize],
    slots: Vec<Slot>,
    remaining: Vec<usize>,
}

impl Values<'_> {
    fn range(&self, node: NodeId) -> Result<std::ops::Range<usize>> {
        match (
            self.offsets.get(node),
            self.offsets.get(node.saturating_add(1)),
        ) {
            (Some(&start), Some(&end)) => Ok(start..end),
            _ => Err(Error::internal(format!("node id {node} out of range"))),
        }
    }

    /// Reads `v` once: the tensor itself on its last read (so its buffer
    /// can be reused in place), a shared handle before.
    fn take(&mut self, v: ValueRef) -> Result<Option<Tensor>> {
        let missing = || Error::internal(format!("value {v} was not computed"));
        let range = self.range(v.node)?;
        let index = range
            .start
            .checked_add(v.output)
            .filter(|i| range.contains(i))
            .ok_or_else(missing)?;
        let count = self.remaining.get_mut(index).ok_or_else(missing)?;
        *count = count.saturating_sub(1);
        let last = *count == 0;
        let slot = self.slots.get_mut(index).ok_or_else(missing)?;
        match slot {
            Slot::Dead => Ok(None),
            Slot::Pending => Err(missing()),
            Slot::Live(_) if last => match std::mem::replace(slot, Slot::Pending) {
                Slot::Live(t) => Ok(Some(t)),
                _ => Err(missing()),
            },
            Slot::Live(t) => Ok(Some(t.clone())),
        }
    }
}

/// Runs library functions for call and control-flow kernels.
struct Runner<'a> {
    exe: &'a Executable,
    depth: usize,
}

impl FunctionRunner for Runner<'_> {
    fn call(&self, name: &str, inputs: Vec<Tensor>, ctx: &EvalCtx<'_>) -> Result<Vec<Tensor>> {
        let with_fn = |e: Error| e.with(Frame::Function(name.to_string()));
        if self.depth >= self.exe.max_call_depth {
            return Err(with_fn(Error::resource_exhausted(format!(
                "function calls nest deeper than {}",
                self.exe.max_call_depth
            ))));
        }
        let (function, compiled) =
            self.exe.functions.get(name).ok_or_else(|| {
                Error::not_found(format!("function '{name}' is not in the library"))
            })?;
        if inputs.len() != function.args.len() {
            return Err(with_fn(Error::invalid_argument(format!(
                "function takes {} arguments but was called with {}",
                function.args.len(),
                inputs.len()
            ))));
        }
        let feeds: Vec<(ValueRef, Tensor)> = function
            .args
            .iter()
            .map(|&id| ValueRef::new(id, 0))
            .zip(inputs)
            .collect();
        let fetches: Vec<ValueRef> = function.results.iter().map(|(_, v)| *v).collect();
        let fed: Vec<ValueRef> = feeds.iter().map(|(v, _)| *v).collect();
        let plan = compiled
            .plan(&fed, &fetches, &function.control_results)
            .map_err(with_fn)?;
        let inner = Runner {
            exe: self.exe,
            depth: self.depth.saturating_add(1),
        };
        let inner_ctx = EvalCtx {
            budget: ctx.budget,
            pool: ctx.pool,
            functions: &inner,
        };
        execute(compiled, &plan, &inner_ctx, feeds, &fetches).map_err(with_fn)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_over_every_cpu_has_one_cpu_per_thread_and_others_are_free() {
        let cpus = affinity::allowed_cpus();
        if cfg!(target_os = "linux") {
            assert!(!cpus.is_empty());
        }
        if cpus.len() > 1 {
            let pool = build_pool(cpus.len()).unwrap();
            let mut each = pool.broadcast(|_| affinity::allowed_cpus());
            each.sort();
            let expected: Vec<Vec<usize>> = cpus.iter().map(|&c| vec![c]).collect();
            assert_eq!(each, expected);
            let smaller = build_pool(cpus.len() - 1).unwrap();
            for seen in smaller.broadcast(|_| affinity::allowed_cpus()) {
                assert_eq!(seen, cpus);
            }
        }
    }

    #[test]
    fn a_pool_on_this_thread_runs_installed_work_in_place() {
        // A fresh thread: rayon keeps it in the pool for good.
        std::thread::spawn(|| {
            let caller = std::thread::current().id();
            let pool = build_pool_on_this_thread(2, false).unwrap();
            assert_eq!(pool.current_num_threads(), 2);
            assert_eq!(pool.current_thread_index(), Some(0));
            let (here, sum) = pool.install(|| {
                let here = std::thread::current().id();
                let (a, b) = rayon::join(
                    || (0..1000u64).sum::<u64>(),
                    || (1000..2000u64).sum::<u64>(),
                );
                (here, a + b)
            });
            assert_eq!(here, caller);
            assert_eq!(sum, (0..2000u64).sum::<u64>());
            // The other thread is pinned like any full pool's; this one is not.
            let cpus = affinity::allowed_cpus();
            if cpus.len() == 2 {
                let seen = pool.broadcast(|_| affinity::allowed_cpus());
                assert!(seen.contains(&cpus));
                assert!(seen.contains(&cpus.get(1..).unwrap().to_vec()));
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_pool_on_this_thread_pins_its_caller_when_asked() {
        std::thread::spawn(|| {
            let cpus = affinity::allowed_cpus();
            let pool = build_pool_on_this_thread(cpus.len(), true).unwrap();
            let seen = pool.broadcast(|_| affinity::allowed_cpus());
            if cpus.len() > 1 {
                // Every thread, the caller included, on a CPU of its own.
                let mut pinned: Vec<Vec<usize>> = cpus.iter().map(|&c| vec![c]).collect();
                let mut seen = seen;
                pinned.sort();
                seen.sort();
                assert_eq!(seen, pinned);
            } else {
                assert_eq!(seen, vec![cpus]);
            }
        })
        .join()
        .unwrap();
    }
}
