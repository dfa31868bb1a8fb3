//! All: logical and of `input` over the axes given by the second input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/All>

use super::common::{Kind, build, spec};
use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: spec("All", &[type_attr("Tidx", INDEX)]),
    build: |node| build(node, Kind::All),
};
