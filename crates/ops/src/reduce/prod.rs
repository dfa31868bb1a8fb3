//! Prod: the product of `input` over the axes given by the second input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Prod>

use super::common::{Kind, build, spec};
use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("Prod", &[type_attr("T", NUMERIC), type_attr("Tidx", INDEX)]),
    build: |node| build(node, Kind::Prod),
};
