//! Greater: `x > y` elementwise with broadcasting, as bool; NaN compares false.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Greater>

use crate::prelude::*;
use crate::util::arith::Arith;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Greater", 2, &[type_attr("T", NUMERIC)]),
    build: |node| Binary::boxed_to(node, DType::Bool, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => binary::<T, bool>(ctx, &x, &y, |a, b| a.key() > b.key()))
}
