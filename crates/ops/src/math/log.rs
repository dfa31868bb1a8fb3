//! Log: natural logarithm elementwise (floats); log(0) is -inf, log(<0) NaN.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Log>

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Log", 1, &[type_attr("T", FLOAT)]),
    build: |node| Unary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => unary_inplace::<T>(ctx, x, |v| T::narrow(log(v.widen()))))
}

fn log<W: Wide>(x: W) -> W {
    // Subnormals count as zero on TF's CPU threads (DAZ). A negative one is
    // the exception: TF's float32 result depends on the element's position
    // (its vectorized loop flushes it to -0 and gives -inf, its scalar tail
    // calls logf and gives NaN). ward gives NaN, the log of a negative
    // number, as TF's recorded cases do; float64 gives -inf everywhere.
    if x.is_subnormal() && x.is_sign_negative() && W::LOG_NAN_FOR_NEGATIVE_SUBNORMAL {
        return W::from_f64(f64::NAN);
    }
    x.flush().ln()
}
