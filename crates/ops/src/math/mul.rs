//! Mul: `x * y` with broadcasting; integers wrap.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Mul>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Mul",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Mul;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Mul))
}

impl Kernel for Mul {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        binary_infer(inputs)
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, y] = take(inputs)?;
        with_numeric!(x.dtype(), T => one(binary_inplace::<T>(ctx, x, &y, Num::mul)?))
    }
}
