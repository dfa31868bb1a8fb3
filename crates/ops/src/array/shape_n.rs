//! ShapeN: the shapes of N inputs (all of type T).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ShapeN>

use super::shape::{shape_info, shape_of};
use crate::prelude::*;
use crate::util::simple::check_input;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ShapeN",
        inputs: Arity::IntAttr { attr: "N", base: 0 },
        outputs: Arity::IntAttr { attr: "N", base: 0 },
        types: &[type_attr("T", ALL), type_attr("out_type", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ShapeN {
    dtype: DType,
    out: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let n = node.attrs.int("N")?;
    if n < 1 {
        return Err(Error::invalid_argument(format!("N must be >= 1, got {n}")));
    }
    Ok(Box::new(ShapeN {
        dtype: node.attrs.dtype("T")?,
        out: node.attrs.dtype_or("out_type", DType::I32)?,
    }))
}

impl Kernel for ShapeN {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        for i in 0..inputs.len() {
            check_input(inputs, i, Some(self.dtype))?;
        }
        Ok(inputs
            .iter()
            .map(|x| shape_info(Some(x), self.out))
            .collect())
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        inputs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                if x.dtype() != self.dtype {
                    return Err(Error::invalid_argument("ShapeN inputs differ in type").at_input(i));
                }
                shape_of(ctx, x, self.out)
            })
            .collect()
    }
}
