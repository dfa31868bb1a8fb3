//! IsNan: whether x is NaN, elementwise, as bool (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/IsNan>

use crate::prelude::*;
use crate::util::float::Wide;
use crate::util::simple::{Unary, float_test, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("IsNan", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed_to(node, DType::Bool, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_test::<T>(ctx, &x, Wide::is_nan))
}
