//! ZerosLike: a tensor of zeros with the shape and type of its input.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ZerosLike>

use crate::prelude::*;
use crate::util::layout::ELEMENTS;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ZerosLike",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Op {
    dtype: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Op {
        dtype: node.attrs.dtype("T")?,
    }))
}

impl Kernel for Op {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let shape = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        Ok(vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        let shape = x.shape().clone();
        if x.dtype() == DType::Bool {
            return one(Tensor::full(ctx.budget, shape, false, "ZerosLike output")?);
        }
        one(
            with_numeric!(x.dtype(), T => Tensor::full(ctx.budget, shape, T::ZERO, "ZerosLike output"))?,
        )
    }
}
