//! Load-time graph rewrites that make inference faster without changing its
//! results: function-call inlining, constant folding, and folding a
//! convolution's following per-channel scale, bias and activation into one
//! fused op (BatchNorm folding), and dropping control edges from
//! constants. TF's grappler does the same before TF runs
//! a graph. Dense layers (`MatMul` → bias → activation) fuse the same way.
//!
//! Every rewrite keeps node ids and names: a rewritten node computes what it
//! computed before (a folded node becomes a `Const`, the last node of a
//! fused chain becomes the fused op), new nodes are appended, and nodes that
//! are no longer read stay in the graph (the per-run plan skips them unless
//! they are fetched). So fetching any node still works. Feeding a node that
//! is not a `Placeholder` could bypass a rewrite; the executor runs such a
//! request on the original graph.
//!
//! Nothing here may fail a load: a rewrite that does not apply, or a fold
//! whose kernel errors, leaves the graph as it was.

use rayon::ThreadPool;
use std::collections::HashMap;
use std::time::Duration;
use ward_graph::{Attr, Capability, Graph, Library, Model, Node, NodeId, TypeAttr, ValueRef};
use ward_ops::{EvalCtx, FunctionRunner, Registry, ValueInfo};
use ward_tensor::{Budget, DType, Error, Limits, Result, Shape, Tensor};

/// Largest value constant folding may create, and the most it may add in
/// all: folding must not turn a small graph into a large resident one (a
/// `Fill` of a huge shape).
const MAX_FOLDED_BYTES: usize = 16 << 20;
const MAX_TOTAL_FOLDED_BYTES: usize = 64 << 20;
/// Memory one fold may use while it runs, and the time all folds share:
/// an untrusted graph cannot make loading slow or large by folding (what
/// is not folded in time is computed when the model runs, under its
/// budget).
const FOLD_MEMORY: u64 = 64 << 20;
const FOLD_TIME: Duration = Duration::from_secs(2);
/// Rounds of inlining (nested calls); a recursive function stops here.
const MAX_INLINE_ROUNDS: usize = 8;

/// What the optimizer did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OptimizeStats {
    pub inlined_calls: usize,
    pub folded_nodes: usize,
    /// Zero `Pad`s merged into the convolution after them.
    pub folded_pads: usize,
    /// Convolutions and matrix products that absorbed what followed them.
    pub fused_layers: usize,
    /// Control edges from constants dropped (they only kept the constant
    /// running).
    pub constant_control_edges: usize,
}

impl OptimizeStats {
    pub fn changed(&self) -> bool {
        *self != OptimizeStats::default()
    }
}

/// Rewrites `graph` in place (see the module docs). `max_nodes` bounds its
/// growth by inlining.
pub fn optimize(
    graph: &mut Graph,
    library: &Library,
    registry: &Registry,
    pool: &ThreadPool,
    max_nodes: usize,
) -> OptimizeStats {
    let mut stats = OptimizeStats::default();
    for _ in 0..MAX_INLINE_ROUNDS {
        let inlined = inline_calls(graph, library, max_nodes);
        if inlined == 0 {
            break;
        }
        stats.inlined_calls = stats.inlined_calls.saturating_add(inlined);
    }
    // Before folding (a node waiting on a constant is not folded) and
    // after (folded nodes are constants too).
    let early = drop_constant_control_edges(graph);
    stats.folded_nodes = fold_constants(graph, registry, pool);
    stats.constant_control_edges = early.saturating_add(drop_constant_control_edges(graph));
    stats.folded_pads = fold_pads(graph);
    stats.fused_layers = fuse_convolutions(graph);
    stats
}

// ---------------------------------------------------------------- inlining

fn is_call(op: &str) -> bool {
    matches!(op, "PartitionedCall" | "StatefulPartitionedCall")
}

/// Inlines every call (one level) whose function body can be copied
/// as is. Returns how many were inlined.
fn inline_calls(graph: &mut Graph, library: &Library, max_nodes: usize) -> usize {
    let calls: Vec<NodeId> = graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| is_call(&n.op) && n.control_inputs.is_empty())
        .map(|(id, _)| id)
        .collect();
    let mut inlined = 0usize;
    for call in calls {
        if inline_one(graph, library, call, max_nodes).is_ok_and(|done| done) {
            inlined = inlined.saturating_add(1);
        }
    }
    inlined
}

/// Copies the called function's body into `graph` under the call's name
/// and turns the call into an `IdentityN` of the body's results.
fn inline_one(
    graph: &mut Graph,
    library: &Library,
    call: NodeId,
    max_nodes: usize,
) -> Result<bool> {
    let node = graph.node(call)?.clone();
    let Some(Attr::Func(f)) = node.attrs.get("f") else {
        return Ok(false);
    };
    // A call with bound attributes instantiates a generic function.
    if !f.attrs.is_empty() {
        return Ok(false);
    }
    let Some(function) = library.get(&f.name) else {
        return Ok(false);
    };
    let body = &function.body;
    if function.args.len() != node.inputs.len()
        || graph.len().saturating_add(body.len()) > max_nodes
        || body
            .nodes()
            .iter()
            .any(|n| n.attrs.values().any(|a| matches!(a, Attr::Placeholder(_))))
    {
        return Ok(false);
    }
    // Body node id -> the value or node that replaces it in `graph`.
    let arg_index: HashMap<NodeId, usize> = function
        .args
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    let mut new_ids: HashMap<NodeId, NodeId> = HashMap::with_capacity(body.len());
    let base = graph.len();
    let mut next = base;
    for (id, body_node) in body.nodes().iter().enumerate() {
        if arg_index.contains_key(&id) {
            continue;
        }
        let name = format!("{}/{}", node.name, body_node.name);
        if graph.find(&name).is_some() {
            return Ok(false);
        }
        new_ids.insert(id, next);
        next = next.saturating_add(1);
    }
    let map_value = |v: &ValueRef| -> Option<ValueRef> {
        match arg_index.get(&v.node) {
            Some(&i) => node.inputs.get(i).copied(),
            None => new_ids.get(&v.node).map(|&n| ValueRef::new(n, v.output)),
        }
    };
    let map_control = |c: &NodeId| -> Option<NodeId> {
        match arg_index.get(c) {
            Some(&i) => node.inputs.get(i).map(|v| v.node),
            None => new_ids.get(c).copied(),
        }
    };
    let mut copies = Vec::with_capacity(new_ids.len());
    for (id, body_node) in body.nodes().iter().enumerate() {
        if arg_index.contains_key(&id) {
            continue;
        }
        let mut copy = Node::new(format!("{}/{}", node.name, body_node.name), &body_node.op);
        copy.attrs = body_node.attrs.clone();
        copy.inputs = body_node
            .inputs
            .iter()
            .map(map_value)
            .collect::<Option<_>>()
            .ok_or_else(|| Error::internal("dangling body input"))?;
        copy.control_inputs = body_node
            .control_inputs
            .iter()
            .map(map_control)
            .collect::<Option<_>>()
            .ok_or_else(|| Error::internal("dangling body control input"))?;
        copies.push(copy);
    }
    let results: Vec<ValueRef> = function
        .results
        .iter()
        .map(|(_, v)| map_value(v))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::internal("dangling function result"))?;
    let control_results: Vec<NodeId> = function
        .control_results
        .iter()
        .map(map_control)
        .collect::<Option<_>>()
        .ok_or_else(|| Error::internal("dangling control result"))?;
    let result_types: Vec<TypeAttr> = function.result_types.clone();
    if result_types.len() != results.len() {
        return Ok(false);
    }
    for copy in copies {
        graph.add(copy)?;
    }
    let replacement = graph.node_mut(call)?;
    let mut identity = Node::new(replacement.name.clone(), "IdentityN");
    identity.inputs = results;
    identity.control_inputs = control_results;
    identity
        .attrs
        .insert("T".into(), Attr::TypeList(result_types));
    *replacement = identity;
    Ok(true)
}

// ------------------------------------------------------- constant folding

struct NoCalls;
impl FunctionRunner for NoCalls {
    fn call(&self, name: &str, _: Vec<Tensor>, _: &EvalCtx<'_>) -> Result<Vec<Tensor>> {
        Err(Error::internal(format!(
            "constant folding does not call functions ('{name}')"
        )))
    }
}

/// Nodes in an order where every data and control input comes first;
/// nodes on a cycle are left out.
fn topological_order(graph: &Graph) -> Vec<NodeId> {
    let n = graph.len();
    let mut pending = vec![0usize; n];
    let mut readers: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (id, node) in graph.nodes().iter().enumerate() {
        let sources = node
            .inputs
            .iter()
            .map(|v| v.node)
            .chain(node.control_inputs.iter().copied());
        for src in sources {
            if let (Some(r), Some(p)) = (readers.get_mut(src), pending.get_mut(id)) {
                r.push(id);
                *p = p.saturating_add(1);
            }
        }
    }
    let mut order: Vec<NodeId> = (0..n).filter(|&id| pending.get(id) == Some(&0)).collect();
    let mut i = 0;
    while let Some(&id) = order.get(i) {
        i = i.saturating_add(1);
        for &r in readers.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(p) = pending.get_mut(r) {
                *p = p.saturating_sub(1);
                if *p == 0 {
                    order.push(r);
                }
            }
        }
    }
    order
}

/// The value of a `Const` node without control inputs.
fn const_value(node: &Node) -> Option<&Tensor> {
    if node.op != "Const" || !node.control_inputs.is_empty() {
        return None;
    }
    match node.attrs.get("value") {
        Some(Attr::Tensor(t)) => Some(t),
        _ => None,
    }
}

/// Drops control edges from `Const` nodes without control inputs of their
/// own: such a constant is never dead and has no effect to order, so the
/// edge only made every run compute it. TF2 functions end in a `NoOp`
/// waiting on each variable read, and a frozen read is a constant: 262 of
/// them in MobileNetV2. Returns how many edges went.
fn drop_constant_control_edges(graph: &mut Graph) -> usize {
    let constant: Vec<bool> = graph
        .nodes()
        .iter()
        .map(|n| const_value(n).is_some())
        .collect();
    let mut dropped = 0usize;
    for id in 0..graph.len() {
        let Ok(node) = graph.node_mut(id) else {
            continue;
        };
        let before = node.control_inputs.len();
        node.control_inputs
            .retain(|&c| constant.get(c).copied() != Some(true));
        dropped = dropped.saturating_add(before.saturating_sub(node.control_inputs.len()));
    }
    dropped
}

fn make_const(name: String, value: Tensor) -> Node {
    let mut node = Node::new(name, "Const");
    node.attrs
        .insert("dtype".into(), Attr::Type(TypeAttr::Data(value.dtype())));
    node.attrs.insert("value".into(), Attr::Tensor(value));
    node
}

/// Replaces each pure single-output node whose inputs are all constants
/// by a `Const` holding its value. Returns how many were folded.
fn fold_constants(graph: &mut Graph, registry: &Registry, pool: &ThreadPool) -> usize {
    let mut folded = 0usize;
    let mut folded_bytes = 0usize;
    // Folded values must be what a run computes: denormals flushed, as TF.
    let _denormals = ward_ops::kernels::fpenv::FlushDenormals::enable();
    let budget = Budget::new(&Limits {
        memory_bytes: FOLD_MEMORY,
        timeout: Some(FOLD_TIME),
        ..Limits::default()
    });
    for id in topological_order(graph) {
        if budget.check().is_err() {
            break;
        }
        let Ok(node) = graph.node(id) else { continue };
        let Some(value) = fold_one(graph, node, registry, pool, &budget) else {
            continue;
        };
        folded_bytes = folded_bytes.saturating_add(value.charged_bytes());
        if folded_bytes > MAX_TOTAL_FOLDED_BYTES {
            break;
        }
        if let Ok(node) = graph.node_mut(id) {
            *node = make_const(node.name.clone(), value);
            folded = folded.saturating_add(1);
        }
    }
    folded
}

fn fold_one(
    graph: &Graph,
    node: &Node,
    registry: &Registry,
    pool: &ThreadPool,
    budget: &Budget,
) -> Option<Tensor> {
    if node.op == "Const" || node.inputs.is_empty() || !node.control_inputs.is_empty() {
        return None;
    }
    let def = registry.get(&node.op)?;
    // Pure ops, and reads of variables already bound to their values.
    if !matches!(
        def.spec.capability,
        Capability::Pure | Capability::VariableRead
    ) {
        return None;
    }
    if def.spec.num_outputs(node).ok()?.exact()? != 1 {
        return None;
    }
    let inputs: Vec<Tensor> = node
        .inputs
        .iter()
        .map(|v| {
            if v.output != 0 {
                return None;
            }
            graph.node(v.node).ok().and_then(const_value).cloned()
        })
        .collect::<Option<_>>()?;
    let kernel = (def.build)(node).ok()?;
    // The output's size must be known, and small, before anything runs.
    let infos: Vec<ValueInfo> = inputs.iter().cloned().map(ValueInfo::constant).collect();
    let out = kernel.infer(&infos).ok()?;
    let info = out.first()?;
    let dims = info.shape.concrete()?;
    let dtype = match info.dtype? {
        TypeAttr::Data(d) => d,
        _ => return None,
    };
    let elements = Shape::new(dims).ok()?.num_elements().ok()?;
    // Strings (no fixed size) are not folded.
    if elements.checked_mul(dtype.size_of()?)? > MAX_FOLDED_BYTES {
        return None;
    }
    let ctx = EvalCtx {
        budget,
        pool,
        functions: &NoCalls,
    };
    let value = kernel.eval(&ctx, inputs).ok()?.into_iter().next()?;
    // Detached from the fold's budget: it is now part of the model.
    let value = Tensor::from_storage(value.shape().clone(), value.storage().clone(), None).ok()?;
    (value.dtype() == dtype).then_some(value)
}

// ------------------------------------------------------ convolution fusion

/// `Pad` (zeros, spatial dims only, constant paddings) read only by a
/// VALID `Conv2D`/`DepthwiseConv2dNative` becomes the convolution's
/// explicit padding: Keras' ZeroPadding2D before strided convolutions.
fn fold_pads(graph: &mut Graph) -> usize {
    let readers = Readers::of(graph);
    let mut rewrites = Vec::new();
    for (id, conv) in graph.nodes().iter().enumerate() {
        if !matches!(conv.op.as_str(), "Conv2D" | "DepthwiseConv2dNative")
            || !matches!(conv.attrs.get("padding"), Some(Attr::Str(p)) if p == b"VALID")
            || matches!(conv.attrs.get("data_format"), Some(Attr::Str(f)) if f != b"NHWC")
        {
            continue;
        }
        let Some(&x) = conv.inputs.first() else {
            continue;
        };
        let Ok(pad) = graph.node(x.node) else {
            continue;
        };
        if pad.op != "Pad"
            || x.output != 0
            || readers.sole(x.node) != Some(id)
            || !pad.control_inputs.is_empty()
            || pad.attrs.get("T") != conv.attrs.get("T")
        {
            continue;
        }
        let (Some(&input), Some(paddings)) = (pad.inputs.first(), pad.inputs.get(1)) else {
            continue;
        };
        let Some(amounts) = graph
            .node(paddings.node)
            .ok()
            .and_then(const_value)
            .filter(|t| t.dims() == [4, 2])
            .and_then(|t| t.to_i64_vec().ok())
        else {
            continue;
        };
        let [0, 0, t, b, l, r, 0, 0] = amounts.as_slice() else {
            continue;
        };
        if [t, b, l, r].iter().any(|&&v| v < 0) {
            continue;
        }
        rewrites.push((id, input, vec![0, 0, *t, *b, *l, *r, 0, 0]));
    }
    let count = rewrites.len();
    for (id, input, explicit) in rewrites {
        if let Ok(conv) = graph.node_mut(id)
            && let Some(first) = conv.inputs.first_mut()
        {
            *first = input;
            conv.attrs
                .insert("padding".into(), Attr::Str(b"EXPLICIT".to_vec()));
            conv.attrs
                .insert("explicit_paddings".into(), Attr::IntList(explicit));
        }
    }
    count
}

/// Which nodes read each node's outputs (data edges) and whether any node
/// waits on it (control edges).
struct Readers {
    data: Vec<Vec<NodeId>>,
    control: Vec<bool>,
    /// Whether anything reads an output past the first.
    later_outputs: Vec<bool>,
}

impl Readers {
    fn of(graph: &Graph) -> Readers {
        let mut data = vec![Vec::new(); graph.len()];
        let mut control = vec![false; graph.len()];
        let mut later_outputs = vec![false; graph.len()];
        for (id, node) in graph.nodes().iter().enumerate() {
            for v in &node.inputs {
                if let Some(r) = data.get_mut(v.node) {
                    r.push(id);
                }
                if v.output > 0
                    && let Some(l) = later_outputs.get_mut(v.node)
                {
                    *l = true;
                }
            }
            for &c in &node.control_inputs {
                if let Some(c) = control.get_mut(c) {
                    *c = true;
                }
            }
        }
        Readers {
            data,
            control,
            later_outputs,
        }
    }

    /// The one node reading `id`'s value, if exactly one does (once).
    fn sole(&self, id: NodeId) -> Option<NodeId> {
        if self.control.get(id) != Some(&false) {
            return None;
        }
        match self.data.get(id)?.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }
}

fn is_f32(node: &Node) -> bool {
    matches!(
        node.attrs.get("T"),
        Some(Attr::Type(TypeAttr::Data(DType::F32)))
    )
}

/// The f32 per-channel values of a constant operand that broadcasts along
/// the last axis of a value of `rank` with `channels` channels without
/// changing its shape: a scalar, `[C]`, or `[1, .., 1, C]` of rank ≤ `rank`.
fn per_channel(graph: &Graph, v: ValueRef, channels: usize, rank: usize) -> Option<Vec<f32>> {
    if v.output != 0 {
        return None;
    }
    let t = const_value(graph.node(v.node).ok()?)?;
    let values = t.as_slice::<f32>().ok()?;
    let dims = t.dims();
    if dims.len() > rank {
        return None;
    }
    let (last, lead) = dims.split_last().map_or((1, &[][..]), |(l, r)| (*l, r));
    if lead.iter().any(|&d| d != 1) {
        return None;
    }
    match (last, values) {
        (1, [v]) => Some(vec![*v; channels]),
        (c, vals) if c == channels && vals.len() == channels => Some(vals.to_vec()),
        _ => None,
    }
}

/// The other operand of a binary node reading `from`.
fn other_operand(node: &Node, from: NodeId) -> Option<ValueRef> {
    match node.inputs.as_slice() {
        [a, b] if a.node == from && b.node != from && a.output == 0 => Some(*b),
        [a, b] if b.node == from && a.node != from && b.output == 0 => Some(*a),
        _ => None,
    }
}

/// A convolution followed by what folds into it.
struct Chain {
    conv: NodeId,
    /// Output channels (columns of a MatMul).
    channels: usize,
    scale: Option<Vec<f32>>,
    bias: Option<Vec<f32>>,
    activation: Option<(String, Option<Attr>)>,
    /// The node the fused op replaces (the chain's last).
    last: NodeId,
    /// Every node of the chain, for their control inputs.
    members: Vec<NodeId>,
}

/// Finds `Conv2D | DepthwiseConv2dNative` (f32, NHWC, constant filter) or
/// `MatMul` (f32, constant right operand) → optional bias (`Add`/`AddV2`/
/// `BiasAdd` of a per-channel constant, or `Sub`) when a scale follows →
/// optional `Mul` by a per-channel constant or inference `FusedBatchNorm`
/// (convolutions only) → optional bias → optional Relu/Relu6/Elu/
/// LeakyRelu, each link the only reader of the one before.
fn find_chain(graph: &Graph, readers: &Readers, conv: NodeId) -> Option<Chain> {
    let node = graph.node(conv).ok()?;
    if !matches!(
        node.op.as_str(),
        "Conv2D" | "DepthwiseConv2dNative" | "MatMul"
    ) || !is_f32(node)
    {
        return None;
    }
    if matches!(node.attrs.get("data_format"), Some(a) if !matches!(a, Attr::Str(s) if s == b"NHWC"))
    {
        return None;
    }
    let weights = node.inputs.get(1)?;
    let w = const_value(graph.node(weights.node).ok()?)?;
    if weights.output != 0 || w.dtype() != DType::F32 {
        return None;
    }
    let transpose_b = matches!(node.attrs.get("transpose_b"), Some(Attr::Bool(true)));
    let (channels, rank) = match (node.op.as_str(), w.dims()) {
        ("DepthwiseConv2dNative", [_, _, c, m]) => (c.checked_mul(*m)?, 4),
        ("Conv2D", [_, _, _, o]) => (*o, 4),
        ("MatMul", [n, _]) if transpose_b => (*n, 2),
        ("MatMul", [_, n]) => (*n, 2),
        _ => return None,
    };
    let mut chain = Chain {
        conv,
        channels,
        scale: None,
        bias: None,
        activation: None,
        last: conv,
        members: vec![conv],
    };
    let step = |chain: &mut Chain, next: NodeId| {
        chain.last = next;
        chain.members.push(next);
    };
    // A per-channel bias added by `n` to `from`'s output.
    let bias_of = |n: &Node, from: NodeId| -> Option<Vec<f32>> {
        if !is_f32(n) {
            return None;
        }
        let operand = match n.op.as_str() {
            "Add" | "AddV2" => other_operand(n, from),
            "BiasAdd" => match (n.inputs.as_slice(), n.attrs.get("data_format")) {
                ([x, b], None) if x.node == from => Some(*b),
                ([x, b], Some(Attr::Str(f))) if x.node == from && f == b"NHWC" => Some(*b),
                _ => None,
            },
            // x - c only (not c - x).
            "Sub" => match n.inputs.as_slice() {
                [x, c] if x.node == from && c.node != from => Some(*c),
                _ => None,
            },
            _ => None,
        };
        let mut bias = per_channel(graph, operand?, channels, rank)?;
        if n.op == "Sub" {
            bias.iter_mut().for_each(|b| *b = -*b);
        }
        Some(bias)
    };
    // An inference FusedBatchNorm after `from`: its scale and shift.
    let batch_norm_after = |from: NodeId| {
        let next = readers.sole(from)?;
        if rank != 4 || readers.later_outputs.get(next) != Some(&false) {
            return None;
        }
        batch_norm_constants(graph, next, from, channels).map(|c| (next, c))
    };
    // A `Mul` by a per-channel constant after `from`: the scale.
    let mul_after = |from: NodeId| {
        let next = readers.sole(from)?;
        let n = graph.node(next).ok()?;
        if rank != 4 || n.op != "Mul" || !is_f32(n) {
            return None;
        }
        let scale = other_operand(n, from).and_then(|v| per_channel(graph, v, channels, rank))?;
        Some((next, scale))
    };
    // The scale after `from` (a batch norm's, with its shift, or a `Mul`).
    let scale_after = |from: NodeId| {
        batch_norm_after(from)
            .map(|(next, (scale, shift))| (next, scale, Some(shift)))
            .or_else(|| mul_after(from).map(|(next, scale)| (next, scale, None)))
    };
    // A bias before the scale (Keras' Conv2D with a bias, then
    // BatchNormalization), taken only when a scale follows it:
    // (x + b)·s + t = x·s + (b·s + t).
    let early = readers.sole(chain.last).and_then(|next| {
        let bias = bias_of(graph.node(next).ok()?, chain.last)?;
        Some((next, bias, scale_after(next)?))
    });
    let scaled = match early {
        Some((next, bias, scaled)) => {
            chain.bias = Some(bias);
            step(&mut chain, next);
            Some(scaled)
        }
        None => scale_after(chain.last),
    };
    // Scale (into the filter), and a batch norm's shift.
    if let Some((next, scale, shift)) = scaled {
        let early = chain.bias.take().map(|early| {
            early
                .iter()
                .zip(&scale)
                .map(|(b, s)| b * s)
                .collect::<Vec<f32>>()
        });
        chain.bias = match shift {
            Some(shift) => Some(add_biases(early, shift)),
            None => early,
        };
        chain.scale = Some(scale);
        step(&mut chain, next);
    }
    // Biases (added to one already folded).
    while let Some(next) = readers.sole(chain.last)
        && let Ok(n) = graph.node(next)
        && let Some(bias) = bias_of(n, chain.last)
    {
        chain.bias = Some(add_biases(chain.bias.take(), bias));
        step(&mut chain, next);
    }
    // Activation.
    if let Some(next) = readers.sole(chain.last)
        && let Ok(n) = graph.node(next)
        && matches!(n.op.as_str(), "Relu" | "Relu6" | "Elu" | "LeakyRelu")
        && is_f32(n)
    {
        chain.activation = Some((n.op.clone(), n.attrs.get("alpha").cloned()));
        step(&mut chain, next);
    }
    (chain.members.len() > 1).then_some(chain)
}

/// `earlier + later`, element by element (`later` alone when there is
/// no earlier bias).
fn add_biases(earlier: Option<Vec<f32>>, later: Vec<f32>) -> Vec<f32> {
    match earlier {
        Some(earlier) => earlier.iter().zip(&later).map(|(a, b)| a + b).collect(),
        None => later,
    }
}

/// The per-channel scale `γ / sqrt(σ² + ε)` and shift `β - μ·scale` of
/// `FusedBatchNorm{,V2,V3}` node `bn` when it is an inference batch norm
/// (`is_training` false, NHWC, f32) of `from`'s output with constant
/// `[C]` parameters (the caller checks that nothing reads its other
/// outputs).
fn batch_norm_constants(
    graph: &Graph,
    bn: NodeId,
    from: NodeId,
    channels: usize,
) -> Option<(Vec<f32>, Vec<f32>)> {
    let node = graph.node(bn).ok()?;
    if !matches!(
        node.op.as_str(),
        "FusedBatchNorm" | "FusedBatchNormV2" | "FusedBatchNormV3"
    ) || !is_f32(node)
        || !matches!(node.attrs.get("is_training"), Some(Attr::Bool(false)))
        || matches!(node.attrs.get("data_format"), Some(a) if !matches!(a, Attr::Str(s) if s == b"NHWC"))
        || matches!(node.attrs.get("U"), Some(a) if !matches!(a, Attr::Type(TypeAttr::Data(DType::F32))))
    {
        return None;
    }
    let epsilon = match node.attrs.get("epsilon") {
        Some(Attr::Float(e)) => *e,
        None => 1e-4,
        Some(_) => return None,
    };
    let [x, gamma, beta, mean, variance] = node.inputs.as_slice() else {
        return None;
    };
    if x.node != from || x.output != 0 {
        return None;
    }
    let vector = |v: &ValueRef| -> Option<Vec<f32>> {
        let t = const_value(graph.node(v.node).ok()?)?;
        (v.output == 0 && t.dims() == [channels])
            .then(|| t.as_slice::<f32>().ok().map(<[f32]>::to_vec))
            .flatten()
    };
    let (gamma, beta, mean, variance) = (
        vector(gamma)?,
        vector(beta)?,
        vector(mean)?,
        vector(variance)?,
    );
    let scale: Vec<f32> = gamma
        .iter()
        .zip(&variance)
        .map(|(&g, &v)| (v + epsilon).sqrt().recip() * g)
        .collect();
    let shift = beta
        .iter()
        .zip(&mean)
        .zip(&scale)
        .map(|((&b, &m), &s)| b - m * s)
        .collect();
    Some((scale, shift))
}

/// Rewrites every chain found into one `_FusedConv2D`,
/// `_FusedDepthwiseConv2dNative` or `_FusedMatMul`. Returns how many.
fn fuse_convolutions(graph: &mut Graph) -> usize {
    let readers = Readers::of(graph);
    let chains: Vec<Chain> = (0..graph.len())
        .filter_map(|id| find_chain(graph, &readers, id))
        .collect();
    let mut fused = 0usize;
    for chain in chains {
        if fuse(graph, chain).is_ok() {
            fused = fused.saturating_add(1);
        }
    }
    fused
}

fn fuse(graph: &mut Graph, chain: Chain) -> Result<()> {
    let conv = graph.node(chain.conv)?.clone();
    let (Some(&x), Some(&filter_ref)) = (conv.inputs.first(), conv.inputs.get(1)) else {
        return Err(Error::internal("convolution without inputs"));
    };
    let last_name = graph.node(chain.last)?.name.clone();
    let channels = chain.channels;
    let filter_ref = match &chain.scale {
        Some(scale) => {
            let filter = graph
                .node(filter_ref.node)
                .ok()
                .and_then(const_value)
                .ok_or_else(|| Error::internal("filter is not constant"))?;
            let w = filter.as_slice::<f32>()?;
            let scaled: Vec<f32> = w
                .chunks(channels.max(1))
                .flat_map(|row| row.iter().zip(scale).map(|(&w, &s)| w * s))
                .collect();
            let scaled = Tensor::from_vec(filter.shape().clone(), scaled, None)?;
            let id = graph.add(make_const(
                format!("{last_name}/_ward_fused_filter"),
                scaled,
            ))?;
            ValueRef::new(id, 0)
        }
        // Unscaled weights are shared with the original node.
        None => filter_ref,
    };
    let bias = chain.bias.clone().unwrap_or_else(|| vec![0.0; channels]);
    let bias = Tensor::from_vec(Shape::vector(channels), bias, None)?;
    let bias_id = graph.add(make_const(format!("{last_name}/_ward_fused_bias"), bias))?;

    let fused_op = match conv.op.as_str() {
        "Conv2D" => "_FusedConv2D",
        "DepthwiseConv2dNative" => "_FusedDepthwiseConv2dNative",
        _ => "_FusedMatMul",
    };
    let mut fused_node = Node::new(last_name, fused_op);
    fused_node.inputs = vec![x, filter_ref, ValueRef::new(bias_id, 0)];
    for key in [
        "T",
        "strides",
        "padding",
        "explicit_paddings",
        "data_format",
        "dilations",
        "transpose_a",
        "transpose_b",
    ] {
        if let Some(a) = conv.attrs.get(key) {
            fused_node.attrs.insert(key.into(), a.clone());
        }
    }
    fused_node.attrs.insert("num_args".into(), Attr::Int(1));
    let mut ops = vec![b"BiasAdd".to_vec()];
    if let Some((name, alpha)) = &chain.activation {
        ops.push(name.as_bytes().to_vec());
        if let Some(alpha) = alpha {
            fused_node
                .attrs
                .insert("leakyrelu_alpha".into(), alpha.clone());
        }
    }
    fused_node
        .attrs
        .insert("fused_ops".into(), Attr::StrList(ops));
    let mut control = Vec::new();
    for &m in &chain.members {
        for &c in &graph.node(m)?.control_inputs {
            if !control.contains(&c) {
                control.push(c);
            }
        }
    }
    fused_node.control_inputs = control;
    *graph.node_mut(chain.last)? = fused_node;
    Ok(())
}

/// The model with its main graph optimized, or `None` when nothing
/// applied.
pub fn optimized(
    model: &Model,
    registry: &Registry,
    pool: &ThreadPool,
    max_nodes: usize,
) -> Option<(Graph, OptimizeStats)> {
    let mut graph = model.graph.clone();
    // The node limit covers the library's bodies too.
    let in_library = model
        .library
        .values()
        .fold(0usize, |n, f| n.saturating_add(f.body.len()));
    let max_nodes = max_nodes.saturating_sub(in_library);
    let stats = optimize(&mut graph, &model.library, registry, pool, max_nodes);
    stats.changed().then_some((graph, stats))
}
