//! Fill: a tensor of shape `dims` with every element `value`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Fill>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, oob, partial_from_ints};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Fill",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("index_type", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Fill {
    dtype: DType,
    index: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Fill {
        dtype: node.attrs.dtype("T")?,
        index: node.attrs.dtype_or("index_type", DType::I32)?,
    }))
}

/// Checked output dims from a dims vector.
fn fill_dims(dims: &[i64]) -> Result<Vec<usize>> {
    dims.iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                Error::invalid_argument(format!("Fill dimensions must be >= 0, got {d}"))
            })
        })
        .collect()
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [dims, value] = take(inputs)?;
    if dims.rank() != 1 {
        return Err(Error::invalid_argument(format!(
            "Shape must be rank 1 but is rank {}",
            dims.rank()
        )));
    }
    if value.rank() != 0 {
        return Err(Error::invalid_argument(format!(
            "Shape must be rank 0 but is rank {}",
            value.rank()
        )));
    }
    let shape = Shape::new(fill_dims(&dims.to_i64_vec()?)?)
        .map_err(|_| Error::invalid_argument("Fill output is too large"))?;
    one(crate::with_element!(value.dtype(), T => {
        let v = *value.as_slice::<T>()?.first().ok_or_else(oob)?;
        Tensor::full::<T>(budget, shape, v, "Fill output")
    })?)
}

impl Kernel for Fill {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.index))?;
        check_input(inputs, 1, Some(self.dtype))?;
        for (i, want) in [(0, 1), (1, 0)] {
            if let Some(r) = inputs.get(i).and_then(|v| v.shape.rank())
                && r != want
            {
                return Err(Error::invalid_argument(format!(
                    "Shape must be rank {want} but is rank {r}"
                )));
            }
        }
        let shape = match const_ints(inputs.first()) {
            Some(d) => {
                fill_dims(&d)?;
                partial_from_ints(&d)?
            }
            None => match inputs.first().and_then(|v| v.shape.concrete()) {
                Some(d) => PartialShape(Some(vec![None; d.first().copied().unwrap_or(0)])),
                None => PartialShape::unknown(),
            },
        };
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}
