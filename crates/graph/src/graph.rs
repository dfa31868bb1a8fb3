//! Graphs, nodes, functions.

use crate::attr::{Attrs, TypeAttr};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use ward_tensor::{Error, Result};

pub type NodeId = usize;

/// One output of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueRef {
    pub node: NodeId,
    pub output: usize,
}

impl ValueRef {
    pub fn new(node: NodeId, output: usize) -> Self {
        ValueRef { node, output }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub op: String,
    pub inputs: Vec<ValueRef>,
    /// Nodes that must run before this one (`^name` inputs).
    pub control_inputs: Vec<NodeId>,
    pub attrs: Attrs,
}

impl Node {
    pub fn new(name: impl Into<String>, op: impl Into<String>) -> Self {
        Node {
            name: name.into(),
            op: op.into(),
            inputs: Vec::new(),
            control_inputs: Vec::new(),
            attrs: Attrs::new(),
        }
    }
}

/// A dataflow graph. Node ids are indices into `nodes`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    nodes: Vec<Node>,
    names: HashMap<String, NodeId>,
}

impl Graph {
    pub fn new() -> Self {
        Graph::default()
    }

    /// Adds a node; its name must be new. Inputs may reference nodes added
    /// later (validation checks every reference once the graph is built).
    pub fn add(&mut self, node: Node) -> Result<NodeId> {
        let id = self.nodes.len();
        if self.names.contains_key(&node.name) {
            return Err(Error::invalid_argument(format!(
                "duplicate node name '{}'",
                node.name
            )));
        }
        self.names.insert(node.name.clone(), id);
        self.nodes.push(node);
        Ok(id)
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    pub fn node(&self, id: NodeId) -> Result<&Node> {
        self.nodes
            .get(id)
            .ok_or_else(|| Error::internal(format!("node id {id} out of range")))
    }
    pub fn node_mut(&mut self, id: NodeId) -> Result<&mut Node> {
        self.nodes
            .get_mut(id)
            .ok_or_else(|| Error::internal(format!("node id {id} out of range")))
    }
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.names.get(name).copied()
    }
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Resolves a TF tensor name (`node`, `node:1`) to a value.
    pub fn resolve_tensor(&self, name: &str) -> Result<ValueRef> {
        let (node_name, output) = split_tensor_name(name)?;
        let node = self.find(node_name).ok_or_else(|| {
            Error::not_found(format!("no node named '{node_name}' (tensor '{name}')"))
        })?;
        Ok(ValueRef::new(node, output))
    }
}

/// Splits `name:3` into (`name`, 3); a bare name is output 0.
pub fn split_tensor_name(name: &str) -> Result<(&str, usize)> {
    match name.rsplit_once(':') {
        Some((node, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => {
            let index = index
                .parse::<usize>()
                .map_err(|_| Error::invalid_argument(format!("bad output index in '{name}'")))?;
            Ok((node, index))
        }
        _ => Ok((name, 0)),
    }
}

/// A library function: a graph whose `_Arg` nodes are its parameters and
/// whose results are named values.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub body: Graph,
    /// `_Arg` node of each parameter, in order.
    pub args: Vec<NodeId>,
    pub arg_names: Vec<String>,
    pub arg_types: Vec<TypeAttr>,
    /// Result name and value, in signature order.
    pub results: Vec<(String, ValueRef)>,
    pub result_types: Vec<TypeAttr>,
    /// Nodes that must run for their effects (`control_ret`).
    pub control_results: Vec<NodeId>,
    pub attrs: Attrs,
    /// Whether the signature declares stateful ops.
    pub is_stateful: bool,
}

/// Functions by name.
pub type Library = BTreeMap<String, Function>;

/// A top-level graph together with its function library.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub graph: Graph,
    pub library: Library,
}

impl fmt::Display for ValueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}:{}", self.node, self.output)
    }
}
