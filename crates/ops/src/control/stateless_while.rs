//! StatelessWhile: While whose body has no side effects; same semantics.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/StatelessWhile>

use super::while_op::{build, spec};
use crate::kernel::OpDef;

pub const DEF: OpDef = OpDef {
    spec: spec("StatelessWhile"),
    build,
};
