//! DivNoNan: `x / y` with broadcasting, but 0 wherever `y` is 0 (even for NaN `x`).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/DivNoNan>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("DivNoNan", 2, &[type_attr("T", FLOAT)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => binary_inplace::<T>(ctx, x, &y, |a, b| {
        if b.key() == T::ZERO.key() {
            T::ZERO
        } else {
            a.div(b).unwrap_or(T::ZERO)
        }
    }))
}
