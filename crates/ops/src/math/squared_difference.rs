//! SquaredDifference: `(x - y) * (x - y)` with broadcasting; integers wrap.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/SquaredDifference>

use crate::prelude::*;
use crate::util::dtypes::FLOAT_I32_I64;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("SquaredDifference", 2, &[type_attr("T", FLOAT_I32_I64)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => binary_inplace::<T>(ctx, x, &y, squared_difference::<T>))
}

fn squared_difference<T: Num>(a: T, b: T) -> T {
    let d = a.sub(b);
    d.mul(d)
}
