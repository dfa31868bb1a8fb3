//! GatherV2: slices of `params` along `axis` at `indices`, with optional
//! leading batch dims. Out-of-range indices are InvalidArgument (TF CPU).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/GatherV2>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, const_ints, folded, oob, product, rank_i64, to_usize};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "GatherV2",
        inputs: Arity::Exact(3),
        outputs: Arity::Exact(1),
        types: &[
            type_attr("Tparams", ELEMENTS),
            type_attr("Tindices", INDEX),
            type_attr("Taxis", INDEX),
        ],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct GatherV2 {
    dtype: DType,
    tindices: DType,
    taxis: DType,
    batch_dims: i64,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(GatherV2 {
        dtype: node.attrs.dtype("Tparams")?,
        tindices: node.attrs.dtype("Tindices")?,
        taxis: node.attrs.dtype_or("Taxis", DType::I32)?,
        batch_dims: node.attrs.int_or("batch_dims", 0)?,
    }))
}

/// Resolved axis and batch dims for params of rank `p` and indices of
/// rank `r`.
pub fn resolve(axis: i64, batch_dims: i64, p: usize, r: usize) -> Result<(usize, usize)> {
    let (pi, ri) = (rank_i64(p), rank_i64(r));
    let bd = if batch_dims < 0 {
        batch_dims.saturating_add(ri)
    } else {
        batch_dims
    };
    if bd < 0 || bd > ri {
        return Err(Error::invalid_argument(format!(
            "Expected batch_dims in the range [{}, {ri}], but got {batch_dims}",
            ri.saturating_neg()
        )));
    }
    let a = ward_tensor::normalize_axis(axis, p).map_err(|_| {
        Error::invalid_argument(format!(
            "Expected axis in the range [{}, {pi}), but got {axis}",
            pi.saturating_neg()
        ))
    })?;
    let bd = to_usize(bd, "batch_dims")?;
    if bd > a {
        return Err(Error::invalid_argument(format!(
            "batch_dims ({bd}) must be less than or equal to axis ({a})."
        )));
    }
    Ok((a, bd))
}

/// Output dims: params[..axis] + indices[batch_dims..] + params[axis+1..].
pub fn out_dims<D: Copy>(params: &[D], indices: &[D], axis: usize, bd: usize) -> Vec<D> {
    let mut out: Vec<D> = params.iter().take(axis).copied().collect();
    out.extend(indices.iter().skip(bd).copied());
    out.extend(params.iter().skip(axis.saturating_add(1)).copied());
    out
}

/// Gathers with checked indices.
pub fn gather(
    budget: &Budget,
    params: &Tensor,
    indices: &Tensor,
    axis: usize,
    bd: usize,
) -> Result<Tensor> {
    let pd = params.dims();
    let id = indices.dims();
    for (i, (&p, &q)) in pd.iter().zip(id).take(bd).enumerate() {
        if p != q {
            return Err(Error::invalid_argument(format!(
                "params.shape[{i}]: {p} should be equal to indices.shape[{i}]: {q}"
            )));
        }
    }
    let batch = product(pd.get(..bd).ok_or_else(oob)?)?;
    let outer = product(pd.get(bd..axis).ok_or_else(oob)?)?;
    let n = *pd.get(axis).ok_or_else(oob)?;
    let inner = product(pd.get(axis.saturating_add(1)..).unwrap_or(&[]))?;
    let per_batch = product(id.get(bd..).unwrap_or(&[]))?;
    let idx = indices.to_i64_vec()?;
    let limit = i64::try_from(n).map_err(|_| Error::overflow("gather dim"))?;
    let shape = Shape::new(out_dims(pd, id, axis, bd))?;
    // TF checks indices only when there is something to gather.
    let checked = if shape.num_elements()? == 0 {
        &[][..]
    } else {
        &idx[..]
    };
    for (i, &v) in checked.iter().enumerate() {
        if v < 0 || v >= limit {
            return Err(Error::invalid_argument(format!(
                "indices[{i}] = {v} is not in [0, {n})"
            )));
        }
    }
    fn typed<T: Element>(
        budget: &Budget,
        src: &[T],
        idx: &[i64],
        shape: Shape,
        [batch, outer, n, inner, per_batch]: [usize; 5],
    ) -> Result<Tensor> {
        let total = shape.num_elements()?;
        let (mut out, lease) = budget.alloc_empty::<T>(total, "Gather output")?;
        if total > 0 {
            for b in 0..batch {
                let ids = idx
                    .get(b.checked_mul(per_batch).ok_or_else(oob)?..)
                    .and_then(|s| s.get(..per_batch))
                    .ok_or_else(oob)?;
                for o in 0..outer {
                    let row = b
                        .checked_mul(outer)
                        .and_then(|v| v.checked_add(o))
                        .and_then(|v| v.checked_mul(n))
                        .ok_or_else(oob)?;
                    for &i in ids {
                        let i = usize::try_from(i).map_err(|_| oob())?;
                        let start = row
                            .checked_add(i)
                            .and_then(|v| v.checked_mul(inner))
                            .ok_or_else(oob)?;
                        let end = start.checked_add(inner).ok_or_else(oob)?;
                        out.extend_from_slice(src.get(start..end).ok_or_else(oob)?);
                    }
                }
            }
        }
        if out.len() != total {
            return Err(Error::internal("gather produced the wrong element count"));
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
    let sizes = [batch, outer, n, inner, per_batch];
    crate::with_element!(params.dtype(), T => typed::<T>(budget, params.as_slice::<T>()?, &idx, shape, sizes))
}

impl GatherV2 {
    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [params, indices, axis] = take(inputs)?;
        if axis.rank() != 0 {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 0 but is rank {}",
                axis.rank()
            )));
        }
        let a = axis.to_i64_vec()?.first().copied().unwrap_or(0);
        let (a, bd) = resolve(a, self.batch_dims, params.rank(), indices.rank())?;
        one(gather(budget, &params, &indices, a, bd)?)
    }
}

impl Kernel for GatherV2 {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tindices))?;
        check_input(inputs, 2, Some(self.taxis))?;
        if let Some(r) = inputs.get(2).and_then(|a| a.shape.rank())
            && r != 0
        {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 0 but is rank {r}"
            )));
        }
        let mut shape = PartialShape::unknown();
        if let (Some(p), Some(i), Some(axis)) = (
            inputs.first().and_then(|v| v.shape.dims()),
            inputs.get(1).and_then(|v| v.shape.dims()),
            const_ints(inputs.get(2)),
        ) {
            let a = axis.first().copied().unwrap_or(0);
            let (a, bd) = resolve(a, self.batch_dims, p.len(), i.len())?;
            shape = PartialShape(Some(out_dims(p, i, a, bd)));
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
