//! Pack: stacks N tensors of one shape along a new `axis`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Pack>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, concat, folded, rank_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Pack",
        inputs: Arity::IntAttr { attr: "N", base: 0 },
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Pack {
    dtype: DType,
    axis: i64,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let n = node.attrs.int("N")?;
    if n < 1 {
        return Err(Error::invalid_argument(format!(
            "Value for attr 'N' of {n} must be at least minimum 1"
        )));
    }
    Ok(Box::new(Pack {
        dtype: node.attrs.dtype("T")?,
        axis: node.attrs.int_or("axis", 0)?,
    }))
}

impl Pack {
    /// The new axis in an output of rank `rank + 1`.
    fn axis(&self, rank: usize) -> Result<usize> {
        let out_rank = rank.saturating_add(1);
        ward_tensor::normalize_axis(self.axis, out_rank).map_err(|_| {
            Error::invalid_argument(format!(
                "axis = {} not in [{}, {})",
                self.axis,
                rank_i64(out_rank).saturating_neg(),
                out_rank
            ))
        })
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let first = inputs
            .first()
            .ok_or_else(|| Error::invalid_argument("nothing to pack"))?;
        let a = self.axis(first.rank())?;
        let mut part_dims = first.dims().to_vec();
        part_dims.insert(a.min(part_dims.len()), 1);
        let part_shape = Shape::new(part_dims.clone())?;
        let mut parts = Vec::with_capacity(inputs.len());
        for (i, p) in inputs.iter().enumerate() {
            if p.dtype() != self.dtype {
                return Err(Error::invalid_argument("Pack inputs differ in type").at_input(i));
            }
            if p.dims() != first.dims() {
                return Err(Error::invalid_argument(format!(
                    "Shapes of all inputs must match: values[0].shape = {} != values[{i}].shape = {}",
                    first.shape(),
                    p.shape()
                )));
            }
            parts.push(p.reshaped(part_shape.clone())?);
        }
        if let Some(slot) = part_dims.get_mut(a) {
            *slot = inputs.len();
        }
        one(concat(budget, &parts, a, part_dims)?)
    }
}

impl Kernel for Pack {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let mut merged = PartialShape::unknown();
        for (i, p) in inputs.iter().enumerate() {
            check_input(inputs, i, Some(self.dtype))?;
            merged = crate::util::infer::merge_partial(&merged, &p.shape).map_err(|_| {
                Error::invalid_argument(format!("Shapes of all inputs must match (input {i})"))
            })?;
        }
        let shape = match merged.dims() {
            Some(d) => {
                let a = self.axis(d.len())?;
                let mut d = d.to_vec();
                d.insert(a.min(d.len()), Some(inputs.len()));
                PartialShape(Some(d))
            }
            None => PartialShape::unknown(),
        };
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
