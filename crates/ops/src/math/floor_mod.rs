//! FloorMod: remainder of floor division (sign of `y`) with broadcasting;
//! integer division by zero is InvalidArgument and `MIN % -1` is 0.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/FloorMod>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::simple::{Binary, binary_checked, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("FloorMod", 2, &[type_attr("T", NUMERIC)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => binary_checked::<T>(ctx, &x, &y, "Integer division by zero", Arith::floor_mod))
}
