//! SplitV: splits `value` along `axis` into pieces of `size_splits` (one
//! entry may be -1: the rest).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/SplitV>

use super::split::split_axis;
use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded, output_count, split, to_usize};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "SplitV",
        inputs: Arity::Exact(3),
        outputs: Arity::IntAttr {
            attr: "num_split",
            base: 0,
        },
        types: &[
            type_attr("T", ELEMENTS),
            type_attr("Tlen", &[DType::I8, DType::I32, DType::I64]),
        ],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct SplitV {
    dtype: DType,
    tlen: DType,
    num: usize,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let num = output_count(node.attrs.int("num_split")?, "num_split")?;
    if num == 0 {
        return Err(Error::invalid_argument("num_split must be at least 1"));
    }
    Ok(Box::new(SplitV {
        dtype: node.attrs.dtype("T")?,
        tlen: node.attrs.dtype_or("Tlen", DType::I64)?,
        num,
    }))
}

impl SplitV {
    /// Resolves `size_splits` against the split dim.
    fn sizes(&self, spec: &[i64], dim: usize) -> Result<Vec<usize>> {
        if spec.len() != self.num {
            return Err(Error::invalid_argument(format!(
                "Number of split sizes ({}) must equal num_split ({})",
                spec.len(),
                self.num
            )));
        }
        if self.num == 1 && spec != [i64::try_from(dim).unwrap_or(-2)] {
            return Err(Error::invalid_argument(
                "If there is only one output, it must have the same size as the input",
            ));
        }
        let mut unknown = None;
        let mut known = 0usize;
        let mut out = Vec::with_capacity(spec.len());
        for (i, &s) in spec.iter().enumerate() {
            if s == -1 {
                if unknown.is_some() {
                    return Err(Error::invalid_argument(
                        "There can only be one -1 in the input.",
                    ));
                }
                unknown = Some(i);
                out.push(0);
            } else {
                let s = to_usize(s, "split size").map_err(|_| {
                    Error::invalid_argument(format!(
                        "Split size at index {i} must be >= 0. Got: {s}"
                    ))
                })?;
                known = known
                    .checked_add(s)
                    .ok_or_else(|| Error::invalid_argument("split sizes overflow"))?;
                out.push(s);
            }
        }
        match unknown {
            Some(i) => {
                let rest = dim.checked_sub(known).ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: {known}"
                    ))
                })?;
                if let Some(slot) = out.get_mut(i) {
                    *slot = rest;
                }
            }
            None if known != dim => {
                return Err(Error::invalid_argument(format!(
                    "Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: {known}"
                )));
            }
            None => {}
        }
        Ok(out)
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, sizes, axis] = take(inputs)?;
        if sizes.rank() != 1 {
            return Err(Error::invalid_argument("size_splits must be a vector").at_input(1));
        }
        let a = split_axis(&axis.to_i64_vec()?, Some(axis.rank()), x.rank())?;
        let sizes = self.sizes(&sizes.to_i64_vec()?, x.dims().get(a).copied().unwrap_or(0))?;
        split(budget, &x, a, &sizes)
    }
}

impl Kernel for SplitV {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tlen))?;
        check_input(inputs, 2, Some(DType::I32))?;
        let dims = inputs.first().and_then(|x| x.shape.dims());
        let shape = match dims {
            Some(d) => PartialShape(Some(vec![None; d.len()])),
            None => PartialShape::unknown(),
        };
        let mut infos = vec![ValueInfo::of(TypeAttr::Data(self.dtype), shape); self.num];
        // With constant sizes and axis, each piece's shape is known.
        if let (Some(dims), Some(sizes), Some(axis)) = (
            dims,
            crate::util::layout::const_ints(inputs.get(1)),
            crate::util::layout::const_ints(inputs.get(2)),
        ) {
            let a = split_axis(
                &axis,
                inputs.get(2).and_then(|i| i.shape.rank()),
                dims.len(),
            )?;
            let pieces: Vec<Option<usize>> = match dims.get(a).copied().flatten() {
                Some(d) => self.sizes(&sizes, d)?.into_iter().map(Some).collect(),
                None => sizes.iter().map(|&s| usize::try_from(s).ok()).collect(),
            };
            for (info, piece) in infos.iter_mut().zip(pieces) {
                let mut d = dims.to_vec();
                if let Some(slot) = d.get_mut(a) {
                    *slot = piece;
                }
                info.shape = PartialShape(Some(d));
            }
        }
        Ok(folded(infos, inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
