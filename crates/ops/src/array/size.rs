//! Size: the element count of its input as an int32 or int64 scalar.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Size>

use crate::prelude::*;
use crate::util::layout::{int_tensor, int_value, to_i64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Size",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL), type_attr("out_type", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Size {
    out: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Size {
        out: node.attrs.dtype_or("out_type", DType::I32)?,
    }))
}

impl Kernel for Size {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let value = inputs
            .first()
            .and_then(|x| x.shape.concrete())
            .and_then(|d| ward_tensor::checked_product(&d).ok())
            .and_then(|n| to_i64(n).ok())
            .and_then(|n| int_value(self.out, Shape::scalar(), &[n]));
        Ok(vec![ValueInfo {
            dtype: Some(TypeAttr::Data(self.out)),
            shape: PartialShape::known(&[]),
            value,
        }])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        one(int_tensor(
            ctx.budget,
            self.out,
            Shape::scalar(),
            &[to_i64(x.len())?],
        )?)
    }
}
