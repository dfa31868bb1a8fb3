//! GatherNd: slices of `params` addressed by the last dim of `indices`.
//! Out-of-range indices are InvalidArgument (TF CPU).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/GatherNd>

use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded, oob, product, strides};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "GatherNd",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("Tparams", ELEMENTS), type_attr("Tindices", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct GatherNd {
    dtype: DType,
    tindices: DType,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let policy = node.attrs.str_or("bad_indices_policy", "")?;
    if !matches!(policy.as_str(), "" | "DEFAULT" | "ERROR") {
        return Err(Error::unimplemented(format!(
            "GatherNd bad_indices_policy '{policy}' is not supported"
        )));
    }
    Ok(Box::new(GatherNd {
        dtype: node.attrs.dtype("Tparams")?,
        tindices: node.attrs.dtype("Tindices")?,
    }))
}

/// Output dims: indices[..-1] + params[depth..].
fn out_dims<D: Copy>(params: &[D], indices: &[D], depth: usize) -> Vec<D> {
    let mut out: Vec<D> = indices
        .iter()
        .take(indices.len().saturating_sub(1))
        .copied()
        .collect();
    out.extend(params.iter().skip(depth).copied());
    out
}

fn check_depth(depth: usize, params_rank: usize, indices_rank: usize) -> Result<()> {
    if params_rank == 0 {
        return Err(Error::invalid_argument("params must be at least a vector"));
    }
    if indices_rank == 0 {
        return Err(Error::invalid_argument(
            "Shape must be at least rank 1 but is rank 0",
        ));
    }
    if depth > params_rank {
        return Err(Error::invalid_argument(format!(
            "indices.shape[-1] must be <= params.rank, but saw {depth} and params rank {params_rank}"
        )));
    }
    Ok(())
}

fn run(budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
    let [params, indices] = take(inputs)?;
    let pd = params.dims();
    let id = indices.dims();
    let depth = id.last().copied().unwrap_or(0);
    check_depth(depth, pd.len(), id.len())?;
    let lead = pd.get(..depth).ok_or_else(oob)?;
    let slice = product(pd.get(depth..).unwrap_or(&[]))?;
    let lead_strides = strides(lead);
    let idx = indices.to_i64_vec()?;
    let shape = Shape::new(out_dims(pd, id, depth))?;
    let total = shape.num_elements()?;
    let rows = if depth == 0 {
        product(id.get(..id.len().saturating_sub(1)).unwrap_or(&[]))?
    } else {
        idx.len().checked_div(depth).unwrap_or(0)
    };
    if rows > 0 && params.is_empty() {
        return Err(Error::invalid_argument(
            "Requested more than 0 entries, but params is empty.",
        ));
    }
    // Slice offsets (in slices), each index checked. Without index data
    // (depth 0) there is nothing to check, and nothing to copy if empty.
    let needed = if depth > 0 || total > 0 { rows } else { 0 };
    let (mut offsets, _offsets_lease) = budget.alloc_empty::<usize>(needed, "GatherNd offsets")?;
    for r in 0..needed {
        let mut off = 0usize;
        if depth > 0 {
            let start = r.checked_mul(depth).ok_or_else(oob)?;
            let row = idx
                .get(start..start.checked_add(depth).ok_or_else(oob)?)
                .ok_or_else(oob)?;
            for ((&v, &d), &s) in row.iter().zip(lead).zip(&lead_strides) {
                let ok = usize::try_from(v).ok().filter(|&u| u < d);
                let Some(u) = ok else {
                    return Err(Error::invalid_argument(format!(
                        "indices[{r}] = {row:?} does not index into param shape {}",
                        params.shape()
                    )));
                };
                off = u
                    .checked_mul(s)
                    .and_then(|v| v.checked_add(off))
                    .ok_or_else(oob)?;
            }
        }
        offsets.push(off);
    }
    fn typed<T: Element>(
        budget: &Budget,
        src: &[T],
        offsets: &[usize],
        slice: usize,
        shape: Shape,
        total: usize,
    ) -> Result<Tensor> {
        let (mut out, lease) = budget.alloc_empty::<T>(total, "GatherNd output")?;
        if slice > 0 {
            for &o in offsets {
                let start = o.checked_mul(slice).ok_or_else(oob)?;
                let end = start.checked_add(slice).ok_or_else(oob)?;
                out.extend_from_slice(src.get(start..end).ok_or_else(oob)?);
            }
        }
        if out.len() != total {
            return Err(Error::internal("GatherNd produced the wrong element count"));
        }
        Tensor::from_vec(shape, out, Some(lease))
    }
    one(
        crate::with_element!(params.dtype(), T => typed::<T>(budget, params.as_slice::<T>()?, &offsets, slice, shape, total))?,
    )
}

impl Kernel for GatherNd {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tindices))?;
        let mut shape = PartialShape::unknown();
        if let (Some(p), Some(i)) = (
            inputs.first().and_then(|v| v.shape.dims()),
            inputs.get(1).and_then(|v| v.shape.dims()),
        ) {
            if i.is_empty() {
                check_depth(0, p.len(), 0)?;
            }
            if let Some(Some(depth)) = i.last() {
                check_depth(*depth, p.len(), i.len())?;
                shape = PartialShape(Some(out_dims(p, i, *depth)));
            }
        }
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, run))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        run(ctx.budget, inputs)
    }
}
