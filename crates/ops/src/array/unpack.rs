//! Unpack: splits a tensor into `num` tensors along `axis`, dropping it.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Unpack>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded, output_count, rank_i64, split};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Unpack",
        inputs: Arity::Exact(1),
        outputs: Arity::IntAttr {
            attr: "num",
            base: 0,
        },
        types: &[type_attr("T", ELEMENTS)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Unpack {
    dtype: DType,
    num: usize,
    axis: i64,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(Unpack {
        dtype: node.attrs.dtype("T")?,
        num: output_count(node.attrs.int("num")?, "num")?,
        axis: node.attrs.int_or("axis", 0)?,
    }))
}

impl Unpack {
    fn axis(&self, rank: usize) -> Result<usize> {
        ward_tensor::normalize_axis(self.axis, rank).map_err(|_| {
            Error::invalid_argument(format!(
                "Invalid axis: {}; must be in [{},{rank})",
                self.axis,
                rank_i64(rank).saturating_neg()
            ))
        })
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x] = take(inputs)?;
        let a = self.axis(x.rank())?;
        let dim = x.dims().get(a).copied().unwrap_or(0);
        if dim != self.num {
            return Err(Error::invalid_argument(format!(
                "Input shape axis {a} must equal {}, got shape {}",
                self.num,
                x.shape()
            )));
        }
        let mut out_dims = x.dims().to_vec();
        out_dims.remove(a);
        let out_shape = Shape::new(out_dims)?;
        split(budget, &x, a, &vec![1; self.num])?
            .into_iter()
            .map(|t| t.reshaped(out_shape.clone()))
            .collect()
    }
}

impl Kernel for Unpack {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        let mut shape = PartialShape::unknown();
        if let Some(dims) = inputs.first().and_then(|x| x.shape.dims()) {
            let a = self.axis(dims.len())?;
            if let Some(Some(d)) = dims.get(a)
                && *d != self.num
            {
                return Err(Error::invalid_argument(format!(
                    "Dimension must be {} but is {d}",
                    self.num
                )));
            }
            let mut d = dims.to_vec();
            d.remove(a);
            shape = PartialShape(Some(d));
        }
        let infos = vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape); self.num];
        Ok(folded(infos, inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
