//! TF1 while loops (Enter / Merge / Switch / LoopCond / NextIteration /
//! Exit frames) rewritten into structured `While` nodes whose condition
//! and body are library functions. The loop's structure — what its
//! condition reads — stays visible for the audit, execution needs no
//! frame machinery, and every iteration is counted by the loop cap.
//! TF1 conditionals (Switch / Merge outside loops) stay as they are: the
//! executor runs them with TensorFlow's dead-tensor rules.
//!
//! Nested loops are not converted yet and are reported as Unimplemented.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use ward_graph::{
    Attr, Attrs, AttrsExt, FuncRef, Function, Graph, Model, Node, NodeId, TypeAttr, ValueRef,
};
use ward_tensor::{Error, Frame, Result};

const FRAME_OPS: [&str; 5] = ["Enter", "Merge", "Switch", "NextIteration", "Exit"];

/// Converts every TF1 loop frame of the top-level graph.
pub fn convert_loops(model: &mut Model) -> Result<()> {
    let frames = frame_names(&model.graph)?;
    for frame in frames {
        convert_frame(model, &frame)
            .map_err(|e| e.with(Frame::Note(format!("TF1 while loop '{frame}'"))))?;
    }
    Ok(())
}

fn frame_names(graph: &Graph) -> Result<Vec<String>> {
    let mut names = BTreeSet::new();
    for node in graph
        .nodes()
        .iter()
        .filter(|n| n.op == "Enter" || n.op == "RefEnter")
    {
        names.insert(node.attrs.str_or("frame_name", "")?);
    }
    Ok(names.into_iter().collect())
}

/// Consumers of each node (data and control).
fn consumers(graph: &Graph) -> Vec<Vec<NodeId>> {
    let mut out = vec![Vec::new(); graph.len()];
    for (id, node) in graph.nodes().iter().enumerate() {
        for source in node
            .inputs
            .iter()
            .map(|v| v.node)
            .chain(node.control_inputs.iter().copied())
        {
            if let Some(list) = out.get_mut(source) {
                list.push(id);
            }
        }
    }
    out
}

struct LoopVar {
    enter: NodeId,
    merge: NodeId,
    switch: NodeId,
    next: NodeId,
}

fn convert_frame(model: &mut Model, frame: &str) -> Result<()> {
    let graph = &model.graph;
    let enters: Vec<NodeId> = graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.op == "Enter" && n.attrs.str_or("frame_name", "").ok().as_deref() == Some(frame)
        })
        .map(|(id, _)| id)
        .collect();
    // Members: everything reachable from the frame's Enters without
    // passing through an Exit.
    let users = consumers(graph);
    let mut member = vec![false; graph.len()];
    let mut stack = enters.clone();
    while let Some(id) = stack.pop() {
        match member.get_mut(id) {
            Some(m) if !*m => *m = true,
            _ => continue,
        }
        let n = graph.node(id)?;
        if n.op == "Exit" {
            continue;
        }
        if (n.op == "Enter") && !enters.contains(&id) {
            return Err(Error::unimplemented(
                "nested TF1 while loops are not supported yet",
            ));
        }
        stack.extend(users.get(id).into_iter().flatten().copied());
    }
    let in_frame = |id: NodeId| member.get(id) == Some(&true);

    let loop_cond = graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|(id, n)| n.op == "LoopCond" && in_frame(*id))
        .map(|(id, _)| id)
        .collect::<Vec<_>>();
    let [loop_cond] = loop_cond.as_slice() else {
        return Err(Error::invalid_argument(format!(
            "loop frame has {} LoopCond nodes, expected 1",
            loop_cond.len()
        )));
    };
    let predicate = *graph
        .node(*loop_cond)?
        .inputs
        .first()
        .ok_or_else(|| Error::invalid_argument("LoopCond has no input"))?;

    // Loop variables: Merge(Enter, NextIteration) → Switch(Merge, LoopCond).
    let mut vars = Vec::new();
    let mut invariants = Vec::new();
    for &enter in &enters {
        let e = graph.node(enter)?;
        if e.attrs.bool_or("is_constant", false)? {
            invariants.push(enter);
            continue;
        }
        let merge = users
            .get(enter)
            .into_iter()
            .flatten()
            .copied()
            .find(|&u| graph.node(u).is_ok_and(|n| n.op == "Merge"))
            .ok_or_else(|| {
                Error::invalid_argument(format!("loop input '{}' has no Merge", e.name))
            })?;
        let m = graph.node(merge)?;
        let next = m
            .inputs
            .iter()
            .map(|v| v.node)
            .find(|&i| graph.node(i).is_ok_and(|n| n.op == "NextIteration"))
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "loop Merge '{}' has no NextIteration input",
                    m.name
                ))
            })?;
        let switch = users
            .get(merge)
            .into_iter()
            .flatten()
            .copied()
            .find(|&u| {
                graph.node(u).is_ok_and(|n| {
                    n.op == "Switch"
                        && n.inputs.first().map(|v| v.node) == Some(merge)
                        && n.inputs.get(1).map(|v| v.node) == Some(*loop_cond)
                })
            })
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "loop Merge '{}' has no Switch on the LoopCond",
                    m.name
                ))
            })?;
        vars.push(LoopVar {
            enter,
            merge,
            switch,
            next,
        });
    }
    let loop_types = vars
        .iter()
        .map(|v| v.enter)
        .chain(invariants.iter().copied())
        .map(|id| graph.node(id).and_then(|n| n.attrs.type_attr("T")))
        .collect::<Result<Vec<TypeAttr>>>()?;

    // Values that become function arguments.
    let mut cond_args: HashMap<ValueRef, usize> = HashMap::new();
    let mut body_args: HashMap<ValueRef, usize> = HashMap::new();
    for (k, var) in vars.iter().enumerate() {
        cond_args.insert(ValueRef::new(var.merge, 0), k);
        body_args.insert(ValueRef::new(var.switch, 1), k);
    }
    let count = vars.len();
    for (j, &inv) in invariants.iter().enumerate() {
        let index = count
            .checked_add(j)
            .ok_or_else(|| Error::overflow("loop arity"))?;
        cond_args.insert(ValueRef::new(inv, 0), index);
        body_args.insert(ValueRef::new(inv, 0), index);
    }
    let safe = frame.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_");
    let cond_name = format!("__ward_tf1_loop_{safe}_cond");
    let body_name = format!("__ward_tf1_loop_{safe}_body");
    let cond = extract(
        graph,
        &cond_name,
        &loop_types,
        &cond_args,
        &[predicate],
        &[TypeAttr::Data(ward_tensor::DType::Bool)],
        &in_frame,
    )?;
    let mut body_results: Vec<ValueRef> = Vec::with_capacity(loop_types.len());
    for var in &vars {
        let value = *graph
            .node(var.next)?
            .inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("NextIteration has no input"))?;
        body_results.push(value);
    }
    // Invariants pass through the body unchanged.
    body_results.extend(invariants.iter().map(|&inv| ValueRef::new(inv, 0)));
    let body = extract(
        graph,
        &body_name,
        &loop_types,
        &body_args,
        &body_results,
        &loop_types,
        &in_frame,
    )?;

    // The While node replaces the frame; Exit k becomes While output k.
    let mut while_node = Node::new(format!("{frame}/ward_while"), "While");
    for &id in vars.iter().map(|v| &v.enter).chain(invariants.iter()) {
        let input = *graph
            .node(id)?
            .inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("Enter has no input"))?;
        while_node.inputs.push(input);
    }
    while_node
        .attrs
        .insert("T".into(), Attr::TypeList(loop_types.clone()));
    while_node.attrs.insert(
        "cond".into(),
        Attr::Func(FuncRef {
            name: cond_name.clone(),
            attrs: Attrs::new(),
        }),
    );
    while_node.attrs.insert(
        "body".into(),
        Attr::Func(FuncRef {
            name: body_name.clone(),
            attrs: Attrs::new(),
        }),
    );
    while_node
        .attrs
        .insert("parallel_iterations".into(), Attr::Int(10));
    let mut exits: HashMap<NodeId, usize> = HashMap::new();
    for (k, var) in vars.iter().enumerate() {
        for &u in users.get(var.switch).into_iter().flatten() {
            let n = graph.node(u)?;
            if n.op == "Exit" && n.inputs.first() == Some(&ValueRef::new(var.switch, 0)) {
                exits.insert(u, k);
            }
        }
    }
    let rebuilt = rebuild(graph, &in_frame, while_node, &exits)?;
    model.graph = rebuilt;
    model.library.insert(cond_name, cond);
    model.library.insert(body_name, body);
    Ok(())
}

/// Copies into a new function the frame nodes that `results` depend on,
/// replacing the values in `args` by `_Arg` nodes.
fn extract(
    graph: &Graph,
    name: &str,
    arg_types: &[TypeAttr],
    args: &HashMap<ValueRef, usize>,
    results: &[ValueRef],
    result_types: &[TypeAttr],
    in_frame: &dyn Fn(NodeId) -> bool,
) -> Result<Function> {
    // Nodes to copy: backwards from the results, stopping at arguments.
    let arg_nodes: BTreeSet<NodeId> = args.keys().map(|v| v.node).collect();
    let mut copy: BTreeSet<NodeId> = BTreeSet::new();
    let mut stack: Vec<ValueRef> = results
        .iter()
        .filter(|v| !args.contains_key(v))
        .copied()
        .collect();
    while let Some(v) = stack.pop() {
        if !copy.insert(v.node) {
            continue;
        }
        let n = graph.node(v.node)?;
        if !in_frame(v.node) {
            return Err(Error::unimplemented(format!(
                "loop reads '{}' from outside without an Enter",
                n.name
            )));
        }
        if FRAME_OPS.contains(&n.op.as_str()) && n.op != "Switch" && n.op != "Merge"
            || n.op == "LoopCond"
        {
            return Err(Error::unimplemented(format!(
                "unexpected '{}' ({}) inside the loop",
                n.name, n.op
            )));
        }
        for input in &n.inputs {
            if !args.contains_key(input) {
                stack.push(*input);
            }
        }
        for &c in &n.control_inputs {
            if !arg_nodes.contains(&c) && in_frame(c) && !is_pivot(graph, c) {
                stack.push(ValueRef::new(c, 0));
            }
        }
    }
    let mut body = Graph::new();
    let mut arg_ids = Vec::with_capacity(arg_types.len());
    for (i, t) in arg_types.iter().enumerate() {
        let mut a = Node::new(format!("__arg{i}"), "_Arg");
        a.attrs.insert("T".into(), Attr::Type(*t));
        a.attrs.insert(
            "index".into(),
            Attr::Int(i64::try_from(i).map_err(|_| Error::overflow("arg index"))?),
        );
        arg_ids.push(body.add(a)?);
    }
    let mut ids: BTreeMap<NodeId, NodeId> = BTreeMap::new();
    let offset = arg_ids.len();
    for (i, &old) in copy.iter().enumerate() {
        ids.insert(
            old,
            offset
                .checked_add(i)
                .ok_or_else(|| Error::overflow("node count"))?,
        );
    }
    let map_value = |v: &ValueRef| -> Result<ValueRef> {
        if let Some(&k) = args.get(v) {
            return arg_ids
                .get(k)
                .map(|&a| ValueRef::new(a, 0))
                .ok_or_else(|| Error::internal("arg index"));
        }
        ids.get(&v.node)
            .map(|&n| ValueRef::new(n, v.output))
            .ok_or_else(|| Error::internal("loop value not copied"))
    };
    for &old in &copy {
        let n = graph.node(old)?;
        let mut c = Node::new(n.name.clone(), n.op.clone());
        c.attrs = n.attrs.clone();
        c.inputs = n.inputs.iter().map(map_value).collect::<Result<_>>()?;
        c.control_inputs = n
            .control_inputs
            .iter()
            .filter_map(|x| ids.get(x).copied())
            .collect();
        body.add(c)?;
    }
    let results = results
        .iter()
        .enumerate()
        .map(|(i, v)| Ok((format!("out{i}"), map_value(v)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Function {
        name: name.to_string(),
        body,
        args: arg_ids,
        arg_names: (0..arg_types.len()).map(|i| format!("__arg{i}")).collect(),
        arg_types: arg_types.to_vec(),
        results,
        result_types: result_types.to_vec(),
        control_results: Vec::new(),
        attrs: Attrs::new(),
        is_stateful: false,
    })
}

/// Pivot nodes (Merge, the body Identity of a Switch) only order constants
/// inside the loop; their control edges are dropped.
fn is_pivot(graph: &Graph, id: NodeId) -> bool {
    graph.node(id).is_ok_and(|n| {
        n.op == "Merge"
            || n.op == "Switch"
            || n.op == "Identity"
                && n.inputs
                    .first()
                    .is_some_and(|v| graph.node(v.node).is_ok_and(|s| s.op == "Switch"))
    })
}

/// The graph without the frame's nodes, plus the While node, with Exit
/// outputs redirected to the While's outputs.
fn rebuild(
    graph: &Graph,
    in_frame: &dyn Fn(NodeId) -> bool,
    while_node: Node,
    exits: &HashMap<NodeId, usize>,
) -> Result<Graph> {
    let mut ids: Vec<Option<NodeId>> = vec![None; graph.len()];
    let mut next = 0usize;
    for (old, slot) in ids.iter_mut().enumerate() {
        if !in_frame(old) {
            *slot = Some(next);
            next = next.saturating_add(1);
        }
    }
    let while_id = next;
    let map_value = |v: &ValueRef| -> Result<ValueRef> {
        if let Some(&k) = exits.get(&v.node) {
            return Ok(ValueRef::new(while_id, k));
        }
        ids.get(v.node)
            .copied()
            .flatten()
            .map(|n| ValueRef::new(n, v.output))
            .ok_or_else(|| {
                Error::unimplemented(
                    "a value inside the loop is read outside it other than through Exit",
                )
            })
    };
    let mut out = Graph::new();
    for (old, n) in graph.nodes().iter().enumerate() {
        if in_frame(old) {
            continue;
        }
        let mut c = Node::new(n.name.clone(), n.op.clone());
        c.attrs = n.attrs.clone();
        c.inputs = n.inputs.iter().map(map_value).collect::<Result<_>>()?;
        c.control_inputs = n
            .control_inputs
            .iter()
            .filter_map(|&x| {
                if exits.contains_key(&x) {
                    Some(while_id)
                } else {
                    ids.get(x).copied().flatten()
                }
            })
            .collect();
        out.add(c)?;
    }
    let mut w = while_node;
    w.inputs = w.inputs.iter().map(map_value).collect::<Result<_>>()?;
    out.add(w)?;
    Ok(out)
}
