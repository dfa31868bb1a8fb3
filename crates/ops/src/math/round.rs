//! Round: rounds half to even, elementwise (floats). TF's CPU kernel for
//! int32/int64 returns zeros rather than its input, so ward refuses those
//! (Unimplemented) instead of giving either a different or a wrong answer.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Round>

use crate::prelude::*;
use crate::util::dtypes::FLOAT_I32_I64;
use crate::util::float::Wide;
use crate::util::simple::{Unary, float_map, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Round", 1, &[type_attr("T", FLOAT_I32_I64)]),
    build,
};

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let t = node.attrs.dtype("T")?;
    if !t.is_float() {
        return Err(Error::unimplemented(format!(
            "Round on {t}: TensorFlow's CPU kernel returns zeros for integers, \
             which ward does not reproduce"
        )));
    }
    Unary::boxed(node, eval)
}

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    with_float!(x.dtype(), T => float_map::<T>(ctx, x, Wide::round_ties_even))
}
