//! LogicalAnd: `x elementwise on bools with broadcasting.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/LogicalAnd>

use crate::prelude::*;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("LogicalAnd", 2, &[]),
    build: |_| Binary::boxed_fixed(DType::Bool, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    binary_inplace::<bool>(ctx, x, &y, |a, b| a && b)
}
