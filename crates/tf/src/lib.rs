//! ward's TensorFlow frontend: its own minimal protobuf schema (compiled at
//! build time with prost + protox) and the import of GraphDefs and their
//! function libraries into ward's IR. Untrusted bytes end here: every size
//! is capped before decoding and every reference is checked.

mod attr;
pub mod checkpoint;
pub mod dtype;
pub mod files;
mod graphdef;
pub mod op_defaults;
mod output_args;
pub mod proto;
pub mod saved_model;
pub mod tensor_proto;
mod tf1_loops;

pub use graphdef::{DEFAULT_MAX_GRAPH_BYTES, decode_graph_def, import_graph_def};

use ward_graph::Model;
use ward_tensor::{Budget, Result};

/// Decodes and imports a serialized GraphDef.
pub fn load_graph_def(bytes: &[u8], max_bytes: u64, budget: &Budget) -> Result<Model> {
    let def = decode_graph_def(bytes, max_bytes)?;
    import_graph_def(&def, budget)
}
