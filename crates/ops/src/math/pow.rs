//! Pow: `x ^ y` with broadcasting; integers wrap, and an integer raised to a
//! negative power is InvalidArgument.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Pow>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::dtypes::FLOAT_SIGNED;
use crate::util::simple::{Binary, binary_checked, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Pow", 2, &[type_attr("T", FLOAT_SIGNED)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => binary_checked::<T>(
        ctx,
        &x,
        &y,
        "Integers to negative integer powers are not allowed",
        Arith::pow,
    ))
}
