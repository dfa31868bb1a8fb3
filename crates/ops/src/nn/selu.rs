//! Selu: `scale * x` for x > 0, else `scale * alpha * (exp(x) - 1)`
//! (computed as TF does: exp, subtract, multiply, each rounded to the
//! element type).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Selu>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{Unary, float_map, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Selu", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed(node, eval),
};

const SCALE: f64 = 1.050_700_987_355_480_5;
const SCALE_ALPHA: f64 = 1.758_099_340_847_376_9;

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_map::<T>(ctx, x, selu::<T>))
}

fn selu<T: Float>(x: T::Wide) -> T::Wide {
    let c = |v: f64| round::<T>(T::Wide::from_f64(v));
    if x < T::Wide::ZERO_W {
        round::<T>(c(SCALE_ALPHA) * round::<T>(round::<T>(x.exp()) - T::Wide::ONE_W))
    } else {
        c(SCALE) * x
    }
}

/// Rounds a compute value to the element type (identity for f32/f64).
fn round<T: Float>(v: T::Wide) -> T::Wide {
    T::narrow(v).widen()
}
