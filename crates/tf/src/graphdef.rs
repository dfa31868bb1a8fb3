//! GraphDef (with its function library) → IR.

use crate::attr::attrs;
use crate::dtype::type_attr;
use crate::output_args::flat_index;
use crate::proto::{FunctionDef, GraphDef, NodeDef};
use prost::Message;
use std::collections::HashMap;
use ward_graph::{Attr, Function, Graph, Library, Model, Node, NodeId, TypeAttr, ValueRef};
use ward_tensor::{Budget, Error, Frame, Result, ResultExt};

/// Default cap on a serialized GraphDef (TF itself cannot exceed 2 GiB).
pub const DEFAULT_MAX_GRAPH_BYTES: u64 = 1 << 30;

/// Decodes a serialized GraphDef, refusing oversized input before decoding.
/// prost bounds message nesting (recursion limit 100).
pub fn decode_graph_def(bytes: &[u8], max_bytes: u64) -> Result<GraphDef> {
    check_size(bytes, max_bytes, "GraphDef")?;
    GraphDef::decode(bytes)
        .map_err(|e| Error::invalid_argument(format!("cannot decode GraphDef: {e}")))
}

pub(crate) fn check_size(bytes: &[u8], max_bytes: u64, what: &str) -> Result<()> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
        return Err(Error::resource_exhausted(format!(
            "{what} is {} bytes, more than the limit of {max_bytes}",
            bytes.len()
        )));
    }
    Ok(())
}

/// Imports a GraphDef and its function library. Constants are charged to
/// `budget`.
pub fn import_graph_def(def: &GraphDef, budget: &Budget) -> Result<Model> {
    let graph = import_nodes(&def.node, &[], budget, Scope::Graph)?;
    let mut library = Library::new();
    if let Some(lib) = &def.library {
        for f in &lib.function {
            let name = f
                .signature
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let function = import_function(f, budget).ctx(Frame::Function(name.clone()))?;
            if library.insert(name.clone(), function).is_some() {
                return Err(Error::invalid_argument(format!(
                    "function '{name}' is defined twice"
                )));
            }
        }
    }
    let mut model = Model { graph, library };
    crate::op_defaults::add_default_attrs(&mut model);
    crate::tf1_loops::convert_loops(&mut model)?;
    Ok(model)
}

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    /// Inputs are `node`, `node:index`, `^node`.
    Graph,
    /// Inputs are `arg`, `node:out_arg:index`, `^node`.
    Function,
}

/// Adds `prefix` nodes (function arguments) then every NodeDef, resolving
/// inputs once all names are known.
fn import_nodes(defs: &[NodeDef], prefix: &[Node], budget: &Budget, scope: Scope) -> Result<Graph> {
    let mut ids: HashMap<&str, NodeId> =
        HashMap::with_capacity(defs.len().saturating_add(prefix.len()));
    for (i, node) in prefix.iter().enumerate() {
        ids.insert(node.name.as_str(), i);
    }
    for (i, def) in defs.iter().enumerate() {
        if def.name.is_empty() {
            return Err(Error::invalid_argument(format!("node {i} has no name")));
        }
        let id = i
            .checked_add(prefix.len())
            .ok_or_else(|| Error::overflow("node count"))?;
        if ids.insert(def.name.as_str(), id).is_some() {
            return Err(Error::invalid_argument(format!(
                "duplicate node name '{}'",
                def.name
            )));
        }
    }
    // Attributes first: function-scope references need the op's attrs.
    let mut nodes: Vec<Node> = Vec::with_capacity(defs.len());
    for def in defs {
        let mut node = Node::new(def.name.clone(), def.op.clone());
        node.attrs = attrs(&def.attr, budget, 0).at_node(&def.name, &def.op)?;
        nodes.push(node);
    }
    let mut graph = Graph::new();
    for node in prefix {
        graph.add(node.clone())?;
    }
    for (i, def) in defs.iter().enumerate() {
        let mut inputs = Vec::with_capacity(def.input.len());
        let mut control = Vec::new();
        for (index, input) in def.input.iter().enumerate() {
            let resolved = resolve_input(input, &ids, &nodes, prefix.len(), scope)
                .map_err(|e| e.at_input(index).at_node(&def.name, &def.op))?;
            match resolved {
                Input::Data(v) => {
                    if !control.is_empty() {
                        return Err(Error::invalid_argument(
                            "data input listed after a control input",
                        )
                        .at_input(index)
                        .at_node(&def.name, &def.op));
                    }
                    inputs.push(v);
                }
                Input::Control(n) => control.push(n),
            }
        }
        let mut node = nodes
            .get(i)
            .cloned()
            .ok_or_else(|| Error::internal("node index out of range"))?;
        node.inputs = inputs;
        node.control_inputs = control;
        graph.add(node)?;
    }
    Ok(graph)
}

enum Input {
    Data(ValueRef),
    Control(NodeId),
}

fn resolve_input(
    input: &str,
    ids: &HashMap<&str, NodeId>,
    nodes: &[Node],
    offset: usize,
    scope: Scope,
) -> Result<Input> {
    let lookup = |name: &str| {
        ids.get(name).copied().ok_or_else(|| {
            Error::not_found(format!("input '{input}' names a missing node '{name}'"))
        })
    };
    if let Some(name) = input.strip_prefix('^') {
        return Ok(Input::Control(lookup(name)?));
    }
    let parts: Vec<&str> = input.split(':').collect();
    let parse_index = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| Error::invalid_argument(format!("bad output index in input '{input}'")))
    };
    let value = match (scope, parts.as_slice()) {
        (_, [name]) => ValueRef::new(lookup(name)?, 0),
        (Scope::Graph, [name, index]) => ValueRef::new(lookup(name)?, parse_index(index)?),
        (Scope::Function, [name, arg, index]) => {
            let id = lookup(name)?;
            let index = parse_index(index)?;
            let output = match id.checked_sub(offset).and_then(|i| nodes.get(i)) {
                Some(node) => flat_index(node, arg, index).ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "input '{input}': op {} has no output '{arg}:{index}'",
                        node.op
                    ))
                })?,
                None => index,
            };
            ValueRef::new(id, output)
        }
        _ => {
            return Err(Error::invalid_argument(format!(
                "malformed input name '{input}'"
            )));
        }
    };
    Ok(Input::Data(value))
}

fn import_function(def: &FunctionDef, budget: &Budget) -> Result<Function> {
    let signature = def
        .signature
        .as_ref()
        .ok_or_else(|| Error::invalid_argument("function has no signature"))?;
    if signature.name.is_empty() {
        return Err(Error::invalid_argument("function has no name"));
    }
    let arg_type = |arg: &crate::proto::op_def::ArgDef| -> Result<TypeAttr> {
        if !arg.number_attr.is_empty() || !arg.type_list_attr.is_empty() {
            return Err(Error::unimplemented(format!(
                "function argument '{}' is a list; only single-tensor arguments are supported",
                arg.name
            )));
        }
        if arg.r#type != 0 {
            return Ok(type_attr(arg.r#type));
        }
        Err(Error::unimplemented(format!(
            "function argument '{}' has a polymorphic type ({}); only concrete functions are supported",
            arg.name, arg.type_attr
        )))
    };
    let mut prefix = Vec::with_capacity(signature.input_arg.len());
    let mut arg_types = Vec::with_capacity(signature.input_arg.len());
    for (i, arg) in signature.input_arg.iter().enumerate() {
        let t = arg_type(arg)?;
        let mut node = Node::new(arg.name.clone(), "_Arg");
        node.attrs.insert("T".into(), Attr::Type(t));
        node.attrs.insert(
            "index".into(),
            Attr::Int(i64::try_from(i).map_err(|_| Error::overflow("arg index"))?),
        );
        prefix.push(node);
        arg_types.push(t);
    }
    let body = import_nodes(&def.node_def, &prefix, budget, Scope::Function)?;
    let args: Vec<NodeId> = (0..prefix.len()).collect();
    let mut results = Vec::with_capacity(signature.output_arg.len());
    let mut result_types = Vec::with_capacity(signature.output_arg.len());
    for arg in &signature.output_arg {
        let source = def.ret.get(&arg.name).ok_or_else(|| {
            Error::invalid_argument(format!("result '{}' has no ret mapping", arg.name))
        })?;
        let ids: HashMap<&str, NodeId> = body
            .nodes()
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let nodes: Vec<Node> = Vec::new();
        let value = match resolve_input(source, &ids, &nodes, 0, Scope::Function)? {
            Input::Data(v) => {
                // Re-resolve the arg name against the producing node's layout.
                let parts: Vec<&str> = source.split(':').collect();
                match parts.as_slice() {
                    [_, out_arg, index] => {
                        let node = body.node(v.node)?;
                        let index = index
                            .parse::<usize>()
                            .map_err(|_| Error::invalid_argument("bad ret index"))?;
                        let flat = flat_index(node, out_arg, index).ok_or_else(|| {
                            Error::invalid_argument(format!(
                                "ret '{source}' names a missing output"
                            ))
                        })?;
                        ValueRef::new(v.node, flat)
                    }
                    _ => v,
                }
            }
            Input::Control(_) => {
                return Err(Error::invalid_argument("a result cannot be a control edge"));
            }
        };
        results.push((arg.name.clone(), value));
        result_types.push(arg_type(arg)?);
    }
    let mut control_results = Vec::new();
    for node_name in def.control_ret.values() {
        let id = body.find(node_name).ok_or_else(|| {
            Error::not_found(format!("control result names a missing node '{node_name}'"))
        })?;
        control_results.push(id);
    }
    Ok(Function {
        name: signature.name.clone(),
        body,
        args,
        arg_names: signature.input_arg.iter().map(|a| a.name.clone()).collect(),
        arg_types,
        results,
        result_types,
        control_results,
        attrs: attrs(&def.attr, budget, 0)?,
        is_stateful: signature.is_stateful,
    })
}
