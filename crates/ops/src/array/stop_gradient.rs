//! StopGradient: returns its input unchanged (it only matters to gradients,
//! which ward does not compute).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/StopGradient>

use crate::prelude::*;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("StopGradient", 1, &[type_attr("T", ALL)]),
    build: |node| Unary::boxed(node, |_, x| Ok(x)),
};
