//! Relu: `max(x, 0)`; NaN stays NaN, as in TF.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Relu>

use crate::prelude::*;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Relu",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", NUMERIC)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Relu;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Relu))
}

impl Kernel for Relu {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        same_as_input(inputs)
    }
    // For unsigned types the comparison is always false, which is correct.
    #[allow(clippy::absurd_extreme_comparisons)]
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        with_numeric!(x.dtype(), T => one(unary_inplace::<T>(ctx, x, |v| if v < T::ZERO { T::ZERO } else { v })?))
    }
}
