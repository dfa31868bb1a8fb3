//! Gather: rows of `params` (axis 0) at `indices`; out-of-range indices
//! are InvalidArgument.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Gather>

use super::gather_v2::{gather, out_dims};
use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Gather",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("Tparams", ELEMENTS), type_attr("Tindices", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Gather {
    dtype: DType,
    tindices: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Gather {
        dtype: node.attrs.dtype("Tparams")?,
        tindices: node.attrs.dtype("Tindices")?,
    }))
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [params, indices] = take(inputs)?;
    if params.rank() == 0 {
        return Err(Error::invalid_argument(
            "Shape must be at least rank 1 but is rank 0",
        ));
    }
    one(gather(budget, &params, &indices, 0, 0)?)
}

impl Kernel for Gather {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tindices))?;
        let p = inputs.first().and_then(|v| v.shape.dims());
        if p.is_some_and(<[_]>::is_empty) {
            return Err(Error::invalid_argument(
                "Shape must be at least rank 1 but is rank 0",
            ));
        }
        let shape = match (p, inputs.get(1).and_then(|v| v.shape.dims())) {
            (Some(p), Some(i)) => PartialShape(Some(out_dims(p, i, 0, 0))),
            _ => PartialShape::unknown(),
        };
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}
