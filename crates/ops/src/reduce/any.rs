//! Any: logical or of `input` over the axes given by the second input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Any>

use super::common::{Kind, build, spec};
use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("Any", &[type_attr("Tidx", INDEX)]),
    build: |node| build(node, Kind::Any),
};
