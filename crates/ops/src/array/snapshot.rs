//! Snapshot: returns its input unchanged (no copy: ward's tensors are immutable
//! once shared, so TF's copy is not needed).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Snapshot>

use crate::prelude::*;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Snapshot", 1, &[type_attr("T", ALL)]),
    build: |node| Unary::boxed(node, |_, x| Ok(x)),
};
