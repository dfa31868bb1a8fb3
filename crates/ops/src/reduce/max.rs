//! Max: the maximum (NaN propagates) of `input` over the axes given by the second input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Max>

use super::common::{Kind, build, spec};
use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("Max", &[type_attr("T", NUMERIC), type_attr("Tidx", INDEX)]),
    build: |node| build(node, Kind::Max),
};
