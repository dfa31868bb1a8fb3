//! ReverseV2: reverses the order of elements along the given axes.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ReverseV2>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded, rank_i64, strided_slice, to_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ReverseV2",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tidx", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ReverseV2 {
    dtype: DType,
    tidx: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ReverseV2 {
        dtype: node.attrs.dtype("T")?,
        tidx: node.attrs.dtype_or("Tidx", DType::I32)?,
    }))
}

/// Which axes to reverse; repeats are errors.
fn reversed(axes: &[i64], rank: usize) -> Result<Vec<bool>> {
    let mut mask = vec![false; rank];
    for (i, &a) in axes.iter().enumerate() {
        let axis = ward_tensor::normalize_axis(a, rank).map_err(|_| {
            Error::invalid_argument(format!(
                "'axis'[{i}] = {a} is out of valid range [0, {}",
                rank_i64(rank).saturating_sub(1)
            ))
        })?;
        let slot = mask
            .get_mut(axis)
            .ok_or_else(|| Error::internal("axis out of range"))?;
        if *slot {
            return Err(Error::invalid_argument(format!(
                "axis {axis} specified more than once."
            )));
        }
        *slot = true;
    }
    Ok(mask)
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [x, axes] = take(inputs)?;
    if axes.rank() != 1 {
        return Err(Error::invalid_argument(format!(
            "Shape must be rank 1 but is rank {}",
            axes.rank()
        )));
    }
    let mask = reversed(&axes.to_i64_vec()?, x.rank())?;
    let mut begin = Vec::with_capacity(mask.len());
    let mut step = Vec::with_capacity(mask.len());
    for (&d, &m) in x.dims().iter().zip(&mask) {
        if m {
            begin.push(to_i64(d)?.saturating_sub(1).max(0));
            step.push(-1);
        } else {
            begin.push(0);
            step.push(1);
        }
    }
    one(strided_slice(budget, &x, &begin, &step, x.dims().to_vec())?)
}

impl Kernel for ReverseV2 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tidx))?;
        if let Some(r) = inputs.get(1).and_then(|v| v.shape.rank())
            && r != 1
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 1 but is rank {r}"
            )));
        }
        if let (Some(r), Some(axes)) = (
            inputs.first().and_then(|v| v.shape.rank()),
            crate::util::layout::const_ints(inputs.get(1)),
        ) {
            reversed(&axes, r)?;
        }
        let shape = inputs
            .first()
            .map_or(PartialShape::unknown(), |x| x.shape.clone());
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}
