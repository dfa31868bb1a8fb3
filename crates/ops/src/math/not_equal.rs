//! NotEqual: `x != y` elementwise with broadcasting, as bool; NaN differs
//! from everything. With `incompatible_shape_error=false`, shapes that
//! don't broadcast give a scalar `true` instead of an error.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/NotEqual>

use crate::math::equal::build;
use crate::prelude::*;
use crate::util::dtypes::NUMERIC_BOOL;
use crate::util::simple::pure_spec;

pub const DEF: OpDef = OpDef {
    spec: pure_spec("NotEqual", 2, &[type_attr("T", NUMERIC_BOOL)]),
    build: |node| build(node, true),
};
