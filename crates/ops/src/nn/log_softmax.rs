//! LogSoftmax over the last dim: `x - max - ln(sum(exp(x - max)))`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/LogSoftmax>

use crate::nn::softmax::softmax_rows;
use crate::prelude::*;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "LogSoftmax",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", FLOAT)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct LogSoftmax {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(LogSoftmax {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for LogSoftmax {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        if let Some(0) = inputs.first().and_then(|x| x.shape.rank()) {
            return Err(Error::invalid_argument(
                "logits must have >= 1 dimension, got []",
            ));
        }
        same_as_input(inputs)
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        if x.rank() == 0 {
            return Err(Error::invalid_argument(
                "logits must have >= 1 dimension, got []",
            ));
        }
        with_float!(x.dtype(), T => one(softmax_rows::<T>(ctx, x, true)?))
    }
}
