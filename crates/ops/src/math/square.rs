//! Square: `x * x` elementwise; integers wrap.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Square>

use crate::prelude::*;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Square", 1, &[type_attr("T", NUMERIC)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => unary_inplace::<T>(ctx, x, square::<T>))
}

fn square<T: Num>(v: T) -> T {
    v.mul(v)
}
