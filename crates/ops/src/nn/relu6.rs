//! Relu6: `min(max(x, 0), 6)`; NaN stays NaN, as in TF.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Relu6>

use crate::prelude::*;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Relu6", 1, &[type_attr("T", NUMERIC)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => unary_inplace::<T>(ctx, x, relu6::<T>))
}

// For unsigned types `v < 0` is always false, which is correct.
#[allow(clippy::absurd_extreme_comparisons)]
fn relu6<T: Num>(v: T) -> T {
    let six = T::from_f64(6.0);
    if v < T::ZERO {
        T::ZERO
    } else if v > six {
        six
    } else {
        v
    }
}
