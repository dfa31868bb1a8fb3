//! Pruning: keep only what a run can reach, as TensorFlow does before it
//! executes. Save/restore subgraphs and other unrelated nodes of a
//! SavedModel then never need kernels (and never run).

use crate::graph::{Graph, Library, Model, Node, NodeId, ValueRef};
use std::collections::BTreeSet;
use ward_tensor::Result;

/// The model restricted to the nodes that `roots` depend on (data and
/// control edges, transitively) and the functions those nodes reference.
/// Returns the new model and, for each old node id, its new id if kept.
pub fn prune(model: &Model, roots: &[NodeId]) -> Result<(Model, Vec<Option<NodeId>>)> {
    let graph = &model.graph;
    let mut keep = vec![false; graph.len()];
    let mut stack: Vec<NodeId> = roots.to_vec();
    while let Some(id) = stack.pop() {
        match keep.get_mut(id) {
            Some(k) if !*k => *k = true,
            _ => continue,
        }
        let node = graph.node(id)?;
        stack.extend(node.inputs.iter().map(|v| v.node));
        stack.extend(node.control_inputs.iter().copied());
    }
    let mut map: Vec<Option<NodeId>> = vec![None; graph.len()];
    let mut next = 0usize;
    for (old, slot) in map.iter_mut().enumerate() {
        if keep.get(old) == Some(&true) {
            *slot = Some(next);
            next = next.saturating_add(1);
        }
    }
    let remap = |id: NodeId| map.get(id).copied().flatten();
    let mut pruned = Graph::new();
    for (old, node) in graph.nodes().iter().enumerate() {
        if keep.get(old) != Some(&true) {
            continue;
        }
        let mut copy = Node::new(node.name.clone(), node.op.clone());
        copy.attrs = node.attrs.clone();
        copy.inputs = node
            .inputs
            .iter()
            .filter_map(|v| remap(v.node).map(|n| ValueRef::new(n, v.output)))
            .collect();
        copy.control_inputs = node
            .control_inputs
            .iter()
            .filter_map(|&c| remap(c))
            .collect();
        pruned.add(copy)?;
    }
    let library = reachable_functions(&pruned, &model.library);
    Ok((
        Model {
            graph: pruned,
            library,
        },
        map,
    ))
}

/// Functions referenced from `graph`, transitively through the library.
fn reachable_functions(graph: &Graph, library: &Library) -> Library {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = graph
        .nodes()
        .iter()
        .flat_map(|n| {
            n.attrs
                .values()
                .flat_map(|a| a.funcs().into_iter().map(|f| f.name.clone()))
        })
        .collect();
    while let Some(name) = stack.pop() {
        if !names.insert(name.clone()) {
            continue;
        }
        if let Some(f) = library.get(&name) {
            for node in f.body.nodes() {
                for attr in node.attrs.values() {
                    stack.extend(attr.funcs().into_iter().map(|r| r.name.clone()));
                }
            }
        }
    }
    library
        .iter()
        .filter(|(name, _)| names.contains(*name))
        .map(|(name, f)| (name.clone(), f.clone()))
        .collect()
}
