//! LogicalNot: `!x` elementwise on bools.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/LogicalNot>

use crate::prelude::*;
use crate::util::simple::{Unary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("LogicalNot", 1, &[]),
    build: |_| Unary::boxed_fixed(DType::Bool, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor) -> Result<Tensor> {
    unary_inplace::<bool>(ctx, x, |v| !v)
}
