//! StatelessIf: If whose branches have no side effects; same semantics.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/StatelessIf>

use super::if_op::{build, spec};
use crate::kernel::OpDef;

pub const DEF: OpDef = OpDef {
    spec: spec("StatelessIf"),
    build,
};
