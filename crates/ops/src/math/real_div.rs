//! RealDiv: `x / y` for floats with broadcasting (IEEE: x/0 is ±inf or NaN).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/RealDiv>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("RealDiv", 2, &[type_attr("T", FLOAT)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => binary_inplace::<T>(ctx, x, &y, |a, b| a.div(b).unwrap_or(T::ZERO)))
}
