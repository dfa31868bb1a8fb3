//! Add: `x + y` with broadcasting; integers wrap.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Add>

use crate::prelude::*;
use crate::util::dtypes::ADD;
use crate::util::simple::{Binary, pure_spec};

pub const DEF: OpDef = OpDef {
    spec: pure_spec("Add", 2, &[type_attr("T", ADD)]),
    build: |node| Binary::boxed(node, eval),
};

fn eval(ctx: &EvalCtx<'_>, x: Tensor, y: Tensor) -> Result<Tensor> {
    with_numeric!(x.dtype(), T => binary_inplace::<T>(ctx, x, &y, Num::add))
}
