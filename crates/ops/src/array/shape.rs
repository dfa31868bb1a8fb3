//! Shape: the dims of its input as an int32 or int64 vector.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Shape>

use crate::prelude::*;
use crate::util::layout::{int_tensor, int_value, to_i64};

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Shape",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ALL), type_attr("out_type", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ShapeOp {
    out: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ShapeOp {
        out: node.attrs.dtype_or("out_type", DType::I32)?,
    }))
}

/// Shape inference for an op returning the shape of `x` as `out`.
pub fn shape_info(x: Option<&ValueInfo>, out: DType) -> ValueInfo {
    let shape = PartialShape(x.and_then(|x| x.shape.rank()).map(|r| vec![Some(r)]));
    let value = x.and_then(|x| x.shape.concrete()).and_then(|dims| {
        let vals: Vec<i64> = dims
            .iter()
            .map(|&d| to_i64(d).ok())
            .collect::<Option<_>>()?;
        int_value(out, Shape::vector(dims.len()), &vals)
    });
    ValueInfo {
        dtype: Some(TypeAttr::Data(out)),
        shape,
        value,
    }
}

/// The shape of `x` as an `out` tensor.
pub fn shape_of(ctx: &EvalCtx<'_>, x: &Tensor, out: DType) -> Result<Tensor> {
    let vals = x
        .dims()
        .iter()
        .map(|&d| to_i64(d))
        .collect::<Result<Vec<_>>>()?;
    int_tensor(ctx.budget, out, Shape::vector(vals.len()), &vals)
}

impl Kernel for ShapeOp {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![shape_info(inputs.first(), self.out)])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        one(shape_of(ctx, &x, self.out)?)
    }
}
