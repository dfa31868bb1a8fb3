//! Softsign: `x / (1 + |x|)` (the denominator rounded to the element type
//! first, as TF computes it).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Softsign>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{Unary, float_map, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Softsign", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_map::<T>(ctx, x, softsign::<T>))
}

fn softsign<T: Float>(x: T::Wide) -> T::Wide {
    x / T::narrow(T::Wide::ONE_W + x.abs()).widen()
}
