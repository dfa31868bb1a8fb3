//! Central validation, run before anything executes: references, names,
//! cycles, limits, function recursion, and every node against its op spec.

use crate::attr::Attr;
use crate::graph::{Graph, Library, Model, NodeId};
use crate::spec::SpecRegistry;
use std::collections::{BTreeMap, HashMap};
use ward_tensor::{Error, Frame, Result, ResultExt};

/// Structural limits on what a model may contain.
#[derive(Debug, Clone)]
pub struct GraphLimits {
    /// Nodes across the graph and all function bodies.
    pub max_total_nodes: usize,
    pub max_functions: usize,
    pub max_inputs_per_node: usize,
    /// Longest chain of nested function references.
    pub max_call_depth: usize,
}

impl Default for GraphLimits {
    fn default() -> Self {
        GraphLimits {
            max_total_nodes: 2_000_000,
            max_functions: 100_000,
            max_inputs_per_node: 100_000,
            max_call_depth: 256,
        }
    }
}

/// Structural checks that need no op knowledge (what the scanner relies on):
/// limits, references in range, no cycles except TF1 loop back edges, every
/// function reference resolvable, no recursion, bounded call depth.
pub fn validate_structure(model: &Model, limits: &GraphLimits) -> Result<()> {
    if model.library.len() > limits.max_functions {
        return Err(Error::resource_exhausted(format!(
            "model has {} functions, more than the limit of {}",
            model.library.len(),
            limits.max_functions
        )));
    }
    let total = model
        .library
        .values()
        .try_fold(model.graph.len(), |acc, f| acc.checked_add(f.body.len()))
        .ok_or_else(|| Error::overflow("node count"))?;
    if total > limits.max_total_nodes {
        return Err(Error::resource_exhausted(format!(
            "model has {total} nodes, more than the limit of {}",
            limits.max_total_nodes
        )));
    }
    check_graph(&model.graph, &model.library, limits)?;
    for function in model.library.values() {
        check_graph(&function.body, &model.library, limits)
            .ctx(Frame::Function(function.name.clone()))?;
        for (i, (_, value)) in function.results.iter().enumerate() {
            if value.node >= function.body.len() {
                return Err(Error::invalid_argument(format!(
                    "result {i} references a missing node"
                ))
                .with(Frame::Function(function.name.clone())));
            }
        }
    }
    check_call_depth(&model.library, limits.max_call_depth)
}

fn check_graph(graph: &Graph, library: &Library, limits: &GraphLimits) -> Result<()> {
    let n = graph.len();
    for node in graph.nodes() {
        let in_node = |e: Error| e.at_node(&node.name, &node.op);
        if node.inputs.len().saturating_add(node.control_inputs.len()) > limits.max_inputs_per_node
        {
            return Err(in_node(Error::resource_exhausted(format!(
                "node has more than {} inputs",
                limits.max_inputs_per_node
            ))));
        }
        for (i, input) in node.inputs.iter().enumerate() {
            if input.node >= n {
                return Err(in_node(
                    Error::invalid_argument("input references a missing node").at_input(i),
                ));
            }
        }
        if node.control_inputs.iter().any(|&c| c >= n) {
            return Err(in_node(Error::invalid_argument(
                "control input references a missing node",
            )));
        }
        for attr in node.attrs.values() {
            for func in attr.funcs() {
                if !library.contains_key(&func.name) {
                    return Err(in_node(Error::not_found(format!(
                        "function '{}' is not in the library",
                        func.name
                    ))));
                }
            }
        }
    }
    check_acyclic(graph)
}

/// Kahn's algorithm. Edges out of `NextIteration` are TF1 loop back edges
/// and are the only cycles allowed.
fn check_acyclic(graph: &Graph) -> Result<()> {
    let n = graph.len();
    let mut indegree = vec![0usize; n];
    let mut consumers: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (id, node) in graph.nodes().iter().enumerate() {
        let sources = node
            .inputs
            .iter()
            .map(|v| v.node)
            .chain(node.control_inputs.iter().copied());
        for source in sources {
            let is_back_edge = graph.node(source).is_ok_and(|s| s.op == "NextIteration");
            if is_back_edge {
                continue;
            }
            if let (Some(deg), Some(list)) = (indegree.get_mut(id), consumers.get_mut(source)) {
                *deg = deg.saturating_add(1);
                list.push(id);
            }
        }
    }
    let mut ready: Vec<NodeId> = (0..n).filter(|&i| indegree.get(i) == Some(&0)).collect();
    let mut visited = 0usize;
    while let Some(id) = ready.pop() {
        visited = visited.saturating_add(1);
        for &c in consumers.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(deg) = indegree.get_mut(c) {
                *deg = deg.saturating_sub(1);
                if *deg == 0 {
                    ready.push(c);
                }
            }
        }
    }
    if visited != n {
        let in_cycle = indegree
            .iter()
            .position(|&d| d > 0)
            .and_then(|id| graph.node(id).ok())
            .map_or_else(String::new, |node| {
                format!(" (node '{}' is on it)", node.name)
            });
        return Err(Error::invalid_argument(format!(
            "graph has a cycle{in_cycle}"
        )));
    }
    Ok(())
}

/// Functions referenced from a function body.
fn callees(library: &Library, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = library.get(name) {
        for node in f.body.nodes() {
            for attr in node.attrs.values() {
                out.extend(attr.funcs().into_iter().map(|r| r.name.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Rejects recursion and call chains deeper than `max_depth`, iteratively so
/// a 10,000-deep chain cannot overflow the stack.
fn check_call_depth(library: &Library, max_depth: usize) -> Result<()> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        InProgress,
        Done(usize),
    }
    let mut state: HashMap<&str, State> = HashMap::new();
    let edges: BTreeMap<&str, Vec<String>> = library
        .keys()
        .map(|k| (k.as_str(), callees(library, k)))
        .collect();
    for root in library.keys() {
        if state.contains_key(root.as_str()) {
            continue;
        }
        // Stack of (function, index of next callee to visit).
        let mut stack: Vec<(&str, usize)> = vec![(root.as_str(), 0)];
        state.insert(root.as_str(), State::InProgress);
        while let Some(&mut (name, ref mut next)) = stack.last_mut() {
            let list = edges.get(name).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(callee) = list.get(*next) {
                *next = next.saturating_add(1);
                let callee = callee.as_str();
                match state.get(callee) {
                    Some(State::InProgress) => {
                        return Err(Error::invalid_argument(format!(
                            "function '{callee}' calls itself (recursion through '{name}')"
                        )));
                    }
                    Some(State::Done(_)) => {}
                    None => {
                        if stack.len() >= max_depth {
                            return Err(Error::resource_exhausted(format!(
                                "function calls nest deeper than the limit of {max_depth} (at '{callee}')"
                            )));
                        }
                        state.insert(callee, State::InProgress);
                        stack.push((callee, 0));
                    }
                }
            } else {
                let depth = list
                    .iter()
                    .filter_map(|c| match state.get(c.as_str()) {
                        Some(State::Done(d)) => Some(*d),
                        _ => None,
                    })
                    .max()
                    .map_or(1, |d| d.saturating_add(1));
                if depth > max_depth {
                    return Err(Error::resource_exhausted(format!(
                        "function calls nest deeper than the limit of {max_depth} (at '{name}')"
                    )));
                }
                state.insert(name, State::Done(depth));
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Checks every node of the model against its op's spec: known op, input
/// count, type attributes, and that every referenced output exists.
pub fn validate_ops(model: &Model, registry: &dyn SpecRegistry) -> Result<()> {
    check_ops(&model.graph, registry)?;
    for function in model.library.values() {
        check_ops(&function.body, registry).ctx(Frame::Function(function.name.clone()))?;
    }
    Ok(())
}

fn check_ops(graph: &Graph, registry: &dyn SpecRegistry) -> Result<()> {
    let mut output_counts = Vec::with_capacity(graph.len());
    for node in graph.nodes() {
        let in_node = |e: Error| e.at_node(&node.name, &node.op);
        let spec = registry.spec(&node.op).ok_or_else(|| {
            in_node(Error::unimplemented(format!(
                "op '{}' is not supported by ward",
                node.op
            )))
        })?;
        spec.check(node).map_err(in_node)?;
        output_counts.push(spec.num_outputs(node).map_err(in_node)?);
    }
    for node in graph.nodes() {
        for (i, input) in node.inputs.iter().enumerate() {
            let count = output_counts.get(input.node);
            let ok = count.is_some_and(|c| c.max.is_none_or(|max| input.output < max));
            if !ok {
                let source = graph
                    .node(input.node)
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                return Err(Error::invalid_argument(format!(
                    "input refers to output {} of '{source}', which does not have it",
                    input.output
                ))
                .at_input(i)
                .at_node(&node.name, &node.op));
            }
        }
    }
    Ok(())
}

/// Whether any attribute of the model holds a placeholder that must be
/// bound at call time (polymorphic functions).
pub fn has_placeholders(model: &Model) -> bool {
    model
        .library
        .values()
        .flat_map(|f| f.body.nodes())
        .any(|n| n.attrs.values().any(|a| matches!(a, Attr::Placeholder(_))))
}
