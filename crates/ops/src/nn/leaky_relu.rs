//! LeakyRelu: `x` for x > 0, else `alpha * x` (attr `alpha`, default 0.2,
//! rounded to the element type as TF does).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/LeakyRelu>

// Arithmetic here is on float element values, never on sizes.
#![allow(clippy::arithmetic_side_effects)]

use crate::prelude::*;
use crate::util::float::{Float, Wide};
use crate::util::simple::{check_input, float_map};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "LeakyRelu",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct LeakyRelu {
    alpha: f32,
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(LeakyRelu {
        alpha: node.attrs.float_or("alpha", 0.2)?,
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for LeakyRelu {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        same_as_input(inputs)
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        let alpha = f64::from(self.alpha);
        with_float!(x.dtype(), T => one(leaky_relu::<T>(ctx, x, alpha)?))
    }
}

fn leaky_relu<T: Float>(ctx: &EvalCtx<'_>, x: Tensor, alpha: f64) -> Result<Tensor> {
    let a = T::narrow(T::Wide::from_f64(alpha)).widen();
    float_map::<T>(ctx, x, |v| if v > T::Wide::ZERO_W { v } else { v * a })
}
