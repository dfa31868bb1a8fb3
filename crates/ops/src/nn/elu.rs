//! Elu: `x` for x > 0, else `exp(x) - 1` (computed as TF does: exp, then
//! subtract, each rounded to the element type).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Elu>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{Unary, float_map, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Elu", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_map::<T>(ctx, x, elu::<T>))
}

fn elu<T: Float>(x: T::Wide) -> T::Wide {
    if x < T::Wide::ZERO_W {
        round::<T>(round::<T>(x.exp()) - T::Wide::ONE_W)
    } else {
        x
    }
}

/// Rounds a compute value to the element type (identity for f32/f64).
fn round<T: Float>(v: T::Wide) -> T::Wide {
    T::narrow(v).widen()
}
