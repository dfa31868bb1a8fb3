//! ward's op set. One op per file, grouped by family; each declares its spec
//! (arity, type attributes, capability), which validation checks centrally
//! before the op's own code runs, then infers shapes, then evaluates.
//! Nothing here knows about protobuf or TensorFlow's file formats.

pub mod array;
pub mod control;
pub mod io;
pub mod kernel;
pub mod kernels;
pub mod linalg;
pub mod math;
pub mod nn;
mod prelude;
pub mod reduce;
pub mod registry;
pub mod util;

pub use kernel::{EvalCtx, FunctionRunner, Kernel, OpDef, ValueInfo};
pub use registry::{Registry, registry};
