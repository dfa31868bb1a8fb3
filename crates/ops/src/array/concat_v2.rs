//! ConcatV2: joins N tensors along `axis` (the last input).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ConcatV2>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, concat, const_ints, folded, rank_i64};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ConcatV2",
        inputs: Arity::IntAttr { attr: "N", base: 1 },
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tidx", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct ConcatV2 {
    dtype: DType,
    tidx: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let n = node.attrs.int("N")?;
    if n < 2 {
        return Err(Error::invalid_argument(format!(
            "Value for attr 'N' of {n} must be at least minimum 2"
        )));
    }
    Ok(Box::new(ConcatV2 {
        dtype: node.attrs.dtype("T")?,
        tidx: node.attrs.dtype_or("Tidx", DType::I32)?,
    }))
}

/// The concat axis for parts of `rank`.
fn concat_axis(axis: i64, rank: usize) -> Result<usize> {
    if rank == 0 {
        return Err(Error::invalid_argument(
            "Can't concatenate scalars (use tf.stack instead)",
        ));
    }
    ward_tensor::normalize_axis(axis, rank).map_err(|_| {
        Error::invalid_argument(format!(
            "ConcatOp : Expected concatenating dimensions in the range [{}, {}), but got {axis}",
            rank_i64(rank).saturating_neg(),
            rank
        ))
    })
}

fn run(budget: &Budget, mut inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let axis_t = inputs
        .pop()
        .ok_or_else(|| Error::invalid_argument("missing axis"))?;
    let [axis] = axis_t.to_i64_vec()?[..] else {
        return Err(Error::invalid_argument("concat axis must be a scalar"));
    };
    let first = inputs
        .first()
        .ok_or_else(|| Error::invalid_argument("nothing to concatenate"))?;
    let rank = first.rank();
    let a = concat_axis(axis, rank)?;
    let mut out_dims = first.dims().to_vec();
    let mut total = 0usize;
    for (i, p) in inputs.iter().enumerate() {
        if p.dtype() != first.dtype() {
            return Err(Error::invalid_argument("ConcatV2 inputs differ in type").at_input(i));
        }
        if p.rank() != rank {
            return Err(Error::invalid_argument(format!(
                "ConcatOp : Ranks of all input tensors should match: shape[0] = {} vs. shape[{i}] = {}",
                first.shape(),
                p.shape()
            )));
        }
        for (j, (&x, &y)) in first.dims().iter().zip(p.dims()).enumerate() {
            if j != a && x != y {
                return Err(Error::invalid_argument(format!(
                    "ConcatOp : Dimension {j} in both shapes must be equal: shape[0] = {} vs. shape[{i}] = {}",
                    first.shape(),
                    p.shape()
                )));
            }
        }
        let d = p.dims().get(a).copied().unwrap_or(0);
        total = total
            .checked_add(d)
            .ok_or_else(|| Error::overflow("concat size"))?;
    }
    if let Some(slot) = out_dims.get_mut(a) {
        *slot = total;
    }
    one(concat(budget, &inputs, a, out_dims)?)
}

impl Kernel for ConcatV2 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let n = inputs.len().saturating_sub(1);
        for i in 0..n {
            check_input(inputs, i, Some(self.dtype))?;
        }
        check_input(inputs, n, Some(self.tidx))?;
        let parts = inputs.get(..n).unwrap_or(&[]);
        let rank = parts.iter().find_map(|p| p.shape.rank());
        let mut shape = match rank {
            Some(r) => PartialShape(Some(vec![None; r])),
            None => PartialShape::unknown(),
        };
        if let (Some(r), Some(axis)) = (rank, const_ints(inputs.get(n))) {
            let [axis] = axis[..] else {
                return Err(Error::invalid_argument("concat axis must be a scalar"));
            };
            let a = concat_axis(axis, r)?;
            let mut dims: Vec<Option<usize>> = vec![None; r];
            let mut total = Some(0usize);
            for (i, p) in parts.iter().enumerate() {
                let Some(pd) = p.shape.dims() else {
                    total = None;
                    continue;
                };
                if pd.len() != r {
                    return Err(Error::invalid_argument(format!(
                        "Shape must be rank {r} but is rank {} (input {i})",
                        pd.len()
                    )));
                }
                for (j, (slot, &d)) in dims.iter_mut().zip(pd).enumerate() {
                    if j == a {
                        continue;
                    }
                    match (*slot, d) {
                        (Some(x), Some(y)) if x != y => {
                            return Err(Error::invalid_argument(format!(
                                "Dimension {j} in both shapes must be equal, but are {x} and {y}"
                            )));
                        }
                        (None, y) => *slot = y,
                        _ => {}
                    }
                }
                total = match (total, pd.get(a).copied().flatten()) {
                    (Some(t), Some(d)) => t.checked_add(d),
                    _ => None,
                };
            }
            if let Some(slot) = dims.get_mut(a) {
                *slot = total;
            }
            shape = PartialShape(Some(dims));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}
