//! Neg: `-x` elementwise; integers wrap (`-MIN` is `MIN`).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Neg>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::dtypes::FLOAT_SIGNED;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Neg", 1, &[type_attr("T", FLOAT_SIGNED)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => unary_inplace::<T>(ctx, x, Arith::neg))
}
