//! ward's intermediate representation: graphs of nodes with attributes, a
//! function library for structured control flow (If / While / Case and
//! calls own their subgraphs as library functions), op specs, and the
//! central validation every model passes before it runs.

mod attr;
mod graph;
mod prune;
pub mod spec;
mod validate;

pub use attr::{Attr, Attrs, AttrsExt, FuncRef, PartialShape, TypeAttr};
pub use graph::{Function, Graph, Library, Model, Node, NodeId, ValueRef, split_tensor_name};
pub use prune::prune;
pub use spec::{Arity, ArityRange, Capability, OpSpec, SpecRegistry, TypeConstraint};
pub use validate::{GraphLimits, has_placeholders, validate_ops, validate_structure};
