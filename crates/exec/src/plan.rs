//! Planning: which nodes a run needs, in what order, when each value dies,
//! and a static peak-memory estimate from shape inference.

use std::collections::HashSet;
use ward_graph::{Graph, NodeId, TypeAttr, ValueRef};
use ward_ops::{Kernel, ValueInfo};
use ward_tensor::{Error, Result, ResultExt};

/// An execution order with liveness, for one set of feeds and fetches.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Nodes to run, in dependency order.
    pub order: Vec<NodeId>,
    /// For each node, for each output: how many times the run reads it
    /// (consumers in the plan plus fetches).
    pub uses: Vec<Vec<usize>>,
}

/// Whether `id` is a placeholder whose value is fed. As in TF, waiting on
/// it then waits on the feed: the placeholder itself does not run.
fn fed_placeholder(graph: &Graph, fed: &HashSet<ValueRef>, id: NodeId) -> bool {
    fed.contains(&ValueRef::new(id, 0))
        && graph
            .node(id)
            .is_ok_and(|n| matches!(n.op.as_str(), "Placeholder" | "PlaceholderV2"))
}

/// Builds the plan: nodes reachable backwards from the fetches and targets,
/// not crossing fed values, in topological order.
pub fn plan(
    graph: &Graph,
    output_counts: &[usize],
    feeds: &[ValueRef],
    fetches: &[ValueRef],
    targets: &[NodeId],
) -> Result<Plan> {
    let n = graph.len();
    let fed: HashSet<ValueRef> = feeds.iter().copied().collect();
    let mut needed = vec![false; n];
    let mut stack: Vec<NodeId> = Vec::new();
    let mark = |id: NodeId, needed: &mut Vec<bool>, stack: &mut Vec<NodeId>| {
        if let Some(slot) = needed.get_mut(id)
            && !*slot
        {
            *slot = true;
            stack.push(id);
        }
    };
    for value in fetches {
        if !fed.contains(value) {
            mark(value.node, &mut needed, &mut stack);
        }
    }
    for &t in targets {
        mark(t, &mut needed, &mut stack);
    }
    while let Some(id) = stack.pop() {
        let node = graph.node(id)?;
        for input in &node.inputs {
            if !fed.contains(input) {
                mark(input.node, &mut needed, &mut stack);
            }
        }
        for &c in &node.control_inputs {
            if !fed_placeholder(graph, &fed, c) {
                mark(c, &mut needed, &mut stack);
            }
        }
    }

    // Kahn's algorithm over the needed subgraph; ties broken by node id so
    // the order (and so every result) is deterministic.
    let mut indegree = vec![0usize; n];
    let mut consumers: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    let mut uses: Vec<Vec<usize>> = output_counts.iter().map(|&c| vec![0; c]).collect();
    for id in (0..n).filter(|&i| needed.get(i) == Some(&true)) {
        let node = graph.node(id)?;
        let data = node
            .inputs
            .iter()
            .filter(|v| !fed.contains(v))
            .map(|v| v.node);
        let control = node
            .control_inputs
            .iter()
            .copied()
            .filter(|&c| !fed_placeholder(graph, &fed, c));
        for source in data.chain(control) {
            if let (Some(d), Some(list)) = (indegree.get_mut(id), consumers.get_mut(source)) {
                *d = d.saturating_add(1);
                list.push(id);
            }
        }
        for input in node.inputs.iter().filter(|v| !fed.contains(v)) {
            bump(&mut uses, *input).at_node(&node.name, &node.op)?;
        }
    }
    for fetch in fetches.iter().filter(|v| !fed.contains(v)) {
        bump(&mut uses, *fetch)?;
    }
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<NodeId>> = (0..n)
        .filter(|&i| needed.get(i) == Some(&true) && indegree.get(i) == Some(&0))
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::new();
    while let Some(std::cmp::Reverse(id)) = ready.pop() {
        order.push(id);
        for &c in consumers.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indegree.get_mut(c) {
                *d = d.saturating_sub(1);
                if *d == 0 {
                    ready.push(std::cmp::Reverse(c));
                }
            }
        }
    }
    let needed_count = needed.iter().filter(|&&b| b).count();
    if order.len() != needed_count {
        return Err(Error::unimplemented(
            "graph has a cycle among the nodes this run needs (TF1 loops must be converted to While)",
        ));
    }
    Ok(Plan { order, uses })
}

fn bump(uses: &mut [Vec<usize>], value: ValueRef) -> Result<()> {
    let slot = uses
        .get_mut(value.node)
        .and_then(|outs| outs.get_mut(value.output))
        .ok_or_else(|| {
            Error::invalid_argument(format!("reference to missing output {}", value.output))
        })?;
    *slot = slot.saturating_add(1);
    Ok(())
}

/// Result of static shape inference over a plan.
#[derive(Debug, Clone, Default)]
pub struct Estimate {
    /// Peak bytes of live intermediate values, counting only values whose
    /// shape inference fully determined.
    pub peak_bytes: u64,
    /// Whether every value's size was known (the estimate is then exact up
    /// to kernel scratch space; otherwise it is a lower bound).
    pub complete: bool,
}

/// Runs shape inference over the plan, validating shapes before anything
/// is allocated, and simulates liveness to estimate peak memory.
/// With `limit`, fails at the first node whose outputs would push the live
/// total past it, naming that node.
pub fn estimate(
    graph: &Graph,
    kernels: &[Box<dyn Kernel>],
    plan: &Plan,
    feeds: &[(ValueRef, ValueInfo)],
    limit: Option<u64>,
) -> Result<Estimate> {
    let mut infos: Vec<Vec<ValueInfo>> = vec![Vec::new(); graph.len()];
    let fed: std::collections::HashMap<ValueRef, &ValueInfo> =
        feeds.iter().map(|(v, i)| (*v, i)).collect();
    let mut remaining = plan.uses.clone();
    let mut live: u64 = 0;
    let mut peak: u64 = 0;
    let mut complete = true;
    for &id in &plan.order {
        let node = graph.node(id)?;
        let kernel = kernels
            .get(id)
            .ok_or_else(|| Error::internal("missing kernel"))?;
        let inputs: Vec<ValueInfo> = node
            .inputs
            .iter()
            .map(|v| match fed.get(v) {
                Some(info) => (*info).clone(),
                None => infos
                    .get(v.node)
                    .and_then(|outs| outs.get(v.output))
                    .cloned()
                    .unwrap_or_else(ValueInfo::unknown),
            })
            .collect();
        let outputs = kernel.infer(&inputs).at_node(&node.name, &node.op)?;
        // Constants are allocated at load, not per run.
        let allocates = node.op != "Const";
        let count = plan.uses.get(id).map_or(0, Vec::len);
        for i in 0..count {
            let bytes = outputs.get(i).and_then(value_bytes);
            match bytes {
                Some(b) if allocates => {
                    live = live.saturating_add(b);
                }
                Some(_) => {}
                None => complete = false,
            }
        }
        peak = peak.max(live);
        if let Some(limit) = limit
            && live > limit
        {
            return Err(Error::new(ward_tensor::ErrorKind::MemoryBudget {
                what: "the values live after this node (static estimate)".to_string(),
                requested: live,
                available: limit,
                limit,
            })
            .at_node(&node.name, &node.op));
        }
        // Free inputs whose last reader this was.
        for v in node.inputs.iter().filter(|v| !fed.contains_key(v)) {
            if let Some(r) = remaining.get_mut(v.node).and_then(|o| o.get_mut(v.output)) {
                *r = r.saturating_sub(1);
                let producer_allocates = graph.node(v.node).is_ok_and(|p| p.op != "Const");
                if *r == 0
                    && producer_allocates
                    && let Some(b) = infos
                        .get(v.node)
                        .and_then(|o| o.get(v.output))
                        .and_then(value_bytes)
                {
                    live = live.saturating_sub(b);
                }
            }
        }
        if let Some(slot) = infos.get_mut(id) {
            *slot = outputs;
        }
    }
    Ok(Estimate {
        peak_bytes: peak,
        complete,
    })
}

fn value_bytes(info: &ValueInfo) -> Option<u64> {
    let TypeAttr::Data(dtype) = info.dtype? else {
        return None;
    };
    let dims = info.shape.concrete()?;
    // A size that overflows can never fit: count it as the maximum.
    let bytes = ward_tensor::checked_product(&dims)
        .ok()
        .and_then(|n| n.checked_mul(dtype.budget_size_of()))
        .and_then(|b| u64::try_from(b).ok());
    Some(bytes.unwrap_or(u64::MAX))
}
