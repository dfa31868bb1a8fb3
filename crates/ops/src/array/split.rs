//! Split: splits `value` into `num_split` equal pieces along `axis`.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Split>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, output_count, split};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "Split",
        inputs: Arity::Exact(2),
        outputs: Arity::IntAttr {
            attr: "num_split",
            base: 0,
        },
        types: &[type_attr("T", ELEMENTS)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct Split {
    dtype: DType,
    num: usize,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let num = output_count(node.attrs.int("num_split")?, "num_split")?;
    if num == 0 {
        return Err(Error::invalid_argument("num_split must be at least 1"));
    }
    Ok(Box::new(Split {
        dtype: node.attrs.dtype("T")?,
        num,
    }))
}

/// Resolves a split axis given as a scalar.
pub fn split_axis(axis: &[i64], axis_rank: Option<usize>, rank: usize) -> Result<usize> {
    if let Some(r) = axis_rank
        && r != 0
    {
        return Err(Error::invalid_argument(format!(
            "Input must be scalar but has rank {r}"
        )));
    }
    let [a] = axis[..] else {
        return Err(Error::invalid_argument("split axis must be a scalar"));
    };
    ward_tensor::normalize_axis(a, rank).map_err(|_| {
        Error::invalid_argument(format!(
            "Dimension size, given by scalar input {a} must be in range [-{rank}, {rank})"
        ))
    })
}

impl Split {
    fn sizes(&self, dim: usize) -> Result<Vec<usize>> {
        if dim.checked_rem(self.num) != Some(0) {
            return Err(Error::invalid_argument(format!(
                "Number of ways to split should evenly divide the split dimension, but got split_dim {dim} and num_split {}",
                self.num
            )));
        }
        Ok(vec![dim.checked_div(self.num).unwrap_or(0); self.num])
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [axis, x] = take(inputs)?;
        let a = split_axis(&axis.to_i64_vec()?, Some(axis.rank()), x.rank())?;
        let sizes = self.sizes(x.dims().get(a).copied().unwrap_or(0))?;
        split(budget, &x, a, &sizes)
    }
}

impl Kernel for Split {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(DType::I32))?;
        check_input(inputs, 1, Some(self.dtype))?;
        let x = inputs.get(1);
        let mut shape = match x.and_then(|x| x.shape.rank()) {
            Some(r) => PartialShape(Some(vec![None; r])),
            None => PartialShape::unknown(),
        };
        if let (Some(dims), Some(axis)) =
            (x.and_then(|x| x.shape.dims()), const_ints(inputs.first()))
        {
            let a = split_axis(
                &axis,
                inputs.first().and_then(|i| i.shape.rank()),
                dims.len(),
            )?;
            let mut d = dims.to_vec();
            if let Some(slot) = d.get_mut(a)
                && let Some(size) = *slot
            {
                *slot = self.sizes(size)?.first().copied();
            }
            shape = PartialShape(Some(d));
        }
        let infos = vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape); self.num];
        Ok(folded(infos, inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
