//! Softplus: `ln(1 + e^x)`, with TF's thresholds: `x` when
//! x > -(ln(eps) + 2), `e^x` when x < ln(eps) + 2 (eps of the element
//! type; the thresholds are computed in the element type, as TF does).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Softplus>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{Unary, float_map, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Softplus", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_map::<T>(ctx, x, softplus::<T>))
}

fn softplus<T: Float>(x: T::Wide) -> T::Wide {
    let r = |v: T::Wide| T::narrow(v).widen();
    let threshold = r(r(T::Wide::from_f64(T::EPSILON).ln()) + T::Wide::from_f64(2.0));
    if x > -threshold {
        x
    } else if x < threshold {
        x.exp()
    } else {
        (x.exp() + T::Wide::ONE_W).ln()
    }
}
